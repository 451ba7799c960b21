//! `GET /v1/municipalities[/{code}]`: reference data for all 290 municipalities.

use chrono::{DateTime, Utc};
use entity::municipality;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, ResponseContent};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{ApiError, ListError, LookupError};
use crate::http::formats::{self, opt, CsvRecord, Format};
use crate::http::openapi::tags::ApiTags;
use crate::http::paging;
use crate::state::AppState;
use crate::vocab::{parse_county, parse_opt, MunicipalityCode};

/// Reference population used for rates per 1,000 children.
#[derive(Debug, Clone, Object)]
pub struct Population {
    /// The year of the figures (31 December).
    pub year: i32,
    /// All inhabitants.
    pub total: i32,
    /// Children in the age band `children_age_from`..=`children_age_to`.
    pub children: i32,
    pub children_age_from: i32,
    pub children_age_to: i32,
    /// Where the figures come from.
    pub source: String,
}

/// A Swedish municipality (kommun).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Municipality {
    /// 4-digit SCB municipality code; the id.
    pub code: String,
    pub name: String,
    /// 2-digit SCB county code.
    pub county_code: String,
    pub county_name: String,
    /// Reference population, or null where no sourced figure is loaded.
    pub population: Option<Population>,
    /// Part of the Västmanland regional collaboration on parenting support.
    pub in_collaboration: bool,
    pub updated_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for Municipality {
    fn example() -> Self {
        Self {
            code: "1980".into(),
            name: "Västerås".into(),
            county_code: "19".into(),
            county_name: "Västmanlands län".into(),
            population: Some(Population {
                year: 2018,
                total: 152_078,
                children: 29_025,
                children_age_from: 0,
                children_age_to: 15,
                source: "SCB population statistics 2018-12-31 as published by Regionfakta".into(),
            }),
            in_collaboration: true,
            updated_at: "2026-11-26T12:00:00Z".parse().unwrap_or_default(),
        }
    }
}

impl From<municipality::Model> for Municipality {
    fn from(m: municipality::Model) -> Self {
        let population = match (m.population_year, m.population_total, m.children) {
            (Some(year), Some(total), Some(children)) => Some(Population {
                year,
                total,
                children,
                children_age_from: m.children_age_from.unwrap_or(0),
                children_age_to: m.children_age_to.unwrap_or(15),
                source: m.population_source.unwrap_or_default(),
            }),
            _ => None,
        };
        Self {
            code: m.code,
            name: m.name,
            county_code: m.county_code,
            county_name: m.county_name,
            population,
            in_collaboration: m.in_collaboration,
            updated_at: m.updated_at,
        }
    }
}

impl CsvRecord for Municipality {
    fn csv_header() -> &'static [&'static str] {
        &[
            "code",
            "name",
            "county_code",
            "county_name",
            "in_collaboration",
            "population_year",
            "population_total",
            "children",
            "children_age_from",
            "children_age_to",
            "population_source",
            "updated_at",
        ]
    }
    fn csv_row(&self) -> Vec<String> {
        let p = self.population.as_ref();
        vec![
            self.code.clone(),
            self.name.clone(),
            self.county_code.clone(),
            self.county_name.clone(),
            self.in_collaboration.to_string(),
            opt(&p.map(|p| p.year)),
            opt(&p.map(|p| p.total)),
            opt(&p.map(|p| p.children)),
            opt(&p.map(|p| p.children_age_from)),
            opt(&p.map(|p| p.children_age_to)),
            opt(&p.map(|p| p.source.clone())),
            self.updated_at.to_rfc3339(),
        ]
    }
}

/// One page of municipalities.
#[derive(Debug, Clone, Object)]
pub struct MunicipalityPage {
    pub data: Vec<Municipality>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The next page's URL with every filter kept; null on the last page.
    pub next: Option<String>,
}

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
    #[oai(status = 200)]
    Ok(MunicipalityListBody, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
pub enum MunicipalityResponse {
    /// The municipality.
    #[oai(status = 200)]
    Ok(Json<Municipality>),
}

/// Filters of the municipality list, validated.
#[derive(Debug, Clone, Default)]
pub struct MunicipalityFilter {
    pub county: Option<String>,
    pub in_collaboration: Option<bool>,
}

impl MunicipalityFilter {
    fn canonical(&self) -> String {
        format!("m|{:?}|{:?}", self.county, self.in_collaboration)
    }
}

/// A limit above any number of municipalities; `limit + 1` must still fit the
/// database drivers' signed 64-bit integers.
const WHOLE_LIST: u64 = u32::MAX as u64;

pub async fn list_municipalities(
    db: &impl ConnectionTrait,
    filter: &MunicipalityFilter,
    after: Option<String>,
    limit: u64,
) -> Result<(Vec<Municipality>, Option<String>), ApiError> {
    let mut q = municipality::Entity::find().order_by_asc(municipality::Column::Code);
    if let Some(c) = &filter.county {
        q = q.filter(municipality::Column::CountyCode.eq(c.as_str()));
    }
    if let Some(b) = filter.in_collaboration {
        q = q.filter(municipality::Column::InCollaboration.eq(b));
    }
    if let Some(a) = after {
        q = q.filter(municipality::Column::Code.gt(a));
    }
    let rows = q.limit(limit + 1).all(db).await?;
    let (rows, last) = paging::split_page(rows, limit, |m| m.code.clone());
    Ok((rows.into_iter().map(Municipality::from).collect(), last))
}

async fn whole_list(
    db: &impl ConnectionTrait,
    filter: &MunicipalityFilter,
) -> Result<Vec<Municipality>, ApiError> {
    Ok(list_municipalities(db, filter, None, WHOLE_LIST).await?.0)
}

pub async fn get_municipality(
    db: &impl ConnectionTrait,
    code: &MunicipalityCode,
) -> Result<Municipality, ApiError> {
    municipality::Entity::find_by_id(code.as_str())
        .one(db)
        .await?
        .map(Municipality::from)
        .ok_or_else(|| ApiError::municipality_not_found(code.as_str()))
}

pub struct MunicipalitiesApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Municipalities")]
impl MunicipalitiesApi {
    /// List municipalities
    ///
    /// All 290 Swedish municipalities, ordered by code, with SCB county and, where a
    /// sourced figure is loaded (today Västmanland's ten, SCB 2018), the reference
    /// population used for rates per 1,000 children.
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
                let at = state.page_request(req, filter.canonical(), limit.0, cursor.0.as_deref());
                let fetch = |after, limit| list_municipalities(db, &filter, after, limit);
                let (page, link) = paging::page(at, fetch).await?;
                let body = MunicipalityListBody::Json(Json(page));
                return Ok(MunicipalityListResponse::Ok(body, link));
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
        let code =
            MunicipalityCode::parse(&code.0).map_err(|e| ApiError::invalid_parameter("code", e))?;
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
