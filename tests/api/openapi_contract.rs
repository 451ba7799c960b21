//! The OpenAPI document is the contract: the committed copy in `openapi/`
//! must be exactly what the server serves, and every operation in it must be
//! documented well enough for a third party to build against.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::TestApp;

const REGENERATE: &str = "cargo run -- openapi --out-dir openapi";

fn committed(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("openapi")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\nGenerate it with `{REGENERATE}` and commit it.",
            path.display()
        )
    })
}

/// The first differing line, to make a drift readable in the test output.
fn first_difference(committed: &str, served: &str) -> String {
    for (n, (a, b)) in committed.lines().zip(served.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  committed: {a}\n  served:    {b}", n + 1);
        }
    }
    format!(
        "the committed file has {} lines, the served one {}",
        committed.lines().count(),
        served.lines().count()
    )
}

async fn assert_no_drift(uri: &str, file: &str) {
    let app = TestApp::new().await;
    let reply = app.get(uri).await;
    assert_eq!(reply.status, 200, "{uri}");
    let served = reply.text();
    let committed = committed(file);
    assert!(
        served == committed,
        "openapi/{file} has drifted from what the server serves at {uri}.\n\
         If the API change is intended, regenerate and commit the document:\n\n    \
         {REGENERATE}\n\nFirst difference at {}",
        first_difference(&committed, &served)
    );
}

#[tokio::test]
async fn the_served_openapi_json_equals_the_committed_file() {
    assert_no_drift("/openapi.json", "openapi.json").await;
}

#[tokio::test]
async fn the_served_openapi_yaml_equals_the_committed_file() {
    assert_no_drift("/openapi.yaml", "openapi.yaml").await;
}

fn document() -> Value {
    serde_json::from_str(&committed("openapi.json")).expect("openapi.json is JSON")
}

/// Every (method, path, operation) in the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if ["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str())
            {
                ops.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    assert!(!ops.is_empty(), "no operations in the document");
    ops
}

fn schema_by_ref<'a>(doc: &'a Value, reference: &str) -> &'a Value {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
    &doc["components"]["schemas"][name]
}

/// Whether `v` or any schema it references (transitively) carries an example.
fn has_example(doc: &Value, v: &Value, seen: &mut BTreeSet<String>) -> bool {
    match v {
        Value::Object(map) => {
            if map.contains_key("example") || map.contains_key("examples") {
                return true;
            }
            if let Some(Value::String(r)) = map.get("$ref") {
                if seen.insert(r.clone()) && has_example(doc, schema_by_ref(doc, r), seen) {
                    return true;
                }
            }
            map.values().any(|x| has_example(doc, x, seen))
        }
        Value::Array(items) => items.iter().any(|x| has_example(doc, x, seen)),
        _ => false,
    }
}

#[test]
fn every_operation_has_an_id_summary_description_and_tags() {
    let doc = document();
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{name} has no operationId");
        assert!(ids.insert(id.to_owned()), "operationId {id} is not unique");
        for field in ["summary", "description"] {
            assert!(
                op[field].as_str().is_some_and(|s| !s.trim().is_empty()),
                "{name} ({id}) has no {field}: add a doc comment to its handler"
            );
        }
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{name} ({id}) has no tags"
        );
    }
}

#[test]
fn every_operation_shows_an_example() {
    // The If-None-Match header is added to every GET by the document's
    // post-processing, and the Problem schema is shared by every error:
    // neither says anything about the operation itself, so neither counts.
    let doc = document();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        let own_params: Vec<&Value> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["name"] != "If-None-Match").collect())
            .unwrap_or_default();
        let in_params = own_params
            .iter()
            .any(|p| has_example(&doc, p, &mut BTreeSet::new()));
        let success: Vec<&Value> = op["responses"]
            .as_object()
            .expect("responses")
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .map(|(_, r)| r)
            .collect();
        let in_responses = success
            .iter()
            .any(|r| has_example(&doc, &r["content"], &mut BTreeSet::new()));
        let in_body = has_example(&doc, &op["requestBody"], &mut BTreeSet::new());
        assert!(
            in_params || in_responses || in_body,
            "{} {path} ({id}) shows no example: add #[oai(example = \"fn\")] to a \
             parameter or #[oai(example)] + impl Example to its response object",
            method.to_uppercase()
        );
    }
}

#[test]
fn every_operation_declares_its_error_statuses_as_problems() {
    let doc = document();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        let responses = op["responses"].as_object().expect("responses");
        let errors: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(s, _)| s.starts_with('4') || s.starts_with('5'))
            .collect();
        assert!(
            errors.iter().any(|(s, _)| s.starts_with('5')),
            "{path} ({id}) declares no 5xx status"
        );
        for (status, r) in &errors {
            let schema = &r["content"]["application/problem+json"]["schema"]["$ref"];
            assert_eq!(
                schema, "#/components/schemas/Problem",
                "{path} ({id}) {status} is not documented as a problem+json Problem"
            );
        }
        // A never-stored read has no validator, so no 304.
        let never_stored = api::http::conditional::NEVER_STORED.contains(&path.as_str());
        if path.starts_with("/v1/") && method == "get" {
            let statuses: &[&str] = if never_stored {
                &["400", "500"]
            } else {
                &["400", "500", "304"]
            };
            for status in statuses {
                assert!(
                    responses.contains_key(*status),
                    "{path} ({id}) does not declare {status}"
                );
            }
            // A read of one resource by id can miss.
            if path.contains('{') {
                assert!(
                    responses.contains_key("404"),
                    "{path} ({id}) does not declare 404"
                );
            }
        }
    }
}

#[test]
fn only_path_parameters_are_required() {
    // A required query parameter would make generated clients demand a value
    // the server does not need (e.g. the repeatable filters of listSessions).
    let doc = document();
    for (_, path, op) in operations(&doc) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] != "path" {
                assert_ne!(
                    p["required"], true,
                    "{path}: parameter {} is marked required",
                    p["name"]
                );
            }
        }
    }
}

#[tokio::test]
async fn the_documented_operations_are_the_served_ones() {
    // Each documented GET without path parameters answers (with an admin key
    // where it declares security); each operationId shows up as a metrics
    // route label after a request.
    let app = TestApp::new().await;
    let bearer = format!("Bearer {}", app.key(None).await);
    let doc = document();
    for (method, path, op) in operations(&doc) {
        if method != "get" || path.contains('{') {
            continue;
        }
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        let headers: &[(&str, &str)] = if secured {
            &[("Authorization", &bearer)]
        } else {
            &[]
        };
        let reply = app.get_with(&path, headers).await;
        assert_eq!(reply.status, 200, "GET {path}");
        let metrics = app.get("/metrics").await.text();
        let id = op["operationId"].as_str().unwrap_or_default();
        assert!(
            metrics.contains(&format!("route=\"{id}\"")),
            "GET {path} is not labelled {id} in /metrics"
        );
    }
}

/// "Try it out" calls the origin the docs were loaded from, on any
/// deployment; nothing pre-fills a conditional header; the document and the
/// docs page revalidate instead of being fetched whole each time.
#[tokio::test]
async fn the_docs_work_on_every_deployment_and_revalidate() {
    let app = TestApp::new().await;
    let spec = app.get("/openapi.json").await.ok_json();
    assert_eq!(
        spec["servers"][0]["url"], "/",
        "relative: the serving origin"
    );
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["name"] == "If-None-Match" {
                    assert!(
                        p.get("example").is_none(),
                        "{method} {path}: If-None-Match example"
                    );
                }
            }
        }
    }
    for path in ["/openapi.json", "/openapi.yaml", "/docs"] {
        let first = app.get(path).await;
        first.assert_status_is_ok();
        let etag = first.header("etag").expect("an ETag").to_owned();
        assert!(
            first.header("cache-control").unwrap().contains("max-age"),
            "{path}"
        );
        let again = app.get_with(path, &[("If-None-Match", &etag)]).await;
        again.assert_status(poem::http::StatusCode::NOT_MODIFIED);
        assert!(again.text().is_empty());
    }
    let json_etag = app
        .get("/openapi.json")
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let yaml_etag = app
        .get("/openapi.yaml")
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    assert_ne!(
        json_etag, yaml_etag,
        "each representation its own validator"
    );
}

/// The session filters `/v1/sessions` and `/v1/sessions.ics` share are one
/// contract: the same name means the same schema and the same words, except
/// where the calendar differs on purpose (`start_from`: a feed of upcoming
/// courses begins today at the earliest). `child_age`'s words had drifted.
#[test]
fn the_list_and_the_calendar_state_their_shared_filters_alike() {
    let doc = document();
    let params = |path: &str| -> std::collections::BTreeMap<String, Value> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| (p["name"].as_str().unwrap_or_default().to_owned(), p.clone()))
            .collect()
    };
    let (list, calendar) = (params("/v1/sessions"), params("/v1/sessions.ics"));
    let shared: Vec<&String> = calendar.keys().filter(|n| list.contains_key(*n)).collect();
    assert!(shared.len() >= 8, "{shared:?}");
    for name in shared {
        let (a, b) = (&list[name], &calendar[name]);
        assert_eq!(a["schema"], b["schema"], "{name}'s schema");
        if name != "start_from" {
            assert_eq!(a["description"], b["description"], "{name}'s description");
        }
    }
    let only_calendar: Vec<&String> = calendar.keys().filter(|n| !list.contains_key(*n)).collect();
    assert!(only_calendar.is_empty(), "{only_calendar:?}");
}
