//! `GET /v1/catalog`: DCAT-AP-SE as JSON-LD, with an inline context. (That
//! it conforms to the EU's DCAT-AP 3.0.0 shapes is checked by pyshacl in
//! tests/browser/dcat.py, against the real binary.)

use serde_json::Value;

use crate::helpers::fixtures::session_json;
use crate::helpers::{test_settings, Settings, TestApp};

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
        c["dct:license"]["@id"],
        "http://creativecommons.org/publicdomain/zero/1.0/"
    );
    assert_eq!(c["dct:publisher"]["@type"], "foaf:Agent");
    assert_eq!(c["dcat:contactPoint"]["@type"][0], "vcard:Organization");
    // The API itself, as the data service every distribution is reached through.
    let service = &c["dcat:service"];
    assert_eq!(service["@type"], "dcat:DataService");
    assert_eq!(
        service["dcat:endpointDescription"]["@id"],
        "http://localhost/openapi.json"
    );
    assert_eq!(
        service["dcat:servesDataset"].as_array().map(Vec::len),
        Some(8)
    );
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
            d["dct:accrualPeriodicity"]["@id"],
            "http://publications.europa.eu/resource/authority/frequency/DAILY"
        );
        assert!(d["dcat:theme"].as_array().is_some_and(|t| !t.is_empty()));
        assert_eq!(d["dct:conformsTo"]["@id"], "http://localhost/openapi.json");
        let words = d["dcat:keyword"].as_array().expect("keywords");
        for language in ["sv", "en"] {
            assert!(words.iter().any(|w| w["@language"] == language), "{id}");
        }
        for dist in d["dcat:distribution"].as_array().expect("distributions") {
            let media = dist["dcat:mediaType"]["@id"].as_str().unwrap();
            assert!(media.starts_with(MEDIA));
            assert!(dist["dcat:accessURL"]["@id"]
                .as_str()
                .unwrap()
                .starts_with("http://localhost/v1/"));
            // JSON is the API, page by page; the other formats are whole files.
            let json = media.ends_with("application/json");
            assert_eq!(dist["dcat:downloadURL"].is_null(), json, "{id} {media}");
        }
    }
    let types: Vec<&str> = dataset(&c, "sessions")["dcat:distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            d["dcat:mediaType"]["@id"]
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
        ..test_settings()
    })
    .await;
    let c = app.catalog().await.json();
    assert_eq!(c["@id"], "https://data.example.se/v1/catalog");
    assert_eq!(
        c["dcat:contactPoint"]["vcard:hasEmail"],
        "mailto:data@example.se"
    );
    assert_eq!(
        dataset(&c, "reach")["dcat:distribution"][1]["dcat:downloadURL"]["@id"],
        "https://data.example.se/v1/reach?group_by=municipality&group_by=year&format=csv"
    );
}

/// A new session of Västerås, written with `key`: 201.
async fn create(app: &TestApp, key: &str, session: &Value) {
    let id = session["external_id"].as_str().expect("an external id");
    app.put_session(Some(key), "1980", id, session)
        .await
        .assert_status(poem::http::StatusCode::CREATED);
}

/// A CSV body's header and rows.
fn table(body: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(body);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// The download a distribution names, fetched through the app.
async fn download(app: &TestApp, c: &Value, id: &str, media: &str) -> crate::helpers::Reply {
    let dist = dataset(c, id)["dcat:distribution"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dcat:mediaType"]["@id"] == format!("{MEDIA}{media}"))
        .unwrap_or_else(|| panic!("{id} {media}"));
    let url = dist["dcat:downloadURL"]["@id"].as_str().unwrap();
    app.get(url.trim_start_matches("http://localhost")).await
}

/// The dates are the data's: a dataset's period is what it holds, and a
/// write moves `dct:modified`; an empty dataset states no period.
#[tokio::test]
async fn the_dates_and_periods_follow_the_data() {
    let app = TestApp::new().await;
    let c = app.catalog().await.json();
    let sessions = dataset(&c, "sessions");
    assert!(sessions["dct:temporal"].is_null(), "no sessions, no period");
    assert!(sessions["dct:modified"].is_null());
    let population = dataset(&c, "population");
    assert_eq!(population["dct:temporal"]["dcat:startDate"], "2018-01-01");
    assert_eq!(population["dct:temporal"]["dcat:endDate"], "2024-12-31");
    assert!(population["dct:issued"].as_str().is_some());

    let key = app.key(Some("1980")).await;
    let mut early = session_json("CAT-1", "2021-03-01");
    early["end_date"] = "2021-05-10".into();
    create(&app, &key, &early).await;
    create(&app, &key, &session_json("CAT-2", "2023-09-04")).await;
    let c = app.catalog().await.json();
    let sessions = dataset(&c, "sessions");
    assert_eq!(sessions["dct:temporal"]["dcat:startDate"], "2021-03-01");
    assert_eq!(sessions["dct:temporal"]["dcat:endDate"], "2023-09-04");
    let reach = dataset(&c, "reach");
    assert_eq!(reach["dct:temporal"]["dcat:startDate"], "2021-01-01");
    assert_eq!(reach["dct:temporal"]["dcat:endDate"], "2023-12-31");
    let modified = sessions["dct:modified"]
        .as_str()
        .expect("modified")
        .to_owned();
    assert!(sessions["dct:issued"].as_str().unwrap() <= modified.as_str());

    // A deletion is a change too.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.delete_session(&key, "1980", "CAT-2").await.status, 204);
    let c = app.catalog().await.json();
    let after = dataset(&c, "sessions")["dct:modified"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(after > modified, "{after} after {modified}");
    assert_eq!(
        dataset(&c, "sessions")["dct:temporal"]["dcat:endDate"],
        "2021-05-10"
    );
}

/// Each distribution delivers what its dataset says: the population series
/// whole (every municipality, every year, children included), reach per
/// municipality and year.
#[tokio::test]
async fn the_distributions_deliver_what_the_datasets_describe() {
    let app = TestApp::new().await;
    let key = app.key(Some("1980")).await;
    create(&app, &key, &session_json("CAT-1", "2021-03-01")).await;
    create(&app, &key, &session_json("CAT-2", "2023-03-01")).await;
    let c = app.catalog().await.json();

    let csv = download(&app, &c, "population", "text/csv").await;
    csv.assert_status_is_ok();
    let (header, rows) = table(&csv.body);
    assert_eq!(
        &header[..6],
        [
            "municipality_code",
            "municipality_name",
            "county_code",
            "year",
            "total",
            "children"
        ]
    );
    let codes: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(codes.len(), 290, "every municipality");
    let vasteras: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "1980").collect();
    assert_eq!(
        vasteras.iter().map(|r| r[3].as_str()).collect::<Vec<_>>(),
        ["2018", "2024"]
    );
    assert!(!vasteras[0][5].is_empty(), "children in 2018");
    assert!(
        vasteras[1][5].is_empty(),
        "unknown children stay blank, never 0"
    );

    let reach = download(&app, &c, "reach", "text/csv").await;
    reach.assert_status_is_ok();
    let (header, rows) = table(&reach.body);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (m, y) = (at("municipality"), at("year"));
    let cells: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[m].as_str(), r[y].as_str()))
        .collect();
    assert_eq!(cells, [("1980", "2021"), ("1980", "2023")]);
    let workbook = download(
        &app,
        &c,
        "population",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    .await;
    workbook.assert_status_is_ok();
}
