//! `indicators`: the decision's short-term effects made measurable, per year,
//! for a county and each of its municipalities. Reads only the rollups
//! (`reach_rollup` for reach, `offer_rollup` and `offer_language_rollup` for
//! what is offered), two years at a time.

mod csv;
mod definitions;
mod load;

use std::collections::{BTreeMap, BTreeSet};

use entity::municipality;
use sea_orm::ConnectionTrait;

pub use self::csv::{csv_rows, IndicatorCsvRow};
use self::definitions::{area_indicators, reach_figure, spread_indicators, Figure};
use super::sums::Sums;
use super::wire::{IndicatorArea, IndicatorReport, ReachPopulation};
use crate::error::ApiError;
use crate::store::catalogue::Catalogues;

/// A validated indicators query.
#[derive(Debug, Clone)]
pub struct IndicatorsQuery {
    pub year: i32,
    /// Only these municipalities in the per-municipality list (empty: all of the county's).
    pub municipalities: Vec<String>,
    /// Default: the county of the municipalities in the regional collaboration.
    pub county: Option<String>,
}

/// What one area did in one year, before disclosure control.
#[derive(Debug, Clone, Default)]
struct AreaYear {
    /// Over counted sessions, as in reach.
    counted: Sums,
    offered: i64,
    digital: i64,
    collaborative: i64,
    /// Offered sessions of programmes SBU rated as having at least limited
    /// scientific support (`limited`, `moderate`, `strong`).
    evaluated: i64,
    /// Offered sessions of programmes with any rating (not `unassessed`).
    assessed: i64,
    languages: BTreeSet<String>,
}

impl AreaYear {
    fn add(&mut self, o: &AreaYear) {
        self.counted.add(&o.counted);
        self.offered += o.offered;
        self.digital += o.digital;
        self.collaborative += o.collaborative;
        self.evaluated += o.evaluated;
        self.assessed += o.assessed;
        self.languages.extend(o.languages.iter().cloned());
    }
}

/// The loaded years of each municipality; a year without sessions is empty.
struct AreaYears {
    loaded: BTreeMap<(String, i32), AreaYear>,
    empty: AreaYear,
}

impl AreaYears {
    fn of(&self, code: &str, year: i32) -> &AreaYear {
        self.loaded
            .get(&(code.to_owned(), year))
            .unwrap_or(&self.empty)
    }
}

fn population_of(ms: &[&municipality::Model]) -> Option<ReachPopulation> {
    let first = ms.first()?;
    let all_known = ms.iter().all(|m| {
        m.children.is_some()
            && m.population_year == first.population_year
            && m.population_year.is_some()
            && m.children_age_from == first.children_age_from
            && m.children_age_to == first.children_age_to
    });
    all_known.then(|| ReachPopulation {
        year: first.population_year.unwrap_or_default(),
        children: ms.iter().map(|m| i64::from(m.children.unwrap_or(0))).sum(),
        children_age_from: first.children_age_from.unwrap_or(0),
        children_age_to: first.children_age_to.unwrap_or(15),
    })
}

/// The indicators for `q` under suppression threshold `k`.
pub async fn indicators_with(
    db: &impl ConnectionTrait,
    q: &IndicatorsQuery,
    k: i64,
    cat: &Catalogues,
) -> Result<IndicatorReport, ApiError> {
    let county = match &q.county {
        Some(c) => c.clone(),
        None => collaboration_county(cat),
    };
    let in_county = cat.county_members(&county)?;
    check_municipalities(q, &county, &in_county, cat)?;
    let codes: Vec<String> = in_county.iter().map(|m| m.code.clone()).collect();
    let years = AreaYears {
        loaded: load::load_area_years(db, [q.year, q.year - 1], &codes, &cat.programmes).await?,
        empty: AreaYear::default(),
    };
    let county_name = in_county[0].county_name.clone();
    let mut areas = vec![county_area(&county, &in_county, &years, q.year, k)];
    for m in &in_county {
        if q.municipalities.is_empty() || q.municipalities.contains(&m.code) {
            areas.push(municipality_area(m, &years, q.year, k));
        }
    }
    Ok(IndicatorReport {
        year: q.year,
        previous_year: q.year - 1,
        county_code: county,
        county_name,
        suppression_threshold: k,
        areas,
    })
}

/// The county of the regional collaboration, whose decision the indicators follow up.
fn collaboration_county(cat: &Catalogues) -> String {
    cat.municipalities
        .iter()
        .find(|m| m.in_collaboration)
        .map(|m| m.county_code.clone())
        .unwrap_or_else(|| "19".into())
}

/// The municipality filter names known municipalities of the county.
fn check_municipalities(
    q: &IndicatorsQuery,
    county: &str,
    in_county: &[&municipality::Model],
    cat: &Catalogues,
) -> Result<(), ApiError> {
    for code in &q.municipalities {
        cat.known_municipality(code)?;
        if !in_county.iter().any(|m| &m.code == code) {
            return Err(ApiError::invalid_parameter(
                "municipality",
                format!("municipality {code} is not in county {county}"),
            ));
        }
    }
    Ok(())
}

/// The county's indicators, over all its municipalities together. The spread
/// of their reach stands right after the county's reach: both follow up the
/// same effect, equal access.
fn county_area(
    code: &str,
    in_county: &[&municipality::Model],
    years: &AreaYears,
    year: i32,
    k: i64,
) -> IndicatorArea {
    let mut now = AreaYear::default();
    let mut before = AreaYear::default();
    for m in in_county {
        now.add(years.of(&m.code, year));
        before.add(years.of(&m.code, year - 1));
    }
    let population = population_of(in_county);
    let children = population.as_ref().map(|p| p.children);
    let mut indicators = area_indicators(&now, &before, children, k);
    let rates = |year: i32| -> Vec<Figure> {
        in_county
            .iter()
            .map(|m| reach_figure(years.of(&m.code, year), m.children.map(i64::from), k))
            .collect()
    };
    indicators.splice(1..1, spread_indicators(&rates(year), &rates(year - 1)));
    IndicatorArea {
        level: "county".into(),
        code: code.to_owned(),
        name: in_county[0].county_name.clone(),
        population,
        indicators,
    }
}

fn municipality_area(
    m: &municipality::Model,
    years: &AreaYears,
    year: i32,
    k: i64,
) -> IndicatorArea {
    let population = population_of(&[m]);
    IndicatorArea {
        level: "municipality".into(),
        code: m.code.clone(),
        name: m.name.clone(),
        indicators: area_indicators(
            years.of(&m.code, year),
            years.of(&m.code, year - 1),
            population.as_ref().map(|p| p.children),
            k,
        ),
        population,
    }
}
