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

/// The details a parent needs are filled the way municipal exports fill them
/// — for most courses one can still join, not all, never for the history —
/// and every one of them is what the API itself accepts: written back
/// through the sync API unchanged, they are `unchanged`.
#[tokio::test]
async fn demo_details_are_filled_for_courses_ahead_and_pass_the_apis_own_rules() {
    let app = TestApp::with_demo_sessions(3000, 42).await;
    let all = app.get("/v1/sessions?format=ndjson").await.ndjson();
    let (ahead, past): (Vec<_>, Vec<_>) = all
        .iter()
        .partition(|s| matches!(s["status"].as_str(), Some("open" | "planned" | "ongoing")));
    let share = |details: &str| {
        ahead.iter().filter(|s| !s[details].is_null()).count() as f64 / ahead.len() as f64
    };
    for (details, lo, hi) in [
        ("schedule", 0.6, 0.9),
        ("registration", 0.65, 0.95),
        ("cost", 0.7, 0.97),
    ] {
        let got = share(details);
        assert!(
            (lo..hi).contains(&got),
            "{details} on {got:.2} of upcoming courses"
        );
    }
    for s in &past {
        for details in ["schedule", "venue", "registration", "cost", "accessibility"] {
            assert!(s[details].is_null(), "history has no {details}: {s}");
        }
    }
    for s in ahead.iter().filter(|s| s["delivery"] == "digital") {
        assert!(s["venue"].is_null(), "a digital course has no venue: {s}");
    }

    let admin = app.key(None).await;
    let filled: Vec<_> = ahead
        .iter()
        .filter(|s| !s["schedule"].is_null() && !s["registration"].is_null())
        .take(25)
        .collect();
    assert!(filled.len() >= 10);
    for s in filled {
        let code = s["municipality_code"].as_str().unwrap();
        let external_id = s["external_id"].as_str().unwrap();
        let mut body = app
            .get_own_session(&admin, code, external_id)
            .await
            .ok_json();
        let fields = body.as_object_mut().unwrap();
        // Set by the API, and `places_left` as read may be derived: left out, kept.
        for k in [
            "id",
            "municipality_code",
            "created_at",
            "updated_at",
            "places_left",
        ] {
            fields.remove(k);
        }
        let reply = app
            .put_session(Some(&admin), code, external_id, &body)
            .await;
        assert_eq!(reply.status.as_u16(), 200, "{}", reply.text());
        reply.assert_header("write-result", "unchanged");
    }
}
