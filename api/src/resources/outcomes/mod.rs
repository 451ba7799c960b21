//! `/v1/outcomes`: the decision's long-term effects, the outcome measures
//! that may serve them (Kolada KPIs), and their values per area and year as
//! loaded from the source by `outcomes import` / `outcomes fetch`.

pub mod catalogue;
pub mod store;
pub mod wire;
pub mod write;

use std::sync::Arc;

use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi, ResponseContent};
use sea_orm::DatabaseConnection;

use self::store::{areas_of, known_kpi, list_outcomes, list_values, ValueFilter, ValueKey};
use self::wire::{OutcomeList, OutcomeValuePage};
use crate::error::{ApiError, ListError, LookupError, Step};
use crate::http::formats::{self, Format, ListFormat};
use crate::http::openapi::tags::ApiTags;
use crate::http::paging;
use crate::http::workbook::{all_rows, xlsx_of, About, AboutLine};
use crate::state::AppState;
use crate::store::reference::ReferenceData;
use crate::vocab::MunicipalityCode;
use crate::vocab::{parse_kpi, parse_opt, parse_param, CountyCode, OutcomeGender};

crate::list_page!(OutcomeValuePage, wire::OutcomeValue);

/// Rows per database read when a whole result set is streamed.
const STREAM_CHUNK: u64 = 1000;

#[derive(ResponseContent)]
pub enum OutcomeListBody {
    Json(Json<OutcomeList>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
}

#[derive(ApiResponse)]
pub enum OutcomeListResponse {
    /// The effects and measures (JSON); the measures alone as CSV or NDJSON.
    #[oai(status = 200)]
    Ok(OutcomeListBody),
}

#[derive(ResponseContent)]
pub enum OutcomeValuesBody {
    Json(Json<OutcomeValuePage>),
    Csv(formats::Csv),
    Ndjson(formats::Ndjson),
    Xlsx(formats::Xlsx),
}

#[derive(ApiResponse)]
pub enum OutcomeValuesResponse {
    /// A page of values (JSON), or all of them (CSV, NDJSON, or an XLSX
    /// workbook of at most 50,000 rows; CSV and XLSX as an attachment).
    #[oai(status = 200)]
    Ok(OutcomeValuesBody, #[oai(header = "Link")] Option<String>),
}

/// A year parameter (`from`, `to`), 1900–2100; shared with `/v1/evaluation`.
pub(crate) fn year_param(name: &str, value: Option<&str>) -> Result<Option<i32>, ApiError> {
    value
        .map(|v| {
            v.parse::<i32>()
                .ok()
                .filter(|y| (1900..=2100).contains(y))
                .ok_or_else(|| {
                    ApiError::invalid_parameter(name, format!("'{v}' is not a year 1900–2100"))
                })
        })
        .transpose()
}

pub struct OutcomesApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Outcomes")]
impl OutcomesApi {
    /// Långsiktiga effekter och utfallsmått / Long-term effects and outcome measures
    ///
    /// The decision's six long-term effects (`effects`), each with the measures
    /// that serve it — or, where no public per-municipality measure was found
    /// (effects 1 and 4; effect 6 is measured in Region Västmanland's survey
    /// *Liv och hälsa ung*, not in Kolada), why not. Then the measures
    /// (`data`): a catalogue of candidate Kolada KPIs read in public sources,
    /// each `to_verify` until `outcomes fetch` has read its id and title from
    /// Kolada, and any other KPI an operator loaded, with the years held. No
    /// value ships with the API: values exist only once loaded from the
    /// source. CSV and NDJSON carry the measures only.
    #[oai(path = "/outcomes", method = "get", operation_id = "listOutcomes")]
    async fn list(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// Response format; equivalent to `Accept: text/csv` or `application/x-ndjson`.
        format: Query<Option<ListFormat>>,
    ) -> Result<OutcomeListResponse, ListError> {
        let list = list_outcomes(&state.db)
            .await
            .step("read the outcome catalogue")?;
        Ok(OutcomeListResponse::Ok(
            match formats::negotiate(req, format.0.map(Format::from)) {
                Format::Csv => OutcomeListBody::Csv(formats::csv_of(&list.data, "outcomes".into())),
                Format::Xlsx => {
                    return Err(formats::not_offered("outcomes", "json, csv or ndjson").into())
                }
                Format::Ndjson => OutcomeListBody::Ndjson(formats::ndjson_of(&list.data)),
                Format::Json => OutcomeListBody::Json(Json(list)),
            },
        ))
    }

    /// Ett utfallsmåtts värden / An outcome measure's values
    ///
    /// The values held for the measure, per area, year and gender, ordered by
    /// area (the country `0000` first, then counties `00xx`, then
    /// municipalities), year and gender. Each value as the source published it,
    /// with the source's `status`, the `source` and when it was read
    /// (`retrieved_at`); a value the source does not give is null, never
    /// estimated. `municipality` (one or more) gives those municipalities' values
    /// and their counties' and the country's; `county` gives its municipalities',
    /// its own and the country's; with both, the named municipalities that lie in
    /// the county (filters intersect). An id neither in the catalogue (`/v1/outcomes`) nor loaded is 404;
    /// a catalogued measure with nothing loaded is an empty list.
    ///
    /// A non-empty `cursor` that this API did not issue for the same filters is
    /// refused with 400 (start again without one). `from` after `to` is 400.
    #[oai(
        path = "/outcomes/:id/values",
        method = "get",
        operation_id = "listOutcomeValues"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn values(
        &self,
        req: &Request,
        state: poem::web::Data<&AppState>,
        /// The measure's Kolada KPI id, e.g. `N15428`.
        #[oai(example = "example_kpi", validator(pattern = "^[A-Z][0-9]{5}$"))]
        id: Path<String>,
        /// Only these municipalities (4-digit SCB codes), with their counties'
        /// and the country's values; comma-separated or repeated.
        #[oai(default, example = "example_municipalities")]
        municipality: Query<Vec<String>>,
        /// Only this county (2-digit SCB code): its municipalities, itself and the country.
        #[oai(example = "example_county")]
        county: Query<Option<String>>,
        /// First year (inclusive), 1900–2100.
        #[oai(
            example = "example_from",
            validator(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)?$")
        )]
        from: Query<Option<String>>,
        /// Last year (inclusive), 1900–2100.
        #[oai(
            example = "example_to",
            validator(pattern = "^(19[0-9]{2}|20[0-9]{2}|2100)?$")
        )]
        to: Query<Option<String>>,
        /// Only this gender's values: `total`, `women` or `men` (Kolada's T, K, M).
        gender: Query<Option<OutcomeGender>>,
        /// Page size, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u64>>,
        /// Opaque cursor from `next_cursor`.
        cursor: Query<Option<String>>,
        /// Response format; equivalent to `Accept: text/csv`, `application/x-ndjson`
        /// or `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (xlsx).
        format: Query<Option<Format>>,
    ) -> Result<OutcomeValuesResponse, LookupError> {
        let kpi = parse_kpi(&id.0).map_err(|e| ApiError::invalid_parameter("id", e))?;
        let codes = parse_param("municipality", &municipality.0, |s| {
            MunicipalityCode::parse(s).map(|c| c.as_str().to_owned())
        })?;
        let county = parse_opt("county", county.0.as_deref(), CountyCode::parse)?;
        let (from, to) = (
            year_param("from", from.0.as_deref())?,
            year_param("to", to.0.as_deref())?,
        );
        if let (Some(a), Some(b)) = (from, to) {
            if a > b {
                return Err(
                    ApiError::invalid_parameter("to", format!("{b} is before from {a}")).into(),
                );
            }
        }
        let cat = state.reference.current(&state.db).await?;
        let filter = ValueFilter {
            areas: areas_of(&cat, &codes, county.as_deref())?,
            kpi,
            from,
            to,
            gender: gender.0,
        };
        if !known_kpi(&state.db, &filter.kpi)
            .await
            .step("look up the KPI")?
        {
            return Err(ApiError::not_found(format!(
                "no outcome measure {}: neither in the catalogue (/v1/outcomes) nor loaded",
                filter.kpi
            ))
            .into());
        }
        let format = formats::negotiate(req, format.0);
        if format == Format::Xlsx {
            let book = workbook(&state.db, cat, filter, state.about(req, values_about())).await?;
            return Ok(OutcomeValuesResponse::Ok(
                OutcomeValuesBody::Xlsx(book),
                None,
            ));
        }
        if format != Format::Json {
            return Ok(OutcomeValuesResponse::Ok(
                stream(&state.db, cat, filter, format),
                None,
            ));
        }
        let db = &state.db;
        let at = state.page_request(req, filter.canonical(), limit.0, cursor.0.as_deref());
        let fetch = |after, limit| list_values(db, &cat, &filter, after, limit);
        let (page, link) = paging::page::<OutcomeValuePage, _, ValueKey, _, _>(at, fetch).await?;
        Ok(OutcomeValuesResponse::Ok(
            OutcomeValuesBody::Json(Json(page)),
            link,
        ))
    }
}

/// Every matching value in one streamed CSV or NDJSON body.
fn stream(
    db: &DatabaseConnection,
    cat: Arc<ReferenceData>,
    filter: ValueFilter,
    format: Format,
) -> OutcomeValuesBody {
    let name = formats::file_name(["outcomes", filter.kpi.as_str()]);
    let db = db.clone();
    let fetch = move |after: Option<ValueKey>| {
        let (db, cat, filter) = (db.clone(), cat.clone(), filter.clone());
        async move { list_values(&db, &cat, &filter, after, STREAM_CHUNK).await }
    };
    match format {
        Format::Csv => OutcomeValuesBody::Csv(formats::stream_csv(fetch, name)),
        _ => OutcomeValuesBody::Ndjson(formats::stream_ndjson(fetch)),
    }
}

/// Every matching value in one workbook, built off the async workers.
async fn workbook(
    db: &DatabaseConnection,
    cat: Arc<ReferenceData>,
    filter: ValueFilter,
    about: About,
) -> Result<formats::Xlsx, ApiError> {
    let name = formats::file_name(["outcomes", filter.kpi.as_str()]);
    let fetch = |after: Option<ValueKey>| list_values(db, &cat, &filter, after, STREAM_CHUNK);
    let rows = all_rows(fetch).await?;
    tokio::task::spawn_blocking(move || xlsx_of(&rows, name, &about))
        .await
        .map_err(|e| ApiError::internal(format!("xlsx task: {e}")))?
}

fn values_about() -> Vec<AboutLine> {
    vec![
        AboutLine::new(
            "Innehåll / Contents",
            "Ett utfallsmåtts värden per område, år och kön, som källan publicerade dem; en lucka fylls aldrig i (kolumnen status).",
            "An outcome measure's values per area, year and gender, as the source published them; a gap is never filled in (column status).",
        ),
        AboutLine::new(
            "Källa / Source",
            "Kolumnen source på varje rad (Källa: Kolada), med tiden värdet hämtades (retrieved_at).",
            "The column source on every row (Källa: Kolada), with the time the value was read (retrieved_at).",
        ),
    ]
}

fn example_kpi() -> String {
    "N15428".into()
}

fn example_municipalities() -> Vec<String> {
    vec!["1980".into()]
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
