//! What clients see of outcome measures and their values.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use crate::http::formats::{joined, Cell, FlatRecord};
use crate::vocab::{AreaType, OutcomeGender};

/// One of the decision's six long-term effects, with the measures held for
/// it — or, where there is none, why not.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct OutcomeEffect {
    /// 1–6, in the decision's order.
    pub number: i32,
    /// The decision's wording.
    pub title_sv: String,
    /// Our translation.
    pub title_en: String,
    /// The regional plan the decision takes it from: `RUS` (regional
    /// development strategy) or `RP` (regional plan); null when none is named.
    pub origin: Option<String>,
    /// The ids of the measures (in `data`) that serve it, directly or as a proxy.
    pub measures: Vec<String>,
    /// Whether a public per-municipality measure of the effect itself was
    /// found. False for effects 1 and 4, and for 6 (only a proxy).
    pub municipal_measure: bool,
    /// Why there is no municipal measure (sv); null when there is one.
    pub no_measure_sv: Option<String>,
    /// Why there is no municipal measure (en); null when there is one.
    pub no_measure_en: Option<String>,
    /// The survey that measures the effect outside Kolada, at regional level.
    pub regional_survey: Option<String>,
    /// Measures named by title whose id was not found, so none is held.
    pub unfound: Vec<String>,
}

/// An outcome measure: a Kolada KPI in the catalogue of candidates, or
/// one loaded by an operator.
#[derive(Debug, Clone, Object)]
pub struct OutcomeMeasure {
    /// Kolada's KPI id.
    pub id: String,
    /// Kolada's title once a fetch has read it, else the title as published
    /// where the id was found (`catalogue_title_sv`).
    pub title_sv: String,
    /// Our translation of the title.
    pub title_en: String,
    /// Kolada's description, once a fetch has read it; null until then.
    pub definition_sv: Option<String>,
    /// What the value is, in our words; null for a KPI outside the catalogue.
    pub definition_en: Option<String>,
    /// `percent`, `points` or `count`; null for a KPI outside the catalogue.
    pub unit: Option<String>,
    /// The effects (1–6) it serves; empty for context and denominators.
    pub effects: Vec<i32>,
    /// `measure` (of the effect), `proxy` (stands in for it), `context`,
    /// `denominator`, or `other` (loaded, not in the catalogue).
    pub role: String,
    /// Where the values come from ("Källa: Kolada").
    pub source: String,
    /// Whether values are split by gender: Kolada's `is_divided_by_gender`
    /// once read, else what the catalogue's sources say; null when unknown.
    pub gender_split: Option<bool>,
    /// The years that values are held for, oldest first (none until loaded).
    pub years: Vec<i32>,
    /// True once a fetch has read the KPI's metadata from Kolada and its
    /// title there matches the catalogue's.
    pub verified: bool,
    /// `to_verify` (the id has not been read from Kolada yet), `verified`,
    /// `title_differs` (Kolada knows the id under another title: check that it
    /// measures what the catalogue says), or `not_catalogued`.
    pub verification: String,
    /// The title as read where the id was found (null outside the catalogue).
    pub catalogue_title_sv: Option<String>,
    /// How sure the catalogue is of the id: `high` (two independent sources),
    /// `medium`, `lead` (one source of unknown origin).
    pub confidence: Option<String>,
    /// Where the catalogue read the id.
    pub read_in: Option<String>,
    pub note: Option<String>,
    /// When the KPI's metadata was read from the source; null when never.
    pub metadata_retrieved_at: Option<DateTime<Utc>>,
}

impl FlatRecord for OutcomeMeasure {
    fn columns() -> &'static [&'static str] {
        &[
            "id",
            "title_sv",
            "title_en",
            "definition_sv",
            "definition_en",
            "unit",
            "effects",
            "role",
            "source",
            "gender_split",
            "years",
            "verified",
            "verification",
            "catalogue_title_sv",
            "confidence",
            "read_in",
            "note",
            "metadata_retrieved_at",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let effects: Vec<String> = self.effects.iter().map(ToString::to_string).collect();
        let years: Vec<String> = self.years.iter().map(ToString::to_string).collect();
        vec![
            (&self.id).into(),
            (&self.title_sv).into(),
            (&self.title_en).into(),
            self.definition_sv.clone().into(),
            self.definition_en.clone().into(),
            self.unit.clone().into(),
            joined(&effects).into(),
            (&self.role).into(),
            (&self.source).into(),
            self.gender_split.into(),
            joined(&years).into(),
            self.verified.into(),
            (&self.verification).into(),
            self.catalogue_title_sv.clone().into(),
            self.confidence.clone().into(),
            self.read_in.clone().into(),
            self.note.clone().into(),
            self.metadata_retrieved_at.map(|t| t.to_rfc3339()).into(),
        ]
    }
}

/// The outcome measures held and the six effects they serve. The list
/// envelope of every other list, though never paged.
#[derive(Debug, Clone, Object)]
pub struct OutcomeList {
    /// The decision's six long-term effects, each with its measures or why
    /// there is none.
    pub effects: Vec<OutcomeEffect>,
    /// The measures: the catalogue's candidates, then any other KPI loaded.
    pub data: Vec<OutcomeMeasure>,
    /// Always null: the whole list is one page.
    pub next_cursor: Option<String>,
    /// Always null: the whole list is one page.
    pub next: Option<String>,
}

/// One published value of an outcome measure for an area, a year and a
/// gender, as its source gives it.
#[derive(Debug, Clone, Object)]
pub struct OutcomeValue {
    /// The measure (Kolada KPI id).
    pub kpi: String,
    pub area_type: AreaType,
    /// Kolada's area id: `0000` the country, `00` + county code, or the
    /// municipality's SCB code.
    pub area_code: String,
    /// The municipality's SCB code; null for a county or the country.
    pub municipality_code: Option<String>,
    /// The county's 2-digit SCB code; null for the country.
    pub county_code: Option<String>,
    pub area_name: String,
    /// The year (Kolada's `period`).
    pub year: i32,
    pub gender: OutcomeGender,
    /// The value as published; null where the source gives none (see
    /// `status`). Never filled in, carried forward or estimated here.
    pub value: Option<f64>,
    /// The source's status of the value, verbatim (Kolada's `status`; what
    /// it means is not documented by Kolada); null when it gives none.
    pub status: Option<String>,
    /// Kolada's `count`: 1 for an area's own value; more only for groups.
    pub count: Option<i64>,
    /// Where the value comes from.
    pub source: String,
    /// When the value, as published here, was read from the source.
    pub retrieved_at: DateTime<Utc>,
}

impl FlatRecord for OutcomeValue {
    fn columns() -> &'static [&'static str] {
        &[
            "kpi",
            "area_type",
            "area_code",
            "municipality_code",
            "county_code",
            "area_name",
            "year",
            "gender",
            "value",
            "status",
            "count",
            "source",
            "retrieved_at",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            (&self.kpi).into(),
            self.area_type.to_string().into(),
            (&self.area_code).into(),
            self.municipality_code.clone().into(),
            self.county_code.clone().into(),
            (&self.area_name).into(),
            self.year.into(),
            self.gender.to_string().into(),
            self.value.into(),
            self.status.clone().into(),
            self.count.into(),
            (&self.source).into(),
            self.retrieved_at.to_rfc3339().into(),
        ]
    }
}

/// One page of an outcome measure's values.
#[derive(Debug, Clone, Object)]
pub struct OutcomeValuePage {
    pub data: Vec<OutcomeValue>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The next page's URL with every filter kept; null on the last page.
    pub next: Option<String>,
}
