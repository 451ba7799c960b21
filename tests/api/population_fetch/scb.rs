//! A local server that answers as SCB's PxWebApi 2.0 does, with synthetic
//! counts for all 290 municipalities and, when asked, a real server's faults.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use poem::web::{Data, Json, Path};
use poem::{handler, EndpointExt, IntoResponse, Response, Route};
use serde_json::{json, Map, Value};

use crate::helpers::serve_on_loopback;

pub(super) const FIXTURE: &str = include_str!("../../fixtures/scb/be0101.jsonstat2.json");
pub(super) const SCB_CONFIG: &str = include_str!("../../fixtures/scb/pxwebapi-config.json");

/// A made-up count for one cell: it varies with every coordinate, so a
/// figure read from the wrong cell cannot pass for the right one.
pub(super) fn synthetic(code: &str, year: i32, age: u32, sex: u32) -> i64 {
    let c: i64 = code.parse().unwrap();
    (c % 89 + 11) * 3 + i64::from(age % 7) + i64::from(year - 2020) * 2 + i64::from(sex)
}

/// What the server sums for an age code: one age, `100+`, or `tot`.
pub(super) fn by_age_code(code: &str, year: i32, age_code: &str, sex: u32) -> i64 {
    match age_code {
        "tot" => (0..=100).map(|a| synthetic(code, year, a, sex)).sum(),
        "100+" => synthetic(code, year, 100, sex),
        a => synthetic(code, year, a.parse().unwrap(), sex),
    }
}

pub(super) fn children(code: &str, year: i32, band: std::ops::RangeInclusive<u32>) -> i64 {
    band.flat_map(|a| [1, 2].map(|s| synthetic(code, year, a, s)))
        .sum()
}

pub(super) fn total(code: &str, year: i32) -> i64 {
    [1, 2]
        .map(|s| by_age_code(code, year, "tot", s))
        .iter()
        .sum()
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Fault {
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

pub(super) struct Seen {
    pub(super) at: Instant,
    pub(super) path: String,
    pub(super) cells: usize,
    pub(super) regions: Vec<String>,
    pub(super) status: u16,
}

pub(super) struct Scb {
    pub(super) metadata: Value,
    pub(super) config: Value,
    pub(super) fault: Fault,
    pub(super) seen: Mutex<Vec<Seen>>,
}

impl Scb {
    pub(super) fn new(years: &[i32], config: Value, fault: Fault) -> Self {
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

    pub(super) fn log(&self, path: &str, cells: usize, regions: Vec<String>, status: u16) {
        self.seen.lock().unwrap().push(Seen {
            at: Instant::now(),
            path: path.to_owned(),
            cells,
            regions,
            status,
        });
    }

    pub(super) fn data_requests(&self) -> usize {
        let seen = self.seen.lock().unwrap();
        seen.iter().filter(|s| s.path.ends_with("/data")).count()
    }
}

pub(super) fn problem(status: u16, title: &str, detail: &str) -> Response {
    let body = json!({"type": "https://tools.ietf.org/html/rfc9110", "title": title,
                      "status": status, "detail": detail});
    Json(body)
        .with_status(poem::http::StatusCode::from_u16(status).unwrap())
        .into_response()
}

#[handler]
pub(super) fn config_endpoint(scb: Data<&Arc<Scb>>) -> Response {
    scb.log("/config", 0, Vec::new(), 200);
    Json(scb.config.clone()).into_response()
}

#[handler]
pub(super) fn metadata_endpoint(scb: Data<&Arc<Scb>>, Path(table): Path<String>) -> Response {
    scb.log(&format!("/tables/{table}/metadata"), 0, Vec::new(), 200);
    if table != "TAB638" {
        return problem(404, "Not found", &format!("no table {table}"));
    }
    Json(scb.metadata.clone()).into_response()
}

/// The codes a selection picks for a dimension; `None` when it leaves the
/// dimension out.
pub(super) fn picked(body: &Value, id: &str) -> Option<Vec<String>> {
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
pub(super) fn data_endpoint(
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
pub(super) async fn serve(scb: Arc<Scb>) -> String {
    let app = Route::new()
        .at("/api/v2/config", poem::get(config_endpoint))
        .at(
            "/api/v2/tables/:table/metadata",
            poem::get(metadata_endpoint),
        )
        .at("/api/v2/tables/:table/data", poem::post(data_endpoint))
        .data(scb);
    format!("{}/api/v2", serve_on_loopback(app).await)
}

pub(super) fn scb_config() -> Value {
    serde_json::from_str(SCB_CONFIG).unwrap()
}
