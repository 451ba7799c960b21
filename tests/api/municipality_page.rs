//! A page per municipality (`/kommun/{code}`, `/en/municipality/{code}`):
//! its reach beside the county's, its indicators beside the county's and
//! last year's, its population with the source, its upcoming courses and
//! downloads — each figure the one the API gives for the same question.

use chrono::{Datelike, Duration, Utc};
use serde_json::Value;

use crate::helpers::reach_fixtures::{counts, insert, session, People};
use crate::helpers::{indicator, indicator_area, TestApp};

/// Västerås and Arboga in 2024 and 2025, and a course in Västerås next month.
async fn known(app: &TestApp) {
    let soon = (Utc::now().date_naive() + Duration::days(30)).to_string();
    let mut upcoming = session("1980", "komet", "open", &soon);
    upcoming.provider = Some("Familjecentralen Skallberget".into());
    insert(
        &app.db,
        vec![
            counts(
                session("1980", "abc", "completed", "2024-03-01"),
                People {
                    enrolled: 40,
                    completed: 30,
                    women: 25,
                    men: 15,
                    vulnerable: 6,
                    respondents: 30,
                    satisfied: 25,
                },
            ),
            counts(
                session("1980", "abc", "completed", "2025-03-01"),
                People {
                    enrolled: 60,
                    completed: 50,
                    women: 35,
                    men: 25,
                    vulnerable: 9,
                    respondents: 40,
                    satisfied: 33,
                },
            ),
            counts(
                session("1984", "abc", "completed", "2025-04-01"),
                People {
                    enrolled: 20,
                    completed: 18,
                    women: 12,
                    men: 8,
                    vulnerable: 2,
                    respondents: 10,
                    satisfied: 9,
                },
            ),
            upcoming,
        ],
    )
    .await;
}

/// The text of an HTML fragment, tags dropped and spaces squeezed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Swedish number formatting as the page writes it (one decimal, comma).
fn sv(v: f64) -> String {
    format!("{v:.1}").replace('.', ",")
}

#[tokio::test]
async fn a_municipality_page_shows_what_the_api_answers() {
    let app = TestApp::new().await;
    known(&app).await;
    let reply = app.get("/kommun/1980?year=2025").await;
    reply.assert_status_is_ok();
    assert!(reply.content_type().starts_with("text/html"));
    let html = reply.text();
    assert!(html.contains(r#"<html lang="sv">"#));
    assert!(html.contains("<h1>Föräldraskapsstöd i Västerås</h1>"));
    assert!(
        html.contains(r#"hreflang="en" href="http://localhost/en/municipality/1980""#)
            || html.contains(r#"/en/municipality/1980""#)
    );

    // The trend: each year's figure for Västerås and for the county, as /v1/reach has them.
    let own = app.reach("group_by=year&municipality=1980").await.ok_json();
    let county = app.reach("group_by=year&county=19").await.ok_json();
    let table = text(&html);
    for year in [2024, 2025] {
        let rate = |v: &Value| {
            v["data"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["year"] == year))
                .and_then(|r| r["reach_per_1000_children"].as_f64())
                .unwrap_or(-1.0)
        };
        let row = format!("{year} {} {}", sv(rate(&own)), sv(rate(&county)));
        assert!(table.contains(&row), "no trend row '{row}' in {table}");
    }
    assert!(table.contains("Nämnare: barn 0–15 år den 31 december 2018"));

    // The indicators: Västerås 2025, the county 2025, Västerås 2024.
    let v = app
        .indicators("year=2025&municipality=1980")
        .await
        .ok_json();
    let vas = indicator(indicator_area(&v, "1980"), "reach_per_1000_children");
    let cty = indicator(indicator_area(&v, "19"), "reach_per_1000_children");
    let row = format!(
        "{} {} {}",
        sv(vas["value"].as_f64().unwrap_or(-1.0)),
        sv(cty["value"].as_f64().unwrap_or(-1.0)),
        sv(vas["previous_value"].as_f64().unwrap_or(-1.0))
    );
    assert!(table.contains(&row), "no indicator row '{row}'");

    // The population, with its source; no children figure for 2024 is said, not zeroed.
    assert!(
        table.contains("2018 152 078 29 025 (0–15 år) SCB"),
        "{table}"
    );
    assert!(table.contains("2024 160 634 uppgift saknas SCB folkmängd 2024-12-31"));

    // The upcoming course, and the downloads of this municipality.
    assert!(table.contains("Familjecentralen Skallberget"));
    for link in [
        "/v1/reach?group_by=year&amp;municipality=1980&amp;format=csv",
        "/v1/indicators?year=2025&amp;municipality=1980&amp;county=19&amp;format=csv",
        "/v1/municipalities/1980/population?format=csv",
        "/v1/sessions.ics?municipality=1980",
    ] {
        assert!(html.contains(link), "no download {link}");
    }
    // Each CSV has its workbook beside it.
    assert!(html.contains(
        r#"<a href="/v1/reach?group_by=year&amp;municipality=1980&amp;format=xlsx">Excel"#
    ));
    let county = app.page("year=2025").await.text();
    assert!(county.contains("/v1/indicators?year=2025&amp;county=19&amp;format=xlsx"));
    // Arboga's figures are not Västerås'.
    assert!(!table.contains("Arboga 2025"));
}

#[tokio::test]
async fn the_english_page_and_the_county_page_link_to_it() {
    let app = TestApp::new().await;
    known(&app).await;
    let en = app.get("/en/municipality/1980").await;
    en.assert_status_is_ok();
    let html = en.text();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("<h1>Parenting support in Västerås</h1>"));
    assert!(
        html.contains(r#"href="/kommun/1980""#),
        "the language switch"
    );
    // The default year is the last whole one.
    let last = Utc::now().year() - 1;
    assert!(html.contains(&format!("Indicators {last}, Västerås")));

    // Every municipality of the county is linked from the county page.
    let county = app.page("year=2025").await.text();
    for code in [
        "1904", "1907", "1960", "1961", "1962", "1980", "1981", "1982", "1983", "1984",
    ] {
        assert!(
            county.contains(&format!(r#"href="/kommun/{code}?year=2025""#)),
            "{code}"
        );
    }
    let county_en = app.page_en("year=2025").await.text();
    assert!(county_en.contains(r#"href="/en/municipality/1980?year=2025""#));
}

#[tokio::test]
async fn a_wrong_address_gets_a_page_for_people_not_json() {
    let app = TestApp::new().await;
    for (path, status, words) in [
        ("/kommun/9999", 404, "Det finns ingen kommun med koden 9999"),
        ("/kommun/abc", 404, "Det finns ingen kommun med koden abc"),
        (
            "/en/municipality/0000",
            404,
            "There is no municipality with the code 0000",
        ),
        ("/kommun/1980?year=abc", 400, "year"),
        ("/sv/", 404, "Det finns ingen sida på adressen /sv/"),
        ("/favicon.ico", 404, "Sidan finns inte"),
        (
            "/en/nothing-here",
            404,
            "There is no page at /en/nothing-here",
        ),
    ] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, status, "{path}");
        assert!(
            reply.content_type().starts_with("text/html"),
            "{path}: {}",
            reply.content_type()
        );
        assert!(reply.text().contains(words), "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
    }
    // The API's own errors stay problem+json, whoever asks.
    let api = app.get_with("/v1/nope", &[("Accept", "text/html")]).await;
    assert_eq!(api.status, 404);
    api.assert_content_type("application/problem+json");
}

#[tokio::test]
async fn a_municipality_page_is_cached_and_revalidated() {
    let app = TestApp::new().await;
    known(&app).await;
    let first = app.get("/kommun/1980").await;
    let etag = first.header("etag").map(str::to_owned).unwrap_or_default();
    assert!(!etag.is_empty());
    let again = app
        .get_with("/kommun/1980", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status, 304);
    // A write moves the page on.
    insert(
        &app.db,
        vec![session("1980", "abc", "completed", "2025-05-01")],
    )
    .await;
    let after = app
        .get_with("/kommun/1980", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(after.status, 200);
}
