//! The calendar feed: upcoming sessions as RFC 5545 events, and one session's
//! event for an "add to calendar" link.

use serde_json::json;

use crate::helpers::{assert_bad_parameter, assert_problem, TestApp};
use crate::page::{in_days, put, upcoming, upcoming_with};

/// The content lines of an iCalendar text, unfolded, after checking that every
/// physical line ends in CRLF and is at most 75 octets.
fn lines(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"));
    let physical: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    let mut out: Vec<String> = Vec::new();
    for line in physical {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
        match line.strip_prefix(' ') {
            Some(rest) => out.last_mut().expect("a first line").push_str(rest),
            None => out.push(line.to_owned()),
        }
    }
    out
}

/// The events of a calendar, each as its content lines.
fn events(text: &str) -> Vec<Vec<String>> {
    let all = lines(text);
    assert_eq!(all.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(all.last().map(String::as_str), Some("END:VCALENDAR"));
    for required in ["VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"] {
        assert!(all.iter().any(|l| l == required), "{required}");
    }
    assert!(all.iter().any(|l| l.starts_with("PRODID:")));
    let mut out = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for l in all {
        match l.as_str() {
            "BEGIN:VEVENT" => current = Some(Vec::new()),
            "END:VEVENT" => out.push(current.take().expect("open event")),
            _ => {
                if let Some(c) = current.as_mut() {
                    c.push(l);
                }
            }
        }
    }
    out
}

fn field<'a>(event: &'a [String], name: &str) -> Option<&'a str> {
    event
        .iter()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')))
}

#[tokio::test]
async fn the_feed_lists_upcoming_sessions_as_all_day_events() {
    let app = TestApp::new().await;
    let start = in_days(7);
    let mut body = upcoming_with(
        "open",
        json!({ "area": "Bäckby, norra", "provider": "Familjecentralen; Bäckby" }),
    );
    body["end_date"] = json!((start + chrono::Duration::days(30)).to_string());
    let open = put(&app, "1980", "open", start, body).await;
    let cancelled = put(&app, "1980", "off", in_days(14), upcoming("cancelled")).await;
    let past = put(&app, "1980", "past", in_days(-10), json!({})).await;
    let other = put(&app, "1904", "elsewhere", in_days(7), upcoming("planned")).await;

    let reply = app.sessions_calendar("municipality=1980").await;
    reply.assert_status_is_ok();
    reply.assert_content_type("text/calendar; charset=utf-8");
    assert!(reply.header("etag").is_some());
    let text = reply.text();
    assert!(!text.contains(&past) && !text.contains(&other));
    let events = events(&text);
    assert_eq!(events.len(), 2, "{text}");
    let e = &events[0];
    assert_eq!(
        field(e, "UID"),
        Some(format!("{open}@foraldraskapsstod").as_str())
    );
    assert!(field(e, "DTSTAMP").is_some_and(|s| s.len() == 16 && s.ends_with('Z')));
    let day = |d: chrono::NaiveDate| d.format("%Y%m%d").to_string();
    assert_eq!(field(e, "DTSTART;VALUE=DATE"), Some(day(start).as_str()));
    assert_eq!(
        field(e, "DTEND;VALUE=DATE"),
        Some(day(start + chrono::Duration::days(31)).as_str()),
        "DTEND is the day after the end date"
    );
    let abc = app.get("/v1/programmes/abc").await.json()["name"]["sv"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        field(e, "SUMMARY").map(str::to_owned),
        Some(abc.replace(',', "\\,").replace(';', "\\;"))
    );
    assert_eq!(field(e, "LOCATION"), Some("Västerås\\, Bäckby\\, norra"));
    assert!(field(e, "DESCRIPTION")
        .unwrap()
        .contains("Familjecentralen\\; Bäckby"));
    assert_eq!(
        field(e, "URL"),
        Some(format!("http://localhost/kurs/{open}").as_str()),
        "the course's page"
    );
    assert_eq!(field(e, "STATUS"), Some("CONFIRMED"));
    assert_eq!(
        field(&events[1], "UID"),
        Some(format!("{cancelled}@foraldraskapsstod").as_str())
    );
    assert_eq!(field(&events[1], "STATUS"), Some("CANCELLED"));
    // A planned course may still move or not happen: tentative, not confirmed.
    let planned = app.sessions_calendar("municipality=1904").await.text();
    assert!(planned.contains(&other), "{planned}");
    assert_eq!(
        field(&crate::calendar::events(&planned)[0], "STATUS"),
        Some("TENTATIVE")
    );
}

#[tokio::test]
async fn the_feed_takes_the_list_filters_and_rejects_bad_ones() {
    let app = TestApp::new().await;
    put(&app, "1980", "sv", in_days(3), upcoming("open")).await;
    let ar = put(
        &app,
        "1980",
        "ar",
        in_days(3),
        upcoming_with("open", json!({ "languages": ["ar"] })),
    )
    .await;
    let text = app.sessions_calendar("language=ar").await.text();
    assert_eq!(events(&text).len(), 1);
    assert!(text.contains(&ar));
    assert_eq!(
        events(&app.sessions_calendar("municipality=1904").await.text()).len(),
        0
    );
    assert_bad_parameter(
        &app.sessions_calendar("municipality=12").await,
        "/v1/sessions.ics",
        "municipality",
    );
    assert_eq!(app.sessions_calendar("delivery=post").await.status, 400);
}

#[tokio::test]
async fn one_session_has_its_own_calendar_file() {
    let app = TestApp::new().await;
    let id = put(&app, "1980", "one", in_days(-100), json!({})).await;
    let reply = app.session_calendar(&id).await;
    reply.assert_status_is_ok();
    let events = events(&reply.text());
    assert_eq!(
        events.len(),
        1,
        "past sessions too: the link is to that session"
    );
    assert_eq!(
        field(&events[0], "UID"),
        Some(format!("{id}@foraldraskapsstod").as_str())
    );
    let missing = "00000000-0000-0000-0000-000000000000";
    assert_problem(
        &app.session_calendar(missing).await,
        404,
        &format!("/v1/sessions/{missing}/calendar.ics"),
    );
    assert_bad_parameter(
        &app.session_calendar("nope").await,
        "/v1/sessions/nope/calendar.ics",
        "id",
    );
}
