//! What every response shares: conditional GETs and caching, problem+json,
//! CORS, request ids and trace context, compression; and the health
//! endpoints (`/metrics` is in `metrics.rs`).

use poem::http::Method;

use crate::helpers::{assert_bad_parameter, assert_problem, test_settings, Settings, TestApp};

const READS: [&str; 7] = [
    "/v1/municipalities",
    "/v1/municipalities/1980",
    "/v1/programmes",
    "/v1/programmes/komet",
    "/v1/sessions",
    "/v1/sessions?status=completed",
    "/v1/api-info",
];

#[tokio::test]
async fn every_read_has_an_etag_and_if_none_match_gives_304_without_a_body() {
    let app = TestApp::with_known_sessions().await;
    for uri in READS {
        let first = app.get(uri).await;
        assert_eq!(first.status, 200, "{uri}");
        let etag = first.header("etag").expect("ETag").to_owned();
        let again = app.get_with(uri, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, 304, "{uri} revalidated with {etag}");
        assert!(again.body.is_empty(), "304 has no body");
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        // Another validator does not match.
        let other = app
            .get_with(uri, &[("if-none-match", "W/\"0-0000\"")])
            .await;
        assert_eq!(other.status, 200, "{uri}");
    }
}

#[tokio::test]
async fn the_etag_differs_between_queries_and_representations() {
    let app = TestApp::new().await;
    let a = app.get("/v1/municipalities?county=19").await;
    let b = app.get("/v1/municipalities?county=01").await;
    let c = app
        .get_with("/v1/municipalities?county=19", &[("accept", "text/csv")])
        .await;
    let tags = [a.header("etag"), b.header("etag"), c.header("etag")];
    assert!(tags.iter().all(Option::is_some));
    assert_ne!(tags[0], tags[1]);
    assert_ne!(tags[0], tags[2]);
}

#[tokio::test]
async fn a_data_change_moves_the_etag() {
    let app = TestApp::new().await;
    let before = app.get("/v1/sessions").await;
    let etag = before.header("etag").expect("ETag").to_owned();
    app.add_demo_sessions(20, 1).await;
    let after = app
        .get_with("/v1/sessions", &[("if-none-match", &etag)])
        .await;
    assert_eq!(after.status, 200, "the old validator must not match");
    assert_eq!(after.json()["data"].as_array().map(Vec::len), Some(20));
    assert_ne!(after.header("etag"), Some(etag.as_str()));
}

#[tokio::test]
async fn public_reads_are_cacheable_and_errors_are_not() {
    let app = TestApp::new().await;
    for uri in READS {
        let reply = app.get(uri).await;
        let cc = reply.header("cache-control").unwrap_or_default();
        assert!(
            cc.contains("public") && cc.contains("max-age="),
            "{uri}: {cc}"
        );
        let vary = reply.header("vary").unwrap_or_default();
        assert!(vary.contains("Accept"), "{uri}: Vary {vary}");
    }
    let reply = app.get("/v1/municipalities/9999").await;
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn unknown_ids_codes_slugs_and_paths_are_404_problems() {
    let app = TestApp::with_known_sessions().await;
    let missing = uuid::Uuid::from_u128(999).to_string();
    for uri in [
        format!("/v1/sessions/{missing}"),
        "/v1/municipalities/9999".to_owned(),
        "/v1/programmes/no-such-programme".to_owned(),
        "/v1/no-such-resource".to_owned(),
    ] {
        let reply = app.get(&uri).await;
        assert_problem(&reply, 404, &uri);
    }
    // Outside the API a path is a page for people: its 404 is a page too.
    let reply = app.get("/no-such-path").await;
    assert_eq!(reply.status, 404);
    reply.assert_content_type("text/html; charset=utf-8");
}

#[tokio::test]
async fn malformed_path_and_query_parameters_are_400_problems() {
    let app = TestApp::new().await;
    let reply = app.get("/v1/sessions/not-a-uuid").await;
    assert_bad_parameter(&reply, "/v1/sessions/not-a-uuid", "id");
    let reply = app.get("/v1/sessions?limit=abc").await;
    let p = assert_problem(&reply, 400, "/v1/sessions");
    assert!(p["detail"].as_str().unwrap().contains("limit"), "{p}");
    let reply = app.get("/v1/sessions?status=finished").await;
    assert_bad_parameter(&reply, "/v1/sessions", "status");
    let reply = app.get("/v1/sessions?start_from=2025-02-30").await;
    assert_bad_parameter(&reply, "/v1/sessions", "start_from");
    let reply = app.get("/v1/sessions?municipality=123").await;
    assert_bad_parameter(&reply, "/v1/sessions", "municipality");
    let reply = app.get("/v1/sessions?programme=unknown-programme").await;
    assert_bad_parameter(&reply, "/v1/sessions", "programme");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = TestApp::new().await;
    for (method, uri, allow) in [
        (Method::POST, "/v1/municipalities", "GET, HEAD"),
        (Method::DELETE, "/v1/programmes/komet", "GET, PUT, HEAD"),
        (Method::PUT, "/v1/sessions", "GET, HEAD"),
        (Method::POST, "/health/live", "GET, HEAD"),
    ] {
        let reply = app.request(method.clone(), uri, &[]).await;
        assert_problem(&reply, 405, uri);
        assert_eq!(
            reply.header("allow"),
            Some(allow),
            "RFC 9110: a 405 names the allowed methods"
        );
    }
}

#[tokio::test]
async fn reads_allow_any_origin() {
    let app = TestApp::new().await;
    let reply = app
        .get_with("/v1/programmes", &[("origin", "https://example.org")])
        .await;
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    let exposed = reply
        .header("access-control-expose-headers")
        .unwrap_or_default();
    for h in ["ETag", "Link", "X-Request-Id", "RateLimit-Remaining"] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }
    let preflight = app
        .request(
            Method::OPTIONS,
            "/v1/sessions",
            &[
                ("origin", "https://example.org"),
                ("access-control-request-method", "GET"),
            ],
        )
        .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn a_given_request_id_is_echoed_and_a_missing_one_is_generated() {
    let app = TestApp::new().await;
    let reply = app
        .get_with("/v1/programmes", &[("x-request-id", "abc-123")])
        .await;
    assert_eq!(reply.header("x-request-id"), Some("abc-123"));
    // Errors carry it too.
    let reply = app
        .get_with("/nowhere", &[("x-request-id", "err-42")])
        .await;
    assert_eq!(reply.header("x-request-id"), Some("err-42"));

    let a = app.get("/v1/programmes").await;
    let b = app.get("/v1/programmes").await;
    let (a, b) = (a.header("x-request-id"), b.header("x-request-id"));
    let a = a.expect("generated id").to_owned();
    assert!(uuid::Uuid::parse_str(&a).is_ok(), "{a}");
    assert_ne!(Some(a.as_str()), b, "each request gets its own id");
    // An unusable one is replaced, not echoed.
    let reply = app
        .get_with("/v1/programmes", &[("x-request-id", "has space")])
        .await;
    let id = reply.header("x-request-id").expect("id");
    assert_ne!(id, "has space");
}

#[tokio::test]
async fn a_valid_traceparent_is_echoed() {
    let app = TestApp::new().await;
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let reply = app
        .get_with("/v1/municipalities/1980", &[("traceparent", tp)])
        .await;
    assert_eq!(reply.header("traceparent"), Some(tp));
    let reply = app
        .get_with("/v1/municipalities/1980", &[("traceparent", "garbage")])
        .await;
    assert_eq!(reply.header("traceparent"), None);
}

#[tokio::test]
async fn responses_are_gzipped_when_the_client_accepts_gzip() {
    let app = TestApp::new().await;
    let reply = app
        .get_with(
            "/v1/municipalities?limit=1000",
            &[("accept-encoding", "gzip")],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
    assert_eq!(&reply.body[..2], &[0x1f, 0x8b], "gzip magic bytes");
    let plain = app.get("/v1/municipalities?limit=1000").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(reply.body.len() * 3 < plain.body.len(), "compressed");
}

#[tokio::test]
async fn health_endpoints_answer_ok() {
    let app = TestApp::new().await;
    for uri in ["/health/live", "/health/ready"] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, 200, "{uri}");
        assert_eq!(reply.json()["status"], "ok", "{uri}");
    }
}

/// The gzip stream `body` decoded (once: an answer compressed twice would
/// still be gzip after it).
fn gunzip(body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

#[tokio::test]
async fn the_docs_page_is_small_and_its_assets_are_cached_for_good() {
    let app = TestApp::new().await;
    let page = app.get("/docs").await;
    assert_eq!(page.status, 200);
    assert!(page.content_type().starts_with("text/html"));
    let html = page.text();
    assert!(html.len() < 2048, "the page alone: {} bytes", html.len());
    assert!(!html.contains("<script>"), "no inline script: {html}");
    let assets: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/docs/assets/"))
        .collect();
    assert_eq!(assets.len(), 3, "{html}");
    let mut total = 0;
    for path in &assets {
        let plain = app.get(path).await;
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(plain.header("content-encoding"), None, "{path}");
        let kind = if path.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(plain.content_type().starts_with(kind), "{path}");
        assert_eq!(
            plain.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{path}: its name changes with its content"
        );
        let zipped = app.get_with(path, &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(zipped.header("content-encoding"), Some("gzip"), "{path}");
        assert_eq!(zipped.header("vary"), Some("Accept-Encoding"), "{path}");
        assert_eq!(gunzip(&zipped.body), plain.body, "{path}: gzipped once");
        assert_ne!(zipped.header("etag"), plain.header("etag"), "{path}");
        let etag = zipped.header("etag").unwrap();
        let again = app
            .get_with(
                path,
                &[("accept-encoding", "gzip"), ("if-none-match", etag)],
            )
            .await;
        assert_eq!(again.status, 304, "{path}");
        total += zipped.body.len();
    }
    // Swagger UI's bundle and style, gzipped: what a first visit transfers
    // besides the document (1.88 MB when all of it was inlined).
    assert!(total < 500_000, "{total} bytes");
    // The page loads the document this origin serves.
    let init = assets
        .iter()
        .find(|a| a.contains("/docs."))
        .expect("the init script");
    assert!(app.get(init).await.text().contains("\"/openapi.json\""));
    let gone = app.get("/docs/assets/swagger-ui.0000000000000000.js").await;
    assert_problem(&gone, 404, "/docs/assets/swagger-ui.0000000000000000.js");
}

#[tokio::test]
async fn a_coding_the_client_refuses_is_never_used() {
    let app = TestApp::new().await;
    let uri = "/v1/municipalities?limit=1000";
    for (accept, coding) in [
        ("gzip;q=0, identity", None),
        ("br;q=0, gzip", Some("gzip")),
        ("gzip, br", Some("gzip")),
        ("br", Some("br")),
        ("gzip;q=0.1, br;q=0.9", Some("br")),
        ("*", Some("gzip")),
    ] {
        let reply = app.get_with(uri, &[("accept-encoding", accept)]).await;
        assert_eq!(reply.status, 200, "{accept}");
        assert_eq!(reply.header("content-encoding"), coding, "{accept}");
    }
}

#[tokio::test]
async fn api_info_reports_synthetic_data_and_the_suppression_threshold() {
    let app = TestApp::with_settings(Settings {
        suppression_threshold: 7,
        ..test_settings()
    })
    .await;
    let info = app.get("/v1/api-info").await.json();
    assert_eq!(info["data"]["synthetic"], false);
    assert_eq!(info["disclosure_control"]["threshold"], 7);
    assert_eq!(info["licence"]["id"], "CC0-1.0");
    assert_eq!(info["limits"]["max_page_size"], 1000);
    assert_eq!(info["limits"]["default_page_size"], 100);

    app.add_demo_sessions(10, 42).await;
    let info = app.get("/v1/api-info").await.json();
    assert_eq!(info["data"]["synthetic"], true);
    assert!(info["data"]["description"]
        .as_str()
        .unwrap()
        .contains("SYNTHETIC"));
}

#[tokio::test]
async fn a_stored_value_that_does_not_parse_is_a_500_never_a_guess() {
    let app = TestApp::new().await;
    let mut corrupt =
        crate::helpers::reach_fixtures::session("1980", "abc", "completed", "2025-03-01");
    corrupt.status = "finished".into();
    let id = corrupt.id;
    crate::helpers::reach_fixtures::insert(&app.db, vec![corrupt]).await;

    for uri in [format!("/v1/sessions/{id}"), "/v1/sessions".to_owned()] {
        let reply = app.get(&uri).await;
        let problem = assert_problem(&reply, 500, &uri);
        assert_eq!(problem["type"], "http://localhost/problems/internal");
        assert!(
            !reply.text().contains("finished") && !reply.text().contains("planned"),
            "the stored value must not leak or be replaced: {}",
            reply.text()
        );
    }
}

#[tokio::test]
async fn empty_query_parameters_mean_absent() {
    let app = TestApp::with_known_sessions().await;
    let plain = app.get("/v1/sessions?limit=3").await;
    let blank = app
        .get("/v1/sessions?cursor=&start_from=&language=&limit=3&updated_since=")
        .await;
    assert_eq!(blank.status, 200, "{}", blank.text());
    assert_eq!(blank.data_keys(), plain.data_keys());
    assert_eq!(
        blank.header("etag"),
        plain.header("etag"),
        "one meaning, one ETag"
    );
    let feed = app.get("/v1/changes?after=").await;
    assert_eq!(feed.status, 200, "{}", feed.text());
}

/// With `SERVER_TIMING` on, `Server-Timing: app;dur=<ms>` on every answer,
/// errors and cache hits too: the server's share of the round trip, never
/// more than the whole of it. Off (the default), no answer carries it.
#[tokio::test]
async fn every_answer_says_how_long_the_server_took_when_asked_to() {
    let quiet = TestApp::new().await;
    for uri in ["/v1/sessions?limit=5", "/nowhere", "/"] {
        assert_eq!(quiet.get(uri).await.header("server-timing"), None, "{uri}");
    }
    let app = TestApp::with_settings(Settings {
        server_timing: true,
        ..Settings::default()
    })
    .await;
    for uri in ["/v1/sessions?limit=5", "/v1/sessions?limit=5", "/nowhere"] {
        let started = std::time::Instant::now();
        let reply = app.get(uri).await;
        let round_trip = started.elapsed().as_secs_f64() * 1000.0;
        let timing = reply.header("server-timing").expect("server-timing");
        let dur: f64 = timing
            .strip_prefix("app;dur=")
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("{uri}: {timing}"));
        assert!(
            (0.0..=round_trip).contains(&dur),
            "{uri}: {dur} ms of {round_trip} ms"
        );
    }
}
