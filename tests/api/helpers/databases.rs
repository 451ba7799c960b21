//! A database per test: the template migrated once per run and copied for
//! each test (a SQLite file copy, PostgreSQL's CREATE DATABASE … TEMPLATE),
//! and what to clean up after it.

use api::store::checkpoint::Checkpoints;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

static TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();

pub(super) enum Cleanup {
    SqliteFile(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another instance on a database that its first instance cleans up.
    Shared,
}

/// The checkpoints `serve` runs on a SQLite file, through a connection of
/// their own as there.
pub(super) async fn checkpoints(cleanup: &Cleanup) -> Option<Checkpoints> {
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
pub(super) async fn migrated_database(connections: Option<u32>) -> (DatabaseConnection, Cleanup) {
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
pub(super) enum Template {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

pub(super) fn test_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("foraldraskapsstod-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub(super) fn server_of(admin_url: &str) -> String {
    admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_owned())
        .unwrap_or(admin_url.to_owned())
}

/// Migrates a new database once for this run. Made on its own thread and
/// runtime: the tests' runtimes end with their tests, and the template's
/// connections must not belong to one of them.
pub(super) async fn make_template() -> Template {
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
pub(super) async fn forget_old_templates() {
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
pub(super) async fn fresh_database(
    prefix: &str,
    connections: Option<u32>,
) -> (DatabaseConnection, Cleanup) {
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
