//! `/v1/programmes`: the catalogue of parenting-support methods, read by
//! anyone and kept by admins.

mod store;
mod validate;
pub mod wire;

pub use store::{
    get_programme, list_programmes, page_after, put_programme, ProgrammeFilter, Written,
};
pub use validate::programme_fields;
pub use wire::{Evidence, EvidenceWrite, LocalizedText, Programme, ProgrammePage, ProgrammeWrite};

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};

use crate::error::{ApiError, ListError, LookupError, Step, WriteError};
use crate::http::auth::ApiKeyAuth;
use crate::http::formats::{self, Format, ListFormat};
use crate::http::observe::RequestId;
use crate::http::openapi::tags::ApiTags;
use crate::http::paging;
use crate::http::raw_json::RawJson;
use crate::state::AppState;
use crate::store::audit::Actor;
use crate::store::keys::authenticate;
use crate::vocab::{PreventionLevel, ProgrammeFormat, ProgrammeSlug};

#[derive(ResponseContent)]
pub enum ProgrammeListBody {
    Json(Json<ProgrammePage>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
}

#[derive(ApiResponse)]
pub enum ProgrammeListResponse {
    /// A page of programmes (JSON), or all of them (CSV, NDJSON).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV: `attachment; filename=\"programmes.csv\"`."
        )
    )]
    Ok(ProgrammeListBody, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
pub enum ProgrammeResponse {
    /// The programme.
    #[oai(status = 200)]
    Ok(Json<Programme>),
}

#[derive(ApiResponse)]
pub enum PutProgrammeResponse {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Programme>),
    /// Updated, or unchanged.
    #[oai(status = 200)]
    Ok(Json<Programme>),
}

pub fn child_age_param(age: Option<i32>) -> Result<Option<i32>, ApiError> {
    match age {
        Some(a) if !(0..=18).contains(&a) => Err(ApiError::invalid_parameter(
            "child_age",
            format!("'{a}' is not a child's age from 0 to 18"),
        )),
        other => Ok(other),
    }
}

pub struct ProgrammesApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Programmes")]
impl ProgrammesApi {
    /// Lista program / List programmes
    ///
    /// The programme catalogue, ordered by slug. Unknown facts are null, never
    /// guessed. Evidence is on SBU's scale where SBU rated the programme, else
    /// `unassessed`; `evidence.sources` lists where the entry's facts were
    /// read. Rows with `verified: false` have only their names established.
    ///
    /// A non-empty `cursor` that this API did not issue for the same filters is
    /// refused with 400 (start again without one).
    #[oai(path = "/programmes", method = "get", operation_id = "listProgrammes")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// Only programmes whose age range covers a child of this age (years,
        /// 0–18). A programme whose age range is unknown is never matched.
        #[oai(example = "example_age")]
        child_age: Query<Option<i32>>,
        /// Only programmes at this prevention level.
        prevention_level: Query<Option<PreventionLevel>>,
        /// Only programmes given in this format.
        format_offered: Query<Option<ProgrammeFormat>>,
        /// Page size, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Opaque cursor from `next_cursor`.
        cursor: Query<Option<String>>,
        /// Response format; equivalent to `Accept: text/csv` or `application/x-ndjson`;
        format: Query<Option<ListFormat>>,
    ) -> Result<ProgrammeListResponse, ListError> {
        let filter = ProgrammeFilter {
            child_age: child_age_param(child_age.0)?,
            prevention_level: prevention_level.0,
            format: format_offered.0,
        };
        let all = list_programmes(&state.db, &filter)
            .await
            .step("read the programmes")?;
        let body = match formats::negotiate(req, format.0.map(Format::from)) {
            Format::Csv => ProgrammeListBody::Csv(formats::csv_of(&all, "programmes".into())),
            Format::Xlsx => {
                return Err(formats::not_offered("programmes", "json, csv or ndjson").into())
            }
            Format::Ndjson => ProgrammeListBody::Ndjson(formats::ndjson_of(&all)),
            Format::Json => {
                let at = state.page_request(req, filter.canonical(), limit.0, cursor.0.as_deref());
                let fetch = |after, limit| async move { Ok(page_after(all, after, limit)) };
                let (page, link) = paging::page(at, fetch).await?;
                let body = ProgrammeListBody::Json(Json(page));
                return Ok(ProgrammeListResponse::Ok(body, link));
            }
        };
        Ok(ProgrammeListResponse::Ok(body, None))
    }

    /// Skapa eller uppdatera ett program / Create or update a programme
    ///
    /// Admin key only. Replaces the programme's catalogue entry with the body;
    /// 201 when created, 200 when updated or unchanged. A fact sent as null or
    /// left out is stored as unknown. An evidence status other than
    /// `unassessed`, and `verified: true`, need at least one URL in
    /// `evidence.sources`: no claim without a source.
    ///
    /// 422 also for rules no schema can state: `age_max` below `age_min`; an
    /// evidence status other than `unassessed`, or `verified: true`, without a source.
    #[oai(
        path = "/programmes/:slug",
        method = "put",
        operation_id = "putProgramme"
    )]
    async fn put(
        &self,
        request_id: RequestId,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        /// The programme's slug (lowercase letters, digits, hyphens).
        #[oai(example = "example_slug")]
        slug: Path<String>,
        body: RawJson<ProgrammeWrite>,
    ) -> Result<PutProgrammeResponse, WriteError> {
        let slug =
            ProgrammeSlug::parse(&slug.0).map_err(|e| ApiError::invalid_parameter("slug", e))?;
        let principal = authenticate(&state.db, &auth.0.token)
            .await
            .step("check the API key")?;
        principal.require_admin()?;
        let body = body.read().await?;
        let fields = programme_fields(&slug, &body.value)?;
        let actor = Actor::key(principal.key_id, request_id.0);
        let (stored, written) = put_programme(&state.db, fields, &actor)
            .await
            .step("write the programme")?;
        Ok(match written {
            Written::Created => PutProgrammeResponse::Created(Json(stored.try_into()?)),
            Written::Updated => PutProgrammeResponse::Ok(Json(stored.try_into()?)),
        })
    }

    /// Hämta ett program / Get a programme
    ///
    /// One programme by its slug, with ages, prevention levels, formats and evidence.
    #[oai(
        path = "/programmes/:slug",
        method = "get",
        operation_id = "getProgramme"
    )]
    async fn get(
        &self,
        state: poem::web::Data<&AppState>,
        /// The programme's slug, e.g. `komet`.
        #[oai(example = "example_slug")]
        slug: Path<String>,
    ) -> Result<ProgrammeResponse, LookupError> {
        let slug =
            ProgrammeSlug::parse(&slug.0).map_err(|e| ApiError::invalid_parameter("slug", e))?;
        Ok(ProgrammeResponse::Ok(Json(
            get_programme(&state.db, &slug)
                .await
                .step("read the programme")?,
        )))
    }
}

fn example_age() -> Option<i32> {
    Some(7)
}

fn example_slug() -> String {
    "komet".into()
}
