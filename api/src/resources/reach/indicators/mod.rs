//! `indicators`: the decision's short-term effects made measurable, per year,
//! for a county and each of its municipalities. Reads only the rollups held
//! in memory (`reach_rollup` for reach, `offer_rollup` and
//! `offer_language_rollup` for what is offered), two years at a time.

mod area_years;
mod csv;
mod definitions;
mod figures;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};

use entity::municipality;

pub use self::csv::{csv_rows, IndicatorCsvRow};
use self::definitions::{area_indicators, spread_indicators, Years};
use self::figures::{reach_figure, Figure};
use super::population;
use super::wire::{IndicatorArea, IndicatorReport, ReachPopulation};
use crate::error::ApiError;
use crate::store::reference::ReferenceData;
use crate::store::rollup::sums::Sums;
use crate::store::rollup::Rollups;
use crate::vocab::{CountyCode, MunicipalityCode};

/// A validated indicators query.
#[derive(Debug, Clone)]
pub struct IndicatorsQuery {
    pub year: i32,
    /// Only these municipalities in the per-municipality list (empty: all of the county's).
    pub municipalities: Vec<MunicipalityCode>,
    /// Default: the county of the municipalities named, else that of the
    /// municipalities in the regional collaboration.
    pub county: Option<CountyCode>,
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
    /// Sessions offered per child age of `CHILD_AGES` that their programme
    /// covers; a programme with unknown ages covers none.
    ages: BTreeMap<i32, i64>,
    /// The children that rates per 1,000 children divide by this year.
    children: Option<i64>,
    /// Share of ages 0–17 covered: the municipality's own, or for a county
    /// the mean over its municipalities (each parent lives in one).
    age_coverage: Option<f64>,
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
        for (age, n) in &o.ages {
            *self.ages.entry(*age).or_default() += n;
        }
    }

    /// Whether any session was reported for this year. A year without any
    /// is unknown, not a year of zeros: nobody can tell a municipality that
    /// held no course from one that has not reported yet.
    fn reported(&self) -> bool {
        self.offered > 0 || self.counted.sessions > 0
    }

    /// This area's year with the population of that year for its rates.
    fn with_population(mut self, children: Option<i64>, age_coverage: Option<f64>) -> Self {
        self.children = children;
        self.age_coverage = age_coverage;
        self
    }
}

/// The child ages the decision follows: support through the whole upbringing.
pub(super) const CHILD_AGES: std::ops::RangeInclusive<i32> = 0..=17;

/// The share of `CHILD_AGES` that `ages` covers.
fn age_share(ages: &BTreeMap<i32, i64>) -> f64 {
    let covered = CHILD_AGES
        .filter(|a| ages.get(a).is_some_and(|n| *n > 0))
        .count();
    covered as f64 / CHILD_AGES.count() as f64
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

/// The children of `ms` for rates of `year` (that year, else the nearest
/// earlier one), or none when any of them lacks a figure.
fn children_of(
    cat: &ReferenceData,
    ms: &[&municipality::Model],
    year: i32,
) -> Option<ReachPopulation> {
    population::children(cat, ms, year).ok()
}

/// What a report is made under: the suppression threshold `k`, and `today`
/// (a year not yet over is marked, and nothing is compared with it).
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    pub k: i64,
    pub today: NaiveDate,
}

/// The indicators for `q` from the rollups of one data version.
pub fn indicator_report(
    rollups: &Rollups,
    q: &IndicatorsQuery,
    terms: Terms,
    cat: &ReferenceData,
) -> Result<IndicatorReport, ApiError> {
    let Terms { k, today } = terms;
    let county = match &q.county {
        Some(c) => c.clone(),
        None => county_of_municipalities(q, cat)?
            .map(|c| CountyCode::of_stored(&c))
            .unwrap_or_else(|| CountyCode::of_stored(cat.home_county())),
    };
    let in_county = cat.county_members(&county)?;
    check_municipalities(q, &county, &in_county, cat)?;
    let codes: Vec<String> = in_county.iter().map(|m| m.code.clone()).collect();
    let years = AreaYears {
        loaded: area_years::area_years(
            &rollups.reach,
            &rollups.offers,
            [q.year, q.year - 1],
            &codes,
            &cat.programmes,
        ),
        empty: AreaYear::default(),
    };
    let county_name = in_county[0].county_name.clone();
    let period = Years {
        year: q.year,
        complete: q.year < today.year(),
    };
    let mut areas = vec![county_area(&county, &in_county, &years, period, k, cat)];
    for m in &in_county {
        if q.municipalities.is_empty() || q.municipalities.iter().any(|c| *c == m.code) {
            areas.push(municipality_area(m, &years, period, k, cat));
        }
    }
    Ok(IndicatorReport {
        year: q.year,
        complete: period.complete,
        previous_year: q.year - 1,
        county_code: county.to_string(),
        county_name,
        suppression_threshold: k,
        areas,
    })
}

/// Without `county`, the county follows the municipalities named: asking
/// for Karlstad's indicators means Värmland's. Municipalities of two
/// counties cannot be reported beside one county.
fn county_of_municipalities(
    q: &IndicatorsQuery,
    cat: &ReferenceData,
) -> Result<Option<String>, ApiError> {
    let mut county: Option<(&str, &str)> = None;
    for code in &q.municipalities {
        let m = cat.known_municipality(code)?;
        match county {
            None => county = Some((&m.county_code, &m.code)),
            Some((c, first)) if c != m.county_code => {
                return Err(ApiError::invalid_parameter(
                    "municipality",
                    format!(
                        "municipality {first} is in county {c} and {} in county {}: \
                         the indicators report one county and its municipalities",
                        m.code, m.county_code
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(county.map(|(c, _)| c.to_owned()))
}

/// The municipality filter names known municipalities of the county.
fn check_municipalities(
    q: &IndicatorsQuery,
    county: &str,
    in_county: &[&municipality::Model],
    cat: &ReferenceData,
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

/// A municipality's year, with that year's children and age coverage.
fn municipality_year(
    m: &municipality::Model,
    years: &AreaYears,
    year: i32,
    cat: &ReferenceData,
) -> AreaYear {
    let a = years.of(&m.code, year).clone();
    let children = children_of(cat, &[m], year).map(|p| p.children);
    let coverage = a.reported().then(|| age_share(&a.ages));
    a.with_population(children, coverage)
}

/// The county's indicators, over all its municipalities together. The spread
/// of their reach stands right after the county's reach: both follow up the
/// same effect, equal access.
fn county_area(
    code: &str,
    in_county: &[&municipality::Model],
    years: &AreaYears,
    period: Years,
    k: i64,
    cat: &ReferenceData,
) -> IndicatorArea {
    let year = period.year;
    let county_year = |year: i32| {
        let parts: Vec<AreaYear> = in_county
            .iter()
            .map(|m| municipality_year(m, years, year, cat))
            .collect();
        let mut all = AreaYear::default();
        parts.iter().for_each(|p| all.add(p));
        // Over the municipalities that reported the year: one that has not
        // is unknown, and counting it as covering no age would be a guess.
        let known: Vec<f64> = parts.iter().filter_map(|p| p.age_coverage).collect();
        let coverage = (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64);
        let children = children_of(cat, in_county, year).map(|p| p.children);
        let rates: Vec<Figure> = parts
            .iter()
            .map(|p| match p.reported() {
                true => reach_figure(p, k),
                false => Err(format!("no sessions are reported for {year}")),
            })
            .collect();
        (all.with_population(children, coverage), rates)
    };
    let ((now, rates_now), (before, rates_before)) = (county_year(year), county_year(year - 1));
    let mut indicators = area_indicators(&now, &before, period, k);
    indicators.splice(1..1, spread_indicators(&rates_now, &rates_before, period));
    IndicatorArea {
        level: "county".into(),
        code: code.to_owned(),
        name: in_county[0].county_name.clone(),
        population: children_of(cat, in_county, year),
        indicators,
    }
}

fn municipality_area(
    m: &municipality::Model,
    years: &AreaYears,
    period: Years,
    k: i64,
    cat: &ReferenceData,
) -> IndicatorArea {
    let year = period.year;
    let now = municipality_year(m, years, year, cat);
    let before = municipality_year(m, years, year - 1, cat);
    IndicatorArea {
        level: "municipality".into(),
        code: m.code.clone(),
        name: m.name.clone(),
        indicators: area_indicators(&now, &before, period, k),
        population: children_of(cat, &[m], year),
    }
}
