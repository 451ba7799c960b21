//! Request bodies are bounded as they are decoded, not as they are declared.
//!
//! The compression middleware (outside this one) inflates a
//! `Content-Encoding: gzip|br|deflate|zstd` body lazily and leaves the
//! encoded `Content-Length` in place, so a declared length says nothing about
//! what a reader will receive: 48 KB of gzip once inflated to a gigabyte in
//! the JSON parser. Here the body a handler reads is a stream that fails with
//! [`BodyTooLarge`] as soon as it has yielded more than the limit, so no
//! reader ever holds more than the limit in memory. The limit is the
//! configured maximum, and for an encoded body of declared length also at
//! most [`MAX_RATIO`] times that length (a bomb is refused after a few
//! megabytes, an ordinary compressed batch is not).
//!
//! Nothing here reads the body: handlers read it through
//! [`crate::http::raw_json::RawJson::read`] after checking the key, so an
//! anonymous request never makes the server decode or parse one.

use std::fmt;

use futures_util::StreamExt;
use poem::http::{header, Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response, Result};

use crate::error::ApiError;

/// The largest accepted decoded/encoded ratio of a compressed body. JSON
/// sessions compress 10–40 × with gzip; a gzip bomb inflates about 1,000 ×.
pub const MAX_RATIO: u64 = 100;

/// Below this decoded size the ratio is not checked: a tiny body of
/// repeated whitespace may compress far beyond the ratio and harms no one.
const RATIO_FLOOR: u64 = 1024 * 1024;

/// The decoded body exceeded its limit (the error inside the stream's
/// `io::Error`, so a reader can tell it from a broken connection).
#[derive(Debug, Clone, Copy)]
pub struct BodyTooLarge {
    pub limit: u64,
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request body exceeds {} bytes", self.limit)
    }
}

impl std::error::Error for BodyTooLarge {}

impl From<BodyTooLarge> for ApiError {
    fn from(e: BodyTooLarge) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "/problems/payload-too-large",
            "Request body too large",
            format!(
                "{e} once decoded (the limit is in /v1/api-info; a compressed body may also \
                 inflate at most {MAX_RATIO} times its size)"
            ),
        )
    }
}

/// The limit for this request's decoded body, or the 413 when its declared
/// length is already over the maximum.
fn decoded_limit(req: &Request, max: u64) -> Result<u64, BodyTooLarge> {
    let declared = req
        .header(header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max) {
        return Err(BodyTooLarge { limit: max });
    }
    let encoded = req
        .header(header::CONTENT_ENCODING)
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("identity"));
    Ok(match declared {
        Some(len) if encoded => max.min(RATIO_FLOOR.max(len.saturating_mul(MAX_RATIO))),
        _ => max,
    })
}

pub async fn limit_body<E: Endpoint>(next: E, mut req: Request, max: usize) -> Result<Response> {
    let limit = decoded_limit(&req, max as u64).map_err(ApiError::from)?;
    // No handler reads the body of a GET, HEAD or OPTIONS: the hot reads
    // skip the wrapping.
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let body = req.take_body();
        req.set_body(bounded(body, limit));
    }
    Ok(next.call(req).await?.into_response())
}

/// `body`, failing with [`BodyTooLarge`] once more than `limit` bytes have passed.
fn bounded(body: Body, limit: u64) -> Body {
    let mut seen = 0u64;
    let mut over = false;
    let stream = body.into_bytes_stream().map(move |chunk| {
        if over {
            return Err(std::io::Error::other(BodyTooLarge { limit }));
        }
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > limit {
            over = true;
            return Err(std::io::Error::other(BodyTooLarge { limit }));
        }
        Ok(chunk)
    });
    Body::from_bytes_stream(stream)
}

/// The 413 when a body read failed because it crossed its limit.
/// (poem may wrap the stream's `io::Error` in another one on the way).
pub fn too_large_cause(e: &std::io::Error) -> Option<BodyTooLarge> {
    let inner = e.get_ref()?;
    match inner.downcast_ref::<BodyTooLarge>() {
        Some(too_large) => Some(*too_large),
        None => too_large_cause(inner.downcast_ref::<std::io::Error>()?),
    }
}
