//! Representations beyond JSON: CSV for every list and aggregate, and NDJSON
//! streaming of a whole list. Both stream the full result set page by page from
//! the database, so memory stays flat however large the list is.

use std::future::Future;

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

/// A type that has a flat CSV form.
pub trait CsvRecord {
    fn csv_header() -> &'static [&'static str];
    fn csv_row(&self) -> Vec<String>;
}

pub fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Lists (languages, levels…) go into one CSV cell, `;`-separated.
pub fn joined(items: &[impl AsRef<str>]) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(";")
}

fn csv_line(fields: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(256));
    // Writing to a Vec cannot fail.
    let _ = w.write_record(fields.into_iter().map(|f| f.as_ref().to_owned()));
    w.into_inner().unwrap_or_default()
}

/// CSV of a complete, already loaded set of rows (catalogues and aggregates).
pub fn csv_of<T: CsvRecord>(rows: &[T]) -> Csv {
    let mut out = csv_line(T::csv_header().iter());
    for row in rows {
        out.extend(csv_line(row.csv_row()));
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
    T: CsvRecord + Send + 'static,
    C: Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<C>), ApiError>> + Send,
{
    Csv(stream_pages(
        fetch,
        Some(csv_line(T::csv_header().iter())),
        |row: &T| csv_line(row.csv_row()),
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
