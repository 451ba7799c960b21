//! Every CSV and XLSX download is an attachment named for what it holds, a
//! reach file says which period it holds, and a format not offered is a 400.

use calamine::Data;
use serde_json::Value;

use crate::helpers::{assert_bad_parameter, TestApp};
use crate::xlsx_downloads::Workbook;

#[tokio::test]
async fn every_csv_and_xlsx_download_is_an_attachment_named_for_what_it_holds() {
    let app = TestApp::with_demo_sessions(100, 2).await;
    for (url, name) in [
        (
            "/v1/reach?group_by=year&county=19&format=csv",
            "reach-year-19.csv",
        ),
        (
            "/v1/reach?group_by=quarter&municipality=1980&from=2024-Q2&to=2025-Q1&format=csv",
            "reach-quarter-1980-2024-Q2_2025-Q1.csv",
        ),
        (
            "/v1/indicators?year=2024&format=csv",
            "indicators-19-2024.csv",
        ),
        ("/v1/sessions?format=csv", "sessions.csv"),
        (
            "/v1/sessions?programme=komet&format=xlsx",
            "sessions-komet.xlsx",
        ),
        (
            "/v1/municipalities/1980/population?format=csv",
            "population-1980.csv",
        ),
        (
            "/v1/municipalities?county=19&format=csv",
            "municipalities-19.csv",
        ),
        ("/v1/programmes?format=csv", "programmes.csv"),
    ] {
        let reply = app.get(url).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.text_lossy());
        assert_eq!(
            reply.header("content-disposition"),
            Some(format!("attachment; filename=\"{name}\"").as_str()),
            "{url}"
        );
    }
    // JSON is an answer, not a download.
    let json = app.reach("group_by=year").await;
    assert_eq!(json.header("content-disposition"), None);
}

#[tokio::test]
async fn a_reach_file_filtered_by_period_says_which_period_it_holds() {
    let app = TestApp::with_demo_sessions(300, 4).await;
    let col = |rows: &[Vec<String>], name: &str| {
        rows[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", rows[0]))
    };

    // Not grouped by period: every row carries the query's period.
    let rows = app
        .reach("group_by=municipality&county=19&from=2024&to=2025&format=csv")
        .await
        .csv_rows();
    assert!(rows.len() > 2);
    let (from, to) = (col(&rows, "period_from"), col(&rows, "period_to"));
    for row in &rows[1..] {
        assert_eq!(
            (row[from].as_str(), row[to].as_str()),
            ("2024-Q1", "2025-Q4")
        );
    }

    // Grouped by year: each row its own year, within the query's quarters.
    let rows = app
        .reach("group_by=year&from=2023-Q3&to=2024-Q2&format=csv")
        .await
        .csv_rows();
    let (from, to, year) = (
        col(&rows, "period_from"),
        col(&rows, "period_to"),
        col(&rows, "year"),
    );
    let periods: Vec<_> = rows[1..]
        .iter()
        .map(|r| (r[year].as_str(), r[from].as_str(), r[to].as_str()))
        .collect();
    assert_eq!(
        periods,
        [
            ("2023", "2023-Q3", "2023-Q4"),
            ("2024", "2024-Q1", "2024-Q2")
        ]
    );

    // No `from`: empty period_from, from the first reported session; the
    // JSON says the same with null.
    let rows = app
        .reach("group_by=municipality&municipality=1980&to=2024&format=csv")
        .await
        .csv_rows();
    assert_eq!(rows[1][col(&rows, "period_from")], "");
    assert_eq!(rows[1][col(&rows, "period_to")], "2024-Q4");
    let json = app
        .reach("group_by=municipality&municipality=1980&to=2024")
        .await
        .ok_json();
    assert_eq!(json["data"][0]["period_from"], Value::Null);
    assert_eq!(json["data"][0]["period_to"], "2024-Q4");

    // The workbook carries them too.
    let book = Workbook::of(
        &app.reach("group_by=municipality&county=19&from=2024&to=2025&format=xlsx")
            .await,
    );
    let header = book.header();
    let at = header
        .iter()
        .position(|h| h == "period_from")
        .expect("column");
    assert_eq!(book.rows()[0][at], Data::String("2024-Q1".into()));
}

#[tokio::test]
async fn bad_or_unoffered_formats_are_400_problems_naming_format() {
    let app = TestApp::new().await;
    for (path, query) in [
        ("/v1/reach", "format=xls"),
        ("/v1/indicators", "format=excel"),
        ("/v1/sessions", "format=XLSX2"),
        ("/v1/municipalities/1980/population", "format=pdf"),
        // Offered where coordinators download; not for the catalogues.
        ("/v1/programmes", "format=xlsx"),
        ("/v1/municipalities", "format=xlsx"),
    ] {
        let reply = app.get(&format!("{path}?{query}")).await;
        assert_bad_parameter(&reply, path, "format");
    }
}
