//! `GET /v1/catalog`: DCAT-AP-SE as JSON-LD, with an inline context.

use serde_json::Value;

use crate::helpers::{Settings, TestApp};

const MEDIA: &str = "https://www.iana.org/assignments/media-types/";

fn dataset<'a>(catalog: &'a Value, id: &str) -> &'a Value {
    catalog["dcat:dataset"]
        .as_array()
        .expect("datasets")
        .iter()
        .find(|d| d["dct:identifier"] == id)
        .unwrap_or_else(|| panic!("dataset {id}"))
}

#[tokio::test]
async fn the_catalogue_describes_every_dataset_with_licence_publisher_and_distributions() {
    let app = TestApp::new().await;
    let reply = app.catalog().await;
    reply.assert_status_is_ok();
    reply.assert_content_type("application/ld+json");
    let c: Value = serde_json::from_slice(&reply.body).expect("JSON");
    assert!(c["@context"].is_object(), "inline context, no remote URL");
    assert_eq!(c["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
    assert_eq!(c["@type"], "dcat:Catalog");
    assert_eq!(
        c["dct:license"],
        "http://creativecommons.org/publicdomain/zero/1.0/"
    );
    assert_eq!(c["dct:publisher"]["@type"], "foaf:Agent");
    assert_eq!(c["dcat:contactPoint"]["@type"], "vcard:Organization");
    for id in [
        "sessions",
        "reach",
        "indicators",
        "outcomes",
        "evaluation",
        "programmes",
        "municipalities",
        "population",
    ] {
        let d = dataset(&c, id);
        assert_eq!(d["@type"], "dcat:Dataset");
        assert_eq!(
            d["dct:accrualPeriodicity"],
            "http://publications.europa.eu/resource/authority/frequency/DAILY"
        );
        assert!(d["dcat:theme"].as_array().is_some_and(|t| !t.is_empty()));
        assert_eq!(d["dct:conformsTo"], "http://localhost/openapi.json");
        for dist in d["dcat:distribution"].as_array().expect("distributions") {
            assert!(dist["dcat:mediaType"].as_str().unwrap().starts_with(MEDIA));
            assert!(dist["dcat:accessURL"]
                .as_str()
                .unwrap()
                .starts_with("http://localhost/v1/"));
        }
    }
    let types: Vec<&str> = dataset(&c, "sessions")["dcat:distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["dcat:mediaType"]
                .as_str()
                .unwrap()
                .trim_start_matches(MEDIA)
        })
        .collect();
    assert_eq!(
        types,
        [
            "application/json",
            "text/csv",
            "application/x-ndjson",
            "text/calendar"
        ]
    );
}

#[tokio::test]
async fn the_catalogue_uses_the_public_base_url_and_the_configured_contact() {
    let app = TestApp::with_settings(Settings {
        public_base_url: Some("https://data.example.se/".into()),
        contact_email: Some("data@example.se".into()),
        read_rate_per_minute: 0,
        ..Settings::default()
    })
    .await;
    let c = app.catalog().await.json();
    assert_eq!(c["@id"], "https://data.example.se/v1/catalog");
    assert_eq!(
        c["dcat:contactPoint"]["vcard:hasEmail"],
        "mailto:data@example.se"
    );
    assert_eq!(
        dataset(&c, "reach")["dcat:distribution"][1]["dcat:downloadURL"],
        "https://data.example.se/v1/reach?format=csv"
    );
}
