//! `reach`: sums from the rollup, grouped and filtered, then put through
//! disclosure control. Reads `reach_rollup` (one row per municipality,
//! programme and quarter), never `sessions`, so its cost does not grow with
//! the number of sessions.

use std::collections::{BTreeMap, BTreeSet};

use entity::{municipality, programme};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement};
use sea_orm::ConnectionTrait;

use super::disclosure::{disclose, round, RowCounts};
use super::wire::{ReachPopulation, ReachRow};
use crate::error::ApiError;
use crate::store::catalogue::Catalogues;
use crate::vocab::{parse_list, PreventionLevel};

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
        let v = v.trim();
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

/// A quarter, the rollup's finest period: `year * 4 + (quarter - 1)` orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quarter {
    pub year: i32,
    pub quarter: i32,
}

impl Quarter {
    fn index(self) -> i32 {
        self.year * 4 + self.quarter - 1
    }
}

/// Parses `from`/`to`: `YYYY`, `YYYY-Qn`, or a date on a quarter's boundary
/// (the first day of a quarter for `from`, the last for `to`). Reach is kept
/// per quarter, so a period that cuts a quarter cannot be answered exactly and
/// is refused rather than silently widened.
pub fn parse_period(name: &str, s: &str, is_end: bool) -> Result<Quarter, ApiError> {
    let bad = |why: &str| ApiError::invalid_parameter(name, format!("'{s}' {why}"));
    let year = |y: &str| -> Result<i32, ApiError> {
        match y.parse::<i32>() {
            Ok(y) if y.to_string().len() == 4 && (1900..=2100).contains(&y) => Ok(y),
            _ => Err(bad(
                "is not a period: use YYYY, YYYY-Qn or a YYYY-MM-DD date on a quarter boundary",
            )),
        }
    };
    if s.len() == 4 {
        let y = year(s)?;
        return Ok(Quarter {
            year: y,
            quarter: if is_end { 4 } else { 1 },
        });
    }
    if let Some((y, q)) = s.split_once("-Q").or_else(|| s.split_once("-q")) {
        let y = year(y)?;
        return match q.parse::<i32>() {
            Ok(q) if (1..=4).contains(&q) => Ok(Quarter {
                year: y,
                quarter: q,
            }),
            _ => Err(bad("has no quarter 1–4")),
        };
    }
    let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        bad("is not a period: use YYYY, YYYY-Qn or a YYYY-MM-DD date on a quarter boundary")
    })?;
    use chrono::Datelike;
    let quarter = (date.month0() / 3 + 1) as i32;
    let first_month = (quarter - 1) * 3 + 1;
    let on_boundary = if is_end {
        date.succ_opt()
            .is_none_or(|next| next.day() == 1 && next.month0() % 3 == 0)
    } else {
        date.day() == 1 && date.month() as i32 == first_month
    };
    if !on_boundary {
        return Err(bad(if is_end {
            "is not the last day of a quarter; reach is kept per quarter (use YYYY-Qn)"
        } else {
            "is not the first day of a quarter; reach is kept per quarter (use YYYY-Qn)"
        }));
    }
    Ok(Quarter {
        year: date.year(),
        quarter,
    })
}

/// A validated reach query.
#[derive(Debug, Clone, Default)]
pub struct ReachQuery {
    pub group_by: BTreeSet<GroupField>,
    pub from: Option<Quarter>,
    pub to: Option<Quarter>,
    /// Municipality codes (empty: all).
    pub municipalities: Vec<String>,
    /// Programme slugs (empty: all).
    pub programmes: Vec<String>,
    /// Only programmes at any of these levels (empty: all).
    pub prevention_levels: Vec<PreventionLevel>,
    /// 2-digit county code.
    pub county: Option<String>,
}

/// Checks the filters' codes against the catalogues: a well-formed but unknown
/// code is a client error, not an empty answer that hides a typo.
pub fn check_references(q: &ReachQuery, cat: &Catalogues) -> Result<(), ApiError> {
    for m in &q.municipalities {
        if cat.municipality(m).is_none() {
            return Err(ApiError::invalid_parameter(
                "municipality",
                format!("no municipality with code {m}"),
            ));
        }
    }
    if let Some(c) = &q.county {
        if !cat.municipalities.iter().any(|m| &m.county_code == c) {
            return Err(ApiError::invalid_parameter(
                "county",
                format!("no county with code {c}"),
            ));
        }
    }
    for p in &q.programmes {
        if !cat.programmes.iter().any(|m| &m.slug == p) {
            return Err(ApiError::invalid_parameter(
                "programme",
                format!("no programme with slug '{p}'"),
            ));
        }
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
fn scope<'a>(q: &ReachQuery, cat: &'a Catalogues) -> Vec<&'a municipality::Model> {
    cat.municipalities
        .iter()
        .filter(|m| q.municipalities.is_empty() || q.municipalities.contains(&m.code))
        .filter(|m| q.county.as_ref().is_none_or(|c| &m.county_code == c))
        .collect()
}

fn levels_of(p: &programme::Model) -> Vec<PreventionLevel> {
    parse_list(&p.prevention_levels, PreventionLevel::parse)
}

/// Sums over the rollup. `sessions` first, then the people counts.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    sessions: i64,
    counts: RowCounts,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.sessions += o.sessions;
        self.counts.add(&o.counts);
    }
}

type Key = (
    Option<String>,
    Option<String>,
    Option<i32>,
    Option<i32>,
    Option<PreventionLevel>,
);

const SUMMED: [&str; 9] = [
    "sessions",
    "enrolled",
    "enrolled_finished",
    "completed",
    "women",
    "men",
    "vulnerable_area",
    "satisfaction_respondents",
    "satisfied",
];

/// The SQL half: filter and group the rollup as far as SQL can; programme
/// levels (a list per programme) are expanded in Rust.
fn statement(
    q: &ReachQuery,
    by_programme: bool,
    municipalities: Option<&[&municipality::Model]>,
    programmes: Option<&[&programme::Model]>,
) -> SelectStatement {
    let mut select = Query::select();
    select.from(Alias::new("reach_rollup"));
    let g = &q.group_by;
    let mut keys: Vec<&str> = vec![];
    if g.contains(&GroupField::Municipality) {
        keys.push("municipality_code");
    }
    if by_programme {
        keys.push("programme");
    }
    if g.contains(&GroupField::Year) || g.contains(&GroupField::Quarter) {
        keys.push("year");
    }
    if g.contains(&GroupField::Quarter) {
        keys.push("quarter");
    }
    for k in &keys {
        select.column(Alias::new(*k));
        select.group_by_col(Alias::new(*k));
    }
    for col in SUMMED {
        // PostgreSQL's SUM(bigint) is numeric; cast back so both backends agree.
        select.expr_as(
            Expr::cust(format!("CAST(COALESCE(SUM({col}), 0) AS BIGINT)")),
            Alias::new(col),
        );
    }
    if let Some(f) = q.from {
        select.and_where(Expr::col(Alias::new("year")).gte(f.year));
        // An integer we computed, not client text: safe to inline, and it
        // sidesteps placeholder styles differing between backends.
        select.and_where(Expr::cust(format!(
            "(year * 4 + quarter - 1) >= {}",
            f.index()
        )));
    }
    if let Some(t) = q.to {
        select.and_where(Expr::col(Alias::new("year")).lte(t.year));
        select.and_where(Expr::cust(format!(
            "(year * 4 + quarter - 1) <= {}",
            t.index()
        )));
    }
    if let Some(ms) = municipalities {
        select.and_where(
            Expr::col(Alias::new("municipality_code")).is_in(ms.iter().map(|m| m.code.clone())),
        );
    }
    if let Some(ps) = programmes {
        select
            .and_where(Expr::col(Alias::new("programme")).is_in(ps.iter().map(|p| p.slug.clone())));
    }
    select
}

/// Reach rows for `q` under suppression threshold `k`, ordered by their keys.
pub async fn reach(
    db: &impl ConnectionTrait,
    q: &ReachQuery,
    k: i64,
) -> Result<Vec<ReachRow>, ApiError> {
    let cat = Catalogues::load(db).await?;
    reach_with(db, q, k, &cat).await
}

pub async fn reach_with(
    db: &impl ConnectionTrait,
    q: &ReachQuery,
    k: i64,
    cat: &Catalogues,
) -> Result<Vec<ReachRow>, ApiError> {
    check_references(q, cat)?;
    let scope = scope(q, cat);
    let restrict_municipalities = !q.municipalities.is_empty() || q.county.is_some();
    let programmes: Vec<&programme::Model> = cat
        .programmes
        .iter()
        .filter(|p| q.programmes.is_empty() || q.programmes.contains(&p.slug))
        .filter(|p| {
            q.prevention_levels.is_empty()
                || levels_of(p).iter().any(|l| q.prevention_levels.contains(l))
        })
        .collect();
    let restrict_programmes = !q.programmes.is_empty() || !q.prevention_levels.is_empty();
    let by_level = q.group_by.contains(&GroupField::PreventionLevel);
    let by_programme = by_level || q.group_by.contains(&GroupField::Programme);

    let mut groups: BTreeMap<Key, Sums> = BTreeMap::new();
    let nothing_matches = (restrict_municipalities && scope.is_empty())
        || (restrict_programmes && programmes.is_empty());
    if !nothing_matches {
        let stmt = statement(
            q,
            by_programme,
            restrict_municipalities.then_some(&scope[..]),
            restrict_programmes.then_some(&programmes[..]),
        );
        let backend = db.get_database_backend();
        for row in db.query_all(backend.build(&stmt)).await? {
            let get = |c: &str| row.try_get::<i64>("", c);
            let sums = Sums {
                sessions: get("sessions")?,
                counts: RowCounts {
                    enrolled: get("enrolled")?,
                    enrolled_finished: get("enrolled_finished")?,
                    completed: get("completed")?,
                    women: get("women")?,
                    men: get("men")?,
                    vulnerable_area: get("vulnerable_area")?,
                    satisfaction_respondents: get("satisfaction_respondents")?,
                    satisfied: get("satisfied")?,
                },
            };
            if sums.sessions == 0 {
                continue;
            }
            let g = &q.group_by;
            let municipality = if g.contains(&GroupField::Municipality) {
                Some(row.try_get::<String>("", "municipality_code")?)
            } else {
                None
            };
            let slug = if by_programme {
                Some(row.try_get::<String>("", "programme")?)
            } else {
                None
            };
            let year = if g.contains(&GroupField::Year) || g.contains(&GroupField::Quarter) {
                Some(row.try_get::<i32>("", "year")?)
            } else {
                None
            };
            let quarter = if g.contains(&GroupField::Quarter) {
                Some(row.try_get::<i32>("", "quarter")?)
            } else {
                None
            };
            let programme_key = slug.clone().filter(|_| g.contains(&GroupField::Programme));
            if by_level {
                // A session counts once under each level of its programme.
                let levels = slug
                    .as_deref()
                    .and_then(|s| cat.programmes.iter().find(|p| p.slug == s))
                    .map(levels_of)
                    .unwrap_or_default();
                for level in levels {
                    if !q.prevention_levels.is_empty() && !q.prevention_levels.contains(&level) {
                        continue;
                    }
                    let key = (
                        municipality.clone(),
                        programme_key.clone(),
                        year,
                        quarter,
                        Some(level),
                    );
                    groups.entry(key).or_default().add(&sums);
                }
            } else {
                let key = (municipality, programme_key, year, quarter, None);
                groups.entry(key).or_default().add(&sums);
            }
        }
    }
    if q.group_by.is_empty() && groups.is_empty() {
        groups.insert((None, None, None, None, None), Sums::default());
    }
    Ok(groups
        .into_iter()
        .map(|(key, sums)| row_of(key, sums, k, &scope, cat))
        .collect())
}

/// The reference population a row's reach is a rate of, or why there is none.
fn population_of(
    municipality: Option<&str>,
    scope: &[&municipality::Model],
    cat: &Catalogues,
) -> Result<ReachPopulation, String> {
    let covered: Vec<&municipality::Model> = match municipality {
        Some(code) => cat.municipality(code).into_iter().collect(),
        None => scope.to_vec(),
    };
    let missing: Vec<&municipality::Model> = covered
        .iter()
        .copied()
        .filter(|m| cat.children_of(&m.code).is_none())
        .collect();
    if covered.is_empty() {
        return Err("the row covers no municipality".into());
    }
    if !missing.is_empty() {
        return Err(if covered.len() == 1 {
            format!(
                "no reference population is loaded for {} {}",
                covered[0].code, covered[0].name
            )
        } else {
            format!(
                "the row spans {} municipalities and {} of them have no reference population; filter by municipality or county to get a rate",
                covered.len(),
                missing.len()
            )
        });
    }
    let refs: Vec<_> = covered
        .iter()
        .filter_map(|m| cat.children_of(&m.code))
        .collect();
    let first = refs[0];
    let same_basis = refs.iter().all(|p| {
        p.year == first.year
            && p.children_age_from == first.children_age_from
            && p.children_age_to == first.children_age_to
    });
    if !same_basis {
        return Err("the municipalities in this row have reference populations of different years or age bands".into());
    }
    Ok(ReachPopulation {
        year: first.year,
        children: refs.iter().map(|p| p.children.unwrap_or(0)).sum(),
        children_age_from: first.children_age_from.unwrap_or(0),
        children_age_to: first.children_age_to.unwrap_or(15),
    })
}

fn row_of(
    key: Key,
    sums: Sums,
    k: i64,
    scope: &[&municipality::Model],
    cat: &Catalogues,
) -> ReachRow {
    let (municipality, programme, year, quarter, prevention_level) = key;
    let d = disclose(&sums.counts, k);
    let population = population_of(municipality.as_deref(), scope, cat);
    let (reach, reason) = match (&population, d.enrolled) {
        (Err(why), _) => (None, Some(why.clone())),
        (Ok(_), None) => (
            None,
            Some(format!(
                "suppressed: enrolled is between 1 and {}",
                k.saturating_sub(1)
            )),
        ),
        (Ok(p), Some(e)) if p.children > 0 => {
            (Some(round(e as f64 * 1000.0 / p.children as f64, 2)), None)
        }
        (Ok(_), Some(_)) => (
            None,
            Some("the reference population has no children".into()),
        ),
    };
    ReachRow {
        municipality_name: municipality
            .as_deref()
            .and_then(|c| cat.municipality(c))
            .map(|m| m.name.clone()),
        municipality,
        programme,
        year,
        quarter,
        prevention_level,
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
        population: population.ok(),
        suppressed: d.suppressed.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_quarters_or_years_or_quarter_boundaries() {
        let q = |s, end| parse_period("from", s, end).map(|q| (q.year, q.quarter));
        assert_eq!(q("2024", false).ok(), Some((2024, 1)));
        assert_eq!(q("2024", true).ok(), Some((2024, 4)));
        assert_eq!(q("2024-Q3", false).ok(), Some((2024, 3)));
        assert_eq!(q("2024-04-01", false).ok(), Some((2024, 2)));
        assert_eq!(q("2024-06-30", true).ok(), Some((2024, 2)));
        assert_eq!(q("2024-12-31", true).ok(), Some((2024, 4)));
        assert!(q("2024-05-01", false).is_err());
        assert!(q("2024-06-29", true).is_err());
        assert!(q("2024-Q5", false).is_err());
        assert!(q("24", false).is_err());
        assert!(q("soon", false).is_err());
    }

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
