//! Rates that use the right year: a reach row or indicator of year Y divides
//! by each municipality's population of Y, else of the nearest earlier year,
//! and follows every population change at once. Expected figures are worked
//! out here from the series the API itself serves.

use std::path::Path;

use serde_json::{json, Value};

use crate::helpers::reach_fixtures::{insert, session};
use crate::helpers::TestApp;

/// `(year, children, band, total)` of each row of a municipality's series.
async fn series(app: &TestApp, code: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/v1/municipalities/{code}/population"))
        .await;
    reply.ok_json()["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The row a rate of `year` must use: that year's, else the nearest earlier
/// one that has `field`.
fn expected_row<'a>(series: &'a [Value], year: i64, field: &str) -> Option<&'a Value> {
    series
        .iter()
        .filter(|p| p["year"].as_i64() <= Some(year) && !p[field].is_null())
        .max_by_key(|p| p["year"].as_i64())
}

fn per_1000(n: i64, of: i64) -> f64 {
    (n as f64 * 1000.0 / of as f64 * 100.0).round() / 100.0
}

async fn sessions_in(app: &TestApp, code: &str, programme: &str, years: &[(i32, i32)]) {
    let rows = years
        .iter()
        .map(|(year, enrolled)| {
            let mut s = session(code, programme, "completed", &format!("{year}-03-01"));
            s.enrolled = *enrolled;
            s.completed = *enrolled;
            s
        })
        .collect();
    insert(&app.db, rows).await;
}

async fn put_year(app: &TestApp, admin: &str, code: &str, year: i32, body: Value) {
    let reply = app
        .put_population(Some(admin), code, &year.to_string(), &body)
        .await;
    assert!(reply.status.is_success(), "{}", reply.text());
}

#[tokio::test]
async fn each_years_reach_divides_by_that_years_population_else_the_nearest_earlier() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let band = |children: i64, total: i64| {
        json!({"total": total, "children": children, "children_age_from": 0,
               "children_age_to": 17, "source": "test figures"})
    };
    put_year(&app, &admin, "1980", 2020, band(30_000, 150_000)).await;
    put_year(&app, &admin, "1980", 2022, band(31_000, 155_000)).await;
    let years = [
        (2017, 40),
        (2019, 50),
        (2020, 60),
        (2021, 70),
        (2022, 80),
        (2023, 90),
        (2025, 99),
    ];
    sessions_in(&app, "1980", "abc", &years).await;
    let series = series(&app, "1980").await;

    let v = app.reach("group_by=year&municipality=1980").await.ok_json();
    let rows = v["data"].as_array().unwrap();
    assert_eq!(rows.len(), years.len());
    for (row, (year, enrolled)) in rows.iter().zip(years) {
        let year = i64::from(year);
        assert_eq!(row["year"], year);
        match expected_row(&series, year, "children") {
            Some(p) => {
                let children = p["children"].as_i64().unwrap();
                assert_eq!(row["population"]["year"], p["year"], "{row}");
                assert_eq!(row["population"]["children"], children);
                assert_eq!(row["population"]["children_age_to"], p["children_age_to"]);
                assert_eq!(
                    row["reach_per_1000_children"],
                    json!(per_1000(enrolled.into(), children))
                );
            }
            None => {
                assert_eq!(row["reach_per_1000_children"], Value::Null, "{row}");
                let why = row["reach_per_1000_children_reason"]
                    .as_str()
                    .unwrap_or_default();
                assert!(
                    why.contains(&format!("no children figure for 1980 Västerås in {year}")),
                    "{why}"
                );
            }
        }
        match expected_row(&series, year, "total") {
            Some(p) => {
                let total = p["total"].as_i64().unwrap();
                assert_eq!(row["inhabitants"]["year"], p["year"], "{row}");
                let rate = json!(per_1000(enrolled.into(), total));
                assert_eq!(row["reach_per_1000_inhabitants"], rate);
            }
            None => assert_eq!(row["reach_per_1000_inhabitants"], Value::Null, "{row}"),
        }
    }
    // The hand-made figures are used where they apply, and 2018's before them.
    let used: Vec<i64> = rows
        .iter()
        .filter_map(|r| r["population"]["year"].as_i64())
        .collect();
    assert_eq!(used, vec![2018, 2020, 2020, 2022, 2022, 2022]);
}

#[tokio::test]
async fn every_municipality_with_a_total_has_a_rate_per_1000_inhabitants() {
    let app = TestApp::new().await;
    // Kiruna (2584) has a 2024 total and no children figure.
    sessions_in(&app, "2584", "abc", &[(2024, 25)]).await;
    let v = app
        .reach("group_by=municipality,year&municipality=2584")
        .await
        .ok_json();
    let row = &v["data"][0];
    let total = expected_row(&series(&app, "2584").await, 2024, "total").unwrap()["total"]
        .as_i64()
        .unwrap();
    assert_eq!(row["inhabitants"]["year"], 2024);
    assert_eq!(row["inhabitants"]["total"], total);
    assert_eq!(row["inhabitants"]["lag_years"], 0);
    let source = row["inhabitants"]["source"].as_str().unwrap_or_default();
    assert!(source.starts_with("SCB folkmängd 2024-12-31"), "{source}");
    assert_eq!(
        row["reach_per_1000_inhabitants"],
        json!(per_1000(25, total))
    );
    assert_eq!(row["reach_per_1000_children"], Value::Null);
}

#[tokio::test]
async fn a_population_write_moves_reach_and_indicators_at_once() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    sessions_in(&app, "1904", "abc", &[(2025, 40)]).await;
    let query = "group_by=year&municipality=1904";
    let before = app.reach(query).await.ok_json();
    assert_eq!(before["data"][0]["population"]["year"], 2018);
    let indicators = app
        .indicators("year=2025&municipality=1904")
        .await
        .ok_json();

    let body = json!({"total": 4400, "children": 800, "children_age_from": 0,
                      "children_age_to": 17, "source": "test figures"});
    put_year(&app, &admin, "1904", 2025, body).await;
    let after = app.reach(query).await.ok_json();
    assert_eq!(
        after["data"][0]["population"],
        json!({"year": 2025, "children": 800,
        "children_age_from": 0, "children_age_to": 17,
        "source": "test figures", "lag_years": 0})
    );
    assert_eq!(after["data"][0]["reach_per_1000_children"], 50.0);
    assert_eq!(
        after["data"][0]["reach_per_1000_inhabitants"],
        json!(per_1000(40, 4400))
    );
    let now = app
        .indicators("year=2025&municipality=1904")
        .await
        .ok_json();
    assert_ne!(now, indicators);
    let area = &now["areas"][1];
    assert_eq!(area["code"], "1904");
    assert_eq!(area["population"]["year"], 2025);
    let reach = area["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "reach_per_1000_children");
    assert_eq!(reach.unwrap()["value"], 50.0);
}

#[tokio::test]
async fn an_scb_export_loaded_with_the_import_updates_the_rates() {
    let app = TestApp::new().await;
    sessions_in(&app, "1980", "abc", &[(2024, 343)]).await;
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scb/be0101.jsonstat2.json");
    let summary = api::tools::population::import_file(&app.db, &file, None, false)
        .await
        .expect("the SCB export imports");
    assert!(!summary.rows.is_empty());
    let row = expected_row(&series(&app, "1980").await, 2024, "children")
        .cloned()
        .unwrap();
    assert_eq!(
        (row["year"].as_i64(), row["children_age_to"].as_i64()),
        (Some(2024), Some(17))
    );
    let v = app.reach("group_by=year&municipality=1980").await.ok_json();
    let children = row["children"].as_i64().unwrap();
    assert_eq!(v["data"][0]["population"]["year"], 2024);
    assert_eq!(
        v["data"][0]["reach_per_1000_children"],
        json!(per_1000(343, children))
    );
}

#[tokio::test]
async fn age_coverage_counts_the_child_ages_some_offered_session_covers() {
    let app = TestApp::new().await;
    // 2025: abc 3–12 and trygghetscirkeln 0–6 cover 0–12; bvc-foraldragrupp's
    // upper age is unknown (covers nothing); a cancelled abc-tonar (13–18) is
    // not offered. 2024: abc alone, 3–12.
    let mut cancelled = session("1904", "abc-tonar", "cancelled", "2025-05-01");
    cancelled.enrolled = 0;
    insert(
        &app.db,
        vec![
            session("1904", "abc", "planned", "2025-02-01"),
            session("1904", "trygghetscirkeln", "open", "2025-09-01"),
            session("1904", "bvc-foraldragrupp", "completed", "2025-03-01"),
            cancelled,
            session("1904", "abc", "completed", "2024-03-01"),
        ],
    )
    .await;
    let v = app.indicators("year=2025").await.ok_json();
    let coverage = |area: &Value| -> Value {
        area["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "age_coverage")
            .cloned()
            .unwrap()
    };
    let areas = v["areas"].as_array().unwrap();
    let county = coverage(&areas[0]);
    let skinnskatteberg = coverage(areas.iter().find(|a| a["code"] == "1904").unwrap());
    let round4 = |x: f64| (x * 10_000.0).round() / 10_000.0;
    assert_eq!(skinnskatteberg["value"], json!(round4(13.0 / 18.0)));
    assert_eq!(
        skinnskatteberg["previous_value"],
        json!(round4(10.0 / 18.0))
    );
    assert_eq!(
        skinnskatteberg["change"],
        json!(round4(round4(13.0 / 18.0) - round4(10.0 / 18.0)))
    );
    // Sessions offered per age 0–17: trygghetscirkeln 0–6 and abc 3–12 overlap at 3–6.
    assert_eq!(
        skinnskatteberg["detail"],
        "0:1,1:1,2:1,3:2,4:2,5:2,6:2,7:1,8:1,9:1,10:1,11:1,12:1,13:0,14:0,15:0,16:0,17:0"
    );
    assert_eq!(skinnskatteberg["unit"], "share");
    // The county's figure is the mean over the municipalities that reported
    // the year: the nine without a session are unknown, not uncovered.
    assert_eq!(county["value"], json!(round4(13.0 / 18.0)));
    let other = coverage(areas.iter().find(|a| a["code"] == "1980").unwrap());
    assert_eq!(other["value"], Value::Null);
    assert!(other["note"]
        .as_str()
        .is_some_and(|n| n.contains("no sessions are reported")));
    assert_eq!(
        other.get("detail"),
        None,
        "no detail for a year without sessions"
    );
}
