//! `GET /v1/evaluation`: the decision's long-term effects beside the work —
//! per year, an area's reach and evidence share (the indicators' own
//! figures) beside every outcome series held for it, with the change over
//! the period and the correlation across the county's municipalities.

pub mod correlation;
pub mod report;
pub mod wire;

use chrono::Datelike;
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};

use self::report::{about, evaluation_report, rows, EvaluationQuery};
use self::wire::EvaluationReport;
use crate::error::{ApiError, ListError, Step};
use crate::http::formats::{self, file_name, Format, ReportFormat};
use crate::http::openapi::tags::ApiTags;
use crate::http::workbook::xlsx_of;
use crate::resources::outcomes::year_param;
use crate::resources::reach::indicators::Terms;
use crate::state::AppState;
use crate::store::reference::ReferenceData;
use crate::vocab::{parse_opt, CountyCode, MunicipalityCode};

/// Years shown when no `from` is given: the last five.
const DEFAULT_YEARS: i32 = 5;

#[derive(ResponseContent)]
pub enum EvaluationBody {
    Json(Json<Box<EvaluationReport>>),
    Csv(formats::Csv),
    Xlsx(formats::Xlsx),
}

#[derive(ApiResponse)]
pub enum EvaluationResponse {
    /// The evaluation view (JSON), or one row per series and year as CSV or
    /// an XLSX workbook (as an attachment with a file name).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV and XLSX: `attachment; filename=\"…\"` (e.g. `evaluation-1980-2020_2024.csv`)."
        )
    )]
    Ok(EvaluationBody),
}

/// `/v1/evaluation`'s parameters as received.
pub struct EvaluationParams {
    pub municipality: Option<String>,
    pub county: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl EvaluationParams {
    /// Every malformed or inconsistent value is a 400 naming its parameter.
    pub fn parse(self, cat: &ReferenceData, this_year: i32) -> Result<EvaluationQuery, ApiError> {
        let municipality = parse_opt(
            "municipality",
            self.municipality.as_deref(),
            MunicipalityCode::parse,
        )?;
        let county = parse_opt("county", self.county.as_deref(), CountyCode::parse)?;
        if let Some(c) = &county {
            cat.county_members(c)?;
        }
        let county = match (&municipality, county) {
            (Some(code), county) => {
                let m = cat.known_municipality(code)?;
                if county.as_ref().is_some_and(|c| **c != m.county_code) {
                    return Err(ApiError::invalid_parameter(
                        "municipality",
                        format!(
                            "municipality {code} is not in county {}",
                            county.map(|c| c.to_string()).unwrap_or_default()
                        ),
                    ));
                }
                CountyCode::of_stored(&m.county_code)
            }
            (None, Some(c)) => c,
            (None, None) => CountyCode::of_stored(cat.home_county()),
        };
        let from = year_param("from", self.from.as_deref())?;
        let to = year_param("to", self.to.as_deref())?;
        // The last whole year by default: the current one is still reported.
        let to = to.unwrap_or_else(|| from.map_or(this_year - 1, |f| f.max(this_year - 1)));
        let from = from.unwrap_or(to - (DEFAULT_YEARS - 1));
        // No cap on the period's length beyond the years' own range: each
        // year is one indicators report over the in-memory rollups, and the
        // longest (201 years, demo data) took 0.3 s in a debug build, once
        // per data version; a cap would refuse requests the schema allows.
        if from > to {
            return Err(ApiError::invalid_parameter(
                "to",
                format!("{to} is before from {from}"),
            ));
        }
        Ok(EvaluationQuery {
            municipality,
            county,
            from,
            to,
        })
    }
}

/// E.g. `evaluation-1980-2020_2024`.
fn evaluation_file_name(r: &EvaluationReport) -> String {
    file_name([
        "evaluation".to_owned(),
        r.code.clone(),
        format!("{}_{}", r.from, r.to),
    ])
}

pub struct EvaluationApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Outcomes")]
impl EvaluationApi {
    /// Utvärderingsvy / Evaluation view
    ///
    /// For one area — a municipality, or a county (default: the regional
    /// collaboration's) — and a period of years (default: the last five
    /// whole years), per year: the reach per 1,000 children and the share of
    /// sessions with evaluated evidence, exactly as `/v1/indicators` states
    /// them for that year (null with a note where unknown, never 0), beside
    /// every outcome series held for the area (Kolada's total values, with
    /// source and retrieval time), each with its change over the period
    /// (first to last year holding a value; a year not over is left out)
    /// and Pearson's correlation of reach per 1,000 children and the measure
    /// across the county's municipalities — stated only where at least 8
    /// municipalities have both (`n`), otherwise null with a `reason`. The
    /// six long-term effects are listed with the measures held for them, or
    /// why there is none (naming the regional survey where there is one).
    ///
    /// **This is description, not a causal estimate** (`interpretation`, sv
    /// and en): that reach and an outcome move together does not show that
    /// the support caused it.
    ///
    /// `municipality` must lie in `county` when both are given; `from` after
    /// `to` is 400; any period within 1900–2100 is answered.
    #[oai(path = "/evaluation", method = "get", operation_id = "getEvaluation")]
    #[allow(clippy::too_many_arguments)]
    async fn get_evaluation(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// One municipality (4-digit SCB code); default: the county's view.
        #[oai(example = "example_municipality")]
        municipality: Query<Option<String>>,
        /// The county (2-digit SCB code); default: the municipality's county,
        /// else the regional collaboration's (19).
        #[oai(example = "example_county")]
        county: Query<Option<String>>,
        /// First year (inclusive), 1900–2100; default: four years before `to`.
        #[oai(
            example = "example_from",
            validator(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)?$")
        )]
        from: Query<Option<String>>,
        /// Last year (inclusive), 1900–2100; default: last calendar year.
        #[oai(
            example = "example_to",
            validator(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)?$")
        )]
        to: Query<Option<String>>,
        /// Response format (`json`, `csv` or `xlsx`); equivalent to `Accept: text/csv`
        /// or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.
        format: Query<Option<ReportFormat>>,
    ) -> Result<EvaluationResponse, ListError> {
        let cat = state.reference.current(&state.db).await?;
        let today = chrono::Utc::now().date_naive();
        let q = EvaluationParams {
            municipality: municipality.0,
            county: county.0,
            from: from.0,
            to: to.0,
        }
        .parse(&cat, today.year())?;
        let terms = Terms {
            k: state.settings.suppression_threshold,
            today,
        };
        let rollups = state.rollups().await?;
        let report = evaluation_report(&state.db, &rollups, &q, terms, &cat)
            .await
            .step("read the evaluation's outcomes")?;
        let body = match formats::negotiate(req, format.0.map(Format::from)) {
            Format::Csv => EvaluationBody::Csv(formats::csv_of(
                &rows(&report),
                evaluation_file_name(&report),
            )),
            Format::Xlsx => EvaluationBody::Xlsx(xlsx_of(
                &rows(&report),
                evaluation_file_name(&report),
                &state.about(req, about(terms.k, &report)),
            )?),
            // By `Accept`, NDJSON gets the one document as JSON, as the indicators do.
            Format::Json | Format::Ndjson => EvaluationBody::Json(Json(Box::new(report))),
        };
        Ok(EvaluationResponse::Ok(body))
    }
}

fn example_municipality() -> Option<String> {
    Some("1980".into())
}
fn example_county() -> Option<String> {
    Some(crate::config::DEFAULT_HOME_COUNTY.into())
}
fn example_from() -> Option<String> {
    Some("2020".into())
}
fn example_to() -> Option<String> {
    Some("2024".into())
}
