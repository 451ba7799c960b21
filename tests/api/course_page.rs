//! `/kurs/{id}` and `/en/course/{id}`: when, where, what it costs and how to
//! sign up, and what is not stated said so.

use chrono::Duration;
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::TestApp;
use crate::page::in_days;
use crate::session_details::full;

#[tokio::test]
async fn the_course_page_answers_when_where_cost_and_how_to_sign_up() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let (body, start) = full("VT-4");
    let reply = app.put_session(Some(&key), "1980", "VT-4", &body).await;
    let id = reply.json()["id"].as_str().unwrap().to_owned();

    let page = app.get(&format!("/kurs/{id}")).await;
    page.assert_status_is_ok();
    page.assert_content_type("text/html; charset=utf-8");
    let html = page.text();
    for part in [
        "Tisdagar 17:30–19:00",
        "Familjecentralen Bäckby, Bäckbyvägen 2, ingång B, 723 46 Västerås",
        "200 kr – Kursbok ingår",
        r#"<a href="https://example.org/anmalan?kurs=abc&amp;termin=vt">Anmäl dig</a>"#,
        r#"<a href="mailto:kurs@example.org">"#,
        r#"<a href="tel:+4621390000">"#,
        "9 av 14",
        "Tolk kan bokas",
        "Öppen för anmälan",
    ] {
        assert!(html.contains(part), "{part} missing");
    }
    assert_eq!(
        html.matches("<time datetime=").count(),
        8,
        "every meeting listed"
    );
    assert!(html.contains(&format!(r#"<time datetime="{start}">"#)));
    assert!(
        !html.contains(&format!(
            r#"<time datetime="{}">"#,
            start + Duration::weeks(2)
        )),
        "the week off"
    );

    let en = app.get(&format!("/en/course/{id}")).await.text();
    assert!(
        en.contains("Tuesdays 17:30–19:00") && en.contains("Sign up") && en.contains("9 of 14")
    );

    for missing in [
        "/kurs/not-a-uuid",
        "/kurs/00000000-0000-0000-0000-000000000000",
    ] {
        let reply = app.get(missing).await;
        reply.assert_status(poem::http::StatusCode::NOT_FOUND);
        reply.assert_content_type("text/html; charset=utf-8");
        assert!(reply.text().contains("Kursen finns inte"));
    }
}

#[tokio::test]
async fn a_session_without_details_says_what_is_not_stated() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let mut body = session_json("BARE", &in_days(10).to_string());
    body["status"] = json!("planned");
    for k in ["enrolled", "completed", "women", "men", "vulnerable_area"] {
        body[k] = json!(0);
    }
    body["satisfaction_respondents"] = Value::Null;
    body["satisfied"] = Value::Null;
    let reply = app.put_session(Some(&key), "1980", "BARE", &body).await;
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let html = app.get(&format!("/kurs/{id}")).await.text();
    assert!(
        html.contains("<dt>Kostnad</dt><dd>uppgift saknas</dd>"),
        "unknown is not free"
    );
    assert!(html.contains("<dt>Anmälan</dt><dd>uppgift saknas</dd>"));
    assert!(html.contains("Kommunen har inte angett datum för de enskilda träffarna."));
    let ics = app.session_calendar(&id).await.text();
    assert_eq!(
        ics.matches("BEGIN:VEVENT").count(),
        1,
        "one all-day event over the span"
    );
    assert!(ics.contains("DTSTART;VALUE=DATE:"));
}
