//! Upcoming sessions, as the calendar feed and the page's finder both list
//! them, and a session as a calendar event.

use chrono::{Duration, NaiveDate};
use sea_orm::ConnectionTrait;

use super::ics::{Event, EventStatus};
use crate::error::ApiError;
use crate::resources::sessions::query::{list_sessions, SessionFilter, SessionQuery};
use crate::resources::sessions::wire::Session;
use crate::store::catalogue::Catalogues;
use crate::vocab::{Delivery, SessionStatus};

/// Most events in one feed: a calendar app polls the feed often, and a few
/// thousand events is already more than any person subscribes to.
pub const MAX_EVENTS: u64 = 10_000;

/// "Upcoming" means starting today or later: a parent can still join such a
/// session. Sessions already under way are left out even if they end later.
/// Cancelled sessions stay in (a calendar must learn of the cancellation).
pub fn upcoming(mut filter: SessionFilter, today: NaiveDate) -> SessionFilter {
    filter.start_from = Some(filter.start_from.map_or(today, |d| d.max(today)));
    filter
}

/// The first `max` sessions of `query`, in the list's order.
pub async fn first_sessions(
    db: &impl ConnectionTrait,
    query: &SessionQuery,
    max: u64,
) -> Result<Vec<Session>, ApiError> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let want = (max - out.len() as u64).min(1000);
        let (rows, last) = list_sessions(db, query, after, want).await?;
        out.extend(rows);
        match last {
            Some(k) if (out.len() as u64) < max => after = Some(k),
            _ => return Ok(out),
        }
    }
}

/// A session as an all-day event. `base` is the API's origin, for the `URL`.
pub fn event_of(s: &Session, cat: &Catalogues, base: &str) -> Event {
    let programme = cat
        .programme(&s.programme)
        .map_or(s.programme.clone(), |p| p.name_sv.clone());
    let municipality = cat
        .municipality(&s.municipality_code)
        .map_or(s.municipality_code.clone(), |m| m.name.clone());
    let location = match (&s.area, s.delivery) {
        (_, Delivery::Digital) => format!("{municipality} (digitalt)"),
        (Some(area), _) => format!("{municipality}, {area}"),
        (None, _) => municipality,
    };
    let mut description = Vec::new();
    if let Some(p) = &s.provider {
        description.push(format!("Arrangör: {p}"));
    }
    if let Some(m) = s.meetings {
        description.push(format!("Träffar: {m}"));
    }
    if !s.languages.is_empty() {
        description.push(format!("Språk: {}", s.languages.join(", ")));
    }
    let end = s.end_date.unwrap_or(s.start_date).max(s.start_date);
    Event {
        uid: format!("{}@foraldraskapsstod", s.id),
        stamp: s.updated_at,
        start: s.start_date,
        end: end + Duration::days(1),
        summary: programme,
        location: Some(location),
        description: (!description.is_empty()).then(|| description.join("\n")),
        url: format!("{base}/v1/sessions/{}", s.id),
        status: match s.status {
            SessionStatus::Cancelled => EventStatus::Cancelled,
            SessionStatus::Planned => EventStatus::Tentative,
            _ => EventStatus::Confirmed,
        },
    }
}
