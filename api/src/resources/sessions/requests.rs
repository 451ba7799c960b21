//! What a municipality sends: one session, or a batch of them, and what a
//! batch answers.

use chrono::NaiveDate;
use poem_openapi::{Enum, Object};

use super::details::{Accessibility, Cost, Registration, Schedule, Venue};
use super::wire::Session;
use crate::store::audit::Counts;
use crate::vocab::{Delivery, SessionStatus};

/// A session as a municipality sends it. Unknown fields are rejected.
#[derive(Debug, Clone, Object)]
#[oai(example, deny_unknown_fields)]
pub struct SessionWrite {
    /// The municipality's own id, unique within the municipality (1–128 characters).
    /// Optional in a PUT (taken from the path; must match it when given).
    pub external_id: Option<String>,
    /// Programme slug (see `/v1/programmes`).
    pub programme: String,
    pub provider: Option<String>,
    pub status: SessionStatus,
    pub start_date: NaiveDate,
    /// On or after `start_date`.
    pub end_date: Option<NaiveDate>,
    pub meetings: Option<i32>,
    /// ISO 639-1 codes.
    pub languages: Option<Vec<String>>,
    pub delivery: Delivery,
    pub area: Option<String>,
    /// Municipality codes of co-hosting municipalities (not the own one).
    pub co_hosts: Option<Vec<String>>,
    pub open_to_other_municipalities: Option<bool>,
    pub capacity: Option<i32>,
    /// Default 0.
    pub enrolled: Option<i32>,
    /// At most `enrolled`. Default 0.
    pub completed: Option<i32>,
    /// Breakdowns: stored, never published per session; each at most `enrolled`, women + men too.
    pub women: Option<i32>,
    pub men: Option<i32>,
    pub vulnerable_area: Option<i32>,
    pub satisfaction_respondents: Option<i32>,
    /// At most `satisfaction_respondents`.
    pub satisfied: Option<i32>,
    /// When the meetings are. Each of `schedule`, `venue`, `registration`,
    /// `cost`, `places_left` and `accessibility` is kept as stored when a
    /// write leaves it out (in a PUT and in both batch modes), and cleared by `null`.
    pub schedule: Option<Schedule>,
    /// Not for a digital session.
    pub venue: Option<Venue>,
    pub registration: Option<Registration>,
    pub cost: Option<Cost>,
    /// At most `capacity`. When left null, readers get `capacity − enrolled`.
    pub places_left: Option<i32>,
    pub accessibility: Option<Accessibility>,
}

impl poem_openapi::types::Example for SessionWrite {
    fn example() -> Self {
        let example = Session::example();
        Self {
            external_id: Some("VAS-2025-014".into()),
            programme: "abc".into(),
            provider: Some("Familjecentralen Bäckby".into()),
            status: SessionStatus::Completed,
            start_date: NaiveDate::from_ymd_opt(2025, 2, 3).unwrap_or_default(),
            end_date: NaiveDate::from_ymd_opt(2025, 3, 24),
            meetings: Some(4),
            languages: Some(vec!["sv".into(), "ar".into()]),
            delivery: Delivery::InPerson,
            area: Some("Bäckby".into()),
            co_hosts: Some(vec![]),
            open_to_other_municipalities: Some(false),
            capacity: Some(14),
            enrolled: Some(12),
            completed: Some(10),
            women: Some(8),
            men: Some(4),
            vulnerable_area: Some(5),
            satisfaction_respondents: Some(9),
            satisfied: Some(8),
            schedule: example.schedule,
            venue: example.venue,
            registration: example.registration,
            cost: example.cost,
            places_left: None,
            accessibility: example.accessibility,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum BatchMode {
    /// Create or update the given sessions; leave the others.
    Upsert,
    /// Make the municipality's sessions (in `scope`) equal to the batch: absent ones are deleted.
    Replace,
}

/// Limits a `replace` to sessions whose `start_date` lies in the range.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct BatchScope {
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
}

/// Many sessions of one municipality, written all-or-nothing.
#[derive(Debug, Clone, Object)]
#[oai(example, deny_unknown_fields)]
pub struct SessionBatch {
    pub mode: BatchMode,
    /// Only with `replace`.
    pub scope: Option<BatchScope>,
    /// A replace that would delete more than half of the sessions in scope (and
    /// more than 20) is refused unless this is true.
    pub allow_mass_delete: Option<bool>,
    /// At most 10,000 sessions; `external_id` is required and unique within the batch.
    pub sessions: Vec<SessionWrite>,
}

impl poem_openapi::types::Example for SessionBatch {
    fn example() -> Self {
        Self {
            mode: BatchMode::Replace,
            scope: Some(BatchScope {
                start_from: NaiveDate::from_ymd_opt(2025, 1, 1),
                start_to: NaiveDate::from_ymd_opt(2025, 12, 31),
            }),
            allow_mass_delete: Some(false),
            sessions: vec![<SessionWrite as poem_openapi::types::Example>::example()],
        }
    }
}

/// What a batch did.
#[derive(Debug, Clone, Object)]
pub struct BatchResult {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl From<Counts> for BatchResult {
    fn from(c: Counts) -> Self {
        Self {
            created: c.created,
            updated: c.updated,
            unchanged: c.unchanged,
            deleted: c.deleted,
        }
    }
}
