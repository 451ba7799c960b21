//! Disclosure control and the rollups as properties over random data, and the
//! backfill of the offer rollups for sessions stored before they existed.

use api::store::rollup::{self, Deltas};
use entity::session;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    TransactionTrait,
};
use serde_json::Value;

use super::{rows, FIELDS};
use crate::helpers::reach_fixtures::{counts, insert, next_seq, session, People};
use crate::helpers::TestApp;

/// One random session: small counts on purpose, so that suppression bites.
#[derive(Debug, Clone)]
struct Spec {
    municipality: usize,
    programme: usize,
    status: usize,
    year: i32,
    month: u32,
    enrolled: i32,
    completed: i32,
    women: i32,
    men: i32,
    vulnerable: i32,
    respondents: i32,
    satisfied: i32,
    language: usize,
    delivery: usize,
    co_hosted: bool,
    open: bool,
}

const MUNICIPALITIES: [&str; 3] = ["1904", "1980", "1907"];
const PROGRAMMES: [&str; 3] = ["abc", "komet", "triple-p"];
const STATUSES: [&str; 5] = ["planned", "open", "ongoing", "completed", "cancelled"];
const LANGUAGES: [&str; 3] = [",sv,", ",sv,ar,", ",so,"];
const DELIVERIES: [&str; 3] = ["in_person", "digital", "hybrid"];

fn spec() -> impl Strategy<Value = Spec> {
    (
        (0..3usize, 0..3usize, 0..5usize, 2024..=2025i32, 1..=12u32),
        (
            0..=14i32,
            0..=100u32,
            0..=100u32,
            0..=100u32,
            0..=100u32,
            0..=100u32,
        ),
        (0..3usize, 0..3usize, any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (m, p, st, year, month),
                (enrolled, c, w, mn, v, r),
                (language, delivery, co_hosted, open),
            )| {
                let part = |pct: u32, of: i32| (of as i64 * pct as i64 / 100) as i32;
                let completed = part(c, enrolled);
                let women = part(w, enrolled);
                let men = part(mn, enrolled - women);
                let respondents = part(r, completed);
                Spec {
                    municipality: m,
                    programme: p,
                    status: st,
                    year,
                    month,
                    enrolled,
                    completed,
                    women,
                    men,
                    vulnerable: part(v, enrolled),
                    respondents,
                    satisfied: part(r, respondents),
                    language,
                    delivery,
                    co_hosted,
                    open,
                }
            },
        )
}

fn model(s: &Spec) -> session::Model {
    let mut m = counts(
        session(
            MUNICIPALITIES[s.municipality],
            PROGRAMMES[s.programme],
            STATUSES[s.status],
            &format!("{}-{:02}-15", s.year, s.month),
        ),
        People {
            enrolled: s.enrolled,
            completed: s.completed,
            women: s.women,
            men: s.men,
            vulnerable: s.vulnerable,
            respondents: s.respondents,
            satisfied: s.satisfied,
        },
    );
    m.languages = LANGUAGES[s.language].into();
    m.delivery = DELIVERIES[s.delivery].into();
    m.co_hosts = if s.co_hosted {
        ",1962,".into()
    } else {
        String::new()
    };
    m.open_to_other_municipalities = s.open;
    m
}

async fn clear(db: &DatabaseConnection) {
    for table in [
        "sessions",
        "reach_rollup",
        "offer_rollup",
        "offer_language_rollup",
    ] {
        db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .expect("clear");
    }
}

fn count(row: &Value, f: &str) -> Option<i64> {
    row[f].as_i64()
}

/// The disclosure properties of one published row under threshold `k`.
fn check_row(row: &Value, k: i64) -> Result<(), TestCaseError> {
    let suppressed: Vec<&str> = row["suppressed"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // Enrolled and completed are exact (each session publishes its own).
    let enrolled = count(row, "enrolled");
    prop_assert!(enrolled.is_some() && count(row, "completed").is_some());
    let enrolled = enrolled.unwrap_or(0);
    for f in [
        "women",
        "men",
        "vulnerable_area",
        "satisfaction_respondents",
    ] {
        match count(row, f) {
            // No published count of people lies in 1..k−1, nor above its whole.
            Some(v) => prop_assert!(
                (v == 0 || v >= k) && v <= enrolled,
                "{f} = {v} published in {row}"
            ),
            // Withheld only in a row of 1..k−1 participants, and named.
            None => prop_assert!(
                suppressed.contains(&f) && (1..k).contains(&enrolled),
                "{f} null in {row}"
            ),
        }
    }
    // Rates only over published parts; a rate must not give back a small count.
    if let Some(rate) = row["satisfaction_rate"].as_f64() {
        let respondents = count(row, "satisfaction_respondents");
        prop_assert!(
            respondents.is_some(),
            "rate over hidden respondents in {row}"
        );
        let satisfied = (rate * respondents.unwrap_or(0) as f64).round() as i64;
        prop_assert!(
            satisfied == 0 || satisfied >= k,
            "rate gives back satisfied = {satisfied} in {row}"
        );
    }
    if row["vulnerable_area_share"].as_f64().is_some() {
        prop_assert!(count(row, "vulnerable_area").is_some() && count(row, "enrolled").is_some());
    }
    if row["completion_rate"].as_f64().is_some() {
        prop_assert!(count(row, "completed").is_some());
    }
    if row["reach_per_1000_children"].as_f64().is_some() {
        prop_assert!(count(row, "enrolled").is_some());
    }
    Ok(())
}

/// A total recomputed directly from the specs (counted sessions only).
fn expected_total(specs: &[Spec]) -> (i64, i64, i64) {
    let counted = specs
        .iter()
        .filter(|s| STATUSES[s.status] == "ongoing" || STATUSES[s.status] == "completed");
    counted.fold((0, 0, 0), |(n, e, w), s| {
        (n + 1, e + s.enrolled as i64, w + s.women as i64)
    })
}

#[test]
fn no_published_row_reveals_a_small_count_on_random_data() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let app = rt.block_on(TestApp::new());
    let k = app.state.settings.suppression_threshold;
    let mut runner = TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (proptest::collection::vec(spec(), 1..14), 0u32..32);
    runner
        .run(&strategy, |(specs, mask)| {
            rt.block_on(async {
                clear(&app.db).await;
                insert(&app.db, specs.iter().map(model).collect()).await;
                let group_by: Vec<&str> = (0..5)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| FIELDS[i])
                    .collect();
                let v = app
                    .reach(&format!("county=19&group_by={}", group_by.join(",")))
                    .await
                    .ok_json();
                for row in rows(&v) {
                    check_row(&row, k)?;
                }
                // The total equals a direct recomputation where it is published.
                let total = app.reach("county=19").await.ok_json();
                let row = &rows(&total)[0];
                let (n, enrolled, women) = expected_total(&specs);
                prop_assert_eq!(row["sessions"].as_i64(), Some(n));
                if let Some(e) = row["enrolled"].as_i64() {
                    prop_assert_eq!(e, enrolled);
                }
                // Women carry bounded noise: never 1..k−1, within 4 from k on (2 from 50).
                if let Some(w) = row["women"].as_i64() {
                    let plausible = match women {
                        0 => w == 0,
                        t if t < k => w == 0 || w == k,
                        t => (w - t).abs() <= if t >= 50 { 2 } else { 4 } && w >= k,
                    };
                    prop_assert!(plausible, "women {} published as {}", women, w);
                }
                check_row(row, k)
            })
        })
        .expect("disclosure properties hold");
}

#[derive(Debug, Clone)]
enum Op {
    Insert(Spec),
    Update(usize, Spec),
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => spec().prop_map(Op::Insert),
        2 => (any::<usize>(), spec()).prop_map(|(i, s)| Op::Update(i, s)),
        1 => any::<usize>().prop_map(Op::Delete),
    ]
}

/// Applies one write the way the write API does: the row change and its
/// rollup deltas in one transaction.
async fn write(db: &DatabaseConnection, live: &mut Vec<session::Model>, op: &Op) {
    let txn = db.begin().await.expect("begin");
    let mut deltas = Deltas::default();
    match op {
        Op::Insert(s) => {
            let mut m = model(s);
            m.seq = next_seq();
            api::resources::sessions::store::insert_many(&txn, std::slice::from_ref(&m))
                .await
                .expect("insert");
            deltas.record(None, Some(&m));
            live.push(m);
        }
        Op::Update(i, s) if !live.is_empty() => {
            let i = i % live.len();
            let before = live[i].clone();
            let mut after = model(s);
            after.id = before.id;
            after.external_id = before.external_id.clone();
            after.seq = next_seq();
            after
                .clone()
                .into_active_model()
                .reset_all()
                .update(&txn)
                .await
                .expect("update");
            deltas.record(Some(&before), Some(&after));
            live[i] = after;
        }
        Op::Delete(i) if !live.is_empty() => {
            let before = live.remove(i % live.len());
            session::Entity::delete_by_id(before.id)
                .exec(&txn)
                .await
                .expect("delete");
            deltas.record(Some(&before), None);
        }
        _ => {}
    }
    rollup::apply(&txn, &deltas.0).await.expect("apply");
    txn.commit().await.expect("commit");
}

#[test]
fn the_rollups_equal_a_recomputation_after_random_writes() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let app = rt.block_on(TestApp::new());
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..40), |ops| {
            rt.block_on(async {
                clear(&app.db).await;
                let mut live = Vec::new();
                for op in &ops {
                    write(&app.db, &mut live, op).await;
                }
                let stored = rollup::stored(&app.db).await.expect("stored");
                let expected = rollup::recompute(&app.db).await.expect("recompute");
                prop_assert_eq!(stored, expected);
                Ok(())
            })
        })
        .expect("rollups follow every write");
    // And after everything is deleted, nothing is left behind.
    rt.block_on(async {
        let all = session::Entity::find()
            .all(&app.db)
            .await
            .expect("sessions");
        let mut live = all;
        while !live.is_empty() {
            write(&app.db, &mut live, &Op::Delete(0)).await;
        }
        assert_eq!(
            rollup::stored(&app.db).await.expect("stored"),
            rollup::Snapshot::default()
        );
    });
}

#[tokio::test]
async fn the_offer_rollups_are_backfilled_from_sessions_stored_before_they_existed() {
    let app = TestApp::new().await;
    // Rows written without deltas stand for sessions stored before the migration.
    let mut rows = Vec::new();
    for s in [
        (
            "1904",
            "abc",
            "completed",
            "2024-02-01",
            ",sv,ar,",
            "digital",
            ",1980,",
            false,
        ),
        (
            "1904",
            "abc",
            "planned",
            "2024-02-20",
            ",sv,",
            "hybrid",
            "",
            true,
        ),
        (
            "1904",
            "abc",
            "cancelled",
            "2024-03-01",
            ",so,",
            "digital",
            "",
            true,
        ),
        (
            "1980",
            "komet",
            "open",
            "2025-12-31",
            ",en,",
            "in_person",
            "",
            false,
        ),
    ] {
        let mut m = session(s.0, s.1, s.2, s.3);
        m.languages = s.4.into();
        m.delivery = s.5.into();
        m.co_hosts = s.6.into();
        m.open_to_other_municipalities = s.7;
        m.seq = next_seq();
        rows.push(m);
    }
    api::resources::sessions::store::insert_many(&app.db, &rows)
        .await
        .expect("insert");
    // Undo the offer-rollup migration by hand, then migrate again.
    for sql in [
        "DROP TABLE offer_rollup",
        "DROP TABLE offer_language_rollup",
        "DROP INDEX idx_reach_rollup_year",
        "DELETE FROM seaql_migrations WHERE version = 'm20261126_000003_offer_rollup'",
    ] {
        app.db.execute_unprepared(sql).await.expect(sql);
    }
    api::store::db::migrate(&app.db).await.expect("migrate");
    let stored = rollup::stored(&app.db).await.expect("stored");
    let expected = rollup::recompute(&app.db).await.expect("recompute");
    assert_eq!(expected.offer.len(), 2, "1904 2024-Q1 and 1980 2025-Q4");
    assert_eq!(
        rollup::Snapshot {
            reach: Default::default(),
            ..stored
        },
        rollup::Snapshot {
            reach: Default::default(),
            ..expected
        }
    );
}
