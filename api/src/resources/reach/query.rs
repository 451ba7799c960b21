//! `reach`: sums from the rollup, grouped and filtered, then put through
//! disclosure control. Reads the rollup (one row per municipality, programme
//! and quarter) as held in memory for the data version, never `sessions`, so
//! its cost does not grow with the number of sessions.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use entity::{municipality, programme};

use super::disclosure::disclose;
use super::population::{self, per_1000};
use super::wire::ReachRow;
use crate::config::MAX_REACH_ROWS;
use crate::error::ApiError;
use crate::store::reference::ReferenceData;
use crate::store::rollup::quarter::Quarter;
use crate::store::rollup::sums::Sums;
use crate::store::rollup::table::{Group, ReachTable, Selection};
use crate::vocab::{parse_list, CountyCode, MunicipalityCode, PreventionLevel, ProgrammeSlug};

/// What a reach row can be grouped by, in the order keys appear in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupField {
    Municipality,
    Programme,
    Year,
    Quarter,
    PreventionLevel,
}

impl GroupField {
    pub const ALL: [GroupField; 5] = [
        GroupField::Municipality,
        GroupField::Programme,
        GroupField::Year,
        GroupField::Quarter,
        GroupField::PreventionLevel,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            GroupField::Municipality => "municipality",
            GroupField::Programme => "programme",
            GroupField::Year => "year",
            GroupField::Quarter => "quarter",
            GroupField::PreventionLevel => "prevention_level",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// Parses `group_by` (comma-separated and/or repeated); duplicates collapse.
pub fn parse_group_by(values: &[String]) -> Result<BTreeSet<GroupField>, ApiError> {
    let mut out = BTreeSet::new();
    for v in values.iter().flat_map(|v| v.split(',')) {
        if v.is_empty() {
            continue;
        }
        let f = GroupField::parse(v).ok_or_else(|| {
            ApiError::invalid_parameter(
                "group_by",
                format!(
                    "'{v}' is not one of municipality, programme, year, quarter, prevention_level"
                ),
            )
        })?;
        out.insert(f);
    }
    Ok(out)
}

/// A validated reach query.
#[derive(Debug, Clone, Default)]
pub struct ReachQuery {
    pub group_by: BTreeSet<GroupField>,
    pub from: Option<Quarter>,
    pub to: Option<Quarter>,
    /// Municipality codes (empty: all).
    pub municipalities: Vec<MunicipalityCode>,
    /// Programme slugs (empty: all).
    pub programmes: Vec<ProgrammeSlug>,
    /// Only programmes at any of these levels (empty: all).
    pub prevention_levels: Vec<PreventionLevel>,
    pub county: Option<CountyCode>,
    /// Most rows the answer may hold; `None`: [`MAX_REACH_ROWS`] (the
    /// API sets the configured `MAX_REACH_ROWS`).
    pub max_rows: Option<usize>,
}

impl ReachQuery {
    /// Most rows the answer may hold (beyond: 400, see `ApiError::too_many_rows`).
    pub fn row_limit(&self) -> usize {
        self.max_rows.unwrap_or(MAX_REACH_ROWS)
    }

    fn groups(&self, f: GroupField) -> bool {
        self.group_by.contains(&f)
    }

    /// Levels are a list per programme, expanded in Rust, so SQL groups by
    /// programme for them too.
    fn by_programme(&self) -> bool {
        self.groups(GroupField::Programme) || self.groups(GroupField::PreventionLevel)
    }

    /// A quarter means nothing without its year.
    fn by_year(&self) -> bool {
        self.groups(GroupField::Year) || self.groups(GroupField::Quarter)
    }

    fn restricts_municipalities(&self) -> bool {
        !self.municipalities.is_empty() || self.county.is_some()
    }

    fn restricts_programmes(&self) -> bool {
        !self.programmes.is_empty() || !self.prevention_levels.is_empty()
    }
}

/// Checks the filters' codes against the catalogues: a well-formed but unknown
/// code is a client error, not an empty answer that hides a typo.
pub fn check_references(q: &ReachQuery, cat: &ReferenceData) -> Result<(), ApiError> {
    for m in &q.municipalities {
        cat.known_municipality(m)?;
    }
    if let Some(c) = &q.county {
        cat.county_members(c)?;
    }
    for p in &q.programmes {
        cat.known_programme(p)?;
    }
    if let (Some(f), Some(t)) = (q.from, q.to) {
        if f > t {
            return Err(ApiError::invalid_parameter(
                "from",
                format!(
                    "from ({}-Q{}) is after to ({}-Q{})",
                    f.year, f.quarter, t.year, t.quarter
                ),
            ));
        }
    }
    Ok(())
}

/// The municipalities a query covers: the explicit list (within the county,
/// if one is given), else the county's, else all.
fn scope<'a>(q: &ReachQuery, cat: &'a ReferenceData) -> Vec<&'a municipality::Model> {
    cat.municipalities
        .iter()
        .filter(|m| q.municipalities.is_empty() || q.municipalities.iter().any(|c| *c == m.code))
        .filter(|m| q.county.as_ref().is_none_or(|c| &m.county_code == c))
        .collect()
}

/// The programmes a query covers: the explicit list, at the requested levels.
fn programmes_of<'a>(q: &ReachQuery, cat: &'a ReferenceData) -> Vec<&'a programme::Model> {
    cat.programmes
        .iter()
        .filter(|p| q.programmes.is_empty() || q.programmes.iter().any(|s| *s == p.slug))
        .filter(|p| {
            q.prevention_levels.is_empty()
                || levels_of(p).iter().any(|l| q.prevention_levels.contains(l))
        })
        .collect()
}

fn levels_of(p: &programme::Model) -> Vec<PreventionLevel> {
    parse_list(&p.prevention_levels, PreventionLevel::parse)
}

type Key = (
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<i32>,
    Option<PreventionLevel>,
);

/// Reach rows for `q` under suppression threshold `k`, ordered by their keys.
/// Sums the rollup as far as its keys allow; programme levels (a list per
/// programme) are expanded here, so the rollup is grouped by programme for them.
pub fn reach_rows(
    table: &ReachTable,
    q: &ReachQuery,
    k: i64,
    cat: &ReferenceData,
) -> Result<Vec<ReachRow>, ApiError> {
    check_references(q, cat)?;
    let scope = scope(q, cat);
    let programmes = programmes_of(q, cat);
    let mut groups: BTreeMap<Key, Sums> = BTreeMap::new();
    let nothing_matches = (q.restricts_municipalities() && scope.is_empty())
        || (q.restricts_programmes() && programmes.is_empty());
    if !nothing_matches {
        let codes: Vec<&str> = scope.iter().map(|m| m.code.as_str()).collect();
        let slugs: Vec<&str> = programmes.iter().map(|p| p.slug.as_str()).collect();
        let selection = Selection {
            municipalities: q.restricts_municipalities().then_some(&codes[..]),
            programmes: q.restricts_programmes().then_some(&slugs[..]),
            from: q.from.map(Quarter::index),
            to: q.to.map(Quarter::index),
            by_municipality: q.groups(GroupField::Municipality),
            by_programme: q.by_programme(),
            by_year: q.by_year(),
            by_quarter: q.groups(GroupField::Quarter),
        };
        for group in table.sum(&selection) {
            add_to_groups(&mut groups, group, q, cat);
            // Stopped as soon as it is over: no row of it is built.
            if groups.len() > q.row_limit() {
                return Err(ApiError::too_many_rows(q.row_limit()));
            }
        }
    }
    if q.group_by.is_empty() && groups.is_empty() {
        groups.insert((None, None, None, None, None), Sums::default());
    }
    let today = chrono::Utc::now().date_naive();
    let current = Quarter::of(today);
    let period_end = q.to.map_or(today.year(), |t| t.year);
    Ok(groups
        .into_iter()
        .map(|(key, sums)| {
            let period = row_period(q, key.2, key.3);
            // Without an end, the query runs to today: not over.
            let complete = period.1.is_some_and(|l| l < current);
            let at = RowContext {
                scope: &scope,
                period_end,
                period,
                complete,
            };
            row_of(key, sums, k, at, cat)
        })
        .collect())
}

/// The first and last quarter a row covers: its own year or quarter when
/// grouped by them, within the query's `from`..`to`. `None` where neither
/// sets an end: from the first data, or to the latest (today's period).
pub fn row_period(
    q: &ReachQuery,
    year: Option<i32>,
    quarter: Option<i32>,
) -> (Option<Quarter>, Option<Quarter>) {
    let own = match (year, quarter) {
        (Some(year), Some(quarter)) => Some((Quarter { year, quarter }, Quarter { year, quarter })),
        (Some(year), None) => Some((Quarter { year, quarter: 1 }, Quarter { year, quarter: 4 })),
        _ => None,
    };
    let first = match (own.map(|o| o.0), q.from) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let last = match (own.map(|o| o.1), q.to) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    (first, last)
}

/// Adds one group of the rollup to its reach group, or with
/// `prevention_level` to the group of each level of its programme.
fn add_to_groups(groups: &mut BTreeMap<Key, Sums>, g: Group, q: &ReachQuery, cat: &ReferenceData) {
    if g.sums.sessions == 0 {
        return;
    }
    let municipality = g.municipality.map(str::to_owned);
    let programme_key = g
        .programme
        .filter(|_| q.groups(GroupField::Programme))
        .map(str::to_owned);
    if !q.groups(GroupField::PreventionLevel) {
        let key = (municipality, programme_key, g.year, g.quarter, None);
        groups.entry(key).or_default().add(&g.sums);
        return;
    }
    // A session counts once under each level of its programme.
    let levels = g
        .programme
        .and_then(|s| cat.programme(s))
        .map(levels_of)
        .unwrap_or_default();
    for level in levels {
        if !q.prevention_levels.is_empty() && !q.prevention_levels.contains(&level) {
            continue;
        }
        let key = (
            municipality.clone(),
            programme_key.clone(),
            g.year,
            g.quarter,
            Some(level),
        );
        groups.entry(key).or_default().add(&g.sums);
    }
}

/// A rate and why it is missing, from a count and its population; the
/// population is handed back for the row.
fn rate_of<P>(
    population: Result<P, String>,
    enrolled: Option<i64>,
    size: impl Fn(&P) -> i64,
    k: i64,
) -> (Option<f64>, Option<String>, Option<P>) {
    match (population, enrolled) {
        (Err(why), _) => (None, Some(why), None),
        (Ok(p), None) => (
            None,
            Some(format!(
                "suppressed: enrolled is between 1 and {}",
                k.saturating_sub(1)
            )),
            Some(p),
        ),
        (Ok(p), Some(e)) => match per_1000(e, size(&p)) {
            Some(r) => (Some(r), None, Some(p)),
            None => (None, Some("the reference population is 0".into()), Some(p)),
        },
    }
}

/// The first and last quarter a row covers (see `row_period`).
type Period = (Option<Quarter>, Option<Quarter>);

/// Where a row stands in its answer: the municipalities the query covers,
/// the query's last year, the quarters the row covers and whether they are over.
struct RowContext<'a> {
    scope: &'a [&'a municipality::Model],
    period_end: i32,
    period: Period,
    complete: bool,
}

/// One published row. Its rates divide by the population of the row's year;
/// a row over several years uses `period_end`, the last year of the query.
fn row_of(key: Key, sums: Sums, k: i64, at: RowContext, cat: &ReferenceData) -> ReachRow {
    let RowContext {
        scope,
        period_end,
        period,
        complete,
    } = at;
    let (municipality, programme, year, quarter, prevention_level) = key;
    let d = disclose(&sums.counts, sums.cell_key(), k);
    let named = municipality.as_deref().and_then(|c| cat.municipality(c));
    let covered: Vec<&municipality::Model> = match municipality {
        Some(_) => named.into_iter().collect(),
        None => scope.to_vec(),
    };
    let rate_year = year.unwrap_or(period_end);
    let children = population::children(cat, &covered, rate_year);
    let inhabitants = population::inhabitants(cat, &covered, rate_year);
    let (mut reach, mut reason, children) = rate_of(children, d.enrolled, |p| p.children, k);
    let (mut per_inhabitants, mut per_inhabitants_reason, inhabitants) =
        rate_of(inhabitants, d.enrolled, |p| p.total, k);
    if sums.sessions == 0 {
        // The total of a query nothing matched: no session is reported, so
        // nothing is known of reach — not a reach of zero.
        let why = || Some("no sessions are reported for the period".to_owned());
        (reach, reason) = (None, why());
        (per_inhabitants, per_inhabitants_reason) = (None, why());
    }
    ReachRow {
        municipality_name: named.map(|m| m.name.clone()),
        municipality,
        programme,
        year,
        quarter,
        prevention_level,
        period_from: period.0.map(|p| p.to_string()),
        period_to: period.1.map(|p| p.to_string()),
        complete,
        sessions: sums.sessions,
        enrolled: d.enrolled,
        completed: d.completed,
        completion_rate: d.completion_rate,
        women: d.women,
        men: d.men,
        vulnerable_area: d.vulnerable_area,
        vulnerable_area_share: d.vulnerable_area_share,
        satisfaction_respondents: d.satisfaction_respondents,
        satisfaction_rate: d.satisfaction_rate,
        reach_per_1000_children: reach,
        reach_per_1000_children_reason: reason,
        population: children,
        reach_per_1000_inhabitants: per_inhabitants,
        reach_per_1000_inhabitants_reason: per_inhabitants_reason,
        inhabitants,
        suppressed: d.suppressed.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_accepts_commas_and_repeats_and_refuses_strangers() {
        let g = parse_group_by(&["year,municipality".into(), "year".into()]).unwrap_or_default();
        assert_eq!(
            g.into_iter().collect::<Vec<_>>(),
            vec![GroupField::Municipality, GroupField::Year]
        );
        assert!(parse_group_by(&["county".into()]).is_err());
    }
}
