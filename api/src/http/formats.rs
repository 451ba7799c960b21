//! Representations beyond JSON: CSV for every list and aggregate, and NDJSON
//! streaming of a whole list. Both stream the full result set page by page from
//! the database, so memory stays flat however large the list is.

use std::borrow::Cow;
use std::future::Future;

use chrono::NaiveDate;

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
}

pub const CSV: &str = "text/csv; charset=utf-8";
pub const NDJSON: &str = "application/x-ndjson";

/// `?format=` wins; otherwise the first of our media types named in `Accept`.
pub fn negotiate(req: &Request, format: Option<Format>) -> Format {
    if let Some(f) = format {
        return f;
    }
    let accept = req
        .header("accept")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let csv = accept.find("text/csv");
    let ndjson = accept
        .find("application/x-ndjson")
        .or_else(|| accept.find("application/ndjson"));
    match (csv, ndjson) {
        (Some(c), Some(n)) if n < c => Format::Ndjson,
        (Some(_), _) => Format::Csv,
        (None, Some(_)) => Format::Ndjson,
        _ => Format::Json,
    }
}

fn text_schema(description: &'static str) -> MetaSchemaRef {
    MetaSchemaRef::Inline(Box::new(MetaSchema {
        description: Some(description),
        ..MetaSchema::new_with_format("string", "binary")
    }))
}

/// A CSV document: a header row, then one row per item (RFC 4180, UTF-8).
pub struct Csv(pub Body);

impl Payload for Csv {
    const CONTENT_TYPE: &'static str = CSV;
    fn schema_ref() -> MetaSchemaRef {
        text_schema("RFC 4180 CSV, UTF-8, with a header row; the whole result set, not paged.")
    }
}

impl IntoResponse for Csv {
    fn into_response(self) -> Response {
        Response::builder().content_type(CSV).body(self.0)
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
    csv_line(row.cells().iter().map(Cell::text))
}

/// CSV of a complete, already loaded set of rows (catalogues and aggregates).
pub fn csv_of<T: FlatRecord>(rows: &[T]) -> Csv {
    let mut out = csv_header::<T>();
    for row in rows {
        out.extend(csv_record(row));
    }
    Csv(Body::from_vec(out))
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

pub fn stream_csv<T, C, F, Fut>(fetch: F) -> Csv
where
    T: FlatRecord + Send + 'static,
    C: Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), ApiError>> + Send,
{
    Csv(stream_pages(
        fetch,
        Some(csv_header::<T>()),
        csv_record::<T>,
    ))
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
