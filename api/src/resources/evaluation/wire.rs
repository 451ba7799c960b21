//! What clients see of the evaluation view: reach beside the outcome series,
//! per year, with the change over the period and the correlation across the
//! county's municipalities.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use crate::http::formats::{Cell, FlatRecord};
use crate::resources::programmes::LocalizedText;
use crate::resources::reach::wire::ReachPopulation;

/// The first and the last year of the period that hold a value, and the
/// difference; null with `note` when fewer than two years hold one.
#[derive(Debug, Clone, Object)]
pub struct PeriodChange {
    pub first_year: Option<i32>,
    pub first_value: Option<f64>,
    pub last_year: Option<i32>,
    pub last_value: Option<f64>,
    /// `last_value − first_value`, in the series' unit (for shares: a
    /// difference of shares, not a percentage).
    pub change: Option<f64>,
    /// Why `change` is null, or which years were left out.
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
}

/// One year of the area's parenting support: the same figures as
/// `/v1/indicators` gives for that year.
#[derive(Debug, Clone, Object)]
pub struct EvaluationYear {
    pub year: i32,
    /// Whether the year is over by the server's date; a year not over holds
    /// figures so far and is left out of changes and correlations.
    pub complete: bool,
    /// Participations per 1,000 children (the indicator
    /// `reach_per_1000_children`); null with `reach_note` when unknown.
    pub reach_per_1000_children: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    pub reach_note: Option<String>,
    /// Share of sessions offered whose programme has evaluated evidence (the
    /// indicator `evaluated_evidence_share`); null with `evidence_note`.
    pub evaluated_evidence_share: Option<f64>,
    #[oai(skip_serializing_if_is_none)]
    pub evidence_note: Option<String>,
    /// The children the reach divides by: year, age band and source.
    pub population: Option<ReachPopulation>,
}

/// One value of an outcome series, as its source published it.
#[derive(Debug, Clone, Object)]
pub struct EvaluationValue {
    pub year: i32,
    /// Null where the source gives none (see `status`); never filled in.
    pub value: Option<f64>,
    /// The source's status of the value, verbatim.
    pub status: Option<String>,
    pub source: String,
    pub retrieved_at: DateTime<Utc>,
}

/// Pearson's correlation of reach per 1,000 children and an outcome
/// measure over the county's municipalities.
#[derive(Debug, Clone, Object)]
pub struct Correlation {
    /// Pearson's r (−1 to 1), rounded to 4 decimals; null with `reason`.
    pub coefficient: Option<f64>,
    /// Municipalities that have both a reach figure and a value of the
    /// measure in a common whole year of the period.
    pub n: i32,
    /// The fewest municipalities a coefficient is stated for.
    pub minimum_n: i32,
    /// The county whose municipalities are compared.
    pub county_code: String,
    /// Why `coefficient` is null.
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
    /// How the pairs are formed, in words.
    pub method: String,
}

/// An outcome measure held for the area, beside reach.
#[derive(Debug, Clone, Object)]
pub struct EvaluationSeries {
    /// The measure's Kolada KPI id (see `/v1/outcomes`).
    pub id: String,
    pub title_sv: String,
    pub title_en: String,
    /// `percent`, `points` or `count`; null outside the catalogue.
    pub unit: Option<String>,
    /// The long-term effects (1–6) it serves; empty for context measures.
    pub effects: Vec<i32>,
    /// `measure`, `proxy`, `context`, `denominator` or `other`.
    pub role: String,
    /// `to_verify`, `verified`, `title_differs` or `not_catalogued`, as in `/v1/outcomes`.
    pub verification: String,
    /// The area's total values (gender `total`), one per year held.
    pub values: Vec<EvaluationValue>,
    pub change: PeriodChange,
    pub correlation: Correlation,
}

/// One of the decision's long-term effects: the measures held for the area
/// that serve it, or why there is none.
#[derive(Debug, Clone, Object)]
pub struct EvaluationEffect {
    pub number: i32,
    pub title_sv: String,
    pub title_en: String,
    /// The ids of measures (in `outcomes`) that serve it and are held.
    pub measures_held: Vec<String>,
    /// Whether a public per-municipality measure of the effect itself exists
    /// (as `/v1/outcomes` says).
    pub municipal_measure: bool,
    /// Why there is no measure here (sv): the catalogue's reason, or that
    /// none of its measures is loaded for the area and period.
    pub no_measure_sv: Option<String>,
    pub no_measure_en: Option<String>,
    /// The survey that measures the effect outside Kolada.
    pub regional_survey: Option<String>,
}

/// The evaluation view of one area (a county or a municipality) over a
/// period of whole years.
#[derive(Debug, Clone, Object)]
pub struct EvaluationReport {
    /// `county` or `municipality`.
    pub level: String,
    /// SCB code: 2 digits for a county, 4 for a municipality.
    pub code: String,
    pub name: String,
    pub county_code: String,
    pub county_name: String,
    pub from: i32,
    pub to: i32,
    /// What the figures are and are not: description, not a causal estimate.
    pub interpretation: LocalizedText,
    /// One entry per year of the period, oldest first.
    pub years: Vec<EvaluationYear>,
    pub reach_change: PeriodChange,
    pub evidence_change: PeriodChange,
    /// Every outcome measure with a value held for the area in the period.
    pub outcomes: Vec<EvaluationSeries>,
    /// The six long-term effects, each with its measures held or why none.
    pub effects: Vec<EvaluationEffect>,
    /// k of the disclosure control the reach figures are under.
    pub suppression_threshold: i64,
}

/// One row of the CSV and XLSX downloads: a series (reach, evidence share
/// or an outcome measure) in one year, with the period's change and the
/// correlation repeated on each row so a row reads alone.
#[derive(Debug, Clone)]
pub struct EvaluationRow {
    pub area_code: String,
    pub area_name: String,
    pub series: String,
    pub title: String,
    pub unit: Option<String>,
    pub year: i32,
    pub value: Option<f64>,
    pub note: Option<String>,
    pub source: String,
    pub period_change: Option<f64>,
    pub correlation: Option<f64>,
    pub correlation_n: Option<i32>,
    pub correlation_reason: Option<String>,
}

impl FlatRecord for EvaluationRow {
    fn columns() -> &'static [&'static str] {
        &[
            "area_code",
            "area_name",
            "series",
            "title",
            "unit",
            "year",
            "value",
            "note",
            "source",
            "period_change",
            "correlation",
            "correlation_n",
            "correlation_reason",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            (&self.area_code).into(),
            (&self.area_name).into(),
            (&self.series).into(),
            (&self.title).into(),
            self.unit.clone().into(),
            self.year.into(),
            self.value.into(),
            self.note.clone().into(),
            (&self.source).into(),
            self.period_change.into(),
            self.correlation.into(),
            self.correlation_n.into(),
            self.correlation_reason.clone().into(),
        ]
    }
}
