//! `GET /v1/indicators` through HTTP on a data set whose answer is known by hand.

use serde_json::Value;

use crate::helpers::reach_fixtures::{counts, insert, session, People};
use crate::helpers::{indicator, indicator_area, test_settings, Settings, TestApp};

/// Skinnskatteberg (700 children) in 2025 and 2024, and three small
/// participations in Västerås (29,025 children) in 2025.
async fn known_data(app: &TestApp) {
    let mut s1 = counts(
        session("1904", "abc", "completed", "2025-03-01"),
        People {
            enrolled: 14,
            completed: 10,
            women: 9,
            men: 5,
            vulnerable: 7,
            respondents: 10,
            satisfied: 9,
        },
    );
    s1.languages = ",sv,ar,".into();
    s1.delivery = "digital".into();
    s1.co_hosts = ",1980,".into();
    let mut s2 = session("1904", "komet", "planned", "2025-12-01");
    s2.open_to_other_municipalities = true;
    let mut s3 = counts(
        session("1904", "abc", "cancelled", "2025-04-01"),
        People {
            enrolled: 2,
            completed: 0,
            women: 1,
            men: 1,
            vulnerable: 0,
            respondents: 0,
            satisfied: 0,
        },
    );
    s3.languages = ",sv,so,".into();
    s3.delivery = "digital".into();
    let s4 = counts(
        session("1904", "abc", "completed", "2024-05-01"),
        People {
            enrolled: 7,
            completed: 7,
            women: 5,
            men: 2,
            vulnerable: 0,
            respondents: 7,
            satisfied: 7,
        },
    );
    let s5 = counts(
        session("1980", "icdp", "ongoing", "2025-06-01"),
        People {
            enrolled: 3,
            completed: 0,
            women: 2,
            men: 1,
            vulnerable: 0,
            respondents: 0,
            satisfied: 0,
        },
    );
    insert(&app.db, vec![s1, s2, s3, s4, s5]).await;
}

fn triple(i: &Value) -> (Value, Value, Value) {
    (
        i["value"].clone(),
        i["previous_value"].clone(),
        i["change"].clone(),
    )
}

#[tokio::test]
async fn indicators_match_a_hand_computed_answer() {
    let app = TestApp::new().await;
    known_data(&app).await;
    let v = app.indicators("year=2025").await.ok_json();
    assert_eq!(v["year"], 2025);
    assert_eq!(v["previous_year"], 2024);
    assert_eq!(v["county_code"], "19");
    assert_eq!(v["areas"][0]["level"], "county");
    assert_eq!(
        v["areas"].as_array().map(Vec::len),
        Some(11),
        "county + 10 municipalities"
    );

    let sk = indicator_area(&v, "1904");
    assert_eq!(sk["population"]["children"], 700);
    // 14 enrolled × 1000 / 700; 2024: 7 × 1000 / 700.
    assert_eq!(
        triple(indicator(sk, "reach_per_1000_children")),
        (20.0.into(), 10.0.into(), 10.0.into())
    );
    // Offered: the completed and the planned session (the cancelled one never was); 2024: one.
    assert_eq!(
        triple(indicator(sk, "sessions_offered_per_1000_children")),
        (2.86.into(), 1.43.into(), 1.43.into())
    );
    let langs = indicator(sk, "languages_offered");
    assert_eq!(triple(langs), (2.0.into(), 1.0.into(), 1.0.into()));
    assert_eq!(langs["detail"], "ar,sv");
    assert_eq!(
        triple(indicator(sk, "digital_share")),
        (0.5.into(), 0.0.into(), 0.5.into())
    );
    // Built from perturbed counts (disclosure control): 9 of 10 satisfied
    // publish as 7–11 of 8–12, capped at the respondents; 2024's 7 of 7 as
    // 5–9 of 5–9. The change is the difference of what is shown.
    let (value, previous, change) = triple(indicator(sk, "satisfaction_rate"));
    let (value, previous) = (value.as_f64().unwrap(), previous.as_f64().unwrap());
    assert!((7.0 / 12.0..=1.0).contains(&value), "{value}");
    assert!((5.0 / 9.0..=1.0).contains(&previous), "{previous}");
    assert_eq!(
        change.as_f64(),
        Some(((value - previous) * 1e4).round() / 1e4)
    );
    // 7 of 14 from vulnerable areas publish as 5–9 of 14 (14 is exact); 0 stays 0.
    let (value, previous, change) = triple(indicator(sk, "vulnerable_area_share"));
    let published = (value.as_f64().unwrap() * 14.0).round();
    assert!((5.0..=9.0).contains(&published), "{value}");
    assert_eq!((previous, change), (0.0.into(), value));
    // Co-hosted + open to others: both offered sessions.
    assert_eq!(
        triple(indicator(sk, "collaboration_share")),
        (1.0.into(), 0.0.into(), 1.0.into())
    );
    // Komet is rated `insufficient` by SBU, ABC is unassessed: of the two
    // sessions offered none uses a programme with at least limited support.
    // 2024 offered only ABC, which has no rating: not stated.
    let ev = indicator(sk, "evaluated_evidence_share");
    assert_eq!(triple(ev), (0.0.into(), Value::Null, Value::Null));
    // Västerås offered only ICDP, unassessed: not stated, and said why.
    let ev = indicator(indicator_area(&v, "1980"), "evaluated_evidence_share");
    assert_eq!(ev["value"], Value::Null);
    assert!(ev["note"]
        .as_str()
        .unwrap_or_default()
        .contains("rated by SBU"));

    // Every indicator names its effect and defines itself in both languages.
    for i in sk["indicators"].as_array().into_iter().flatten() {
        for f in ["label", "effect", "definition"] {
            assert!(i[f]["sv"].as_str().is_some_and(|s| !s.is_empty()), "{i}");
            assert!(i[f]["en"].as_str().is_some_and(|s| !s.is_empty()), "{i}");
        }
        assert!(i["unit"].is_string());
    }

    // Västerås: 3 participations, below k = 5. Enrolment is exact (each
    // session publishes its own), so its reach is shown; its satisfaction
    // and vulnerable share are withheld.
    let vas = indicator_area(&v, "1980");
    let reach = indicator(vas, "reach_per_1000_children");
    assert_eq!(reach["value"], 0.1);
    for withheld in ["satisfaction_rate", "vulnerable_area_share"] {
        let i = indicator(vas, withheld);
        assert_eq!(i["value"], Value::Null);
        assert!(i["note"]
            .as_str()
            .unwrap_or_default()
            .starts_with("suppressed"));
    }

    // The county: 17 of 51,300 children; 3 offered sessions (1 digital).
    let county = indicator_area(&v, "19");
    assert_eq!(county["population"]["children"], 51300);
    assert_eq!(indicator(county, "reach_per_1000_children")["value"], 0.33);
    assert_eq!(
        indicator(county, "sessions_offered_per_1000_children")["value"],
        0.06
    );
    assert_eq!(indicator(county, "digital_share")["value"], 0.3333);
    // 7 of 17 from vulnerable areas, published as 5–9 of the exact 17.
    let share = indicator(county, "vulnerable_area_share")["value"]
        .as_f64()
        .unwrap_or(-1.0);
    assert!((5.0..=9.0).contains(&(share * 17.0).round()), "{share}");
    assert_eq!(indicator(county, "languages_offered")["value"], 2.0);
    // Eight municipalities reported nothing for 2025: the spread is not stated.
    let min = indicator(county, "reach_spread_min");
    assert_eq!(min["value"], Value::Null, "{min}");
}

#[tokio::test]
async fn the_spread_of_reach_across_municipalities_is_stated_when_nothing_is_hidden() {
    let app = TestApp::with_settings(Settings {
        suppression_threshold: 1,
        ..test_settings()
    })
    .await;
    known_data(&app).await;
    // Eight municipalities reported nothing: their reach is unknown, and so
    // is the spread (a spread over the others would hide them).
    let v = app.indicators("year=2025").await.ok_json();
    let min = indicator(indicator_area(&v, "19"), "reach_spread_min");
    assert_eq!(min["value"], Value::Null);
    assert!(
        min["note"]
            .as_str()
            .is_some_and(|n| n.contains("no sessions are reported")),
        "{min}"
    );
    // Once each has offered a session (none started), each reached nobody.
    let planned = [
        "1907", "1960", "1961", "1962", "1981", "1982", "1983", "1984",
    ]
    .map(|code| session(code, "abc", "planned", "2025-11-01"));
    insert(&app.db, planned.to_vec()).await;
    let v = app
        .indicators("year=2025&municipality=1904,1980")
        .await
        .ok_json();
    assert_eq!(v["areas"].as_array().map(Vec::len), Some(3));
    let county = indicator_area(&v, "19");
    // Eight municipalities reached nobody: the lowest reach is 0.
    assert_eq!(indicator(county, "reach_spread_min")["value"], 0.0);
    assert_eq!(indicator(county, "reach_spread_max")["value"], 20.0);
    assert_eq!(
        indicator(county, "reach_spread_ratio")["value"],
        Value::Null
    );
    // Rates 20, 0.1 (3000/29025 rounded to 0.10) and eight zeros: mean 2.01, sd 5.9967.
    assert_eq!(indicator(county, "reach_spread_cv")["value"], 2.9835);
}

#[tokio::test]
async fn indicators_are_offered_as_csv() {
    let app = TestApp::new().await;
    known_data(&app).await;
    for url in [
        "/v1/indicators?year=2025&format=csv",
        "/v1/indicators?year=2025",
    ] {
        let resp = app.get_with(url, &[("Accept", "text/csv")]).await;
        resp.assert_status_is_ok();
        resp.assert_content_type("text/csv; charset=utf-8");
        let body = resp.text();
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(
            lines[0],
            "year,complete,level,code,name,indicator,label_sv,label_en,value,unit,previous_value,change,change_note,note,detail"
        );
        assert!(
            lines.iter().any(|l| l.starts_with(
                "2025,true,municipality,1904,Skinnskatteberg,reach_per_1000_children,"
            ) && l.contains(",20,per_1000_children,10,10,")),
            "{body}"
        );
        // County: 14 indicators; each municipality: 10.
        assert_eq!(lines.len(), 1 + 14 + 10 * 10);
    }
}

#[tokio::test]
async fn bad_indicator_parameters_are_400_problems() {
    let app = TestApp::new().await;
    for (query, parameter) in [
        ("year=abc", "year"),
        ("year=20250", "year"),
        ("municipality=19", "municipality"),
        ("municipality=0000", "municipality"),
        ("county=19&municipality=0114", "municipality"),
        ("county=9", "county"),
        ("county=99", "county"),
        ("format=ndjson", "format"),
    ] {
        let resp = app.indicators(query).await;
        resp.assert_status(poem::http::StatusCode::BAD_REQUEST);
        resp.assert_content_type("application/problem+json");
        let body = resp.text();
        let v: Value = serde_json::from_str(&body).expect("json");
        let named = v["errors"][0]["parameter"] == parameter
            || v["detail"].as_str().unwrap_or_default().contains(parameter);
        assert!(named, "{query}: {body}");
    }
}

#[tokio::test]
async fn indicators_of_an_empty_year_say_why_they_are_empty() {
    let app = TestApp::new().await;
    let v = app.indicators("year=2025").await.ok_json();
    let county = indicator_area(&v, "19");
    for id in [
        "reach_per_1000_children",
        "digital_share",
        "languages_offered",
    ] {
        let i = indicator(county, id);
        assert_eq!(i["value"], Value::Null, "{i}");
        assert_eq!(i["note"], "no sessions are reported for 2025");
    }
}
