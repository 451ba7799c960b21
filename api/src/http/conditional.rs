//! Conditional GETs and the response cache in front of every public read.

use std::sync::Arc;

use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use super::response_cache::{self, Cached, ResponseCache};
use crate::error::ApiError;
use crate::store::feed::data_version;

/// What conditional GETs need from the application.
#[derive(Clone)]
pub struct Freshness {
    pub db: DatabaseConnection,
    /// Part of every ETag: the same data answers differently under another threshold.
    pub suppression_threshold: i64,
    pub responses: Arc<ResponseCache>,
}

/// Reads that no cache may keep, not even the client's: the audit trail
/// changes without the data version moving (an unchanged write, a prune), so
/// a version-based validator would answer 304 over new records.
pub const NEVER_STORED: &[&str] = &["/v1/audit"];

/// `ETag` on every GET under `/v1` (except [`NEVER_STORED`]) and on the public page, derived from the data version and the exact
/// request (URL, representation, caller), so a client revalidating with
/// `If-None-Match` gets a 304 without the query being run at all.
pub async fn conditional<E: Endpoint>(next: E, req: Request, state: Freshness) -> Result<Response> {
    let path = req.uri().path();
    let public = path.starts_with("/v1/") || response_cache::PAGE_PATHS.contains(&path);
    if !matches!(*req.method(), Method::GET | Method::HEAD) || !public {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    if NEVER_STORED.contains(&path) {
        let mut resp = next.call(req).await?.into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(resp);
    }
    let today = if response_cache::depends_on_today(path) {
        chrono::Utc::now().date_naive().to_string()
    } else {
        String::new()
    };
    let version = data_version(&state.db).await?;
    let keyed = req.header(header::AUTHORIZATION).is_some();
    let mut h = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        &state.suppression_threshold.to_string(),
        req.uri().path(),
        req.uri().query().unwrap_or_default(),
        req.header(header::ACCEPT).unwrap_or_default(),
        req.header(header::AUTHORIZATION).unwrap_or_default(),
        &today,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let etag = format!("W/\"{version}-{}\"", hex::encode(&h.finalize()[..8]));
    let matches = req.header(header::IF_NONE_MATCH).is_some_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == etag || t.trim_start_matches("W/") == etag.trim_start_matches("W/"))
    });
    let cache_control = if keyed {
        "private, no-cache"
    } else {
        "public, max-age=60, stale-while-revalidate=300"
    };
    let vary = "Accept, Accept-Encoding, Authorization";
    let not_modified = || {
        let mut resp = Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .finish();
        set_cache_headers(&mut resp, &etag, cache_control, vary);
        resp
    };
    // With a key the handler runs first, so a revoked key cannot revalidate.
    if matches && !keyed {
        return Ok(not_modified());
    }
    let cacheable = !keyed && response_cache::cacheable(req.uri().path());
    if cacheable {
        if let Some(hit) = state.responses.get(&etag) {
            let mut resp = Response::builder()
                .content_type(hit.content_type)
                .body(hit.body);
            set_cache_headers(&mut resp, &etag, cache_control, vary);
            return Ok(resp);
        }
    }
    let mut resp = next.call(req).await?.into_response();
    if matches && resp.status() == StatusCode::OK {
        return Ok(not_modified());
    }
    if cacheable && resp.status() == StatusCode::OK {
        let content_type = resp.content_type().unwrap_or("application/json").to_owned();
        let (parts, body) = resp.into_parts();
        let body = body.into_bytes().await.map_err(ApiError::internal)?;
        state.responses.put(
            etag.clone(),
            Cached {
                content_type,
                body: body.clone(),
            },
        );
        resp = Response::from_parts(parts, body.into());
    }
    if resp.status() == StatusCode::OK {
        set_cache_headers(&mut resp, &etag, cache_control, vary);
    } else {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}

fn set_cache_headers(
    resp: &mut Response,
    etag: &str,
    cache_control: &'static str,
    vary: &'static str,
) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static(vary));
}
