//! Demo data a parent would believe (issue 25): coherent on the day it is
//! drawn, read back through the API as a client would.

use chrono::{Datelike, NaiveDate, Utc};

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

#[tokio::test]
async fn demo_outcome_values_are_flagged_synthetic_and_never_replace_a_sourced_one() {
    let app = TestApp::new().await;
    // A year the demo draws too: the sourced value must win.
    let year = Utc::now().date_naive().year() - 3;
    let dir = std::env::temp_dir().join(format!("fst-demo-o-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("real.csv");
    let csv = format!(
        "kpi,municipality,year,gender,value,source\n\
         N15428,1980,{year},T,88.8,\"Kolada (RKA), KPI N15428\"\n"
    );
    std::fs::write(&file, csv).unwrap();
    api::tools::outcomes::import_file(&app.db, &file, false)
        .await
        .expect("import");
    app.add_demo_sessions(500, 3).await;

    let info = app.get("/v1/api-info").await.ok_json();
    assert_eq!(info["data"]["synthetic"], true);
    assert!(info["data"]["description"]
        .as_str()
        .unwrap()
        .contains("outcome values"));
    let values = app
        .get("/v1/outcomes/N15428/values?county=19&format=ndjson")
        .await
        .ndjson();
    assert!(values.len() > 10, "the demo wrote values: {}", values.len());
    for v in &values {
        let own = v["area_code"] == "1980" && v["year"] == year;
        let source = v["source"].as_str().unwrap();
        if own {
            assert_eq!(
                (v["value"].clone(), source),
                (88.8.into(), "Kolada (RKA), KPI N15428")
            );
        } else {
            assert!(source.starts_with("SYNTHETIC DEMO DATA"), "{v}");
        }
    }
    // Years, municipalities, the county and the country, like a real fetch.
    let areas: std::collections::BTreeSet<&str> = values
        .iter()
        .map(|v| v["area_code"].as_str().unwrap())
        .collect();
    for code in VASTMANLAND.iter().chain(&["0019", "0000"]) {
        assert!(areas.contains(code), "{code}");
    }
}
