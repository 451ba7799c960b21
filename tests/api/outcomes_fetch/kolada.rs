//! A local server that answers as Kolada's API v3 does, with made-up values
//! for every municipality, one county and the country.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use poem::web::{Data, Json, Path, Query};
use poem::{handler, EndpointExt, IntoResponse, Response, Route};
use serde_json::{json, Value};

use crate::helpers::serve_on_loopback;

pub(super) const KPIS: [(&str, &str); 2] = [
    (
        "N15428",
        "Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)",
    ),
    (
        "N15507",
        "Elever i åk 9, meritvärde, hemkommun, genomsnitt (17 ämnen)",
    ),
];
pub(super) const YEARS: std::ops::RangeInclusive<i32> = 2019..=2023;
/// Rows a page holds: small, so every request takes several pages.
pub(super) const PAGE: usize = 40;
pub(super) const FIRST_DAY: &str = "2026-11-01";

/// A made-up value: it varies with every coordinate, so a value read into
/// the wrong cell cannot pass for the right one.
pub(super) fn synthetic(kpi: &str, area: &str, year: i32, gender: &str) -> f64 {
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
pub(super) struct Row {
    pub(super) values: Vec<(String, Option<f64>, String)>,
    pub(super) changed: NaiveDate,
    pub(super) deleted: bool,
}

pub(super) struct Kolada {
    pub(super) rows: Mutex<BTreeMap<(String, String, i32), Row>>,
    pub(super) base: Mutex<String>,
    pub(super) fault: Fault,
    /// Every data page served, and the largest id list of any segment.
    pub(super) pages: Mutex<usize>,
    pub(super) widest_segment: Mutex<usize>,
}

pub(super) fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

impl Kolada {
    /// Every municipality, county 19 and the country; one row deleted at
    /// the source, one value missing with its status.
    pub(super) fn new(fault: Fault) -> Self {
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

    pub(super) fn held(&self) -> usize {
        let rows = self.rows.lock().unwrap();
        rows.values()
            .filter(|r| !r.deleted)
            .map(|r| r.values.len())
            .sum()
    }
}

#[handler]
pub(super) fn kpi_endpoint(Path(ids): Path<String>) -> Response {
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
pub(super) fn data_endpoint(
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

pub(super) async fn serve(kolada: Arc<Kolada>) -> String {
    let app = Route::new()
        .at("/v3/kpi/:ids", poem::get(kpi_endpoint))
        .at(
            "/v3/data/kpi/:kpis/municipality/:areas/year/:years",
            poem::get(data_endpoint),
        )
        .data(kolada.clone());
    // No request comes before this returns: the base is set in time.
    let base = format!("{}/v3", serve_on_loopback(app).await);
    *kolada.base.lock().unwrap() = base.clone();
    base
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Fault {
    None,
    /// This data page (counted over the run, from 0) is JSON cut off halfway.
    BrokenPage(usize),
    /// The first data request is told to wait a second (429, `Retry-After: 1`).
    TooManyOnce,
}
