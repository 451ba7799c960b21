//! `?format=xlsx` through HTTP: each workbook opens with a spreadsheet reader
//! and holds, cell for cell and typed, the figures of the JSON answer to the
//! same query; its `Om data` sheet says what the file is. The file names and
//! periods of every download are in `download_files.rs`.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::helpers::{assert_bad_parameter, Reply, TestApp};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook as a reader sees it: each sheet's header and rows.
pub(crate) struct Workbook {
    data: Vec<Vec<Data>>,
    about: Vec<Vec<Data>>,
}

impl Workbook {
    #[track_caller]
    pub(crate) fn of(reply: &Reply) -> Self {
        assert_eq!(reply.status, 200, "{}: {}", reply.uri, reply.text_lossy());
        assert_eq!(reply.content_type(), XLSX, "{}", reply.uri);
        let mut book: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(reply.body.clone())).expect("an XLSX workbook");
        assert_eq!(book.sheet_names(), ["Data", "Om data"], "{}", reply.uri);
        let mut rows = |name: &str| -> Vec<Vec<Data>> {
            book.worksheet_range(name)
                .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
                .rows()
                .map(<[Data]>::to_vec)
                .collect()
        };
        Self {
            data: rows("Data"),
            about: rows("Om data"),
        }
    }

    pub(crate) fn header(&self) -> Vec<String> {
        self.data[0].iter().map(|c| c.to_string()).collect()
    }

    pub(crate) fn rows(&self) -> &[Vec<Data>] {
        &self.data[1..]
    }

    /// The `Om data` line whose label starts with `label`: its Swedish and English text.
    #[track_caller]
    pub(crate) fn about(&self, label: &str) -> (String, String) {
        let line = self
            .about
            .iter()
            .find(|l| l[0].to_string().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in Om data: {:?}", self.about));
        (line[1].to_string(), line[2].to_string())
    }
}

impl Reply {
    pub(crate) fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Asserts that a cell holds `expected` (a JSON value) with its type: a
/// number as a number, text as text (codes keep their leading zeros), a
/// boolean as a boolean, null as a blank cell, a list as `;`-joined text,
/// a date as a date, a timestamp as its instant.
#[track_caller]
fn assert_cell(cell: &Data, expected: &Value, at: &str) {
    match (expected, cell) {
        (Value::Null, Data::Empty) => {}
        (Value::Number(n), Data::Float(x)) => {
            assert_eq!(n.as_f64(), Some(*x), "{at}");
        }
        (Value::Number(n), Data::Int(i)) => assert_eq!(n.as_i64(), Some(*i), "{at}"),
        (Value::Bool(b), Data::Bool(c)) => assert_eq!(b, c, "{at}"),
        (Value::Array(items), cell) => {
            let joined = items
                .iter()
                .map(|i| i.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(";");
            let text = match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                other => panic!("{at}: list as {other:?}"),
            };
            assert_eq!(text, joined, "{at}");
        }
        (Value::String(s), Data::DateTime(d)) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            assert_eq!(format!("{y:04}-{m:02}-{day:02}"), *s, "{at}");
        }
        (Value::String(s), Data::String(c)) if s.parse::<DateTime<Utc>>().is_ok() => {
            let instant = |t: &str| t.parse::<DateTime<Utc>>().ok();
            assert_eq!(instant(c), instant(s), "{at}");
        }
        (Value::String(s), Data::String(c)) => assert_eq!(c, s, "{at}"),
        (expected, cell) => panic!("{at}: expected {expected}, the cell holds {cell:?}"),
    }
}

/// Every cell of every row against the JSON rows, column by column;
/// `field` says where a column's value is in a JSON row.
#[track_caller]
fn assert_rows_match(book: &Workbook, json: &[Value], field: impl Fn(&Value, &str) -> Value) {
    let header = book.header();
    assert_eq!(book.rows().len(), json.len(), "one row per JSON row");
    for (r, (row, expected)) in book.rows().iter().zip(json).enumerate() {
        for (c, column) in header.iter().enumerate() {
            let cell = row.get(c).unwrap_or(&Data::Empty);
            assert_cell(
                cell,
                &field(expected, column),
                &format!("row {r}, {column}"),
            );
        }
    }
}

/// Where a reach CSV/XLSX column's value is in a JSON reach row.
fn reach_field(row: &Value, column: &str) -> Value {
    let nested = |object: &str, key: &str| row[object][key].clone();
    match column {
        "population_year" => nested("population", "year"),
        "population_children" => nested("population", "children"),
        "children_age_from" => nested("population", "children_age_from"),
        "children_age_to" => nested("population", "children_age_to"),
        "population_source" => nested("population", "source"),
        "population_lag_years" => nested("population", "lag_years"),
        "inhabitants_year" => nested("inhabitants", "year"),
        "inhabitants" => nested("inhabitants", "total"),
        "inhabitants_source" => nested("inhabitants", "source"),
        "inhabitants_lag_years" => nested("inhabitants", "lag_years"),
        c => row.get(c).cloned().unwrap_or(Value::Null),
    }
}

/// Where a sessions CSV/XLSX column's value is in a JSON session: the
/// details are flat columns named `<object>_<field>`.
fn session_field(row: &Value, column: &str) -> Value {
    for object in ["schedule", "venue", "registration", "cost", "accessibility"] {
        if let Some(field) = column
            .strip_prefix(object)
            .and_then(|c| c.strip_prefix('_'))
        {
            return row[object].get(field).cloned().unwrap_or(Value::Null);
        }
    }
    row.get(column).cloned().unwrap_or(Value::Null)
}

fn data(v: &Value) -> Vec<Value> {
    v["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_reach_workbook_holds_the_figures_of_the_json_typed() {
    let app = TestApp::with_demo_sessions(400, 7).await;
    let query = "group_by=municipality,year&county=19&from=2023&to=2025";
    let json = app.reach(query).await.ok_json();
    let rows = data(&json);
    assert!(rows.len() > 10, "enough rows to compare: {json}");
    assert!(
        rows.iter()
            .any(|r| r["women"].is_number() && r["vulnerable_area_share"].is_number()),
        "published breakdowns and rates are compared: {json}"
    );

    let reply = app.reach(&format!("{query}&format=xlsx")).await;
    let book = Workbook::of(&reply);
    assert_rows_match(&book, &rows, reach_field);
    // Codes stay text: "1980", never the number 1980.
    assert!(matches!(&book.rows()[0][0], Data::String(s) if s.len() == 4));
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"reach-municipality-year-19-2023_2025.xlsx\"")
    );

    // Asked for by Accept, the same workbook.
    let by_accept = app
        .get_with(&format!("/v1/reach?{query}"), &[("accept", XLSX)])
        .await;
    assert_rows_match(&Workbook::of(&by_accept), &rows, reach_field);
}

#[tokio::test]
async fn the_om_data_sheet_says_what_the_file_is_and_how_it_is_protected() {
    let app = TestApp::with_demo_sessions(200, 3).await;
    let reply = app
        .reach("group_by=municipality&county=19&from=2024&to=2024&format=xlsx")
        .await;
    let book = Workbook::of(&reply);
    assert_eq!(
        book.about[0]
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
        ["Uppgift / Item", "Svenska", "English"]
    );
    let (url, _) = book.about("Fil / File");
    assert!(
        url.ends_with("/v1/reach?group_by=municipality&county=19&from=2024&to=2024&format=xlsx"),
        "{url}"
    );
    let (retrieved, _) = book.about("Hämtad");
    let at = retrieved
        .parse::<DateTime<Utc>>()
        .unwrap_or_else(|e| panic!("{retrieved}: {e}"));
    assert!((Utc::now() - at).num_minutes().abs() < 5, "{retrieved}");
    let (sv, en) = book.about("Källa / Source");
    assert!(
        sv.contains("kommunerna") && en.contains("municipalities"),
        "{sv} / {en}"
    );
    // The population as the rows state it: year, age band and source.
    let (sv, en) = book.about("Befolkning, barn");
    assert!(sv.contains("barn 0–15 år den 31 december 2018"), "{sv}");
    assert!(
        en.contains("children aged 0–15 on 31 December 2018"),
        "{en}"
    );
    assert!(sv.contains("SCB") && en.contains("SCB"), "{sv}");
    // The disclosure rule with the configured k, and what is exact.
    let (sv, en) = book.about("Röjandekontroll");
    assert!(sv.contains("mellan 1 och 4 (k = 5"), "{sv}");
    assert!(en.contains("between 1 and 4 (k = 5"), "{en}");
    let (_, en) = book.about("Exakt / Exact");
    assert!(en.contains("enrolled") && en.contains("exact"), "{en}");
    let (sv, en) = book.about("Licens / Licence");
    assert!(sv.contains("CC0") && en.contains("CC0"), "{sv}");
}

#[tokio::test]
async fn an_indicators_workbook_holds_the_figures_of_the_json() {
    let app = TestApp::with_demo_sessions(400, 11).await;
    let json = app.indicators("year=2025").await.ok_json();
    // The CSV's and workbook's rows: one per area and indicator.
    let mut flat = Vec::new();
    for area in json["areas"].as_array().cloned().unwrap_or_default() {
        for i in area["indicators"].as_array().cloned().unwrap_or_default() {
            flat.push(serde_json::json!({
                "year": json["year"], "complete": json["complete"],
                "level": area["level"], "code": area["code"], "name": area["name"],
                "indicator": i["id"], "label_sv": i["label"]["sv"], "label_en": i["label"]["en"],
                "value": i["value"], "unit": i["unit"], "previous_value": i["previous_value"],
                "change": i["change"], "change_note": i["change_note"], "note": i["note"],
                "detail": i["detail"],
            }));
        }
    }
    assert!(flat.len() > 100, "county and ten municipalities");

    let reply = app.indicators("year=2025&format=xlsx").await;
    let book = Workbook::of(&reply);
    assert_rows_match(&book, &flat, |row, column| row[column].clone());
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"indicators-19-2025.xlsx\"")
    );
    let (sv, _) = book.about("Befolkning, barn");
    assert!(sv.contains("barn 0–15 år"), "{sv}");
    book.about("Röjandekontroll");

    // Indicators have no NDJSON, xlsx or not.
    let ndjson = app.indicators("year=2025&format=ndjson").await;
    assert_bad_parameter(&ndjson, "/v1/indicators", "format");
}

#[tokio::test]
async fn a_sessions_workbook_holds_every_matching_session() {
    let app = TestApp::with_demo_sessions(1_500, 5).await;
    let path = "/v1/sessions?municipality=1980";
    let all = app.get(&format!("{path}&format=ndjson")).await.ndjson();
    assert!(all.len() > 100, "more than a JSON page: {}", all.len());

    let reply = app.get(&format!("{path}&format=xlsx")).await;
    let book = Workbook::of(&reply);
    assert!(
        all.iter().any(|s| !s["schedule"].is_null()),
        "the demo fills details of upcoming sessions"
    );
    assert_rows_match(&book, &all, session_field);
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"sessions-1980.xlsx\"")
    );
    book.about("Källa / Source");
}

#[tokio::test]
async fn an_outcome_values_workbook_holds_the_values_as_published() {
    let app = TestApp::new().await;
    let dir = std::env::temp_dir().join(format!("fst-xo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("o.csv");
    let text = "kpi,municipality,year,gender,value,status,count,source\n\
        N15428,1980,2022,T,81.5,,1,Test file\nN15428,1980,2023,T,,M,1,Test file\n\
        N15428,0019,2023,T,79,,1,Test file\n";
    std::fs::write(&file, text).unwrap();
    api::tools::outcomes::import_file(&app.db, &file, false)
        .await
        .expect("import");
    let path = "/v1/outcomes/N15428/values?county=19";
    let json = app.get(path).await.ok_json();
    let reply = app.get(&format!("{path}&format=xlsx")).await;
    let book = Workbook::of(&reply);
    assert_rows_match(&book, &data(&json), |row, column| {
        row.get(column).cloned().unwrap_or(Value::Null)
    });
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"outcomes-N15428.xlsx\"")
    );
    assert!(book.about("Källa / Source").0.contains("Kolada"));
}

#[tokio::test]
async fn a_population_workbook_holds_the_series() {
    let app = TestApp::new().await;
    let json = app
        .get("/v1/municipalities/1980/population")
        .await
        .ok_json();
    let reply = app
        .get("/v1/municipalities/1980/population?format=xlsx")
        .await;
    let book = Workbook::of(&reply);
    assert_rows_match(&book, &data(&json), |row, column| {
        row.get(column).cloned().unwrap_or(Value::Null)
    });
    assert_eq!(
        reply.header("content-disposition"),
        Some("attachment; filename=\"population-1980.xlsx\"")
    );
    let (sv, _) = book.about("Källa / Source");
    assert!(sv.contains("SCB"), "{sv}");
}
