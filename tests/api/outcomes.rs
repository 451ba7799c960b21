//! `/v1/outcomes` and `/v1/outcomes/{id}/values`, and `outcomes import`.
//! Every value here is synthetic and lives only in these tests.

use std::path::PathBuf;

use api::store::feed::data_version;
use api::tools::outcomes::import_file;
use serde_json::{json, Value};

use crate::helpers::{assert_bad_parameter, assert_problem, cli, TestApp};

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fst-out-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn effect(list: &Value, n: i64) -> &Value {
    list["effects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["number"] == n)
        .unwrap()
}

#[tokio::test]
async fn the_six_effects_are_listed_with_their_measures_or_why_there_is_none() {
    let app = TestApp::new().await;
    let list = app.get("/v1/outcomes").await.ok_json();
    assert_eq!(list["effects"].as_array().unwrap().len(), 6);
    for n in [1, 4] {
        let e = effect(&list, n);
        assert_eq!(e["municipal_measure"], false, "{e}");
        assert_eq!(e["measures"], json!([]), "{e}");
        assert!(e["no_measure_en"]
            .as_str()
            .unwrap()
            .contains("No public measure"));
        assert!(e["no_measure_sv"].is_string());
    }
    let six = effect(&list, 6);
    assert_eq!(six["municipal_measure"], false);
    assert_eq!(six["measures"], json!(["N33820"]));
    assert!(six["regional_survey"]
        .as_str()
        .unwrap()
        .contains("Liv och hälsa ung"));
    let five = effect(&list, 5);
    assert_eq!(five["measures"], json!(["N15428", "N15507", "N15508"]));
    assert_eq!(five["municipal_measure"], true);

    // Nothing is verified and nothing is held until an operator loads it.
    let data = list["data"].as_array().unwrap();
    for id in ["N15428", "N15507", "N66077"] {
        assert!(data.iter().any(|m| m["id"] == id), "{id}");
    }
    for m in data {
        assert_eq!(m["verification"], "to_verify", "{m}");
        assert_eq!(m["verified"], false);
        assert_eq!(m["years"], json!([]));
        assert!(m["definition_sv"].is_null());
    }

    // The measures as CSV and NDJSON too; values of a catalogued measure: none yet.
    let csv = app.get("/v1/outcomes?format=csv").await;
    assert_eq!(csv.csv_rows().len(), data.len() + 1);
    assert_eq!(
        app.get("/v1/outcomes?format=ndjson").await.ndjson().len(),
        data.len()
    );
    let none = app.get("/v1/outcomes/N15428/values").await.ok_json();
    assert_eq!(none["data"], json!([]));
    assert!(none["next_cursor"].is_null());
}

#[tokio::test]
async fn bad_outcome_queries_are_clear_problems() {
    let app = TestApp::new().await;
    let reply = app.get("/v1/outcomes/N99999/values").await;
    assert_problem(&reply, 404, "/v1/outcomes/N99999/values");
    for (query, parameter) in [
        ("municipality=9999", "municipality"),
        ("municipality=19800", "municipality"),
        ("county=99", "county"),
        ("from=2024&to=2020", "to"),
        ("cursor=abc", "cursor"),
    ] {
        let path = "/v1/outcomes/N15428/values";
        let reply = app.get(&format!("{path}?{query}")).await;
        assert_bad_parameter(&reply, path, parameter);
    }
    for path in [
        "/v1/outcomes/n15428/values",
        "/v1/outcomes/N15428/values?gender=girls",
        "/v1/outcomes/N15428/values?from=20x4",
        "/v1/outcomes/N15428/values?limit=0",
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status.as_u16(), 400, "{path}: {}", reply.text());
        assert!(
            reply.content_type().starts_with("application/problem+json"),
            "{path}"
        );
    }
}

const CSV: &str = "kpi,municipality,year,gender,value,status,count,source\n\
    N15428,1980,2022,T,81.5,,1,Synthetic test file\n\
    N15428,1980,2023,T,,M,1,Synthetic test file\n\
    N15428,1980,2023,K,84.25,,1,Synthetic test file\n\
    N15428,0019,2023,T,79,,1,Synthetic test file\n\
    N15428,0000,2023,T,80,,1,Synthetic test file\n\
    N15428,1984,2023,T,70,,1,Synthetic test file\n\
    N15428,0180,2023,T,90,,1,Synthetic test file\n";

#[tokio::test]
async fn an_imported_csv_is_read_back_page_by_page_with_its_gaps_and_statuses() {
    let app = TestApp::new().await;
    let file = temp_file("outcomes.csv", CSV);
    let v0 = data_version(&app.db).await.unwrap();
    // Read (and cached) before the import: the import must move it on.
    let cached = app
        .get("/v1/outcomes/N15428/values?county=19&limit=2")
        .await
        .ok_json();
    assert_eq!(cached["data"], json!([]));
    let dry = import_file(&app.db, &file, true).await.expect("dry run");
    assert_eq!(dry.total().created, 7);
    assert_eq!(data_version(&app.db).await.unwrap(), v0);
    let done = import_file(&app.db, &file, false).await.expect("import");
    assert_eq!(done.total().created, 7);
    assert!(data_version(&app.db).await.unwrap() > v0);

    // County 19: its municipalities, itself and the country; not Stockholm.
    let page1 = app
        .get("/v1/outcomes/N15428/values?county=19&limit=2")
        .await
        .ok_json();
    let mut rows: Vec<Value> = page1["data"].as_array().unwrap().clone();
    let next = page1["next"].as_str().expect("a next page").to_owned();
    let path = next[next.find("/v1/").unwrap()..].to_owned();
    let mut cursor_page = app.get(&path).await.ok_json();
    rows.extend(cursor_page["data"].as_array().unwrap().iter().cloned());
    while let Some(n) = cursor_page["next"].as_str().map(str::to_owned) {
        cursor_page = app.get(&n[n.find("/v1/").unwrap()..]).await.ok_json();
        rows.extend(cursor_page["data"].as_array().unwrap().iter().cloned());
    }
    let keys: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["area_code"].as_str().unwrap(),
                r["year"],
                r["gender"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            "0000 2023 total",
            "0019 2023 total",
            "1980 2022 total",
            "1980 2023 total",
            "1980 2023 women",
            "1984 2023 total"
        ]
    );
    let gap = &rows[3];
    assert_eq!(
        (gap["value"].clone(), gap["status"].clone()),
        (Value::Null, json!("M"))
    );
    assert_eq!(gap["source"], "Synthetic test file");
    assert_eq!(rows[4]["value"], json!(84.25));

    // The same values as CSV and NDJSON (whole, not paged), with the filters.
    let csv = app
        .get("/v1/outcomes/N15428/values?county=19&from=2023&format=csv")
        .await;
    let csv = csv.csv_rows();
    assert_eq!(csv.len(), 1 + 5);
    assert_eq!(csv[0][0], "kpi");
    let gap_row = csv
        .iter()
        .find(|r| r[2] == "1980" && r[7] == "total")
        .unwrap();
    assert_eq!((gap_row[8].as_str(), gap_row[9].as_str()), ("", "M"));
    let nd = app
        .get_with(
            "/v1/outcomes/N15428/values?gender=women",
            &[("accept", "application/x-ndjson")],
        )
        .await
        .ndjson();
    assert_eq!(nd.len(), 1);

    // Filters intersect: Västerås is not in Stockholm's county.
    let none = app
        .get("/v1/outcomes/N15428/values?county=01&municipality=1980")
        .await
        .ok_json();
    let areas: Vec<&str> = none["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["area_code"].as_str().unwrap())
        .collect();
    assert_eq!(areas, ["0000"]);

    // The imported KPI's years; its metadata was not read, so still to verify.
    let list = app.get("/v1/outcomes").await.ok_json();
    let m = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "N15428")
        .unwrap()
        .clone();
    assert_eq!(m["years"], json!([2022, 2023]));
    assert_eq!(m["verification"], "to_verify");

    // Importing again changes nothing.
    let again = import_file(&app.db, &file, false).await.expect("again");
    assert_eq!((again.total().created, again.total().unchanged), (0, 7));
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}

#[tokio::test]
async fn a_bad_file_names_every_bad_line_and_writes_nothing() {
    let app = TestApp::new().await;
    let bad = "kpi,municipality,year,gender,value,source\n\
               N15428,1980,2023,T,80,s\n\
               N1542,1980,2023,T,80,s\n\
               N15428,1980,1800,X,eighty,s\n\
               N15428,9999,2023,T,80,s\n";
    let file = temp_file("bad.csv", bad);
    let err = import_file(&app.db, &file, false)
        .await
        .expect_err("bad file");
    let lines: Vec<&str> = err.problems.iter().map(String::as_str).collect();
    assert!(lines.iter().any(|p| p.starts_with("line 3: kpi")), "{err}");
    assert_eq!(
        lines.iter().filter(|p| p.starts_with("line 4")).count(),
        3,
        "{err}"
    );
    assert!(!lines.iter().any(|p| p.starts_with("line 2")), "{err}");

    // Well-formed, but an area that is not a municipality: named by its line.
    let unknown = temp_file(
        "unknown.csv",
        "kpi,municipality,year,gender,value,source\n\
                                            N15428,9999,2023,T,80,s\n",
    );
    let err = import_file(&app.db, &unknown, false)
        .await
        .expect_err("unknown area");
    assert!(
        err.problems[0].starts_with("line 2: N15428: no municipality"),
        "{err}"
    );

    // A broken JSON answer is named by its path.
    let json = temp_file(
        "answer.json",
        r#"{"values": [{"kpi": "N15428", "municipality": "1980", "period": 2023, "values": [{"gender": "X", "value": 1}]}]}"#,
    );
    let err = import_file(&app.db, &json, false)
        .await
        .expect_err("bad JSON");
    assert!(
        err.problems[0].starts_with("$.values[0].values[0].gender"),
        "{err}"
    );
    let none = app.get("/v1/outcomes/N15428/values").await.ok_json();
    assert_eq!(none["data"], json!([]));
}

#[tokio::test]
async fn the_binary_imports_a_kolada_answer_with_a_dry_run_first() {
    let answer = r#"{"count": 1, "next_url": null, "values": [
        {"kpi": "N15507", "municipality": "1980", "period": 2023,
         "values": [{"gender": "T", "count": 1, "status": "", "value": 230.5},
                    {"gender": "K", "count": 1, "status": "", "value": 245.0},
                    {"gender": "M", "count": 1, "status": "", "value": 216.0}]}]}"#;
    let file = temp_file("kolada.json", answer);
    let db = file.with_file_name("cli.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = ["outcomes", "import"].map(str::to_owned).to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend(["--database-url".to_owned(), url.clone()]);
        a
    };
    let path = file.to_str().unwrap();
    let (ok, out, err) = cli(args(&[path, "--dry-run"])).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("created 3, updated 0, unchanged 0, deleted 0") && out.contains("dry run"),
        "{out}"
    );
    let (ok, out, err) = cli(args(&[path])).await;
    assert!(ok && out.contains("created 3"), "{out}{err}");
    let (ok, _, err) = cli(args(&["/nonexistent/answer.json"])).await;
    assert!(!ok && err.contains("cannot read"), "{err}");
    let (ok, _, err) = cli([
        "outcomes",
        "fetch",
        "--kpi",
        "N1",
        "--years",
        "2020-2021",
        "--database-url",
        &url,
    ]
    .map(str::to_owned)
    .to_vec())
    .await;
    assert!(!ok && err.contains("--kpi"), "{err}");
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}
