//! `GET /v1/sessions.ics` and `GET /v1/sessions/{id}/calendar.ics`: sessions
//! as RFC 5545 events that parents' calendar apps subscribe to or import.
//!
//! The single-session path is `/{id}/calendar.ics`, not `/{id}.ics`: the
//! router matches `{id}` as a whole segment, so `{id}.ics` would fall to
//! `getSession` and fail its UUID pattern.

pub mod ics;
pub mod upcoming;

use chrono::{DateTime, NaiveDate, Utc};
use poem::{IntoResponse, Request, Response};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use self::upcoming::{events_of, first_sessions, upcoming, MAX_EVENTS};
use crate::error::{ApiError, ListError, LookupError};
use crate::http::formats;
use crate::http::openapi::tags::ApiTags;
use crate::http::paging::public_base;
use crate::resources::sessions::query::{get_session, FilterParams, SessionFilter, SessionQuery};
use crate::resources::sessions::sessions_file_name;
use crate::state::AppState;
use crate::vocab::{Delivery, PreventionLevel, SessionStatus};

/// An iCalendar document (RFC 5545), UTF-8 with CRLF line endings, and the
/// name a browser saves it under.
pub struct ICalendar {
    text: String,
    name: String,
}

impl Payload for ICalendar {
    const CONTENT_TYPE: &'static str = "text/calendar; charset=utf-8";
    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some("RFC 5545 iCalendar: one VEVENT per meeting, or per session when its meetings are not known."),
            example: Some(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Regional samling för föräldraskapsstöd//Öppna data//SV\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Föräldraskapsstöd\r\nBEGIN:VEVENT\r\nUID:6f1c2b7a-4d0e-4a7b-9c55-31d28e4fa001@foraldraskapsstod\r\nDTSTAMP:20250325T080000Z\r\nDTSTART;VALUE=DATE:20250203\r\nDTEND;VALUE=DATE:20250325\r\nSUMMARY:ABC – Alla Barn i Centrum\r\nLOCATION:Västerås\\, Bäckby\r\nURL:https://api.example.org/v1/sessions/6f1c2b7a-4d0e-4a7b-9c55-31d28e4fa001\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
                    .into(),
            ),
            ..MetaSchema::new("string")
        }))
    }
}

impl IntoResponse for ICalendar {
    fn into_response(self) -> Response {
        let resp = Response::builder()
            .content_type(Self::CONTENT_TYPE)
            .body(self.text);
        formats::attachment(resp, &self.name, "ics")
    }
}

#[derive(ApiResponse)]
pub enum CalendarResponse {
    /// The sessions as an iCalendar feed.
    #[oai(
        status = 200,
        content_type = "text/calendar; charset=utf-8",
        header(
            name = "Content-Disposition",
            ty = "String",
            description = "`attachment; filename=\"…\"`: `sessions-1980.ics` for a feed (its municipalities and programmes), `kurs-abc-2027-03-02.ics` for one session."
        )
    )]
    Ok(ICalendar),
}

pub struct CalendarApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Sessions")]
impl CalendarApi {
    /// Kommande tillfällen som kalender / Upcoming sessions as a calendar feed
    ///
    /// The sessions that start today or later (UTC date), with the same filters
    /// as `GET /v1/sessions` (`start_from` can only move the start later), as
    /// an RFC 5545 iCalendar feed to subscribe to. A session whose `schedule`
    /// gives its meetings is one event per meeting (`UID`
    /// `<session id>-<YYYYMMDD>@foraldraskapsstod`, `SUMMARY` "<programme> –
    /// träff 3 av 8"), timed in `Europe/Stockholm` (with its `VTIMEZONE`)
    /// when the schedule has times, else all-day; any other session is one
    /// all-day event over its span (`UID` `<session id>@foraldraskapsstod`,
    /// `DTEND` exclusive). `DTSTAMP` is the session's `updated_at`, `LOCATION`
    /// the venue (else the municipality and area), `DESCRIPTION` the provider,
    /// language names and how to sign up, `URL` the session's page, `STATUS`
    /// `TENTATIVE` for a planned session, `CANCELLED` for a cancelled one,
    /// else `CONFIRMED`. At most 10,000 events (whole sessions), the earliest
    /// first.
    ///
    /// `programme` must name a programme in the catalogue (`/v1/programmes`); the
    /// catalogue changes, so the schema states only a slug's form: an unknown slug is 400.
    #[oai(
        path = "/sessions.ics",
        method = "get",
        operation_id = "listSessionsCalendar"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn feed(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// Delivering municipality (4-digit SCB code); repeatable.
        #[oai(default, example = "example_municipalities")]
        municipality: Query<Vec<String>>,
        /// Programme slug; repeatable.
        #[oai(default)]
        programme: Query<Vec<String>>,
        /// Session status; repeatable.
        #[oai(default)]
        status: Query<Vec<SessionStatus>>,
        /// Earliest `start_date` (inclusive), `YYYY-MM-DD`; today when earlier.
        start_from: Query<Option<NaiveDate>>,
        /// Latest `start_date` (inclusive), `YYYY-MM-DD`.
        start_to: Query<Option<NaiveDate>>,
        /// Only sessions whose programme's age range covers a child of this age
        /// (0–18). A programme whose age range is unknown is never matched.
        child_age: Query<Option<i32>>,
        /// Only sessions held in this language (ISO 639-1, e.g. `ar`).
        language: Query<Option<String>>,
        delivery: Query<Option<Delivery>>,
        /// Only sessions whose programme works at this prevention level.
        prevention_level: Query<Option<PreventionLevel>>,
        /// Only sessions changed at or after this instant (RFC 3339).
        updated_since: Query<Option<DateTime<Utc>>>,
    ) -> Result<CalendarResponse, ListError> {
        let filter = SessionFilter::parse(FilterParams {
            municipality: municipality.0,
            programme: programme.0,
            status: status.0,
            start_from: start_from.0,
            start_to: start_to.0,
            child_age: child_age.0,
            language: language.0,
            delivery: delivery.0,
            prevention_level: prevention_level.0,
            updated_since: updated_since.0,
        })?;
        let cat = state.reference.current(&state.db).await?;
        let query = SessionQuery::resolve(upcoming(filter, Utc::now().date_naive()), &cat)?;
        let sessions = first_sessions(&state.db, &query, MAX_EVENTS).await?;
        let base = public_base(req, state.settings.public_base_url.as_deref());
        let mut events = Vec::new();
        for s in &sessions {
            let more = events_of(s, &cat, &base);
            if (events.len() + more.len()) as u64 > MAX_EVENTS {
                break;
            }
            events.extend(more);
        }
        Ok(CalendarResponse::Ok(ICalendar {
            text: ics::calendar("Föräldraskapsstöd – kommande kurser", &events),
            name: sessions_file_name(&query),
        }))
    }

    /// Ett tillfälle som kalenderpost / One session as a calendar entry
    ///
    /// The session as an RFC 5545 iCalendar file with the same events as in
    /// `GET /v1/sessions.ics` (one per meeting where the schedule gives them),
    /// for an "add to calendar" link.
    /// Any status and date, past sessions too.
    #[oai(
        path = "/sessions/:id/calendar.ics",
        method = "get",
        operation_id = "getSessionCalendar"
    )]
    async fn one(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// The session's id (UUID).
        #[oai(example = "example_id")]
        id: Path<String>,
    ) -> Result<CalendarResponse, LookupError> {
        let id = Uuid::parse_str(&id.0)
            .map_err(|_| ApiError::invalid_parameter("id", format!("'{}' is not a UUID", id.0)))?;
        let session = get_session(&state.db, id).await?;
        let cat = state.reference.current(&state.db).await?;
        let base = public_base(req, state.settings.public_base_url.as_deref());
        let events = events_of(&session, &cat, &base);
        let name = cat
            .programme(&session.programme)
            .map_or(session.programme.clone(), |p| p.name_sv.clone());
        let file = formats::file_name([
            "kurs".to_owned(),
            session.programme.clone(),
            session.start_date.to_string(),
        ]);
        Ok(CalendarResponse::Ok(ICalendar {
            text: ics::calendar(&name, &events),
            name: file,
        }))
    }
}

fn example_municipalities() -> Vec<String> {
    vec!["1980".into()]
}

fn example_id() -> String {
    "6f1c2b7a-4d0e-4a7b-9c55-31d28e4fa001".into()
}
