//! The response cache in front of every public GET: an answer is served from
//! it (`Cache-Status: …; hit`) until the data changes, and never after. Each
//! write route is checked, and two instances on one database, since every
//! instance keeps a cache of its own.

use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::{indicator, indicator_area, Reply, TestApp};

/// Reads `uri` until the cache answers, so a later read that is *not* a hit
/// proves the write was seen, not that the answer was never cached.
async fn cached(app: &TestApp, uri: &str) -> Reply {
    let first = app.get(uri).await;
    assert_eq!(first.status, 200, "{uri}: {}", first.text());
    let again = app.get(uri).await;
    assert_eq!(
        again.header("cache-status"),
        Some("foraldraskapsstod; hit"),
        "{uri} is answered from the cache the second time"
    );
    assert_eq!(again.text(), first.text());
    again
}

fn external_ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|s| s["external_id"].as_str().unwrap().to_owned())
        .collect()
}

fn session_changes(feed: &Value) -> usize {
    let changes = feed["changes"].as_array().expect("changes");
    changes.iter().filter(|c| c["type"] == "session").count()
}

fn total_sessions(reach: &Value) -> i64 {
    reach["data"][0]["sessions"].as_i64().expect("total row")
}

const LIST: &str = "/v1/sessions?municipality=1980";
const REACH: &str = "/v1/reach";
const FEED: &str = "/v1/changes";

#[tokio::test]
async fn every_session_write_is_seen_at_once_by_the_cached_reads() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;

    // PUT creates.
    for uri in [LIST, REACH, FEED] {
        cached(&app, uri).await;
    }
    let reply = app
        .put_session(
            Some(&key),
            "1980",
            "C-1",
            &session_json("C-1", "2025-03-01"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(external_ids(&app.get(LIST).await.json()), ["C-1"]);
    assert_eq!(total_sessions(&app.get(REACH).await.json()), 1);
    assert_eq!(session_changes(&app.get(FEED).await.json()), 1);

    // PUT updates.
    let one = format!("/v1/sessions/{id}");
    cached(&app, &one).await;
    cached(&app, LIST).await;
    let mut changed = session_json("C-1", "2025-03-01");
    changed["provider"] = json!("Familjecentralen Öster");
    let reply = app.put_session(Some(&key), "1980", "C-1", &changed).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        app.get(&one).await.json()["provider"],
        "Familjecentralen Öster"
    );
    assert_eq!(
        app.get(LIST).await.json()["data"][0]["provider"],
        "Familjecentralen Öster"
    );

    // POST batch, upsert.
    cached(&app, LIST).await;
    cached(&app, REACH).await;
    let batch = json!({"mode": "upsert", "sessions": [session_json("C-2", "2025-04-01"), session_json("C-3", "2025-05-01")]});
    assert_eq!(app.post_batch(&key, "1980", &batch).await.status, 200);
    assert_eq!(
        external_ids(&app.get(LIST).await.json()),
        ["C-1", "C-2", "C-3"]
    );
    assert_eq!(total_sessions(&app.get(REACH).await.json()), 3);

    // POST batch, replace (C-2 goes).
    cached(&app, LIST).await;
    cached(&app, FEED).await;
    let batch = json!({"mode": "replace", "sessions": [session_json("C-1", "2025-03-01"), session_json("C-3", "2025-05-01")]});
    let reply = app.post_batch(&key, "1980", &batch).await;
    assert_eq!(reply.json()["deleted"], 1, "{}", reply.text());
    assert_eq!(external_ids(&app.get(LIST).await.json()), ["C-1", "C-3"]);
    let feed = app.get(FEED).await.json();
    assert!(
        feed["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["op"] == "delete"),
        "the feed shows the deletion: {feed}"
    );

    // DELETE.
    cached(&app, &one).await;
    cached(&app, LIST).await;
    assert_eq!(app.delete_session(&key, "1980", "C-1").await.status, 204);
    assert_eq!(app.get(&one).await.status, 404);
    assert_eq!(external_ids(&app.get(LIST).await.json()), ["C-3"]);
    assert_eq!(total_sessions(&app.get(REACH).await.json()), 1);
}

#[tokio::test]
async fn programme_and_population_writes_are_seen_at_once_by_the_cached_reads() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;

    cached(&app, "/v1/programmes/abc").await;
    cached(&app, "/v1/programmes?limit=1000").await;
    let mut abc = app.get("/v1/programmes/abc").await.json();
    abc["name"]["en"] = json!("ABC, renamed");
    let body = json!({"name": abc["name"]});
    let reply = app.put_programme(&admin, "abc", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        app.get("/v1/programmes/abc").await.json()["name"]["en"],
        "ABC, renamed"
    );
    let all = app.get("/v1/programmes?limit=1000").await.json();
    assert!(all["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"]["en"] == "ABC, renamed"));

    let population = "/v1/municipalities/1980/population";
    cached(&app, population).await;
    let year = json!({"total": 161_000, "source": "SCB, test"});
    let reply = app
        .put_population(Some(&admin), "1980", "2031", &year)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let series = app.get(population).await.json();
    assert!(
        series["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["year"] == 2031 && p["total"] == 161_000),
        "{series}"
    );
}

#[tokio::test]
async fn a_write_through_one_instance_is_read_at_once_through_another() {
    let one = TestApp::new().await;
    let two = one.another_instance(one.state.settings.as_ref().clone());
    let key = one.key(Some("1980")).await;
    for uri in [LIST, REACH, FEED] {
        cached(&two, uri).await;
    }
    let reply = one
        .put_session(
            Some(&key),
            "1980",
            "T-1",
            &session_json("T-1", "2025-03-01"),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(external_ids(&two.get(LIST).await.json()), ["T-1"]);
    assert_eq!(total_sessions(&two.get(REACH).await.json()), 1);
    assert_eq!(session_changes(&two.get(FEED).await.json()), 1);

    // And the other way round, with a revalidating client: its old ETag
    // must not earn a 304 from the instance that did not see the write.
    let etag = cached(&one, LIST).await.header("etag").unwrap().to_owned();
    let batch = json!({"mode": "upsert", "sessions": [session_json("T-2", "2025-04-01")]});
    assert_eq!(two.post_batch(&key, "1980", &batch).await.status, 200);
    let fresh = one.get_with(LIST, &[("if-none-match", &etag)]).await;
    assert_eq!(fresh.status, 200);
    assert_eq!(external_ids(&fresh.json()), ["T-1", "T-2"]);
}

/// A write that does not pass through the server at all (the CLI's
/// population import, as an operator runs it next to the server) is seen at
/// once too: the version lives in the database, not in the instance.
#[tokio::test]
async fn a_write_from_outside_the_server_is_seen_at_once() {
    let app = TestApp::new().await;
    let population = "/v1/municipalities/1984/population";
    cached(&app, population).await;
    let dir = std::env::temp_dir().join(format!("fst-cache-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("population.csv");
    std::fs::write(
        &file,
        "code,year,population_total,source\n1984,2031,23456,SCB test\n",
    )
    .unwrap();
    api::tools::population::import_file(&app.db, &file, None, false)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let series = app.get(population).await.json();
    assert!(
        series["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["year"] == 2031 && p["total"] == 23456),
        "{series}"
    );
}

#[tokio::test]
async fn keyed_reads_and_streamed_exports_are_never_shared() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    app.add_demo_sessions(50, 3).await;
    let keyed = [("authorization", format!("Bearer {key}"))];
    for _ in 0..2 {
        let r = app
            .get_with(LIST, &[("authorization", keyed[0].1.as_str())])
            .await;
        assert_eq!(
            r.header("cache-status"),
            Some("foraldraskapsstod; fwd=uri-miss")
        );
        assert_eq!(r.header("cache-control"), Some("private, no-cache"));
        let csv = app.get("/v1/sessions?format=csv").await;
        assert_eq!(csv.status, 200);
        assert_eq!(
            csv.header("cache-status"),
            Some("foraldraskapsstod; fwd=uri-miss"),
            "a stream is passed through"
        );
    }
}

/// A keyed read of `uri`: the key passes the response cache by, so the
/// answer is derived afresh, here from the rollups kept in memory.
async fn keyed_read(app: &TestApp, uri: &str, auth: &str) -> Value {
    let r = app.get_with(uri, &[("authorization", auth)]).await;
    assert_eq!(
        r.header("cache-status"),
        Some("foraldraskapsstod; fwd=uri-miss")
    );
    r.ok_json()
}

/// Sessions counted for 1980 by a keyed reach read.
async fn keyed_reach_of_1980(app: &TestApp, auth: &str) -> i64 {
    keyed_read(app, "/v1/reach?group_by=municipality", auth).await["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|row| row["municipality"] == "1980")
        .map_or(0, |row| row["sessions"].as_i64().expect("sessions"))
}

/// Reach sums a copy of the rollup kept in memory per data version: after a
/// write through either instance, and after a delete, the copy each instance
/// sums must be the database's.
#[tokio::test]
async fn reach_sums_its_in_memory_rollup_as_of_the_latest_write() {
    let one = TestApp::new().await;
    let two = one.another_instance(one.state.settings.as_ref().clone());
    let key = one.key(Some("1980")).await;
    let auth = format!("Bearer {key}");
    assert_eq!(keyed_reach_of_1980(&two, &auth).await, 0);
    for (n, (id, date)) in [("R-1", "2025-03-01"), ("R-2", "2025-06-01")]
        .into_iter()
        .enumerate()
    {
        let r = one
            .put_session(Some(&key), "1980", id, &session_json(id, date))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let expected = n as i64 + 1;
        assert_eq!(
            keyed_reach_of_1980(&two, &auth).await,
            expected,
            "the other instance"
        );
        assert_eq!(
            keyed_reach_of_1980(&one, &auth).await,
            expected,
            "the writing one"
        );
    }
    let gone = one.delete_session(&key, "1980", "R-1").await;
    assert_eq!(gone.status, 204, "{}", gone.text());
    assert_eq!(keyed_reach_of_1980(&two, &auth).await, 1, "a delete");
}

/// 1980's indicators for 2025 by a keyed read: the languages it offered
/// and its reach per 1,000 children.
async fn keyed_indicators_of_1980(app: &TestApp, auth: &str) -> (Value, Value) {
    let report = keyed_read(app, "/v1/indicators?year=2025&municipality=1980", auth).await;
    let area = indicator_area(&report, "1980");
    let value = |id: &str| indicator(area, id)["value"].clone();
    (value("languages_offered"), value("reach_per_1000_children"))
}

/// Indicators read the offers kept in memory per data version beside the
/// reach table: every write, through either instance, and a delete must show.
#[tokio::test]
async fn indicators_read_their_in_memory_rollups_as_of_the_latest_write() {
    let one = TestApp::new().await;
    let two = one.another_instance(one.state.settings.as_ref().clone());
    let key = one.key(Some("1980")).await;
    let auth = format!("Bearer {key}");
    let (languages, reach) = keyed_indicators_of_1980(&two, &auth).await;
    assert_eq!(languages, Value::Null, "nothing offered yet: unknown");
    assert!(reach.is_null(), "{reach}");

    let mut arabic = session_json("I-1", "2025-03-01");
    arabic["languages"] = json!(["sv", "ar"]);
    let put = one.put_session(Some(&key), "1980", "I-1", &arabic).await;
    assert_eq!(put.status, 201, "{}", put.text());
    for app in [&two, &one] {
        let (languages, reach) = keyed_indicators_of_1980(app, &auth).await;
        assert_eq!(languages, 2.0);
        assert!(reach.as_f64().is_some_and(|r| r > 0.0), "{reach}");
    }
    let (_, reach_of_one) = keyed_indicators_of_1980(&two, &auth).await;
    let batch = json!({"mode": "upsert", "sessions": [session_json("I-2", "2025-04-01")]});
    assert_eq!(two.post_batch(&key, "1980", &batch).await.status, 200);
    let (_, reach_of_two) = keyed_indicators_of_1980(&one, &auth).await;
    assert!(
        reach_of_two.as_f64() > reach_of_one.as_f64(),
        "{reach_of_one} then {reach_of_two}"
    );

    let gone = one.delete_session(&key, "1980", "I-1").await;
    assert_eq!(gone.status, 204, "{}", gone.text());
    assert_eq!(
        keyed_indicators_of_1980(&two, &auth).await.0,
        1.0,
        "a delete"
    );
}

/// After a write no kept answer can be served again (each names the version
/// it was made of), so the cache lets them all go at once instead of holding
/// their memory until they are evicted.
#[tokio::test]
async fn a_write_lets_go_of_every_answer_kept_before_it() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    for uri in [LIST, REACH, FEED] {
        cached(&app, uri).await;
    }
    assert_eq!(app.metric("response_cache_entries").await, 3);
    let reply = app
        .put_session(
            Some(&key),
            "1980",
            "T-1",
            &session_json("T-1", "2025-03-01"),
        )
        .await;
    assert_eq!(reply.status, 201);
    let fresh = app.get(LIST).await;
    assert_eq!(external_ids(&fresh.json()), ["T-1"]);
    assert_eq!(
        app.metric("response_cache_entries").await,
        1,
        "only the answer made after the write is kept"
    );
}

/// What reads derive per data version, as `/metrics` names them.
const PER_VERSION: [&str; 3] = ["catalogues", "reach_table", "offer_table"];

/// Loads so far of each of [`PER_VERSION`].
async fn loads(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for value in PER_VERSION {
        out.push(
            app.metric(&format!("per_version_loads_total{{value=\"{value}\"}}"))
                .await,
        );
    }
    out
}

/// What reach and indicators read per data version is loaded as soon as any
/// read has seen a new version, not in the first reach or indicators request
/// (which waited for it, 0.5 s at national scale, as did every request
/// needing the same table meanwhile). Prepared ahead, it is what they read.
#[tokio::test]
async fn a_new_data_version_is_prepared_before_reach_or_indicators_ask() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let auth = format!("Bearer {key}");
    for n in 1..=2 {
        let id = format!("P-{n}");
        let before = loads(&app).await;
        let put = app
            .put_session(Some(&key), "1980", &id, &session_json(&id, "2025-03-01"))
            .await;
        assert_eq!(put.status, 201, "{}", put.text());
        // A read of something else sees the new version...
        assert_eq!(app.get("/v1/programmes").await.status, 200);
        // ...and each table of it is loaded without being asked for (the
        // write itself may have had one loaded of the version before it:
        // wait for the loads to settle).
        let mut after = loads(&app).await;
        for _ in 0..200 {
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            let now = loads(&app).await;
            let tables_loaded = now[1] > before[1] && now[2] > before[2];
            if tables_loaded && now == after {
                break;
            }
            after = now;
        }
        assert!(
            after[1] > before[1] && after[2] > before[2],
            "{PER_VERSION:?} loaded {before:?} then {after:?} times"
        );
        // Reach and indicators then read those, as of the write.
        assert_eq!(keyed_reach_of_1980(&app, &auth).await, n);
        assert!(keyed_indicators_of_1980(&app, &auth).await.1.as_f64() > Some(0.0));
        let read = loads(&app).await;
        assert_eq!(read, after, "reach and indicators loaded nothing more");
    }
}
