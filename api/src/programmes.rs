//! `GET /v1/programmes[/{slug}]`: the catalogue of parenting-support methods.

use chrono::{DateTime, Utc};
use entity::programme;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, ResponseContent};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::auth::ApiKeyAuth;
use crate::formats::{self, joined, opt, CsvRecord, Format};
use crate::paging;
use crate::problem::{ApiError, ListError, LookupError, WriteError};
use crate::programme_admin::{put_programme, ProgrammeWrite, PutProgrammeResponse};
use crate::raw_json::RawJson;
use crate::state::AppState;
use crate::tags::ApiTags;
use crate::vocab::{parse_list, parse_slug, EvidenceStatus, PreventionLevel, ProgrammeFormat};

/// A text in Swedish and English.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct LocalizedText {
    pub sv: String,
    pub en: String,
}

/// What is known of a programme's evaluated effects, and from where.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct Evidence {
    pub status: EvidenceStatus,
    pub summary: Option<String>,
    /// The assessment this status rests on; required for any status but `unassessed`.
    pub source_url: Option<String>,
}

/// A parenting-support programme (method).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Programme {
    /// The id: lowercase letters, digits and hyphens.
    pub slug: String,
    pub name: LocalizedText,
    /// Null until the programme's owner or an admin supplies one.
    pub description: Option<LocalizedText>,
    /// Youngest child age (years) the programme is meant for.
    pub age_min: i32,
    /// Oldest child age (years) the programme is meant for.
    pub age_max: i32,
    pub prevention_levels: Vec<PreventionLevel>,
    pub formats: Vec<ProgrammeFormat>,
    /// Usual number of meetings in one round, where known.
    pub typical_meetings: Option<i32>,
    pub evidence: Evidence,
    pub owner: Option<String>,
    pub website: Option<String>,
    /// True where the catalogue row was checked against `catalogue_source`;
    /// otherwise ages, formats and levels are a first reading to be confirmed.
    pub verified: bool,
    pub catalogue_source: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for Programme {
    fn example() -> Self {
        Self {
            slug: "abc".into(),
            name: LocalizedText {
                sv: "ABC – Alla Barn i Centrum".into(),
                en: "ABC – All Children in Focus".into(),
            },
            description: None,
            age_min: 3,
            age_max: 12,
            prevention_levels: vec![PreventionLevel::Universal],
            formats: vec![ProgrammeFormat::Group],
            typical_meetings: Some(4),
            evidence: Evidence {
                status: EvidenceStatus::Unassessed,
                summary: None,
                source_url: None,
            },
            owner: None,
            website: None,
            verified: true,
            catalogue_source: Some("https://www.socialstyrelsen.se/".into()),
            updated_at: "2026-11-26T12:00:00Z".parse().unwrap_or_default(),
        }
    }
}

impl From<programme::Model> for Programme {
    fn from(p: programme::Model) -> Self {
        let description = match (p.description_sv, p.description_en) {
            (Some(sv), Some(en)) => Some(LocalizedText { sv, en }),
            _ => None,
        };
        Self {
            prevention_levels: parse_list(&p.prevention_levels, PreventionLevel::parse),
            formats: parse_list(&p.formats, ProgrammeFormat::parse),
            evidence: Evidence {
                status: EvidenceStatus::parse(&p.evidence_status)
                    .unwrap_or(EvidenceStatus::Unassessed),
                summary: p.evidence_summary,
                source_url: p.evidence_source_url,
            },
            slug: p.slug,
            name: LocalizedText {
                sv: p.name_sv,
                en: p.name_en,
            },
            description,
            age_min: p.age_min,
            age_max: p.age_max,
            typical_meetings: p.typical_meetings,
            owner: p.owner,
            website: p.website,
            verified: p.verified,
            catalogue_source: p.catalogue_source,
            updated_at: p.updated_at,
        }
    }
}

impl CsvRecord for Programme {
    fn csv_header() -> &'static [&'static str] {
        &[
            "slug",
            "name_sv",
            "name_en",
            "description_sv",
            "description_en",
            "age_min",
            "age_max",
            "prevention_levels",
            "formats",
            "typical_meetings",
            "evidence_status",
            "evidence_summary",
            "evidence_source_url",
            "owner",
            "website",
            "verified",
            "catalogue_source",
            "updated_at",
        ]
    }
    fn csv_row(&self) -> Vec<String> {
        let levels: Vec<&str> = self.prevention_levels.iter().map(|l| l.as_str()).collect();
        let formats: Vec<&str> = self.formats.iter().map(|f| f.as_str()).collect();
        vec![
            self.slug.clone(),
            self.name.sv.clone(),
            self.name.en.clone(),
            opt(&self.description.as_ref().map(|d| d.sv.clone())),
            opt(&self.description.as_ref().map(|d| d.en.clone())),
            self.age_min.to_string(),
            self.age_max.to_string(),
            joined(&levels),
            joined(&formats),
            opt(&self.typical_meetings),
            self.evidence.status.to_string(),
            opt(&self.evidence.summary),
            opt(&self.evidence.source_url),
            opt(&self.owner),
            opt(&self.website),
            self.verified.to_string(),
            opt(&self.catalogue_source),
            self.updated_at.to_rfc3339(),
        ]
    }
}

/// One page of programmes.
#[derive(Debug, Clone, Object)]
pub struct ProgrammePage {
    pub data: Vec<Programme>,
    pub next_cursor: Option<String>,
    pub next: Option<String>,
}

#[derive(ResponseContent)]
pub enum ProgrammeListBody {
    Json(Json<ProgrammePage>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
}

#[derive(ApiResponse)]
pub enum ProgrammeListResponse {
    /// A page of programmes (JSON), or all of them (CSV, NDJSON).
    #[oai(status = 200)]
    Ok(ProgrammeListBody, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
pub enum ProgrammeResponse {
    /// The programme.
    #[oai(status = 200)]
    Ok(Json<Programme>),
}

/// Which programmes a filter on child age and prevention level admits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeFilter {
    pub child_age: Option<i32>,
    pub prevention_level: Option<PreventionLevel>,
    pub format: Option<ProgrammeFormat>,
}

impl ProgrammeFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
    pub fn admits(&self, p: &programme::Model) -> bool {
        self.child_age
            .is_none_or(|a| p.age_min <= a && a <= p.age_max)
            && self.prevention_level.is_none_or(|l| {
                parse_list(&p.prevention_levels, PreventionLevel::parse).contains(&l)
            })
            && self
                .format
                .is_none_or(|f| parse_list(&p.formats, ProgrammeFormat::parse).contains(&f))
    }
    fn canonical(&self) -> String {
        format!(
            "p|{:?}|{:?}|{:?}",
            self.child_age, self.prevention_level, self.format
        )
    }
}

/// The whole catalogue, by slug: small enough to read whole on every use.
pub async fn load_catalogue(db: &impl ConnectionTrait) -> Result<Vec<programme::Model>, ApiError> {
    Ok(programme::Entity::find()
        .order_by_asc(programme::Column::Slug)
        .all(db)
        .await?)
}

pub async fn list_programmes(
    db: &impl ConnectionTrait,
    filter: &ProgrammeFilter,
) -> Result<Vec<Programme>, ApiError> {
    Ok(load_catalogue(db)
        .await?
        .into_iter()
        .filter(|p| filter.admits(p))
        .map(Programme::from)
        .collect())
}

pub async fn get_programme(db: &impl ConnectionTrait, slug: &str) -> Result<Programme, ApiError> {
    programme::Entity::find_by_id(slug)
        .one(db)
        .await?
        .map(Programme::from)
        .ok_or_else(|| ApiError::not_found(format!("no programme with slug '{slug}'")))
}

pub fn child_age_param(age: Option<i32>) -> Result<Option<i32>, ApiError> {
    match age {
        Some(a) if !(0..=18).contains(&a) => Err(ApiError::invalid_parameter(
            "child_age",
            format!("{a} is out of range 0..=18"),
        )),
        other => Ok(other),
    }
}

pub struct ProgrammesApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Programmes")]
impl ProgrammesApi {
    /// List programmes
    ///
    /// The programme catalogue, ordered by slug. Evidence is shown as `unassessed`
    /// unless an assessment with a source has been recorded; rows with
    /// `verified: false` are a first reading awaiting confirmation by the owner.
    #[oai(path = "/programmes", method = "get", operation_id = "listProgrammes")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// Only programmes whose age range covers a child of this age (years, 0–18).
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
        /// Response format; equivalent to `Accept: text/csv` or `application/x-ndjson`.
        format: Query<Option<Format>>,
    ) -> Result<ProgrammeListResponse, ListError> {
        let filter = ProgrammeFilter {
            child_age: child_age_param(child_age.0)?,
            prevention_level: prevention_level.0,
            format: format_offered.0,
        };
        let all = list_programmes(&state.db, &filter).await?;
        let body = match formats::negotiate(req, format.0) {
            Format::Csv => ProgrammeListBody::Csv(formats::csv_of(&all)),
            Format::Ndjson => ProgrammeListBody::Ndjson(formats::ndjson_of(&all)),
            Format::Json => {
                let canonical = filter.canonical();
                let limit = paging::page_size(limit.0)? as usize;
                let after = cursor
                    .0
                    .as_deref()
                    .map(|c| paging::decode_cursor::<String>(c, &canonical))
                    .transpose()?;
                let mut data: Vec<Programme> = all
                    .into_iter()
                    .filter(|p| after.as_ref().is_none_or(|a| &p.slug > a))
                    .collect();
                let more = data.len() > limit;
                data.truncate(limit);
                let next_cursor = more
                    .then(|| {
                        data.last()
                            .map(|p| paging::encode_cursor(&p.slug, &canonical))
                    })
                    .flatten();
                let next = next_cursor
                    .as_ref()
                    .map(|c| paging::next_url(req, state.settings.public_base_url.as_deref(), c));
                let link = paging::link_header(&next);
                return Ok(ProgrammeListResponse::Ok(
                    ProgrammeListBody::Json(Json(ProgrammePage {
                        data,
                        next_cursor,
                        next,
                    })),
                    link,
                ));
            }
        };
        Ok(ProgrammeListResponse::Ok(body, None))
    }

    /// Create or update a programme
    ///
    /// Admin key only. Replaces the programme's catalogue entry with the body;
    /// 201 when created, 200 when updated or unchanged. An evidence status other
    /// than `unassessed` needs a `source_url`: no evidence claim without a source.
    #[oai(
        path = "/programmes/:slug",
        method = "put",
        operation_id = "putProgramme"
    )]
    async fn put(
        &self,
        state: poem::web::Data<&AppState>,
        auth: ApiKeyAuth,
        /// The programme's slug (lowercase letters, digits, hyphens).
        #[oai(example = "example_slug")]
        slug: Path<String>,
        body: RawJson<ProgrammeWrite>,
    ) -> Result<PutProgrammeResponse, WriteError> {
        Ok(put_programme(&state.db, &auth.0.token, &slug.0, &body.value).await?)
    }

    /// Get a programme
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
        let slug = parse_slug(&slug.0).map_err(|e| ApiError::invalid_parameter("slug", e))?;
        Ok(ProgrammeResponse::Ok(Json(
            get_programme(&state.db, &slug).await?,
        )))
    }
}

fn example_age() -> Option<i32> {
    Some(7)
}

fn example_slug() -> String {
    "komet".into()
}
