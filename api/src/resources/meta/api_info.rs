//! `GET /v1/api-info`: what this API is, its licence, and its limits.

use entity::app_meta;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::config::{Publisher, Settings, DEFAULT_PAGE_SIZE, MAX_BATCH_SESSIONS, MAX_PAGE_SIZE};
use crate::error::{ApiError, ListError};
use crate::http::openapi::tags::ApiTags;
use crate::state::AppState;
use crate::store::reference::ReferenceData;

/// The `app_meta` key under which `demo-data` records what it generated.
pub const DEMO_DATA_KEY: &str = "demo_data";

#[derive(Debug, Clone, Object)]
pub struct Licence {
    /// SPDX identifier.
    pub id: String,
    pub url: String,
}

#[derive(Debug, Clone, Object)]
pub struct Contact {
    pub name: String,
    pub url: Option<String>,
    pub email: Option<String>,
}

/// Who publishes this deployment's data, and for which county (configured:
/// `HOME_COUNTY`, `PUBLISHER_NAME_SV`, … in the README).
#[derive(Debug, Clone, Object)]
pub struct PublisherInfo {
    pub name_sv: String,
    pub name_en: String,
    pub url: Option<String>,
    /// 2-digit SCB county code: the default county of the page, `/v1/indicators`,
    /// `/v1/evaluation`, and the county whose municipalities are `in_collaboration`.
    pub home_county: String,
    /// The county's name from the reference data.
    pub home_county_name: String,
}

impl PublisherInfo {
    fn of(p: &Publisher, county_name: String) -> Self {
        Self {
            name_sv: p.name_sv.clone(),
            name_en: p.name_en.clone(),
            url: p.url.clone(),
            home_county: p.home_county.clone(),
            home_county_name: county_name,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct Limits {
    pub default_page_size: u64,
    pub max_page_size: u64,
    /// Most sessions accepted in one batch request.
    pub max_batch_sessions: u64,
    /// Largest request body, bytes, as decoded (larger: 413). Checked as the
    /// body is read, after the API key: a compressed body is counted inflated.
    pub max_body_bytes: u64,
    /// A compressed body (`Content-Encoding`) of declared length may inflate
    /// to at most this many times that length (beyond 1 MiB; larger: 413).
    pub max_body_compression_ratio: u64,
    /// A 422 lists at most this many errors; `error_count` then gives the total.
    pub max_listed_errors: u64,
    /// Most rows one `/v1/reach` answer holds; a question with more is a 400
    /// (`/problems/too-many-rows`) that says how to narrow it.
    pub max_reach_rows: u64,
    /// Anonymous reads per client per minute (0: unlimited); beyond it 429 with `Retry-After`.
    pub read_requests_per_minute: u32,
    /// Writes per API key per minute (0: unlimited).
    pub write_requests_per_minute: u32,
    /// How long an `Idempotency-Key` answer is kept and replayed, seconds.
    pub idempotency_key_ttl_seconds: u64,
}

#[derive(Debug, Clone, Object)]
pub struct DisclosureControl {
    /// `cell-key perturbation`: the people breakdowns of every aggregate carry
    /// consistent, bounded noise drawn from the cell's key.
    pub method: String,
    /// k: no published count of people is between 1 and k−1.
    pub threshold: i64,
    /// A count of k or more is published within ± this many (counts below k
    /// are published as 0 or k).
    pub max_noise: i64,
    /// From this count up, the noise is at most `max_noise_large`.
    pub large_count: i64,
    /// The largest noise on a count of `large_count` or more.
    pub max_noise_large: i64,
    /// The noise's variance where the floor at k does not cut it (its mean is 0).
    pub noise_variance: f64,
    /// Names the perturbation table; a new table or method gets a new name.
    pub table_version: String,
    /// The perturbed counts.
    pub perturbed: Vec<String>,
    /// Figures that are exact, with why.
    pub exact: Vec<String>,
    pub description: String,
}

impl DisclosureControl {
    pub fn of(k: i64) -> Self {
        use crate::resources::reach::perturbation::{
            LARGE, MAX_NOISE, MAX_NOISE_LARGE, TABLE_VERSION, VARIANCE,
        };
        DisclosureControl {
            method: "cell-key perturbation".into(),
            threshold: k,
            max_noise: MAX_NOISE,
            large_count: LARGE,
            max_noise_large: MAX_NOISE_LARGE,
            noise_variance: VARIANCE,
            table_version: TABLE_VERSION.into(),
            perturbed: ["women", "men", "vulnerable_area", "satisfaction_respondents", "satisfied"]
                .map(String::from)
                .into(),
            exact: vec![
                "sessions: sessions are not people".into(),
                "enrolled, completed (and completion_rate): each session publishes its own in /v1/sessions, so their sums are public anyway".into(),
            ],
            description: format!(
                "Every session holds a secret random record key; a cell's key is the sum of its sessions' keys, so the same set of sessions always gets the same noise, in every grouping, filter, format and instance, and a difference of two published cells carries the noise of both. Counts of people from 1 to {} are published as 0 or {k} (unbiased); larger counts move by at most {MAX_NOISE} ({MAX_NOISE_LARGE} from {LARGE} up), never below {k}, with mean 0 and variance {VARIANCE}: the largest moves are rare (under 1 in 1,000 below {LARGE}), so a sum of hidden cells is not pinned down by a whole whose noise happened to be at its bound. A part never exceeds its whole (women ≤ enrolled, satisfied ≤ satisfaction_respondents), rates are computed from the published counts, and a cell of 1 to {} participants withholds its breakdowns (null, named in `suppressed`). Totals are protected on their own: a county need not equal the sum of its municipalities, nor a year the sum of its quarters.",
                k - 1,
                k - 1
            ),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct DataNotice {
    /// True when the database holds generated demo data, not municipal reports.
    pub synthetic: bool,
    pub description: String,
}

/// About this API.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ApiInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    /// Licence of the data.
    pub licence: Licence,
    pub contact: Contact,
    pub publisher: PublisherInfo,
    /// Languages of the human-readable texts (names, labels).
    pub languages: Vec<String>,
    pub limits: Limits,
    pub disclosure_control: DisclosureControl,
    pub data: DataNotice,
    pub openapi_url: String,
    pub docs_url: String,
}

#[derive(ApiResponse)]
pub enum ApiInfoResponse {
    /// About this API.
    #[oai(status = 200)]
    Ok(Json<ApiInfo>),
}

/// `cat`: the reference data, for the home county's name.
pub async fn api_info(
    db: &impl ConnectionTrait,
    settings: &Settings,
    cat: &ReferenceData,
) -> Result<ApiInfo, ApiError> {
    let demo = app_meta::Entity::find_by_id(DEMO_DATA_KEY).one(db).await?;
    let data = match demo {
        Some(m) => DataNotice {
            synthetic: true,
            description: format!("SYNTHETIC DEMO DATA generated by `demo-data` ({}): sessions not reported by any municipality, and outcome values not from Kolada (their source says so).", m.value),
        },
        None => DataNotice { synthetic: false, description: "Sessions as reported by the municipalities.".into() },
    };
    let publisher = &settings.publisher;
    let county_name = cat
        .county_name(&publisher.home_county)
        .unwrap_or(&publisher.home_county)
        .to_owned();
    Ok(ApiInfo {
        name: "Föräldraskapsstöd open-data API".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        description: format!("Parenting-support programmes, municipalities, sessions, aggregated reach and indicators, outcome statistics for the decision's long-term effects (/v1/outcomes, Kolada) and an evaluation view setting them beside reach (/v1/evaluation), published by {} for {county_name}, built for every Swedish county.", publisher.name_en),
        licence: Licence { id: "CC0-1.0".into(), url: "https://creativecommons.org/publicdomain/zero/1.0/".into() },
        contact: Contact {
            name: publisher.name_en.clone(),
            url: settings.contact_url.clone(),
            email: settings.contact_email.clone(),
        },
        publisher: PublisherInfo::of(publisher, county_name),
        languages: vec!["sv".into(), "en".into()],
        limits: Limits::from(settings),
        disclosure_control: DisclosureControl::of(settings.suppression_threshold),
        data,
        openapi_url: "/openapi.json".into(),
        docs_url: "/docs".into(),
    })
}

impl From<&Settings> for Limits {
    fn from(settings: &Settings) -> Self {
        Limits {
            default_page_size: DEFAULT_PAGE_SIZE,
            max_page_size: MAX_PAGE_SIZE,
            max_batch_sessions: MAX_BATCH_SESSIONS as u64,
            max_body_bytes: settings.max_body_bytes as u64,
            max_body_compression_ratio: crate::http::body_limit::MAX_RATIO,
            max_listed_errors: crate::error::MAX_LISTED_ERRORS as u64,
            max_reach_rows: settings.max_reach_rows as u64,
            read_requests_per_minute: settings.read_rate_per_minute,
            write_requests_per_minute: settings.write_rate_per_minute,
            idempotency_key_ttl_seconds: settings.idempotency_ttl.as_secs(),
        }
    }
}

pub struct ApiInfoApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Meta")]
impl ApiInfoApi {
    /// Om API:et / About this API
    ///
    /// Name, version, data licence (CC0-1.0), contact, languages, limits (page and
    /// batch sizes, rate limits, body size), the disclosure-control threshold, and
    /// whether the data is synthetic demo data.
    #[oai(path = "/api-info", method = "get", operation_id = "getApiInfo")]
    async fn get(&self, state: poem::web::Data<&AppState>) -> Result<ApiInfoResponse, ListError> {
        Ok(ApiInfoResponse::Ok(Json(
            api_info(
                &state.db,
                &state.settings,
                &*state.reference.current(&state.db).await?,
            )
            .await?,
        )))
    }
}

impl poem_openapi::types::Example for ApiInfo {
    fn example() -> Self {
        let settings = Settings::default();
        Self {
            name: "Föräldraskapsstöd open-data API".into(),
            version: "0.1.0".into(),
            description: "Parenting-support programmes, municipalities, sessions and aggregated reach.".into(),
            licence: Licence {
                id: "CC0-1.0".into(),
                url: "https://creativecommons.org/publicdomain/zero/1.0/".into(),
            },
            contact: Contact {
                name: settings.publisher.name_en.clone(),
                url: None,
                email: None,
            },
            publisher: PublisherInfo::of(
                &settings.publisher,
                crate::config::DEFAULT_HOME_COUNTY_NAME.into(),
            ),
            languages: vec!["sv".into(), "en".into()],
            limits: Limits::from(&settings),
            disclosure_control: DisclosureControl::of(settings.suppression_threshold),
            data: DataNotice {
                synthetic: true,
                description: "SYNTHETIC DEMO DATA generated by `demo-data`; not reported by any municipality.".into(),
            },
            openapi_url: "/openapi.json".into(),
            docs_url: "/docs".into(),
        }
    }
}
