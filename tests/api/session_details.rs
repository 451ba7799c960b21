//! What a parent needs to join a session (schedule, venue, registration,
//! cost, places left, accessibility): written once, read back identically
//! in every format, kept when an older client leaves it out, refused field
//! by field when wrong, and shown as meetings in the calendar.

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::TestApp;
use crate::page::in_days;

const DETAILS: [&str; 5] = ["schedule", "venue", "registration", "cost", "accessibility"];

/// The first Tuesday at least a week ahead, so the session is upcoming.
fn next_tuesday() -> NaiveDate {
    let mut d = in_days(7);
    while d.weekday() != chrono::Weekday::Tue {
        d += Duration::days(1);
    }
    d
}

/// A planned session of 8 weekly meetings on Tuesdays 17:30–19:00, with one
/// week off, and every detail filled.
pub(crate) fn full(external_id: &str) -> (Value, NaiveDate) {
    let start = next_tuesday();
    let off = start + Duration::weeks(2);
    let mut body = session_json(external_id, &start.to_string());
    for (k, v) in [
        ("status", json!("open")),
        ("enrolled", json!(4)),
        ("completed", json!(0)),
        ("women", json!(2)),
        ("men", json!(2)),
        ("vulnerable_area", json!(0)),
        ("satisfaction_respondents", Value::Null),
        ("satisfied", Value::Null),
        ("meetings", json!(8)),
        ("capacity", json!(14)),
        ("end_date", json!((start + Duration::weeks(9)).to_string())),
        (
            "schedule",
            json!({ "weekday": "tuesday", "except_dates": [off.to_string()],
                    "start_time": "17:30", "end_time": "19:00", "note": "Fika från 17.15" }),
        ),
        (
            "venue",
            json!({ "name": "Familjecentralen Bäckby", "street_address": "Bäckbyvägen 2, ingång B",
                    "postal_code": "723 46", "town": "Västerås", "latitude": 59.629, "longitude": 16.472 }),
        ),
        (
            "registration",
            json!({ "url": "https://example.org/anmalan?kurs=abc&termin=vt", "email": "kurs@example.org",
                    "phone": "+46 21-39 00 00", "instructions": "Skriv barnets ålder, tack",
                    "deadline": (start - Duration::days(3)).to_string() }),
        ),
        (
            "cost",
            json!({ "free": false, "amount_sek": 200, "note": "Kursbok ingår" }),
        ),
        ("places_left", json!(9)),
        (
            "accessibility",
            json!({ "interpreter_on_request": true, "step_free_access": false, "note": "Hiss saknas" }),
        ),
    ] {
        body[k] = v;
    }
    (body, start)
}

fn details_of(v: &Value) -> Value {
    let mut out = json!({});
    for k in DETAILS.iter().chain(&["places_left"]) {
        out[*k] = v[*k].clone();
    }
    out
}

/// What the write sent, as a reader gets it back (every field of each object named).
fn expected(body: &Value) -> Value {
    let mut want = details_of(body);
    let objects: [(&str, &[&str]); 5] = [
        (
            "schedule",
            &[
                "weekday",
                "dates",
                "except_dates",
                "start_time",
                "end_time",
                "note",
            ],
        ),
        (
            "venue",
            &[
                "name",
                "street_address",
                "postal_code",
                "town",
                "latitude",
                "longitude",
            ],
        ),
        (
            "registration",
            &["url", "email", "phone", "instructions", "deadline"],
        ),
        ("cost", &["free", "amount_sek", "note"]),
        (
            "accessibility",
            &["interpreter_on_request", "step_free_access", "note"],
        ),
    ];
    for (object, fields) in objects {
        for f in fields {
            if want[object].get(*f).is_none() {
                want[object][*f] = Value::Null;
            }
        }
    }
    want
}

#[tokio::test]
async fn a_session_with_every_detail_reads_back_identically_in_every_format() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let (body, _) = full("VT-1");
    let reply = app.put_session(Some(&key), "1980", "VT-1", &body).await;
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let want = expected(&body);

    assert_eq!(details_of(&reply.json()), want, "the owner's answer");
    let public = app.get(&format!("/v1/sessions/{id}")).await.ok_json();
    assert_eq!(details_of(&public), want, "GET /v1/sessions/{{id}}");
    let listed = app.get("/v1/sessions?municipality=1980").await.ok_json();
    assert_eq!(details_of(&listed["data"][0]), want, "the JSON list");
    let ndjson = app
        .get("/v1/sessions?municipality=1980&format=ndjson")
        .await
        .ndjson();
    assert_eq!(details_of(&ndjson[0]), want, "NDJSON");
    let feed = app.changes(None, Some("session"), None).await.ok_json();
    let change = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(id))
        .expect("the session's change");
    assert_eq!(details_of(&change["data"]), want, "the change feed");

    // The CSV: every detail flat, in its own column, and the same values.
    let csv = app.get("/v1/sessions?municipality=1980&format=csv").await;
    let text = csv.text();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| {
        let i = headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        row[i].to_owned()
    };
    assert_eq!(cell("schedule_weekday"), "tuesday");
    assert_eq!(
        cell("schedule_except_dates"),
        body["schedule"]["except_dates"][0].as_str().unwrap()
    );
    assert_eq!(cell("schedule_start_time"), "17:30");
    assert_eq!(cell("schedule_dates"), "");
    assert_eq!(cell("venue_street_address"), "Bäckbyvägen 2, ingång B");
    assert_eq!(cell("venue_latitude"), "59.629");
    assert_eq!(
        cell("registration_url"),
        "https://example.org/anmalan?kurs=abc&termin=vt"
    );
    assert_eq!(
        cell("registration_deadline"),
        body["registration"]["deadline"].as_str().unwrap()
    );
    assert_eq!(cell("cost_free"), "false");
    assert_eq!(cell("cost_amount_sek"), "200");
    assert_eq!(cell("places_left"), "9");
    assert_eq!(cell("accessibility_interpreter_on_request"), "true");
    assert_eq!(cell("accessibility_note"), "Hiss saknas");
}

#[tokio::test]
async fn the_calendar_has_one_timed_event_per_meeting_skipping_the_week_off() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let (body, start) = full("VT-2");
    let reply = app.put_session(Some(&key), "1980", "VT-2", &body).await;
    let id = reply.json()["id"].as_str().unwrap().to_owned();

    let one = app.session_calendar(&id).await;
    assert_eq!(
        one.header("content-disposition"),
        Some(format!("attachment; filename=\"kurs-abc-{start}.ics\"").as_str())
    );
    let feed = app.sessions_calendar("municipality=1980").await;
    assert_eq!(
        feed.header("content-disposition"),
        Some("attachment; filename=\"sessions-1980.ics\"")
    );
    for text in [one.text(), feed.text()] {
        let unfolded = text.replace("\r\n ", "");
        let starts: Vec<&str> = unfolded
            .lines()
            .filter_map(|l| l.trim_end().strip_prefix("DTSTART;TZID=Europe/Stockholm:"))
            .collect();
        let mut want = Vec::new();
        let mut day = start;
        while want.len() < 8 {
            if day != start + Duration::weeks(2) {
                want.push(format!("{}T173000", day.format("%Y%m%d")));
            }
            day += Duration::weeks(1);
        }
        assert_eq!(starts, want, "{text}");
        assert_eq!(unfolded.matches("DTEND;TZID=Europe/Stockholm:").count(), 8);
        assert!(unfolded.contains(&format!(
            "DTEND;TZID=Europe/Stockholm:{}T190000",
            start.format("%Y%m%d")
        )));
        assert!(unfolded.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Stockholm"));
        assert!(unfolded.contains(
            "LOCATION:Familjecentralen Bäckby\\, Bäckbyvägen 2\\, ingång B\\, 723 46 Västerås"
        ));
        assert!(unfolded.contains("SUMMARY:") && unfolded.contains("träff 8 av 8"));
        assert!(
            unfolded.contains("Språk: svenska"),
            "language names, not codes"
        );
        assert!(unfolded.contains(&format!("URL:http://localhost/kurs/{id}")));
        assert_eq!(unfolded.matches("STATUS:CONFIRMED").count(), 8);
    }
}

#[tokio::test]
async fn an_older_client_that_leaves_the_details_out_keeps_them_and_null_clears_one() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let (body, start) = full("VT-3");
    app.put_session(Some(&key), "1980", "VT-3", &body)
        .await
        .assert_status(poem::http::StatusCode::CREATED);
    let stored = expected(&body);

    // The same session as an old client sends it: nothing it does not know.
    let mut old = body.clone();
    for k in DETAILS.iter().chain(&["places_left"]) {
        old.as_object_mut().unwrap().remove(*k);
    }
    let reply = app.put_session(Some(&key), "1980", "VT-3", &old).await;
    reply.assert_status_is_ok();
    reply.assert_header("write-result", "unchanged");
    assert_eq!(details_of(&reply.json()), stored);

    // A real change from the old client: the details stay.
    old["provider"] = json!("Öppna förskolan");
    let reply = app.put_session(Some(&key), "1980", "VT-3", &old).await;
    reply.assert_header("write-result", "updated");
    assert_eq!(details_of(&reply.json()), stored);

    // Both batch modes keep them too.
    for mode in ["upsert", "replace"] {
        old["provider"] = json!(format!("Familjecentralen ({mode})"));
        let reply = app
            .post_batch(&key, "1980", &json!({ "mode": mode, "sessions": [old] }))
            .await;
        reply.assert_status_is_ok();
        let own = app.get_own_session(&key, "1980", "VT-3").await.ok_json();
        assert_eq!(details_of(&own), stored, "after a batch {mode}");
    }

    // null clears exactly the one detail named.
    let mut clear = old.clone();
    clear["venue"] = Value::Null;
    clear["places_left"] = Value::Null;
    app.put_session(Some(&key), "1980", "VT-3", &clear)
        .await
        .assert_status_is_ok();
    let own = app.get_own_session(&key, "1980", "VT-3").await.ok_json();
    assert_eq!(own["venue"], Value::Null);
    assert_eq!(own["schedule"], stored["schedule"]);
    assert_eq!(own["cost"], stored["cost"]);
    // Without the municipality's own figure, places left are capacity − enrolled.
    assert_eq!(own["places_left"], json!(14 - 4));
    let _ = start;
}

#[tokio::test]
async fn places_left_are_derived_only_while_a_parent_can_sign_up() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let mut body = session_json("P-1", &in_days(10).to_string());
    body["status"] = json!("planned");
    body["capacity"] = json!(12);
    body["enrolled"] = json!(12);
    for k in ["completed", "women", "men", "vulnerable_area"] {
        body[k] = json!(0);
    }
    body["satisfaction_respondents"] = Value::Null;
    body["satisfied"] = Value::Null;
    let reply = app.put_session(Some(&key), "1980", "P-1", &body).await;
    assert_eq!(reply.json()["places_left"], json!(0), "full");
    body["status"] = json!("ongoing");
    let reply = app.put_session(Some(&key), "1980", "P-1", &body).await;
    assert_eq!(
        reply.json()["places_left"],
        Value::Null,
        "nothing to take once under way"
    );
    body["status"] = json!("open");
    body.as_object_mut().unwrap().remove("capacity");
    let reply = app.put_session(Some(&key), "1980", "P-1", &body).await;
    assert_eq!(
        reply.json()["places_left"],
        Value::Null,
        "unknown stays unknown, never 0"
    );
}

#[tokio::test]
async fn wrong_details_are_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    let (mut body, start) = full("BAD-1");
    body["delivery"] = json!("digital");
    body["capacity"] = json!(5);
    body["schedule"] = json!({ "weekday": "tuesday", "dates": [start.to_string()],
                               "except_dates": [(start + Duration::days(1)).to_string()],
                               "start_time": "25:00", "end_time": "17:00", "colour": "red" });
    body["venue"]["latitude"] = json!(16.47);
    body["registration"] = json!({ "url": "javascript:alert(1)", "email": "nobody", "phone": "ring mig",
                                   "deadline": (start + Duration::weeks(20)).to_string() });
    body["cost"] = json!({ "free": true, "amount_sek": 100 });
    body["accessibility"] = json!({});
    let reply = app.put_session(Some(&key), "1980", "BAD-1", &body).await;
    assert_eq!(reply.status.as_u16(), 422, "{}", reply.text());
    let problem = reply.json();
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    for p in [
        "/schedule/dates",
        "/schedule/except_dates/0",
        "/schedule/start_time",
        "/schedule/colour",
        "/venue",
        "/venue/latitude",
        "/registration/url",
        "/registration/email",
        "/registration/phone",
        "/registration/deadline",
        "/cost/amount_sek",
        "/accessibility/note",
        "/places_left",
    ] {
        assert!(pointers.contains(&p), "{p} missing from {pointers:?}");
    }
    let detail = |p: &str| {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["pointer"] == json!(p))
            .map(|e| e["detail"].as_str().unwrap().to_owned())
            .unwrap()
    };
    assert!(
        detail("/venue/latitude").contains("swapped"),
        "{}",
        detail("/venue/latitude")
    );
    assert!(detail("/venue").contains("digital"));
    let listed = app.get("/v1/sessions?municipality=1980").await.ok_json();
    assert_eq!(listed["data"], json!([]), "nothing written");

    // A weekly rule that runs past end_date is named with its last meeting.
    let (mut body, start) = full("BAD-2");
    body["end_date"] = json!((start + Duration::weeks(5)).to_string());
    let reply = app.put_session(Some(&key), "1980", "BAD-2", &body).await;
    assert_eq!(reply.status.as_u16(), 422);
    let last = start + Duration::weeks(8);
    assert!(
        reply
            .text()
            .contains(&format!("the last meeting falls on {last}")),
        "{}",
        reply.text()
    );
}
