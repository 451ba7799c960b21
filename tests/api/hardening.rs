//! Hostile bodies and keys, as an outsider or a key-holder would send them:
//! what the server must refuse cheaply (bodies, limits, invented keys).
//! Headers, cells and dates that must stay inert are in `hostile_input.rs`.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{stream, StreamExt};
use poem::http::Method;
use poem::Body;
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_problem, test_settings, Settings, TestApp};

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
        ..test_settings()
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
        ..test_settings()
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
        write_rate_per_minute: 5,
        ..test_settings()
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
        write_rate_per_minute: 3,
        ..test_settings()
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
