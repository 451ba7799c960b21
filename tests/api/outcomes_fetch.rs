//! `outcomes fetch` against a local server that answers as Kolada's API v3
//! does (`/v3/kpi/{ids}`, `/v3/data/kpi/{kpis}/municipality/{ids}/year/{years}`
//! with `per_page`, `page`, `from_date` and `next_url`), with synthetic
//! values for every municipality, one county and the country. No number
//! served here is Kolada's: every value is made up.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api::store::feed::data_version;
use api::tools::outcomes_fetch::{fetch, FetchOptions};
use chrono::NaiveDate;
use entity::outcome_value;
use poem::listener::{Acceptor, Listener};
use poem::web::{Data, Json, Path, Query};
use poem::{handler, EndpointExt, IntoResponse, Response, Route};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const KPIS: [(&str, &str); 2] = [
    (
        "N15428",
        "Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)",
    ),
    (
        "N15507",
        "Elever i åk 9, meritvärde, hemkommun, genomsnitt (17 ämnen)",
    ),
];
const YEARS: std::ops::RangeInclusive<i32> = 2019..=2023;
/// Rows a page holds: small, so every request takes several pages.
const PAGE: usize = 40;
const FIRST_DAY: &str = "2026-11-01";

/// A made-up value: it varies with every coordinate, so a value read into
/// the wrong cell cannot pass for the right one.
fn synthetic(kpi: &str, area: &str, year: i32, gender: &str) -> f64 {
    let a: f64 = area.parse().unwrap();
    let k = if kpi == "N15428" { 0.0 } else { 100.0 };
    let g = match gender {
        "T" => 0.0,
        "K" => 0.25,
        _ => 0.5,
    };
    k + (a % 97.0) / 2.0 + f64::from(year - 2000) + g
}

#[derive(Clone)]
struct Row {
    values: Vec<(String, Option<f64>, String)>,
    changed: NaiveDate,
    deleted: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// This data page (counted over the run, from 0) is JSON cut off halfway.
    BrokenPage(usize),
    /// The first data request is told to wait a second (429, `Retry-After: 1`).
    TooManyOnce,
}

struct Kolada {
    rows: Mutex<BTreeMap<(String, String, i32), Row>>,
    base: Mutex<String>,
    fault: Fault,
    /// Every data page served, and the largest id list of any segment.
    pages: Mutex<usize>,
    widest_segment: Mutex<usize>,
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

impl Kolada {
    /// Every municipality, county 19 and the country; one row deleted at
    /// the source, one value missing with its status.
    fn new(fault: Fault) -> Self {
        let mut areas: Vec<String> = vec!["0000".into(), "0019".into()];
        let csv = migration::reference_data::MUNICIPALITIES_CSV;
        areas.extend(
            csv.lines()
                .skip(1)
                .map(|l| l.split(',').next().unwrap().to_owned()),
        );
        let mut rows = BTreeMap::new();
        for (kpi, _) in KPIS {
            for area in &areas {
                for year in YEARS {
                    let values = ["T", "K", "M"]
                        .iter()
                        .map(|g| {
                            (
                                g.to_string(),
                                Some(synthetic(kpi, area, year, g)),
                                String::new(),
                            )
                        })
                        .collect();
                    let row = Row {
                        values,
                        changed: day(FIRST_DAY),
                        deleted: false,
                    };
                    rows.insert((kpi.to_owned(), area.clone(), year), row);
                }
            }
        }
        let gap = rows
            .get_mut(&("N15428".into(), "1984".into(), 2022))
            .unwrap();
        gap.values[1] = ("K".into(), None, "M".into());
        rows.get_mut(&("N15507".into(), "1980".into(), 2021))
            .unwrap()
            .deleted = true;
        Self {
            rows: Mutex::new(rows),
            base: Mutex::new(String::new()),
            fault,
            pages: Mutex::new(0),
            widest_segment: Mutex::new(0),
        }
    }

    fn held(&self) -> usize {
        let rows = self.rows.lock().unwrap();
        rows.values()
            .filter(|r| !r.deleted)
            .map(|r| r.values.len())
            .sum()
    }
}

#[handler]
fn kpi_endpoint(Path(ids): Path<String>) -> Response {
    let values: Vec<Value> = ids
        .split(',')
        .filter_map(|id| KPIS.iter().find(|(k, _)| *k == id))
        .map(|(id, title)| {
            json!({"id": id, "title": title, "description": format!("Synthetic description of {id}."),
                   "is_divided_by_gender": true, "municipality_type": "K", "auspice": null,
                   "operating_area": "Grundskola", "perspective": "Resultat",
                   "prel_publication_date": null, "publication_date": "2026-10-01",
                   "publ_period": "2025", "has_ou_data": false})
        })
        .collect();
    Json(json!({"count": values.len(), "values": values, "next_url": null})).into_response()
}

#[handler]
fn data_endpoint(
    kolada: Data<&Arc<Kolada>>,
    Path((kpis, areas, years)): Path<(String, String, String)>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let widest = [&kpis, &areas, &years]
        .iter()
        .map(|s| s.split(',').count())
        .max()
        .unwrap();
    {
        let mut w = kolada.widest_segment.lock().unwrap();
        *w = (*w).max(widest);
    }
    if widest > 25 {
        return poem::http::StatusCode::BAD_REQUEST.into_response();
    }
    let served = {
        let mut p = kolada.pages.lock().unwrap();
        *p += 1;
        *p - 1
    };
    if kolada.fault == Fault::TooManyOnce && served == 0 {
        let mut r = poem::http::StatusCode::TOO_MANY_REQUESTS.into_response();
        r.headers_mut().insert("retry-after", "1".parse().unwrap());
        return r;
    }
    if kolada.fault == Fault::BrokenPage(served) {
        return r#"{"count": 250, "values": [{"kpi": "N15428", "municipality": "#.into_response();
    }
    let since = q.get("from_date").map(|d| day(d));
    let number = |k: &str| q.get(k).and_then(|v| v.parse::<usize>().ok());
    let rows = kolada.rows.lock().unwrap();
    let wanted: Vec<Value> = rows
        .iter()
        .filter(|((k, a, y), r)| {
            kpis.split(',').any(|x| x == k)
                && areas.split(',').any(|x| x == a)
                && years.split(',').any(|x| x == y.to_string())
                && since.is_none_or(|s| r.changed >= s)
        })
        .map(|((k, a, y), r)| {
            let values: Vec<Value> = r
                .values
                .iter()
                .map(|(g, v, s)| {
                    let v = if r.deleted { None } else { *v };
                    json!({"gender": g, "count": 1, "status": s, "value": v})
                })
                .collect();
            let mut row = json!({"kpi": k, "municipality": a, "period": y, "values": values});
            if r.deleted {
                row["isdeleted"] = json!(true);
            }
            row
        })
        .collect();
    let per_page = number("per_page").unwrap_or(5000).min(PAGE);
    let page = number("page").unwrap_or(1);
    let start = (page - 1) * per_page;
    let chunk: Vec<Value> = wanted.iter().skip(start).take(per_page).cloned().collect();
    let next = (start + per_page < wanted.len()).then(|| {
        let mut url = format!(
            "{}/data/kpi/{kpis}/municipality/{areas}/year/{years}?per_page={per_page}&page={}",
            kolada.base.lock().unwrap(),
            page + 1
        );
        if let Some(d) = q.get("from_date") {
            url.push_str(&format!("&from_date={d}"));
        }
        url
    });
    Json(json!({"count": wanted.len(), "values": chunk, "next_url": next})).into_response()
}

async fn serve(kolada: Arc<Kolada>) -> String {
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind loopback");
    let addr = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("tcp address");
    let base = format!("http://{addr}/v3");
    *kolada.base.lock().unwrap() = base.clone();
    let app = Route::new()
        .at("/v3/kpi/:ids", poem::get(kpi_endpoint))
        .at(
            "/v3/data/kpi/:kpis/municipality/:areas/year/:years",
            poem::get(data_endpoint),
        )
        .data(kolada);
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(app).await });
    base
}

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
