//! `GET /v1/reach` through HTTP: figures, grouping, disclosure control, CSV,
//! problems, and the rollup staying equal to a recomputation from sessions.

mod attack;
mod properties;

use serde_json::Value;

use crate::helpers::reach_fixtures::{counts, insert, session, People};
use crate::helpers::{assert_problem, test_settings, Settings, TestApp};

fn rows(v: &Value) -> Vec<Value> {
    v["data"].as_array().cloned().unwrap_or_default()
}

/// A perturbed count as disclosure control may publish `truth` (k = 5; D = 4
/// below 50, 2 from 50): 0 stays 0, 1–4 become 0 or 5, larger ones move by
/// at most D, never below 5.
#[track_caller]
fn assert_perturbed(row: &Value, field: &str, truth: i64) -> i64 {
    let p = row[field]
        .as_i64()
        .unwrap_or_else(|| panic!("{field} in {row}"));
    let ok = match truth {
        0 => p == 0,
        1..=4 => p == 0 || p == 5,
        t => p >= 5 && (p - t).abs() <= if t >= 50 { 2 } else { 4 },
    };
    assert!(ok, "{field} = {p} cannot be the published {truth}: {row}");
    p
}

/// Two municipalities, three counted sessions and two that must not count.
async fn hand_made(app: &TestApp) {
    insert(
        &app.db,
        vec![
            counts(
                session("1980", "abc", "completed", "2025-02-10"),
                People {
                    enrolled: 12,
                    completed: 10,
                    women: 8,
                    men: 4,
                    vulnerable: 3,
                    respondents: 9,
                    satisfied: 8,
                },
            ),
            counts(
                session("1980", "komet", "ongoing", "2025-05-01"),
                People {
                    enrolled: 10,
                    completed: 0,
                    women: 6,
                    men: 4,
                    vulnerable: 2,
                    respondents: 0,
                    satisfied: 0,
                },
            ),
            session("1980", "abc", "planned", "2025-11-01"),
            counts(
                session("1980", "abc", "cancelled", "2025-03-01"),
                People {
                    enrolled: 3,
                    completed: 0,
                    women: 2,
                    men: 1,
                    vulnerable: 0,
                    respondents: 0,
                    satisfied: 0,
                },
            ),
            counts(
                session("1904", "komet", "completed", "2024-09-01"),
                People {
                    enrolled: 8,
                    completed: 6,
                    women: 5,
                    men: 3,
                    vulnerable: 0,
                    respondents: 6,
                    satisfied: 6,
                },
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn reach_figures_equal_a_direct_recomputation_on_hand_made_data() {
    let app = TestApp::new().await;
    hand_made(&app).await;

    let v = app
        .reach("group_by=municipality&from=2025&to=2025")
        .await
        .ok_json();
    let r = rows(&v);
    assert_eq!(r.len(), 1, "{v}");
    let row = &r[0];
    assert_eq!(row["municipality"], "1980");
    assert_eq!(row["municipality_name"], "Västerås");
    assert_eq!(row["sessions"], 2);
    assert_eq!(row["enrolled"], 22);
    assert_eq!(row["completed"], 10);
    // 10 completed of 12 enrolled in the one completed session; ongoing ones cannot have finished.
    assert_eq!(row["completion_rate"], 0.8333);
    assert_perturbed(row, "women", 14);
    assert_perturbed(row, "men", 8);
    let vulnerable = assert_perturbed(row, "vulnerable_area", 5);
    // Shares are built from the published counts; `enrolled` is exact.
    assert_eq!(
        row["vulnerable_area_share"].as_f64(),
        Some((vulnerable as f64 / 22.0 * 1e4).round() / 1e4)
    );
    let respondents = assert_perturbed(row, "satisfaction_respondents", 9);
    let rate = row["satisfaction_rate"].as_f64().unwrap_or(-1.0);
    let satisfied = (rate * respondents as f64).round();
    assert!((6.0..=respondents as f64).contains(&satisfied), "{row}");
    // 22 × 1000 / 29,025 children (SCB 2018, 0–15).
    assert_eq!(row["reach_per_1000_children"], 0.76);
    assert_eq!(row["population"]["children"], 29025);
    assert_eq!(row["population"]["year"], 2018);
    assert_eq!(row["population"]["children_age_to"], 15);
    assert_eq!(row["suppressed"], serde_json::json!([]));

    let v = app.reach("group_by=municipality,year").await.ok_json();
    let r = rows(&v);
    assert_eq!(r.len(), 2);
    let sk = &r[0];
    assert_eq!(
        (sk["municipality"].as_str(), sk["year"].as_i64()),
        (Some("1904"), Some(2024))
    );
    assert_eq!(sk["enrolled"], 8);
    // 3 men publish as 0 or 5, never 3; women as 5–8, never more than enrolled.
    assert_perturbed(sk, "men", 3);
    assert!(assert_perturbed(sk, "women", 5) <= 8);
    assert_eq!(sk["vulnerable_area"], 0, "zero is a real zero");
    assert_eq!(sk["reach_per_1000_children"], 11.43);
    assert_eq!(sk["suppressed"], serde_json::json!([]));

    // Each session counts under every level of its programme (komet: indicated).
    let v = app.reach("group_by=prevention_level").await.ok_json();
    let by_level: Vec<(String, i64, i64)> = rows(&v)
        .iter()
        .map(|r| {
            (
                r["prevention_level"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                r["sessions"].as_i64().unwrap_or(-1),
                r["enrolled"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        by_level,
        vec![("universal".into(), 1, 12), ("indicated".into(), 2, 18)]
    );

    // One total row; over the county its reference population is the county's.
    let v = app.reach("county=19").await.ok_json();
    let r = rows(&v);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["sessions"], 3);
    assert_eq!(r[0]["enrolled"], 30);
    assert_eq!(r[0]["population"]["children"], 51300);
    assert_eq!(r[0]["reach_per_1000_children"], 0.58);
    // Without a filter the row spans municipalities without a population.
    let v = app.reach("").await.ok_json();
    assert_eq!(rows(&v)[0]["reach_per_1000_children"], Value::Null);
    assert!(rows(&v)[0]["reach_per_1000_children_reason"]
        .as_str()
        .unwrap_or_default()
        .contains("no children figure"));

    // Filters: programme, prevention level, quarter periods.
    let v = app
        .reach("programme=komet&from=2025-Q2&to=2025-06-30")
        .await
        .ok_json();
    assert_eq!(rows(&v)[0]["sessions"], 1);
    assert_eq!(rows(&v)[0]["enrolled"], 10);
    let v = app.reach("prevention_level=universal").await.ok_json();
    assert_eq!(rows(&v)[0]["enrolled"], 12);
    let v = app
        .reach("group_by=quarter&municipality=1980")
        .await
        .ok_json();
    let quarters: Vec<(i64, i64)> = rows(&v)
        .iter()
        .map(|r| {
            (
                r["year"].as_i64().unwrap_or(0),
                r["quarter"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(quarters, vec![(2025, 1), (2025, 2)]);
}

#[tokio::test]
async fn an_empty_selection_is_one_row_of_zero_counts_and_no_rates() {
    let app = TestApp::new().await;
    let v = app.reach("municipality=1980").await.ok_json();
    let r = rows(&v);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["sessions"], 0);
    assert_eq!(r[0]["enrolled"], 0);
    // No session is reported: reach is unknown, not 0 per 1,000.
    assert_eq!(r[0]["reach_per_1000_children"], Value::Null);
    assert_eq!(
        r[0]["reach_per_1000_children_reason"],
        "no sessions are reported for the period"
    );
    assert_eq!(r[0]["completion_rate"], Value::Null);
    assert_eq!(r[0]["suppressed"], serde_json::json!([]));
    let v = app.reach("group_by=year").await.ok_json();
    assert!(rows(&v).is_empty());
}

#[tokio::test]
async fn a_cell_below_k_withholds_its_breakdowns_and_keeps_its_exact_totals() {
    let app = TestApp::new().await;
    insert(
        &app.db,
        vec![counts(
            session("1904", "abc", "completed", "2025-02-10"),
            People {
                enrolled: 4,
                completed: 3,
                women: 2,
                men: 2,
                vulnerable: 1,
                respondents: 3,
                satisfied: 3,
            },
        )],
    )
    .await;
    let v = app.reach("group_by=municipality").await.ok_json();
    let row = &rows(&v)[0];
    assert_eq!(row["sessions"], 1, "sessions are never suppressed");
    // Each session publishes its own enrolled and completed: exact.
    assert_eq!(
        (row["enrolled"].as_i64(), row["completed"].as_i64()),
        (Some(4), Some(3))
    );
    assert_eq!(row["completion_rate"], 0.75);
    assert!(row["reach_per_1000_children"].is_f64());
    for f in [
        "women",
        "men",
        "vulnerable_area",
        "vulnerable_area_share",
        "satisfaction_respondents",
        "satisfaction_rate",
    ] {
        assert_eq!(row[f], Value::Null, "{f} should be hidden in {row}");
        assert!(
            row["suppressed"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == f)),
            "{f} not named in {row}"
        );
    }

    // The threshold is configurable and shown in the response.
    let app = TestApp::with_settings(Settings {
        suppression_threshold: 3,
        ..test_settings()
    })
    .await;
    insert(
        &app.db,
        vec![counts(
            session("1904", "abc", "completed", "2025-02-10"),
            People {
                enrolled: 4,
                completed: 3,
                women: 2,
                men: 2,
                vulnerable: 1,
                respondents: 3,
                satisfied: 3,
            },
        )],
    )
    .await;
    let v = app.reach("").await.ok_json();
    assert_eq!(v["suppression_threshold"], 3);
    assert_eq!(rows(&v)[0]["enrolled"], 4);
    // 4 participants are not below k = 3: 2 women publish as 0 or 3–4.
    let women = rows(&v)[0]["women"].as_i64().unwrap_or(-1);
    assert!(women == 0 || (3..=4).contains(&women), "{women}");
}

const FIELDS: [&str; 5] = [
    "municipality",
    "programme",
    "year",
    "quarter",
    "prevention_level",
];

#[tokio::test]
async fn every_group_by_combination_answers_with_its_keys() {
    let app = TestApp::new().await;
    app.add_demo_sessions(400, 7).await;
    let total = app.reach("").await.ok_json();
    let total_sessions = rows(&total)[0]["sessions"].as_i64().unwrap_or(0);
    assert!(total_sessions > 0);
    for mask in 0u32..32 {
        let chosen: Vec<&str> = (0..5)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| FIELDS[i])
            .collect();
        let url = format!("/v1/reach?group_by={}", chosen.join(","));
        let v = app.get(&url).await.ok_json();
        let r = rows(&v);
        assert!(!r.is_empty(), "{url}");
        let expected_group_by: Vec<Value> = chosen.iter().map(|c| Value::from(*c)).collect();
        assert_eq!(v["group_by"], Value::Array(expected_group_by), "{url}");
        for row in &r {
            for f in FIELDS {
                let present = row.get(f).is_some_and(|x| !x.is_null());
                let expected = chosen.contains(&f) || (f == "year" && chosen.contains(&"quarter"));
                assert_eq!(present, expected, "{url}: key {f} in {row}");
            }
            assert!(row["suppressed"].is_array());
        }
        if !chosen.contains(&"prevention_level") {
            let sum: i64 = r.iter().map(|x| x["sessions"].as_i64().unwrap_or(0)).sum();
            assert_eq!(sum, total_sessions, "{url}: groups partition the sessions");
        }
    }
}

#[tokio::test]
async fn reach_is_offered_as_csv_with_a_header_row() {
    let app = TestApp::new().await;
    hand_made(&app).await;
    for resp in [
        app.get_with(
            "/v1/reach?group_by=municipality,year",
            &[("Accept", "text/csv")],
        )
        .await,
        app.reach("group_by=municipality,year&format=csv").await,
    ] {
        resp.assert_status_is_ok();
        resp.assert_content_type("text/csv; charset=utf-8");
        let body = resp.text();
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 3, "{body}");
        assert!(lines[0].starts_with("municipality,municipality_name,programme,year,quarter,prevention_level,period_from,period_to,complete,sessions,enrolled,completed,completion_rate,women,men"));
        assert!(lines[0].ends_with(",suppressed"));
        assert!(
            lines[1].starts_with("1904,Skinnskatteberg,,2024,,,2024-Q1,2024-Q4,true,1,8,6,0.75,"),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with(','), "nothing withheld: {}", lines[1]);
        assert!(
            lines[2].starts_with("1980,Västerås,,2025,,,2025-Q1,2025-Q4,true,2,22,10,0.8333,"),
            "{}",
            lines[2]
        );
    }
}

#[tokio::test]
async fn bad_parameters_are_400_problems_naming_the_parameter() {
    let app = TestApp::new().await;
    for (query, parameter) in [
        ("group_by=county", "group_by"),
        ("group_by=year,,bogus", "group_by"),
        ("from=2025&to=2024", "from"),
        ("from=2025-Q3&to=2025-Q2", "from"),
        ("from=2025-02-03", "from"),
        ("to=2025-06-29", "to"),
        ("from=2025-Q5", "from"),
        ("to=next-year", "to"),
        ("municipality=198", "municipality"),
        ("municipality=0000", "municipality"),
        ("programme=Not_A_Slug", "programme"),
        ("programme=no-such-programme", "programme"),
        ("prevention_level=primary", "prevention_level"),
        ("county=1", "county"),
        ("county=99", "county"),
    ] {
        let resp = app.reach(query).await;
        resp.assert_status(poem::http::StatusCode::BAD_REQUEST);
        resp.assert_content_type("application/problem+json");
        let body = resp.text();
        let v: Value = serde_json::from_str(&body).expect("problem json");
        assert_eq!(v["status"], 400, "{query}: {body}");
        assert_eq!(v["errors"][0]["parameter"], parameter, "{query}: {body}");
    }
    let resp = app.reach("format=xml").await;
    resp.assert_status(poem::http::StatusCode::BAD_REQUEST);
    resp.assert_content_type("application/problem+json");
}

#[tokio::test]
async fn reach_answers_304_to_a_matching_etag() {
    let app = TestApp::new().await;
    let resp = app.reach("group_by=year").await;
    resp.assert_status_is_ok();
    let etag = resp.header("etag").map(str::to_owned).expect("etag");
    let resp = app
        .get_with("/v1/reach?group_by=year", &[("If-None-Match", &etag)])
        .await;
    resp.assert_status(poem::http::StatusCode::NOT_MODIFIED);
}

/// An answer of more rows than `max_reach_rows` is refused before it is
/// built, with a problem that says how to narrow the question; a narrower
/// question answers, and the limit is stated in `/v1/api-info`.
#[tokio::test]
async fn a_question_with_too_many_rows_is_refused_with_how_to_narrow_it() {
    let app = TestApp::with_settings(crate::helpers::Settings {
        max_reach_rows: 20,
        ..crate::helpers::Settings::default()
    })
    .await;
    app.add_demo_sessions(400, 7).await;
    let info = app.get("/v1/api-info").await.ok_json();
    assert_eq!(info["limits"]["max_reach_rows"], 20);
    let wide = app
        .reach("group_by=municipality,programme,year,quarter")
        .await;
    let problem = assert_problem(&wide, 400, "/v1/reach");
    assert_eq!(problem["type"], "http://localhost/problems/too-many-rows");
    let detail = problem["detail"].as_str().unwrap_or_default();
    for way in ["group by fewer fields", "county", "municipality", "year"] {
        assert!(detail.contains(way), "{detail}");
    }
    let narrow = app.reach("group_by=year").await.ok_json();
    let n = rows(&narrow).len();
    assert!((1..=20).contains(&n), "{n} rows");
    let page = app.get("/problems/too-many-rows").await;
    assert_eq!(page.status, 200);
}
