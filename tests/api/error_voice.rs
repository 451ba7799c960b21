//! One voice for every error (issue 27): a bad value for any parameter of
//! any operation is answered in the project's words — the parameter, what
//! was given, what it takes — never in the framework's (Rust type names,
//! regular expressions, "verification failed").

use serde_json::Value;

use crate::helpers::TestApp;

/// Phrases only the framework or Rust would write.
const FRAMEWORK: [&str; 9] = [
    "failed to parse",
    "verification failed",
    "occurred while parsing",
    "Expect a valid enumeration",
    "integer_int32",
    "string_naive",
    "out of range",
    "pattern(",
    "::",
];

/// A value the parameter's schema refuses, if its kind has one.
fn bad_value(schema: &Value) -> Option<&'static str> {
    let schema = if schema["type"] == "array" {
        &schema["items"]
    } else {
        schema
    };
    if schema["enum"].is_array() {
        return Some("not-a-value");
    }
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("integer" | "number"), _) => Some("abc"),
        (Some("boolean"), _) => Some("maybe"),
        (_, Some("date")) => Some("2025-13-01"),
        (_, Some("date-time")) => Some("yesterday"),
        _ => None,
    }
}

fn concrete(path: &str) -> String {
    let id = if path.starts_with("/v1/outcomes/") {
        "N15428"
    } else {
        "6f1c2b7a-4d0e-4a7b-9c55-31d28e4fa001"
    };
    path.replace("{code}", "1980")
        .replace("{slug}", "abc")
        .replace("{id}", id)
        .replace("{external_id}", "X-1")
        .replace("{kpi}", "N15428")
}

#[tokio::test]
async fn no_bad_parameter_of_any_operation_gets_the_frameworks_words() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let auth = format!("Bearer {admin}");
    let spec = app.get("/openapi.json").await.ok_json();
    let mut tried = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        for p in op["parameters"].as_array().into_iter().flatten() {
            let Some(bad) = bad_value(&p["schema"]) else {
                continue;
            };
            let name = p["name"].as_str().unwrap();
            let uri = match p["in"].as_str() {
                Some("query") => format!("{}?{name}={bad}", concrete(path)),
                Some("path") => concrete(&path.replace(&format!("{{{name}}}"), bad)),
                _ => continue,
            };
            let reply = app.get_with(&uri, &[("Authorization", &auth)]).await;
            let text = reply.text();
            assert_eq!(reply.status.as_u16(), 400, "{uri}: {text}");
            for phrase in FRAMEWORK {
                assert!(!text.contains(phrase), "{uri}: '{phrase}' in {text}");
            }
            let problem = reply.json();
            assert_eq!(problem["errors"][0]["parameter"], name, "{uri}: {text}");
            assert!(
                problem["errors"][0]["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(bad),
                "{uri}: the problem repeats what was given: {text}"
            );
            tried += 1;
        }
    }
    assert!(tried >= 20, "only {tried} parameters tried");

    // The path's own parameter, and the words for the common cases.
    let cases = [
        ("/v1/sessions/not-a-uuid", "'not-a-uuid' is not a UUID"),
        (
            "/v1/sessions?limit=0",
            "'0' is not a whole number from 1 to 1000",
        ),
        (
            "/v1/sessions?status=done",
            "'done' is not one of: planned, open, ongoing, completed, cancelled",
        ),
        (
            "/v1/sessions?start_from=2025-13-01",
            "'2025-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            "/v1/sessions?child_age=40",
            "'40' is not a child's age from 0 to 18",
        ),
    ];
    for (uri, words) in cases {
        let text = app.get(uri).await.text();
        assert!(text.contains(words), "{uri}: {text}");
    }
}

/// Every problem `type` is an absolute URI that resolves: a page saying what
/// it means and how to fix the request, and the same as JSON.
#[tokio::test]
async fn every_problem_type_resolves_to_its_explanation() {
    let app = TestApp::new().await;
    let mut seen = std::collections::BTreeSet::new();
    for uri in [
        "/v1/sessions?limit=0",
        "/v1/sessions/00000000-0000-0000-0000-000000000000",
        "/v1/audit",
        "/v1/nothing-here",
    ] {
        let problem = app.get(uri).await.json();
        let kind = problem["type"].as_str().unwrap().to_owned();
        assert!(
            kind.starts_with("http://localhost/problems/"),
            "{uri}: {kind}"
        );
        seen.insert(kind);
    }
    assert!(seen.len() >= 3, "{seen:?}");
    for kind in seen {
        let path = kind.trim_start_matches("http://localhost");
        let page = app.get(path).await;
        page.assert_status_is_ok();
        page.assert_content_type("text/html; charset=utf-8");
        let html = page.text();
        assert!(
            html.contains("Vad det betyder") && html.contains("In English"),
            "{path}"
        );
        let json = app
            .get_with(path, &[("Accept", "application/json")])
            .await
            .ok_json();
        assert_eq!(json["type"], kind.as_str());
        assert!(json["meaning"]["sv"].is_string() && json["fix"]["en"].is_string());
    }
    let missing = app.get("/problems/no-such-thing").await;
    missing.assert_status(poem::http::StatusCode::NOT_FOUND);
    missing.assert_content_type("text/html; charset=utf-8");
}
