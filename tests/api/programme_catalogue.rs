//! The programme catalogue from `migration/data/programmes-2026.csv`: what a
//! fresh database serves, that unknown facts stay null (and never match a
//! filter), what the change feed holds, and the upgrade of a database that
//! held the old catalogue. Admin writes: `programme_catalogue_writes.rs`.

use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::fixtures::{self, set};
use crate::helpers::{item_key, TestApp};
use entity::session;
use migration::reference_data::{catalogue, CatalogueRow};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::{json, Value};

const UNKNOWN_AGES: [&str; 3] = [
    "barn-i-foraldrars-fokus",
    "bvc-foraldragrupp",
    "bygga-broar",
];

async fn all_programmes(app: &TestApp) -> BTreeMap<String, Value> {
    let reply = app.get("/v1/programmes?limit=1000").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| (item_key(p), p.clone()))
        .collect()
}

/// A `;`-separated cell of the file as the API's JSON list, null when empty.
fn list(cell: &Option<String>) -> Value {
    match cell {
        None => Value::Null,
        Some(c) => json!(c.split(';').map(str::trim).collect::<Vec<_>>()),
    }
}

/// The programme as the file's row says it must be served.
fn expected(row: &CatalogueRow) -> Value {
    json!({
        "slug": row.slug,
        "name": { "sv": row.name_sv, "en": row.name_en },
        "name_en_is_literal": row.name_en_is_literal == "yes",
        "age_min": row.age_min,
        "age_max": row.age_max,
        "formats": list(&row.formats),
        "typical_meetings": row.typical_meetings,
        "prevention_levels": list(&row.prevention_levels),
        "evidence": {
            "status": row.evidence_status,
            "summary": row.evidence_summary,
            "sources": row.sources(),
        },
        "owner": row.owner,
        "verified": row.verified == "yes",
    })
}

#[tokio::test]
async fn a_fresh_database_serves_every_programme_of_the_file_as_the_file_states_it() {
    let app = TestApp::new().await;
    let served = all_programmes(&app).await;
    let rows = catalogue();
    assert_eq!(rows.len(), 22);
    // Every old slug is in the new file, so nothing else is kept.
    assert_eq!(
        served.keys().cloned().collect::<BTreeSet<_>>(),
        rows.iter().map(|r| r.slug.clone()).collect()
    );
    for row in &rows {
        let p = &served[&row.slug];
        let want = expected(row);
        for (field, value) in want.as_object().expect("object") {
            assert_eq!(&p[field], value, "{}: {field}", row.slug);
        }
        // What the file does not hold is unknown, not invented.
        assert_eq!(p["description"], Value::Null, "{}", row.slug);
        assert_eq!(p["website"], Value::Null, "{}", row.slug);
    }
    let with_sources = served
        .values()
        .filter(|p| !p["evidence"]["sources"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(with_sources, 21, "all but bygga-broar, which has none");
}

#[tokio::test]
async fn two_rows_read_exactly_as_in_the_file_with_empty_cells_as_null() {
    let app = TestApp::new().await;
    let p = app.get("/v1/programmes/komet").await.json();
    assert_eq!(p["name"]["sv"], "Komet för föräldrar (barn 3–11 år)");
    assert_eq!(p["name_en_is_literal"], false);
    assert_eq!(
        (p["age_min"].clone(), p["age_max"].clone()),
        (json!(3), json!(11))
    );
    assert_eq!(p["formats"], json!(["group"]));
    assert_eq!(p["typical_meetings"], 11);
    assert_eq!(p["prevention_levels"], json!(["indicated"]));
    assert_eq!(p["evidence"]["status"], "insufficient");
    assert_eq!(p["evidence"]["sources"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        p["evidence"]["sources"][3],
        "https://www.sbu.se/sv/publikationer/sbu-utvarderar/Program-for-att-forebygga-psykisk-ohalsa-hos-barn/"
    );
    assert_eq!(p["verified"], true);
    assert!(p.get("catalogue_source").is_none() && p["evidence"].get("source_url").is_none());

    // bygga-broar,Bygga broar,Building bridges (separated parents in conflict),no,,,group,,,unassessed,Not found in any searched source,,no,
    let p = app.get("/v1/programmes/bygga-broar").await.json();
    for field in [
        "age_min",
        "age_max",
        "typical_meetings",
        "prevention_levels",
        "owner",
    ] {
        assert_eq!(p[field], Value::Null, "{field}");
    }
    assert_eq!(p["formats"], json!(["group"]));
    assert_eq!(
        p["evidence"],
        json!({"status": "unassessed", "summary": "Not found in any searched source", "sources": []})
    );
    assert_eq!(p["verified"], false);

    // The CSV quotes the summaries' commas: read it with a real CSV reader.
    let text = app.get("/v1/programmes?format=csv").await.text();
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("CSV row").iter().map(str::to_owned).collect())
        .collect();
    let header = &rows[0];
    let cell = |row: &Vec<String>, name: &str| {
        let i = header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        row[i].clone()
    };
    let row = rows
        .iter()
        .find(|r| r[0] == "bygga-broar")
        .expect("bygga-broar row");
    for name in [
        "age_min",
        "age_max",
        "typical_meetings",
        "prevention_levels",
        "owner",
        "evidence_sources",
    ] {
        assert_eq!(cell(row, name), "", "{name} is an empty cell");
    }
    assert_eq!(cell(row, "name_en_is_literal"), "false");
    let row = rows.iter().find(|r| r[0] == "komet").expect("komet row");
    assert_eq!(cell(row, "age_max"), "11");
    assert_eq!(cell(row, "evidence_status"), "insufficient");
    assert_eq!(cell(row, "evidence_sources").split(" | ").count(), 4);
}

#[tokio::test]
async fn evidence_statuses_and_literal_english_names_are_as_in_the_file() {
    let app = TestApp::new().await;
    let served = all_programmes(&app).await;
    let with = |field: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        served
            .iter()
            .filter(|(_, p)| field(p))
            .map(|(s, _)| s.clone())
            .collect()
    };
    let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        with(&|p| p["evidence"]["status"] == "insufficient"),
        strings(&["komet", "connect", "cope"])
    );
    assert_eq!(
        with(&|p| p["evidence"]["status"] == "limited"),
        strings(&["de-otroliga-aren", "opp-effekt", "triple-p"])
    );
    assert_eq!(with(&|p| p["evidence"]["status"] == "unassessed").len(), 16);
    assert!(served
        .values()
        .all(|p| p["evidence"]["status"] != "moderate" && p["evidence"]["status"] != "strong"));
    assert_eq!(served["abc"]["name_en_is_literal"], true);
    assert_eq!(served["triple-p"]["name_en_is_literal"], false);
    assert_eq!(with(&|p| p["name_en_is_literal"] == true).len(), 10);
}

#[tokio::test]
async fn child_age_never_matches_a_programme_or_session_whose_age_range_is_unknown() {
    let app = TestApp::new().await;
    let rows: Vec<_> = [
        "bygga-broar",
        "bvc-foraldragrupp",
        "barn-i-foraldrars-fokus",
        "trygghetscirkeln",
    ]
    .iter()
    .enumerate()
    .map(|(i, slug)| {
        fixtures::session(
            i as u128 + 1,
            "1980",
            slug,
            "open",
            "2026-02-01",
            &["sv"],
            "in_person",
            "2026-01-01T00:00:00Z",
        )
    })
    .collect();
    api::resources::sessions::store::insert_many(&app.db, &rows)
        .await
        .expect("insert sessions");
    for age in 0..=18 {
        let reply = app.get(&format!("/v1/programmes?child_age={age}")).await;
        let slugs = set(reply.data_keys());
        assert!(
            UNKNOWN_AGES.iter().all(|s| !slugs.contains(*s)),
            "child_age={age}: {slugs:?}"
        );
        let reply = app.get(&format!("/v1/sessions?child_age={age}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let matched = reply.data_keys();
        // Only the trygghetscirkeln session (0–6) can match.
        let want = if age <= 6 {
            vec![uuid::Uuid::from_u128(4).to_string()]
        } else {
            vec![]
        };
        assert_eq!(matched, want, "sessions?child_age={age}");
    }
    // Without the filter every session is there: unknown is not excluded from everything.
    assert_eq!(app.get("/v1/sessions").await.data_keys().len(), 4);
}

/// Follows `/v1/changes` from the start to the end; returns the programme changes.
async fn programme_changes(app: &TestApp, after: Option<String>) -> (Vec<Value>, String) {
    let (mut out, mut cursor) = (Vec::new(), after);
    loop {
        let (status, page) = app
            .changes(cursor.as_deref(), None, Some(7))
            .await
            .status_and_json();
        assert_eq!(status, 200, "{page}");
        out.extend(
            page["changes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["type"] == "programme")
                .cloned(),
        );
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if page["has_more"] != true {
            return (out, cursor.expect("a cursor to resume from"));
        }
    }
}

#[tokio::test]
async fn the_change_feed_from_the_start_holds_every_programme_once_with_its_latest_data() {
    let app = TestApp::new().await;
    let served = all_programmes(&app).await;
    let (changes, cursor) = programme_changes(&app, None).await;
    assert_eq!(changes.len(), 22);
    let ids: BTreeSet<String> = changes
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 22, "each programme once");
    for c in &changes {
        assert_eq!(c["op"], "upsert");
        assert_eq!(c["data"], served[c["id"].as_str().unwrap()], "{}", c["id"]);
    }

    // An admin's correction moves the programme to a new seq, once.
    let admin = app.key(None).await;
    let mut body = json!({"name": served["bygga-broar"]["name"], "formats": ["group"], "age_min": 5, "age_max": 12});
    let (status, written) = put(&app, &admin, "bygga-broar", &body).await;
    assert_eq!(status, 200, "{written}");
    let (changes, _) = programme_changes(&app, Some(cursor)).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0]["data"], written);
    body["age_min"] = Value::Null;
    assert_eq!(
        put(&app, &admin, "bygga-broar", &body).await.1["age_min"],
        Value::Null
    );
}

async fn put(app: &TestApp, key: &str, slug: &str, body: &Value) -> (u16, Value) {
    app.put_programme(key, slug, body).await.status_and_json()
}

/// The old catalogue as the first three migrations left it, plus what an
/// admin might have added: a programme of its own with an old-scale status,
/// and a session on a catalogue programme.
async fn old_release(db: DatabaseConnection) {
    for sql in [
        "INSERT INTO programmes (slug, name_sv, name_en, age_min, age_max, prevention_levels, formats, evidence_status, evidence_summary, evidence_source_url, catalogue_source, verified, seq, updated_at) \
         VALUES ('egen-metod', 'Egen metod', 'Own method', 2, 9, 'universal', 'group', 'evaluated', 'Local study', 'https://kommun.se/studie', 'https://kommun.se/metod', false, 16, '2026-01-02T03:04:05+00:00')",
        "UPDATE feed_counter SET last_seq = 16, data_version = data_version + 1 WHERE id = 1",
    ] {
        db.execute_unprepared(sql).await.expect(sql);
    }
    let mut s = fixtures::session(
        1,
        "1980",
        "komet",
        "completed",
        "2025-03-01",
        &["sv"],
        "in_person",
        "2025-04-01T00:00:00Z",
    );
    s.seq = 17;
    // As that release stored it: without the record key and the details of
    // later migrations.
    let mut row: session::ActiveModel = s.into();
    row.record_key = sea_orm::ActiveValue::NotSet;
    row.schedule = sea_orm::ActiveValue::NotSet;
    row.venue = sea_orm::ActiveValue::NotSet;
    row.registration = sea_orm::ActiveValue::NotSet;
    row.cost = sea_orm::ActiveValue::NotSet;
    row.places_left = sea_orm::ActiveValue::NotSet;
    row.accessibility = sea_orm::ActiveValue::NotSet;
    session::Entity::insert(row)
        .exec_without_returning(&db)
        .await
        .expect("insert session");
    db.execute_unprepared("UPDATE feed_counter SET last_seq = 17 WHERE id = 1")
        .await
        .expect("seq");
}

#[tokio::test]
async fn an_upgrade_keeps_sessions_and_programmes_the_file_lacks_and_moves_changed_ones_in_the_feed(
) {
    let app = TestApp::upgraded_from(3, old_release).await;
    let served = all_programmes(&app).await;
    assert_eq!(served.len(), 23, "the file's 22 and the admin's own");
    let own = &served["egen-metod"];
    assert_eq!(
        (own["age_min"].clone(), own["age_max"].clone()),
        (json!(2), json!(9))
    );
    assert_eq!(
        own["evidence"]["status"], "unassessed",
        "the old scale's 'evaluated' is not guessed onto SBU's"
    );
    assert!(own["evidence"]["summary"]
        .as_str()
        .unwrap()
        .contains("'evaluated'"));
    assert!(own["evidence"]["summary"]
        .as_str()
        .unwrap()
        .ends_with("Local study"));
    assert_eq!(
        own["evidence"]["sources"],
        json!(["https://kommun.se/studie", "https://kommun.se/metod"])
    );
    assert_eq!(served["komet"]["evidence"]["status"], "insufficient");

    let session = app
        .get(&format!("/v1/sessions/{}", uuid::Uuid::from_u128(1)))
        .await;
    assert_eq!(session.status, 200, "{}", session.text());
    assert_eq!(session.json()["programme"], "komet");

    // Every programme changed (the old-scale one too) and lies past the session.
    let (changes, _) = programme_changes(&app, None).await;
    assert_eq!(changes.len(), 23);
    assert!(
        changes.iter().all(|c| c["seq"].as_i64().unwrap() > 17),
        "moved past everything before"
    );
    let last = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT last_seq FROM feed_counter WHERE id = 1",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(last, 17 + 23, "the counter holds every seq handed out");
}
