//! What a parent needs to join a session: when the meetings are, where, how
//! to sign up, what it costs, places left, accessibility. Shapes and names
//! after Open Referral HSDS 3.0 (`schedule`, `location`/`address`,
//! `contact`, `cost_option`, `accessibility`), flattened where HSDS nests
//! for a whole service directory.
//!
//! Each object is stored as JSON text in the canonical form its type
//! serializes to (validation builds the type, then serializes it), so a
//! stored value always reads back as one of these types.

pub mod columns;
pub mod meetings;
pub mod objects;
pub mod validate;

use chrono::NaiveDate;
use poem_openapi::Object;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::vocab::{SessionStatus, Weekday};

/// When the meetings are held, in local time (Europe/Stockholm). Either a
/// weekly rule — `weekday`: the first meeting on the first such day on or
/// after the session's `start_date`, then every week until the session's
/// `meetings` are held, skipping `except_dates` — or the meeting `dates`.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct Schedule {
    /// Weekly on this day (needs the session's `meetings`). Not with `dates`.
    pub weekday: Option<Weekday>,
    /// The meeting dates, when they are not weekly (at most 100, in order). Not with `weekday`.
    pub dates: Option<Vec<NaiveDate>>,
    /// Weeks without a meeting in a weekly rule (the rule's weekday; at most 52).
    pub except_dates: Option<Vec<NaiveDate>>,
    /// When a meeting starts, `HH:MM` (24-hour clock).
    pub start_time: Option<String>,
    /// When a meeting ends, `HH:MM`; after `start_time`, which it needs.
    pub end_time: Option<String>,
    /// Anything else about the times, in words.
    pub note: Option<String>,
}

/// Where the meetings are held; none for a digital session.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct Venue {
    /// The place's name, e.g. "Familjecentralen Bäckby". `name` or `street_address` is required.
    pub name: Option<String>,
    pub street_address: Option<String>,
    /// Swedish postal code, `NNN NN` (the space optional).
    pub postal_code: Option<String>,
    /// Postal town.
    pub town: Option<String>,
    /// WGS 84, within Sweden (55.0–69.1); with `longitude`.
    pub latitude: Option<f64>,
    /// WGS 84, within Sweden (10.9–24.2); with `latitude`.
    pub longitude: Option<f64>,
}

impl Venue {
    /// "Familjecentralen Bäckby, Bäckbyvägen 2, 723 46 Västerås": the parts
    /// given, the town (or else the municipality) last.
    pub fn in_words(&self, municipality: &str) -> String {
        let town = match (&self.postal_code, &self.town) {
            (Some(p), Some(t)) => format!("{p} {t}"),
            (None, Some(t)) => t.clone(),
            _ => municipality.to_owned(),
        };
        [
            self.name.as_deref(),
            self.street_address.as_deref(),
            Some(town.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// How to sign up: at least one of `url`, `email`, `phone` and `instructions`.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct Registration {
    /// A sign-up form or page (`http://` or `https://`).
    pub url: Option<String>,
    pub email: Option<String>,
    /// As dialled, e.g. `021-39 00 00` or `+46 21 39 00 00`.
    pub phone: Option<String>,
    /// How to sign up, in words (e.g. "Ask your child health centre").
    pub instructions: Option<String>,
    /// The last day to sign up; not after the session's `end_date`.
    pub deadline: Option<NaiveDate>,
}

/// What taking part costs.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct Cost {
    /// True when it costs nothing.
    pub free: bool,
    /// The fee in Swedish kronor; required unless `free`, absent when `free`.
    pub amount_sek: Option<i32>,
    /// E.g. what the fee covers, or a reduced fee.
    pub note: Option<String>,
}

/// What makes the session accessible; at least one field.
#[derive(Debug, Clone, PartialEq, Object, Serialize, Deserialize)]
pub struct Accessibility {
    /// An interpreter can be booked on request.
    pub interpreter_on_request: Option<bool>,
    /// The venue can be reached without steps.
    pub step_free_access: Option<bool>,
    /// Anything else, in words.
    pub note: Option<String>,
}

/// A stored object read back as its type. Only this API's validation writes
/// them, so one that does not parse is a fault of the server, like an
/// unknown stored status.
pub fn read<T: for<'de> Deserialize<'de>>(
    column: &str,
    stored: Option<&str>,
) -> Result<Option<T>, ApiError> {
    stored
        .map(|s| {
            serde_json::from_str(s).map_err(|e| {
                ApiError::internal(format!("stored {column} {s:?} does not parse: {e}"))
            })
        })
        .transpose()
}

/// An object's canonical stored text.
pub fn store<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The places a parent can still take: the municipality's own figure, or
/// `capacity − enrolled` when it sends none. Only while one can sign up
/// (planned or open); for a session under way or over there is nothing to take.
pub fn places_left(
    stored: Option<i32>,
    capacity: Option<i32>,
    enrolled: i32,
    status: SessionStatus,
) -> Option<i32> {
    if !matches!(status, SessionStatus::Planned | SessionStatus::Open) {
        return None;
    }
    stored.or_else(|| capacity.map(|c| (c - enrolled).max(0)))
}
