//! Safe to operate: security headers on every response, a request time limit
//! that never leaves a half-write, quotas that tell the client where it
//! stands, a shutdown on SIGTERM that lets work in flight finish and slow
//! clients cut off (the real binary, over loopback). The database going
//! away is in `database_outages.rs`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_problem, test_settings, Settings, TestApp};

pub(crate) fn batch(n: usize) -> Value {
    let sessions: Vec<Value> = (0..n)
        .map(|i| session_json(&format!("S-{i}"), "2025-03-01"))
        .collect();
    json!({"mode": "upsert", "sessions": sessions})
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/municipalities/1980",
        "/v1/no-such-thing",
        "/openapi.json",
        "/health/live",
    ] {
        let reply = app.get(uri).await;
        reply.assert_header("x-content-type-options", "nosniff");
        reply.assert_header("x-frame-options", "DENY");
        reply.assert_header("referrer-policy", "no-referrer");
        reply.assert_header(
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'",
        );
    }
    // The docs page runs this origin's scripts alone: none inline.
    let docs = app.get("/docs").await;
    let csp = docs.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("style-src 'self';"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_a_503_and_writes_all_or_nothing() {
    let app = TestApp::with_settings(Settings {
        request_timeout: Duration::from_millis(150),
        ..test_settings()
    })
    .await;
    let key = app.key(Some("1980")).await;
    let n = 10_000;
    let reply = app.post_batch(&key, "1980", &batch(n)).await;
    let problem = assert_problem(&reply, 503, "/v1/municipalities/1980/sessions/batch");
    assert_eq!(problem["type"], "http://localhost/problems/unavailable");

    // Read back through an instance without the short limit: under a loaded
    // test run a read of its own may take longer than 150 ms too.
    let app = app.another_instance(test_settings());
    // The stopped handler's COMMIT may already be on its way to the
    // database (a dropped future cannot call it back), so the batch may
    // land just after the 503; what may never be seen is part of it, or a
    // feed that disagrees with the table once the writer is done.
    let mut settled = None;
    for _ in 0..50 {
        let stored = app
            .get("/v1/sessions?municipality=1980&format=ndjson")
            .await
            .ndjson()
            .len();
        assert!(
            stored == 0 || stored == n,
            "a stopped batch left {stored} of {n} sessions"
        );
        let reply = app.changes(None, Some("session"), Some(1000)).await;
        // The stopped write's connection may still be winding down (its
        // rollback queued behind the INSERT the server is finishing): a
        // 503 here says "ask again", anything else but 200 is a failure.
        if reply.status != 200 {
            assert_eq!(reply.status, 503, "the feed: {}", reply.text());
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let feed = reply.json();
        let in_feed = feed["changes"].as_array().map_or(0, Vec::len);
        if in_feed == stored.min(1000) {
            settled = Some(stored);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        settled.is_some(),
        "the feed never agreed with what is stored"
    );
}

#[tokio::test]
async fn behind_a_proxy_reads_count_against_the_address_the_proxy_added() {
    let app = TestApp::with_settings(Settings {
        read_rate_per_minute: 2,
        write_rate_per_minute: 0,
        trust_forwarded_for: true,
        ..Settings::default()
    })
    .await;
    // The proxy appends the address it saw; what comes before is the client's.
    let read = async |forwarded_for: &str| {
        app.get_with("/v1/programmes", &[("X-Forwarded-For", forwarded_for)])
            .await
    };
    assert_eq!(read("203.0.113.7").await.status, 200);
    assert_eq!(read("198.51.100.1, 203.0.113.7").await.status, 200);
    let spoofed = read("192.0.2.99, 203.0.113.7").await;
    assert_eq!(
        spoofed.status, 429,
        "a first entry of the client's choosing does not buy a new quota"
    );
    assert!(spoofed.header("retry-after").is_some());
    assert_eq!(
        read("203.0.113.7, 203.0.113.8").await.status,
        200,
        "another client behind the proxy has its own quota"
    );
}

/// Every counted answer says where the client stands (IETF draft
/// `RateLimit-*`): an error and the 429 included, reads per address and
/// writes per key apart; the pages too, the health checks not.
#[tokio::test]
async fn every_limited_answer_tells_the_client_its_quota() {
    let app = TestApp::with_settings(Settings {
        read_rate_per_minute: 3,
        write_rate_per_minute: 2,
        ..Settings::default()
    })
    .await;
    let stand = |r: &crate::helpers::Reply| {
        ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]
            .map(|h| r.header(h).map(|v| v.parse::<u64>().expect("an integer")))
    };
    let first = app.get("/v1/programmes").await;
    assert_eq!(first.status, 200);
    // 3 a minute: one returns every 20 s.
    assert_eq!(stand(&first), [Some(3), Some(2), Some(20)]);
    let error = app.get("/v1/sessions/not-a-uuid").await;
    assert_eq!(error.status, 400);
    assert_eq!(stand(&error), [Some(3), Some(1), Some(40)]);
    app.get("/v1/programmes").await;
    let refused = app.get("/v1/programmes").await;
    assert_eq!(refused.status, 429);
    assert_eq!(stand(&refused), [Some(3), Some(0), Some(60)]);
    assert!(refused.header("retry-after").is_some());
    // The page, the docs and the document spend the same budget; the
    // health checks (a load balancer's) are never counted.
    for uri in ["/", "/docs", "/openapi.json"] {
        let page = app.get(uri).await;
        assert_eq!(page.status, 429, "{uri} is counted");
        assert_eq!(stand(&page)[0], Some(3), "{uri}");
    }
    let health = app.get("/health/live").await;
    assert_eq!(health.status, 200);
    assert_eq!(stand(&health), [None, None, None]);
    // Writes count per key, apart from the reads.
    let key = app.key(Some("1980")).await;
    let write = app
        .put_session(
            Some(&key),
            "1980",
            "RL-1",
            &session_json("RL-1", "2025-03-01"),
        )
        .await;
    assert_eq!(write.status, 201);
    assert_eq!(stand(&write), [Some(2), Some(1), Some(30)]);
}

/// The real server on a free loopback port, with its own SQLite database.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) url: String,
    pub(crate) database_url: String,
}

impl Server {
    fn start() -> Self {
        Self::start_on(&Self::new_database_url())
    }

    /// The server on an existing database (e.g. a restored backup).
    pub(crate) fn start_on(database_url: &str) -> Self {
        Self::start_with(database_url, &[])
    }

    /// A fresh temporary SQLite database's URL.
    pub(crate) fn new_database_url() -> String {
        let dir = std::env::temp_dir().join(format!("fst-ops-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        format!("sqlite://{}?mode=rwc", dir.join("db.sqlite").display())
    }

    /// The server on `database_url` with more of its settings in the
    /// environment (`env`), as a deployment's environment file gives them.
    pub(crate) fn start_with(database_url: &str, env: &[(&str, &str)]) -> Self {
        let database_url = database_url.to_owned();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(env!("CARGO_BIN_EXE_foraldraskapsstod"))
            .args(["serve", "--no-demo", "--bind", &format!("127.0.0.1:{port}")])
            .args([
                "--database-url",
                &database_url,
                "--shutdown-grace-seconds",
                "60",
            ])
            .env("WRITE_RATE_PER_MINUTE", "0")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the server");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            database_url,
        }
    }

    pub(crate) fn key(&self, municipality: &str) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_foraldraskapsstod"))
            .args(["keys", "create", "--municipality", municipality])
            .args(["--database-url", &self.database_url])
            .env("RUST_LOG", "warn")
            .output()
            .expect("create a key");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    pub(crate) async fn ready(&self, client: &reqwest::Client) {
        // Generous: a debug build migrating a fresh database beside the
        // whole suite on 2 cores has taken more than 10 s. Ready ends the
        // wait at once.
        for _ in 0..1200 {
            let ok = client
                .get(format!("{}/health/ready", self.url))
                .send()
                .await;
            if ok.is_ok_and(|r| r.status() == 200) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become ready");
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

#[tokio::test]
async fn sigterm_lets_a_batch_in_flight_finish_and_refuses_new_connections() {
    let mut server = Server::start();
    let client = reqwest::Client::new();
    server.ready(&client).await;
    let key = server.key("1980");
    let url = format!("{}/v1/municipalities/1980/sessions/batch", server.url);
    let in_flight = tokio::spawn({
        let (client, key) = (client.clone(), key.clone());
        async move {
            let resp = client
                .post(url)
                .bearer_auth(key)
                .json(&batch(10_000))
                .send()
                .await?;
            Ok::<_, reqwest::Error>((resp.status().as_u16(), resp.json::<Value>().await?))
        }
    });
    // Long enough for the body to arrive and the write to start.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.signal("TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let fresh = reqwest::Client::new()
        .get(format!("{}/health/live", server.url))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(fresh.is_err(), "a new connection after SIGTERM was served");

    let (status, body) = in_flight
        .await
        .unwrap()
        .expect("the batch in flight was answered");
    assert_eq!(
        (status, body["created"].as_u64()),
        (200, Some(10_000)),
        "{body}"
    );
    let mut exit = None;
    for _ in 0..200 {
        exit = server.child.try_wait().expect("the server's status");
        if exit.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        exit.is_some_and(|e| e.success()),
        "the server exits cleanly: {exit:?}"
    );
}

/// Slow clients cannot hold connections: a request's headers must arrive
/// within `HEADER_TIMEOUT_SECONDS` of their first byte (a slow-loris client
/// trickling them), and a connection on which nothing moves is closed after
/// `IDLE_TIMEOUT_SECONDS`; a client that talks is served.
#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = Server::start_with(
        &Server::new_database_url(),
        &[
            ("HEADER_TIMEOUT_SECONDS", "1"),
            ("REQUEST_TIMEOUT_SECONDS", "1"),
            ("IDLE_TIMEOUT_SECONDS", "2"),
        ],
    );
    let client = reqwest::Client::new();
    server.ready(&client).await;
    let address = server.url.trim_start_matches("http://").to_owned();
    let closed_within = async |first: &[u8], trickle: bool| {
        let mut conn = tokio::net::TcpStream::connect(&address).await.unwrap();
        conn.write_all(first).await.unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 256];
        loop {
            if trickle {
                // A byte every 300 ms: never idle, never done.
                let _ = conn.write_all(b"x").await;
            }
            match tokio::time::timeout(Duration::from_millis(300), conn.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
                Ok(Ok(n)) => panic!("answered: {}", String::from_utf8_lossy(&buf[..n])),
                Err(_) if started.elapsed() > Duration::from_secs(15) => panic!("never closed"),
                Err(_) => {}
            }
        }
    };
    let slow = closed_within(b"GET /health/live HTTP/1.1\r\nX-Slow: ", true).await;
    assert!(
        slow < Duration::from_secs(5),
        "trickled headers held it {slow:?}"
    );
    let idle = closed_within(b"", false).await;
    assert!(
        (Duration::from_millis(1500)..Duration::from_secs(6)).contains(&idle),
        "an idle connection closed after {idle:?}"
    );
    let reply = client
        .get(format!("{}/health/live", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
}
