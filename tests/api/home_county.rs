//! Another region runs the same build: the home county and the publisher
//! are configuration (`HOME_COUNTY`, `PUBLISHER_NAME_SV`, …), and every
//! surface says what is configured. Through the real binary, started as a
//! deployment's environment file would start it.

use std::process::Command;

use serde_json::Value;

use crate::operations::Server;

const OREBRO: &[(&str, &str)] = &[
    ("HOME_COUNTY", "18"),
    ("PUBLISHER_NAME_SV", "Region Örebro län, föräldraskapsstöd"),
    (
        "PUBLISHER_NAME_EN",
        "Region Örebro County, parenting support",
    ),
    ("PUBLISHER_URL", "https://www.regionorebrolan.se/"),
    ("API_CONTACT_EMAIL", "data@regionorebrolan.se"),
    ("API_CONTACT_URL", "https://www.regionorebrolan.se/kontakt"),
];

/// The parts of a page that say whose and where it is: its title, its
/// description, the header's publisher line and its heading.
fn identity(html: &str) -> String {
    let between = |open: &str, close: &str| {
        html.split_once(open)
            .and_then(|(_, rest)| rest.split_once(close))
            .map_or(String::new(), |(inner, _)| inner.to_owned())
    };
    [
        between("<title>", "</title>"),
        between(r#"<meta name="description" content=""#, "\""),
        between(r#"<p class="org">"#, "</p>"),
        between("<h1>", "</h1>"),
    ]
    .join(" | ")
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let reply = client.get(&url).send().await.expect(&url);
    let status = reply.status().as_u16();
    (status, reply.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_server_for_orebro_names_orebro_everywhere_and_vastmanland_nowhere() {
    let server = Server::start_with(&Server::new_database_url(), OREBRO);
    let client = reqwest::Client::new();
    server.ready(&client).await;
    let at = |path: &str| format!("{}{path}", server.url);

    // The pages: their titles, headers and headings, and the default county.
    for (path, place) in [
        ("/", "Örebro"),
        ("/en/", "Örebro"),
        ("/kommun/1880", "Örebro"),
        ("/en/municipality/1881", "Kumla"),
        ("/hitta-stod", "Hitta"),
        ("/program/komet", "Komet"),
    ] {
        let (status, html) = get(&client, at(path)).await;
        assert_eq!(status, 200, "{path}");
        let said = identity(&html);
        assert!(said.contains(place), "{path}: {said}");
        assert!(said.contains("Region Örebro"), "{path}: {said}");
        assert!(!said.contains("Västmanland"), "{path}: {said}");
    }
    let (_, home) = get(&client, at("/")).await;
    assert!(
        home.contains(r#"<option value="18" selected"#),
        "the county chosen by default is Örebro län"
    );

    // The API's defaults follow the home county.
    let (status, indicators) = get(&client, at("/v1/indicators")).await;
    assert_eq!(status, 200, "{indicators}");
    let indicators: Value = serde_json::from_str(&indicators).unwrap();
    assert_eq!(indicators["county_code"], "18");
    let (_, evaluation) = get(&client, at("/v1/evaluation")).await;
    let evaluation: Value = serde_json::from_str(&evaluation).unwrap();
    assert_eq!(evaluation["county_code"], "18", "{evaluation}");
    let (_, members) = get(&client, at("/v1/municipalities?in_collaboration=true")).await;
    let members: Value = serde_json::from_str(&members).unwrap();
    let codes: Vec<&str> = members["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|m| m["county_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["18"; 12],
        "Örebro's twelve are the collaboration"
    );

    // What the API says about itself, the catalogue and the contract.
    let (_, info) = get(&client, at("/v1/api-info")).await;
    assert!(!info.contains("Västmanland"), "{info}");
    let info: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["publisher"]["home_county"], "18");
    assert_eq!(info["publisher"]["home_county_name"], "Örebro län");
    assert_eq!(info["publisher"]["url"], "https://www.regionorebrolan.se/");
    assert_eq!(
        info["contact"]["name"],
        "Region Örebro County, parenting support"
    );
    let (_, catalog) = get(&client, at("/v1/catalog")).await;
    assert!(!catalog.contains("Västmanland"), "{catalog}");
    let catalog: Value = serde_json::from_str(&catalog).unwrap();
    assert_eq!(
        catalog["dct:publisher"]["foaf:name"][0]["@value"],
        "Region Örebro län, föräldraskapsstöd"
    );
    assert_eq!(catalog["dct:spatial"][1]["dct:identifier"], "18");
    assert_eq!(
        catalog["dct:spatial"][1]["locn:geographicName"],
        "Örebro län"
    );
    assert_eq!(
        catalog["dct:title"][0]["@value"],
        "Öppna data om föräldraskapsstöd i Örebro"
    );
    let (_, openapi) = get(&client, at("/openapi.json")).await;
    let openapi: Value = serde_json::from_str(&openapi).unwrap();
    let info = openapi["info"].to_string();
    assert!(info.contains("Region Örebro län"), "{info}");
    assert!(!info.contains("Västmanland"), "{info}");
    assert_eq!(
        openapi["info"]["contact"]["email"],
        "data@regionorebrolan.se"
    );
}

/// A configuration the server cannot serve stops it at start, saying why.
#[test]
fn a_wrong_home_county_or_a_borrowed_publisher_refuses_to_start() {
    for (env, says) in [
        (
            vec![
                ("HOME_COUNTY", "99"),
                ("PUBLISHER_NAME_SV", "Någon"),
                ("PUBLISHER_NAME_EN", "Someone"),
            ],
            "HOME_COUNTY=99: no such county",
        ),
        (vec![("HOME_COUNTY", "Örebro")], "HOME_COUNTY: 'Örebro'"),
        (vec![("HOME_COUNTY", "18")], "needs its own publisher"),
        (
            vec![("PUBLISHER_URL", "javascript:alert(1)")],
            "PUBLISHER_URL",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_foraldraskapsstod"))
            .args(["serve", "--no-demo", "--bind", "127.0.0.1:0"])
            .args(["--database-url", &Server::new_database_url()])
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .output()
            .expect("run the server");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{env:?} started");
        assert!(stderr.contains(says), "{env:?}: {stderr}");
    }
}
