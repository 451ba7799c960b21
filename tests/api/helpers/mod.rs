//! The harness: one isolated app and database per test, on SQLite by default
//! and on PostgreSQL when `TEST_DATABASE_URL` points at a server (each test
//! then gets a fresh database of its own, dropped afterwards).

mod endpoints;
pub mod fixtures;
pub mod reach_fixtures;
mod reply;

use std::sync::LazyLock;

use api::store::checkpoint::Checkpoints;
use api::{build_app, AppState};
use poem::endpoint::BoxEndpoint;
use poem::test::TestClient;
use poem::EndpointExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

pub use api::tools::demo_data::Scope;
pub use api::Settings;
pub use reply::{
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

pub struct TestApp {
    client: Client,
    pub db: DatabaseConnection,
    pub state: AppState,
    cleanup: Cleanup,
    /// As `serve` runs it, on a SQLite file of this test's own.
    _checkpoints: Option<Checkpoints>,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another instance on a database that its first instance cleans up.
    Shared,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(Settings {
            read_rate_per_minute: 0,
            write_rate_per_minute: 0,
            ..Settings::default()
        })
        .await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        Self::with_settings_and_connections(settings, None).await
    }

    /// An instance whose pool holds at most `connections` database connections.
    pub async fn with_connections(connections: u32) -> Self {
        Self::with_settings_and_connections(
            Settings {
                read_rate_per_minute: 0,
                write_rate_per_minute: 0,
                ..Settings::default()
            },
            Some(connections),
        )
        .await
    }

    async fn with_settings_and_connections(settings: Settings, connections: Option<u32>) -> Self {
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
        Self::assemble(
            db,
            Settings {
                read_rate_per_minute: 0,
                write_rate_per_minute: 0,
                ..Settings::default()
            },
            cleanup,
            checkpoints,
        )
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
        use poem::listener::{Acceptor, Listener};
        let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind loopback");
        let addr = acceptor.local_addr()[0]
            .as_socket_addr()
            .copied()
            .expect("tcp address");
        let ep = build_app(self.state.clone());
        tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(ep).await });
        format!("http://{addr}")
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

/// The checkpoints `serve` runs on a SQLite file, through a connection of
/// their own as there.
async fn checkpoints(cleanup: &Cleanup) -> Option<Checkpoints> {
    let Cleanup::SqliteFile(path) = cleanup else {
        return None;
    };
    let db = api::store::db::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("connect for checkpoints");
    Some(api::store::checkpoint::spawn(db, path))
}

/// A migrated database of its own, copied from one migrated once per run
/// (a SQLite file copy; PostgreSQL's `CREATE DATABASE … TEMPLATE`): every
/// test used to run all the migrations and their seed data itself.
async fn migrated_database(connections: Option<u32>) -> (DatabaseConnection, Cleanup) {
    let template = TEMPLATE.get_or_init(make_template).await;
    let (url, cleanup) = match template {
        Template::Sqlite(file) => {
            let path = test_dir().join(format!("{}.db", uuid::Uuid::new_v4().simple()));
            std::fs::copy(file, &path).expect("copy the template database");
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::SqliteFile(path),
            )
        }
        Template::Postgres {
            admin_url,
            name: template,
        } => {
            let name = format!("fst_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(admin_url)
                .await
                .expect("TEST_DATABASE_URL must reach PostgreSQL");
            // Copies of one template at once wait for each other: a copy
            // refuses while another session is connected to the template.
            let mut tries = 0;
            loop {
                let made = admin
                    .execute(Statement::from_string(
                        DbBackend::Postgres,
                        format!("CREATE DATABASE {name} TEMPLATE {template}"),
                    ))
                    .await;
                match made {
                    Ok(_) => break,
                    Err(e) if tries < 50 && e.to_string().contains("being accessed") => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(20 * tries)).await;
                    }
                    Err(e) => panic!("copy the template database: {e}"),
                }
            }
            admin.close().await.ok();
            (
                format!("{}/{name}", server_of(admin_url)),
                Cleanup::Postgres {
                    admin_url: admin_url.clone(),
                    name,
                },
            )
        }
    };
    let db = api::store::db::connect_server(&url, connections)
        .await
        .expect("connect test database");
    (db, cleanup)
}

/// The migrated database every test's is copied from.
enum Template {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

static TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();

fn test_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("foraldraskapsstod-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn server_of(admin_url: &str) -> String {
    admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin_url.to_owned())
}

/// Migrates a new database once for this run. Made on its own thread and
/// runtime: the tests' runtimes end with their tests, and the template's
/// connections must not belong to one of them.
async fn make_template() -> Template {
    std::thread::spawn(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the template");
        rt.block_on(async {
            forget_old_templates().await;
            let (db, cleanup) = fresh_database("fst_template_", Some(1)).await;
            api::store::db::migrate(&db)
                .await
                .expect("migrate the template database");
            match cleanup {
                Cleanup::SqliteFile(path) => {
                    // One self-contained file (no write-ahead log beside it) to copy.
                    let file =
                        test_dir().join(format!("template-{}.db", uuid::Uuid::new_v4().simple()));
                    db.execute_unprepared(&format!("VACUUM INTO '{}'", file.display()))
                        .await
                        .expect("write the template file");
                    db.close().await.ok();
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                    }
                    Template::Sqlite(file)
                }
                Cleanup::Postgres { admin_url, name } => {
                    db.close().await.ok();
                    Template::Postgres { admin_url, name }
                }
                Cleanup::Shared => unreachable!("a fresh database is its own"),
            }
        })
    })
    .join()
    .expect("make the template database")
}

/// Templates of earlier runs (a run cannot drop its own at exit): files
/// older than an hour, and PostgreSQL templates nobody is connected to.
async fn forget_old_templates() {
    let hour = std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(test_dir())
        .into_iter()
        .flatten()
        .flatten()
    {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > hour));
        if old && entry.file_name().to_string_lossy().starts_with("template-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        return;
    };
    let Ok(admin) = Database::connect(&admin_url).await else {
        return;
    };
    let names: Vec<String> = admin
        .query_all(Statement::from_string(
            DbBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'fst_template_%'",
        ))
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r.try_get::<String>("", "datname").ok())
        .collect();
    for name in names {
        // Refused while a test run is copying it: that run drops it next time.
        let _ = admin
            .execute(Statement::from_string(
                DbBackend::Postgres,
                format!("DROP DATABASE IF EXISTS {name}"),
            ))
            .await;
    }
    admin.close().await.ok();
}

/// A new, empty database of its own: a SQLite file, or a PostgreSQL database
/// on the server `TEST_DATABASE_URL` names; at most `connections` at once,
/// or as many as `serve` uses by default.
async fn fresh_database(prefix: &str, connections: Option<u32>) -> (DatabaseConnection, Cleanup) {
    let (url, cleanup) = match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin_url) => {
            let name = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&admin_url)
                .await
                .expect("TEST_DATABASE_URL must reach PostgreSQL");
            admin
                .execute(Statement::from_string(
                    DbBackend::Postgres,
                    format!("CREATE DATABASE {name}"),
                ))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin_url.clone());
            (
                format!("{base}/{name}"),
                Cleanup::Postgres { admin_url, name },
            )
        }
        None => {
            let path = test_dir().join(format!("{}.db", uuid::Uuid::new_v4().simple()));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::SqliteFile(path),
            )
        }
    };
    let db = api::store::db::connect_server(&url, connections)
        .await
        .expect("connect test database");
    (db, cleanup)
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
