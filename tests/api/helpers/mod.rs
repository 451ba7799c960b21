//! The harness: one isolated app and database per test, on SQLite by default
//! and on PostgreSQL when `TEST_DATABASE_URL` points at a server (each test
//! then gets a fresh database of its own, dropped afterwards).

mod databases;
mod endpoints;
pub mod fixtures;
pub mod reach_fixtures;
mod reply;

use std::sync::LazyLock;

use api::store::checkpoint::Checkpoints;
pub use api::tools::demo_data::Scope;
pub use api::Settings;
use api::{build_app, AppState};
use poem::endpoint::BoxEndpoint;
use poem::test::TestClient;
use poem::EndpointExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use self::databases::{checkpoints, fresh_database, migrated_database, Cleanup};
pub use self::reply::{
    assert_bad_parameter, assert_problem, indicator, indicator_area, item_key, path_of, Reply,
};

type Client = TestClient<BoxEndpoint<'static, poem::Response>>;

/// Test output stays quiet unless asked for: `TEST_LOG=1 cargo test` (filtered by
/// `RUST_LOG` when set). The test writer keeps a passing test's lines out of sight.
static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var_os("TEST_LOG").is_some() {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .init();
    }
});

/// The server's settings for a test: the defaults, without the rate limits
/// (a test makes many requests from one address). A test that needs a limit
/// or another setting states it and takes the rest from here.
pub fn test_settings() -> Settings {
    Settings {
        read_rate_per_minute: 0,
        write_rate_per_minute: 0,
        ..Settings::default()
    }
}

/// Serves `ep` in the background on a free loopback port; returns its
/// origin, `http://127.0.0.1:PORT` (the app for the CLI, the fake SCB and
/// Kolada servers for the fetchers).
pub async fn serve_on_loopback<E>(ep: E) -> String
where
    E: poem::IntoEndpoint + Send + 'static,
    E::Endpoint: 'static,
{
    use poem::listener::{Acceptor, Listener};
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind loopback");
    let addr = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("tcp address");
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(ep).await });
    format!("http://{addr}")
}

pub struct TestApp {
    client: Client,
    pub db: DatabaseConnection,
    pub state: AppState,
    cleanup: Cleanup,
    /// As `serve` runs it, on a SQLite file of this test's own.
    _checkpoints: Option<Checkpoints>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(test_settings()).await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        Self::with_settings_and_connections(settings, None).await
    }

    /// An instance whose pool holds at most `connections` database connections.
    pub async fn with_connections(connections: u32) -> Self {
        Self::with_settings_and_connections(test_settings(), Some(connections)).await
    }

    pub async fn with_settings_and_connections(
        settings: Settings,
        connections: Option<u32>,
    ) -> Self {
        LazyLock::force(&TRACING);
        let (db, cleanup) = migrated_database(connections).await;
        let checkpoints = checkpoints(&cleanup).await;
        Self::assemble(db, settings, cleanup, checkpoints)
    }

    /// A database migrated only through its first `applied` migrations,
    /// filled by `prepare` as an older release would have, then migrated the
    /// rest of the way: for testing that an upgrade keeps and converts data.
    pub async fn upgraded_from<F, Fut>(applied: u32, prepare: F) -> Self
    where
        F: FnOnce(DatabaseConnection) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        use api::store::db::{migrate_by, Steps};
        let (db, cleanup) = fresh_database("fst_", None).await;
        migrate_by(&db, Steps::Up(Some(applied)))
            .await
            .expect("migrate test database part of the way");
        prepare(db.clone()).await;
        api::store::db::migrate(&db)
            .await
            .expect("migrate test database the rest of the way");
        let checkpoints = checkpoints(&cleanup).await;
        Self::assemble(db, test_settings(), cleanup, checkpoints)
    }

    fn assemble(
        db: DatabaseConnection,
        settings: Settings,
        cleanup: Cleanup,
        checkpoints: Option<Checkpoints>,
    ) -> Self {
        let state = AppState::new(db.clone(), settings);
        let ep = build_app(state.clone()).map_to_response().boxed();
        Self {
            client: TestClient::new(ep),
            db,
            state,
            cleanup,
            _checkpoints: checkpoints,
        }
    }

    /// A second instance on the same database, as after a restart or beside
    /// this one behind a load balancer: its own caches, limits and settings.
    pub fn another_instance(&self, settings: Settings) -> Self {
        Self::assemble(self.db.clone(), settings, Cleanup::Shared, None)
    }

    /// Makes this test's PostgreSQL database refuse (`up = false`) or admit
    /// connections again, as a server that is down and comes back; false on
    /// SQLite.
    pub async fn database_up(&self, up: bool) -> bool {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return false;
        };
        let admin = Database::connect(admin_url.as_str())
            .await
            .expect("TEST_DATABASE_URL must reach PostgreSQL");
        admin
            .execute(Statement::from_string(
                DbBackend::Postgres,
                format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {up}"),
            ))
            .await
            .expect("allow or refuse connections");
        admin.close().await.ok();
        if !up {
            self.cut_connections().await;
        }
        true
    }

    /// Terminates every server connection to this test's PostgreSQL
    /// database, as a restart, a failover or an operator's
    /// `pg_terminate_backend` does; how many. None on SQLite, which has no
    /// server to lose (tests/ops/db_faults.sh locks its file instead).
    pub async fn cut_connections(&self) -> Option<u64> {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return None;
        };
        let admin = Database::connect(admin_url.as_str())
            .await
            .expect("TEST_DATABASE_URL must reach PostgreSQL");
        let cut = admin
            .query_all(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ),
            ))
            .await
            .expect("terminate the test database's connections");
        admin.close().await.ok();
        Some(cut.len() as u64)
    }

    /// A new API key: for a municipality, or admin with `None`.
    pub async fn key(&self, municipality: Option<&str>) -> String {
        let code =
            municipality.map(|m| api::vocab::MunicipalityCode::parse(m).expect("valid code"));
        api::store::keys::create_key(&self.db, code.as_ref(), None)
            .await
            .expect("create key")
            .1
    }

    /// A new API key and its id (what the audit trail records).
    pub async fn key_with_id(&self, municipality: Option<&str>) -> (uuid::Uuid, String) {
        let code =
            municipality.map(|m| api::vocab::MunicipalityCode::parse(m).expect("valid code"));
        let (model, secret) = api::store::keys::create_key(&self.db, code.as_ref(), None)
            .await
            .expect("create key");
        (model.id, secret)
    }

    /// The same app served over TCP on a loopback port, for a client that runs
    /// outside this process (the CLI); returns its base URL.
    pub async fn serve(&self) -> String {
        serve_on_loopback(build_app(self.state.clone())).await
    }

    /// Generated sessions, for tests that need volume rather than known values.
    pub async fn add_demo_sessions(&self, n: u64, seed: u64) {
        self.add_demo_sessions_in(Scope::County, n, seed).await;
    }

    /// The bytes in the SQLite write-ahead log; `None` on PostgreSQL and for
    /// an instance sharing another's database.
    pub fn sqlite_wal_bytes(&self) -> Option<u64> {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                Some(std::fs::metadata(format!("{}-wal", path.display())).map_or(0, |m| m.len()))
            }
            Cleanup::Postgres { .. } | Cleanup::Shared => None,
        }
    }

    /// How many sessions the SQLite database file itself holds, without its
    /// write-ahead log (what a checkpoint has copied into it); `None` on
    /// PostgreSQL, or while the file is being written to.
    pub async fn sessions_in_sqlite_file(&self) -> Option<i64> {
        let Cleanup::SqliteFile(path) = &self.cleanup else {
            return None;
        };
        // `immutable`: SQLite neither reads the log nor takes locks.
        let url = format!("sqlite://{}?mode=ro&immutable=true", path.display());
        let file = Database::connect(&url).await.ok()?;
        let count = file
            .query_one(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT count(*) FROM sessions",
            ))
            .await
            .ok()??
            .try_get_by_index::<i64>(0)
            .ok();
        let _ = file.close().await;
        count
    }

    pub async fn add_demo_sessions_in(&self, scope: Scope, n: u64, seed: u64) {
        api::tools::demo_data::generate(&self.db, n, seed, false, scope)
            .await
            .expect("generate demo data");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; a thread of our own may block.
                // FORCE ends the pool's connections, which belong to that runtime.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async move {
                        let admin = Database::connect(&admin_url).await.ok()?;
                        admin
                            .execute(Statement::from_string(
                                DbBackend::Postgres,
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                            ))
                            .await
                            .ok()?;
                        admin.close().await.ok()
                    })
                })
                .join();
            }
            Cleanup::Shared => {}
        }
    }
}

/// Runs the real binary off the test's runtime; returns (success, stdout, stderr).
pub async fn cli(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_foraldraskapsstod"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run the CLI");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}
