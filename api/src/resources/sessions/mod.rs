//! `GET /v1/sessions[/{id}]`: the public view of sessions.

pub mod batch;
pub mod details;
pub mod query;
pub mod record;
pub mod requests;
pub mod store;
pub mod sync;
pub mod validate;
pub mod wire;
pub mod write;

use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};
use uuid::Uuid;

use self::query::{
    get_session, list_sessions, FilterParams, SessionFilter, SessionKey, SessionQuery,
};
use self::wire::{Session, SessionPage};
use crate::error::{ApiError, ListError, LookupError, Step};
use crate::http::formats::{self, file_name, Format};
use crate::http::json::JsonBody;
use crate::http::openapi::tags::ApiTags;
use crate::http::paging;
use crate::http::workbook::{self, xlsx_of, AboutLine};
use crate::state::AppState;
use crate::vocab::{join_codes, Delivery, PreventionLevel, SessionStatus};

/// Rows per database round trip when streaming a whole list.
const STREAM_CHUNK: u64 = 1000;

#[derive(ResponseContent)]
pub enum SessionListBody {
    Json(JsonBody<SessionPage>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
    Xlsx(formats::Xlsx),
}

#[derive(ApiResponse)]
pub enum SessionListResponse {
    /// A page of sessions (JSON), or every matching session (CSV, NDJSON:
    /// streamed; XLSX: a workbook of at most 50,000 sessions, more is a 400).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV and XLSX: `attachment; filename=\"…\"` (e.g. `sessions-1980.xlsx`)."
        )
    )]
    Ok(SessionListBody, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
pub enum SessionResponse {
    /// The session.
    #[oai(status = 200)]
    Ok(JsonBody<Session>),
}

pub struct SessionsApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Sessions")]
impl SessionsApi {
    /// Lista tillfällen / List sessions
    ///
    /// Sessions ordered by `start_date`, then `id` (a stable order), filtered by any
    /// combination of the parameters below (repeat `municipality`, `programme` or
    /// `status` to match any of several values). JSON is paged with an opaque
    /// `cursor`; CSV and NDJSON return every matching session in one streamed
    /// response. Per-session breakdowns (`women`, `men`, …) are never published
    /// here; aggregates publish them with the noise of disclosure control.
    ///
    /// `programme` must name a programme in the catalogue (`/v1/programmes`); the
    /// catalogue changes, so the schema states only a slug's form: an unknown slug is 400.
    ///
    /// A non-empty `cursor` that this API did not issue for the same filters is
    /// refused with 400 (start again without one).
    #[oai(path = "/sessions", method = "get", operation_id = "listSessions")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
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
        /// Earliest `start_date` (inclusive), `YYYY-MM-DD`.
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
        /// Page size, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Opaque cursor from `next_cursor`.
        cursor: Query<Option<String>>,
        /// Response format; equivalent to `Accept: text/csv`, `application/x-ndjson`
        /// or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (xlsx).
        format: Query<Option<Format>>,
    ) -> Result<SessionListResponse, ListError> {
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
        let query = SessionQuery::resolve(filter, &*state.reference.current(&state.db).await?)?;
        let chosen = formats::negotiate(req, format.0);
        if chosen != Format::Json {
            let body = download(&state, req, query, chosen).await?;
            return Ok(SessionListResponse::Ok(body, None));
        }
        let at = state.page_request(req, query.filter.canonical(), limit.0, cursor.0.as_deref());
        let fetch = |after, limit| list_sessions(&state.db, &query, after, limit);
        let (page, link) = paging::page(at, fetch).await?;
        Ok(SessionListResponse::Ok(
            SessionListBody::Json(JsonBody(page)),
            link,
        ))
    }

    /// Hämta ett tillfälle / Get a session
    ///
    /// One session by the id the API assigned to it.
    #[oai(path = "/sessions/:id", method = "get", operation_id = "getSession")]
    async fn get(
        &self,
        state: poem::web::Data<&AppState>,
        /// The session's id (UUID).
        #[oai(
            example = "example_id",
            validator(
                pattern = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
            )
        )]
        id: Path<String>,
    ) -> Result<SessionResponse, LookupError> {
        let id = Uuid::parse_str(&id.0)
            .map_err(|_| ApiError::invalid_parameter("id", format!("'{}' is not a UUID", id.0)))?;
        Ok(SessionResponse::Ok(JsonBody(
            get_session(&state.db, id).await.step("read the session")?,
        )))
    }
}

/// Every matching session in one body: CSV and NDJSON streamed, XLSX whole.
async fn download(
    state: &AppState,
    req: &Request,
    query: SessionQuery,
    format: Format,
) -> Result<SessionListBody, ApiError> {
    let name = sessions_file_name(&query);
    let db = state.db.clone();
    let fetch = move |after: Option<SessionKey>| {
        let (db, query) = (db.clone(), query.clone());
        async move { list_sessions(&db, &query, after, STREAM_CHUNK).await }
    };
    Ok(match format {
        Format::Csv => SessionListBody::Csv(formats::stream_csv(fetch, name)),
        Format::Xlsx => {
            let rows = workbook::all_rows(fetch).await?;
            let about = state.about(req, sessions_about());
            // Up to 50,000 rows take a second to zip: off the async workers,
            // which serve every other request meanwhile.
            let book = tokio::task::spawn_blocking(move || xlsx_of(&rows, name, &about))
                .await
                .map_err(|e| ApiError::internal(format!("xlsx task: {e}")))??;
            SessionListBody::Xlsx(book)
        }
        Format::Ndjson | Format::Json => SessionListBody::Ndjson(formats::stream_ndjson(fetch)),
    })
}

/// E.g. `sessions-1980-komet`: the municipalities and programmes filtered on.
pub fn sessions_file_name(query: &SessionQuery) -> String {
    let f = &query.filter;
    file_name([
        "sessions".to_owned(),
        join_codes(&f.municipalities, "_"),
        join_codes(&f.programmes, "_"),
    ])
}

fn sessions_about() -> Vec<AboutLine> {
    vec![
        AboutLine::new(
            "Innehåll / Contents",
            "Omgångar av föräldraskapsstöd som matchar frågan, sorterade efter startdatum.",
            "Parenting-support sessions that match the query, ordered by start date.",
        ),
        AboutLine::new(
            "Källa / Source",
            "Kommunerna rapporterar sina omgångar till detta API. Varje omgångs egna antal (capacity, enrolled, completed) publiceras med avsikt, som platser i en kurs; fördelningar på personer (kön, område, nöjdhet) publiceras aldrig per omgång, bara i /v1/reach efter röjandekontroll.",
            "The municipalities report their sessions to this API. Each session's own counts (capacity, enrolled, completed) are published by design, like a course's seats; breakdowns of people (gender, area, satisfaction) are never published per session, only in /v1/reach after disclosure control.",
        ),
    ]
}

fn example_municipalities() -> Vec<String> {
    vec!["1980".into()]
}

fn example_id() -> String {
    "6f1c2b7a-4d0e-4a7b-9c55-31d28e4fa001".into()
}
