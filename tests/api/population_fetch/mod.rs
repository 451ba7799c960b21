//! `population fetch` against a local server that answers as SCB's
//! PxWebApi 2.0 does (`/config`, `/tables/{id}/metadata`, `POST
//! /tables/{id}/data` in JSON-stat 2.0), with synthetic counts for all 290
//! municipalities — and, when asked, with the ways a real server fails.
//!
//! The metadata's age, sex and content dimensions are those of
//! `tests/fixtures/scb/be0101.jsonstat2.json`; its regions are the shipped
//! municipality list. No count served here is SCB's.

mod scb;

use std::sync::Arc;
use std::time::Duration;

use api::store::feed::data_version;
use api::store::population::Written;
use api::tools::population_fetch::{fetch, FetchOptions};
use serde_json::{json, Value};

use self::scb::*;
use crate::helpers::reach_fixtures::{insert, session};
use crate::helpers::{cli, TestApp};

fn options(url: &str, years: &str) -> FetchOptions {
    FetchOptions {
        years: years.parse().unwrap(),
        backoff: Duration::from_millis(20),
        ..FetchOptions::new(url)
    }
}

async fn series(app: &TestApp, code: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/v1/municipalities/{code}/population"))
        .await;
    reply.ok_json()["data"].as_array().cloned().unwrap()
}

fn per_1000(n: i64, of: i64) -> f64 {
    (n as f64 * 1000.0 / of as f64 * 100.0).round() / 100.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn population_fetch_loads_children_of_all_290_for_several_years_and_reach_divides_by_them() {
    let app = TestApp::new().await;
    let scb = Arc::new(Scb::new(
        &[2021, 2022, 2023, 2024],
        scb_config(),
        Fault::None,
    ));
    let url = serve(scb.clone()).await;
    let mut opts = options(&url, "2022-2024");
    // 19 ages × 3 years a municipality: 87 municipalities an answer, 4 answers.
    opts.max_cells = 5000;
    let v0 = data_version(&app.db).await.unwrap();

    // The shipped series has 2024's totals (no children) for all 290.
    let shipped = |rows: &[Value]| rows.iter().find(|p| p["year"] == 2024).cloned();
    let before = shipped(&series(&app, "1980").await).expect("2024's total");
    assert!(before["children"].is_null());

    opts.dry_run = true;
    let dry = fetch(&app.db, &opts).await.expect("dry run");
    assert_eq!(dry.summary.count(Written::Created), 290 * 2);
    assert_eq!(dry.summary.count(Written::Updated), 290);
    assert_eq!(
        data_version(&app.db).await.unwrap(),
        v0,
        "a dry run writes nothing"
    );
    assert_eq!(shipped(&series(&app, "1980").await), Some(before));

    opts.dry_run = false;
    let done = fetch(&app.db, &opts).await.expect("fetch");
    assert_eq!(
        (done.municipalities, done.years.clone()),
        (290, vec![2022, 2023, 2024])
    );
    assert_eq!(done.summary.count(Written::Created), 290 * 2);
    assert_eq!(done.summary.count(Written::Updated), 290);
    assert_eq!(done.requests, 4);

    // Every answer kept within the cells asked for, and all 290 were asked
    // for exactly once per run.
    {
        let seen = scb.seen.lock().unwrap();
        let data: Vec<&Seen> = seen.iter().filter(|s| s.path.ends_with("/data")).collect();
        assert_eq!(data.len(), 8, "4 answers, twice");
        assert!(data.iter().all(|s| s.cells <= 5000 && s.status == 200));
        let mut asked: Vec<&String> = data[4..].iter().flat_map(|s| &s.regions).collect();
        asked.sort();
        asked.dedup();
        assert_eq!(asked.len(), 290);
    }

    // Through HTTP: the series holds each year with its children 0–17.
    for code in ["0114", "1980", "2584"] {
        let rows = series(&app, code).await;
        for year in [2022, 2023, 2024] {
            let row = rows.iter().find(|p| p["year"] == year).expect("the year");
            assert_eq!(
                row["children"],
                json!(children(code, year, 0..=17)),
                "{row}"
            );
            assert_eq!(row["total"], json!(total(code, year)), "{row}");
            assert_eq!(
                (
                    row["children_age_from"].clone(),
                    row["children_age_to"].clone()
                ),
                (json!(0), json!(17))
            );
            let source = row["source"].as_str().unwrap();
            assert!(
                source.starts_with("SCB BE0101A/BefolkningNy, TAB638"),
                "{source}"
            );
        }
    }

    // Reach in 2024 divides by 2024's children.
    let mut s = session("1980", "abc", "completed", "2024-03-01");
    s.enrolled = 240;
    s.completed = 200;
    insert(&app.db, vec![s]).await;
    let reach = app
        .reach("group_by=municipality,year&from=2024&to=2024&municipality=1980")
        .await
        .ok_json();
    let row = &reach["data"][0];
    let kids = children("1980", 2024, 0..=17);
    assert_eq!(row["population"]["year"], 2024, "{row}");
    assert_eq!(row["population"]["children"], json!(kids), "{row}");
    assert_eq!(row["population"]["children_age_to"], 17, "{row}");
    let enrolled = row["enrolled"].as_i64().expect("enrolled");
    assert_eq!(
        row["reach_per_1000_children"],
        json!(per_1000(enrolled, kids))
    );
    assert_eq!(row["inhabitants"]["year"], 2024, "{row}");

    // Next year's run finds nothing new.
    let again = fetch(&app.db, &opts).await.expect("again");
    assert_eq!(again.summary.count(Written::Unchanged), 290 * 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn population_fetch_leaves_the_database_unchanged_after_a_broken_or_partial_answer() {
    let app = TestApp::new().await;
    let before = series(&app, "1980").await;
    let v0 = data_version(&app.db).await.unwrap();
    let cases = [
        (Fault::ServerErrorAfter(2), "answered 500"),
        (Fault::Drop("1980"), "no figures for 1980 in 2024"),
        (Fault::BadValue("2584"), "2584, 2023"),
        (Fault::Truncated, "not valid JSON"),
    ];
    for (fault, says) in cases {
        let scb = Arc::new(Scb::new(&[2023, 2024], scb_config(), fault));
        let url = serve(scb.clone()).await;
        let mut opts = options(&url, "2023-2024");
        opts.max_cells = 5000;
        opts.retries = 1;
        let err = fetch(&app.db, &opts)
            .await
            .expect_err("a broken answer fails");
        let text = err.to_string();
        assert!(text.contains("nothing imported"), "{fault:?}: {text}");
        assert!(text.contains(says), "{fault:?}: {text}");
        assert_eq!(data_version(&app.db).await.unwrap(), v0, "{fault:?}");
        assert_eq!(series(&app, "1980").await, before, "{fault:?}");
        if let Fault::ServerErrorAfter(n) = fault {
            // The failing answer was tried again once, and nothing followed it.
            assert_eq!(scb.data_requests(), n + 2, "{fault:?}");
            assert!(text.contains("tried 2 time(s)"), "{text}");
        }
    }

    // A year the table does not have is named before anything is downloaded.
    let scb = Arc::new(Scb::new(&[2023, 2024], scb_config(), Fault::None));
    let url = serve(scb.clone()).await;
    let err = fetch(&app.db, &options(&url, "2024-2025"))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("no figures for 2025 (it has 2023–2024)"),
        "{err}"
    );
    assert_eq!(scb.data_requests(), 0);
    assert_eq!(data_version(&app.db).await.unwrap(), v0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn population_fetch_keeps_to_the_servers_limits_and_waits_when_told() {
    let app = TestApp::new().await;
    let strict = json!({"apiVersion": "2.0.0", "maxDataCells": 2000,
                        "maxCallsPerTimeWindow": 3, "timeWindow": 1});
    let scb = Arc::new(Scb::new(&[2023, 2024], strict, Fault::TooManyOnce));
    let url = serve(scb.clone()).await;
    // The operator allows more cells than the server does: the server wins.
    let fetched = fetch(&app.db, &options(&url, "2023-2024"))
        .await
        .expect("fetch");
    assert_eq!(fetched.summary.count(Written::Created), 290);
    assert_eq!(fetched.summary.count(Written::Updated), 290);
    // 19 ages × 2 years: 52 municipalities an answer, 6 answers.
    assert_eq!(fetched.requests, 6);

    let seen = scb.seen.lock().unwrap();
    assert!(
        seen.iter().all(|s| s.cells <= 2000),
        "no request over the server's cells"
    );
    // No window of a second held more than 3 calls (the server sees them a
    // little after they leave, hence the margin).
    for w in seen.windows(4) {
        let span = w[3].at - w[0].at;
        assert!(span >= Duration::from_millis(900), "4 calls in {span:?}");
    }
    // The 429 was waited out as its Retry-After asked, then answered.
    let i = seen.iter().position(|s| s.status == 429).expect("a 429");
    assert!(seen[i + 1].at - seen[i].at >= Duration::from_millis(950));
    assert_eq!(seen[i + 1].status, 200);
    assert_eq!(fetched.calls, seen.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn population_fetch_the_binary_reports_what_it_fetched_and_fails_clearly() {
    let dir = std::env::temp_dir().join(format!("fst-fetch-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let args = |url: &str, extra: &[&str]| {
        let mut a: Vec<String> = [
            "population",
            "fetch",
            "--base-url",
            url,
            "--years",
            "2023-2024",
        ]
        .map(str::to_owned)
        .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend(["--database-url".to_owned(), db.clone()]);
        a
    };
    let good = serve(Arc::new(Scb::new(&[2023, 2024], scb_config(), Fault::None))).await;
    let (ok, out, err) = cli(args(&good, &["--children", "0-15", "--dry-run"])).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("fetched 290 municipalities, 2 year(s) (2023, 2024), children 0-15"),
        "{out}"
    );
    assert!(
        out.contains("created 290, updated 290, unchanged 0 (dry run"),
        "{out}"
    );
    let (ok, out, err) = cli(args(&good, &[])).await;
    assert!(
        ok && out.contains("created 290, updated 290, unchanged 0"),
        "{out}{err}"
    );

    let partial = serve(Arc::new(Scb::new(
        &[2023, 2024],
        scb_config(),
        Fault::Drop("1980"),
    )))
    .await;
    let (ok, _, err) = cli(args(&partial, &[])).await;
    assert!(!ok, "a partial answer exits non-zero");
    assert!(
        err.contains("no figures for 1980 in 2023") && err.contains("nothing imported"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let (ok, out, _) = cli(args(&good, &["--dry-run"])).await;
    assert!(
        ok && out.contains("created 0, updated 0, unchanged 580"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
