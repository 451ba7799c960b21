//! `population fetch` against a local server that answers as SCB's
//! PxWebApi 2.0 does (`/config`, `/tables/{id}/metadata`, `POST
//! /tables/{id}/data` in JSON-stat 2.0), with synthetic counts for all 290
//! municipalities — and, when asked, with the ways a real server fails.
//!
//! The metadata's age, sex and content dimensions are those of
//! `tests/fixtures/scb/be0101.jsonstat2.json`; its regions are the shipped
//! municipality list. No count served here is SCB's.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api::store::feed::data_version;
use api::store::population::Written;
use api::tools::population_fetch::{fetch, FetchOptions};
use poem::listener::{Acceptor, Listener};
use poem::web::{Data, Json, Path};
use poem::{handler, EndpointExt, IntoResponse, Response, Route};
use serde_json::{json, Map, Value};

use crate::helpers::reach_fixtures::{insert, session};
use crate::helpers::{cli, TestApp};

const FIXTURE: &str = include_str!("../fixtures/scb/be0101.jsonstat2.json");
const SCB_CONFIG: &str = include_str!("../fixtures/scb/pxwebapi-config.json");

/// A made-up count for one cell: it varies with every coordinate, so a
/// figure read from the wrong cell cannot pass for the right one.
fn synthetic(code: &str, year: i32, age: u32, sex: u32) -> i64 {
    let c: i64 = code.parse().unwrap();
    (c % 89 + 11) * 3 + i64::from(age % 7) + i64::from(year - 2020) * 2 + i64::from(sex)
}

/// What the server sums for an age code: one age, `100+`, or `tot`.
fn by_age_code(code: &str, year: i32, age_code: &str, sex: u32) -> i64 {
    match age_code {
        "tot" => (0..=100).map(|a| synthetic(code, year, a, sex)).sum(),
        "100+" => synthetic(code, year, 100, sex),
        a => synthetic(code, year, a.parse().unwrap(), sex),
    }
}

fn children(code: &str, year: i32, band: std::ops::RangeInclusive<u32>) -> i64 {
    band.flat_map(|a| [1, 2].map(|s| synthetic(code, year, a, s)))
        .sum()
}

fn total(code: &str, year: i32) -> i64 {
    [1, 2]
        .map(|s| by_age_code(code, year, "tot", s))
        .iter()
        .sum()
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    None,
    /// Every data request after the first `n` answers 500.
    ServerErrorAfter(usize),
    /// The answer that should hold this municipality leaves it out.
    Drop(&'static str),
    /// This municipality's first value is not a count.
    BadValue(&'static str),
    /// The first data request is told to wait a second (429).
    TooManyOnce,
    /// A data request answers 200 with JSON cut off halfway.
    Truncated,
}

struct Seen {
    at: Instant,
    path: String,
    cells: usize,
    regions: Vec<String>,
    status: u16,
}

struct Scb {
    metadata: Value,
    config: Value,
    fault: Fault,
    seen: Mutex<Vec<Seen>>,
}

impl Scb {
    fn new(years: &[i32], config: Value, fault: Fault) -> Self {
        let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
        let (mut index, mut label) = (Map::new(), Map::new());
        let mut add = |code: &str, name: &str| {
            index.insert(code.into(), json!(index.len()));
            label.insert(code.into(), json!(name));
        };
        add("00", "Riket");
        let mut county = String::new();
        let csv = migration::reference_data::MUNICIPALITIES_CSV;
        for row in csv.lines().skip(1) {
            let cells: Vec<&str> = row.split(',').collect();
            if cells[2] != county {
                county = cells[2].to_owned();
                add(cells[2], cells[3]);
            }
            add(cells[0], cells[1]);
        }
        let region = json!({"label": "region", "category": {"index": index, "label": label},
                            "extension": {"elimination": true}});
        let time_index: Map<String, Value> = years
            .iter()
            .enumerate()
            .map(|(i, y)| (y.to_string(), json!(i)))
            .collect();
        let time_label: Map<String, Value> = years
            .iter()
            .map(|y| (y.to_string(), json!(y.to_string())))
            .collect();
        let time = json!({"label": "år", "category": {"index": time_index, "label": time_label},
                          "extension": {"elimination": false}});
        let mut dims = fixture["dimension"].clone();
        dims["Region"] = region;
        dims["Tid"] = time;
        for (id, eliminable) in [("Alder", false), ("Kon", true), ("ContentsCode", false)] {
            dims[id]["extension"] = json!({"elimination": eliminable});
            // The fixture shows both forms of `index`; SCB's metadata uses objects.
            if let Some(codes) = dims[id]["category"]["index"].as_array().cloned() {
                let positions: Map<String, Value> = codes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.as_str().unwrap().to_owned(), json!(i)))
                    .collect();
                dims[id]["category"]["index"] = Value::Object(positions);
            }
        }
        let sizes: Vec<usize> = ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
            .iter()
            .map(|d| dims[d]["category"]["index"].as_object().unwrap().len())
            .collect();
        let metadata = json!({
            "version": "2.0", "class": "dataset",
            "label": fixture["label"], "source": "SCB", "updated": fixture["updated"],
            "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
            "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
            "size": sizes, "dimension": dims,
            "extension": fixture["extension"], "value": []
        });
        Self {
            metadata,
            config,
            fault,
            seen: Mutex::new(Vec::new()),
        }
    }

    fn log(&self, path: &str, cells: usize, regions: Vec<String>, status: u16) {
        self.seen.lock().unwrap().push(Seen {
            at: Instant::now(),
            path: path.to_owned(),
            cells,
            regions,
            status,
        });
    }

    fn data_requests(&self) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path.ends_with("/data")).count()
    }
}

fn problem(status: u16, title: &str, detail: &str) -> Response {
    let body = json!({"type": "https://tools.ietf.org/html/rfc9110", "title": title,
                      "status": status, "detail": detail});
    Json(body)
        .with_status(poem::http::StatusCode::from_u16(status).unwrap())
        .into_response()
}

#[handler]
fn config_endpoint(scb: Data<&Arc<Scb>>) -> Response {
    scb.log("/config", 0, Vec::new(), 200);
    Json(scb.config.clone()).into_response()
}

#[handler]
fn metadata_endpoint(scb: Data<&Arc<Scb>>, Path(table): Path<String>) -> Response {
    scb.log(&format!("/tables/{table}/metadata"), 0, Vec::new(), 200);
    if table != "TAB638" {
        return problem(404, "Not found", &format!("no table {table}"));
    }
    Json(scb.metadata.clone()).into_response()
}

/// The codes a selection picks for a dimension; `None` when it leaves the
/// dimension out.
fn picked(body: &Value, id: &str) -> Option<Vec<String>> {
    let selection = body["selection"].as_array()?;
    let s = selection.iter().find(|s| s["variableCode"] == id)?;
    let codes = s["valueCodes"].as_array()?;
    Some(
        codes
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect(),
    )
}

#[handler]
fn data_endpoint(
    scb: Data<&Arc<Scb>>,
    Path(table): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let path = format!("/tables/{table}/data");
    let answered = scb.data_requests();
    let meta = &scb.metadata;
    let ids = ["Region", "Alder", "Kon", "ContentsCode", "Tid"];
    // Per dimension: the picked codes, or None when eliminated.
    let mut chosen: Vec<(&str, Option<Vec<String>>)> = Vec::new();
    for id in ids {
        let known = meta["dimension"][id]["category"]["index"]
            .as_object()
            .unwrap();
        match picked(&body, id) {
            Some(codes) => {
                if let Some(bad) = codes.iter().find(|c| !known.contains_key(*c)) {
                    scb.log(&path, 0, Vec::new(), 400);
                    return problem(400, "Non-existent value", &format!("{id}: {bad}"));
                }
                chosen.push((id, Some(codes)));
            }
            None if meta["dimension"][id]["extension"]["elimination"] == true => {
                chosen.push((id, None));
            }
            None => {
                scb.log(&path, 0, Vec::new(), 400);
                return problem(400, "Missing selection for mandantory variable", id);
            }
        }
    }
    let cells: usize = chosen
        .iter()
        .flat_map(|(_, c)| c.as_ref().map(Vec::len))
        .product();
    let mut regions = chosen[0].1.clone().unwrap_or_default();
    let max = scb.config["maxDataCells"].as_u64().unwrap() as usize;
    if cells > max {
        scb.log(&path, cells, regions, 403);
        return problem(403, "Too many cells selected", &format!("{cells} > {max}"));
    }
    match scb.fault {
        Fault::ServerErrorAfter(n) if answered >= n => {
            scb.log(&path, cells, regions, 500);
            return problem(500, "Internal Server Error", "synthetic failure");
        }
        Fault::TooManyOnce if answered == 0 => {
            scb.log(&path, cells, regions, 429);
            let mut r = problem(429, "Too Many Requests", "wait");
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            return r;
        }
        Fault::Truncated => {
            scb.log(&path, cells, regions, 200);
            return r#"{"version": "2.0", "class": "dataset", "id": ["Region", "#.into_response();
        }
        Fault::Drop(code) => regions.retain(|r| r != code),
        _ => {}
    }
    scb.log(&path, cells, regions.clone(), 200);
    chosen[0].1 = Some(regions);

    // Row-major over the dimensions sent (the last varies fastest).
    let sent: Vec<(&str, Vec<String>)> = chosen
        .iter()
        .filter_map(|(id, c)| c.clone().map(|c| (*id, c)))
        .collect();
    let mut values = Vec::new();
    let n: usize = sent.iter().map(|(_, c)| c.len()).product();
    for i in 0..n {
        let mut rest = i;
        let mut at = std::collections::HashMap::new();
        for (id, codes) in sent.iter().rev() {
            at.insert(*id, codes[rest % codes.len()].clone());
            rest /= codes.len();
        }
        let (code, age, year) = (&at["Region"], &at["Alder"], at["Tid"].parse().unwrap());
        let sexes: Vec<u32> = match at.get("Kon") {
            Some(s) => vec![s.parse().unwrap()],
            None => vec![1, 2],
        };
        let v: i64 = sexes.iter().map(|&s| by_age_code(code, year, age, s)).sum();
        let first_of_region = values.len() % (n / sent[0].1.len().max(1)) == 0;
        match scb.fault {
            Fault::BadValue(bad) if code == bad && first_of_region => values.push(json!("1x2")),
            _ => values.push(json!(v)),
        }
    }
    let mut dimension = Map::new();
    for (id, codes) in &sent {
        let all = &meta["dimension"][*id];
        let index: Map<String, Value> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), json!(i)))
            .collect();
        let label: Map<String, Value> = codes
            .iter()
            .map(|c| (c.clone(), all["category"]["label"][c].clone()))
            .collect();
        dimension.insert(
            (*id).to_owned(),
            json!({"label": all["label"], "category": {"index": index, "label": label}}),
        );
    }
    Json(json!({
        "version": "2.0", "class": "dataset",
        "label": meta["label"], "source": "SCB", "updated": meta["updated"],
        "role": meta["role"],
        "id": sent.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        "size": sent.iter().map(|(_, c)| c.len()).collect::<Vec<_>>(),
        "dimension": dimension,
        "extension": meta["extension"],
        "value": values
    }))
    .into_response()
}

/// Serves `scb` on a loopback port; returns its base URL.
async fn serve(scb: Arc<Scb>) -> String {
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind loopback");
    let addr = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("tcp address");
    let app = Route::new()
        .at("/api/v2/config", poem::get(config_endpoint))
        .at(
            "/api/v2/tables/:table/metadata",
            poem::get(metadata_endpoint),
        )
        .at("/api/v2/tables/:table/data", poem::post(data_endpoint))
        .data(scb);
    tokio::spawn(async move { poem::Server::new_with_acceptor(acceptor).run(app).await });
    format!("http://{addr}/api/v2")
}

fn scb_config() -> Value {
    serde_json::from_str(SCB_CONFIG).unwrap()
}

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
