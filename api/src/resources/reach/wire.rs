//! What clients see of reach (one row per group, after disclosure control) and
//! of the indicators (one list per area).

use poem_openapi::Object;
use serde::Serialize;

use crate::http::formats::{Cell, FlatRecord};
use crate::http::json::EncodedSize;
use crate::resources::programmes::LocalizedText;
use crate::vocab::PreventionLevel;

/// The children a row's `reach_per_1000_children` is a rate of: the figures
/// of the row's year, else of the nearest earlier year that has them.
#[derive(Debug, Clone, PartialEq, Eq, Object, Serialize)]
pub struct ReachPopulation {
    /// Year of the figures (31 December).
    pub year: i32,
    /// Children in the age band, summed over the municipalities the row covers.
    pub children: i64,
    pub children_age_from: i32,
    pub children_age_to: i32,
    /// Where the figures come from, as the population series states it
    /// (several sources are joined by ` | `).
    pub source: String,
    /// How many years older the figures are than the row's period (0: the
    /// period's own year). Above 1, the rate divides by an old population.
    pub lag_years: i32,
}

/// The inhabitants a row's `reach_per_1000_inhabitants` is a rate of: the
/// total population of the row's year, else of the nearest earlier year.
#[derive(Debug, Clone, PartialEq, Eq, Object, Serialize)]
pub struct ReachInhabitants {
    /// Year of the figure (31 December).
    pub year: i32,
    /// All inhabitants, summed over the municipalities the row covers.
    pub total: i64,
    /// Where the figure comes from (several sources are joined by ` | `).
    pub source: String,
    /// How many years older the figure is than the row's period.
    pub lag_years: i32,
}

/// One group of counted sessions (status `ongoing` or `completed`, by the
/// period of `start_date`). Counts are participations, not unique people: a
/// parent in two sessions counts twice. The people breakdowns carry the
/// consistent noise of disclosure control (never 1..k−1); `sessions`,
/// `enrolled` and `completed` are exact.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
pub struct ReachRow {
    /// Group key (with `group_by=municipality`): 4-digit SCB code.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    /// The municipality's name, beside its code.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality_name: Option<String>,
    /// Group key (with `group_by=programme`): programme slug.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    /// Group key (with `group_by=year` or `quarter`): year of `start_date`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Group key (with `group_by=quarter`): 1–4.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarter: Option<i32>,
    /// Group key (with `group_by=prevention_level`). A session counts once
    /// under each level of its programme, so these rows may add up to more
    /// than the total.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevention_level: Option<PreventionLevel>,
    /// First quarter the row covers (`YYYY-Qn`): its own year or quarter
    /// when grouped by them, within the query's `from`. Null when neither
    /// sets it: from the first reported session.
    pub period_from: Option<String>,
    /// Last quarter the row covers (`YYYY-Qn`), within the query's `to`.
    /// Null when neither sets it: up to today (see `complete`).
    pub period_to: Option<String>,
    /// Whether the row's period is over by the server's date. A period not
    /// over (the running year or quarter, or a query without an end) holds
    /// figures so far: a low figure is not a fall.
    pub complete: bool,
    /// Counted sessions (never suppressed: sessions are not people).
    pub sessions: i64,
    /// Participations enrolled (sum of `enrolled`).
    pub enrolled: Option<i64>,
    /// Participations completed (sum of `completed`).
    pub completed: Option<i64>,
    /// `completed` / participations enrolled in *completed* sessions (ongoing
    /// sessions cannot have finished yet); 0–1, null when undefined or suppressed.
    pub completion_rate: Option<f64>,
    /// Participations by women, as reported; perturbed (0 or at least k, at
    /// most `enrolled`); null when the row has 1 to k−1 participants.
    pub women: Option<i64>,
    /// Participations by men, as reported; perturbed like `women`.
    pub men: Option<i64>,
    /// Participations by parents living in areas the municipality classes as
    /// socioeconomically vulnerable; perturbed like `women`.
    pub vulnerable_area: Option<i64>,
    /// `vulnerable_area / enrolled` of the published counts, 0–1.
    pub vulnerable_area_share: Option<f64>,
    /// Participants who answered the satisfaction question; perturbed like `women`.
    pub satisfaction_respondents: Option<i64>,
    /// Satisfied ÷ `satisfaction_respondents`, both as published (perturbed), 0–1.
    pub satisfaction_rate: Option<f64>,
    /// `enrolled × 1000 / children` of the reference population (`population`).
    pub reach_per_1000_children: Option<f64>,
    /// Why `reach_per_1000_children` is null, when it is.
    pub reach_per_1000_children_reason: Option<String>,
    /// The reference population (year, age band, children) of the municipalities the row covers.
    pub population: Option<ReachPopulation>,
    /// `enrolled × 1000 / total` of the inhabitants (`inhabitants`): the rate
    /// known wherever a population total is, for all 290 municipalities.
    pub reach_per_1000_inhabitants: Option<f64>,
    /// Why `reach_per_1000_inhabitants` is null, when it is.
    pub reach_per_1000_inhabitants_reason: Option<String>,
    /// The inhabitants (year, total) of the municipalities the row covers.
    pub inhabitants: Option<ReachInhabitants>,
    /// Names of the fields withheld by disclosure control in this row (the
    /// breakdowns of a row of 1 to k−1 participants).
    pub suppressed: Vec<String>,
}

/// Reach rows for one query.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(example)]
pub struct ReachReport {
    /// The grouping applied, in key order.
    pub group_by: Vec<String>,
    /// k: no published count of people is between 1 and k−1.
    pub suppression_threshold: i64,
    pub data: Vec<ReachRow>,
}

/// A row grouped by municipality, with its rates and population, is
/// ~740 bytes; fewer groupings make shorter rows.
impl EncodedSize for ReachReport {
    fn encoded_size(&self) -> usize {
        256 + self.data.len() * 800
    }
}

impl poem_openapi::types::Example for ReachReport {
    fn example() -> Self {
        Self {
            group_by: vec!["municipality".into(), "year".into()],
            suppression_threshold: 5,
            data: vec![ReachRow {
                municipality: Some("1980".into()),
                municipality_name: Some("Västerås".into()),
                programme: None,
                year: Some(2025),
                quarter: None,
                prevention_level: None,
                period_from: Some("2025-Q1".into()),
                period_to: Some("2025-Q4".into()),
                complete: true,
                sessions: 42,
                enrolled: Some(480),
                completed: Some(351),
                completion_rate: Some(0.8125),
                women: Some(310),
                men: Some(160),
                vulnerable_area: Some(71),
                vulnerable_area_share: Some(0.1479),
                satisfaction_respondents: Some(250),
                satisfaction_rate: Some(0.86),
                reach_per_1000_children: Some(16.54),
                reach_per_1000_children_reason: None,
                population: Some(ReachPopulation {
                    year: 2018,
                    children: 29_025,
                    children_age_from: 0,
                    children_age_to: 15,
                    source: "SCB, folkmängd 2018-12-31 (Regionfakta)".into(),
                    lag_years: 7,
                }),
                reach_per_1000_inhabitants: Some(3.11),
                reach_per_1000_inhabitants_reason: None,
                inhabitants: Some(ReachInhabitants {
                    year: 2024,
                    total: 154_049,
                    source: "SCB via Kolada N01951".into(),
                    lag_years: 1,
                }),
                suppressed: vec![],
            }],
        }
    }
}

impl FlatRecord for ReachRow {
    fn columns() -> &'static [&'static str] {
        &[
            "municipality",
            "municipality_name",
            "programme",
            "year",
            "quarter",
            "prevention_level",
            "period_from",
            "period_to",
            "complete",
            "sessions",
            "enrolled",
            "completed",
            "completion_rate",
            "women",
            "men",
            "vulnerable_area",
            "vulnerable_area_share",
            "satisfaction_respondents",
            "satisfaction_rate",
            "reach_per_1000_children",
            "reach_per_1000_children_reason",
            "population_year",
            "population_children",
            "children_age_from",
            "children_age_to",
            "population_source",
            "population_lag_years",
            "reach_per_1000_inhabitants",
            "reach_per_1000_inhabitants_reason",
            "inhabitants_year",
            "inhabitants",
            "inhabitants_source",
            "inhabitants_lag_years",
            "suppressed",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let p = self.population.as_ref();
        let i = self.inhabitants.as_ref();
        vec![
            self.municipality.as_ref().into(),
            self.municipality_name.as_ref().into(),
            self.programme.as_ref().into(),
            self.year.into(),
            self.quarter.into(),
            self.prevention_level
                .as_ref()
                .map(ToString::to_string)
                .into(),
            self.period_from.as_ref().into(),
            self.period_to.as_ref().into(),
            self.complete.into(),
            self.sessions.into(),
            self.enrolled.into(),
            self.completed.into(),
            self.completion_rate.into(),
            self.women.into(),
            self.men.into(),
            self.vulnerable_area.into(),
            self.vulnerable_area_share.into(),
            self.satisfaction_respondents.into(),
            self.satisfaction_rate.into(),
            self.reach_per_1000_children.into(),
            self.reach_per_1000_children_reason.as_ref().into(),
            p.map(|p| p.year).into(),
            p.map(|p| p.children).into(),
            p.map(|p| p.children_age_from).into(),
            p.map(|p| p.children_age_to).into(),
            p.map(|p| &p.source).into(),
            p.map(|p| p.lag_years).into(),
            self.reach_per_1000_inhabitants.into(),
            self.reach_per_1000_inhabitants_reason.as_ref().into(),
            i.map(|i| i.year).into(),
            i.map(|i| i.total).into(),
            i.map(|i| &i.source).into(),
            i.map(|i| i.lag_years).into(),
            self.suppressed.join(";").into(),
        ]
    }
}

/// One indicator for one area and year.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Indicator {
    /// Stable id, e.g. `reach_per_1000_children`.
    pub id: String,
    pub label: LocalizedText,
    /// The short-term effect of the decision this indicator follows up, in its own words (sv) and in English.
    pub effect: LocalizedText,
    /// The value for the year; null with `note` when it cannot be stated.
    pub value: Option<f64>,
    /// `per_1000_children`, `share` (0–1), `ratio`, `count`.
    pub unit: String,
    /// The value for the previous year.
    pub previous_value: Option<f64>,
    /// `value − previous_value`, in `unit` (for shares: a difference of shares, not a
    /// percentage); null with `change_note` when the year is not over or either year has
    /// no value.
    pub change: Option<f64>,
    /// Why `change` is null.
    #[oai(skip_serializing_if_is_none)]
    pub change_note: Option<String>,
    /// Why `value` is null, or a caveat.
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    /// What the figure is made of: the languages offered (ISO 639-1, comma-separated) for
    /// `languages_offered`; `age:sessions` for each age 0–17 (e.g. `0:12,1:12,…,17:0`)
    /// for `age_coverage`. Absent when no session is reported for the year.
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    pub definition: LocalizedText,
}

/// The indicators of the county or of one municipality.
#[derive(Debug, Clone, Object)]
pub struct IndicatorArea {
    /// `county` or `municipality`.
    pub level: String,
    /// SCB code: 2 digits for the county, 4 for a municipality.
    pub code: String,
    pub name: String,
    /// The reference population of rates per 1,000 children; null where none is sourced.
    pub population: Option<ReachPopulation>,
    pub indicators: Vec<Indicator>,
}

/// The indicators for one year.
#[derive(Debug, Clone, Object)]
pub struct IndicatorReport {
    pub year: i32,
    /// Whether `year` is over by the server's date. A year not over holds
    /// figures so far, and no `change` is computed from it.
    pub complete: bool,
    pub previous_year: i32,
    pub county_code: String,
    pub county_name: String,
    /// k: no published count of people is between 1 and k−1.
    pub suppression_threshold: i64,
    /// The county first, then each municipality by code.
    pub areas: Vec<IndicatorArea>,
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::Example;

    use super::*;
    use crate::http::json::{assert_same_json, assert_size_hint};

    #[test]
    fn a_national_report_fits_its_size_hint() {
        let mut report = ReachReport::example();
        report.data = vec![report.data[0].clone(); 9_280];
        assert_size_hint(&report);
    }

    #[test]
    fn serde_writes_what_to_json_does() {
        let mut report = ReachReport::example();
        let mut bare = report.data[0].clone();
        bare.municipality = None;
        bare.municipality_name = None;
        bare.year = None;
        bare.population = None;
        bare.enrolled = None;
        bare.reach_per_1000_children_reason = Some("suppressed".into());
        bare.prevention_level = Some(PreventionLevel::Universal);
        bare.suppressed = vec!["enrolled".into()];
        report.data.push(bare);
        assert_same_json(&report);
    }
}
