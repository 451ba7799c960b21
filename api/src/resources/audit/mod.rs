//! `GET /v1/audit`: who wrote what and when, for admins only. The records
//! are written by the write paths themselves (`store::audit`).

pub mod wire;

use crate::vocab::AuditOperation;
pub use wire::{AuditActor, AuditPage, AuditRecord};

use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::error::{AdminReadError, ApiError, Step};
use crate::http::auth::ApiKeyAuth;
use crate::http::formats::{self, Format, ListFormat};
use crate::http::openapi::tags::ApiTags;
use crate::http::paging;
use crate::state::AppState;
use crate::store::audit::{self, AuditFilter};
use crate::store::keys::authenticate;
use crate::vocab::MunicipalityCode;

/// Rows per database round trip when streaming the whole trail.
const STREAM_CHUNK: u64 = 1000;

#[derive(ResponseContent)]
pub enum AuditListBody {
    Json(Json<AuditPage>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
}

#[derive(ApiResponse)]
pub enum AuditListResponse {
    /// A page of records, newest first (JSON), or every matching record (CSV, NDJSON).
    /// Sent with `Cache-Control: no-store`.
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV: `attachment; filename=\"audit.csv\"`."
        )
    )]
    Ok(AuditListBody, #[oai(header = "Link")] Option<String>),
}

/// A page of the trail in wire form.
pub async fn list_audit(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<(Vec<AuditRecord>, Option<i64>), ApiError> {
    let (rows, last) = audit::list(db, filter, after, limit)
        .await
        .step("read the audit trail")?;
    let records = rows
        .into_iter()
        .map(AuditRecord::try_from)
        .collect::<Result<_, _>>()?;
    Ok((records, last))
}

fn stream(db: &DatabaseConnection, filter: AuditFilter, format: Format) -> AuditListBody {
    let db = db.clone();
    let fetch = move |after: Option<i64>| {
        let (db, filter) = (db.clone(), filter.clone());
        async move { list_audit(&db, &filter, after, STREAM_CHUNK).await }
    };
    match format {
        Format::Csv => AuditListBody::Csv(formats::stream_csv(fetch, "audit".into())),
        _ => AuditListBody::Ndjson(formats::stream_ndjson(fetch)),
    }
}

async fn filter_of(
    state: &AppState,
    municipality: Option<String>,
    since: Option<DateTime<Utc>>,
    operation: Option<AuditOperation>,
) -> Result<AuditFilter, ApiError> {
    let municipality = match municipality {
        Some(m) => {
            let code = MunicipalityCode::parse(&m)
                .map_err(|e| ApiError::invalid_parameter("municipality", e))?;
            let cat = state.reference.current(&state.db).await?;
            cat.known_municipality(code.as_str())?;
            Some(code)
        }
        None => None,
    };
    Ok(AuditFilter {
        municipality,
        since,
        operation,
    })
}

pub struct AuditApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Lista granskningsloggen / List the audit trail
    ///
    /// Admin key only (a municipality key gets 403). One record per accepted
    /// write — session PUT and DELETE, batches, programme and population
    /// writes, and the CLI's population import — written in the write's own
    /// transaction: when, which key (its id, never the secret), municipality,
    /// operation, counts and request id. Unchanged writes are recorded too;
    /// refused or rolled-back writes and idempotent replays are not. Newest
    /// first, keyset-paged by `id`; CSV and NDJSON give every matching record.
    /// Never cached (`Cache-Control: no-store`, no `ETag`). Records older than
    /// the retention (`AUDIT_RETENTION_DAYS`, default 400) are pruned hourly.
    ///
    /// A non-empty `cursor` that this API did not issue for the same filters is
    /// refused with 400 (start again without one).
    #[oai(path = "/audit", method = "get", operation_id = "listAudit")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        /// Only writes to this municipality (4-digit SCB code).
        #[oai(example = "example_code")]
        municipality: Query<Option<String>>,
        /// Only records made at or after this instant (RFC 3339).
        #[oai(example = "example_since")]
        since: Query<Option<DateTime<Utc>>>,
        /// Only this kind of write.
        operation: Query<Option<AuditOperation>>,
        /// Page size, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Opaque cursor from `next_cursor`.
        cursor: Query<Option<String>>,
        /// Response format; equivalent to `Accept: text/csv` or `application/x-ndjson`;
        format: Query<Option<ListFormat>>,
    ) -> Result<AuditListResponse, AdminReadError> {
        authenticate(&state.db, &auth.0.token)
            .await?
            .require_admin()?;
        let filter = filter_of(&state, municipality.0, since.0, operation.0).await?;
        let chosen = formats::negotiate(req, format.0.map(Format::from));
        if chosen == Format::Xlsx {
            return Err(formats::not_offered("audit records", "json, csv or ndjson").into());
        }
        if chosen != Format::Json {
            return Ok(AuditListResponse::Ok(
                stream(&state.db, filter, chosen),
                None,
            ));
        }
        let at = state.page_request(req, filter.canonical(), limit.0, cursor.0.as_deref());
        let fetch = |after, limit| list_audit(&state.db, &filter, after, limit);
        let (page, link) = paging::page(at, fetch).await?;
        Ok(AuditListResponse::Ok(AuditListBody::Json(Json(page)), link))
    }
}

fn example_code() -> Option<String> {
    Some("1980".into())
}

fn example_since() -> Option<DateTime<Utc>> {
    "2026-11-01T00:00:00Z".parse().ok()
}
