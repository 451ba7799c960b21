//! A page per programme (`/program/{slug}`, `/en/programme/{slug}`): what it
//! is as far as the catalogue's sources say, and its next courses.

use chrono::{Duration, Utc};

use crate::helpers::reach_fixtures::{insert, session};
use crate::helpers::TestApp;

#[tokio::test]
async fn a_programme_page_says_what_the_catalogue_knows_and_nothing_more() {
    let app = TestApp::new().await;
    let soon = (Utc::now().date_naive() + Duration::days(20)).to_string();
    let mut course = session("1980", "abc", "open", &soon);
    course.provider = Some("Familjecentralen Vallby".into());
    insert(&app.db, vec![course]).await;

    let reply = app.get("/program/abc").await;
    reply.assert_status_is_ok();
    reply.assert_content_type("text/html; charset=utf-8");
    let html = reply.text();
    let api = app.get("/v1/programmes/abc").await.ok_json();
    assert!(html.contains(&format!(
        "<h1>{}</h1>",
        api["name"]["sv"].as_str().unwrap_or("?")
    )));
    assert!(html.contains("föräldrar till barn 3–12 år"));
    assert!(html.contains("universell – för alla föräldrar"));
    assert!(html.contains("Ingen bedömning av SBU eller annan svensk myndighet har hittats"));
    // Every source of the catalogue, as a link; the website is unknown, and says so.
    for url in api["evidence"]["sources"].as_array().into_iter().flatten() {
        let url = url.as_str().unwrap_or_default().replace('&', "&amp;");
        assert!(html.contains(&format!(r#"<a href="{url}">"#)), "{url}");
    }
    assert!(html.contains("<dt>Webbplats</dt><dd>uppgift saknas</dd>"));
    // Its next course in the county, and the finder's cards link here.
    assert!(html.contains("Familjecentralen Vallby"));
    let finder = app.get("/hitta-stod?municipality=1980").await.text();
    assert!(finder.contains(r#"<a href="/program/abc">"#));

    let en = app.get("/en/programme/komet").await.text();
    assert!(en.contains("SBU rated the scientific support as insufficient to judge the effects."));
    assert!(en.contains("No upcoming courses in the county."));
}

#[tokio::test]
async fn an_unknown_programme_is_a_404_page() {
    let app = TestApp::new().await;
    let reply = app.get("/program/no-such-thing").await;
    assert_eq!(reply.status, 404);
    reply.assert_content_type("text/html; charset=utf-8");
    assert!(reply
        .text()
        .contains("Det finns inget program som heter no-such-thing"));
    let en = app.get("/en/programme/no-such-thing").await;
    assert_eq!(en.status, 404);
    assert!(en
        .text()
        .contains("There is no programme called no-such-thing"));
}
