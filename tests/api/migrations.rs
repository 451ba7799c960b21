//! Migrating a database whose pool of connections is being read meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use api::store::db::{migrate, migrate_by, Migrator, MigratorTrait, Steps};
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::TestApp;

/// SQLite checks a new table's or index's name against the schema its
/// connection last read, when the statement is prepared. Migration
/// statements handed to whichever pool connection was free failed now and
/// then on one that had read the schema before the name was dropped ("index
/// already exists"): a connection that requests, or a background task, had
/// been using meanwhile. Racy by nature: with each migration's statements
/// spread over the pool, about one run in three of this test failed.
#[tokio::test]
async fn migrations_run_while_the_pool_is_being_read() {
    let app = TestApp::new().await;
    let page = "/v1/sessions?municipality=1980&delivery=hybrid&limit=5";
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (db, stop) = (app.db.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    // Errors are expected while a table is being replaced.
                    let _ = db
                        .query_one(Statement::from_string(
                            db.get_database_backend(),
                            "SELECT count(*) FROM municipalities",
                        ))
                        .await;
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    // Down through every migration after the programme catalogue's (which
    // cannot be reverted): tables, columns and indexes dropped and created.
    let steps = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261127_000004_programme_catalogue")
        .expect("the catalogue migration") as u32;
    for _ in 0..5 {
        migrate_by(&app.db, Steps::Down(steps)).await.expect("down");
        migrate(&app.db).await.expect("up");
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    assert_eq!(app.get(page).await.status, 200);
}
