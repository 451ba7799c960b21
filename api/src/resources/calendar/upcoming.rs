//! Upcoming sessions, as the calendar feed and the page's finder both list
//! them, and a session as calendar events.

use chrono::{Duration, NaiveDate};
use sea_orm::ConnectionTrait;

use super::ics::{Event, EventStatus, When};
use crate::error::ApiError;
use crate::resources::sessions::query::{list_sessions, SessionFilter, SessionQuery};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::vocab::{language_name_sv, SessionStatus};

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

/// A session as calendar events: one per meeting when its schedule gives
/// them (timed when it gives times), else one all-day event over its span.
/// `base` is the site's origin, for the `URL` of the session's page.
pub fn events_of(s: &Session, cat: &ReferenceData, base: &str) -> Vec<Event> {
    let programme = cat
        .programme(&s.programme)
        .map_or(s.programme.clone(), |p| p.name_sv.clone());
    let municipality = cat
        .municipality(&s.municipality_code)
        .map_or(s.municipality_code.clone(), |m| m.name.clone());
    let mut description = Vec::new();
    if let Some(p) = &s.provider {
        description.push(format!("Arrangör: {p}"));
    }
    if !s.languages.is_empty() {
        let names: Vec<&str> = s.languages.iter().map(|l| language_name_sv(l)).collect();
        description.push(format!("Språk: {}", names.join(", ")));
    }
    if let Some(r) = &s.registration {
        let ways: Vec<&str> = [&r.url, &r.email, &r.phone]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !ways.is_empty() {
            description.push(format!("Anmälan: {}", ways.join(", ")));
        }
    }
    let event = |uid: String, summary: String, start: When, end: Option<When>| Event {
        uid,
        stamp: s.updated_at,
        start,
        end,
        summary,
        location: Some(s.place(&municipality, "Digitalt")),
        description: (!description.is_empty()).then(|| description.join("\n")),
        url: format!("{base}/kurs/{}", s.id),
        status: match s.status {
            SessionStatus::Cancelled => EventStatus::Cancelled,
            SessionStatus::Planned => EventStatus::Tentative,
            _ => EventStatus::Confirmed,
        },
    };
    let dates = s
        .schedule
        .as_ref()
        .map(|sc| sc.meeting_dates(s.start_date, s.meetings))
        .unwrap_or_default();
    if dates.is_empty() {
        let end = s.end_date.unwrap_or(s.start_date).max(s.start_date);
        return vec![event(
            format!("{}@foraldraskapsstod", s.id),
            programme,
            When::Day(s.start_date),
            Some(When::Day(end + Duration::days(1))),
        )];
    }
    let times = s.schedule.as_ref().and_then(|sc| sc.times());
    let n = dates.len();
    dates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (start, end) = match times {
                Some((from, to)) => (
                    When::Local(d.and_time(from)),
                    to.map(|to| When::Local(d.and_time(to))),
                ),
                None => (When::Day(*d), Some(When::Day(*d + Duration::days(1)))),
            };
            event(
                // Per meeting date: a moved meeting is a new event, the rest keep theirs.
                format!("{}-{}@foraldraskapsstod", s.id, d.format("%Y%m%d")),
                format!("{programme} – träff {} av {n}", i + 1),
                start,
                end,
            )
        })
        .collect()
}
