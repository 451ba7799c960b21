//! Sessions whose expected filter results are known by hand, and the request
//! body of a valid session write.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::session;
use uuid::Uuid;

use super::TestApp;

/// Per-session figures the public API must never show.
pub const BREAKDOWNS: [&str; 5] = [
    "women",
    "men",
    "vulnerable_area",
    "satisfaction_respondents",
    "satisfied",
];

/// A valid session body with the given external id and start date.
pub fn session_json(external_id: &str, start_date: &str) -> serde_json::Value {
    serde_json::json!({
        "external_id": external_id,
        "programme": "abc",
        "status": "completed",
        "start_date": start_date,
        "delivery": "in_person",
        "languages": ["sv"],
        "enrolled": 12,
        "completed": 10,
        "women": 7,
        "men": 5,
        "vulnerable_area": 3,
        "satisfaction_respondents": 8,
        "satisfied": 7
    })
}

pub fn ids<const N: usize>(ns: [u128; N]) -> BTreeSet<String> {
    ns.iter().map(|n| Uuid::from_u128(*n).to_string()).collect()
}

pub fn set(keys: Vec<String>) -> BTreeSet<String> {
    keys.into_iter().collect()
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("fixture date")
}

fn instant(s: &str) -> DateTime<Utc> {
    s.parse().expect("fixture timestamp")
}

/// A hand-made stored session; `n` becomes its id (`Uuid::from_u128(n)`) and seq.
#[allow(clippy::too_many_arguments)]
pub fn session(
    n: u128,
    municipality: &str,
    programme: &str,
    status: &str,
    start: &str,
    languages: &[&str],
    delivery: &str,
    updated_at: &str,
) -> session::Model {
    session::Model {
        id: Uuid::from_u128(n),
        municipality_code: municipality.into(),
        external_id: format!("T-{n}"),
        programme: programme.into(),
        provider: Some("Familjecentralen".into()),
        status: status.into(),
        start_date: date(start),
        end_date: Some(date(start) + chrono::Duration::weeks(8)),
        meetings: Some(8),
        languages: format!(",{},", languages.join(",")),
        delivery: delivery.into(),
        area: None,
        co_hosts: String::new(),
        open_to_other_municipalities: false,
        capacity: Some(14),
        enrolled: 11,
        completed: 9,
        // Distinctive breakdowns, so a leak would be visible.
        women: Some(7),
        men: Some(3),
        vulnerable_area: Some(2),
        satisfaction_respondents: Some(6),
        satisfied: Some(5),
        seq: n as i64,
        created_at: instant("2023-01-01T08:00:00Z"),
        updated_at: instant(updated_at),
        record_key: i64::from(rand::random::<u32>()),
        schedule: None,
        venue: None,
        registration: None,
        cost: None,
        places_left: None,
        accessibility: None,
    }
}

/// Six sessions chosen so that every filter of `/v1/sessions` picks a known,
/// non-trivial subset. Programmes (from the reference data):
/// abc 3–12 universal; komet 3–11 indicated; connect 8–18, levels unknown;
/// bvc-foraldragrupp 0–unknown universal; trygghetscirkeln 0–6 universal;
/// pmto 3–12 indicated.
#[rustfmt::skip]
fn known_sessions() -> Vec<session::Model> {
    vec![
        session(1, "1980", "abc", "completed", "2024-02-01", &["sv"], "in_person", "2024-04-01T10:00:00Z"),
        session(2, "1980", "komet", "ongoing", "2025-09-01", &["sv", "ar"], "digital", "2025-09-02T12:00:00Z"),
        session(3, "1983", "connect", "planned", "2026-03-01", &["sv", "en"], "hybrid", "2026-01-10T09:00:00Z"),
        session(4, "0180", "bvc-foraldragrupp", "open", "2025-11-15", &["so"], "in_person", "2025-11-01T09:00:00Z"),
        session(5, "1907", "trygghetscirkeln", "cancelled", "2025-01-20", &["sv"], "digital", "2025-02-01T09:00:00Z"),
        session(6, "1980", "pmto", "completed", "2023-05-05", &["ar"], "in_person", "2023-06-30T09:00:00Z"),
    ]
}

impl TestApp {
    /// An app holding the six known sessions (see `known_sessions`).
    pub async fn with_known_sessions() -> Self {
        let app = Self::new().await;
        api::resources::sessions::store::insert_many(&app.db, &known_sessions())
            .await
            .expect("insert known sessions");
        app
    }

    pub async fn with_demo_sessions(n: u64, seed: u64) -> Self {
        let app = Self::new().await;
        app.add_demo_sessions(n, seed).await;
        app
    }
}
