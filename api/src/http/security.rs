//! Security headers on every response, and the request timeout.
//!
//! The API answers data, never markup to be framed or sniffed, so its
//! responses forbid both. HTML gets a Content-Security-Policy that admits only
//! this origin's own assets, with no inline script anywhere, the interactive
//! docs included, so no injected script could run. HSTS belongs to the TLS
//! terminating proxy (see the README's "Operations").

use std::time::Duration;

use poem::http::{header, HeaderValue};
use poem::{Endpoint, IntoResponse, Request, Response, Result};

use crate::error::ApiError;

/// For everything that is not HTML: nothing may load, nothing may frame it.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// For HTML pages built from this origin's own assets.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
                           base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// For the interactive docs: Swagger UI's script and style, from this
/// origin's own files (no inline script), calling this origin's API.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                           img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
                           base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn headers<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let is_docs = req.uri().path() == "/docs";
    let mut resp = next.call(req).await?.into_response();
    let html = resp
        .content_type()
        .is_some_and(|c| c.starts_with("text/html"));
    let csp = match (is_docs, html) {
        (true, _) => HeaderValue::from_static(DOCS_POLICY),
        (false, true) => HeaderValue::from_static(PAGE_POLICY),
        (false, false) => HeaderValue::from_static(DATA_POLICY),
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(resp)
}

/// A request that has not produced its response within `limit` is answered
/// 503. Its handler is dropped, and with it any open transaction, which rolls
/// back: a write either committed whole before the limit or not at all.
pub async fn timeout<E: Endpoint>(next: E, req: Request, limit: Duration) -> Result<Response> {
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(resp) => Ok(resp?.into_response()),
        Err(_) => Err(ApiError::unavailable(format!(
            "the request took longer than {} s and was stopped; a write is either whole or not \
             made at all",
            limit.as_secs_f64()
        ))
        .into()),
    }
}
