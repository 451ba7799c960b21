//! Batch writes: upsert and replace, their scope and the mass-delete guard,
//! validation of the whole batch, and idempotency keys.

use serde_json::{json, Value};

use super::public_sessions;
use crate::helpers::fixtures::session_json;
use crate::helpers::TestApp;

#[tokio::test]
async fn upsert_and_replace_report_what_they_did() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let sessions: Vec<Value> = (1..=30)
        .map(|i| session_json(&format!("S-{i}"), "2025-03-01"))
        .collect();
    let (status, counts) = app
        .post_batch(
            &key,
            "1980",
            &json!({"mode": "upsert", "sessions": sessions}),
        )
        .await
        .status_and_json();
    assert_eq!(status, 200);
    assert_eq!(
        counts,
        json!({"created": 30, "updated": 0, "unchanged": 0, "deleted": 0})
    );

    let mut next: Vec<Value> = sessions[..25].to_vec();
    next[0]["enrolled"] = json!(20);
    next.push(session_json("S-new", "2025-04-01"));
    let (status, counts) = app
        .post_batch(&key, "1980", &json!({"mode": "replace", "sessions": next}))
        .await
        .status_and_json();
    assert_eq!(status, 200);
    assert_eq!(
        counts,
        json!({"created": 1, "updated": 1, "unchanged": 24, "deleted": 5})
    );
    let ids: Vec<String> = public_sessions(&app, "1980")
        .await
        .iter()
        .map(|s| s["external_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 26);
    assert!(ids.contains(&"S-new".to_owned()) && !ids.contains(&"S-30".to_owned()));
}

/// The server's commits leave the SQLite log for a task of its own to copy
/// into the database file (`store::checkpoint`): a write is answered without
/// waiting for it, and is in the file soon after, with no later write to
/// push it there. SQLite's own threshold (1,000 pages) is far above a batch
/// this small, so without that task the file would not hold it.
#[tokio::test]
async fn a_written_batch_reaches_the_sqlite_file_soon_after_its_answer() {
    let app = TestApp::new().await;
    if app.sqlite_wal_bytes().is_none() {
        return; // PostgreSQL has no such log
    }
    let key = app.key(Some("1980")).await;
    let sessions: Vec<Value> = (1..=30)
        .map(|i| session_json(&format!("S-{i}"), "2025-03-01"))
        .collect();
    let body = json!({"mode": "upsert", "sessions": sessions});
    app.post_batch(&key, "1980", &body)
        .await
        .assert_status_is_ok();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if app.sessions_in_sqlite_file().await == Some(30) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the batch is still only in the log"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_replace_only_deletes_within_its_scope_and_refuses_mass_deletes() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let mut sessions: Vec<Value> = (1..=40)
        .map(|i| session_json(&format!("A-{i}"), "2024-05-01"))
        .collect();
    sessions.extend((1..=3).map(|i| session_json(&format!("B-{i}"), "2025-05-01")));
    assert_eq!(
        app.post_batch(
            &key,
            "1980",
            &json!({"mode": "upsert", "sessions": sessions})
        )
        .await
        .status_and_json()
        .0,
        200
    );

    // Only 2025 is in scope: the 2024 sessions survive though absent.
    let (status, counts) = app.post_batch(&key,
        "1980",
        &json!({"mode": "replace", "scope": {"start_from": "2025-01-01", "start_to": "2025-12-31"}, "sessions": [session_json("B-1", "2025-05-01")]}),).await.status_and_json();
    assert_eq!(status, 200);
    assert_eq!(counts["deleted"], 2);
    assert_eq!(public_sessions(&app, "1980").await.len(), 41);

    // An export that lost most rows must not wipe the history.
    let few: Vec<Value> = sessions[..5].to_vec();
    let (status, problem) = app
        .post_batch(&key, "1980", &json!({"mode": "replace", "sessions": few}))
        .await
        .status_and_json();
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["pointer"], "/allow_mass_delete");
    assert_eq!(
        public_sessions(&app, "1980").await.len(),
        41,
        "a refused replace writes nothing"
    );
    let (status, counts) = app
        .post_batch(
            &key,
            "1980",
            &json!({"mode": "replace", "allow_mass_delete": true, "sessions": few}),
        )
        .await
        .status_and_json();
    assert_eq!((status, counts["deleted"].as_i64()), (200, Some(36)));
}

#[tokio::test]
async fn an_invalid_batch_lists_every_problem_and_writes_nothing() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    assert_eq!(
        app.post_batch(
            &key,
            "1980",
            &json!({"mode": "upsert", "sessions": [session_json("KEEP", "2025-01-01")]})
        )
        .await
        .status_and_json()
        .0,
        200
    );
    let mut bad_dates = session_json("S-2", "2025-05-01");
    bad_dates["end_date"] = json!("2025-04-01");
    let mut bad_counts = session_json("S-3", "2025-05-01");
    bad_counts["completed"] = json!(99);
    let mut unknown = session_json("S-4", "2025-05-01");
    unknown["programme"] = json!("no-such-programme");
    unknown["colour"] = json!("blue");
    let body = json!({"mode": "replace", "allow_mass_delete": true, "sessions": [
        session_json("S-1", "2025-05-01"), bad_dates, bad_counts, unknown, session_json("S-1", "2025-06-01")
    ]});
    let (status, problem) = app.post_batch(&key, "1980", &body).await.status_and_json();
    assert_eq!(status, 422);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    for expected in [
        "/sessions/1/end_date",
        "/sessions/2/completed",
        "/sessions/3/programme",
        "/sessions/3/colour",
        "/sessions/4/external_id",
    ] {
        assert!(
            pointers.contains(&expected),
            "{expected} not in {pointers:?}"
        );
    }
    let left = public_sessions(&app, "1980").await;
    assert_eq!(left.len(), 1, "nothing written, nothing deleted");
    assert_eq!(left[0]["external_id"], "KEEP");
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = json!({"mode": "upsert", "sessions": [session_json("S-1", "2025-02-01"), session_json("S-2", "2025-02-01")]});
    let nightly = "nightly-2025-02-02";
    let (status, first) = app
        .post_batch_idempotent(&key, "1980", nightly, &body)
        .await
        .status_and_json();
    assert_eq!((status, first["created"].as_i64()), (200, Some(2)));
    let (status, replay) = app
        .post_batch_idempotent(&key, "1980", nightly, &body)
        .await
        .status_and_json();
    assert_eq!(status, 200);
    assert_eq!(
        replay, first,
        "a retry gets the first answer, not 'unchanged: 2'"
    );
    let mut other = body.clone();
    other["sessions"][0]["enrolled"] = json!(5);
    let (status, problem) = app
        .post_batch_idempotent(&key, "1980", nightly, &other)
        .await
        .status_and_json();
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["parameter"], "Idempotency-Key");
    assert_eq!(public_sessions(&app, "1980").await.len(), 2);

    // A rejected request is replayed as the same rejection.
    let invalid = json!({"mode": "upsert", "sessions": [{"external_id": "X"}]});
    let (s1, p1) = app
        .post_batch_idempotent(&key, "1980", "bad-1", &invalid)
        .await
        .status_and_json();
    let (s2, p2) = app
        .post_batch_idempotent(&key, "1980", "bad-1", &invalid)
        .await
        .status_and_json();
    assert_eq!((s1, s2), (422, 422));
    assert_eq!(p1["errors"], p2["errors"]);
}

#[tokio::test]
async fn an_idempotency_key_that_is_not_ascii_text_is_refused_not_ignored() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = json!({"mode": "upsert", "sessions": [session_json("S-1", "2025-02-01")]});
    for raw in [&b"nyckel-\xc3\xa4"[..], &b"\xd7\xf8\x9b"[..]] {
        let (status, problem) = app
            .post_batch_with_raw_idempotency_key(&key, "1980", raw, &body)
            .await
            .status_and_json();
        assert_eq!(status, 400, "{raw:?}");
        assert_eq!(problem["errors"][0]["parameter"], "Idempotency-Key");
    }
    assert!(
        public_sessions(&app, "1980").await.is_empty(),
        "nothing was written without the protection asked for"
    );
}
