//! The populations that rates divide by, one rule for reach and indicators:
//! a rate of year Y uses each municipality's figure of Y, else of the nearest
//! earlier year (never a later one), and says which year and age band it used.
//! A row over several municipalities sums their figures only when they share
//! that year (and band): a sum of different years is no population at all.

use entity::{municipality, population};

use super::wire::{ReachInhabitants, ReachPopulation};
use crate::store::reference::ReferenceData;

/// Children of `covered` for a rate of `year`, or why there is no such figure.
pub fn children(
    cat: &ReferenceData,
    covered: &[&municipality::Model],
    year: i32,
) -> Result<ReachPopulation, String> {
    let rows = figures(cat, covered, year, |p| p.children.is_some(), "children")?;
    let first = rows[0];
    let same_basis = rows.iter().all(|p| {
        p.year == first.year
            && p.children_age_from == first.children_age_from
            && p.children_age_to == first.children_age_to
    });
    if !same_basis {
        return Err("the municipalities in this row have children figures \
                    of different years or age bands"
            .into());
    }
    Ok(ReachPopulation {
        year: first.year,
        children: rows.iter().filter_map(|p| p.children).sum(),
        children_age_from: first.children_age_from.unwrap_or_default(),
        children_age_to: first.children_age_to.unwrap_or_default(),
        source: sources(&rows),
        lag_years: year - first.year,
    })
}

/// Inhabitants of `covered` for a rate of `year`, or why there is no such figure.
pub fn inhabitants(
    cat: &ReferenceData,
    covered: &[&municipality::Model],
    year: i32,
) -> Result<ReachInhabitants, String> {
    let rows = figures(cat, covered, year, |p| p.total.is_some(), "inhabitants")?;
    if rows.iter().any(|p| p.year != rows[0].year) {
        return Err("the municipalities in this row have population totals \
                    of different years"
            .into());
    }
    Ok(ReachInhabitants {
        year: rows[0].year,
        total: rows.iter().filter_map(|p| p.total).sum(),
        source: sources(&rows),
        lag_years: year - rows[0].year,
    })
}

/// The distinct sources of `rows`, in order, joined by ` | `.
fn sources(rows: &[&population::Model]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for p in rows {
        if !seen.contains(&p.source.as_str()) {
            seen.push(&p.source);
        }
    }
    seen.join(" | ")
}

/// Each covered municipality's row for `year` that has the figure.
fn figures<'a>(
    cat: &'a ReferenceData,
    covered: &[&municipality::Model],
    year: i32,
    has: impl Fn(&population::Model) -> bool + Copy,
    what: &str,
) -> Result<Vec<&'a population::Model>, String> {
    if covered.is_empty() {
        return Err("the row covers no municipality".into());
    }
    let found: Vec<_> = covered
        .iter()
        .map(|m| cat.population_for(&m.code, year, has))
        .collect();
    let missing = found.iter().filter(|f| f.is_none()).count();
    match (missing, covered) {
        (0, _) => Ok(found.into_iter().flatten().collect()),
        (_, [m]) => Err(format!(
            "no {what} figure for {} {} in {year} or earlier is loaded",
            m.code, m.name
        )),
        _ => Err(format!(
            "the row spans {} municipalities and {missing} of them have no {what} figure \
             for {year} or earlier; filter by municipality or county to get a rate",
            covered.len()
        )),
    }
}

/// `n` per 1,000 of `of`, to two decimals.
pub fn per_1000(n: i64, of: i64) -> Option<f64> {
    (of > 0).then(|| super::disclosure::round(n as f64 * 1000.0 / of as f64, 2))
}
