//! Writes by municipal systems, through HTTP: auth, single and batch writes,
//! replace, validation, idempotency keys.

mod batches;
mod idempotency;

use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::{test_settings, Settings, TestApp};

async fn public_sessions(app: &TestApp, code: &str) -> Vec<Value> {
    let (status, body) = app
        .get(&format!("/v1/sessions?municipality={code}&limit=1000"))
        .await
        .status_and_json();
    assert_eq!(status, 200);
    body["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn writes_need_a_valid_key_of_the_right_municipality() {
    let app = TestApp::new().await;
    let vasteras = app.key(Some("1980")).await;
    let admin = app.key(None).await;
    let body = session_json("S-1", "2025-02-01");

    let (status, problem) = app
        .put_session(None, "1980", "S-1", &body)
        .await
        .status_and_json();
    assert_eq!(
        (status, problem["type"].as_str()),
        (401, Some("http://localhost/problems/unauthorized"))
    );
    let status = app
        .put_session(
            Some("fst_abcdefgh_0000000000000000000000000000000000000"),
            "1980",
            "S-1",
            &body,
        )
        .await
        .status;
    assert_eq!(status, 401);
    let (status, problem) = app
        .put_session(Some(&vasteras), "1981", "S-1", &body)
        .await
        .status_and_json();
    assert_eq!(
        (status, problem["type"].as_str()),
        (403, Some("http://localhost/problems/forbidden"))
    );
    assert_eq!(
        app.put_session(Some(&admin), "1981", "S-1", &body)
            .await
            .status,
        201,
        "admin writes any municipality"
    );
    assert_eq!(
        app.put_session(Some(&vasteras), "1980", "S-1", &body)
            .await
            .status,
        201
    );

    let revoked = app.key(Some("1980")).await;
    let keys = api::store::keys::list_keys(&app.db).await.unwrap();
    let id = keys
        .iter()
        .find(|k| revoked.starts_with(&format!("fst_{}_", k.prefix)))
        .unwrap()
        .id;
    api::store::keys::revoke_key(&app.db, id).await.unwrap();
    assert_eq!(
        app.put_session(Some(&revoked), "1980", "S-2", &body)
            .await
            .status,
        401,
        "a revoked key is refused"
    );

    let programme = json!({"name": {"sv": "Ny", "en": "New"}, "age_min": 0, "age_max": 5, "prevention_levels": ["universal"], "formats": ["group"]});
    let status = app
        .put_programme(&vasteras, "ny-metod", &programme)
        .await
        .status;
    assert_eq!(status, 403, "a municipality key may not edit the catalogue");
    let (status, created) = app
        .put_programme(&admin, "ny-metod", &programme)
        .await
        .status_and_json();
    assert_eq!(status, 201);
    assert_eq!(created["name"]["en"], "New");
    let status = app.get("/v1/programmes/ny-metod").await.status;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_location_of_a_created_session_is_percent_encoded() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = session_json("Ö 1#a", "2025-02-01");
    let resp = app
        .put_session(Some(&key), "1980", "%C3%96%201%23a", &body)
        .await;
    assert_eq!(resp.status, 201);
    let location = resp
        .header("location")
        .expect("a Location header")
        .to_owned();
    assert_eq!(location, "/v1/municipalities/1980/sessions/%C3%96%201%23a");
    let (status, own) = app
        .get_own_session(&key, "1980", location.rsplit('/').next().unwrap())
        .await
        .status_and_json();
    assert_eq!(status, 200, "the Location names the session");
    assert_eq!(own["external_id"], "Ö 1#a");
}

#[tokio::test]
async fn a_repeated_put_is_unchanged_and_moves_neither_updated_at_nor_the_feed() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = session_json("S-1", "2025-02-01");
    let (status, first) = app
        .put_session(Some(&key), "1980", "S-1", &body)
        .await
        .status_and_json();
    assert_eq!(status, 201);
    assert_eq!(first["women"], 7, "the owner gets the breakdowns back");
    let feed_before = app.changes(None, None, Some(1000)).await.json();

    let resp = app.put_session(Some(&key), "1980", "S-1", &body).await;
    resp.assert_header("Write-Result", "unchanged");
    let (status, second) = resp.status_and_json();
    assert_eq!(status, 200);
    assert_eq!(second["updated_at"], first["updated_at"]);
    assert_eq!(second["id"], first["id"]);
    let feed_after = app.changes(None, None, Some(1000)).await.json();
    assert_eq!(
        feed_before["next_cursor"], feed_after["next_cursor"],
        "an unchanged write adds nothing to the feed"
    );

    let mut changed = body.clone();
    changed["enrolled"] = json!(13);
    let resp = app.put_session(Some(&key), "1980", "S-1", &changed).await;
    resp.assert_header("Write-Result", "updated");
    let (status, third) = resp.status_and_json();
    assert_eq!(status, 200);
    assert_eq!(third["id"], first["id"], "the id never changes");
    assert_ne!(third["updated_at"], first["updated_at"]);

    let (status, own) = app
        .get_own_session(&key, "1980", "S-1")
        .await
        .status_and_json();
    assert_eq!(
        (status, own["enrolled"].as_i64(), own["satisfied"].as_i64()),
        (200, Some(13), Some(7))
    );
    let public = public_sessions(&app, "1980").await;
    assert_eq!(public.len(), 1);
    for hidden in [
        "women",
        "men",
        "vulnerable_area",
        "satisfaction_respondents",
        "satisfied",
    ] {
        assert!(
            public[0].get(hidden).is_none(),
            "{hidden} must not be public"
        );
    }
}

#[tokio::test]
async fn malformed_write_requests_get_clear_problems() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let (status, p) = app
        .put_session_raw(&key, "1980", "S-1", "application/json", "{not json")
        .await
        .status_and_json();
    assert_eq!(
        (status, p["type"].as_str()),
        (400, Some("http://localhost/problems/bad-request"))
    );
    let status = app
        .put_session_raw(&key, "1980", "S-1", "text/plain", "x")
        .await
        .status;
    assert_eq!(status, 415);
    let mut other = session_json("S-9", "2025-01-01");
    other["external_id"] = json!("S-9");
    let (status, p) = app
        .put_session(Some(&key), "1980", "S-1", &other)
        .await
        .status_and_json();
    assert_eq!(
        (status, p["errors"][0]["pointer"].as_str()),
        (422, Some("/external_id"))
    );
    let status = app.delete_session(&key, "1980", "none").await.status;
    assert_eq!(status, 404);
    let status = app
        .put_session(
            Some(&key),
            "19x0",
            "S-1",
            &session_json("S-1", "2025-01-01"),
        )
        .await
        .status;
    assert_eq!(status, 400);
    let evidence = json!({"name": {"sv": "X", "en": "X"}, "age_min": 0, "age_max": 5, "prevention_levels": ["universal"], "formats": ["group"], "evidence": {"status": "limited"}});
    let admin = app.key(None).await;
    let (status, p) = app
        .put_programme(&admin, "x", &evidence)
        .await
        .status_and_json();
    assert_eq!(
        (status, p["errors"][0]["pointer"].as_str()),
        (422, Some("/evidence/sources")),
        "no evidence claim without a source"
    );
}

#[tokio::test]
async fn a_delete_removes_the_session_and_leaves_a_tombstone_in_the_feed() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let created = app
        .put_session(
            Some(&key),
            "1980",
            "S-1",
            &session_json("S-1", "2025-02-01"),
        )
        .await
        .json();
    let status = app.delete_session(&key, "1980", "S-1").await.status;
    assert_eq!(status, 204);
    let status = app
        .get(&format!("/v1/sessions/{}", created["id"].as_str().unwrap()))
        .await
        .status;
    assert_eq!(status, 404);
    let feed = app.changes(None, Some("session"), None).await.json();
    let changes = feed["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "the compacted feed holds only the delete");
    assert_eq!(
        (changes[0]["op"].as_str(), changes[0]["id"].as_str()),
        (Some("delete"), created["id"].as_str())
    );
    assert!(changes[0]["data"].is_null());
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_and_excess_writes_get_429() {
    // The body is read after the key is checked, so the refused body is a
    // write attempt of the key's, counted against its quota of 3.
    let app = TestApp::with_settings(Settings {
        max_body_bytes: 1000,
        write_rate_per_minute: 3,
        ..test_settings()
    })
    .await;
    let key = app.key(Some("1980")).await;
    let big = json!({"mode": "upsert", "sessions": (0..50).map(|i| session_json(&format!("S-{i}"), "2025-01-01")).collect::<Vec<_>>()});
    let (status, problem) = app.post_batch(&key, "1980", &big).await.status_and_json();
    assert_eq!(
        (status, problem["type"].as_str()),
        (413, Some("http://localhost/problems/payload-too-large"))
    );
    let small = session_json("S-1", "2025-01-01");
    assert_eq!(
        app.put_session(Some(&key), "1980", "S-1", &small)
            .await
            .status,
        201
    );
    assert_eq!(
        app.put_session(Some(&key), "1980", "S-1", &small)
            .await
            .status,
        200,
        "a burst of the quota (3) passes"
    );
    let resp = app.put_session(Some(&key), "1980", "S-1", &small).await;
    assert_eq!(resp.status.as_u16(), 429);
    assert!(resp.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn reach_reflects_each_write_at_once_though_answers_are_cached() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let reach = || async {
        let (status, rows) = app.reach("municipality=1980").await.status_and_json();
        assert_eq!(status, 200);
        (
            rows["data"][0]["sessions"].as_i64(),
            rows["data"][0]["enrolled"].as_i64(),
        )
    };
    assert_eq!(reach().await, (Some(0), Some(0)));
    assert_eq!(
        app.put_session(
            Some(&key),
            "1980",
            "S-1",
            &session_json("S-1", "2025-02-01")
        )
        .await
        .status_and_json()
        .0,
        201
    );
    assert_eq!(reach().await, (Some(1), Some(12)));
    assert_eq!(
        reach().await,
        (Some(1), Some(12)),
        "a repeated read is the same answer"
    );
    let mut more = session_json("S-1", "2025-02-01");
    more["enrolled"] = json!(20);
    assert_eq!(
        app.put_session(Some(&key), "1980", "S-1", &more)
            .await
            .status,
        200
    );
    assert_eq!(
        reach().await,
        (Some(1), Some(20)),
        "the update shows at once"
    );
    let status = app.delete_session(&key, "1980", "S-1").await.status;
    assert_eq!(status, 204);
    assert_eq!(reach().await, (Some(0), Some(0)));
}
