//! Writes by municipal systems, through HTTP: auth, single and batch writes,
//! replace, validation, idempotency keys.

mod common;

use common::{session_json, status_json, TestApp};
use serde_json::{json, Value};

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

async fn put(
    app: &TestApp,
    key: Option<&str>,
    code: &str,
    ext: &str,
    body: &Value,
) -> (u16, Value) {
    let mut req = app
        .client
        .put(format!("/v1/municipalities/{code}/sessions/{ext}"))
        .body_json(body);
    if let Some(k) = key {
        req = req.header("Authorization", bearer(k));
    }
    status_json(req.send().await).await
}

async fn batch(app: &TestApp, key: &str, code: &str, body: &Value) -> (u16, Value) {
    status_json(
        app.client
            .post(format!("/v1/municipalities/{code}/sessions/batch"))
            .header("Authorization", bearer(key))
            .body_json(body)
            .send()
            .await,
    )
    .await
}

async fn public_sessions(app: &TestApp, code: &str) -> Vec<Value> {
    let (status, body) = status_json(
        app.client
            .get("/v1/sessions")
            .query("municipality", &code)
            .query("limit", &1000)
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 200);
    body["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn writes_need_a_valid_key_of_the_right_municipality() {
    let app = TestApp::new().await;
    let vasteras = app.key(Some("1980")).await;
    let admin = app.key(None).await;
    let body = session_json("S-1", "2025-02-01");

    let (status, problem) = put(&app, None, "1980", "S-1", &body).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (401, Some("/problems/unauthorized"))
    );
    let (status, _) = put(
        &app,
        Some("fst_abcdefgh_0000000000000000000000000000000000000"),
        "1980",
        "S-1",
        &body,
    )
    .await;
    assert_eq!(status, 401);
    let (status, problem) = put(&app, Some(&vasteras), "1981", "S-1", &body).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (403, Some("/problems/forbidden"))
    );
    assert_eq!(
        put(&app, Some(&admin), "1981", "S-1", &body).await.0,
        201,
        "admin writes any municipality"
    );
    assert_eq!(
        put(&app, Some(&vasteras), "1980", "S-1", &body).await.0,
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
        put(&app, Some(&revoked), "1980", "S-2", &body).await.0,
        401,
        "a revoked key is refused"
    );

    let programme = json!({"name": {"sv": "Ny", "en": "New"}, "age_min": 0, "age_max": 5, "prevention_levels": ["universal"], "formats": ["group"]});
    let (status, _) = status_json(
        app.client
            .put("/v1/programmes/ny-metod")
            .header("Authorization", bearer(&vasteras))
            .body_json(&programme)
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 403, "a municipality key may not edit the catalogue");
    let (status, created) = status_json(
        app.client
            .put("/v1/programmes/ny-metod")
            .header("Authorization", bearer(&admin))
            .body_json(&programme)
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["name"]["en"], "New");
    let (status, _) = status_json(app.client.get("/v1/programmes/ny-metod").send().await).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_repeated_put_is_unchanged_and_moves_neither_updated_at_nor_the_feed() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = session_json("S-1", "2025-02-01");
    let (status, first) = put(&app, Some(&key), "1980", "S-1", &body).await;
    assert_eq!(status, 201);
    assert_eq!(first["women"], 7, "the owner gets the breakdowns back");
    let (_, feed_before) = status_json(
        app.client
            .get("/v1/changes")
            .query("limit", &1000)
            .send()
            .await,
    )
    .await;

    let resp = app
        .client
        .put("/v1/municipalities/1980/sessions/S-1")
        .header("Authorization", bearer(&key))
        .body_json(&body)
        .send()
        .await;
    resp.assert_header("Write-Result", "unchanged");
    let (status, second) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(second["updated_at"], first["updated_at"]);
    assert_eq!(second["id"], first["id"]);
    let (_, feed_after) = status_json(
        app.client
            .get("/v1/changes")
            .query("limit", &1000)
            .send()
            .await,
    )
    .await;
    assert_eq!(
        feed_before["next_cursor"], feed_after["next_cursor"],
        "an unchanged write adds nothing to the feed"
    );

    let mut changed = body.clone();
    changed["enrolled"] = json!(13);
    let resp = app
        .client
        .put("/v1/municipalities/1980/sessions/S-1")
        .header("Authorization", bearer(&key))
        .body_json(&changed)
        .send()
        .await;
    resp.assert_header("Write-Result", "updated");
    let (status, third) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(third["id"], first["id"], "the id never changes");
    assert_ne!(third["updated_at"], first["updated_at"]);

    let (status, own) = status_json(
        app.client
            .get("/v1/municipalities/1980/sessions/S-1")
            .header("Authorization", bearer(&key))
            .send()
            .await,
    )
    .await;
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
async fn upsert_and_replace_report_what_they_did() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let sessions: Vec<Value> = (1..=30)
        .map(|i| session_json(&format!("S-{i}"), "2025-03-01"))
        .collect();
    let (status, counts) = batch(
        &app,
        &key,
        "1980",
        &json!({"mode": "upsert", "sessions": sessions}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        counts,
        json!({"created": 30, "updated": 0, "unchanged": 0, "deleted": 0})
    );

    let mut next: Vec<Value> = sessions[..25].to_vec();
    next[0]["enrolled"] = json!(20);
    next.push(session_json("S-new", "2025-04-01"));
    let (status, counts) = batch(
        &app,
        &key,
        "1980",
        &json!({"mode": "replace", "sessions": next}),
    )
    .await;
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

#[tokio::test]
async fn a_replace_only_deletes_within_its_scope_and_refuses_mass_deletes() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let mut sessions: Vec<Value> = (1..=40)
        .map(|i| session_json(&format!("A-{i}"), "2024-05-01"))
        .collect();
    sessions.extend((1..=3).map(|i| session_json(&format!("B-{i}"), "2025-05-01")));
    assert_eq!(
        batch(
            &app,
            &key,
            "1980",
            &json!({"mode": "upsert", "sessions": sessions})
        )
        .await
        .0,
        200
    );

    // Only 2025 is in scope: the 2024 sessions survive though absent.
    let (status, counts) = batch(
        &app,
        &key,
        "1980",
        &json!({"mode": "replace", "scope": {"start_from": "2025-01-01", "start_to": "2025-12-31"}, "sessions": [session_json("B-1", "2025-05-01")]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(counts["deleted"], 2);
    assert_eq!(public_sessions(&app, "1980").await.len(), 41);

    // An export that lost most rows must not wipe the history.
    let few: Vec<Value> = sessions[..5].to_vec();
    let (status, problem) = batch(
        &app,
        &key,
        "1980",
        &json!({"mode": "replace", "sessions": few}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["pointer"], "/allow_mass_delete");
    assert_eq!(
        public_sessions(&app, "1980").await.len(),
        41,
        "a refused replace writes nothing"
    );
    let (status, counts) = batch(
        &app,
        &key,
        "1980",
        &json!({"mode": "replace", "allow_mass_delete": true, "sessions": few}),
    )
    .await;
    assert_eq!((status, counts["deleted"].as_i64()), (200, Some(36)));
}

#[tokio::test]
async fn an_invalid_batch_lists_every_problem_and_writes_nothing() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    assert_eq!(
        batch(
            &app,
            &key,
            "1980",
            &json!({"mode": "upsert", "sessions": [session_json("KEEP", "2025-01-01")]})
        )
        .await
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
    let (status, problem) = batch(&app, &key, "1980", &body).await;
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
async fn malformed_write_requests_get_clear_problems() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let url = "/v1/municipalities/1980/sessions/S-1";
    let (status, p) = status_json(
        app.client
            .put(url)
            .header("Authorization", bearer(&key))
            .content_type("application/json")
            .body("{not json")
            .send()
            .await,
    )
    .await;
    assert_eq!(
        (status, p["type"].as_str()),
        (400, Some("/problems/bad-request"))
    );
    let (status, _) = status_json(
        app.client
            .put(url)
            .header("Authorization", bearer(&key))
            .content_type("text/plain")
            .body("x")
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 415);
    let mut other = session_json("S-9", "2025-01-01");
    other["external_id"] = json!("S-9");
    let (status, p) = put(&app, Some(&key), "1980", "S-1", &other).await;
    assert_eq!(
        (status, p["errors"][0]["pointer"].as_str()),
        (422, Some("/external_id"))
    );
    let (status, _) = status_json(
        app.client
            .delete("/v1/municipalities/1980/sessions/none")
            .header("Authorization", bearer(&key))
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = put(
        &app,
        Some(&key),
        "19x0",
        "S-1",
        &session_json("S-1", "2025-01-01"),
    )
    .await;
    assert_eq!(status, 400);
    let evidence = json!({"name": {"sv": "X", "en": "X"}, "age_min": 0, "age_max": 5, "prevention_levels": ["universal"], "formats": ["group"], "evidence": {"status": "limited"}});
    let admin = app.key(None).await;
    let (status, p) = status_json(
        app.client
            .put("/v1/programmes/x")
            .header("Authorization", bearer(&admin))
            .body_json(&evidence)
            .send()
            .await,
    )
    .await;
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
    let (_, created) = put(
        &app,
        Some(&key),
        "1980",
        "S-1",
        &session_json("S-1", "2025-02-01"),
    )
    .await;
    let (status, _) = status_json(
        app.client
            .delete("/v1/municipalities/1980/sessions/S-1")
            .header("Authorization", bearer(&key))
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = status_json(
        app.client
            .get(format!("/v1/sessions/{}", created["id"].as_str().unwrap()))
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (_, feed) = status_json(
        app.client
            .get("/v1/changes")
            .query("type", &"session")
            .send()
            .await,
    )
    .await;
    let changes = feed["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "the compacted feed holds only the delete");
    assert_eq!(
        (changes[0]["op"].as_str(), changes[0]["id"].as_str()),
        (Some("delete"), created["id"].as_str())
    );
    assert!(changes[0]["data"].is_null());
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = json!({"mode": "upsert", "sessions": [session_json("S-1", "2025-02-01"), session_json("S-2", "2025-02-01")]});
    let send = |b: Value| {
        app.client
            .post("/v1/municipalities/1980/sessions/batch")
            .header("Authorization", bearer(&key))
            .header("Idempotency-Key", "nightly-2025-02-02")
            .body_json(&b)
            .send()
    };
    let (status, first) = status_json(send(body.clone()).await).await;
    assert_eq!((status, first["created"].as_i64()), (200, Some(2)));
    let (status, replay) = status_json(send(body.clone()).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        replay, first,
        "a retry gets the first answer, not 'unchanged: 2'"
    );
    let mut other = body.clone();
    other["sessions"][0]["enrolled"] = json!(5);
    let (status, problem) = status_json(send(other).await).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["parameter"], "Idempotency-Key");
    assert_eq!(public_sessions(&app, "1980").await.len(), 2);

    // A rejected request is replayed as the same rejection.
    let invalid = json!({"mode": "upsert", "sessions": [{"external_id": "X"}]});
    let post = |k: &'static str| {
        app.client
            .post("/v1/municipalities/1980/sessions/batch")
            .header("Authorization", bearer(&key))
            .header("Idempotency-Key", k)
            .body_json(&invalid)
            .send()
    };
    let (s1, p1) = status_json(post("bad-1").await).await;
    let (s2, p2) = status_json(post("bad-1").await).await;
    assert_eq!((s1, s2), (422, 422));
    assert_eq!(p1["errors"], p2["errors"]);
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_and_excess_writes_get_429() {
    let app = TestApp::with_settings(api::Settings {
        max_body_bytes: 1000,
        write_rate_per_minute: 2,
        read_rate_per_minute: 0,
        ..api::Settings::default()
    })
    .await;
    let key = app.key(Some("1980")).await;
    let big = json!({"mode": "upsert", "sessions": (0..50).map(|i| session_json(&format!("S-{i}"), "2025-01-01")).collect::<Vec<_>>()});
    let (status, problem) = batch(&app, &key, "1980", &big).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (413, Some("/problems/payload-too-large"))
    );
    let small = session_json("S-1", "2025-01-01");
    assert_eq!(put(&app, Some(&key), "1980", "S-1", &small).await.0, 201);
    assert_eq!(
        put(&app, Some(&key), "1980", "S-1", &small).await.0,
        200,
        "a burst of the quota (2) passes"
    );
    let resp = app
        .client
        .put("/v1/municipalities/1980/sessions/S-1")
        .header("Authorization", bearer(&key))
        .body_json(&small)
        .send()
        .await;
    assert_eq!(resp.0.status().as_u16(), 429);
    assert!(resp.0.headers().get("retry-after").is_some());
}

#[tokio::test]
async fn a_retry_while_the_first_request_still_runs_gets_409() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = json!({"mode": "upsert", "sessions": [session_json("S-1", "2025-02-01")]});
    let path = "/v1/municipalities/1980/sessions/batch";
    // The first request has claimed the key and not finished yet.
    let principal = api::store::keys::authenticate(&app.db, &key).await.unwrap();
    let hash =
        api::store::idempotency::request_hash("POST", path, &serde_json::to_vec(&body).unwrap());
    let claimed = api::store::idempotency::begin(
        &app.db,
        principal.key_id,
        "k-1",
        &hash,
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert!(matches!(
        claimed,
        api::store::idempotency::Begin::Proceed(_)
    ));
    let (status, problem) = status_json(
        app.client
            .post(path)
            .header("Authorization", bearer(&key))
            .header("Idempotency-Key", "k-1")
            .body_json(&body)
            .send()
            .await,
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (409, Some("/problems/conflict"))
    );
    assert!(public_sessions(&app, "1980").await.is_empty());
}

#[tokio::test]
async fn reach_reflects_each_write_at_once_though_answers_are_cached() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let reach = || async {
        let (status, rows) = status_json(
            app.client
                .get("/v1/reach")
                .query("municipality", &"1980")
                .send()
                .await,
        )
        .await;
        assert_eq!(status, 200);
        (
            rows["data"][0]["sessions"].as_i64(),
            rows["data"][0]["enrolled"].as_i64(),
        )
    };
    assert_eq!(reach().await, (Some(0), Some(0)));
    assert_eq!(
        put(
            &app,
            Some(&key),
            "1980",
            "S-1",
            &session_json("S-1", "2025-02-01")
        )
        .await
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
    assert_eq!(put(&app, Some(&key), "1980", "S-1", &more).await.0, 200);
    assert_eq!(
        reach().await,
        (Some(1), Some(20)),
        "the update shows at once"
    );
    let (status, _) = status_json(
        app.client
            .delete("/v1/municipalities/1980/sessions/S-1")
            .header("Authorization", bearer(&key))
            .send()
            .await,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(reach().await, (Some(0), Some(0)));
}
