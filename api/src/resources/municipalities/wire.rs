//! What clients see of municipalities and their population series.

use chrono::{DateTime, Utc};
use entity::{municipality, population};
use poem_openapi::Object;

use crate::http::formats::{Cell, FlatRecord};

const EXAMPLE_SOURCE_2018: &str =
    "SCB population statistics 2018-12-31 as published by Regionfakta";
const EXAMPLE_SOURCE_2024: &str = "SCB folkmängd 2024-12-31 (as published in Kolada N01951)";

/// A municipality's population in one year (31 December). Either figure may
/// be unknown (null); a children figure always comes with its age band.
#[derive(Debug, Clone, Object)]
pub struct Population {
    /// The year of the figures (31 December).
    pub year: i32,
    /// All inhabitants; null where the source gives no total.
    pub total: Option<i64>,
    /// Children in the age band `children_age_from`..=`children_age_to`; null
    /// where the source gives no child figure.
    pub children: Option<i64>,
    /// Youngest age in the children's band (set exactly when `children` is).
    pub children_age_from: Option<i32>,
    /// Oldest age in the children's band, included (set exactly when `children` is).
    pub children_age_to: Option<i32>,
    /// Where the figures come from.
    pub source: String,
}

impl From<population::Model> for Population {
    fn from(p: population::Model) -> Self {
        Self {
            year: p.year,
            total: p.total,
            children: p.children,
            children_age_from: p.children_age_from,
            children_age_to: p.children_age_to,
            source: p.source,
        }
    }
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
    /// The latest year of the municipality's population series
    /// (`/v1/municipalities/{code}/population`), or null where none is loaded.
    pub population: Option<Population>,
    /// Part of the publisher's regional collaboration on parenting support:
    /// the municipalities of the home county (`publisher` in `/v1/api-info`).
    pub in_collaboration: bool,
    pub updated_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for Municipality {
    fn example() -> Self {
        Self {
            code: "1980".into(),
            name: "Västerås".into(),
            county_code: crate::config::DEFAULT_HOME_COUNTY.into(),
            county_name: crate::config::DEFAULT_HOME_COUNTY_NAME.into(),
            population: Some(Population {
                year: 2024,
                total: Some(160_634),
                children: None,
                children_age_from: None,
                children_age_to: None,
                source: EXAMPLE_SOURCE_2024.into(),
            }),
            in_collaboration: true,
            updated_at: "2026-11-26T12:00:00Z".parse().unwrap_or_default(),
        }
    }
}

impl Municipality {
    pub fn new(m: municipality::Model, latest: Option<population::Model>) -> Self {
        Self {
            code: m.code,
            name: m.name,
            county_code: m.county_code,
            county_name: m.county_name,
            population: latest.map(Population::from),
            in_collaboration: m.in_collaboration,
            updated_at: m.updated_at,
        }
    }
}

impl FlatRecord for Municipality {
    fn columns() -> &'static [&'static str] {
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
    fn cells(&self) -> Vec<Cell> {
        let p = self.population.as_ref();
        vec![
            (&self.code).into(),
            (&self.name).into(),
            (&self.county_code).into(),
            (&self.county_name).into(),
            self.in_collaboration.into(),
            p.map(|p| p.year).into(),
            p.and_then(|p| p.total).into(),
            p.and_then(|p| p.children).into(),
            p.and_then(|p| p.children_age_from).into(),
            p.and_then(|p| p.children_age_to).into(),
            p.map(|p| &p.source).into(),
            self.updated_at.to_rfc3339().into(),
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

/// One year of a municipality's population series.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct PopulationYear {
    /// The year of the figures (31 December).
    pub year: i32,
    /// All inhabitants; null where the source gives no total.
    pub total: Option<i64>,
    /// Children in the age band; null where the source gives no child figure.
    pub children: Option<i64>,
    /// Youngest age in the children's band (set exactly when `children` is).
    pub children_age_from: Option<i32>,
    /// Oldest age in the children's band, included (set exactly when `children` is).
    pub children_age_to: Option<i32>,
    /// Where the figures come from.
    pub source: String,
    /// When this year's row last changed here.
    pub updated_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for PopulationYear {
    fn example() -> Self {
        Self {
            year: 2018,
            total: Some(152_078),
            children: Some(29_025),
            children_age_from: Some(0),
            children_age_to: Some(15),
            source: EXAMPLE_SOURCE_2018.into(),
            updated_at: "2026-11-26T12:00:00Z".parse().unwrap_or_default(),
        }
    }
}

impl From<population::Model> for PopulationYear {
    fn from(p: population::Model) -> Self {
        Self {
            year: p.year,
            total: p.total,
            children: p.children,
            children_age_from: p.children_age_from,
            children_age_to: p.children_age_to,
            source: p.source,
            updated_at: p.updated_at,
        }
    }
}

impl FlatRecord for PopulationYear {
    fn columns() -> &'static [&'static str] {
        &[
            "year",
            "total",
            "children",
            "children_age_from",
            "children_age_to",
            "source",
            "updated_at",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            self.year.into(),
            self.total.into(),
            self.children.into(),
            self.children_age_from.into(),
            self.children_age_to.into(),
            (&self.source).into(),
            self.updated_at.to_rfc3339().into(),
        ]
    }
}

/// A municipality's whole population series, oldest year first. The list
/// envelope of every other list, though the series is never paged: `next_cursor`
/// and `next` are always null.
#[derive(Debug, Clone, Object)]
pub struct PopulationSeries {
    pub data: Vec<PopulationYear>,
    /// Always null: the whole series is one page.
    pub next_cursor: Option<String>,
    /// Always null: the whole series is one page.
    pub next: Option<String>,
}

/// One year of one municipality's population, in the national table.
// The municipality, then the year exactly as its own series gives it.
#[derive(Debug, Clone, Object)]
pub struct PopulationRow {
    /// 4-digit SCB municipality code.
    pub municipality_code: String,
    pub municipality_name: String,
    /// 2-digit SCB county code.
    pub county_code: String,
    #[oai(flatten)]
    pub year: PopulationYear,
}

impl PopulationRow {
    pub fn new(m: &municipality::Model, p: population::Model) -> Self {
        Self {
            municipality_code: m.code.clone(),
            municipality_name: m.name.clone(),
            county_code: m.county_code.clone(),
            year: p.into(),
        }
    }
}

impl FlatRecord for PopulationRow {
    fn columns() -> &'static [&'static str] {
        static COLUMNS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
            ["municipality_code", "municipality_name", "county_code"]
                .into_iter()
                .chain(PopulationYear::columns().iter().copied())
                .collect()
        });
        &COLUMNS
    }
    fn cells(&self) -> Vec<Cell> {
        let mut cells: Vec<Cell> = vec![
            (&self.municipality_code).into(),
            (&self.municipality_name).into(),
            (&self.county_code).into(),
        ];
        cells.extend(self.year.cells());
        cells
    }
}

/// Every municipality's population series, by code then year. The list
/// envelope, though never paged: `next_cursor` and `next` are always null.
#[derive(Debug, Clone, Object)]
pub struct PopulationTable {
    pub data: Vec<PopulationRow>,
    /// Always null: the whole table is one page.
    pub next_cursor: Option<String>,
    /// Always null: the whole table is one page.
    pub next: Option<String>,
}

/// One year of population as an admin sends it; it replaces the stored year
/// whole (a figure left out becomes unknown). Unknown fields are rejected.
#[derive(Debug, Clone, Object)]
#[oai(example, deny_unknown_fields)]
pub struct PopulationWrite {
    /// All inhabitants, ≥ 0. At least one of `total` and `children` is required.
    pub total: Option<i64>,
    /// Children in the age band, ≥ 0 and at most `total`; needs the band.
    pub children: Option<i64>,
    /// Required with `children`: 0–20, at most `children_age_to`.
    pub children_age_from: Option<i32>,
    /// Required with `children`: 0–20 (children are 0–17; SCB's five-year
    /// classes also give 0–19).
    pub children_age_to: Option<i32>,
    /// Where the figures come from, 1–500 characters.
    pub source: String,
}

impl poem_openapi::types::Example for PopulationWrite {
    fn example() -> Self {
        Self {
            total: Some(152_078),
            children: Some(29_025),
            children_age_from: Some(0),
            children_age_to: Some(15),
            source: EXAMPLE_SOURCE_2018.into(),
        }
    }
}
