//! The change feed: a follower ends with exactly the public state, under
//! random and under concurrent writes, and never sees a seq twice. The same
//! runs check that the reach rollups stay equal to a recomputation.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::TestApp;

/// What a follower holds: the public records by (type, id), and the last seq seen.
#[derive(Default)]
struct Follower {
    cursor: Option<String>,
    last_seq: i64,
    state: BTreeMap<(String, String), Value>,
}

impl Follower {
    /// Reads pages until the feed says there is no more; returns the changes read.
    async fn catch_up(&mut self, app: &TestApp, limit: u64) -> usize {
        let mut read = 0;
        loop {
            let (status, page) = app
                .changes(self.cursor.as_deref(), None, Some(limit))
                .await
                .status_and_json();
            assert_eq!(status, 200, "{page}");
            for c in page["changes"].as_array().unwrap() {
                let seq = c["seq"].as_i64().unwrap();
                assert!(
                    seq > self.last_seq,
                    "seq {seq} after {}: skipped back or repeated",
                    self.last_seq
                );
                self.last_seq = seq;
                let key = (
                    c["type"].as_str().unwrap().to_owned(),
                    c["id"].as_str().unwrap().to_owned(),
                );
                match c["op"].as_str().unwrap() {
                    "upsert" => {
                        self.state.insert(key, c["data"].clone());
                    }
                    _ => {
                        self.state.remove(&key);
                    }
                }
                read += 1;
            }
            self.cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
            if !page["has_more"].as_bool().unwrap() {
                return read;
            }
        }
    }
}

/// The public state as the list endpoints show it.
async fn public_state(app: &TestApp) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for (kind, path, id) in [
        ("session", "/v1/sessions", "id"),
        ("programme", "/v1/programmes", "slug"),
    ] {
        let text = app.get(&format!("{path}?format=ndjson")).await.text();
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            out.insert((kind.to_owned(), v[id].as_str().unwrap().to_owned()), v);
        }
    }
    out
}

fn random_session(rng: &mut StdRng, ext: &str) -> Value {
    let mut s = session_json(
        ext,
        &format!(
            "2025-{:02}-{:02}",
            rng.gen_range(1..=12),
            rng.gen_range(1..=28)
        ),
    );
    let enrolled = rng.gen_range(0..30);
    s["enrolled"] = json!(enrolled);
    s["completed"] = json!(rng.gen_range(0..=enrolled));
    s["women"] = json!(enrolled / 2);
    s["men"] = json!(enrolled / 3);
    s["vulnerable_area"] = json!(0);
    s["satisfaction_respondents"] = json!(0);
    s["satisfied"] = json!(0);
    s["status"] =
        json!(["planned", "open", "ongoing", "completed", "cancelled"][rng.gen_range(0..5)]);
    s
}

#[tokio::test]
async fn a_follower_reproduces_the_public_state_after_random_writes_and_deletes() {
    let app = TestApp::new().await;
    let codes = ["1980", "1981", "1983"];
    let mut keys = Vec::new();
    for c in codes {
        keys.push(app.key(Some(c)).await);
    }
    let admin = app.key(None).await;
    let mut rng = StdRng::seed_from_u64(7);
    let mut follower = Follower::default();
    for step in 0..160 {
        let m = rng.gen_range(0..codes.len());
        let (code, key) = (codes[m], &keys[m]);
        let ext = format!("E-{}", rng.gen_range(0..25));
        match rng.gen_range(0..10) {
            0..=3 => {
                let body = random_session(&mut rng, &ext);
                let s = app.put_session(Some(key), code, &ext, &body).await.status;
                assert!(s == 200 || s == 201);
            }
            4..=5 => {
                let s = app.delete_session(key, code, &ext).await.status;
                assert!(s == 204 || s == 404);
            }
            6..=7 => {
                let items: Vec<Value> = (0..rng.gen_range(1..8))
                    .map(|i| random_session(&mut rng, &format!("B-{step}-{i}")))
                    .collect();
                let mode = if rng.gen_bool(0.3) {
                    "replace"
                } else {
                    "upsert"
                };
                let (s, body) = app
                    .post_batch(
                        key,
                        code,
                        &json!({"mode": mode, "allow_mass_delete": true, "sessions": items}),
                    )
                    .await
                    .status_and_json();
                assert_eq!(s, 200, "{body}");
            }
            8 => {
                let prog = json!({"name": {"sv": format!("Metod {step}"), "en": "Method"}, "age_min": 0, "age_max": rng.gen_range(1..18), "prevention_levels": ["universal"], "formats": ["group"]});
                let slug = ["abc", "komet", "ny-metod"][rng.gen_range(0..3)];
                let s = app.put_programme(&admin, slug, &prog).await.status;
                assert!(s == 200 || s == 201);
            }
            _ => {
                follower.catch_up(&app, rng.gen_range(1..10)).await;
            }
        }
    }
    follower.catch_up(&app, 7).await;
    let expected = public_state(&app).await;
    assert!(
        expected.keys().any(|(k, _)| k == "session"),
        "the run should leave sessions"
    );
    assert_eq!(follower.state, expected);

    // A second follower from nothing reaches the same state in one pass.
    let mut fresh = Follower::default();
    fresh.catch_up(&app, 1000).await;
    assert_eq!(fresh.state, expected);

    assert_rollups_match_sessions(&app).await;
}

/// The reach and offer rollups, kept by deltas in every write's transaction,
/// equal a recomputation from the sessions themselves.
async fn assert_rollups_match_sessions(app: &TestApp) {
    let stored = api::store::rollup::stored(&app.db).await.unwrap();
    let recomputed = api::store::rollup::recompute(&app.db).await.unwrap();
    assert!(
        !recomputed.reach.is_empty(),
        "the run should leave counted sessions"
    );
    assert_eq!(stored, recomputed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_make_a_follower_skip_or_repeat_a_change() {
    // Spawned tasks must be 'static, so the writers and the reader share the app by Arc.
    let app = Arc::new(TestApp::new().await);
    let codes = ["1980", "1981", "1982", "1983"];
    let mut writers = Vec::new();
    for (w, code) in codes.into_iter().enumerate() {
        let key = app.key(Some(code)).await;
        let writer = Arc::clone(&app);
        writers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(w as u64);
            for round in 0..12 {
                let items: Vec<Value> = (0..40)
                    .map(|_| {
                        let ext = format!("C-{}", rng.gen_range(0..80));
                        random_session(&mut rng, &ext)
                    })
                    .collect();
                let mut dedup = BTreeMap::new();
                for it in items {
                    dedup.insert(it["external_id"].as_str().unwrap().to_owned(), it);
                }
                let mode = if round % 4 == 3 { "replace" } else { "upsert" };
                let body = json!({"mode": mode, "allow_mass_delete": true, "sessions": dedup.into_values().collect::<Vec<_>>()});
                let (s, b) = writer.post_batch(&key, code, &body).await.status_and_json();
                assert_eq!(s, 200, "{b}");
            }
        }));
    }
    let reader_app = Arc::clone(&app);
    let reader = tokio::spawn(async move {
        let mut follower = Follower::default();
        let mut reads = 0;
        for _ in 0..200 {
            reads += follower.catch_up(&reader_app, 25).await;
            tokio::task::yield_now().await;
        }
        (follower, reads)
    });
    for w in writers {
        w.await.unwrap();
    }
    let (mut follower, reads) = reader.await.unwrap();
    assert!(reads > 0);
    follower.catch_up(&app, 100).await;
    assert_eq!(follower.state, public_state(&app).await);
    assert_rollups_match_sessions(&app).await;
}

#[tokio::test]
async fn bad_and_stale_cursors_are_refused_with_a_hint_to_resync() {
    let app = TestApp::new().await;
    let (status, p) = app
        .changes(Some("garbage"), None, None)
        .await
        .status_and_json();
    assert_eq!(
        (status, p["errors"][0]["parameter"].as_str()),
        (400, Some("after"))
    );
    let page = app.changes(None, Some("programme"), None).await.json();
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let status = app
        .changes(Some(&cursor), Some("session"), None)
        .await
        .status;
    assert_eq!(status, 400, "a cursor is bound to its type filter");
    let (status, page) = app
        .changes(Some(&cursor), Some("programme"), None)
        .await
        .status_and_json();
    assert_eq!(
        (status, page["changes"].as_array().map(Vec::len)),
        (200, Some(0))
    );

    // The database was rebuilt: the old history is gone.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "UPDATE app_meta SET value = 'another-history' WHERE key = 'feed_epoch'",
        )
        .await
        .unwrap();
    // A new history is written as every write is: the data version moves
    // (demo-data --replace does both in one transaction).
    app.db
        .execute_unprepared("UPDATE feed_counter SET data_version = data_version + 1")
        .await
        .unwrap();
    let (status, p) = app
        .changes(Some(&cursor), Some("programme"), None)
        .await
        .status_and_json();
    assert_eq!(
        (status, p["type"].as_str()),
        (410, Some("http://localhost/problems/cursor-expired"))
    );
    assert!(p["detail"].as_str().unwrap().contains("resync"));
}
