//! `/metrics`: requests counted by operation id, never a label taken from a
//! path or a method a client invented, the response cache's size, and the
//! endpoint closed to all but its bearer when a token is set.

use poem::http::Method;

use crate::helpers::{test_settings, Settings, TestApp};

#[tokio::test]
async fn metrics_count_requests_by_operation_id() {
    let app = TestApp::new().await;
    app.get("/v1/municipalities").await;
    app.get("/v1/municipalities").await;
    app.get("/v1/programmes/komet").await;
    app.get("/v1/sessions?limit=abc").await;
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type().starts_with("text/plain"));
    let text = reply.text();
    let count = |route: &str, status: &str| -> Option<String> {
        text.lines()
            .find(|l| {
                l.starts_with("http_requests_total{")
                    && l.contains(&format!("route=\"{route}\""))
                    && l.contains(&format!("status=\"{status}\""))
            })
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_owned)
    };
    assert_eq!(
        count("listMunicipalities", "200").as_deref(),
        Some("2"),
        "{text}"
    );
    assert_eq!(count("getProgramme", "200").as_deref(), Some("1"), "{text}");
    assert_eq!(count("listSessions", "400").as_deref(), Some("1"), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn metrics_never_take_a_label_from_an_id_in_the_path() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let created = app
        .put_session(
            Some(&key),
            "1980",
            "S-1",
            &crate::helpers::fixtures::session_json("S-1", "2025-03-01"),
        )
        .await
        .json();
    let uri = format!("/v1/sessions/{}", created["id"].as_str().unwrap());
    let first = app.get(&uri).await;
    let etag = first.header("etag").unwrap().to_owned();
    // Answered before routing: no operation id on the response.
    let revalidated = app.get_with(&uri, &[("If-None-Match", &etag)]).await;
    assert_eq!(revalidated.status, 304);
    let text = app.get("/metrics").await.text();
    assert!(!text.contains(&uri), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("http_requests_total{")
            && l.contains("route=\"unrouted\"")
            && l.contains("status=\"304\"")),
        "{text}"
    );
}

/// Invented methods and long paths, as an attacker sends them: `/metrics`
/// keeps one `other` label however many, and grows by nothing per request.
#[tokio::test]
async fn odd_methods_and_long_paths_never_grow_the_metrics() {
    let app = TestApp::new().await;
    let odd = |n: usize| Method::from_bytes(format!("X{}", "Y".repeat(n)).as_bytes()).unwrap();
    let long_path = format!("/v1/{}", "a".repeat(60_000));
    app.request(odd(10), "/v1/programmes", &[]).await;
    app.get(&long_path).await;
    // /metrics' own labels appear from its second answer on.
    app.get("/metrics").await;
    let before = app.get("/metrics").await.text().len();
    for n in 0..50 {
        let reply = app.request(odd(2_000 + n), "/v1/programmes", &[]).await;
        assert!(reply.status.is_client_error(), "{}", reply.status);
        app.get(&format!("{long_path}{n}")).await;
    }
    let text = app.get("/metrics").await.text();
    assert!(
        text.len() <= before + 64,
        "/metrics grew from {before} to {} bytes",
        text.len()
    );
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(!text.contains("YYYYYYYY"));
}

#[tokio::test]
async fn metrics_report_the_response_cache_size() {
    let app = TestApp::new().await;
    assert_eq!(app.metric("response_cache_entries").await, 0);
    assert_eq!(app.metric("response_cache_bytes").await, 0);
    let reach = app.reach("group_by=municipality").await;
    assert_eq!(reach.status, 200);
    assert_eq!(app.metric("response_cache_entries").await, 1);
    let bytes = app.metric("response_cache_bytes").await;
    let body = i64::try_from(reach.body.len()).unwrap();
    assert!(
        (body..body + 4096).contains(&bytes),
        "the cache holds the answer's bytes and its headers: {bytes} for a body of {body}"
    );
}

/// `/metrics` can be closed: with `METRICS_TOKEN` it is served only to a
/// request bearing it (in constant time), as problem+json otherwise.
#[tokio::test]
async fn metrics_with_a_token_answer_only_its_bearer() {
    let app = TestApp::with_settings(Settings {
        metrics_token: Some("s3cret-metrics".into()),
        ..test_settings()
    })
    .await;
    let reply = app.get("/metrics").await;
    reply.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    reply.assert_content_type("application/problem+json");
    assert!(reply.text().contains("METRICS_TOKEN"));
    let wrong = app
        .get_with("/metrics", &[("Authorization", "Bearer s3cret-metricz")])
        .await;
    wrong.assert_status(poem::http::StatusCode::UNAUTHORIZED);
    let right = app
        .get_with("/metrics", &[("Authorization", "Bearer s3cret-metrics")])
        .await;
    right.assert_status_is_ok();
    assert!(right.text().contains("http_requests_total"));
}
