//! Population figures from Statistics Sweden's table BE0101A/BefolkningNy
//! ("Folkmängd"), read from a download: a JSON-stat 2.0 response from
//! PxWebApi 2.0, or a PxWeb CSV file in long or wide shape. Pure parsing;
//! the `population import` command stores what [`parse`] returns.
//!
//! Both formats are first read into the same cells (municipality, year, age
//! class, sex, marital status → count), and one set of rules turns cells
//! into figures: a breakdown's categories are summed only when its total is
//! missing, never both; an age total and the single ages must agree; and a
//! file is either read completely or rejected with every problem listed.

mod aggregate;
mod json_stat;
mod labels;
mod pxweb_csv;
mod text;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use labels::{AgeClass, Count, Part, MAX_AGE};

/// The children's age band, both ends included: `0-17` is 0 to 17 years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildBand {
    start: u8,
    end: u8,
}

impl ChildBand {
    pub fn new(start: u8, end: u8) -> Result<Self, String> {
        if start > end {
            return Err(format!("the band {start}-{end} ends before it starts"));
        }
        if u16::from(end) > MAX_AGE {
            return Err(format!("the band {start}-{end} goes past age {MAX_AGE}"));
        }
        Ok(Self { start, end })
    }

    /// The youngest age in the band.
    pub fn start(self) -> u8 {
        self.start
    }

    /// The oldest age in the band (included).
    pub fn end(self) -> u8 {
        self.end
    }
}

impl FromStr for ChildBand {
    type Err = String;

    /// "0-17", "0–17", "0-17 år" or a single age such as "6".
    fn from_str(s: &str) -> Result<Self, String> {
        let fail = || format!("'{s}' is not an age band such as 0-17");
        let class = labels::age(s).ok_or_else(fail)?;
        if class.end == labels::OPEN {
            return Err(fail());
        }
        let age = |a: u16| u8::try_from(a).map_err(|_| fail());
        Self::new(age(class.start)?, age(class.end - 1)?)
    }
}

impl fmt::Display for ChildBand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

/// One municipality's population in one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationFigure {
    /// The 4-digit SCB municipality code, e.g. `1980`.
    pub code: String,
    /// The year the figure describes (SCB counts on 31 December).
    pub year: i32,
    /// Everyone, from the file's age total or the sum of all its ages.
    pub total: Option<i64>,
    /// The sum of the ages in `band`; `None` when the file lacks one of them
    /// or marks one missing.
    pub children: Option<i64>,
    pub band: ChildBand,
    /// Where the figures come from, e.g. "SCB BE0101A/BefolkningNy, be0101.csv".
    pub source: String,
    /// Why `total` or `children` is `None`, one sentence each.
    pub notes: Vec<String>,
}

/// Where in the file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The file as a whole (its encoding, its header, its shape).
    File,
    /// A 1-based line of a CSV file.
    Line(usize),
    /// A JSON path such as `$.value[37]`.
    Json(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => f.write_str("file"),
            Location::Line(n) => write!(f, "line {n}"),
            Location::Json(path) => f.write_str(path),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Location,
    pub message: String,
}

impl Problem {
    fn new(at: Location, message: impl Into<String>) -> Self {
        Self {
            at,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Location::File => f.write_str(&self.message),
            _ => write!(f, "{}: {}", self.at, self.message),
        }
    }
}

/// Why a file was rejected: every problem found, so that one edit can fix
/// them all. Nothing from a rejected file is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file_name: String,
    pub problems: Vec<Problem>,
}

impl ImportError {
    /// The CSV lines named by the problems, in order, for tests and tools.
    pub fn lines(&self) -> Vec<usize> {
        self.problems
            .iter()
            .filter_map(|p| match p.at {
                Location::Line(n) => Some(n),
                _ => None,
            })
            .collect()
    }
}

/// Enough to fix a file without drowning the terminal.
const SHOWN_PROBLEMS: usize = 50;

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        let plural = if n == 1 { "" } else { "s" };
        write!(
            f,
            "{}: {n} problem{plural}, nothing imported",
            self.file_name
        )?;
        for problem in self.problems.iter().take(SHOWN_PROBLEMS) {
            write!(f, "\n  {problem}")?;
        }
        if n > SHOWN_PROBLEMS {
            write!(f, "\n  … and {} more", n - SHOWN_PROBLEMS)?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// One figure before aggregation, with where it was read.
#[derive(Debug, Clone)]
struct Cell {
    code: String,
    year: i32,
    age: AgeClass,
    sex: Part,
    civil_status: Part,
    count: Count,
    at: Location,
}

/// Reads a BE0101A/BefolkningNy download (JSON-stat 2.0 or PxWeb CSV, told
/// apart by content) into one figure per municipality and year, sorted by
/// code and year. Rows for the whole country and for counties are skipped.
pub fn parse(
    bytes: &[u8],
    file_name: &str,
    band: ChildBand,
) -> Result<Vec<PopulationFigure>, ImportError> {
    let fail = |problems| ImportError {
        file_name: file_name.to_owned(),
        problems,
    };
    let text = text::decode(bytes).map_err(|e| fail(vec![Problem::new(Location::File, e)]))?;
    let mut problems = Vec::new();
    let mut source = format!("SCB BE0101A/BefolkningNy, {file_name}");
    let cells = if text.trim_start().starts_with(['{', '[']) {
        let read = json_stat::read(&text, &mut problems);
        if let Some(updated) = read.updated {
            source.push_str(&format!(" (updated {updated})"));
        }
        read.cells
    } else {
        pxweb_csv::read(&text, &mut problems)
    };
    // Aggregating cells from a partly read file would add follow-on
    // problems (a sex without its pair, a total that no longer adds up)
    // that vanish once the first ones are fixed.
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let figures = aggregate::figures(cells, band, &source, &mut problems);
    if problems.is_empty() && figures.is_empty() {
        problems.push(Problem::new(
            Location::File,
            "the file has no municipality (a region with a 4-digit code such as '1980 Västerås')",
        ));
    }
    if problems.is_empty() {
        Ok(figures)
    } else {
        Err(fail(problems))
    }
}
