//! XLSX workbooks as coordinators use them: sheet `Data` holds the rows of a
//! `FlatRecord` with typed cells under a bold, frozen header row; sheet
//! `Om data` says what the file is, when it was made, where its figures come
//! from and under which licence, in Swedish beside English.
//!
//! A workbook is built whole in memory (an XLSX is a zip of the finished
//! sheets), so its rows are bounded; CSV streams any number.

use std::future::Future;

use chrono::{Datelike, NaiveDate, SecondsFormat, Utc};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, FormatAlign, Workbook, XlsxError};

use crate::error::ApiError;
use crate::http::formats::{Cell, FlatRecord, Xlsx};

/// The most data rows one workbook holds. The writer keeps every cell in
/// memory until the file is zipped (some 100 bytes a cell: a 20-column sheet
/// of this many rows is ~100 MB at its peak), and a download of more is a
/// bulk export, which CSV streams at flat memory.
pub const MAX_XLSX_ROWS: usize = 50_000;

/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// One line of the `Om data` sheet: what it states (in both languages, e.g.
/// `Källa / Source`), then the statement in Swedish and in English.
#[derive(Debug, Clone)]
pub struct AboutLine {
    pub label: &'static str,
    pub sv: String,
    pub en: String,
}

impl AboutLine {
    pub fn new(label: &'static str, sv: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            label,
            sv: sv.into(),
            en: en.into(),
        }
    }

    /// A statement that reads the same in both languages (a URL, a time).
    pub fn same(label: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        Self::new(label, value.clone(), value)
    }
}

/// What a workbook states about itself besides what every download states
/// (its URL, when it was made, the licence): the source of its figures and,
/// for aggregates, the population and disclosure rule behind them.
#[derive(Debug, Clone)]
pub struct About {
    /// The absolute URL that returns this file.
    pub url: String,
    pub lines: Vec<AboutLine>,
}

/// Too many rows for a workbook: the client narrows the query or takes CSV.
pub fn too_many_rows() -> ApiError {
    ApiError::invalid_parameter(
        "format",
        format!(
            "an xlsx download holds at most {MAX_XLSX_ROWS} rows and this query has more: narrow the filters, or use format=csv, which streams any number"
        ),
    )
}

/// Every row `fetch` yields, page by page from no cursor, for a workbook:
/// refused as soon as there are more than one holds.
pub async fn all_rows<T, C, F, Fut>(fetch: F) -> Result<Vec<T>, ApiError>
where
    F: Fn(Option<C>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), ApiError>>,
{
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let (page, next) = fetch(cursor.take()).await?;
        rows.extend(page);
        if rows.len() > MAX_XLSX_ROWS {
            return Err(too_many_rows());
        }
        match next {
            Some(c) => cursor = Some(c),
            None => return Ok(rows),
        }
    }
}

/// The workbook of `rows`, to be saved as `{name}.xlsx`.
pub fn xlsx_of<T: FlatRecord>(rows: &[T], name: String, about: &About) -> Result<Xlsx, ApiError> {
    if rows.len() > MAX_XLSX_ROWS {
        return Err(too_many_rows());
    }
    let bytes = write(rows, about).map_err(|e| ApiError::internal(format!("xlsx: {e}")))?;
    Ok(Xlsx { bytes, name })
}

fn write<T: FlatRecord>(rows: &[T], about: &About) -> Result<Vec<u8>, XlsxError> {
    let bold = CellFormat::new().set_bold();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let mut book = Workbook::new();

    let data = book.add_worksheet().set_name("Data")?;
    for (c, column) in T::columns().iter().enumerate() {
        data.write_string_with_format(0, col(c), *column, &bold)?;
    }
    data.set_freeze_panes(1, 0)?;
    for (r, row) in rows.iter().enumerate() {
        // Bounded by MAX_XLSX_ROWS, far below u32::MAX.
        let r = (r + 1) as u32;
        for (c, cell) in row.cells().into_iter().enumerate() {
            let c = col(c);
            match cell {
                Cell::Empty => {}
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    data.write_string(r, c, fit(s))?;
                }
                // Exact: counts are far below 2^53.
                Cell::Int(n) => {
                    data.write_number(r, c, n as f64)?;
                }
                Cell::Number(x) => {
                    data.write_number(r, c, x)?;
                }
                Cell::Bool(b) => {
                    data.write_boolean(r, c, b)?;
                }
                Cell::Date(d) => match excel_date(d) {
                    Some(d) => {
                        data.write_date_with_format(r, c, &d, &date)?;
                    }
                    // Before 1900 Excel has no dates: the ISO text, as in the CSV.
                    None => {
                        data.write_string(r, c, d.to_string())?;
                    }
                },
            }
        }
    }
    data.set_autofit_max_width(400).autofit();

    write_about(&mut book, rows.len(), about, &bold)?;
    book.save_to_buffer()
}

fn write_about(
    book: &mut Workbook,
    rows: usize,
    about: &About,
    bold: &CellFormat,
) -> Result<(), XlsxError> {
    let wrap = CellFormat::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let label = bold.clone().set_align(FormatAlign::Top);
    let retrieved = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut lines = vec![
        AboutLine::same("Fil / File", &about.url),
        AboutLine::same("Hämtad (UTC) / Retrieved (UTC)", retrieved),
        AboutLine::new(
            "Rader / Rows",
            format!("{rows} rader i bladet Data, samma kolumner som CSV-filen"),
            format!("{rows} rows in the sheet Data, the same columns as the CSV file"),
        ),
    ];
    lines.extend(about.lines.iter().cloned());
    lines.push(AboutLine::new(
        "Licens / Licence",
        "CC0 1.0: fritt att använda, utan villkor (https://creativecommons.org/publicdomain/zero/1.0/deed.sv)",
        "CC0 1.0: free to use, without conditions (https://creativecommons.org/publicdomain/zero/1.0/)",
    ));

    let sheet = book.add_worksheet().set_name("Om data")?;
    for (c, head) in ["Uppgift / Item", "Svenska", "English"].iter().enumerate() {
        sheet.write_string_with_format(0, col(c), *head, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_column_width(0, 30)?;
    sheet.set_column_width(1, 80)?;
    sheet.set_column_width(2, 80)?;
    for (r, line) in lines.iter().enumerate() {
        let r = (r + 1) as u32;
        sheet.write_string_with_format(r, 0, line.label, &label)?;
        sheet.write_string_with_format(r, 1, fit(line.sv.clone()), &wrap)?;
        sheet.write_string_with_format(r, 2, fit(line.en.clone()), &wrap)?;
    }
    Ok(())
}

/// A column index; a flat record has a few dozen columns, far below Excel's 16,384.
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Text cut to what one Excel cell holds, so a long text never fails a download.
fn fit(s: String) -> String {
    if s.chars().count() <= MAX_CELL_CHARS {
        s
    } else {
        s.chars().take(MAX_CELL_CHARS).collect()
    }
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(i64);

    impl FlatRecord for Row {
        fn columns() -> &'static [&'static str] {
            &["n"]
        }
        fn cells(&self) -> Vec<Cell> {
            vec![self.0.into()]
        }
    }

    #[tokio::test]
    async fn a_query_beyond_a_workbooks_rows_is_a_400_before_it_is_all_read() {
        let pages = std::sync::atomic::AtomicUsize::new(0);
        let fetch = |after: Option<usize>| {
            pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let from = after.unwrap_or(0);
            // An endless list, 20,000 rows a page.
            async move {
                Ok((
                    (from..from + 20_000).map(|n| Row(n as i64)).collect(),
                    Some(from + 20_000),
                ))
            }
        };
        let refused = all_rows(fetch).await.err().map(|e| e.status.as_u16());
        assert_eq!(refused, Some(400));
        assert_eq!(
            pages.into_inner(),
            3,
            "stops at the first page past the bound"
        );

        let rows: Vec<Row> = (0..=MAX_XLSX_ROWS as i64).map(Row).collect();
        let about = About {
            url: String::new(),
            lines: vec![],
        };
        assert!(xlsx_of(&rows, "n".into(), &about).is_err());
        assert!(xlsx_of(&rows[..10], "n".into(), &about).is_ok());
    }
}
