//! The population series through HTTP: what a fresh database serves, the
//! latest year on a municipality, the admin PUT (auth, validation, 201/200,
//! the data version) and CSV. Loading files is in `population_import.rs`.

use crate::helpers::{assert_bad_parameter, assert_problem, TestApp};
use api::store::feed::data_version;
use serde_json::{json, Value};

const POPULATION_2024: &str = include_str!("../../migration/data/population-2024.csv");

async fn series(app: &TestApp, code: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/v1/municipalities/{code}/population"))
        .await;
    assert_eq!(reply.status, 200, "{code}: {}", reply.text());
    let body = reply.json();
    assert!(body["next_cursor"].is_null() && body["next"].is_null());
    body["data"].as_array().expect("data").clone()
}

async fn put(
    app: &TestApp,
    key: Option<&str>,
    code: &str,
    year: &str,
    body: &Value,
) -> (u16, Value) {
    app.put_population(key, code, year, body)
        .await
        .status_and_json()
}

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_fresh_database_serves_a_series_for_all_290() {
    let app = TestApp::new().await;
    let mut sum_2024 = 0;
    for line in POPULATION_2024.lines().skip(1) {
        let cells: Vec<&str> = line.splitn(5, ',').collect();
        let (code, total) = (cells[0], cells[3].parse::<i64>().unwrap());
        let rows = series(&app, code).await;
        let last = rows.last().unwrap_or_else(|| panic!("{code} has no rows"));
        assert_eq!(last["year"], 2024, "{code}");
        assert_eq!(last["total"], total, "{code}");
        assert!(last["children"].is_null(), "{code}");
        sum_2024 += last["total"].as_i64().unwrap();
        // Outside Västmanland the 2024 total is the only figure.
        if !code.starts_with("19") {
            assert_eq!(rows.len(), 1, "{code}: {rows:?}");
        }
    }
    assert_eq!(sum_2024, 10_587_710);

    let vasteras = series(&app, "1980").await;
    assert_eq!(vasteras.len(), 2);
    let y2018 = &vasteras[0];
    assert_eq!(
        (
            y2018["year"].clone(),
            y2018["total"].clone(),
            y2018["children"].clone()
        ),
        (json!(2018), json!(152_078), json!(29_025))
    );
    assert_eq!(
        (
            y2018["children_age_from"].clone(),
            y2018["children_age_to"].clone()
        ),
        (json!(0), json!(15))
    );
    assert!(y2018["source"].as_str().unwrap().contains("Regionfakta"));
    assert!(y2018["updated_at"].is_string());
    assert_eq!(vasteras[1]["year"], 2024);
    assert_eq!(vasteras[1]["total"], 160_634);
    assert!(vasteras[1]["source"].as_str().unwrap().contains("Kolada"));

    let stockholm = series(&app, "0180").await;
    assert_eq!(stockholm.len(), 1);
    assert_eq!(stockholm[0]["year"], 2024);

    let reply = app.get("/v1/municipalities/9999/population").await;
    assert_problem(&reply, 404, "/v1/municipalities/9999/population");
    let reply = app.get("/v1/municipalities/19800/population").await;
    assert_bad_parameter(&reply, "/v1/municipalities/19800/population", "code");
}

#[tokio::test]
async fn the_series_is_also_csv() {
    let app = TestApp::new().await;
    for (uri, headers) in [
        ("/v1/municipalities/1980/population?format=csv", vec![]),
        (
            "/v1/municipalities/1980/population",
            vec![("accept", "text/csv")],
        ),
    ] {
        let reply = app.get_with(uri, &headers).await;
        assert_eq!(reply.status, 200, "{uri}");
        assert!(reply.content_type().starts_with("text/csv"), "{uri}");
        let text = reply.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "year,total,children,children_age_from,children_age_to,source,updated_at"
        );
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines[1].starts_with("2018,152078,29025,0,15,SCB"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("2024,160634,,,,SCB"), "{}", lines[2]);
    }
}

/// `/v1/population`: every municipality's series as one table, each row
/// the same year as the municipality's own series says, a county's alone
/// with `county`, and a write seen at once.
#[tokio::test]
async fn every_series_is_one_table() {
    let app = TestApp::new().await;
    let all = app.get("/v1/population").await.ok_json();
    let rows = all["data"].as_array().expect("data");
    assert!(all["next_cursor"].is_null() && all["next"].is_null());
    let keys: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            (
                r["municipality_code"].as_str().unwrap().to_owned(),
                r["year"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "by municipality code, then year");
    let codes: std::collections::BTreeSet<&str> = keys.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(codes.len(), 290);
    // The same figures as the municipality's own series.
    let vasteras: Vec<&Value> = rows
        .iter()
        .filter(|r| r["municipality_code"] == "1980")
        .collect();
    let own = series(&app, "1980").await;
    assert_eq!(vasteras.len(), own.len());
    for (row, year) in vasteras.iter().zip(&own) {
        for field in [
            "year",
            "total",
            "children",
            "children_age_from",
            "children_age_to",
            "source",
        ] {
            assert_eq!(row[field], year[field], "{field}");
        }
        assert_eq!(row["municipality_name"], "Västerås");
        assert_eq!(row["county_code"], "19");
    }

    let county = app.get("/v1/population?county=19").await.ok_json();
    let county_rows = county["data"].as_array().unwrap();
    assert!(county_rows.iter().all(|r| r["county_code"] == "19"));
    assert_eq!(
        county_rows
            .iter()
            .filter(|r| !r["children"].is_null())
            .count(),
        10,
        "Västmanland's ten have children for 2018"
    );
    assert_bad_parameter(
        &app.get("/v1/population?county=99").await,
        "/v1/population",
        "county",
    );

    let admin = app.key(None).await;
    let body = json!({ "total": 170_000, "source": "test" });
    assert_eq!(put(&app, Some(&admin), "1980", "2025", &body).await.0, 201);
    let after = app.get("/v1/population?county=19&format=csv").await;
    assert_eq!(
        after.header("content-disposition"),
        Some("attachment; filename=\"population-19.csv\"")
    );
    assert!(after
        .text()
        .lines()
        .any(|l| l.starts_with("1980,Västerås,19,2025,170000,,,,test,")));
    let workbook = app.get("/v1/population?format=xlsx").await;
    assert_eq!(workbook.status, 200);
    assert_eq!(
        workbook.header("content-disposition"),
        Some("attachment; filename=\"population.xlsx\"")
    );
}

#[tokio::test]
async fn population_on_a_municipality_is_its_latest_year() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let body = json!({"total": 161_000, "children": 35_000, "children_age_from": 0,
                      "children_age_to": 17, "source": "SCB BE0101N1 test"});
    assert_eq!(put(&app, Some(&admin), "1980", "2025", &body).await.0, 201);
    // An earlier year joins the series without becoming the latest.
    let older = json!({"total": 120_000, "source": "SCB, test"});
    assert_eq!(put(&app, Some(&admin), "1980", "1990", &older).await.0, 201);

    let m = app.get("/v1/municipalities/1980").await.json();
    let p = &m["population"];
    assert_eq!(
        (p["year"].clone(), p["children"].clone()),
        (json!(2025), json!(35_000))
    );
    assert_eq!(
        (p["children_age_from"].clone(), p["children_age_to"].clone()),
        (json!(0), json!(17))
    );
    assert!(
        p.get("updated_at").is_none(),
        "the municipality's shape is unchanged"
    );

    let list = app.get("/v1/municipalities?county=19").await.json();
    let listed = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "1980")
        .unwrap();
    assert_eq!(listed["population"]["year"], 2025);
    let other = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == "1981")
        .unwrap();
    assert_eq!(other["population"]["year"], 2024);

    let csv = app
        .get("/v1/municipalities?county=19&format=csv")
        .await
        .text();
    let row = csv.lines().find(|l| l.starts_with("1980,")).unwrap();
    assert!(
        row.contains(",2025,161000,35000,0,17,SCB BE0101N1"),
        "{row}"
    );
    assert_eq!(series(&app, "1980").await.len(), 4);
}

#[tokio::test]
async fn only_an_admin_key_writes_population() {
    let app = TestApp::new().await;
    let body = json!({"total": 161_000, "source": "SCB, test"});
    let uri = "/v1/municipalities/1980/population/2025";
    let (status, p) = put(&app, None, "1980", "2025", &body).await;
    assert_eq!((status, p["instance"].as_str()), (401, Some(uri)), "{p}");
    let own = app.key(Some("1980")).await;
    let (status, p) = put(&app, Some(&own), "1980", "2025", &body).await;
    assert_eq!(status, 403, "{p}");
    assert_eq!(
        put(&app, Some("fst_unknown"), "1980", "2025", &body)
            .await
            .0,
        401
    );
    assert_eq!(series(&app, "1980").await.len(), 2, "nothing was written");

    let admin = app.key(None).await;
    let (status, row) = put(&app, Some(&admin), "1980", "2025", &body).await;
    assert_eq!(status, 201, "{row}");
    assert_eq!(
        (row["year"].clone(), row["total"].clone()),
        (json!(2025), json!(161_000))
    );
    assert!(row["children"].is_null());

    let (status, p) = put(&app, Some(&admin), "9999", "2025", &body).await;
    assert_eq!(status, 404, "{p}");
    for (code, year, parameter) in [
        ("19800", "2025", "code"),
        ("1980", "1967", "year"),
        ("1980", "2101", "year"),
        ("1980", "later", "year"),
    ] {
        let (status, p) = put(&app, Some(&admin), code, year, &body).await;
        assert_eq!(status, 400, "{code}/{year}: {p}");
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["parameter"] == parameter),
            "{p}"
        );
    }
}

#[tokio::test]
async fn invalid_bodies_are_422s_that_change_nothing() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let version = data_version(&app.db).await.unwrap();
    let cases = [
        (
            json!({"total": 100, "children": 101, "children_age_from": 0, "children_age_to": 17, "source": "s"}),
            vec!["/children"],
        ),
        (
            json!({"total": 100, "children": 10, "source": "s"}),
            vec!["/children_age_from", "/children_age_to"],
        ),
        (
            json!({"total": 100, "source": "s", "inhabitants": 5}),
            vec!["/inhabitants"],
        ),
        (json!({"source": "s"}), vec![""]),
        (
            json!({"total": -1, "source": ""}),
            vec!["/total", "/source"],
        ),
        (
            json!({"children": 10, "children_age_from": 12, "children_age_to": 3, "source": "s"}),
            vec!["/children_age_to"],
        ),
        (
            json!({"children": 10, "children_age_from": 0, "children_age_to": 21, "source": "s"}),
            vec!["/children_age_to"],
        ),
        (
            json!({"total": "many", "children_age_from": 0, "source": "s"}),
            vec!["/total", "/children_age_from"],
        ),
        (
            json!({"total": 100, "source": "x".repeat(501)}),
            vec!["/source"],
        ),
        (json!([1, 2]), vec![""]),
    ];
    for (body, expected) in cases {
        let (status, p) = put(&app, Some(&admin), "1980", "2025", &body).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(p["type"], "http://localhost/problems/validation");
        assert_eq!(pointers(&p), expected, "{body}: {p}");
    }
    let status = app
        .put_population_raw(&admin, "1980", "2025", "{not json")
        .await
        .status;
    assert_eq!(status, 400);
    assert_eq!(series(&app, "1980").await.len(), 2);
    assert_eq!(data_version(&app.db).await.unwrap(), version);
}

#[tokio::test]
async fn a_put_creates_then_updates_and_an_unchanged_one_moves_nothing() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let reach = "/v1/reach?group_by=municipality&county=19";
    let etag = app.get(reach).await.header("etag").unwrap().to_owned();
    let v0 = data_version(&app.db).await.unwrap();

    let body = json!({"total": 161_000, "source": "SCB, test"});
    let (status, created) = put(&app, Some(&admin), "1980", "2025", &body).await;
    assert_eq!(status, 201);
    let v1 = data_version(&app.db).await.unwrap();
    assert!(v1 > v0, "a created year moves the data version");
    let again = app.get_with(reach, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 200, "reach's ETag moved with the population");

    let (status, same) = put(&app, Some(&admin), "1980", "2025", &body).await;
    assert_eq!(status, 200);
    assert_eq!(same["updated_at"], created["updated_at"]);
    assert_eq!(
        data_version(&app.db).await.unwrap(),
        v1,
        "unchanged moves nothing"
    );

    // A year's row is replaced whole: the 2018 children of Västerås can be corrected.
    let fixed = json!({"total": 152_078, "children": 29_026, "children_age_from": 0,
                       "children_age_to": 15, "source": "SCB, corrected"});
    let (status, row) = put(&app, Some(&admin), "1980", "2018", &fixed).await;
    assert_eq!((status, row["children"].clone()), (200, json!(29_026)));
    assert!(data_version(&app.db).await.unwrap() > v1);
    let rows = series(&app, "1980").await;
    assert_eq!(rows[0]["source"], "SCB, corrected");
    assert_ne!(rows[0]["updated_at"], created["updated_at"]);
}
