//! Backups of the SQLite database with the real binary (`backup --out`),
//! taken while the server keeps serving and writing, and restored by starting
//! the server on the copy: the same sessions and the same change feed.

use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::TestApp;
use crate::operations::Server;
use sea_orm::ConnectionTrait;

fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Runs `foraldraskapsstod backup --out OUT` on the database; (success, stderr).
fn run_backup(database_url: &str, out: &std::path::Path) -> (bool, String) {
    let done = Command::new(env!("CARGO_BIN_EXE_foraldraskapsstod"))
        .args(["backup", "--out", &out.display().to_string()])
        .args(["--database-url", database_url])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run backup");
    (
        done.status.success(),
        String::from_utf8_lossy(&done.stderr).into_owned(),
    )
}

async fn ndjson(client: &reqwest::Client, url: String) -> Vec<Value> {
    let text = client.get(url).send().await.unwrap().text().await.unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every entry of the change feed, from the start.
async fn feed(client: &reqwest::Client, base: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..10_000 {
        let mut url = format!("{base}/v1/changes?limit=1000");
        if let Some(a) = &after {
            url.push_str(&format!("&after={a}"));
        }
        let page: Value = client.get(url).send().await.unwrap().json().await.unwrap();
        all.extend(page["changes"].as_array().unwrap().iter().cloned());
        if page["has_more"] != true {
            return all;
        }
        after = page["next_cursor"].as_str().map(str::to_owned);
    }
    panic!("the change feed did not end");
}

async fn post(client: &reqwest::Client, base: &str, key: &str, code: &str, body: &Value) -> u16 {
    client
        .post(format!("{base}/v1/municipalities/{code}/sessions/batch"))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_the_same_data() {
    let dir = std::env::temp_dir().join(format!("fst-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = Server::start_on(&sqlite_url(&dir.join("live.db")));
    let client = reqwest::Client::new();
    source.ready(&client).await;
    let (key, writer_key) = (source.key("1980"), source.key("1981"));

    // Data before the backups: a batch, an update and a delete (a tombstone).
    let sessions: Vec<Value> = (0..2000)
        .map(|i| session_json(&format!("B-{i}"), &format!("202{}-03-01", i % 6)))
        .collect();
    let body = json!({"mode": "upsert", "sessions": sessions});
    assert_eq!(post(&client, &source.url, &key, "1980", &body).await, 200);
    let mut changed = session_json("B-1", "2021-03-01");
    changed["enrolled"] = json!(20);
    let upsert = json!({"mode": "upsert", "sessions": [changed]});
    assert_eq!(post(&client, &source.url, &key, "1980", &upsert).await, 200);
    let deleted = client
        .delete(format!(
            "{}/v1/municipalities/1980/sessions/B-2",
            source.url
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);

    // Another municipality keeps writing batches of 50 while the first backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicU64::new(0));
    let writer = tokio::spawn({
        let (client, base, stop, acked) = (
            client.clone(),
            source.url.clone(),
            stop.clone(),
            acked.clone(),
        );
        async move {
            for round in 0..10_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let batch: Vec<Value> = (0..50)
                    .map(|i| session_json(&format!("W-{round}-{i}"), "2025-05-01"))
                    .collect();
                let body = json!({"mode": "upsert", "sessions": batch});
                assert_eq!(post(&client, &base, &writer_key, "1981", &body).await, 200);
                acked.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    while acked.load(Ordering::Relaxed) < 3 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let during = dir.join("during.db");
    let (ok, err) = {
        let (url, out) = (source.database_url.clone(), during.clone());
        tokio::task::spawn_blocking(move || run_backup(&url, &out))
            .await
            .unwrap()
    };
    assert!(ok, "backup while writing failed: {err}");
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    let written_1981 = acked.load(Ordering::Relaxed) * 50;

    // A quiet backup, and one that would overwrite it.
    let quiet = dir.join("quiet.db");
    let (ok, err) = run_backup(&source.database_url, &quiet);
    assert!(ok, "backup failed: {err}");
    let size = std::fs::metadata(&quiet).unwrap().len();
    let (ok, err) = run_backup(&source.database_url, &quiet);
    assert!(!ok && err.contains("already exists"), "{err}");
    assert_eq!(
        std::fs::metadata(&quiet).unwrap().len(),
        size,
        "overwritten"
    );
    let (ok, err) = run_backup(&sqlite_url(&dir.join("no-such.db")), &dir.join("x.db"));
    assert!(!ok && err.contains("no database at"), "{err}");

    let all = |base: &str| format!("{base}/v1/sessions?format=ndjson");
    let of_1980 = |base: &str| format!("{base}/v1/sessions?municipality=1980&format=ndjson");
    let live_sessions = ndjson(&client, all(&source.url)).await;
    let live_feed = feed(&client, &source.url).await;
    assert_eq!(live_sessions.len() as u64, 1999 + written_1981);

    // Restored from the quiet backup: everything, exactly.
    let restored = Server::start_on(&sqlite_url(&quiet));
    restored.ready(&client).await;
    assert_eq!(ndjson(&client, all(&restored.url)).await, live_sessions);
    assert_eq!(feed(&client, &restored.url).await, live_feed);
    drop(restored);

    // Restored from the backup taken mid-write: 1980 exactly as it is live
    // (it did not change meanwhile), 1981 a whole number of batches, and a
    // feed that reproduces what the copy holds.
    let restored = Server::start_on(&sqlite_url(&during));
    restored.ready(&client).await;
    assert_eq!(
        ndjson(&client, of_1980(&restored.url)).await,
        ndjson(&client, of_1980(&source.url)).await
    );
    let sessions = ndjson(&client, all(&restored.url)).await;
    let in_1981 = sessions
        .iter()
        .filter(|s| s["municipality_code"] == "1981")
        .count() as u64;
    assert!(
        in_1981.is_multiple_of(50) && in_1981 >= 150 && in_1981 <= written_1981,
        "the backup holds {in_1981} of 1981's {written_1981} sessions: not whole batches"
    );
    let session_changes: Vec<Value> = feed(&client, &restored.url)
        .await
        .into_iter()
        .filter(|c| c["type"] == "session" && c["op"] == "upsert")
        .collect();
    let mut from_feed: Vec<&Value> = session_changes.iter().map(|c| &c["data"]).collect();
    let mut public: Vec<&Value> = sessions.iter().collect();
    from_feed.sort_by_key(|s| s["id"].as_str().unwrap_or_default().to_owned());
    public.sort_by_key(|s| s["id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        from_feed, public,
        "the restored feed reproduces the restored sessions"
    );
    drop(restored);
    drop(source);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn backup_refuses_postgres_and_existing_files() {
    let app = TestApp::new().await;
    let out = std::env::temp_dir().join(format!("fst-backup-{}.db", uuid::Uuid::new_v4().simple()));
    let result = api::store::db::backup(&app.db, &out).await;
    if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        let err = result.expect_err("PostgreSQL is refused").to_string();
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!out.exists());
        return;
    }
    result.expect("backup");
    let err = api::store::db::backup(&app.db, &out)
        .await
        .expect_err("an existing file is refused")
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    std::fs::remove_file(&out).ok();
}
