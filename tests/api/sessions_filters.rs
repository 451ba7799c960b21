//! Every filter of `GET /v1/sessions` on hand-made sessions whose expected
//! result is known exactly (see `helpers::fixtures::known_sessions`).

use std::collections::BTreeSet;

use crate::helpers::fixtures::{ids, session_json, set};
use crate::helpers::{assert_bad_parameter, TestApp};

async fn assert_ids(app: &TestApp, query: &str, expected: BTreeSet<String>) {
    let uri = format!("/v1/sessions?{query}");
    let reply = app.get(&uri).await;
    assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
    assert_eq!(set(reply.data_keys()), expected, "{uri}");
}

#[tokio::test]
async fn without_filters_every_session_is_listed_in_start_date_order() {
    let app = TestApp::with_known_sessions().await;
    let reply = app.get("/v1/sessions").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let expected: Vec<String> = [6u128, 1, 5, 2, 4, 3]
        .iter()
        .map(|n| uuid::Uuid::from_u128(*n).to_string())
        .collect();
    assert_eq!(reply.data_keys(), expected);
    assert_eq!(reply.json()["next"], serde_json::Value::Null);
    assert_eq!(reply.json()["next_cursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn municipality_filter_keeps_only_that_municipality_and_is_repeatable() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "municipality=1980", ids([1, 2, 6])).await;
    assert_ids(
        &app,
        "municipality=1980&municipality=1983",
        ids([1, 2, 3, 6]),
    )
    .await;
    assert_ids(&app, "municipality=0180", ids([4])).await;
    // A known municipality without sessions is an empty list, not an error.
    assert_ids(&app, "municipality=1984", ids([])).await;
}

#[tokio::test]
async fn programme_filter_keeps_only_that_programme_and_is_repeatable() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "programme=abc", ids([1])).await;
    assert_ids(&app, "programme=abc&programme=connect", ids([1, 3])).await;
    assert_ids(&app, "programme=icdp", ids([])).await;
}

#[tokio::test]
async fn status_filter_keeps_only_those_statuses_and_is_repeatable() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "status=completed", ids([1, 6])).await;
    assert_ids(&app, "status=completed&status=cancelled", ids([1, 5, 6])).await;
    assert_ids(&app, "status=open", ids([4])).await;
}

#[tokio::test]
async fn start_from_and_start_to_are_inclusive_bounds_on_start_date() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "start_from=2025-01-20", ids([2, 3, 4, 5])).await;
    assert_ids(&app, "start_to=2024-02-01", ids([1, 6])).await;
    assert_ids(
        &app,
        "start_from=2024-02-01&start_to=2025-09-01",
        ids([1, 2, 5]),
    )
    .await;
    assert_ids(&app, "start_from=2025-01-20&start_to=2025-01-20", ids([5])).await;
}

#[tokio::test]
async fn child_age_keeps_sessions_whose_programme_covers_that_age() {
    let app = TestApp::with_known_sessions().await;
    // trygghetscirkeln 0–6; bvc-foraldragrupp (0–unknown) is never matched
    assert_ids(&app, "child_age=0", ids([5])).await;
    // abc 3–12, connect 8–18, pmto 3–12; komet (3–11) stops at 11
    assert_ids(&app, "child_age=12", ids([1, 3, 6])).await;
    assert_ids(&app, "child_age=15", ids([3])).await;
}

#[tokio::test]
async fn language_filter_matches_whole_language_codes() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "language=ar", ids([2, 6])).await;
    assert_ids(&app, "language=en", ids([3])).await;
    assert_ids(&app, "language=so", ids([4])).await;
    assert_ids(&app, "language=sv", ids([1, 2, 3, 5])).await;
    assert_ids(&app, "language=fi", ids([])).await;
}

#[tokio::test]
async fn delivery_filter_keeps_only_that_delivery() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "delivery=digital", ids([2, 5])).await;
    assert_ids(&app, "delivery=hybrid", ids([3])).await;
    assert_ids(&app, "delivery=in_person", ids([1, 4, 6])).await;
}

#[tokio::test]
async fn prevention_level_keeps_sessions_whose_programme_works_at_that_level() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "prevention_level=indicated", ids([2, 6])).await;
    assert_ids(&app, "prevention_level=universal", ids([1, 4, 5])).await;
    // No programme used here is selective; connect's levels are unknown.
    assert_ids(&app, "prevention_level=selective", ids([])).await;
}

#[tokio::test]
async fn updated_since_is_an_inclusive_lower_bound_on_updated_at() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "updated_since=2025-09-02T12:00:00Z", ids([2, 3, 4])).await;
    assert_ids(&app, "updated_since=2025-09-02T12:00:01Z", ids([3, 4])).await;
    assert_ids(
        &app,
        "updated_since=2025-01-01T00:00:00Z",
        ids([2, 3, 4, 5]),
    )
    .await;
    // Offsets other than Z mean the same instant.
    assert_ids(
        &app,
        "updated_since=2025-09-02T14:00:00%2B02:00",
        ids([2, 3, 4]),
    )
    .await;
}

#[tokio::test]
async fn filters_combine_with_and() {
    let app = TestApp::with_known_sessions().await;
    assert_ids(&app, "municipality=1980&status=completed", ids([1, 6])).await;
    assert_ids(
        &app,
        "municipality=1980&status=completed&language=ar",
        ids([6]),
    )
    .await;
    assert_ids(
        &app,
        "prevention_level=universal&delivery=digital",
        ids([5]),
    )
    .await;
    assert_ids(&app, "child_age=3&start_from=2025-06-01", ids([2])).await;
}

#[tokio::test]
async fn one_session_is_found_by_its_id() {
    let app = TestApp::with_known_sessions().await;
    let id = uuid::Uuid::from_u128(3).to_string();
    let reply = app.get(&format!("/v1/sessions/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let s = reply.json();
    assert_eq!(s["id"], id);
    assert_eq!(s["municipality_code"], "1983");
    assert_eq!(s["programme"], "connect");
    assert_eq!(s["status"], "planned");
    assert_eq!(s["start_date"], "2026-03-01");
    assert_eq!(s["languages"], serde_json::json!(["sv", "en"]));
    assert_eq!(s["delivery"], "hybrid");
    assert_eq!(s["co_hosts"], serde_json::json!([]));
}

/// A list and a session's own resource are read differently on SQLite (the
/// list as one JSON text SQLite builds, the resource row by row): every
/// field must come out the same either way.
#[tokio::test]
async fn a_listed_session_is_exactly_its_own_resource() {
    let app = TestApp::with_demo_sessions(150, 11).await;
    let key = app.key(Some("1980")).await;
    // Written through the API, so its timestamps carry microseconds.
    let mut body = session_json("LIST-1", "2024-09-02");
    body["provider"] = "Familjecentralen".into();
    body["area"] = "Skultuna".into();
    body["co_hosts"] = serde_json::json!(["1907"]);
    body["languages"] = serde_json::json!(["sv", "ar"]);
    body["open_to_other_municipalities"] = true.into();
    body["capacity"] = 14.into();
    body["meetings"] = 8.into();
    body["end_date"] = "2024-10-28".into();
    let put = app.put_session(Some(&key), "1980", "LIST-1", &body).await;
    assert!(put.status.is_success(), "{}", put.text());

    let list = app.get("/v1/sessions?limit=1000").await;
    assert_eq!(list.status, 200, "{}", list.text());
    let listed = list.json()["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(listed.len(), 151);
    let has = |f: &dyn Fn(&serde_json::Value) -> bool| listed.iter().any(f);
    // Every kind of value the list decodes is among them, so the comparison
    // below covers each.
    assert!(has(&|s| s["open_to_other_municipalities"] == true));
    assert!(has(&|s| s["open_to_other_municipalities"] == false));
    assert!(has(&|s| s["area"].is_null()) && has(&|s| s["area"].is_string()));
    assert!(has(&|s| s["co_hosts"]
        .as_array()
        .is_some_and(|c| !c.is_empty())));
    assert!(has(&|s| s["created_at"]
        .as_str()
        .is_some_and(|t| t.contains('.'))));
    for s in &listed {
        let own = app
            .get(&format!(
                "/v1/sessions/{}",
                s["id"].as_str().unwrap_or_default()
            ))
            .await;
        assert_eq!(own.status, 200, "{}", own.text());
        assert_eq!(&own.json(), s);
    }
}

#[tokio::test]
async fn malformed_filters_are_400_problems_naming_the_parameter() {
    let app = TestApp::with_known_sessions().await;
    for (query, parameter) in [
        ("status=finished", "status"),
        ("delivery=by_post", "delivery"),
        ("prevention_level=sometimes", "prevention_level"),
        ("start_from=2025-13-01", "start_from"),
        ("start_to=yesterday", "start_to"),
        ("start_from=2025-06-01&start_to=2025-01-01", "start_from"),
        ("updated_since=2025-01-01", "updated_since"),
        ("child_age=19", "child_age"),
        ("child_age=-1", "child_age"),
        ("child_age=three", "child_age"),
        ("language=swe", "language"),
        ("municipality=19800", "municipality"),
        ("municipality=abcd", "municipality"),
        ("municipality=9999", "municipality"),
        ("programme=Not_A_Slug", "programme"),
        ("programme=no-such-programme", "programme"),
        ("format=xml", "format"),
    ] {
        let reply = app.get(&format!("/v1/sessions?{query}")).await;
        assert_bad_parameter(&reply, "/v1/sessions", parameter);
    }
}
