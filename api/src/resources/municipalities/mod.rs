//! `/v1/municipalities`: reference data for all 290 municipalities, each
//! with the latest year of its population series.

mod store;
pub mod wire;

pub use store::{get_municipality, list_municipalities, whole_list, MunicipalityFilter};
pub use wire::{Municipality, MunicipalityPage, Population};

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};

use crate::error::{ApiError, ListError, LookupError};
use crate::http::formats::{self, Format};
use crate::http::openapi::tags::ApiTags;
use crate::http::paging::{self, PageRequest};
use crate::state::AppState;
use crate::vocab::{parse_county, parse_opt, MunicipalityCode};

#[derive(ResponseContent)]
pub enum MunicipalityListBody {
    Json(Json<MunicipalityPage>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
}

#[derive(ApiResponse)]
pub enum MunicipalityListResponse {
    /// A page of municipalities (JSON), or all of them (CSV, NDJSON).
    #[oai(status = 200)]
    Ok(MunicipalityListBody, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
pub enum MunicipalityResponse {
    /// The municipality.
    #[oai(status = 200)]
    Ok(Json<Municipality>),
}

fn code_param(code: &str) -> Result<MunicipalityCode, ApiError> {
    MunicipalityCode::parse(code).map_err(|e| ApiError::invalid_parameter("code", e))
}

pub struct MunicipalitiesApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Municipalities")]
impl MunicipalitiesApi {
    /// List municipalities
    ///
    /// All 290 Swedish municipalities, ordered by code, with SCB county and the
    /// latest year of each one's population series (`population`; its `children`
    /// may be null where that year's source gives only a total).
    #[oai(
        path = "/municipalities",
        method = "get",
        operation_id = "listMunicipalities"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// Only this county (2-digit SCB code, e.g. `19`).
        #[oai(example = "example_county")]
        county: Query<Option<String>>,
        /// Only municipalities in (or not in) the regional collaboration.
        in_collaboration: Query<Option<bool>>,
        /// Page size, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Opaque cursor from `next_cursor`.
        cursor: Query<Option<String>>,
        /// Response format; equivalent to `Accept: text/csv` or `application/x-ndjson`.
        format: Query<Option<Format>>,
    ) -> Result<MunicipalityListResponse, ListError> {
        let filter = MunicipalityFilter {
            county: parse_opt("county", county.0.as_deref(), parse_county)?,
            in_collaboration: in_collaboration.0,
        };
        let db = &state.db;
        let body = match formats::negotiate(req, format.0) {
            Format::Json => {
                let at = PageRequest {
                    req,
                    base_url: state.settings.public_base_url.as_deref(),
                    canonical: filter.canonical(),
                    limit: limit.0,
                    cursor: cursor.0.as_deref(),
                };
                let page = paging::page(at, |after, limit| {
                    list_municipalities(db, &filter, after, limit)
                })
                .await?;
                let (page, link) = page.into_page(|data, next_cursor, next| MunicipalityPage {
                    data,
                    next_cursor,
                    next,
                });
                return Ok(MunicipalityListResponse::Ok(
                    MunicipalityListBody::Json(Json(page)),
                    link,
                ));
            }
            Format::Csv => {
                MunicipalityListBody::Csv(formats::csv_of(&whole_list(db, &filter).await?))
            }
            Format::Ndjson => {
                MunicipalityListBody::Ndjson(formats::ndjson_of(&whole_list(db, &filter).await?))
            }
        };
        Ok(MunicipalityListResponse::Ok(body, None))
    }

    /// Get a municipality
    ///
    /// One municipality by its 4-digit SCB code.
    #[oai(
        path = "/municipalities/:code",
        method = "get",
        operation_id = "getMunicipality"
    )]
    async fn get(
        &self,
        state: poem::web::Data<&AppState>,
        /// 4-digit SCB municipality code, e.g. `1980` (Västerås).
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))]
        code: Path<String>,
    ) -> Result<MunicipalityResponse, LookupError> {
        let code = code_param(&code.0)?;
        Ok(MunicipalityResponse::Ok(Json(
            get_municipality(&state.db, &code).await?,
        )))
    }
}

fn example_county() -> Option<String> {
    Some("19".into())
}

fn example_code() -> String {
    "1980".into()
}
