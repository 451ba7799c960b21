//! CSV and NDJSON for every list, and that per-session breakdowns are never
//! published in any representation.

use serde_json::Value;

use crate::helpers::fixtures::{set, BREAKDOWNS};
use crate::helpers::{assert_bad_parameter, item_key, Reply, TestApp};

/// `?format=` and `Accept` give the same representation.
async fn both_ways(app: &TestApp, path: &str, format: &str, media: &str) -> Reply {
    let sep = if path.contains('?') { '&' } else { '?' };
    let by_param = app.get(&format!("{path}{sep}format={format}")).await;
    let by_accept = app.get_with(path, &[("accept", media)]).await;
    for reply in [&by_param, &by_accept] {
        assert_eq!(reply.status, 200, "{path} as {format}: {}", reply.text());
        assert!(
            reply.content_type().starts_with(media),
            "{path} as {format}: content-type {:?}",
            reply.content_type()
        );
        assert_eq!(reply.header("link"), None, "bulk downloads are not paged");
    }
    assert_eq!(by_param.body, by_accept.body, "{path} as {format}");
    by_param
}

#[tokio::test]
async fn every_list_is_available_as_csv_with_a_header_row() {
    let app = TestApp::with_demo_sessions(150, 9).await;
    for (path, first_column, rows) in [
        ("/v1/municipalities", "code", 290),
        ("/v1/programmes", "slug", 22),
        ("/v1/sessions", "id", 150),
    ] {
        let reply = both_ways(&app, path, "csv", "text/csv").await;
        let text = reply.text();
        let mut lines = text.lines();
        let header = lines.next().expect("header row");
        assert_eq!(header.split(',').next(), Some(first_column), "{path}");
        assert_eq!(lines.count(), rows, "{path}: one row per item, unpaged");
    }
}

#[tokio::test]
async fn session_csv_rows_carry_the_public_fields() {
    let app = TestApp::with_known_sessions().await;
    let reply = both_ways(&app, "/v1/sessions?municipality=1980", "csv", "text/csv").await;
    let rows = reply.csv_rows();
    assert_eq!(
        rows[0],
        [
            "id",
            "municipality_code",
            "external_id",
            "programme",
            "provider",
            "status",
            "start_date",
            "end_date",
            "meetings",
            "languages",
            "delivery",
            "area",
            "co_hosts",
            "open_to_other_municipalities",
            "capacity",
            "enrolled",
            "completed",
            "places_left",
            "created_at",
            "updated_at",
            "schedule_weekday",
            "schedule_dates",
            "schedule_except_dates",
            "schedule_start_time",
            "schedule_end_time",
            "schedule_note",
            "venue_name",
            "venue_street_address",
            "venue_postal_code",
            "venue_town",
            "venue_latitude",
            "venue_longitude",
            "registration_url",
            "registration_email",
            "registration_phone",
            "registration_instructions",
            "registration_deadline",
            "cost_free",
            "cost_amount_sek",
            "cost_note",
            "accessibility_interpreter_on_request",
            "accessibility_step_free_access",
            "accessibility_note",
        ]
    );
    let ids: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    let expected: Vec<String> = [6u128, 1, 2]
        .iter()
        .map(|n| uuid::Uuid::from_u128(*n).to_string())
        .collect();
    assert_eq!(ids, expected, "start_date order");
    let komet = &rows[3];
    assert_eq!(komet[3], "komet");
    assert_eq!(komet[9], "sv;ar", "languages are ;-joined in one cell");
    assert_eq!(komet[10], "digital");
}

#[tokio::test]
async fn every_list_is_available_as_ndjson_whole_and_unpaged() {
    let app = TestApp::with_demo_sessions(250, 4).await;
    for (path, count) in [
        ("/v1/municipalities", 290),
        ("/v1/programmes", 22),
        ("/v1/sessions", 250),
        ("/v1/sessions?limit=5", 250),
    ] {
        let reply = both_ways(&app, path, "ndjson", "application/x-ndjson").await;
        let items = reply.ndjson();
        assert_eq!(items.len(), count, "{path}");
        assert!(items.iter().all(Value::is_object), "{path}");
        let keys = set(items.iter().map(item_key).collect());
        assert_eq!(keys.len(), count, "{path}: no duplicates");
    }
}

#[tokio::test]
async fn ndjson_items_equal_the_json_items_and_honour_filters() {
    let app = TestApp::with_known_sessions().await;
    let json = app.get("/v1/sessions?language=ar").await.json();
    let ndjson = app
        .get("/v1/sessions?language=ar&format=ndjson")
        .await
        .ndjson();
    assert_eq!(json["data"].as_array().unwrap(), &ndjson);
    assert_eq!(ndjson.len(), 2);
    let csv = app.get("/v1/sessions?language=ar&format=csv").await;
    assert_eq!(csv.csv_rows().len(), 3);
    // Filters are validated for bulk downloads too.
    let bad = app.get("/v1/sessions?status=finished&format=csv").await;
    assert_bad_parameter(&bad, "/v1/sessions", "status");
}

#[tokio::test]
async fn no_breakdown_is_published_per_session_in_any_representation() {
    let app = TestApp::with_known_sessions().await;
    let check_object = |s: &Value, context: &str| {
        let obj = s.as_object().expect("session object");
        assert!(obj.contains_key("enrolled"), "{context}: {s}");
        for field in BREAKDOWNS {
            assert!(!obj.contains_key(field), "{context} publishes {field}: {s}");
        }
    };
    let list = app.get("/v1/sessions").await.json();
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 6);
    for s in data {
        check_object(s, "JSON list");
    }
    let id = uuid::Uuid::from_u128(1);
    let one = app.get(&format!("/v1/sessions/{id}")).await.json();
    check_object(&one, "JSON item");
    let ndjson = app.get("/v1/sessions?format=ndjson").await.ndjson();
    assert_eq!(ndjson.len(), 6);
    for s in &ndjson {
        check_object(s, "NDJSON");
    }
    let csv = app.get("/v1/sessions?format=csv").await.csv_rows();
    assert_eq!(csv.len(), 7);
    for field in BREAKDOWNS {
        assert!(!csv[0].iter().any(|h| h == field), "CSV header has {field}");
    }
    // No row carries extra (unnamed) cells either.
    for row in &csv[1..] {
        assert_eq!(row.len(), csv[0].len());
    }
}
