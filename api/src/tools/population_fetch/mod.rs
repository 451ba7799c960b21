//! `population fetch`: the population of every municipality by age and year,
//! downloaded from SCB's PxWebApi 2.0 as JSON-stat2 (table TAB638,
//! BE0101A/BefolkningNy) and written through the same all-or-nothing import
//! as a file (`population::import_figures`).
//!
//! Every answer is read and checked before anything is written: a server
//! that fails halfway, or answers with a municipality or a year missing, or
//! with a value that is not a count, leaves the database as it was.

mod pxweb;
mod table;

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use entity::municipality;
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};

pub use pxweb::{Limits, SCB_BASE_URL};

use super::population::{self, AgeBand, ImportFailed};
use super::population_import::{self, ChildBand};
use crate::store::population::{Figure, ImportSummary, YEARS};
use table::Table;

/// Folkmängden efter region, ålder, kön och år: BE0101A/BefolkningNy.
pub const DEFAULT_TABLE: &str = "TAB638";
/// Well below SCB's 150,000 cells: a smaller answer costs less to send
/// again when a call fails, and all 290 municipalities still take only a
/// few calls per year asked for.
pub const DEFAULT_MAX_CELLS: u64 = 20_000;

/// The years to fetch: a list and ranges (`2019-2024`, `2020,2022-2024`),
/// or `latest`, the last year the table has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Years {
    Latest,
    Listed(BTreeSet<i32>),
}

impl FromStr for Years {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("latest") {
            return Ok(Self::Latest);
        }
        let fail = |part: &str| format!("'{part}' is not a year or a range such as 2019-2024");
        let year = |part: &str| -> Result<i32, String> {
            let y: i32 = part.trim().parse().map_err(|_| fail(part))?;
            if YEARS.contains(&y) {
                Ok(y)
            } else {
                Err(format!("{y} is outside {}-{}", YEARS.start(), YEARS.end()))
            }
        };
        let mut years = BTreeSet::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            match part.split_once(['-', '–']) {
                Some((a, b)) => {
                    let (a, b) = (year(a)?, year(b)?);
                    if a > b {
                        return Err(format!("the range {a}-{b} runs backwards"));
                    }
                    years.extend(a..=b);
                }
                None => {
                    years.insert(year(part)?);
                }
            }
        }
        if years.is_empty() {
            return Err(fail(s));
        }
        Ok(Self::Listed(years))
    }
}

impl fmt::Display for Years {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Years::Latest => f.write_str("latest"),
            Years::Listed(years) => {
                let list: Vec<String> = years.iter().map(ToString::to_string).collect();
                f.write_str(&list.join(","))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// PxWebApi 2.0's root, e.g. [`SCB_BASE_URL`] or a mirror.
    pub base_url: String,
    pub table: String,
    pub years: Years,
    pub band: AgeBand,
    pub dry_run: bool,
    /// Cells per request at most; the server's own limit wins when lower.
    pub max_cells: u64,
    /// Tries after the first, for a 429, a 5xx or a dropped connection.
    pub retries: u32,
    /// The first wait before trying again after a failure, doubled each
    /// time (a 429's `Retry-After` is honoured instead).
    pub backoff: Duration,
}

impl FetchOptions {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            table: DEFAULT_TABLE.to_owned(),
            years: Years::Latest,
            band: AgeBand { from: 0, to: 17 },
            dry_run: false,
            max_cells: DEFAULT_MAX_CELLS,
            retries: 3,
            backoff: Duration::from_secs(2),
        }
    }
}

/// What a fetch did: the import's summary, and what was asked of the server.
#[derive(Debug)]
pub struct Fetched {
    pub summary: ImportSummary,
    pub years: Vec<i32>,
    pub municipalities: usize,
    /// Data requests (one per group of municipalities).
    pub requests: usize,
    /// Every call, configuration, metadata and retries included.
    pub calls: usize,
    pub limits: Limits,
}

/// Downloads the population of every municipality for `opts.years` and
/// writes it in one transaction (nothing with `opts.dry_run`).
pub async fn fetch(db: &DatabaseConnection, opts: &FetchOptions) -> Result<Fetched, ImportFailed> {
    let origin = format!("SCB table {} at {}", opts.table, opts.base_url);
    let fail = |problems: Vec<String>| ImportFailed {
        file: origin.clone(),
        problems,
    };
    if opts.table.is_empty() || !opts.table.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(fail(vec![format!(
            "'{}' is not a table id such as {DEFAULT_TABLE}",
            opts.table
        )]));
    }
    let band = opts.band;
    let child_band = u8::try_from(band.from)
        .ok()
        .zip(u8::try_from(band.to).ok())
        .ok_or_else(|| format!("the band {band} is not a band of ages"))
        .and_then(|(from, to)| ChildBand::new(from, to))
        .map_err(|e| fail(vec![e]))?;
    let ours = municipality_codes(db)
        .await
        .map_err(|e| fail(vec![format!("cannot read the municipalities: {e}")]))?;

    let mut client = pxweb::Client::new(&opts.base_url, opts.retries, opts.backoff)
        .map_err(|e| fail(vec![e]))?;
    let limits = client.configure().await;
    let metadata = client
        .get(
            "the table's metadata",
            &format!("tables/{}/metadata?lang=sv", opts.table),
        )
        .await
        .map_err(|e| fail(vec![e]))?;
    let table = Table::read(&metadata, band).map_err(fail)?;

    let years = years_to_fetch(&opts.years, &table).map_err(|e| fail(vec![e]))?;
    let missing: Vec<&str> = ours
        .iter()
        .filter(|c| !table.municipalities.contains(*c))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(fail(vec![format!(
            "the table has no figures for {} of our municipalities: {}",
            missing.len(),
            missing.join(", ")
        )]));
    }
    let max_cells = opts.max_cells.min(limits.max_cells);
    let per_municipality = table.cells_per_municipality(years.len());
    let per_request = usize::try_from(max_cells / per_municipality.max(1)).unwrap_or(usize::MAX);
    if per_request == 0 {
        return Err(fail(vec![format!(
            "one municipality's {} years need {per_municipality} cells, more than the {max_cells} \
             a request may select: ask for fewer years at a time",
            years.len()
        )]));
    }

    let groups: Vec<&[String]> = ours.chunks(per_request).collect();
    let mut figures = Vec::with_capacity(ours.len() * years.len());
    let data_path = format!("tables/{}/data?lang=sv&outputFormat=json-stat2", opts.table);
    for (i, group) in groups.iter().enumerate() {
        let (first, last) = (&group[0], &group[group.len() - 1]);
        let what = format!("answer {} of {} ({first}–{last})", i + 1, groups.len());
        let body = table.selection(group, &years);
        let bytes = client
            .post(&what, &data_path, &body)
            .await
            .map_err(|e| fail(vec![e]))?;
        let read = population_import::parse(&bytes, &opts.table, child_band)
            .map_err(|e| fail(e.problems.iter().map(|p| format!("{what}: {p}")).collect()))?;
        figures.extend(complete(read, band, group, &years, &what).map_err(fail)?);
        tracing::info!(answer = i + 1, of = groups.len(), "population answer read");
    }

    let summary = population::import_figures(db, figures, &origin, opts.dry_run).await?;
    Ok(Fetched {
        summary,
        years,
        municipalities: ours.len(),
        requests: groups.len(),
        calls: client.calls,
        limits: client.limits(),
    })
}

async fn municipality_codes(db: &DatabaseConnection) -> Result<Vec<String>, sea_orm::DbErr> {
    let all = municipality::Entity::find()
        .order_by_asc(municipality::Column::Code)
        .all(db)
        .await?;
    Ok(all.into_iter().map(|m| m.code).collect())
}

fn years_to_fetch(years: &Years, table: &Table) -> Result<Vec<i32>, String> {
    let (Some(first), Some(last)) = (table.years.keys().next(), table.years.keys().last()) else {
        return Err("the table has no year".into());
    };
    match years {
        Years::Latest => Ok(vec![*last]),
        Years::Listed(asked) => {
            let absent: Vec<String> = asked
                .iter()
                .filter(|y| !table.years.contains_key(y))
                .map(ToString::to_string)
                .collect();
            if absent.is_empty() {
                Ok(asked.iter().copied().collect())
            } else {
                Err(format!(
                    "the table has no figures for {} (it has {first}–{last})",
                    absent.join(", ")
                ))
            }
        }
    }
}

/// The answer's figures, if it holds exactly what was asked for: every
/// municipality of the group in every year, each with a total and children.
fn complete(
    read: Vec<population_import::PopulationFigure>,
    band: AgeBand,
    group: &[String],
    years: &[i32],
    what: &str,
) -> Result<Vec<Figure>, Vec<String>> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for f in read {
        seen.insert((f.code.clone(), f.year));
        if !group.contains(&f.code) || !years.contains(&f.year) {
            problems.push(format!("{what}: {} {} was not asked for", f.code, f.year));
        } else if f.total.is_none() || f.children.is_none() {
            let why = f.notes.join("; ");
            problems.push(format!("{what}: {} {}: {why}", f.code, f.year));
        } else {
            found.push(population::scb_figure(f, band));
        }
    }
    for code in group {
        for &year in years {
            if !seen.contains(&(code.clone(), year)) {
                problems.push(format!("{what}: no figures for {code} in {year}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// What the operator reads: what was fetched, within which limits, and
/// then the import's own report.
pub fn report(fetched: &Fetched, opts: &FetchOptions) -> String {
    let years: Vec<String> = fetched.years.iter().map(ToString::to_string).collect();
    let l = fetched.limits;
    format!(
        "fetched {} municipalities, {} year(s) ({}), children {} from SCB table {} \
         in {} request(s), {} call(s) in all (at most {} cells a request, \
         {} calls per {} s)\n{}",
        fetched.municipalities,
        years.len(),
        years.join(", "),
        opts.band,
        opts.table,
        fetched.requests,
        fetched.calls,
        opts.max_cells.min(l.max_cells),
        l.calls,
        l.window.as_secs_f64(),
        population::report(&fetched.summary)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_fetch_reads_years_as_lists_and_ranges() {
        let listed = |ys: &[i32]| Years::Listed(ys.iter().copied().collect());
        assert_eq!("2024".parse(), Ok(listed(&[2024])));
        assert_eq!("2021-2023".parse(), Ok(listed(&[2021, 2022, 2023])));
        assert_eq!("2019, 2022–2023".parse(), Ok(listed(&[2019, 2022, 2023])));
        assert_eq!("latest".parse(), Ok(Years::Latest));
        for bad in ["", "20x4", "2024-2020", "1900", "2019-"] {
            assert!(bad.parse::<Years>().is_err(), "{bad}");
        }
    }
}
