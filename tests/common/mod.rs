//! The test harness: one isolated database per test, on SQLite by default and
//! on PostgreSQL when `TEST_DATABASE_URL` points at a server (each test then
//! gets a fresh database of its own, dropped afterwards).

#![allow(dead_code)]

use api::{build_app, AppState, Settings};
use poem::endpoint::BoxEndpoint;
use poem::test::TestClient;
use poem::EndpointExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static, poem::Response>>,
    pub db: DatabaseConnection,
    pub state: AppState,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
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
        let (db, cleanup) = fresh_database().await;
        api::store::db::migrate(&db)
            .await
            .expect("migrate test database");
        Self::assemble(db, settings, cleanup)
    }

    /// A database migrated only through its first `applied` migrations,
    /// filled by `prepare` as an older release would have, then migrated the
    /// rest of the way: for testing that an upgrade keeps and converts data.
    pub async fn upgraded_from<F, Fut>(applied: u32, prepare: F) -> Self
    where
        F: FnOnce(DatabaseConnection) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        use migration::MigratorTrait;
        let (db, cleanup) = fresh_database().await;
        migration::Migrator::up(&db, Some(applied))
            .await
            .expect("migrate test database part of the way");
        prepare(db.clone()).await;
        api::store::db::migrate(&db)
            .await
            .expect("migrate test database the rest of the way");
        Self::assemble(
            db,
            Settings {
                read_rate_per_minute: 0,
                write_rate_per_minute: 0,
                ..Settings::default()
            },
            cleanup,
        )
    }

    fn assemble(db: DatabaseConnection, settings: Settings, cleanup: Cleanup) -> Self {
        let state = AppState::new(db.clone(), settings);
        let ep = build_app(state.clone()).map_to_response().boxed();
        Self {
            client: TestClient::new(ep),
            db,
            state,
            cleanup,
        }
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }
}

/// A new, empty database of its own: a SQLite file, or a PostgreSQL database
/// on the server `TEST_DATABASE_URL` names.
async fn fresh_database() -> (DatabaseConnection, Cleanup) {
    let (url, cleanup) = match std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin_url) => {
            let name = format!("fst_{}", uuid::Uuid::new_v4().simple());
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
            let dir = std::env::temp_dir().join("foraldraskapsstod-tests");
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join(format!("{}.db", uuid::Uuid::new_v4().simple()));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::SqliteFile(path),
            )
        }
    };
    let db = api::store::db::connect(&url)
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
        }
    }
}

impl TestApp {
    /// A second client over the same app and database, for concurrent tasks.
    pub fn another_client(&self) -> TestClient<BoxEndpoint<'static, poem::Response>> {
        TestClient::new(build_app(self.state.clone()).map_to_response().boxed())
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
}

/// A valid session body with the given external id and start date.
pub fn session_json(external_id: &str, start_date: &str) -> serde_json::Value {
    serde_json::json!({
        "external_id": external_id,
        "programme": "abc",
        "status": "completed",
        "start_date": start_date,
        "delivery": "in_person",
        "languages": ["sv"],
        "enrolled": 12,
        "completed": 10,
        "women": 7,
        "men": 5,
        "vulnerable_area": 3,
        "satisfaction_respondents": 8,
        "satisfied": 7
    })
}

/// Status and JSON body of a response (Null for an empty body).
pub async fn status_json(resp: poem::test::TestResponse) -> (u16, serde_json::Value) {
    let status = resp.0.status().as_u16();
    let bytes = resp.0.into_body().into_vec().await.expect("body");
    (
        status,
        if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON body")
        },
    )
}
