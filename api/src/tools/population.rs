//! `population import FILE`: loads population figures into the series in
//! one transaction (see `store::population::apply`).
//!
//! Two kinds of file are read. The project's own reference CSV (the shape of
//! `migration/data/population-2024.csv`): a header row naming `code`,
//! `year`, `population_total` (or `total`) and `source`, optionally `name`
//! (ignored) and a children column — `children` with its band given by
//! `--children 0-17`, or `children_0_15` naming its band itself. And SCB's
//! own table exports (PxWeb CSV, long or wide, and PxWebApi 2.0 JSON-stat2),
//! whose single ages are summed into the band `--children` asks for
//! (`tools::population_import`). `population fetch` downloads the same
//! JSON-stat2 from PxWebApi 2.0 (`tools::population_fetch`) and writes it
//! through [`import_figures`], the path a file takes.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use sea_orm::DatabaseConnection;

use super::population_import::{self, ChildBand, PopulationFigure};
use crate::error::ApiError;
use crate::store::audit::Actor;
use crate::store::population::{self, Figure, ImportSummary, Written};
use crate::vocab::AuditOperation;
use crate::vocab::MunicipalityCode;

/// A children's age band, both ends included: `0-17` is 0 to 17 years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeBand {
    pub from: i32,
    pub to: i32,
}

impl FromStr for AgeBand {
    type Err = String;

    /// `0-17` or `0–17`.
    fn from_str(s: &str) -> Result<Self, String> {
        let fail = || format!("'{s}' is not an age band such as 0-17");
        let (a, b) = s.trim().split_once(['-', '–']).ok_or_else(fail)?;
        let from: i32 = a.trim().parse().map_err(|_| fail())?;
        let to: i32 = b.trim().parse().map_err(|_| fail())?;
        if from < 0 || from > to || to > crate::vocab::limits::MAX_CHILD_AGE {
            return Err(format!(
                "the band {from}-{to} must lie within 0-{}, youngest first",
                crate::vocab::limits::MAX_CHILD_AGE
            ));
        }
        Ok(Self { from, to })
    }
}

impl fmt::Display for AgeBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.from, self.to)
    }
}

/// Where each column is; the children column with its band, if any.
struct Columns {
    code: usize,
    year: usize,
    total: usize,
    source: usize,
    children: Option<(usize, AgeBand)>,
}

fn columns(header: &csv::StringRecord, band: Option<AgeBand>) -> Result<Columns, Vec<String>> {
    let at: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim(), i))
        .collect();
    let mut problems = Vec::new();
    let mut need = |names: &[&str]| {
        let found = names.iter().find_map(|n| at.get(n).copied());
        if found.is_none() {
            problems.push(format!("the header has no column {}", names.join(" or ")));
        }
        found.unwrap_or_default()
    };
    let (code, year) = (need(&["code"]), need(&["year"]));
    let (total, source) = (need(&["population_total", "total"]), need(&["source"]));
    let mut children = None;
    for (name, &i) in &at {
        let Some(rest) = name.strip_prefix("children") else {
            continue;
        };
        let own = match rest.strip_prefix('_') {
            None if rest.is_empty() => None,
            Some(b) => match b.replacen('_', "-", 1).parse::<AgeBand>() {
                Ok(b) => Some(b),
                Err(e) => {
                    problems.push(format!("column {name}: {e}"));
                    continue;
                }
            },
            None => continue,
        };
        match (own, band) {
            (None, None) => problems.push(format!(
                "column {name} needs its age band: pass --children FROM-TO (e.g. 0-17)"
            )),
            (Some(a), Some(b)) if a != b => problems.push(format!(
                "column {name} is the band {a}, but --children says {b}"
            )),
            (Some(b), _) | (None, Some(b)) if children.is_none() => children = Some((i, b)),
            _ => problems.push("the header has more than one children column".into()),
        }
    }
    if problems.is_empty() {
        Ok(Columns {
            code,
            year,
            total,
            source,
            children,
        })
    } else {
        Err(problems)
    }
}

fn count(s: &str, what: &str, problems: &mut Vec<String>) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse()
        .map_err(|_| problems.push(format!("{what} '{s}' is not a whole number")))
        .ok()
}

/// Figures of a reference CSV, or every problem found (with its line).
/// A `source` of `same` repeats the source of the line above, as the
/// shipped reference files do.
pub fn parse_csv(bytes: &[u8], band: Option<AgeBand>) -> Result<Vec<Figure>, Vec<String>> {
    let text = std::str::from_utf8(bytes).map_err(|e| vec![format!("not UTF-8: {e}")])?;
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader
        .headers()
        .map_err(|e| vec![format!("line 1: {e}")])?
        .clone();
    let cols = columns(&header, band)?;
    let (mut figures, mut problems) = (Vec::new(), Vec::new());
    let mut last_source = String::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let cell = |c: usize| record.get(c).unwrap_or_default().trim();
        let mut row_problems = Vec::new();
        let code = match MunicipalityCode::parse(cell(cols.code)) {
            Ok(c) => c.as_str().to_owned(),
            Err(e) => {
                row_problems.push(format!("code: {e}"));
                String::new()
            }
        };
        let year = cell(cols.year).parse::<i32>().unwrap_or_else(|_| {
            row_problems.push(format!("year '{}' is not a year", cell(cols.year)));
            0
        });
        let total = count(cell(cols.total), "total", &mut row_problems);
        let children = cols
            .children
            .and_then(|(c, _)| count(cell(c), "children", &mut row_problems));
        let band = cols.children.map(|(_, b)| b).filter(|_| children.is_some());
        let source = match cell(cols.source) {
            "same" => last_source.clone(),
            s => s.to_owned(),
        };
        last_source = source.clone();
        problems.extend(
            row_problems
                .into_iter()
                .map(|p| format!("line {line}: {p}")),
        );
        figures.push(Figure {
            code,
            year,
            total,
            children,
            children_age_from: band.map(|b| b.from),
            children_age_to: band.map(|b| b.to),
            source,
        });
    }
    if figures.is_empty() && problems.is_empty() {
        problems.push("the file has no rows".into());
    }
    if problems.is_empty() {
        Ok(figures)
    } else {
        Err(problems)
    }
}

/// Why an import wrote nothing: every problem, one per line.
#[derive(Debug)]
pub struct ImportFailed {
    pub file: String,
    pub problems: Vec<String>,
}

impl fmt::Display for ImportFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "{}: {n} problem(s), nothing imported", self.file)?;
        for p in &self.problems {
            write!(f, "\n  {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportFailed {}

fn failed(file: &Path, problems: Vec<String>) -> ImportFailed {
    ImportFailed {
        file: file.display().to_string(),
        problems,
    }
}

/// A rejected write's problems, each naming its (code, year).
fn from_api(what: &str, e: ApiError) -> ImportFailed {
    let problems = if e.errors.is_empty() {
        vec![e.detail]
    } else {
        e.errors.into_iter().map(|fe| fe.detail).collect()
    };
    ImportFailed {
        file: what.to_owned(),
        problems,
    }
}

/// The project's own CSV names `code` and `year` in its header; an SCB export
/// starts with a title, a JSON object, or columns such as `region`.
fn is_reference_csv(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or_default();
    let names: Vec<String> = header
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    ["code", "year"]
        .iter()
        .all(|n| names.iter().any(|c| c == n))
}

/// An SCB table export, its single ages summed into `band` (default 0-17).
fn parse_scb(
    bytes: &[u8],
    file: &Path,
    band: Option<AgeBand>,
) -> Result<Vec<Figure>, ImportFailed> {
    let band = band.unwrap_or(AgeBand { from: 0, to: 17 });
    let child_band =
        ChildBand::new(band.from as u8, band.to as u8).map_err(|e| failed(file, vec![e]))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let figures = population_import::parse(bytes, &name, child_band)
        .map_err(|e| failed(file, e.problems.iter().map(ToString::to_string).collect()))?;
    Ok(figures.into_iter().map(|f| scb_figure(f, band)).collect())
}

/// A figure read from an SCB table as the series stores it: the band is
/// stated only where there is a children figure.
pub fn scb_figure(f: PopulationFigure, band: AgeBand) -> Figure {
    Figure {
        children_age_from: f.children.map(|_| band.from),
        children_age_to: f.children.map(|_| band.to),
        code: f.code,
        year: f.year,
        total: f.total,
        children: f.children,
        source: f.source,
    }
}

/// Reads `file`, and writes its figures in one transaction (or, with
/// `dry_run`, works out what would change and writes nothing).
pub async fn import_file(
    db: &DatabaseConnection,
    file: &Path,
    band: Option<AgeBand>,
    dry_run: bool,
) -> Result<ImportSummary, ImportFailed> {
    let bytes = std::fs::read(file).map_err(|e| failed(file, vec![format!("cannot read: {e}")]))?;
    let figures = if is_reference_csv(&bytes) {
        parse_csv(&bytes, band).map_err(|p| failed(file, p))?
    } else {
        parse_scb(&bytes, file, band)?
    };
    import_figures(db, figures, &file.display().to_string(), dry_run).await
}

/// Writes figures already read (from a file, or fetched from SCB by
/// `population fetch`) in one transaction, all or nothing; `what` names
/// their origin in the problems. With `dry_run`, writes nothing.
pub async fn import_figures(
    db: &DatabaseConnection,
    figures: Vec<Figure>,
    what: &str,
    dry_run: bool,
) -> Result<ImportSummary, ImportFailed> {
    // The import runs on the server by an operator: no key, no request.
    let (actor, op) = (Actor::cli(), AuditOperation::ImportPopulation);
    population::apply(db, figures, dry_run, &actor, op)
        .await
        .map_err(|e| from_api(what, e))
}

/// The summary an operator reads: counts, then each changed year's fields.
pub fn report(summary: &ImportSummary) -> String {
    let mut out = String::new();
    for r in summary
        .rows
        .iter()
        .filter(|r| r.written == Written::Updated)
    {
        out.push_str(&format!(
            "updated {} {}: {}\n",
            r.row.municipality_code,
            r.row.year,
            r.changed_fields.join(", ")
        ));
    }
    out.push_str(&format!(
        "created {}, updated {}, unchanged {}",
        summary.count(Written::Created),
        summary.count(Written::Updated),
        summary.count(Written::Unchanged)
    ));
    if summary.dry_run {
        out.push_str(" (dry run: nothing was written)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_parse_and_stay_within_child_ages() {
        assert_eq!("0-17".parse(), Ok(AgeBand { from: 0, to: 17 }));
        assert_eq!("0–15".parse(), Ok(AgeBand { from: 0, to: 15 }));
        for bad in ["17-0", "0-21", "x", "-1-5", "0"] {
            assert!(bad.parse::<AgeBand>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shipped_reference_files_parse() {
        let all = parse_csv(
            migration::reference_data::POPULATION_2024_CSV.as_bytes(),
            None,
        )
        .expect("2024 file");
        assert_eq!(all.len(), 290);
        assert!(all
            .iter()
            .all(|f| f.children.is_none() && f.total.is_some()));
        let vm = parse_csv(migration::reference_data::POPULATION_CSV.as_bytes(), None)
            .expect("Västmanland file");
        assert_eq!(vm.len(), 10);
        assert!(vm
            .iter()
            .all(|f| f.children_age_to == Some(15) && f.source.starts_with("SCB")));
    }

    #[test]
    fn every_bad_line_is_reported() {
        let csv = "code,year,total,children,source\n\
                   1980,2025,x,10,s\n\
                   19800,2025,100,10,s\n";
        let problems = parse_csv(csv.as_bytes(), Some(AgeBand { from: 0, to: 17 })).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 2: total"));
        assert!(problems[1].starts_with("line 3: code"));
        let no_band = parse_csv(csv.as_bytes(), None).unwrap_err();
        assert!(no_band[0].contains("--children"), "{no_band:?}");
    }
}
