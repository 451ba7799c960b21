//! `/v1/municipalities`: reference data for all 290 municipalities, and each
//! one's population series (read by anyone, written by admins).

mod store;
mod validate;
pub mod wire;
mod year;

pub use store::{
    all_population, get_municipality, list_municipalities, make_home_county, population_series,
    put_population, whole_list, MunicipalityFilter,
};
pub use wire::{
    Municipality, MunicipalityPage, Population, PopulationRow, PopulationSeries, PopulationTable,
    PopulationYear,
};

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};

use crate::error::{ApiError, ListError, LookupError, Step, WriteError};
use crate::http::auth::ApiKeyAuth;
use crate::http::formats::{self, file_name, Format, ListFormat};
use crate::http::observe::RequestId;
use crate::http::openapi::tags::ApiTags;
use crate::http::paging;
use crate::http::raw_json::RawJson;
use crate::http::workbook::{xlsx_of, AboutLine};
use crate::state::AppState;
use crate::store::audit::Actor;
use crate::store::keys::authenticate;
use crate::store::population::Written;
use crate::vocab::{parse_opt, CountyCode, MunicipalityCode};
use wire::PopulationWrite;
use year::YearParam;

crate::list_page!(MunicipalityPage, Municipality);

#[derive(ResponseContent)]
pub enum MunicipalityListBody {
    Json(Json<MunicipalityPage>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
}

#[derive(ApiResponse)]
pub enum MunicipalityListResponse {
    /// A page of municipalities (JSON), or all of them (CSV, NDJSON).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV: `attachment; filename=\"municipalities-19.csv\"`."
        )
    )]
    Ok(MunicipalityListBody, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
pub enum MunicipalityResponse {
    /// The municipality.
    #[oai(status = 200)]
    Ok(Json<Municipality>),
}

#[derive(ResponseContent)]
pub enum PopulationSeriesBody {
    Json(Json<PopulationSeries>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
    Xlsx(formats::Xlsx),
}

#[derive(ApiResponse)]
pub enum PopulationSeriesResponse {
    /// The municipality's population series, oldest year first (JSON, CSV,
    /// NDJSON or an XLSX workbook).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV and XLSX: `attachment; filename=\"…\"` (e.g. `population-1980.xlsx`)."
        )
    )]
    Ok(PopulationSeriesBody),
}

#[derive(ResponseContent)]
pub enum PopulationTableBody {
    Json(Json<PopulationTable>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
    Xlsx(formats::Xlsx),
}

#[derive(ApiResponse)]
pub enum PopulationTableResponse {
    /// Every municipality's population series (JSON, CSV, NDJSON or an XLSX
    /// workbook).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV and XLSX: `attachment; filename=\"…\"` (e.g. `population-19.csv`)."
        )
    )]
    Ok(PopulationTableBody),
}

#[derive(ApiResponse)]
pub enum PutPopulationResponse {
    /// Created: the municipality had no row for this year.
    #[oai(status = 201)]
    Created(Json<PopulationYear>),
    /// Updated, or unchanged (then nothing moved, not even `updated_at`).
    #[oai(status = 200)]
    Ok(Json<PopulationYear>),
}

/// The `Om data` lines of a population workbook: what it holds (`what`,
/// in Swedish and English) and its sources, each once.
fn population_about<'a>(
    what: (String, String),
    sources: impl Iterator<Item = &'a str>,
) -> Vec<AboutLine> {
    let mut sources: Vec<&str> = sources.collect();
    sources.sort_unstable();
    sources.dedup();
    let sources = sources.join("; ");
    vec![
        AboutLine::new(
            "Innehåll / Contents",
            format!("{}: folkmängd (total) och barn i ett åldersspann (children, children_age_from–children_age_to) den 31 december varje år; tom cell där källan inte ger uppgiften.", what.0),
            format!("{}: inhabitants (total) and children in an age band (children, children_age_from–children_age_to) on 31 December of each year; a blank cell where the source gives no figure.", what.1),
        ),
        AboutLine::new(
            "Källa / Source",
            format!("Som varje rad anger (kolumnen source): {sources}."),
            format!("As each row states (column source): {sources}."),
        ),
    ]
}

fn code_param(code: &str) -> Result<MunicipalityCode, ApiError> {
    MunicipalityCode::parse(code).map_err(|e| ApiError::invalid_parameter("code", e))
}

pub struct MunicipalitiesApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Municipalities")]
impl MunicipalitiesApi {
    /// Lista kommuner / List municipalities
    ///
    /// All 290 Swedish municipalities, ordered by code, with SCB county and the
    /// latest year of each one's population series (`population`; its `children`
    /// may be null where that year's source gives only a total).
    ///
    /// A non-empty `cursor` that this API did not issue for the same filters is
    /// refused with 400 (start again without one).
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
        /// Response format; equivalent to `Accept: text/csv` or `application/x-ndjson`;
        format: Query<Option<ListFormat>>,
    ) -> Result<MunicipalityListResponse, ListError> {
        let filter = MunicipalityFilter {
            county: parse_opt("county", county.0.as_deref(), CountyCode::parse)?,
            in_collaboration: in_collaboration.0,
        };
        let db = &state.db;
        let body = match formats::negotiate(req, format.0.map(Format::from)) {
            Format::Json => {
                let at = state.page_request(req, filter.canonical(), limit.0, cursor.0.as_deref());
                let fetch = |after, limit| list_municipalities(db, &filter, after, limit);
                let (page, link) = paging::page(at, fetch).await?;
                let body = MunicipalityListBody::Json(Json(page));
                return Ok(MunicipalityListResponse::Ok(body, link));
            }
            Format::Csv => {
                let name = file_name(["municipalities", filter.county.as_deref().unwrap_or("")]);
                MunicipalityListBody::Csv(formats::csv_of(&whole_list(db, &filter).await?, name))
            }
            Format::Xlsx => {
                return Err(formats::not_offered("municipalities", "json, csv or ndjson").into())
            }
            Format::Ndjson => {
                MunicipalityListBody::Ndjson(formats::ndjson_of(&whole_list(db, &filter).await?))
            }
        };
        Ok(MunicipalityListResponse::Ok(body, None))
    }

    /// Hämta en kommun / Get a municipality
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
            get_municipality(&state.db, &code)
                .await
                .step("read the municipality")?,
        )))
    }

    /// Hämta en kommuns befolkningsserie / Get a municipality's population series
    ///
    /// Every year loaded for the municipality, oldest first: `total` inhabitants
    /// and `children` in an age band, each null where the year's source gives
    /// none, with the source. All 290 municipalities have SCB's total for 2024;
    /// Västmanland's ten also have 2018 with children aged 0–15. The whole series
    /// in one response (never paged); CSV, NDJSON and XLSX by `format` or `Accept`.
    #[oai(
        path = "/municipalities/:code/population",
        method = "get",
        operation_id = "getMunicipalityPopulation"
    )]
    async fn population(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// 4-digit SCB municipality code, e.g. `1980` (Västerås).
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))]
        code: Path<String>,
        /// Response format; equivalent to `Accept: text/csv`, `application/x-ndjson`
        /// or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (xlsx).
        format: Query<Option<Format>>,
    ) -> Result<PopulationSeriesResponse, LookupError> {
        let code = code_param(&code.0)?;
        let data = population_series(&state.db, &code)
            .await
            .step("read the population series")?;
        let name = file_name(["population", code.as_str()]);
        Ok(PopulationSeriesResponse::Ok(
            match formats::negotiate(req, format.0) {
                Format::Csv => PopulationSeriesBody::Csv(formats::csv_of(&data, name)),
                Format::Xlsx => {
                    let what = (
                        format!("Befolkningsserien för kommun {}", code.as_str()),
                        format!("The population series of municipality {}", code.as_str()),
                    );
                    let sources = data.iter().map(|y| y.source.as_str());
                    let about = state.about(req, population_about(what, sources));
                    PopulationSeriesBody::Xlsx(xlsx_of(&data, name, &about)?)
                }
                Format::Ndjson => PopulationSeriesBody::Ndjson(formats::ndjson_of(&data)),
                Format::Json => PopulationSeriesBody::Json(Json(PopulationSeries {
                    data,
                    next_cursor: None,
                    next: None,
                })),
            },
        ))
    }

    /// Lista alla befolkningsserier / List every population series
    ///
    /// The reference population as one table: every municipality's series
    /// (or one county's), by municipality code, then year, oldest first —
    /// `total` inhabitants and `children` in an age band, each null where
    /// the year's source gives none, with the source. What reach and the
    /// indicators per 1,000 children divide by. The whole table in one
    /// response (never paged: 290 municipalities × the years held); CSV,
    /// NDJSON and XLSX by `format` or `Accept`. A `county` with no
    /// municipality is a 400 that names it.
    #[oai(path = "/population", method = "get", operation_id = "listPopulation")]
    async fn population_table(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// Only this county (2-digit SCB code, e.g. `19`).
        #[oai(example = "example_county")]
        county: Query<Option<String>>,
        /// Response format; equivalent to `Accept: text/csv`, `application/x-ndjson`
        /// or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (xlsx).
        format: Query<Option<Format>>,
    ) -> Result<PopulationTableResponse, ListError> {
        let county = parse_opt("county", county.0.as_deref(), CountyCode::parse)?;
        let data = all_population(&state.db, county.as_deref())
            .await
            .step("read the population")?;
        let name = file_name(["population", county.as_deref().unwrap_or("")]);
        Ok(PopulationTableResponse::Ok(
            match formats::negotiate(req, format.0) {
                Format::Csv => PopulationTableBody::Csv(formats::csv_of(&data, name)),
                Format::Xlsx => {
                    let what = match &county {
                        Some(c) => (
                            format!("Befolkningsserierna för kommunerna i län {c}"),
                            format!("The population series of the municipalities of county {c}"),
                        ),
                        None => (
                            "Befolkningsserierna för Sveriges kommuner".to_owned(),
                            "The population series of Sweden's municipalities".to_owned(),
                        ),
                    };
                    let sources = data.iter().map(|r| r.year.source.as_str());
                    let about = state.about(req, population_about(what, sources));
                    PopulationTableBody::Xlsx(xlsx_of(&data, name, &about)?)
                }
                Format::Ndjson => PopulationTableBody::Ndjson(formats::ndjson_of(&data)),
                Format::Json => PopulationTableBody::Json(Json(PopulationTable {
                    data,
                    next_cursor: None,
                    next: None,
                })),
            },
        ))
    }

    /// Skriv ett års befolkning / Write one year of population
    ///
    /// Admin key only. The body replaces the year's row whole (a figure left out
    /// becomes null); 201 when the year is new, 200 when updated or unchanged.
    /// Rules, every broken one listed in a 422: at least one of `total` and
    /// `children`; counts ≥ 0; `children` at most `total` and only with its age
    /// band `children_age_from`..=`children_age_to` within 0–20; `source` 1–500
    /// characters. A change moves the data version, so reach, indicators and every
    /// cached answer follow at once.
    ///
    /// 422 also for rules no schema can state: neither `total` nor `children`;
    /// `children` above `total` or without its age band; `children_age_from` above
    /// `children_age_to`.
    #[oai(
        path = "/municipalities/:code/population/:year",
        method = "put",
        operation_id = "putMunicipalityPopulation"
    )]
    async fn put_year(
        &self,
        request_id: RequestId,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        /// 4-digit SCB municipality code, e.g. `1980` (Västerås).
        #[oai(example = "example_code", validator(pattern = "^[0-9]{4}$"))]
        code: Path<String>,
        /// The year of the figures (31 December), 1968–2100.
        #[oai(example = "YearParam::example")]
        year: Path<YearParam>,
        body: RawJson<PopulationWrite>,
    ) -> Result<PutPopulationResponse, WriteError> {
        let code = code_param(&code.0)?;
        let year = year.0.parse()?;
        let principal = authenticate(&state.db, &auth.0.token)
            .await
            .step("check the API key")?;
        principal.require_admin()?;
        let body = body.read().await?;
        let actor = Actor::key(principal.key_id, request_id.0);
        let (row, written) = put_population(&state.db, &code, year, &body.value, &actor)
            .await
            .step("write the population figure")?;
        Ok(match written {
            Written::Created => PutPopulationResponse::Created(Json(row)),
            Written::Updated | Written::Unchanged => PutPopulationResponse::Ok(Json(row)),
        })
    }
}

fn example_county() -> Option<String> {
    Some(crate::config::DEFAULT_HOME_COUNTY.into())
}

fn example_code() -> String {
    "1980".into()
}
