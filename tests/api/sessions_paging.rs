//! Keyset paging of `GET /v1/sessions` over realistic demo data.

use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_bad_parameter, path_of, Reply, TestApp};

/// Follows `next` from `first` to the end; returns every item in order and
/// checks each page's `Link` header against its `next`.
async fn walk(app: &TestApp, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut uri = first.to_owned();
    let mut pages = 0;
    loop {
        let reply: Reply = app.get(&uri).await;
        assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
        pages += 1;
        let page = reply.json();
        items.extend(page["data"].as_array().expect("data").iter().cloned());
        match page["next"].as_str() {
            Some(next) => {
                assert_eq!(
                    reply.header("link"),
                    Some(format!("<{next}>; rel=\"next\"").as_str()),
                    "Link header of {uri}"
                );
                assert!(page["next_cursor"].is_string(), "next_cursor with next");
                uri = path_of(next);
            }
            None => {
                assert!(page["next_cursor"].is_null(), "next_cursor on last page");
                assert_eq!(reply.header("link"), None, "no Link on the last page");
                break;
            }
        }
        assert!(pages < 10_000, "paging does not end");
    }
    (items, pages)
}

fn ids_of(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_owned())
        .collect()
}

fn sort_key(s: &Value) -> (String, uuid::Uuid) {
    (
        s["start_date"].as_str().expect("start_date").to_owned(),
        s["id"].as_str().expect("id").parse().expect("uuid"),
    )
}

#[tokio::test]
async fn walking_every_page_yields_each_session_exactly_once_in_stable_order() {
    let app = TestApp::with_demo_sessions(230, 7).await;
    // Ten sessions on one date: a run longer than a page, so a page ends
    // inside it and the id decides where the next begins.
    let key = app.key(Some("1980")).await;
    for n in 0..10 {
        let id = format!("SAME-DAY-{n}");
        let put = app
            .put_session(Some(&key), "1980", &id, &session_json(&id, "2022-03-01"))
            .await;
        assert!(put.status.is_success(), "{}", put.text());
    }
    let (items, pages) = walk(&app, "/v1/sessions?limit=7").await;
    assert_eq!(pages, 35, "240 sessions at 7 a page");
    let ids = ids_of(&items);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a session repeated across pages");
    assert_eq!(ids.len(), 240, "a session missing across pages");
    let keys: Vec<_> = items.iter().map(sort_key).collect();
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "not ordered by (start_date, id)"
    );
    assert!(
        keys.chunks(7)
            .zip(keys.chunks(7).skip(1))
            .any(|(page, next)| page.last().map(|k| &k.0) == next.first().map(|k| &k.0)),
        "the walk crosses a page boundary within one start date"
    );

    // The pages together are exactly the whole set, as the bulk download gives it.
    let all = app.get("/v1/sessions?format=ndjson").await;
    let mut bulk: Vec<String> = ids_of(&all.ndjson());
    let mut paged = ids.clone();
    bulk.sort();
    paged.sort();
    assert_eq!(paged, bulk);
}

#[tokio::test]
async fn filters_survive_into_next_and_every_page_honours_them() {
    let app = TestApp::with_demo_sessions(300, 11).await;
    let query = "status=completed&status=cancelled&municipality=1980&start_from=2020-01-01";
    let whole = app.get(&format!("/v1/sessions?{query}&limit=1000")).await;
    let expected = ids_of(whole.json()["data"].as_array().expect("data"));
    assert!(
        expected.len() > 10,
        "fixture too small to page: {}",
        expected.len()
    );

    let (items, pages) = walk(&app, &format!("/v1/sessions?{query}&limit=4")).await;
    assert!(pages > 2);
    assert_eq!(ids_of(&items), expected);
    for s in &items {
        assert!(matches!(
            s["status"].as_str(),
            Some("completed" | "cancelled")
        ));
        assert_eq!(s["municipality_code"], "1980");
        assert!(s["start_date"].as_str().expect("date") >= "2020-01-01");
    }

    let first = app.get(&format!("/v1/sessions?{query}&limit=4")).await;
    let next = first.json()["next"].as_str().expect("next").to_owned();
    for part in query.split('&').chain(["limit=4"]) {
        assert!(next.contains(part), "{part} missing from next: {next}");
    }
}

#[tokio::test]
async fn default_page_size_is_100_and_limit_1000_is_allowed() {
    let app = TestApp::with_demo_sessions(1050, 3).await;
    let page = app.get("/v1/sessions").await.json();
    assert_eq!(page["data"].as_array().expect("data").len(), 100);
    let page = app.get("/v1/sessions?limit=1000").await.json();
    assert_eq!(page["data"].as_array().expect("data").len(), 1000);
    assert!(page["next"].is_string());
}

#[tokio::test]
async fn a_cursor_from_another_filter_set_is_a_400_problem() {
    let app = TestApp::with_demo_sessions(60, 5).await;
    let first = app
        .get("/v1/sessions?status=completed&limit=2")
        .await
        .json();
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();

    let same = app
        .get(&format!(
            "/v1/sessions?status=completed&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(same.status, 200, "the cursor works with its own filters");

    // Another page size is the same query: the cursor still applies.
    let bigger = app
        .get(&format!(
            "/v1/sessions?status=completed&limit=5&cursor={cursor}"
        ))
        .await;
    assert_eq!(bigger.status, 200);

    for other in ["status=planned", "status=completed&municipality=1980", ""] {
        let reply = app
            .get(&format!("/v1/sessions?{other}&cursor={cursor}"))
            .await;
        assert_bad_parameter(&reply, "/v1/sessions", "cursor");
    }
    let reply = app.get("/v1/sessions?cursor=not-a-cursor").await;
    assert_bad_parameter(&reply, "/v1/sessions", "cursor");
}

#[tokio::test]
async fn a_bad_limit_is_a_400_problem() {
    let app = TestApp::with_demo_sessions(5, 1).await;
    for limit in ["abc", "0", "1001", "-1", "1.5"] {
        let reply = app.get(&format!("/v1/sessions?limit={limit}")).await;
        assert_bad_parameter(&reply, "/v1/sessions", "limit");
    }
}

#[tokio::test]
async fn municipalities_and_programmes_page_with_cursors_too() {
    let app = TestApp::new().await;
    let (items, pages) = walk(&app, "/v1/municipalities?limit=100").await;
    assert_eq!(pages, 3);
    let codes: HashSet<&str> = items.iter().filter_map(|m| m["code"].as_str()).collect();
    assert_eq!(codes.len(), 290);

    let (items, pages) = walk(&app, "/v1/programmes?limit=5").await;
    assert_eq!(pages, 5);
    let slugs: HashSet<&str> = items.iter().filter_map(|p| p["slug"].as_str()).collect();
    assert_eq!(slugs.len(), 22);

    let reply = app.get("/v1/municipalities?limit=0").await;
    assert_bad_parameter(&reply, "/v1/municipalities", "limit");
    let reply = app.get("/v1/programmes?limit=abc").await;
    assert_bad_parameter(&reply, "/v1/programmes", "limit");

    let first = app.get("/v1/municipalities?county=19&limit=3").await.json();
    let cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    let reply = app
        .get(&format!("/v1/municipalities?county=01&cursor={cursor}"))
        .await;
    assert_bad_parameter(&reply, "/v1/municipalities", "cursor");
}
