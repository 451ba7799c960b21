//! The finder built for parents (`/hitta-stod`, `/en/find-support`), as a
//! parent in Hallstahammar with a four-year-old uses it, without JavaScript.

use chrono::{Duration, Utc};
use entity::session;

use crate::helpers::reach_fixtures::{insert, session};
use crate::helpers::TestApp;

fn days(n: i64) -> String {
    (Utc::now().date_naive() + Duration::days(n)).to_string()
}

fn open_to_others(mut s: session::Model) -> session::Model {
    s.open_to_other_municipalities = true;
    s
}

/// Hallstahammar (1961) holds nothing; its neighbours hold courses, some
/// open to other municipalities' residents.
async fn county(app: &TestApp) {
    let mut rows = vec![
        // Joinable: open to others, ages 3–12.
        open_to_others(session("1980", "abc", "open", &days(10))),
        // Joinable: digital, open to others.
        {
            let mut s = open_to_others(session("1904", "komet", "planned", &days(40)));
            s.delivery = "digital".into();
            s
        },
        // Joinable: open for sign-up though it started last week.
        open_to_others(session("1984", "abc", "open", &days(-5))),
        // Not joinable: Västerås residents only.
        session("1980", "abc", "open", &days(12)),
        // Not for a four-year-old: ABC Tonår is 13–18.
        open_to_others(session("1980", "abc-tonar", "open", &days(14))),
        // Cancelled, and another county's.
        open_to_others(session("1980", "abc", "cancelled", &days(16))),
        open_to_others(session("0180", "abc", "open", &days(18))),
        // Over: completed last year.
        open_to_others(session("1980", "abc", "completed", &days(-300))),
    ];
    for i in 0..22 {
        rows.push(open_to_others(session(
            "1983",
            "triple-p",
            "planned",
            &days(60 + i),
        )));
    }
    for (i, r) in rows.iter_mut().enumerate() {
        r.capacity = Some(12);
        r.enrolled = (i % 5) as i32;
    }
    insert(&app.db, rows).await;
}

#[tokio::test]
async fn a_parent_in_hallstahammar_finds_every_course_open_to_them_and_pages_through_them() {
    let app = TestApp::new().await;
    county(&app).await;
    let first = app.get("/hitta-stod?municipality=1961&child_age=4").await;
    first.assert_status_is_ok();
    first.assert_content_type("text/html; charset=utf-8");
    let html = first.text();
    // 3 + 22 joinable, 20 to a page.
    assert!(
        html.contains("25 kurser du kan gå, för dig som bor i Hallstahammar"),
        "{html}"
    );
    assert_eq!(html.matches(r#"<li class="session"#).count(), 20);
    assert!(html.contains("Sida 1 av 2"));
    // Open for sign-up first: the one under way, then the one in ten days.
    let koping = html.find("I Arboga – öppen även för dig som bor i en annan kommun.");
    let vasteras = html.find("I Västerås – öppen även för dig som bor i en annan kommun.");
    assert!(
        koping.is_some() && koping < vasteras,
        "open ones first, by start"
    );
    assert!(html.contains("Öppen för anmälan – du kan anmäla dig nu."));
    assert!(html.contains("Planerad – anmälan har inte öppnat än."));
    assert!(html.contains("Digitalt (Skinnskatteberg)"));
    assert!(html.contains("Platser kvar"));
    assert!(!html.contains("ABC Tonår"), "not for a four-year-old");
    assert!(!html.contains("I Stockholm –"), "another county's courses");
    // The next page, by a plain link.
    let next = "/hitta-stod?municipality=1961&amp;child_age=4&amp;page=2#results-h";
    assert!(html.contains(&format!(r#"href="{next}" rel="next""#)));
    let second = app
        .get("/hitta-stod?municipality=1961&child_age=4&page=2")
        .await
        .text();
    assert_eq!(second.matches(r#"<li class="session"#).count(), 5);
    assert!(second.contains("Sida 2 av 2"));
    // The language switch keeps the search.
    assert!(html.contains(r#"href="/en/find-support?municipality=1961&amp;child_age=4""#));
    let en = app
        .get("/en/find-support?municipality=1961&child_age=4")
        .await
        .text();
    assert!(en.contains("25 courses you can join, for residents of Hallstahammar"));
    assert!(en.contains("Open for registration – you can sign up now."));
}

#[tokio::test]
async fn the_finder_asks_first_and_lists_municipalities_alphabetically() {
    let app = TestApp::new().await;
    let html = app.get("/hitta-stod").await.text();
    assert!(html.contains("Välj var du bor, så visas kurserna du kan gå."));
    let at = |name: &str| {
        html.find(&format!(">{name}</option>"))
            .unwrap_or(usize::MAX)
    };
    assert!(at("Ale") < at("Alingsås") && at("Alingsås") < at("Västerås"));
    assert!(at("Ystad") < at("Åmål") && at("Åmål") < at("Älmhult") && at("Älmhult") < at("Örebro"));
    assert!(at("Örebro") < usize::MAX);
    // The home page offers it first, in its header and at the top.
    let home = app.page("").await.text();
    let header = home.find(r#"<li><a href="/hitta-stod">Hitta stöd</a></li>"#);
    let reach = home.find(r##"<li><a href="#reach-h">"##);
    assert!(header.is_some() && header < reach, "first in the header");
    assert!(home.contains(r#"<a class="button" href="/hitta-stod">"#));
}

#[tokio::test]
async fn a_bad_search_gets_a_page_saying_what() {
    let app = TestApp::new().await;
    for (query, parameter) in [
        ("municipality=12", "municipality"),
        ("municipality=1961&child_age=abc", "child_age"),
        ("municipality=1961&language=xx", "language"),
        ("municipality=1961&page=0", "page"),
    ] {
        let reply = app.get(&format!("/hitta-stod?{query}")).await;
        assert_eq!(reply.status, 400, "{query}");
        reply.assert_content_type("text/html; charset=utf-8");
        assert!(reply.text().contains(parameter), "{query}");
    }
    let unknown = app.get("/hitta-stod?municipality=9999").await;
    assert_eq!(unknown.status, 400);
    unknown.assert_content_type("text/html; charset=utf-8");
}
