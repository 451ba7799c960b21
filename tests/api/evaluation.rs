//! `GET /v1/evaluation` and the pages' "Långsiktiga effekter" section,
//! through HTTP. The expected figures are computed here from what the test
//! writes (sessions and populations through the API, outcome values
//! through the import), never copied from an answer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use api::tools::outcomes::import_file;
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_bad_parameter, TestApp};

const VASTMANLAND: [&str; 10] = [
    "1904", "1907", "1960", "1961", "1962", "1980", "1981", "1982", "1983", "1984",
];
const YEARS: [i32; 2] = [2022, 2023];
/// The programme of each year's sessions: SBU rated one insufficient, the
/// other as having limited support (read back through the API below).
const PROGRAMMES: [&str; 2] = ["komet", "triple-p"];

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn pearson(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let syy: f64 = points.iter().map(|(_, y)| (y - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

/// What the test wrote: per municipality and year, children and enrolled.
struct Written {
    children: BTreeMap<(String, i32), i64>,
    enrolled: BTreeMap<(String, i32), i64>,
    /// Per KPI, per municipality and year, the value imported.
    outcomes: BTreeMap<&'static str, BTreeMap<(String, i32), f64>>,
}

impl Written {
    fn reach(&self, code: &str, year: i32) -> f64 {
        let key = (code.to_owned(), year);
        round(
            self.enrolled[&key] as f64 * 1000.0 / self.children[&key] as f64,
            2,
        )
    }
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fst-eval-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Populations and one completed session per municipality and year for all
/// ten, N15428 for nine of them (and the county), N15507 for five.
async fn write_data(app: &TestApp) -> Written {
    let admin = app.key(None).await;
    let mut w = Written {
        children: BTreeMap::new(),
        enrolled: BTreeMap::new(),
        outcomes: BTreeMap::new(),
    };
    let mut csv = String::from("kpi,municipality,year,gender,value,status,count,source\n");
    for (i, code) in VASTMANLAND.iter().enumerate() {
        let key = app.key(Some(code)).await;
        for (j, year) in YEARS.iter().enumerate() {
            let children = 2000 + 700 * i as i64 + 50 * j as i64;
            let body = json!({"total": children * 5, "children": children, "children_age_from": 0,
                              "children_age_to": 17, "source": "Test population"});
            let reply = app
                .put_population(Some(&admin), code, &year.to_string(), &body)
                .await;
            assert!(reply.status.is_success(), "{}", reply.text());
            let enrolled = 12 + ((i * 7 + j * 3) % 11) as i64;
            let mut s = session_json(&format!("E-{year}"), &format!("{year}-03-01"));
            s["enrolled"] = json!(enrolled);
            s["programme"] = json!(PROGRAMMES[j]);
            let reply = app
                .put_session(Some(&key), code, &format!("E-{year}"), &s)
                .await;
            assert!(reply.status.is_success(), "{}", reply.text());
            w.children.insert((code.to_string(), *year), children);
            w.enrolled.insert((code.to_string(), *year), enrolled);
            let grade = 70.0 + ((i * i + 3 * j) % 9) as f64 + 0.5 * j as f64;
            let merit = 210.0 + (i * 3 % 5) as f64 + j as f64;
            if i < 9 {
                csv.push_str(&format!("N15428,{code},{year},T,{grade},,1,Test file\n"));
                w.outcomes
                    .entry("N15428")
                    .or_default()
                    .insert((code.to_string(), *year), grade);
            }
            if i < 5 {
                csv.push_str(&format!("N15507,{code},{year},T,{merit},,1,Test file\n"));
                w.outcomes
                    .entry("N15507")
                    .or_default()
                    .insert((code.to_string(), *year), merit);
            }
        }
    }
    csv.push_str("N15428,0019,2022,T,75.5,,1,Test file\nN15428,0019,2023,T,76.25,,1,Test file\n");
    import_file(&app.db, &temp_file("o.csv", &csv), false)
        .await
        .expect("import");
    w
}

fn series<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"))
}

#[tokio::test]
async fn the_evaluation_sets_reach_beside_outcomes_with_change_and_correlation() {
    let app = TestApp::new().await;
    let w = write_data(&app).await;

    let m = app
        .get("/v1/evaluation?municipality=1980&from=2022&to=2023")
        .await
        .ok_json();
    assert_eq!(
        (m["level"].clone(), m["county_code"].clone()),
        (json!("municipality"), json!("19"))
    );
    for (k, y) in m["years"].as_array().unwrap().iter().zip(YEARS) {
        assert_eq!(k["year"], y);
        assert_eq!(k["reach_per_1000_children"], json!(w.reach("1980", y)));
        assert_eq!(k["population"]["source"], "Test population");
    }
    assert_eq!(
        m["reach_change"]["change"],
        json!(round(w.reach("1980", 2023) - w.reach("1980", 2022), 2))
    );
    // Evidence share: all of a year's sessions use one programme, so the
    // share is 1 when SBU rated it at least limited, else 0.
    for (y, p) in m["years"].as_array().unwrap().iter().zip(PROGRAMMES) {
        let status =
            app.get(&format!("/v1/programmes/{p}")).await.ok_json()["evidence"]["status"].clone();
        let rated = ["limited", "moderate", "strong"].contains(&status.as_str().unwrap());
        assert_eq!(
            y["evaluated_evidence_share"],
            json!(if rated { 1.0 } else { 0.0 }),
            "{p}"
        );
    }
    let shares: Vec<f64> = m["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y["evaluated_evidence_share"].as_f64().unwrap())
        .collect();
    assert_eq!(m["evidence_change"]["change"], json!(shares[1] - shares[0]));
    // The same figure /v1/indicators states for the year: one rule.
    let ind = app.indicators("year=2023&county=19").await.ok_json();
    let vasteras = crate::helpers::indicator_area(&ind, "1980");
    for id in ["reach_per_1000_children", "evaluated_evidence_share"] {
        assert_eq!(
            m["years"][1][id],
            crate::helpers::indicator(vasteras, id)["value"],
            "{id}"
        );
    }

    let grades = series(&m, "N15428");
    let own = &w.outcomes["N15428"];
    let (a, b) = (own[&("1980".into(), 2022)], own[&("1980".into(), 2023)]);
    assert_eq!(grades["values"][0]["value"], json!(a));
    assert_eq!(grades["values"][1]["source"], "Test file");
    assert_eq!(grades["change"]["change"], json!(round(b - a, 4)));

    // Nine municipalities have both: r over their two-year means.
    let points: Vec<(f64, f64)> = VASTMANLAND[..9]
        .iter()
        .map(|c| {
            let reach = YEARS.iter().map(|y| w.reach(c, *y)).sum::<f64>() / 2.0;
            let value = YEARS.iter().map(|y| own[&(c.to_string(), *y)]).sum::<f64>() / 2.0;
            (reach, value)
        })
        .collect();
    let c = &grades["correlation"];
    assert_eq!(c["n"], 9);
    let r = c["coefficient"].as_f64().expect("a coefficient at n = 9");
    assert!((r - pearson(&points)).abs() < 1.1e-4, "{r} vs {points:?}");
    assert!(c["reason"].is_null());

    // Five municipalities: no coefficient, and why.
    let first = app
        .get("/v1/evaluation?municipality=1904&from=2022&to=2023")
        .await
        .ok_json();
    let merit = series(&first, "N15507");
    assert_eq!(merit["correlation"]["n"], 5);
    assert!(merit["correlation"]["coefficient"].is_null());
    assert!(merit["correlation"]["reason"]
        .as_str()
        .unwrap()
        .contains("from 8"));

    // The county: its own series, the same correlation, and the caveat in words.
    let county = app
        .get("/v1/evaluation?county=19&from=2022&to=2023")
        .await
        .ok_json();
    assert_eq!(county["level"], "county");
    let total = |y: i32| -> f64 {
        let e: i64 = VASTMANLAND
            .iter()
            .map(|c| w.enrolled[&(c.to_string(), y)])
            .sum();
        let ch: i64 = VASTMANLAND
            .iter()
            .map(|c| w.children[&(c.to_string(), y)])
            .sum();
        round(e as f64 * 1000.0 / ch as f64, 2)
    };
    assert_eq!(
        county["years"][0]["reach_per_1000_children"],
        json!(total(2022))
    );
    assert_eq!(
        series(&county, "N15428")["values"][1]["value"],
        json!(76.25)
    );
    assert_eq!(
        series(&county, "N15428")["correlation"],
        grades["correlation"]
    );
    assert!(county["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["id"] != "N15507"));
    for lang in ["sv", "en"] {
        assert!(!county["interpretation"][lang].as_str().unwrap().is_empty());
    }
    assert!(county["interpretation"]["en"]
        .as_str()
        .unwrap()
        .contains("not a causal estimate"));

    // A municipality without the measure: the series is absent, the effect says why.
    let last = app
        .get("/v1/evaluation?municipality=1984&from=2022&to=2023")
        .await
        .ok_json();
    assert!(last["outcomes"].as_array().unwrap().is_empty());
    let five = &last["effects"][4];
    assert_eq!(five["measures_held"], json!([]));
    assert!(five["no_measure_en"].as_str().unwrap().contains("N15428"));

    // CSV: one row per series and year.
    let csv = app
        .get("/v1/evaluation?municipality=1980&from=2022&to=2023&format=csv")
        .await;
    let values: usize = m["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["values"].as_array().unwrap().len())
        .sum();
    assert_eq!(values, 2, "N15428 in two years");
    let rows = csv.csv_rows();
    assert_eq!(rows.len(), 1 + 2 * YEARS.len() + values);
    assert!(rows[1..].iter().any(|r| r.contains(&"N15428".to_owned())));
    let xlsx = app
        .get("/v1/evaluation?municipality=1980&from=2022&to=2023&format=xlsx")
        .await;
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.header("content-disposition"),
        Some("attachment; filename=\"evaluation-1980-2022_2023.xlsx\"")
    );
}

#[tokio::test]
async fn unknown_is_null_and_every_effect_says_what_is_held() {
    let app = TestApp::new().await;
    let r = app
        .get("/v1/evaluation?county=19&from=2001&to=2002")
        .await
        .ok_json();
    for y in r["years"].as_array().unwrap() {
        assert!(y["reach_per_1000_children"].is_null(), "{y}");
        assert!(y["reach_note"].is_string(), "{y}");
    }
    assert!(r["reach_change"]["change"].is_null());
    assert_eq!(r["outcomes"], json!([]));
    let effects = r["effects"].as_array().unwrap();
    assert_eq!(effects.len(), 6);
    for e in effects {
        assert!(
            e["no_measure_sv"].is_string() && e["no_measure_en"].is_string(),
            "{e}"
        );
    }
    assert!(effects[5]["regional_survey"]
        .as_str()
        .unwrap()
        .contains("Liv och hälsa ung"));
}

#[tokio::test]
async fn bad_evaluation_parameters_are_400_problems() {
    let app = TestApp::new().await;
    let path = "/v1/evaluation";
    for (query, parameter) in [
        ("municipality=0180&county=19", "municipality"),
        ("municipality=9999", "municipality"),
        ("municipality=19800", "municipality"),
        ("county=99", "county"),
        ("county=1", "county"),
        ("from=2024&to=2020", "to"),
    ] {
        let reply = app.get(&format!("{path}?{query}")).await;
        assert_bad_parameter(&reply, path, parameter);
    }
    for query in ["from=20x4", "to=1800", "format=ndjson", "format=pdf"] {
        let reply = app.get(&format!("{path}?{query}")).await;
        assert_eq!(reply.status.as_u16(), 400, "{query}: {}", reply.text());
        assert!(reply.content_type().starts_with("application/problem+json"));
    }
}

#[tokio::test]
async fn the_pages_show_the_six_long_term_effects_on_demo_data() {
    let app = TestApp::with_demo_sessions(2000, 7).await;
    let info = app.get("/v1/api-info").await.ok_json();
    assert_eq!(info["data"]["synthetic"], true);
    let year = chrono::Utc::now().format("%Y").to_string();
    let last: i32 = year.parse::<i32>().unwrap() - 1;
    for (path, heading) in [
        (format!("/?year={last}"), "Långsiktiga effekter"),
        (format!("/en/?year={last}"), "Long-term effects"),
        (format!("/kommun/1980?year={last}"), "Långsiktiga effekter"),
        (
            format!("/en/municipality/1980?year={last}"),
            "Long-term effects",
        ),
    ] {
        let reply = app.get(&path).await;
        assert_eq!(reply.status, 200, "{path}");
        let html = reply.text();
        let section = html
            .split(r#"<section aria-labelledby="effects-h">"#)
            .nth(1)
            .unwrap_or_else(|| panic!("{path} has the section"));
        let section = section.split("</section>").next().unwrap();
        assert!(section.contains(heading), "{path}");
        assert!(section.contains(r#"<caption id="effects-caption">"#));
        for n in 1..=6 {
            assert!(
                section.contains(&format!(r#"<th scope="row">{n}. "#)),
                "{path}: effect {n}"
            );
        }
        // Effects 1 and 4 have no measure, and the page says so.
        let none = if path.starts_with("/en") {
            "No measure."
        } else {
            "Inget mått."
        };
        assert_eq!(section.matches(none).count(), 2, "{path}");
        // The demo's synthetic values show, with their source.
        assert!(section.contains("SYNTHETIC DEMO DATA"), "{path}");
        assert!(section.contains("N15428"), "{path}");
    }
}
