//! Hand-made sessions for the reach and indicator tests, written the way the
//! write API writes them: `store::insert_many` plus the rollup deltas, in one
//! transaction.

use api::store::rollup::{apply, Deltas};
use chrono::{NaiveDate, TimeZone, Utc};
use entity::session;
use sea_orm::{DatabaseConnection, TransactionTrait};

/// A session with every field defaulted to something valid; tests set what matters.
pub fn session(municipality: &str, programme: &str, status: &str, start: &str) -> session::Model {
    let start = NaiveDate::parse_from_str(start, "%Y-%m-%d").expect("test date");
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    session::Model {
        id: uuid::Uuid::new_v4(),
        municipality_code: municipality.into(),
        external_id: uuid::Uuid::new_v4().to_string(),
        programme: programme.into(),
        provider: None,
        status: status.into(),
        start_date: start,
        end_date: None,
        meetings: None,
        languages: ",sv,".into(),
        delivery: "in_person".into(),
        area: None,
        co_hosts: String::new(),
        open_to_other_municipalities: false,
        capacity: None,
        enrolled: 0,
        completed: 0,
        women: None,
        men: None,
        vulnerable_area: None,
        satisfaction_respondents: None,
        satisfied: None,
        seq: 0,
        created_at: at,
        updated_at: at,
        record_key: i64::from(rand::random::<u32>()),
        schedule: None,
        venue: None,
        registration: None,
        cost: None,
        places_left: None,
        accessibility: None,
    }
}

/// The people counts of a session, by name.
#[derive(Debug, Clone, Copy)]
pub struct People {
    pub enrolled: i32,
    pub completed: i32,
    pub women: i32,
    pub men: i32,
    pub vulnerable: i32,
    pub respondents: i32,
    pub satisfied: i32,
}

/// Sets the people counts of a session.
pub fn counts(mut s: session::Model, p: People) -> session::Model {
    s.enrolled = p.enrolled;
    s.completed = p.completed;
    s.women = Some(p.women);
    s.men = Some(p.men);
    s.vulnerable_area = Some(p.vulnerable);
    s.satisfaction_respondents = Some(p.respondents);
    s.satisfied = Some(p.satisfied);
    s
}

static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);

/// A feed position no other test session has.
pub fn next_seq() -> i64 {
    SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

/// Inserts the sessions and applies their rollup deltas in one transaction.
pub async fn insert(db: &DatabaseConnection, rows: Vec<session::Model>) {
    let rows: Vec<session::Model> = rows
        .into_iter()
        .map(|mut s| {
            s.seq = next_seq();
            s
        })
        .collect();
    let txn = db.begin().await.expect("begin");
    api::resources::sessions::store::insert_many(&txn, &rows)
        .await
        .expect("insert sessions");
    let mut deltas = Deltas::default();
    for s in &rows {
        deltas.record(None, Some(s));
    }
    apply(&txn, &deltas.0).await.expect("apply deltas");
    // As every writer does: a new data version, so ETags and cached answers move on.
    sea_orm::ConnectionTrait::execute_unprepared(
        &txn,
        "UPDATE feed_counter SET data_version = data_version + 1 WHERE id = 1",
    )
    .await
    .expect("bump data version");
    txn.commit().await.expect("commit");
}
