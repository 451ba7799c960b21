//! What clients see of a session. Breakdowns (women, men, vulnerable_area,
//! satisfaction) are deliberately absent from `Session`: they are published
//! only in aggregates, after disclosure control.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use entity::session;
use poem_openapi::Object;
use serde::Serialize;
use uuid::Uuid;

use super::details::{self, columns, Accessibility, Cost, Registration, Schedule, Venue};
use super::store::PublicSession;
use crate::error::ApiError;
use crate::http::formats::{joined, Cell, FlatRecord};
use crate::http::json::{rfc3339, EncodedSize};
use crate::vocab::{stored, Delivery, SessionStatus, Weekday};

/// One round of a programme delivered or planned by a municipality (public view).
#[derive(Debug, Clone, Object, Serialize)]
#[oai(example)]
pub struct Session {
    /// Assigned by the API; never changes.
    pub id: Uuid,
    /// The municipality that delivers the session (4-digit SCB code).
    pub municipality_code: String,
    /// The municipality's own id for the session, unique within the municipality.
    pub external_id: String,
    /// Programme slug.
    pub programme: String,
    /// Who runs it (unit, organisation).
    pub provider: Option<String>,
    pub status: SessionStatus,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// Number of meetings.
    pub meetings: Option<i32>,
    /// ISO 639-1 codes of the languages the session is held in.
    pub languages: Vec<String>,
    pub delivery: Delivery,
    /// District or area within the municipality.
    pub area: Option<String>,
    /// Other municipalities hosting the session together with this one, as
    /// the writing municipality states it: the writer's claim, not confirmed
    /// by the municipalities named (each writes only its own sessions).
    pub co_hosts: Vec<String>,
    /// Parents from other municipalities may take part.
    pub open_to_other_municipalities: bool,
    /// Places offered.
    pub capacity: Option<i32>,
    /// Participations registered (parents, not unique people across sessions).
    pub enrolled: i32,
    /// Participations completed.
    pub completed: i32,
    /// When the meetings are.
    pub schedule: Option<Schedule>,
    /// Where; none for a digital session.
    pub venue: Option<Venue>,
    /// How to sign up.
    pub registration: Option<Registration>,
    pub cost: Option<Cost>,
    /// Places a parent can still take while the session is planned or open:
    /// the municipality's figure, or `capacity − enrolled` when it sends none.
    /// Null for a session under way, over or cancelled, and when neither is known.
    pub places_left: Option<i32>,
    pub accessibility: Option<Accessibility>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for Session {
    fn example() -> Self {
        Self {
            id: Uuid::from_u128(0x6f1c_2b7a_4d0e_4a7b_9c55_31d2_8e4f_a001),
            municipality_code: "1980".into(),
            external_id: "VAS-2025-014".into(),
            programme: "abc".into(),
            provider: Some("Familjecentralen Bäckby".into()),
            status: SessionStatus::Completed,
            start_date: NaiveDate::from_ymd_opt(2025, 2, 3).unwrap_or_default(),
            end_date: NaiveDate::from_ymd_opt(2025, 3, 24),
            meetings: Some(4),
            languages: vec!["sv".into(), "ar".into()],
            delivery: Delivery::InPerson,
            area: Some("Bäckby".into()),
            co_hosts: vec![],
            open_to_other_municipalities: false,
            capacity: Some(14),
            enrolled: 12,
            completed: 10,
            schedule: Some(Schedule {
                weekday: Some(Weekday::Monday),
                dates: None,
                except_dates: Some(vec![
                    NaiveDate::from_ymd_opt(2025, 2, 17).unwrap_or_default()
                ]),
                start_time: Some("17:30".into()),
                end_time: Some("19:00".into()),
                note: None,
            }),
            venue: Some(Venue {
                name: Some("Familjecentralen Bäckby".into()),
                street_address: Some("Bäckby centrum 2".into()),
                postal_code: Some("723 46".into()),
                town: Some("Västerås".into()),
                latitude: Some(59.6290),
                longitude: Some(16.4720),
            }),
            registration: Some(Registration {
                url: Some("https://www.vasteras.se/foraldraskap".into()),
                email: None,
                phone: Some("021-39 00 00".into()),
                instructions: None,
                deadline: NaiveDate::from_ymd_opt(2025, 1, 27),
            }),
            cost: Some(Cost {
                free: true,
                amount_sek: None,
                note: None,
            }),
            places_left: None,
            accessibility: Some(Accessibility {
                interpreter_on_request: Some(true),
                step_free_access: Some(true),
                note: None,
            }),
            created_at: "2025-01-10T08:00:00Z".parse().unwrap_or_default(),
            updated_at: "2025-03-25T08:00:00Z".parse().unwrap_or_default(),
        }
    }
}

pub fn split_stored(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `,sv,en,`: delimited on both sides so `LIKE '%,sv,%'` matches whole codes.
pub fn join_stored(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(",{},", items.join(","))
    }
}

impl TryFrom<session::Model> for Session {
    type Error = ApiError;

    fn try_from(s: session::Model) -> Result<Self, ApiError> {
        PublicSession::from(s).try_into()
    }
}

impl TryFrom<PublicSession> for Session {
    type Error = ApiError;

    fn try_from(s: PublicSession) -> Result<Self, ApiError> {
        let status = stored("sessions.status", &s.status, SessionStatus::parse)?;
        Ok(Self {
            schedule: details::read("sessions.schedule", s.schedule.as_deref())?,
            venue: details::read("sessions.venue", s.venue.as_deref())?,
            registration: details::read("sessions.registration", s.registration.as_deref())?,
            cost: details::read("sessions.cost", s.cost.as_deref())?,
            places_left: details::places_left(s.places_left, s.capacity, s.enrolled, status),
            accessibility: details::read("sessions.accessibility", s.accessibility.as_deref())?,
            id: s.id,
            languages: split_stored(&s.languages),
            co_hosts: split_stored(&s.co_hosts),
            status,
            delivery: stored("sessions.delivery", &s.delivery, Delivery::parse)?,
            municipality_code: s.municipality_code,
            external_id: s.external_id,
            programme: s.programme,
            provider: s.provider,
            start_date: s.start_date,
            end_date: s.end_date,
            meetings: s.meetings,
            area: s.area,
            open_to_other_municipalities: s.open_to_other_municipalities,
            capacity: s.capacity,
            enrolled: s.enrolled,
            completed: s.completed,
            created_at: s.created_at,
            updated_at: s.updated_at,
        })
    }
}

/// The CSV's columns: the session's own, then its details flattened.
static COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let own = [
        "id",
        "municipality_code",
        "external_id",
        "programme",
        "provider",
        "status",
        "start_date",
        "end_date",
        "meetings",
        "languages",
        "delivery",
        "area",
        "co_hosts",
        "open_to_other_municipalities",
        "capacity",
        "enrolled",
        "completed",
        "places_left",
        "created_at",
        "updated_at",
    ];
    own.into_iter().chain(columns::names()).collect()
});

impl FlatRecord for Session {
    fn columns() -> &'static [&'static str] {
        &COLUMNS
    }
    fn cells(&self) -> Vec<Cell> {
        let mut cells = vec![
            self.id.to_string().into(),
            (&self.municipality_code).into(),
            (&self.external_id).into(),
            (&self.programme).into(),
            self.provider.as_ref().into(),
            self.status.to_string().into(),
            self.start_date.into(),
            self.end_date.into(),
            self.meetings.into(),
            joined(&self.languages).into(),
            self.delivery.to_string().into(),
            self.area.as_ref().into(),
            joined(&self.co_hosts).into(),
            self.open_to_other_municipalities.into(),
            self.capacity.into(),
            self.enrolled.into(),
            self.completed.into(),
            self.places_left.into(),
            self.created_at.to_rfc3339().into(),
            self.updated_at.to_rfc3339().into(),
        ];
        cells.extend(columns::cells(&self.details_json()));
        cells
    }
}

impl Session {
    /// Where the session is held, in words, for the calendar's `LOCATION`
    /// and the page's card: the venue with its address, else the
    /// municipality and area; a digital session is `digital` (in the
    /// reader's language) and its municipality.
    pub fn place(&self, municipality: &str, digital: &str) -> String {
        if self.delivery == Delivery::Digital {
            return format!("{digital} ({municipality})");
        }
        match (&self.venue, &self.area) {
            (Some(v), _) => v.in_words(municipality),
            (None, Some(a)) => format!("{municipality}, {a}"),
            (None, None) => municipality.to_owned(),
        }
    }

    /// The details as JSON objects by name, for flattening.
    fn details_json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut out = serde_json::Map::new();
        let mut put = |name: &str, v: serde_json::Result<serde_json::Value>| {
            if let Ok(v) = v {
                out.insert(name.to_owned(), v);
            }
        };
        put("schedule", serde_json::to_value(&self.schedule));
        put("venue", serde_json::to_value(&self.venue));
        put("registration", serde_json::to_value(&self.registration));
        put("cost", serde_json::to_value(&self.cost));
        put("accessibility", serde_json::to_value(&self.accessibility));
        out
    }
}

/// One page of sessions.
#[derive(Debug, Clone, Object, Serialize)]
pub struct SessionPage {
    pub data: Vec<Session>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The next page's URL with every filter kept; null on the last page.
    pub next: Option<String>,
}

crate::list_page!(SessionPage, Session);

/// A session's JSON without details is ~350–600 bytes (the hot list's 100:
/// 48,506 bytes), and each detail object it carries adds up to ~200 more;
/// a page adds its cursor and `next` link.
const SESSION_JSON_BYTES: usize = 640;
const DETAIL_JSON_BYTES: usize = 200;

impl EncodedSize for Session {
    fn encoded_size(&self) -> usize {
        let details = [
            self.schedule.is_some(),
            self.venue.is_some(),
            self.registration.is_some(),
            self.cost.is_some(),
            self.accessibility.is_some(),
        ];
        SESSION_JSON_BYTES + DETAIL_JSON_BYTES * details.iter().filter(|d| **d).count()
    }
}

impl EncodedSize for SessionPage {
    fn encoded_size(&self) -> usize {
        1024 + self
            .data
            .iter()
            .map(EncodedSize::encoded_size)
            .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::Example;

    use super::*;
    use crate::http::json::{assert_same_json, assert_size_hint};

    #[test]
    fn a_page_of_examples_fits_its_size_hint() {
        assert_size_hint(&Session::example());
        let mut bare = Session::example();
        (bare.schedule, bare.venue, bare.registration) = (None, None, None);
        (bare.cost, bare.accessibility) = (None, None);
        assert_size_hint(&bare);
        assert_size_hint(&SessionPage {
            data: vec![Session::example(); 100],
            next_cursor: Some("a".repeat(80)),
            next: Some(format!(
                "https://api.example.org/v1/sessions?cursor={}",
                "a".repeat(80)
            )),
        });
    }

    #[test]
    fn a_page_serializes_to_what_its_schema_type_says() {
        let full = Session::example();
        let mut sparse = Session::example();
        (sparse.provider, sparse.end_date, sparse.meetings) = (None, None, None);
        (sparse.area, sparse.capacity) = (None, None);
        sparse.languages.clear();
        sparse.created_at = "2025-01-10T08:00:00.123456Z".parse().unwrap();
        assert_same_json(&full);
        assert_same_json(&sparse);
        assert_same_json(&SessionPage {
            data: vec![full, sparse],
            next_cursor: Some("abc".into()),
            next: None,
        });
    }
}
