//! PxWeb's CSV downloads. The stub columns (region, ålder, kön, år, …) name
//! a dimension each; every other column holds figures, and its header says
//! which: "Folkmängd" in the long shape, a year ("2024", "Folkmängd 2024"),
//! an age ("17 år") or both ("17 år 2024") in the wide shapes. A title line
//! and an empty line may come before the header, and footnotes after the
//! table.

use super::labels::{self, AgeClass, Contents, Dim, Part, Region, CIVIL_STATUS, SEX};
use super::{Cell, Location, Problem};

/// Semicolon first: a semicolon file may still have commas in its names,
/// while a comma file rarely has semicolons.
const DELIMITERS: [u8; 3] = [b';', b'\t', b','];
/// How many lines from the top may hold the header, below titles and notes.
const HEADER_SEARCH_LINES: usize = 20;
/// Headers of a long file's value column that name no dimension.
const VALUE_WORDS: [&str; 5] = ["antal", "värde", "value", "population", "befolkning"];

/// What a column of figures has in common, read from its header.
#[derive(Debug, Default)]
struct Heading {
    year: Option<i32>,
    age: Option<AgeClass>,
    sex: Option<Part>,
    civil_status: Option<Part>,
    /// A bare "totalt", which means age or sex depending on the stub.
    bare_total: bool,
}

enum Column {
    Stub(Dim),
    Figures(Heading),
    /// Figures of another content, e.g. "Folkökning 2024".
    Ignored,
}

pub(super) fn read(text: &str, problems: &mut Vec<Problem>) -> Vec<Cell> {
    let Some((delimiter, header_line, offset)) = find_header(text) else {
        problems.push(Problem::new(
            Location::File,
            "no header line found: expected a line of column names separated by ',', ';' \
             or a tab, followed by rows with as many fields",
        ));
        return Vec::new();
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(&text.as_bytes()[offset..]);
    let line_of = |pos: Option<&csv::Position>| {
        let line = pos.map_or(1, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
        line + header_line - 1
    };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(Problem::new(Location::Line(header_line), e.to_string()));
            return Vec::new();
        }
    };
    let Some(columns) = columns(&headers, header_line, problems) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => rows.push((line_of(r.position()), r)),
            Err(e) => problems.push(Problem::new(
                Location::Line(line_of(e.position())),
                e.to_string(),
            )),
        }
    }
    // Footnotes ("Källa: SCB") come after the table as one-field lines.
    while rows.last().is_some_and(|(_, r)| r.len() == 1) {
        rows.pop();
    }
    let mut cells = Vec::new();
    for (line, record) in rows {
        if record.len() != headers.len() {
            problems.push(Problem::new(
                Location::Line(line),
                format!(
                    "{} fields, but the header on line {header_line} has {}",
                    record.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        read_row(&columns, &record, line, &mut cells, problems);
    }
    cells
}

/// The delimiter, the header's line number and its byte offset: the first
/// line of two or more fields directly followed by a line of as many. (A
/// title such as "Folkmängd efter region, ålder och år" is followed by an
/// empty line.) Of the delimiters, the one giving the most columns wins.
fn find_header(text: &str) -> Option<(u8, usize, usize)> {
    let mut lines = Vec::new();
    let mut offset = 0;
    for (i, line) in text
        .split_inclusive('\n')
        .take(HEADER_SEARCH_LINES)
        .enumerate()
    {
        lines.push((i + 1, offset, line.trim_end_matches(['\r', '\n'])));
        offset += line.len();
    }
    let mut best: Option<(usize, (u8, usize, usize))> = None;
    for delimiter in DELIMITERS {
        let found = lines.windows(2).find_map(|pair| {
            let n = field_count(pair[0].2, delimiter);
            (n >= 2 && n == field_count(pair[1].2, delimiter)).then_some((n, pair[0]))
        });
        if let Some((n, (line, offset, _))) = found {
            if best.is_none_or(|(most, _)| n > most) {
                best = Some((n, (delimiter, line, offset)));
            }
        }
    }
    best.map(|(_, layout)| layout)
}

fn field_count(line: &str, delimiter: u8) -> usize {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes())
        .records()
        .next()
        .and_then(Result::ok)
        .map_or(0, |r| r.len())
}

fn columns(
    headers: &csv::StringRecord,
    line: usize,
    problems: &mut Vec<Problem>,
) -> Option<Vec<Column>> {
    let before = problems.len();
    let mut report = |message: String| problems.push(Problem::new(Location::Line(line), message));
    let mut columns = Vec::new();
    for header in headers {
        let column = match labels::dimension(header) {
            Some(dim) => Column::Stub(dim),
            None => match heading(header) {
                Ok(Some(heading)) => Column::Figures(heading),
                Ok(None) => Column::Ignored,
                Err(message) => {
                    report(message);
                    Column::Ignored
                }
            },
        };
        columns.push(column);
    }
    let count = |dim| {
        let stubs = columns
            .iter()
            .filter(|c| matches!(c, Column::Stub(d) if *d == dim));
        stubs.count()
    };
    let stub = [
        Dim::Region,
        Dim::Age,
        Dim::Sex,
        Dim::CivilStatus,
        Dim::Year,
        Dim::Contents,
    ]
    .map(|dim| (dim, count(dim)));
    for (dim, n) in stub {
        if n > 1 {
            report(format!("more than one column holds {}", dim_name(dim)));
        }
    }
    let has = |dim| stub.iter().any(|&(d, n)| d == dim && n > 0);
    if !has(Dim::Region) {
        report("no region column ('region' or 'Region')".into());
    }
    let mut figures = 0;
    for (header, column) in headers.iter().zip(&mut columns) {
        let Column::Figures(h) = column else { continue };
        figures += 1;
        if h.bare_total {
            // "totalt" names whichever of age and sex the stub lacks.
            match (
                has(Dim::Age) || h.age.is_some(),
                has(Dim::Sex) || h.sex.is_some(),
            ) {
                (false, _) => h.age = Some(AgeClass::TOTAL),
                (true, false) => h.sex = Some(Part::Total),
                (true, true) => report(format!("column '{header}': 'totalt' of what?")),
            }
        }
        for (dim, in_heading, name) in [
            (Dim::Year, h.year.is_some(), "a year"),
            (Dim::Age, h.age.is_some(), "an age"),
            (Dim::Sex, h.sex.is_some(), "a sex"),
            (
                Dim::CivilStatus,
                h.civil_status.is_some(),
                "a marital status",
            ),
        ] {
            if in_heading && has(dim) {
                report(format!(
                    "column '{header}' names {name}, and so does a column"
                ));
            }
        }
        if h.year.is_none() && !has(Dim::Year) {
            report(format!(
                "column '{header}' has no year, and no column holds the year ('år' or 'Tid')"
            ));
        }
    }
    if figures == 0 {
        report("no column of population figures ('Folkmängd', a year, an age)".into());
    }
    (problems.len() == before).then_some(columns)
}

fn dim_name(dim: Dim) -> &'static str {
    match dim {
        Dim::Region => "region",
        Dim::Age => "ålder",
        Dim::Sex => "kön",
        Dim::CivilStatus => "civilstånd",
        Dim::Year => "år",
        Dim::Contents => "tabellinnehåll",
    }
}

/// What a figures column's header says: `None` for another content, an
/// error for a word that belongs to no dimension.
fn heading(header: &str) -> Result<Option<Heading>, String> {
    let text = labels::normalise(header);
    let words: Vec<&str> = text
        .split(' ')
        .filter(|w| !w.is_empty() && *w != "-")
        .collect();
    let mut h = Heading::default();
    let mut i = 0;
    while i < words.len() {
        let (word, next) = (words[i], words.get(i + 1).copied());
        i += 1;
        if let Some(y) = labels::year(word) {
            set(&mut h.year, y, header)?;
        } else if word == "totalt" && next == Some("ålder") {
            set(&mut h.age, AgeClass::TOTAL, header)?;
            i += 1;
        } else if word.starts_with(|c: char| c.is_ascii_digit()) {
            let with_unit = format!("{word} år");
            let label = if next == Some("år") {
                &with_unit
            } else {
                word
            };
            let age = labels::age(label)
                .ok_or_else(|| format!("column '{header}': '{label}' is not an age or a band"))?;
            set(&mut h.age, age, header)?;
            i += usize::from(next == Some("år"));
        } else if word == "totalt" {
            h.bare_total = true;
        } else if let Some(part) = SEX.part(word) {
            set(&mut h.sex, part, header)?;
        } else if let Some(part) = CIVIL_STATUS.part(word) {
            set(&mut h.civil_status, part, header)?;
        } else {
            match labels::contents(word) {
                Some(Contents::Population) => {}
                Some(Contents::Other) => return Ok(None),
                None if VALUE_WORDS.contains(&word) => {}
                None => return Err(format!("column '{header}': cannot tell what '{word}' is")),
            }
        }
    }
    if words.is_empty() {
        return Err("a column has an empty header".into());
    }
    Ok(Some(h))
}

fn set<T: PartialEq + Copy>(slot: &mut Option<T>, value: T, header: &str) -> Result<(), String> {
    match slot {
        Some(old) if *old != value => Err(format!("column '{header}' names two different things")),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// A row's stub cells, read.
#[derive(Default)]
struct Stub {
    code: Option<String>,
    year: Option<i32>,
    age: Option<AgeClass>,
    sex: Option<Part>,
    civil_status: Option<Part>,
}

/// Whether a row is one to import.
enum Keep {
    Yes,
    /// The country, a county, or another content than Folkmängd.
    No,
}

fn read_row(
    columns: &[Column],
    record: &csv::StringRecord,
    line: usize,
    cells: &mut Vec<Cell>,
    problems: &mut Vec<Problem>,
) {
    let mut report = |message: String| problems.push(Problem::new(Location::Line(line), message));
    let mut stub = Stub::default();
    let mut ok = true;
    let mut stubs: Vec<(Dim, &str)> = (columns.iter().zip(record))
        .filter_map(|(column, cell)| match column {
            Column::Stub(dim) => Some((*dim, cell)),
            _ => None,
        })
        .collect();
    // Whether to keep the row first, so a skipped county row says nothing.
    stubs.sort_by_key(|(dim, _)| !matches!(dim, Dim::Region | Dim::Contents));
    for (dim, cell) in stubs {
        match read_stub(dim, cell, &mut stub) {
            Ok(Keep::Yes) => {}
            Ok(Keep::No) => return,
            Err(message) => {
                report(message);
                ok = false;
            }
        }
    }
    for (column, cell) in columns.iter().zip(record) {
        let Column::Figures(h) = column else { continue };
        let count = match labels::count(cell) {
            Ok(count) => count,
            Err(message) => {
                report(message);
                continue;
            }
        };
        let (Some(code), Some(year), true) = (&stub.code, h.year.or(stub.year), ok) else {
            continue;
        };
        cells.push(Cell {
            code: code.clone(),
            year,
            // No age at all: a table of totals per municipality and year.
            age: h.age.or(stub.age).unwrap_or(AgeClass::TOTAL),
            sex: h.sex.or(stub.sex).unwrap_or(Part::Total),
            civil_status: h.civil_status.or(stub.civil_status).unwrap_or(Part::Total),
            count,
            at: Location::Line(line),
        });
    }
}

fn read_stub(dim: Dim, cell: &str, stub: &mut Stub) -> Result<Keep, String> {
    match dim {
        Dim::Region => match labels::region(cell)? {
            Region::Municipality(code) => stub.code = Some(code),
            // The country and the counties are sums of municipalities.
            Region::Other => return Ok(Keep::No),
        },
        Dim::Age => {
            let age = labels::age(cell);
            stub.age = Some(age.ok_or_else(|| format!("age '{cell}' is not an age or a band"))?);
        }
        Dim::Sex => {
            let sex = SEX.part(cell);
            stub.sex =
                Some(sex.ok_or_else(|| format!("kön '{cell}' is not män, kvinnor or totalt"))?);
        }
        Dim::CivilStatus => {
            let status = CIVIL_STATUS.part(cell);
            let status =
                status.ok_or_else(|| format!("civilstånd '{cell}' is not one of SCB's"))?;
            stub.civil_status = Some(status);
        }
        Dim::Year => {
            let year = labels::year(cell);
            stub.year = Some(year.ok_or_else(|| format!("year '{cell}' is not a year"))?);
        }
        Dim::Contents => match labels::contents(cell) {
            Some(Contents::Population) => {}
            Some(Contents::Other) => return Ok(Keep::No),
            None => {
                return Err(format!(
                    "tabellinnehåll '{cell}' is neither Folkmängd nor another content \
                     of BE0101A/BefolkningNy"
                ))
            }
        },
    }
    Ok(Keep::Yes)
}
