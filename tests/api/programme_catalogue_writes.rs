//! Admin writes of the programme catalogue (`PUT /v1/programmes/{slug}`):
//! unknown facts may be left null, and every bad value is a 422
//! problem+json naming its field, never a 500.

use crate::helpers::TestApp;
use serde_json::{json, Value};

/// Status, content type and JSON body of an admin's PUT.
async fn put(app: &TestApp, key: &str, slug: &str, body: &Value) -> (u16, String, Value) {
    let reply = app.put_programme(key, slug, body).await;
    let (status, json) = reply.status_and_json();
    let content_type = reply.content_type().to_owned();
    (status, content_type, json)
}

#[tokio::test]
async fn an_admin_may_leave_facts_unknown_and_every_bad_value_is_a_422_naming_it() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let minimal = json!({"name": {"sv": "Ny metod", "en": "New method"}});
    let (status, _, p) = put(&app, &admin, "ny-metod", &minimal).await;
    assert_eq!(status, 201, "{p}");
    for field in [
        "age_min",
        "age_max",
        "prevention_levels",
        "formats",
        "typical_meetings",
    ] {
        assert_eq!(p[field], Value::Null, "{field}");
    }
    assert_eq!(
        p["evidence"],
        json!({"status": "unassessed", "summary": null, "sources": []})
    );
    assert_eq!(p["name_en_is_literal"], false);
    let reply = app.get("/v1/programmes?child_age=5").await;
    assert!(!reply.data_keys().contains(&"ny-metod".to_owned()));

    let full = json!({
        "name": {"sv": "Ny metod", "en": "New method"}, "name_en_is_literal": true,
        "age_min": 10, "age_max": 20, "prevention_levels": ["selective"], "formats": ["group"],
        "evidence": {"status": "limited", "summary": "SBU: limited support", "sources": ["https://www.sbu.se/a", "https://www.sbu.se/b"]},
        "verified": true
    });
    let (status, _, p) = put(&app, &admin, "ny-metod", &full).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["evidence"]["sources"], full["evidence"]["sources"]);
    assert_eq!(
        (p["name_en_is_literal"].clone(), p["age_max"].clone()),
        (json!(true), json!(20))
    );

    let with = |field: &str, value: Value| {
        let mut b = full.clone();
        b[field] = value;
        b
    };
    let evidence = |value: Value| with("evidence", value);
    for (body, pointer) in [
        (with("age_min", json!(21)), "/age_min"),
        (with("age_min", json!(-1)), "/age_min"),
        (with("age_min", json!("three")), "/age_min"),
        (with("age_max", json!(9)), "/age_max"),
        (with("prevention_levels", json!([])), "/prevention_levels"),
        (with("formats", json!(["by_post"])), "/formats/0"),
        (
            with("name_en_is_literal", json!("yes")),
            "/name_en_is_literal",
        ),
        (
            with("catalogue_source", json!("https://x.se")),
            "/catalogue_source",
        ),
        (with("colour", json!("blue")), "/colour"),
        (evidence(json!({"status": "limited"})), "/evidence/sources"),
        (
            evidence(json!({"status": "evaluated", "sources": ["https://x.se"]})),
            "/evidence/status",
        ),
        (
            evidence(json!({"status": "limited", "source_url": "https://x.se"})),
            "/evidence/source_url",
        ),
        (
            evidence(json!({"status": "limited", "sources": "https://x.se"})),
            "/evidence/sources",
        ),
        (
            evidence(json!({"status": "limited", "sources": ["ftp://x.se"]})),
            "/evidence/sources/0",
        ),
        (
            evidence(json!({"status": "limited", "sources": ["https://x.se/a b"]})),
            "/evidence/sources/0",
        ),
        (evidence(json!({"status": "unassessed"})), "/verified"),
    ] {
        let (status, content_type, problem) = put(&app, &admin, "ny-metod", &body).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(content_type, "application/problem+json", "{body}");
        let pointers: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["pointer"].as_str())
            .collect();
        assert!(
            pointers.contains(&pointer),
            "{body}: {pointers:?} lacks {pointer}"
        );
    }
    let (status, content_type, _) =
        put(&app, &admin, "ny-metod", &json!(["not", "an", "object"])).await;
    assert_eq!(
        (status, content_type.as_str()),
        (422, "application/problem+json")
    );
    // Nothing bad was written.
    assert_eq!(
        app.get("/v1/programmes/ny-metod").await.json()["age_max"],
        20
    );
}
