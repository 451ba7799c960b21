//! `Idempotency-Key` and failures: the stored answer commits or rolls back
//! with the write, so a retry after a write that never committed runs again,
//! duplicates sent at once write once, and refusals are replayed.

use std::time::Duration;

use chrono::Utc;
use entity::idempotency_record;
use sea_orm::{EntityTrait, Set, TransactionTrait};
use serde_json::{json, Value};

use super::public_sessions;
use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_problem, test_settings, Settings, TestApp};

const BATCH_PATH: &str = "/v1/municipalities/1980/sessions/batch";

fn upsert(n: usize) -> Value {
    let sessions: Vec<Value> = (0..n)
        .map(|i| session_json(&format!("S-{i}"), "2025-03-01"))
        .collect();
    json!({"mode": "upsert", "sessions": sessions})
}

/// Municipality 1980's audit records, newest first.
async fn audit_records(app: &TestApp, admin: &str) -> Vec<Value> {
    let reply = app
        .audit(Some(admin), "municipality=1980&limit=1000", &[])
        .await;
    reply.ok_json()["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn unlimited() -> Settings {
    test_settings()
}

#[tokio::test]
async fn duplicates_sent_at_once_write_once_and_all_get_the_first_answer() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let admin = app.key(None).await;
    // Large enough that the first still holds the feed lock when the others arrive.
    let body = upsert(2000);
    let send = || app.post_batch_idempotent(&key, "1980", "nightly-1", &body);
    let (a, b, c, d) = tokio::join!(send(), send(), send(), send());
    for reply in [&a, &b, &c, &d] {
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(
            reply.body, a.body,
            "every duplicate gets the first answer, byte for byte"
        );
    }
    assert_eq!(
        a.json(),
        json!({"created": 2000, "updated": 0, "unchanged": 0, "deleted": 0})
    );
    let records = audit_records(&app, &admin).await;
    assert_eq!(records.len(), 1, "the batch was written once: {records:?}");
}

#[tokio::test]
async fn a_retry_after_a_write_cut_off_inside_its_transaction_is_processed_not_blocked() {
    let impatient = TestApp::with_settings(Settings {
        request_timeout: Duration::from_millis(300),
        ..unlimited()
    })
    .await;
    let key = impatient.key(Some("1980")).await;
    let admin = impatient.key(None).await;
    let batch = upsert(2);
    let one = session_json("P-1", "2025-03-01");

    // Another writer holds the feed lock, so both writes wait inside their
    // transactions until the time limit cuts them off, as a crash would.
    let holder = impatient.db.begin().await.unwrap();
    api::store::feed::SeqAllocator::lock(&holder).await.unwrap();
    let reply = impatient
        .post_batch_idempotent(&key, "1980", "nightly-2", &batch)
        .await;
    assert_problem(&reply, 503, BATCH_PATH);
    let reply = impatient
        .put_session_idempotent(&key, "1980", "P-1", "put-2", &one)
        .await;
    assert_problem(&reply, 503, "/v1/municipalities/1980/sessions/P-1");
    holder.rollback().await.unwrap();
    assert!(public_sessions(&impatient, "1980").await.is_empty());

    // The retries (on a restarted instance, with the default time limit) run now.
    let app = impatient.another_instance(unlimited());
    let (status, counts) = app
        .post_batch_idempotent(&key, "1980", "nightly-2", &batch)
        .await
        .status_and_json();
    assert_eq!(
        (status, counts["created"].as_i64()),
        (200, Some(2)),
        "{counts}"
    );
    let put = app
        .put_session_idempotent(&key, "1980", "P-1", "put-2", &one)
        .await;
    assert_eq!(put.status, 201, "{}", put.text());
    assert_eq!(put.header("write-result"), Some("created"));
    // ... and their answers are stored: a second retry is a replay.
    let again = app
        .post_batch_idempotent(&key, "1980", "nightly-2", &batch)
        .await;
    assert_eq!(again.json(), counts);
    assert_eq!(public_sessions(&app, "1980").await.len(), 3);
    let records = audit_records(&app, &admin).await;
    assert_eq!(records.len(), 2, "one record per write: {records:?}");
}

#[tokio::test]
async fn a_write_refused_inside_its_transaction_is_replayed_and_leaves_no_record() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let admin = app.key(None).await;
    let reply = app.post_batch(&key, "1980", &upsert(30)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());

    // Deleting 25 of 30 trips the mass-delete guard, which the write itself checks.
    let mut replace = upsert(5);
    replace["mode"] = json!("replace");
    let first = app
        .post_batch_idempotent(&key, "1980", "replace-1", &replace)
        .await;
    let problem = assert_problem(&first, 422, BATCH_PATH);
    assert_eq!(problem["errors"][0]["pointer"], "/allow_mass_delete");
    let retry = app
        .post_batch_idempotent(&key, "1980", "replace-1", &replace)
        .await;
    assert_eq!(
        (retry.status, &retry.body),
        (first.status, &first.body),
        "the refusal is replayed as it was"
    );
    assert_eq!(public_sessions(&app, "1980").await.len(), 30);
    assert_eq!(
        audit_records(&app, &admin).await.len(),
        1,
        "only the first batch is recorded"
    );

    // The same key for the corrected body is another request: 422; a new key runs it.
    replace["allow_mass_delete"] = json!(true);
    let reused = app
        .post_batch_idempotent(&key, "1980", "replace-1", &replace)
        .await;
    let problem = assert_problem(&reused, 422, BATCH_PATH);
    assert_eq!(problem["errors"][0]["parameter"], "Idempotency-Key");
    let (status, counts) = app
        .post_batch_idempotent(&key, "1980", "replace-2", &replace)
        .await
        .status_and_json();
    assert_eq!((status, counts["deleted"].as_i64()), (200, Some(25)));
}

#[tokio::test]
async fn a_claim_left_by_an_earlier_version_blocks_a_retry_for_five_minutes_only() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let principal = api::store::keys::authenticate(&app.db, &key).await.unwrap();
    let body = upsert(1);
    let hash = api::store::idempotency::request_hash(
        "POST",
        BATCH_PATH,
        &serde_json::to_vec(&body).unwrap(),
    );
    // Earlier versions claimed a key (a row without an answer) before writing.
    let claim = |key: &str, age: chrono::Duration| idempotency_record::ActiveModel {
        api_key_id: Set(principal.key_id),
        key: Set(key.to_owned()),
        request_hash: Set(hash.clone()),
        status: Set(None),
        response_body: Set(None),
        created_at: Set(Utc::now() - age),
    };
    idempotency_record::Entity::insert_many([
        claim("young", chrono::Duration::seconds(10)),
        claim("abandoned", chrono::Duration::minutes(6)),
    ])
    .exec(&app.db)
    .await
    .unwrap();

    let reply = app
        .post_batch_idempotent(&key, "1980", "young", &body)
        .await;
    let problem = assert_problem(&reply, 409, BATCH_PATH);
    assert_eq!(problem["type"], "http://localhost/problems/conflict");
    assert!(public_sessions(&app, "1980").await.is_empty());

    let (status, counts) = app
        .post_batch_idempotent(&key, "1980", "abandoned", &body)
        .await
        .status_and_json();
    assert_eq!((status, counts["created"].as_i64()), (200, Some(1)));
    let replay = app
        .post_batch_idempotent(&key, "1980", "abandoned", &body)
        .await;
    assert_eq!(replay.json(), counts, "the answer replaced the claim");
}
