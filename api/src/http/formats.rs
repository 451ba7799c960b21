//! Representations beyond JSON: CSV for every list and aggregate, NDJSON
//! streaming of a whole list, and XLSX workbooks where coordinators download
//! (see `workbook`). CSV and NDJSON stream the full result set page by page
//! from the database, so memory stays flat however large the list is.

use std::borrow::Cow;
use std::future::Future;

use chrono::NaiveDate;
use poem::http::header;
use poem::{Body, IntoResponse, Request, Response};
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::ToJSON;
use poem_openapi::Enum;

use crate::error::ApiError;

/// Chosen by `?format=`, or equally by the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Ndjson,
    Xlsx,
}

/// `?format=` of a list offered as JSON, CSV or NDJSON, without a workbook:
/// the schema names exactly what the operation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ListFormat {
    Json,
    Csv,
    Ndjson,
}

impl From<ListFormat> for Format {
    fn from(f: ListFormat) -> Self {
        match f {
            ListFormat::Json => Format::Json,
            ListFormat::Csv => Format::Csv,
            ListFormat::Ndjson => Format::Ndjson,
        }
    }
}

/// `?format=` of a report that is one document (the indicators): JSON,
/// CSV or a workbook, not a stream of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ReportFormat {
    Json,
    Csv,
    Xlsx,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Json => Format::Json,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Xlsx => Format::Xlsx,
        }
    }
}

pub const CSV: &str = "text/csv; charset=utf-8";
pub const NDJSON: &str = "application/x-ndjson";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `?format=` wins; otherwise the first of our media types named in `Accept`.
pub fn negotiate(req: &Request, format: Option<Format>) -> Format {
    if let Some(f) = format {
        return f;
    }
    let accept = req
        .header("accept")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let named = [
        (accept.find("text/csv"), Format::Csv),
        (accept.find("application/x-ndjson"), Format::Ndjson),
        (accept.find("application/ndjson"), Format::Ndjson),
        (accept.find(XLSX), Format::Xlsx),
    ];
    named
        .into_iter()
        .filter_map(|(at, f)| Some((at?, f)))
        .min_by_key(|(at, _)| *at)
        .map_or(Format::Json, |(_, f)| f)
}

/// The refusal of a format an operation does not offer (named by `format`
/// or by `Accept`), naming those it does.
pub fn not_offered(what: &str, offered: &str) -> ApiError {
    ApiError::invalid_parameter("format", format!("{what} are offered as {offered}"))
}

fn text_schema(description: &'static str) -> MetaSchemaRef {
    MetaSchemaRef::Inline(Box::new(MetaSchema {
        description: Some(description),
        ..MetaSchema::new_with_format("string", "binary")
    }))
}

/// A download's file name without its extension: the parts that say what it
/// holds, joined by `-`. Only ASCII letters, digits, `-`, `_` and `.` are
/// kept (anything else becomes `_`), so the name needs no quoting in a header
/// and is valid on every file system; it is cut at 100 characters.
pub fn file_name<S: AsRef<str>>(parts: impl IntoIterator<Item = S>) -> String {
    let joined = parts
        .into_iter()
        .filter(|p| !p.as_ref().is_empty())
        .map(|p| p.as_ref().to_owned())
        .collect::<Vec<_>>()
        .join("-");
    joined
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect()
}

/// `Content-Disposition: attachment` with the file name, so a browser saves
/// the download under a name that says what it is.
pub fn attachment(mut resp: Response, name: &str, extension: &str) -> Response {
    if let Ok(v) = format!("attachment; filename=\"{name}.{extension}\"").parse() {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// A CSV document: a header row, then one row per item (RFC 4180, UTF-8),
/// sent as an attachment named `{name}.csv`.
pub struct Csv {
    body: Body,
    name: String,
}

impl Payload for Csv {
    const CONTENT_TYPE: &'static str = CSV;
    fn schema_ref() -> MetaSchemaRef {
        text_schema("RFC 4180 CSV, UTF-8, with a header row; the whole result set, not paged.")
    }
}

impl IntoResponse for Csv {
    fn into_response(self) -> Response {
        let resp = Response::builder().content_type(CSV).body(self.body);
        attachment(resp, &self.name, "csv")
    }
}

/// An XLSX workbook (see `workbook`), sent as an attachment named `{name}.xlsx`.
pub struct Xlsx {
    pub(crate) bytes: Vec<u8>,
    pub(crate) name: String,
}

impl Payload for Xlsx {
    const CONTENT_TYPE: &'static str = XLSX;
    fn schema_ref() -> MetaSchemaRef {
        text_schema("An Office Open XML workbook: sheet `Data` holds the same columns as the CSV with typed cells (numbers as numbers, codes as text, unknown as blank) under a bold, frozen header row; sheet `Om data` states the URL, the retrieval time (UTC), the source, the population used, the disclosure rule and the licence, in Swedish and English. The whole result set, not paged.")
    }
}

impl IntoResponse for Xlsx {
    fn into_response(self) -> Response {
        let resp = Response::builder().content_type(XLSX).body(self.bytes);
        attachment(resp, &self.name, "xlsx")
    }
}

/// Newline-delimited JSON: one JSON object per line, the whole result set.
pub struct Ndjson(pub Body);

impl Payload for Ndjson {
    const CONTENT_TYPE: &'static str = NDJSON;
    fn schema_ref() -> MetaSchemaRef {
        text_schema("One JSON object per line (the same object as in `data` of the JSON form); the whole result set, not paged.")
    }
}

impl IntoResponse for Ndjson {
    fn into_response(self) -> Response {
        Response::builder().content_type(NDJSON).body(self.0)
    }
}

/// One cell of a flat row, typed: CSV writes its text, XLSX its type (a
/// number stays a number, a code such as `0180` stays text).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Unknown or not applicable: an empty CSV field, a blank cell.
    Empty,
    Text(String),
    Int(i64),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
}

impl Cell {
    /// The CSV field: what `to_string` of the value gives.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Number(x) => Cow::Owned(x.to_string()),
            Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Cell::Date(d) => Cow::Owned(d.to_string()),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}
impl From<&String> for Cell {
    fn from(s: &String) -> Self {
        Cell::Text(s.clone())
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}
impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Int(n.into())
    }
}
impl From<f64> for Cell {
    fn from(x: f64) -> Self {
        Cell::Number(x)
    }
}
impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}
impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A type with a flat, tabular form. Its columns and typed cells are
/// defined once, here, and every tabular writer (CSV, XLSX) writes them, so
/// the formats never disagree on a column.
pub trait FlatRecord {
    fn columns() -> &'static [&'static str];
    fn cells(&self) -> Vec<Cell>;
}

/// Lists (languages, levels…) go into one cell, `;`-separated.
pub fn joined(items: &[impl AsRef<str>]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(";")
}

fn csv_line<'a>(fields: impl IntoIterator<Item = Cow<'a, str>>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(256));
    // Writing to a Vec cannot fail.
    let _ = w.write_record(fields.into_iter().map(|f| f.into_owned()));
    w.into_inner().unwrap_or_default()
}

fn csv_header<T: FlatRecord>() -> Vec<u8> {
    csv_line(T::columns().iter().map(|c| Cow::Borrowed(*c)))
}

fn csv_record<T: FlatRecord>(row: &T) -> Vec<u8> {
    csv_line(row.cells().iter().map(spreadsheet_safe))
}

/// A cell as a CSV field a spreadsheet will not run: text that begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`
/// (OWASP, CSV injection), so Excel shows `=HYPERLINK(…)` instead of
/// following it. Numbers and dates are typed cells and never text here, so
/// a negative count stays a number. (The XLSX writer stores text as text,
/// which spreadsheets never evaluate.)
fn spreadsheet_safe(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Text(s) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            Cow::Owned(format!("'{s}"))
        }
        other => other.text(),
    }
}

/// CSV of a complete, already loaded set of rows (catalogues and aggregates),
/// to be saved as `{name}.csv`.
pub fn csv_of<T: FlatRecord>(rows: &[T], name: String) -> Csv {
    let mut out = csv_header::<T>();
    for row in rows {
        out.extend(csv_record(row));
    }
    Csv {
        body: Body::from_vec(out),
        name,
    }
}

/// NDJSON of a complete, already loaded set of rows.
pub fn ndjson_of<T: ToJSON>(rows: &[T]) -> Ndjson {
    let mut out = Vec::new();
    for row in rows {
        out.extend(row.to_json_string().into_bytes());
        out.push(b'\n');
    }
    Ndjson(Body::from_vec(out))
}

/// Streams every page that `fetch` yields, starting from no cursor, until it
/// returns none; each page is turned into bytes by `encode`.
fn stream_pages<T, C, F, Fut>(fetch: F, header: Option<Vec<u8>>, encode: fn(&T) -> Vec<u8>) -> Body
where
    T: Send + 'static,
    C: Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), ApiError>> + Send,
{
    let stream = async_stream::stream! {
        if let Some(h) = header {
            yield Ok::<_, std::io::Error>(h);
        }
        let mut cursor = None;
        loop {
            match fetch(cursor.take()).await {
                Ok((rows, next)) => {
                    let mut chunk = Vec::with_capacity(rows.len() * 256);
                    for row in &rows {
                        chunk.extend(encode(row));
                    }
                    yield Ok(chunk);
                    match next {
                        Some(c) => cursor = Some(c),
                        None => break,
                    }
                }
                Err(e) => {
                    // Headers are gone already; cutting the stream short is the only honest signal.
                    tracing::error!(error = %e, "bulk stream failed");
                    yield Err(std::io::Error::other("stream failed"));
                    break;
                }
            }
        }
    };
    Body::from_bytes_stream(stream)
}

/// CSV of every page `fetch` yields, streamed, to be saved as `{name}.csv`.
pub fn stream_csv<T, C, F, Fut>(fetch: F, name: String) -> Csv
where
    T: FlatRecord + Send + 'static,
    C: Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), ApiError>> + Send,
{
    Csv {
        body: stream_pages(fetch, Some(csv_header::<T>()), csv_record::<T>),
        name,
    }
}

pub fn stream_ndjson<T, C, F, Fut>(fetch: F) -> Ndjson
where
    T: ToJSON + Send + 'static,
    C: Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), ApiError>> + Send,
{
    Ndjson(stream_pages(fetch, None, |row: &T| {
        let mut line = row.to_json_string().into_bytes();
        line.push(b'\n');
        line
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_ascii_and_bounded() {
        assert_eq!(file_name(["reach", "", "19", "2025"]), "reach-19-2025");
        assert_eq!(file_name(["västerås", "a b\"c"]), "v_ster_s-a_b_c");
        assert_eq!(file_name([&"x".repeat(300)]).len(), 100);
    }
}
