//! Aggregated reach over counted sessions, with disclosure control, and the
//! decision's indicators: `GET /v1/reach`, `GET /v1/indicators`.

pub mod disclosure;
pub mod download;
pub mod indicators;
pub mod params;
pub mod period;
pub mod perturbation;
pub mod population;
pub mod query;
pub mod wire;

use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};

use self::download::{indicators_about, indicators_file_name, reach_about, reach_file_name};
use self::indicators::{csv_rows, IndicatorsQuery, Terms};
use self::params::{IndicatorParams, ReachParams};
use self::query::ReachQuery;
use self::wire::{IndicatorReport, ReachReport, ReachRow};
use crate::error::{ApiError, ListError};
use crate::http::formats::{self, Format, ReportFormat};
use crate::http::json::JsonBody;
use crate::http::openapi::tags::ApiTags;
use crate::http::workbook::{xlsx_of, About, AboutLine};
use crate::state::AppState;

#[derive(ResponseContent)]
pub enum ReachBody {
    Json(JsonBody<ReachReport>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
    Xlsx(formats::Xlsx),
}

impl ReachBody {
    /// `about` adds the request's URL to a workbook's `Om data` lines; it is
    /// called only when a workbook is asked for.
    fn of(
        format: Format,
        q: &ReachQuery,
        k: i64,
        data: Vec<ReachRow>,
        about: impl FnOnce(Vec<AboutLine>) -> About,
    ) -> Result<Self, ApiError> {
        Ok(match format {
            Format::Csv => Self::Csv(formats::csv_of(&data, reach_file_name(q))),
            Format::Xlsx => Self::Xlsx(xlsx_of(
                &data,
                reach_file_name(q),
                &about(reach_about(k, &data)),
            )?),
            Format::Ndjson => Self::Ndjson(formats::ndjson_of(&data)),
            Format::Json => Self::Json(JsonBody(ReachReport {
                group_by: q.group_by.iter().map(|g| g.as_str().to_owned()).collect(),
                suppression_threshold: k,
                data,
            })),
        })
    }
}

#[derive(ApiResponse)]
pub enum ReachResponse {
    /// Reach rows (JSON), or the same rows as CSV, NDJSON or an XLSX workbook
    /// (CSV and XLSX as an attachment with a file name).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV and XLSX: `attachment; filename=\"…\"`, a name that says what the file holds (e.g. `reach-municipality-year-19-2025.xlsx`)."
        )
    )]
    Ok(ReachBody),
}

#[derive(ResponseContent)]
pub enum IndicatorsBody {
    Json(Json<IndicatorReport>),
    Csv(formats::Csv),
    Xlsx(formats::Xlsx),
}

impl IndicatorsBody {
    /// `about` adds the request's URL to a workbook's `Om data` lines; it is
    /// called only when a workbook is asked for.
    fn of(
        format: Format,
        q: &IndicatorsQuery,
        k: i64,
        report: IndicatorReport,
        about: impl FnOnce(Vec<AboutLine>) -> About,
    ) -> Result<Self, ApiError> {
        Ok(match format {
            Format::Csv => Self::Csv(formats::csv_of(
                &csv_rows(&report),
                indicators_file_name(q, &report),
            )),
            Format::Xlsx => Self::Xlsx(xlsx_of(
                &csv_rows(&report),
                indicators_file_name(q, &report),
                &about(indicators_about(k, &report)),
            )?),
            // NDJSON is refused with `format=ndjson`; by `Accept`, JSON answers.
            Format::Json | Format::Ndjson => Self::Json(Json(report)),
        })
    }
}

#[derive(ApiResponse)]
pub enum IndicatorsResponse {
    /// The indicators (JSON), or one row per area and indicator as CSV or an
    /// XLSX workbook (as an attachment with a file name).
    #[oai(
        status = 200,
        header(
            name = "Content-Disposition",
            ty = "Option<String>",
            description = "CSV and XLSX: `attachment; filename=\"…\"` (e.g. `indicators-19-2025.csv`)."
        )
    )]
    Ok(IndicatorsBody),
}

pub struct ReachApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Statistics")]
impl ReachApi {
    /// Räckvidd, aggregerad / Aggregated reach
    ///
    /// Sums over **counted sessions** — status `ongoing` or `completed`, attributed
    /// to the year and quarter of `start_date` — grouped by any combination of
    /// `municipality`, `programme`, `year`, `quarter` (rows then carry `year` and
    /// `quarter`) and `prevention_level` (a session counts once under each level
    /// of its programme, so level rows can add up to more than the total). No
    /// `group_by` gives one total row. Read from a rollup kept current with
    /// every write, so the cost does not grow with the number of sessions.
    ///
    /// **Figures (en).** All counts are *participations*, not unique people: a
    /// parent who takes part in two sessions counts twice.
    /// `sessions`: counted sessions. `enrolled`: participations enrolled.
    /// `completed`: participations completed. `completion_rate`: `completed` ÷
    /// participations enrolled in sessions whose status is `completed` (0–1).
    /// `women`, `men`: participations by gender as reported (they may add up to
    /// less than `enrolled` where not reported). `vulnerable_area`:
    /// participations by parents living in areas the municipality classes as
    /// socioeconomically vulnerable; `vulnerable_area_share` = `vulnerable_area` ÷
    /// `enrolled`. `satisfaction_rate` = satisfied ÷ `satisfaction_respondents`.
    /// `reach_per_1000_children` = `enrolled` × 1000 ÷ children in the reference
    /// population (`population`: year and age band; summed over the
    /// municipalities the row covers — the filtered set when the row is not per
    /// municipality); null with `reach_per_1000_children_reason` when a covered
    /// municipality has no sourced population.
    ///
    /// **Mått (sv).** Alla antal är *deltaganden*, inte unika personer: en
    /// förälder som deltar i två omgångar räknas två gånger. `sessions`: antal
    /// räknade omgångar (status pågående eller avslutad, efter startdatum).
    /// `enrolled`: antal inskrivna deltaganden. `completed`: antal fullföljda
    /// deltaganden. `completion_rate`: andel fullföljda av de inskrivna i
    /// avslutade omgångar. `women`, `men`: deltaganden per kön enligt
    /// kommunens rapport. `vulnerable_area`: deltaganden av föräldrar boende i
    /// områden som kommunen klassar som socioekonomiskt utsatta;
    /// `vulnerable_area_share`: deras andel av de inskrivna. `satisfaction_rate`:
    /// andel nöjda av dem som svarat. `reach_per_1000_children`: inskrivna
    /// deltaganden per 1 000 barn i referensbefolkningen (år och åldersspann
    /// anges i `population`).
    ///
    /// **Disclosure control / röjandekontroll (cell-key perturbation).**
    /// `sessions`, `enrolled` and `completed` are exact: every session
    /// publishes its own in `/v1/sessions`. The people breakdowns (`women`,
    /// `men`, `vulnerable_area`, `satisfaction_respondents`) carry consistent
    /// noise: the same set of sessions always gets the same published value,
    /// in any grouping, filter or format; no published breakdown is between 1
    /// and k−1 (k = `suppression_threshold`, default 5; a count below k is
    /// published as 0 or k); a count of k or more moves by at most 2. Rates are
    /// computed from the published counts, and a part never exceeds its whole.
    /// A row of 1 to k−1 participants withholds its breakdowns (null, named
    /// in `suppressed`). Totals are protected on their own: a county need not
    /// equal the sum of its municipalities, nor a year the sum of its
    /// quarters. Method and parameters: `/v1/api-info`, `disclosure_control`.
    ///
    /// `programme` must name a programme in the catalogue (`/v1/programmes`); the
    /// catalogue changes, so the schema states only a slug's form: an unknown slug is 400.
    #[oai(path = "/reach", method = "get", operation_id = "getReach")]
    #[allow(clippy::too_many_arguments)]
    async fn get_reach(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// Group keys, comma-separated or repeated: `municipality`, `programme`,
        /// `year`, `quarter`, `prevention_level`. None: one total row.
        #[oai(default, example = "example_group_by")]
        group_by: Query<Vec<String>>,
        /// One calendar year: shorthand for `from=YYYY&to=YYYY` (as `/v1/indicators`
        /// takes it); not with `from` or `to`.
        year: Query<Option<i32>>,
        /// First period (inclusive): `YYYY`, `YYYY-Qn`, or the first day of a quarter.
        #[oai(example = "example_from")]
        from: Query<Option<String>>,
        /// Last period (inclusive): `YYYY`, `YYYY-Qn`, or the last day of a quarter.
        #[oai(example = "example_to")]
        to: Query<Option<String>>,
        /// Only these municipalities (4-digit SCB codes); comma-separated or repeated.
        #[oai(default, example = "example_municipalities")]
        municipality: Query<Vec<String>>,
        /// Only these programmes (slugs); comma-separated or repeated.
        #[oai(default, example = "example_programmes")]
        programme: Query<Vec<String>>,
        /// Only programmes at these prevention levels (`universal`, `selective`, `indicated`).
        #[oai(default, example = "example_levels")]
        prevention_level: Query<Vec<String>>,
        /// Only municipalities in this county (2-digit SCB code).
        #[oai(example = "example_county")]
        county: Query<Option<String>>,
        /// Response format; equivalent to `Accept: text/csv`, `application/x-ndjson`
        /// or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (xlsx).
        format: Query<Option<Format>>,
    ) -> Result<ReachResponse, ListError> {
        let q = ReachParams {
            group_by: group_by.0,
            year: year.0,
            from: from.0,
            to: to.0,
            municipality: municipality.0,
            programme: programme.0,
            prevention_level: prevention_level.0,
            county: county.0,
        }
        .parse()?;
        let q = ReachQuery {
            max_rows: Some(state.settings.max_reach_rows),
            ..q
        };
        let k = state.settings.suppression_threshold;
        let cat = state.reference.current(&state.db).await?;
        let table = state.reach.current(&state.db).await?;
        let data = query::reach_rows(&table, &q, k, &cat)?;
        let format = formats::negotiate(req, format.0);
        let about = |lines| state.about(req, lines);
        Ok(ReachResponse::Ok(ReachBody::of(
            format, &q, k, data, about,
        )?))
    }

    /// Beslutets indikatorer / The decision's indicators
    ///
    /// The short-term effects of the *Regional samling för föräldraskapsstöd*
    /// (inriktningsbeslut, Region Västmanland and Länsstyrelsen Västmanland) made
    /// measurable for one year, for the county and each of its municipalities,
    /// each with the previous year's value and the change. Every indicator
    /// carries its own definition in Swedish and English.
    ///
    /// Indicators (en): *equal access* — reach per 1,000 children per
    /// municipality and, for the county, its spread across municipalities (min,
    /// max, max/min, coefficient of variation); *availability* — sessions
    /// offered per 1,000 children, languages offered, digital share, share of
    /// sessions using programmes with evaluated evidence; *satisfaction* — share
    /// satisfied; *vulnerable groups* — share of participations from
    /// socioeconomically vulnerable areas; *collaboration* — share of sessions
    /// co-hosted or open to other municipalities. Reach figures use counted
    /// sessions (ongoing/completed); availability and collaboration use every
    /// offered session (every status but `cancelled`). Counts are
    /// participations, not unique people. The same disclosure control as
    /// `/v1/reach` applies: a figure built on a suppressed count is null with a
    /// `note`.
    ///
    /// Indikatorer (sv): *jämlik tillgång* — räckvidd per 1 000 barn och dess
    /// spridning mellan kommunerna; *tillgänglighet* — erbjudna omgångar per
    /// 1 000 barn, språk, andel digitala, andel omgångar med utvärderade
    /// metoder; *nöjdhet* — andel nöjda; *socioekonomiskt utsatta grupper* —
    /// andel deltaganden från socioekonomiskt utsatta områden; *samverkan* —
    /// andel omgångar med medarrangör eller öppna för andra kommuner.
    #[oai(path = "/indicators", method = "get", operation_id = "getIndicators")]
    #[allow(clippy::too_many_arguments)]
    async fn get_indicators(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// The year (of `start_date`) to report; default: last calendar year.
        #[oai(example = "example_year")]
        year: Query<Option<i32>>,
        /// Only these municipalities in the per-municipality list (the county
        /// figures always cover the whole county); comma-separated or repeated.
        /// All of one county (that of `county` when given), else 400.
        #[oai(default, example = "example_municipalities")]
        municipality: Query<Vec<String>>,
        /// The county (2-digit SCB code); default: the county of the municipalities named,
        /// else the regional collaboration's county (19).
        #[oai(example = "example_county")]
        county: Query<Option<String>>,
        /// Response format (`json`, `csv` or `xlsx`); equivalent to `Accept: text/csv`
        /// or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.
        format: Query<Option<ReportFormat>>,
    ) -> Result<IndicatorsResponse, ListError> {
        let q = IndicatorParams {
            year: year.0,
            municipality: municipality.0,
            county: county.0,
            format: format.0.map(Format::from),
        }
        .parse()?;
        let k = state.settings.suppression_threshold;
        let cat = state.reference.current(&state.db).await?;
        let terms = Terms {
            k,
            today: chrono::Utc::now().date_naive(),
        };
        let report = indicators::indicator_report(&state.rollups().await?, &q, terms, &cat)?;
        let format = formats::negotiate(req, format.0.map(Format::from));
        let about = |lines| state.about(req, lines);
        Ok(IndicatorsResponse::Ok(IndicatorsBody::of(
            format, &q, k, report, about,
        )?))
    }
}

fn example_group_by() -> Vec<String> {
    vec!["municipality,year".into()]
}
fn example_from() -> Option<String> {
    Some("2024".into())
}
fn example_to() -> Option<String> {
    Some("2025-Q2".into())
}
fn example_municipalities() -> Vec<String> {
    vec!["1980".into()]
}
fn example_programmes() -> Vec<String> {
    vec!["komet".into()]
}
fn example_levels() -> Vec<String> {
    vec!["universal".into()]
}
fn example_county() -> Option<String> {
    Some(crate::config::DEFAULT_HOME_COUNTY.into())
}
fn example_year() -> Option<i32> {
    Some(2025)
}
