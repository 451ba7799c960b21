//! Demo data a parent would believe (issue 25): coherent on the day it is
//! drawn, read back through the API as a client would.

use chrono::{NaiveDate, Utc};

use crate::helpers::TestApp;

const VASTMANLAND: [&str; 10] = [
    "1904", "1907", "1960", "1961", "1962", "1980", "1981", "1982", "1983", "1984",
];

fn date(v: &serde_json::Value, field: &str) -> Option<NaiveDate> {
    v[field].as_str().and_then(|s| s.parse().ok())
}

#[tokio::test]
async fn demo_sessions_are_coherent_on_the_day_they_are_drawn() {
    let app = TestApp::with_demo_sessions(3000, 42).await;
    let today = Utc::now().date_naive();
    let all = app.get("/v1/sessions?format=ndjson").await.ndjson();
    assert_eq!(all.len(), 3000);
    for s in &all {
        let (start, end) = (date(s, "start_date"), date(s, "end_date"));
        match s["status"].as_str().unwrap_or_default() {
            "ongoing" => assert!(start <= Some(today) && end >= Some(today), "{s}"),
            "open" | "planned" => assert!(start > Some(today), "{s}"),
            "completed" => assert!(end < Some(today), "{s}"),
            "cancelled" => assert_eq!(
                s["enrolled"], 0,
                "nobody enrolled in a cancelled course: {s}"
            ),
            other => panic!("status {other}"),
        }
        if s["delivery"] == "digital" {
            assert!(s["area"].is_null(), "a digital course has no area: {s}");
        }
    }
    for code in VASTMANLAND {
        let ahead = app
            .get(&format!(
                "/v1/sessions?municipality={code}&start_from={today}&format=ndjson"
            ))
            .await
            .ndjson();
        assert!(
            ahead.len() >= 3,
            "{code} has {} upcoming courses",
            ahead.len()
        );
    }
    // The reference date is stated.
    let info = app.get("/v1/api-info").await.ok_json();
    let text = info.to_string();
    assert!(text.contains(&format!("reference date {today}")), "{text}");
}
