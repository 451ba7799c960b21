//! No silent wrong answers (issue 27): a query parameter an operation does
//! not declare is refused, naming it and the accepted ones; `year` on
//! `/v1/reach` is a declared shorthand that agrees with `/v1/indicators`.

use serde_json::json;

use crate::helpers::fixtures::session_json;
use crate::helpers::TestApp;

fn parameters_named(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["parameter"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_undeclared_parameter_is_refused_with_the_accepted_ones() {
    let app = TestApp::with_demo_sessions(300, 3).await;
    let reply = app.get("/v1/sessions?foo=bar&limit=5").await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    let problem = reply.json();
    assert_eq!(
        problem["type"],
        "http://localhost/problems/invalid-parameter"
    );
    assert_eq!(parameters_named(&problem), ["foo"]);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("Received unknown parameter 'foo'"),
        "{detail}"
    );
    for accepted in ["limit", "cursor", "municipality", "child_age"] {
        assert!(detail.contains(accepted), "{accepted} not listed: {detail}");
    }

    // Names are case-sensitive, and the problem says which was meant.
    let reply = app.get("/v1/sessions?Limit=5").await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    let problem = reply.json();
    assert_eq!(parameters_named(&problem), ["Limit"]);
    assert!(
        problem.to_string().contains("did you mean 'limit'"),
        "{problem}"
    );

    // An operation without query parameters says so.
    let reply = app.get("/v1/api-info?verbose=1").await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("takes no query parameters"));

    // Every unknown one is named, each once.
    let reply = app.get("/v1/programmes?a=1&b=2&a=3").await;
    assert_eq!(parameters_named(&reply.json()), ["a", "b"]);

    // The declared ones still work, and the people's pages take what
    // newsletter links carry.
    app.get("/v1/sessions?limit=5").await.assert_status_is_ok();
    app.get("/?utm_source=nyhetsbrev&fbclid=x")
        .await
        .assert_status_is_ok();
    app.get("/hitta-stod?utm_campaign=vt")
        .await
        .assert_status_is_ok();
}

#[tokio::test]
async fn a_write_with_an_undeclared_parameter_writes_nothing() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let body = session_json("Q-1", "2025-03-01");
    let reply = app
        .put_session(Some(&key), "1980", "Q-1?dry_run=true", &body)
        .await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    assert_eq!(parameters_named(&reply.json()), ["dry_run"]);
    let listed = app.get("/v1/sessions?municipality=1980").await.ok_json();
    assert_eq!(listed["data"], json!([]));
}

#[tokio::test]
async fn year_on_reach_is_the_same_as_from_and_to_that_year() {
    let app = TestApp::with_demo_sessions(1500, 11).await;
    let by_year = app
        .reach("group_by=municipality&county=19&year=2025")
        .await
        .ok_json();
    let by_range = app
        .reach("group_by=municipality&county=19&from=2025&to=2025")
        .await
        .ok_json();
    assert_eq!(by_year["data"], by_range["data"]);
    let all_years = app.reach("group_by=municipality&county=19").await.ok_json();
    assert_ne!(by_year["data"], all_years["data"], "year is not ignored");

    let reply = app.reach("year=2025&from=2024").await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    assert_eq!(parameters_named(&reply.json()), ["year"]);
    let reply = app.reach("year=1800").await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    assert_eq!(parameters_named(&reply.json()), ["year"]);
}

#[tokio::test]
async fn without_a_county_the_indicators_follow_the_municipality_named() {
    let app = TestApp::new().await;
    let karlstad = app
        .indicators("year=2025&municipality=1780")
        .await
        .ok_json();
    assert_eq!(karlstad["county_code"], "17");
    let codes: Vec<&str> = karlstad["areas"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert!(codes.contains(&"1780"), "{codes:?}");
    // Two counties cannot be reported beside one.
    let reply = app
        .indicators("year=2025&municipality=1780&municipality=1980")
        .await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
    assert!(
        reply.text().contains("in county 17 and 1980 in county 19"),
        "{}",
        reply.text()
    );
    // Named with its county, as before; a municipality outside a named county is still refused.
    app.indicators("year=2025&county=19&municipality=1980")
        .await
        .assert_status_is_ok();
    let reply = app
        .indicators("year=2025&county=19&municipality=1780")
        .await;
    reply.assert_status(poem::http::StatusCode::BAD_REQUEST);
}
