//! Municipalities and programmes as loaded by the migrations.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::fixtures::set;
use crate::helpers::{assert_bad_parameter, assert_problem, item_key, Scope, TestApp};

const VASTMANLAND: [&str; 10] = [
    "1904", "1907", "1960", "1961", "1962", "1980", "1981", "1982", "1983", "1984",
];

fn strings(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

async fn data(app: &TestApp, uri: &str) -> Vec<Value> {
    let reply = app.get(uri).await;
    assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
    reply.json()["data"].as_array().expect("data").clone()
}

#[tokio::test]
async fn all_290_municipalities_are_listed_ordered_by_code() {
    let app = TestApp::new().await;
    let all = data(&app, "/v1/municipalities?limit=1000").await;
    assert_eq!(all.len(), 290);
    let codes: Vec<&str> = all.iter().map(|m| m["code"].as_str().unwrap()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "ordered by code, no duplicates");
    for m in &all {
        let code = m["code"].as_str().unwrap();
        assert_eq!(code.len(), 4);
        assert!(code.starts_with(m["county_code"].as_str().unwrap()));
        assert!(m["name"].is_string() && m["county_name"].is_string());
    }
}

#[tokio::test]
async fn county_filter_returns_that_countys_municipalities() {
    let app = TestApp::new().await;
    let county = data(&app, "/v1/municipalities?county=19").await;
    let codes: Vec<String> = county.iter().map(item_key).collect();
    assert_eq!(set(codes), strings(&VASTMANLAND));
    assert!(county
        .iter()
        .all(|m| m["county_name"] == "Västmanlands län"));
    // Stockholms län has 26 municipalities.
    assert_eq!(data(&app, "/v1/municipalities?county=01").await.len(), 26);
    for bad in ["1", "190", "xx"] {
        let reply = app.get(&format!("/v1/municipalities?county={bad}")).await;
        assert_bad_parameter(&reply, "/v1/municipalities", "county");
    }
}

#[tokio::test]
async fn in_collaboration_is_vastmanlands_ten() {
    let app = TestApp::new().await;
    let inside = data(&app, "/v1/municipalities?in_collaboration=true").await;
    let codes: Vec<String> = inside.iter().map(item_key).collect();
    assert_eq!(set(codes), strings(&VASTMANLAND));
    let outside = data(&app, "/v1/municipalities?in_collaboration=false&limit=1000").await;
    assert_eq!(outside.len(), 280);
    assert!(outside.iter().all(|m| m["in_collaboration"] == false));
    let reply = app.get("/v1/municipalities?in_collaboration=maybe").await;
    assert_bad_parameter(&reply, "/v1/municipalities", "in_collaboration");
}

#[tokio::test]
async fn population_is_the_latest_year_scbs_2024_total_for_all_290() {
    let app = TestApp::new().await;
    let all = data(&app, "/v1/municipalities?limit=1000").await;
    let (mut sweden, mut vastmanland) = (0, 0);
    for m in &all {
        let code = m["code"].as_str().unwrap();
        let p = &m["population"];
        assert_eq!(p["year"], 2024, "{code}");
        assert!(p["source"].as_str().unwrap().starts_with("SCB"), "{code}");
        // The 2024 file has totals only; Västmanland's children are of 2018.
        assert!(p["children"].is_null(), "{code}: {p}");
        assert!(p["children_age_from"].is_null() && p["children_age_to"].is_null());
        sweden += p["total"].as_i64().unwrap();
        if VASTMANLAND.contains(&code) {
            vastmanland += p["total"].as_i64().unwrap();
        }
    }
    // SCB: 10,587,710 inhabitants on 2024-12-31, 281,158 of them in Västmanland.
    assert_eq!(sweden, 10_587_710);
    assert_eq!(vastmanland, 281_158);
}

#[tokio::test]
async fn one_municipality_is_found_by_its_code() {
    let app = TestApp::new().await;
    let reply = app.get("/v1/municipalities/1980").await;
    assert_eq!(reply.status, 200);
    let m = reply.json();
    assert_eq!(m["name"], "Västerås");
    assert_eq!(m["county_code"], "19");
    assert_eq!(m["in_collaboration"], true);
    assert_eq!(m["population"]["year"], 2024);
    assert_eq!(m["population"]["total"], 160_634);
    assert!(m["population"]["children"].is_null());

    let reply = app.get("/v1/municipalities/0180").await;
    assert_eq!(reply.json()["name"], "Stockholm");
    assert_eq!(reply.json()["population"]["year"], 2024);

    let reply = app.get("/v1/municipalities/9999").await;
    assert_problem(&reply, 404, "/v1/municipalities/9999");
    let reply = app.get("/v1/municipalities/19800").await;
    assert_bad_parameter(&reply, "/v1/municipalities/19800", "code");
}

#[tokio::test]
async fn all_22_programmes_are_listed_ordered_by_slug() {
    let app = TestApp::new().await;
    let all = data(&app, "/v1/programmes").await;
    assert_eq!(all.len(), 22);
    let slugs: Vec<String> = all.iter().map(item_key).collect();
    let mut sorted = slugs.clone();
    sorted.sort();
    assert_eq!(slugs, sorted);
    for p in &all {
        assert!(p["name"]["sv"].is_string() && p["name"]["en"].is_string());
        if let (Some(lo), Some(hi)) = (p["age_min"].as_i64(), p["age_max"].as_i64()) {
            assert!(lo <= hi, "{p}");
        }
        // A list is null when unknown, never empty.
        for list in ["prevention_levels", "formats"] {
            assert!(
                p[list].is_null() || !p[list].as_array().unwrap().is_empty(),
                "{p}"
            );
        }
        assert!(p["evidence"]["status"].is_string());
        assert!(p["evidence"]["sources"].is_array());
    }
}

#[tokio::test]
async fn child_age_keeps_programmes_whose_age_range_covers_it() {
    let app = TestApp::new().await;
    let slugs = |v: Vec<Value>| set(v.iter().map(item_key).collect());
    assert_eq!(
        slugs(data(&app, "/v1/programmes?child_age=0").await),
        // bvc-foraldragrupp starts at 0 but its upper age is unknown: not matched.
        strings(&[
            "abc-0-2",
            "foraldraskap-i-sverige",
            "icdp",
            "triple-p",
            "trygghetscirkeln",
        ])
    );
    assert_eq!(
        slugs(data(&app, "/v1/programmes?child_age=17").await),
        strings(&[
            "abc-tonar",
            "alskade-forbannade-tonaring",
            "connect",
            "foraldraskap-i-sverige",
            "foraldrastegen",
            "icdp",
            "komet-tonar",
            "trygga-foraldrar",
        ])
    );
    for bad in ["19", "-1", "old"] {
        let reply = app.get(&format!("/v1/programmes?child_age={bad}")).await;
        assert_bad_parameter(&reply, "/v1/programmes", "child_age");
    }
}

#[tokio::test]
async fn prevention_level_keeps_programmes_at_that_level() {
    let app = TestApp::new().await;
    let slugs = |v: Vec<Value>| set(v.iter().map(item_key).collect());
    assert_eq!(
        slugs(data(&app, "/v1/programmes?prevention_level=indicated").await),
        strings(&["de-otroliga-aren", "komet", "pmto", "triple-p"])
    );
    assert_eq!(
        slugs(
            data(
                &app,
                "/v1/programmes?prevention_level=selective&child_age=13"
            )
            .await
        ),
        // barn-i-foraldrars-fokus is selective, but its ages are unknown.
        strings(&["foraldrastegen", "triple-p", "trygga-foraldrar"])
    );
    let reply = app.get("/v1/programmes?prevention_level=tertiary").await;
    assert_bad_parameter(&reply, "/v1/programmes", "prevention_level");
}

#[tokio::test]
async fn one_programme_is_found_by_its_slug() {
    let app = TestApp::new().await;
    let reply = app.get("/v1/programmes/komet").await;
    assert_eq!(reply.status, 200);
    let p = reply.json();
    assert_eq!(p["slug"], "komet");
    assert_eq!(p["age_min"], 3);
    assert_eq!(p["age_max"], 11);
    assert_eq!(p["prevention_levels"], serde_json::json!(["indicated"]));
    assert_eq!(p["evidence"]["status"], "insufficient");
    let reply = app.get("/v1/programmes/no-such-thing").await;
    assert_problem(&reply, 404, "/v1/programmes/no-such-thing");
    let reply = app.get("/v1/programmes/Not_A_Slug").await;
    assert_bad_parameter(&reply, "/v1/programmes/Not_A_Slug", "slug");
}

/// The benchmark's data set: `demo-data --scope national` spreads sessions
/// over the whole country by population, so Stockholm's county (a quarter of
/// Sweden's people) holds far more than Gotland (under one percent).
#[tokio::test]
async fn national_demo_data_spreads_sessions_over_the_country_by_population() {
    let app = TestApp::new().await;
    app.add_demo_sessions_in(Scope::National, 4000, 3).await;
    let rows = data(&app, "/v1/reach?group_by=municipality").await;
    let mut by_county = std::collections::BTreeMap::<String, i64>::new();
    for r in rows.iter().filter(|r| r["municipality"].is_string()) {
        let code = r["municipality"].as_str().unwrap();
        *by_county.entry(code[..2].to_owned()).or_default() += r["sessions"].as_i64().unwrap();
    }
    assert_eq!(
        by_county.len(),
        21,
        "every county holds sessions: {by_county:?}"
    );
    let (stockholm, gotland) = (by_county["01"], by_county["09"]);
    assert!(stockholm > 10 * gotland.max(1), "{by_county:?}");

    let county = TestApp::new().await;
    county.add_demo_sessions(500, 3).await;
    let rows = data(&county, "/v1/reach?group_by=municipality").await;
    let codes: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| r["municipality"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        codes,
        strings(&VASTMANLAND),
        "by default: Västmanland's ten"
    );
}

/// The sessions table's indexes and foreign keys, as the database's own
/// catalogue states them.
async fn sessions_schema(app: &TestApp) -> Vec<String> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = app.db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'sessions' AND sql IS NOT NULL \
             ORDER BY name"
        }
        _ => {
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'sessions' UNION ALL \
             SELECT conname::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'sessions'::regclass ORDER BY 1"
        }
    };
    let rows = app
        .db
        .query_all(Statement::from_string(backend, sql))
        .await
        .expect("read the catalogue");
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).expect("a definition"))
        .collect()
}

/// A load of 50,000 or more drops the sessions' secondary indexes (and on
/// PostgreSQL its foreign keys) to build them once at the end: afterwards
/// the schema is exactly as the migrations made it, and the data is served.
#[tokio::test]
async fn a_bulk_demo_load_leaves_the_schema_as_the_migrations_made_it() {
    let app = TestApp::new().await;
    let before = sessions_schema(&app).await;
    assert!(before.len() > 3, "{before:?}");
    app.add_demo_sessions_in(Scope::National, 50_000, 5).await;
    assert_eq!(sessions_schema(&app).await, before);
    // Left in the log, the load would be looked up there on every read.
    if let Some(wal) = app.sqlite_wal_bytes() {
        assert_eq!(wal, 0, "the load is checkpointed into the database file");
    }
    let page = data(&app, "/v1/sessions?municipality=0180&limit=100").await;
    assert_eq!(page.len(), 100, "Stockholm holds a tenth of the country");
    let dates: Vec<&str> = page
        .iter()
        .map(|s| s["start_date"].as_str().unwrap())
        .collect();
    assert!(dates.is_sorted(), "in keyset order: {dates:?}");
}
