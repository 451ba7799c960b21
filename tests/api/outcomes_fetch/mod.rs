//! `outcomes fetch` against a local server that answers as Kolada's API v3
//! does (`/v3/kpi/{ids}`, `/v3/data/kpi/{kpis}/municipality/{ids}/year/{years}`
//! with `per_page`, `page`, `from_date` and `next_url`), with synthetic
//! values for every municipality, one county and the country. No number
//! served here is Kolada's: every value is made up.

mod kolada;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use api::store::feed::data_version;
use api::tools::outcomes_fetch::{fetch, FetchOptions};
use entity::outcome_value;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use self::kolada::*;
use crate::helpers::TestApp;

fn options(url: &str) -> FetchOptions {
    FetchOptions {
        backoff: Duration::from_millis(20),
        ..FetchOptions::new(
            url,
            KPIS.iter().map(|(k, _)| k.to_string()).collect(),
            YEARS.collect(),
        )
    }
}

async fn stored(app: &TestApp) -> u64 {
    outcome_value::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_fetch_loads_two_kpis_for_all_290_over_five_years_page_by_page() {
    let app = TestApp::new().await;
    let kolada = Arc::new(Kolada::new(Fault::None));
    let url = serve(kolada.clone()).await;
    let v0 = data_version(&app.db).await.unwrap();

    let mut opts = options(&url);
    opts.dry_run = true;
    let dry = fetch(&app.db, &opts).await.expect("dry run");
    assert_eq!(dry.summary.total().created as usize, kolada.held());
    assert_eq!(stored(&app).await, 0, "a dry run writes nothing");
    assert_eq!(data_version(&app.db).await.unwrap(), v0);

    opts.dry_run = false;
    let done = fetch(&app.db, &opts).await.expect("fetch");
    // 290 municipalities, 21 counties and the country, 25 a request.
    assert_eq!(done.areas, 312);
    assert_eq!(done.requests, 13);
    assert!(done.pages > done.requests + 2, "paged: {}", done.pages);
    assert!(*kolada.widest_segment.lock().unwrap() <= 25);
    // Two KPIs × (290 + county 19 + the country) × 5 years × 3 genders,
    // less the row deleted at the source.
    assert_eq!(kolada.held(), 2 * 292 * 5 * 3 - 3);
    assert_eq!(done.summary.total().created as usize, kolada.held());
    assert_eq!(stored(&app).await as usize, kolada.held());
    assert!(data_version(&app.db).await.unwrap() > v0);

    // Through HTTP: Västerås, its county and the country, every value as served.
    let page = app
        .get("/v1/outcomes/N15428/values?municipality=1980&gender=total&limit=1000")
        .await
        .ok_json();
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 3 * 5, "{page}");
    for v in data {
        let area = v["area_code"].as_str().unwrap();
        let year = v["year"].as_i64().unwrap() as i32;
        assert_eq!(
            v["value"],
            json!(synthetic("N15428", area, year, "T")),
            "{v}"
        );
        assert!(
            v["source"]
                .as_str()
                .unwrap()
                .starts_with("Kolada (RKA), KPI N15428"),
            "{v}"
        );
        assert!(v["retrieved_at"].is_string());
    }
    assert_eq!(data[0]["area_type"], "country");
    assert_eq!(data[5]["area_type"], "county");
    assert_eq!(data[5]["area_name"], "Västmanlands län");
    assert_eq!(data[10]["area_name"], "Västerås");

    // The deleted row is not held; the missing value stays missing, with its status.
    let deleted = app
        .get("/v1/outcomes/N15507/values?municipality=1980&from=2021&to=2021")
        .await
        .ok_json();
    assert!(
        deleted["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["area_code"] != "1980"),
        "{deleted}"
    );
    let gap = app
        .get("/v1/outcomes/N15428/values?municipality=1984&from=2022&to=2022&gender=women")
        .await
        .ok_json();
    let arboga = gap["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["area_code"] == "1984")
        .cloned();
    let arboga = arboga.expect("Arboga's row");
    assert_eq!(
        (arboga["value"].clone(), arboga["status"].clone()),
        (Value::Null, json!("M"))
    );

    // The fetch read the KPIs' metadata: both ids and titles are confirmed.
    let list = app.get("/v1/outcomes").await.ok_json();
    for (id, _) in KPIS {
        let m = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap();
        assert_eq!(m["verification"], "verified", "{m}");
        assert_eq!(m["verified"], true);
        assert_eq!(m["years"], json!([2019, 2020, 2021, 2022, 2023]));
        assert_eq!(
            m["definition_sv"],
            json!(format!("Synthetic description of {id}."))
        );
    }

    // The same answer again changes nothing, and the data version stays.
    let v1 = data_version(&app.db).await.unwrap();
    let again = fetch(&app.db, &opts).await.expect("again");
    let t = again.summary.total();
    assert_eq!((t.created, t.updated, t.deleted), (0, 0, 0));
    assert_eq!(t.unchanged as usize, kolada.held());
    assert_eq!(data_version(&app.db).await.unwrap(), v1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_fetch_with_from_date_changes_only_what_changed() {
    let app = TestApp::new().await;
    let kolada = Arc::new(Kolada::new(Fault::None));
    let url = serve(kolada.clone()).await;
    fetch(&app.db, &options(&url)).await.expect("first fetch");
    let before: BTreeMap<_, _> = outcome_value::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.kpi.clone(), r.area.clone(), r.year, r.gender.clone()), r))
        .collect();

    // At the source: one value revised, one row removed, on a later day.
    {
        let mut rows = kolada.rows.lock().unwrap();
        let revised = rows
            .get_mut(&("N15428".into(), "1980".into(), 2023))
            .unwrap();
        revised.values[0].1 = Some(12.5);
        revised.changed = day("2026-12-02");
        let removed = rows
            .get_mut(&("N15507".into(), "0114".into(), 2019))
            .unwrap();
        removed.deleted = true;
        removed.changed = day("2026-12-02");
    }
    let mut opts = options(&url);
    opts.from_date = Some(day("2026-12-01"));
    let second = fetch(&app.db, &opts).await.expect("second fetch");
    let t = second.summary.total();
    // The revised row's three genders are read again; only its total changed.
    assert_eq!(
        (t.created, t.updated, t.unchanged, t.deleted),
        (0, 1, 2, 3),
        "{t:?}"
    );

    let after: BTreeMap<_, _> = outcome_value::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| ((r.kpi.clone(), r.area.clone(), r.year, r.gender.clone()), r))
        .collect();
    assert_eq!(after.len(), before.len() - 3);
    let revised = (
        "N15428".to_owned(),
        "1980".to_owned(),
        2023,
        "total".to_owned(),
    );
    let mut moved = 0;
    for (key, row) in &after {
        if *key == revised {
            assert_eq!(row.value, Some(12.5));
            assert!(row.updated_at > before[key].updated_at);
            moved += 1;
        } else {
            assert_eq!(row, &before[key], "{key:?} must not move");
        }
    }
    assert_eq!(moved, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_page_leaves_the_database_unchanged() {
    let app = TestApp::new().await;
    let good = Arc::new(Kolada::new(Fault::None));
    fetch(&app.db, &options(&serve(good).await))
        .await
        .expect("first fetch");
    let (n, v) = (stored(&app).await, data_version(&app.db).await.unwrap());

    // A later run whose fifth page breaks off halfway writes nothing.
    let broken = Arc::new(Kolada::new(Fault::BrokenPage(4)));
    {
        let mut rows = broken.rows.lock().unwrap();
        rows.get_mut(&("N15428".into(), "0114".into(), 2019))
            .unwrap()
            .values[0]
            .1 = Some(1.0);
    }
    let err = fetch(&app.db, &options(&serve(broken).await))
        .await
        .expect_err("a broken page fails the fetch");
    let text = err.to_string();
    assert!(
        text.contains("not JSON") && text.contains("/data/kpi/"),
        "{text}"
    );
    assert_eq!(stored(&app).await, n);
    assert_eq!(data_version(&app.db).await.unwrap(), v);
    let row = outcome_value::Entity::find_by_id((
        "N15428".to_owned(),
        "0114".to_owned(),
        2019,
        "total".to_owned(),
    ))
    .one(&app.db)
    .await
    .unwrap()
    .unwrap();
    assert_eq!(row.value, Some(synthetic("N15428", "0114", 2019, "T")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_fetch_waits_when_told_to_and_tries_again() {
    let app = TestApp::new().await;
    let kolada = Arc::new(Kolada::new(Fault::TooManyOnce));
    let started = std::time::Instant::now();
    let done = fetch(&app.db, &options(&serve(kolada.clone()).await))
        .await
        .expect("a 429 is waited out");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    // One call more than pages: the refused one.
    assert_eq!(done.calls, done.pages + 1);
    assert_eq!(done.summary.total().created as usize, kolada.held());
}
