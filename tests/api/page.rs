//! The public page at `/` and `/en/`: what a person sees, in both languages,
//! from the same figures as the API, cached like every public GET.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::TestApp;

const VASTMANLAND: [&str; 10] = [
    "Arboga",
    "Fagersta",
    "Hallstahammar",
    "Kungsör",
    "Köping",
    "Norberg",
    "Sala",
    "Skinnskatteberg",
    "Surahammar",
    "Västerås",
];

pub fn in_days(n: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(n)
}

/// Writes a session with `changes` over a valid body; returns its id.
pub async fn put(
    app: &TestApp,
    code: &str,
    external_id: &str,
    start: NaiveDate,
    changes: Value,
) -> String {
    let key = app.key(Some(code)).await;
    let mut body = session_json(external_id, &start.to_string());
    for (k, v) in changes.as_object().expect("object") {
        body[k] = v.clone();
    }
    let reply = app.put_session(Some(&key), code, external_id, &body).await;
    assert!(reply.status.is_success(), "{}", reply.text());
    reply.json()["id"].as_str().expect("id").to_owned()
}

/// A body for a session that has not started: nobody has completed it yet.
pub fn upcoming(status: &str) -> Value {
    upcoming_with(status, json!({}))
}

pub fn upcoming_with(status: &str, extra: Value) -> Value {
    let mut v = json!({ "status": status, "enrolled": 0, "completed": 0, "women": 0, "men": 0,
                        "vulnerable_area": 0, "satisfaction_respondents": 0, "satisfied": 0 });
    for (k, x) in extra.as_object().expect("object") {
        v[k] = x.clone();
    }
    v
}

#[tokio::test]
async fn the_page_charts_the_ten_vastmanland_municipalities_on_demo_data() {
    let app = TestApp::with_demo_sessions(3000, 42).await;
    let reply = app.page("year=2025").await;
    reply.assert_status_is_ok();
    reply.assert_content_type("text/html; charset=utf-8");
    let html = reply.text();
    assert!(html.starts_with("<!doctype html><html lang=\"sv\">"));
    for name in VASTMANLAND {
        assert!(
            html.contains(&format!("\">{name}</a></th>")),
            "{name} missing"
        );
    }
    let wide = html.split("reach-chart-narrow").next().unwrap();
    assert_eq!(
        wide.matches("<rect class=\"bar\"").count(),
        10,
        "one bar each"
    );
    assert!(
        html.contains("class=\"reference\""),
        "the county average is marked"
    );
    assert!(html
        .contains("role=\"img\" aria-labelledby=\"reach-chart-wide-title reach-chart-wide-desc\""));
    assert!(
        html.contains("Räckvidd per 1 000 barn"),
        "an indicator with its label"
    );
    assert!(
        html.contains("Påhittade exempeldata"),
        "the synthetic data is said plainly"
    );
    for link in [
        "/docs",
        "/v1/catalog",
        "/v1/sessions.ics",
        "creativecommons.org/publicdomain/zero/1.0",
    ] {
        assert!(html.contains(link), "link to {link}");
    }
}

#[tokio::test]
async fn the_page_declares_its_languages_and_landmarks() {
    let app = TestApp::new().await;
    let html = app.page("").await.text();
    for part in [
        "hreflang=\"sv\" href=\"http://localhost/\"",
        "hreflang=\"en\" href=\"http://localhost/en/\"",
        "<header",
        "<nav aria-label=",
        "<main id=\"main\"",
        "<footer",
        "class=\"skip\" href=\"#main\"",
        "<label for=\"f-municipality\">",
        "<label for=\"f-age\">",
        "<label for=\"f-language\">",
        "<label for=\"f-delivery\">",
    ] {
        assert!(html.contains(part), "{part} missing");
    }
    // Under a strict CSP nothing inline may run or style.
    assert!(!html.contains("<style"));
    assert!(!html.contains(" style="));
    assert!(!html.contains("<script>"));
}

#[tokio::test]
async fn the_english_page_is_at_en_and_by_lang_parameter() {
    let app = TestApp::new().await;
    let en = app.page_en("").await;
    en.assert_status_is_ok();
    assert!(en.text().contains("<html lang=\"en\">"));
    assert!(en.text().contains("Find a course"));
    assert!(en
        .text()
        .contains("href=\"/\" hreflang=\"sv\" lang=\"sv\">Svenska</a>"));
    assert!(app
        .page("lang=en")
        .await
        .text()
        .contains("<html lang=\"en\">"));
    let moved = app.get("/en").await;
    assert_eq!(moved.status, 308);
    moved.assert_header("location", "/en/");
}

#[tokio::test]
async fn a_withheld_figure_reads_too_few_never_zero() {
    let app = TestApp::new().await;
    let small = json!({ "enrolled": 3, "completed": 2, "women": 2, "men": 1, "vulnerable_area": 0,
                        "satisfaction_respondents": 2, "satisfied": 1 });
    put(
        &app,
        "1904",
        "small",
        NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
        small,
    )
    .await;
    // Three participants in the county: their satisfaction is withheld.
    let sv = app.page("year=2025").await.text();
    assert!(
        sv.contains("Andel nöjda</span>") && sv.contains("<td class=\"num\">för få</td>"),
        "{sv}"
    );
    let en = app.page_en("year=2025").await.text();
    assert!(en.contains("<td class=\"num\">too few</td>"));
    // Enrolment is exact, so the reach itself is shown.
    assert!(sv.contains(
        "<th scope=\"row\"><a href=\"/kommun/1904?year=2025\">Skinnskatteberg</a></th><td class=\"num\">4,3</td>"
    ));
}

#[tokio::test]
async fn the_finder_lists_upcoming_sessions_that_match_with_a_calendar_link() {
    let app = TestApp::new().await;
    let extra = json!({ "languages": ["ar"], "delivery": "digital", "area": "Bäckby" });
    let arabic = put(
        &app,
        "1980",
        "ar",
        in_days(10),
        upcoming_with("open", extra),
    )
    .await;
    let swedish = put(&app, "1904", "sv", in_days(20), upcoming("planned")).await;
    let past = put(&app, "1980", "old", in_days(-30), json!({})).await;
    let all = app.page("").await.text();
    assert!(all.contains(&format!("/v1/sessions/{arabic}/calendar.ics")));
    assert!(all.contains(&format!("/v1/sessions/{swedish}/calendar.ics")));
    assert!(
        !all.contains(&past),
        "a session that has started is not upcoming"
    );
    let found = app
        .page("municipality=1980&language=ar&delivery=digital&child_age=")
        .await
        .text();
    assert!(found.contains(&format!("/v1/sessions/{arabic}/calendar.ics")));
    assert!(!found.contains(&swedish));
    assert!(found.contains("<option value=\"1980\" selected>Västerås</option>"));
    let none = app.page("language=so").await.text();
    assert!(none.contains("Inga kommande omgångar matchar."));
}

#[tokio::test]
async fn stored_text_is_escaped_on_the_page() {
    let app = TestApp::new().await;
    let mut body = upcoming("open");
    body["provider"] = json!("<script>alert(1)</script>");
    body["area"] = json!("\"><img src=x>");
    put(&app, "1980", "x", in_days(5), body).await;
    let html = app.page("").await.text();
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<img src=x>"));
}

#[tokio::test]
async fn a_malformed_parameter_is_a_400_page_naming_it_and_an_empty_one_means_any() {
    let app = TestApp::new().await;
    for (reply, parameter, words) in [
        (
            app.page("year=twenty").await,
            "year",
            "Något i adressen går inte att läsa",
        ),
        (
            app.page("child_age=40").await,
            "child_age",
            "Något i adressen går inte att läsa",
        ),
        (
            app.page("delivery=post").await,
            "delivery",
            "Något i adressen går inte att läsa",
        ),
        (
            app.page_en("lang=de").await,
            "lang",
            "Something in the address cannot be read",
        ),
        (
            app.page("county=99").await,
            "county",
            "Något i adressen går inte att läsa",
        ),
        (
            app.page("municipality=0000").await,
            "municipality",
            "Något i adressen går inte att läsa",
        ),
    ] {
        assert_eq!(reply.status, 400, "{parameter}");
        reply.assert_content_type("text/html; charset=utf-8");
        let html = reply.text();
        assert!(
            html.contains(words) && html.contains(parameter),
            "{parameter}: {html}"
        );
    }
    app.page("municipality=&child_age=&language=&delivery=")
        .await
        .assert_status_is_ok();
}

#[tokio::test]
async fn the_page_has_an_etag_and_answers_304_while_nothing_changed() {
    let app = TestApp::new().await;
    let first = app.page("").await;
    let etag = first.header("etag").expect("etag").to_owned();
    assert!(first.header("cache-control").unwrap().starts_with("public"));
    let again = app.get_with("/", &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status, 304);
    put(&app, "1980", "new", in_days(3), upcoming("open")).await;
    let moved = app.get_with("/", &[("If-None-Match", &etag)]).await;
    assert_eq!(moved.status, 200, "a write moves the page's ETag");
}

#[tokio::test]
async fn the_stylesheet_and_script_are_embedded_and_cached_long() {
    let app = TestApp::new().await;
    let html = app.page("").await.text();
    for (path, kind) in [
        ("/assets/site.css", "text/css"),
        ("/assets/site.js", "text/javascript"),
    ] {
        assert!(
            html.contains(&format!("{path}?v=")),
            "{path} is linked with its version"
        );
        let reply = app.get(path).await;
        reply.assert_status_is_ok();
        assert!(reply.content_type().starts_with(kind));
        reply.assert_header("cache-control", "public, max-age=31536000, immutable");
    }
}

#[tokio::test]
async fn a_county_without_children_figures_is_charted_per_1000_inhabitants() {
    let app = TestApp::new().await;
    // Kiruna (Norrbotten, 25) has a 2024 population total and no children figure.
    put(
        &app,
        "2584",
        "k-1",
        NaiveDate::from_ymd_opt(2024, 3, 3).unwrap(),
        json!({}),
    )
    .await;
    let reach = app
        .reach("group_by=municipality&municipality=2584&from=2024&to=2024")
        .await
        .ok_json();
    let rate = reach["data"][0]["reach_per_1000_inhabitants"]
        .as_f64()
        .expect("a rate");
    let sv = app.page("county=25&year=2024").await.text();
    assert!(sv.contains("per 1 000 invånare"), "{sv}");
    assert!(!sv.contains("per 1 000 barn per kommun"), "{sv}");
    let shown = format!("{rate:.1}").replace('.', ",");
    assert!(
        sv.contains(&format!(
            "<th scope=\"row\"><a href=\"/kommun/2584?year=2024\">Kiruna</a></th><td class=\"num\">{shown}</td>"
        )),
        "Kiruna's {shown} per 1 000 inhabitants: {sv}"
    );
    let en = app.page_en("county=25&year=2024").await.text();
    assert!(en.contains("per 1,000 inhabitants"));
}
