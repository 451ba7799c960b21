//! Conditional GETs and the response cache in front of every public read.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use poem_openapi::OperationId;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use super::response_cache::{self, Cached, ResponseCache};
use crate::error::ApiError;
use crate::store::breaker::{Breaker, PROBE_WAIT};
use crate::store::db::once_more_if_lost;
use crate::store::feed::data_version;
use crate::store::keys;
use crate::store::version::{self, VersionReads};

/// What conditional GETs need from the application.
#[derive(Clone)]
pub struct Freshness {
    pub db: DatabaseConnection,
    /// Part of every ETag: the same data answers differently under another threshold.
    pub suppression_threshold: i64,
    pub responses: Arc<ResponseCache>,
    pub versions: Arc<VersionReads>,
    pub breaker: Arc<Breaker>,
}

/// Reads that no cache may keep, not even the client's: the audit trail
/// changes without the data version moving (an unchanged write, a prune), so
/// a version-based validator would answer 304 over new records.
pub const NEVER_STORED: &[&str] = &["/v1/audit"];

/// `Cache-Status` (RFC 9211): whether an answer came from the response
/// cache, so operators (and the tests) can see the cache at work.
const CACHE_STATUS: &str = "cache-status";
const HIT: &str = "foraldraskapsstod; hit";
/// A hit served while the database is away, of the last version seen.
const STALE: &str = "foraldraskapsstod; hit; detail=database-away";
/// Cache-Control of an anonymous read.
const PUBLIC: &str = "public, max-age=60, stale-while-revalidate=300";
const MISS: &str = "foraldraskapsstod; fwd=uri-miss";
const STORED: &str = "foraldraskapsstod; fwd=uri-miss; stored";

/// What else an answer depends on, for caches between us and the client.
const VARY: &str = "Accept, Accept-Encoding, Authorization";

/// `ETag` on every GET under `/v1` (except [`NEVER_STORED`]) and on the
/// public page, derived from the data version and the exact request (URL,
/// representation, origin, caller, day), so a client revalidating with
/// `If-None-Match` gets a 304 without the query being run at all; and the
/// finished answer to every anonymous GET kept under that same key, so the
/// next client asking the same thing gets the bytes without a query either.
pub async fn conditional<E: Endpoint>(next: E, req: Request, state: Freshness) -> Result<Response> {
    let path = req.uri().path();
    let public = path.starts_with("/v1/") || response_cache::is_page(path);
    if !matches!(*req.method(), Method::GET | Method::HEAD) || !public {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    if NEVER_STORED.contains(&path) {
        let mut resp = next.call(req).await?.into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(resp);
    }
    let db = &state.db;
    let keyed = req.header(header::AUTHORIZATION).is_some();
    // A key on a public read must be one: a made-up `Authorization` would
    // otherwise pass the response cache by on every request (a junk header
    // turned each read into a fresh query). Anonymous reads need none.
    if let Some(value) = req.header(header::AUTHORIZATION) {
        let Some(token) = keys::bearer_token(value) else {
            return Err(ApiError::unauthorized(
                "send an API key as `Authorization: Bearer <key>`, or no Authorization at all: \
                 reads need none",
            )
            .into());
        };
        keys::authenticate(db, token).await?;
    }
    let read = || state.versions.current(|| data_version(db));
    // A dead connection is read again at once on a fresh one (as the retry
    // layer does for the handler's reads); away on that one too is an
    // outage, and the breaker pauses the reads after this one.
    let asked = once_more_if_lost(read, ApiError::is_database_unavailable, || {
        ApiError::database_unavailable("no answer on a fresh connection in time")
    });
    let version = if state.breaker.resting() {
        Err(ApiError::database_unavailable("resting after an outage"))
    } else {
        let version = if state.breaker.recovering() {
            tokio::time::timeout(PROBE_WAIT, asked)
                .await
                .unwrap_or_else(|_| Err(ApiError::database_unavailable("no answer in time")))
        } else {
            asked.await
        };
        if version
            .as_ref()
            .is_err_and(ApiError::is_database_unavailable)
        {
            state.breaker.away(true);
        }
        version
    };
    if version.is_ok() {
        state.breaker.answered();
    }
    let version = match version {
        Ok(version) => version,
        // The database is away: an anonymous GET the cache holds for the
        // last version seen is still answered (no write can have moved the
        // data meanwhile through this database); anything else is the 503.
        Err(e) if e.is_database_unavailable() && !keyed && *req.method() == Method::GET => {
            let last = state.versions.last_seen();
            let etag = etag(&req, last, state.suppression_threshold);
            return match state.responses.get(&etag) {
                Some(cached) => Ok(cached_answer(cached, &etag, PUBLIC, STALE)),
                None => Err(e.into()),
            };
        }
        Err(e) => return Err(e.into()),
    };
    state.responses.advance_to(version);
    let etag = etag(&req, version, state.suppression_threshold);
    let matches = none_match(&req, &etag);
    let cache_control = if keyed { "private, no-cache" } else { PUBLIC };
    let not_modified = || {
        let mut resp = Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .finish();
        set_cache_headers(&mut resp, &etag, cache_control);
        resp
    };
    // With a key the handler runs first, so a revoked key cannot revalidate.
    if matches && !keyed {
        return Ok(not_modified());
    }
    // HEAD is answered by the handler (no body to keep); a keyed read may
    // differ per caller and is never shared.
    let shared = !keyed && *req.method() == Method::GET;
    let hit = |hit: Cached| cached_answer(hit, &etag, cache_control, HIT);
    let mut _filling = None;
    if shared {
        if let Some(cached) = state.responses.get(&etag) {
            return Ok(hit(cached));
        }
        // One request computes a missing answer; the others wait for it.
        _filling = Some(state.responses.filling(&etag).await);
        if let Some(cached) = state.responses.get(&etag) {
            return Ok(hit(cached));
        }
    }
    // Boxed: the handler's future is large, and held inline it would make
    // every future around it as large, to be moved on every request, hits
    // included.
    let mut resp = Box::pin(version::as_of(version, next.call(req)))
        .await?
        .into_response();
    if matches && resp.status() == StatusCode::OK {
        return Ok(not_modified());
    }
    if resp.status() != StatusCode::OK {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(resp);
    }
    if shared {
        resp = keep(resp, &state.responses, &etag).await?;
    }
    if !resp.headers().contains_key(CACHE_STATUS) {
        resp.headers_mut()
            .insert(CACHE_STATUS, HeaderValue::from_static(MISS));
    }
    set_cache_headers(&mut resp, &etag, cache_control);
    Ok(resp)
}

/// A kept answer, as a hit (`status` says which kind).
fn cached_answer(
    hit: Cached,
    etag: &str,
    cache_control: &'static str,
    status: &'static str,
) -> Response {
    let mut resp = Response::builder().body(hit.body);
    *resp.headers_mut() = hit.headers;
    if let Some(operation) = hit.operation {
        resp.set_data(operation);
    }
    set_cache_headers(&mut resp, etag, cache_control);
    resp.headers_mut()
        .insert(CACHE_STATUS, HeaderValue::from_static(status));
    resp
}

/// `W/"<data version>-<hash of the request>"`. The hash covers everything an
/// answer depends on besides the data: the code's version, the disclosure
/// threshold, the URL, the representation asked for, the origin that
/// absolute links are made from, the caller, and the day (what is upcoming,
/// and the default year, move at midnight without a write).
fn etag(req: &Request, version: i64, threshold: i64) -> String {
    let today = chrono::Utc::now().date_naive().to_string();
    let mut h = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        &threshold.to_string(),
        req.uri().path(),
        req.uri().query().unwrap_or_default(),
        req.header(header::ACCEPT).unwrap_or_default(),
        req.header(header::HOST).unwrap_or_default(),
        req.header("x-forwarded-proto").unwrap_or_default(),
        req.header(header::AUTHORIZATION).unwrap_or_default(),
        &today,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    format!("W/\"{version}-{}\"", hex::encode(&h.finalize()[..8]))
}

/// Keeps a finished answer under its key. Only answers whose length is known
/// up front (made whole by the handler) are kept; streamed exports are
/// passed through as they are made, never buffered here.
async fn keep(resp: Response, cache: &ResponseCache, key: &str) -> Result<Response> {
    let operation = resp.data::<OperationId>().copied();
    let (parts, body) = resp.into_parts();
    let body: BoxBody<Bytes, std::io::Error> = body.into();
    let exact = http_body::Body::size_hint(&body).exact();
    let Some(len) = exact.filter(|n| *n <= response_cache::MAX_ENTRY_BYTES) else {
        return Ok(Response::from_parts(parts, poem::Body::from(body)));
    };
    let bytes = poem::Body::from(body)
        .into_bytes()
        .await
        .map_err(ApiError::internal)?;
    debug_assert_eq!(bytes.len() as u64, len);
    let stored = cache.put(
        key.to_owned(),
        Cached {
            headers: parts.headers.clone(),
            body: bytes.clone(),
            operation,
        },
    );
    let mut resp = Response::from_parts(parts, bytes.into());
    if stored {
        resp.headers_mut()
            .insert(CACHE_STATUS, HeaderValue::from_static(STORED));
    }
    Ok(resp)
}

fn set_cache_headers(resp: &mut Response, etag: &str, cache_control: &'static str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static(VARY));
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2).
pub fn none_match(req: &Request, etag: &str) -> bool {
    req.header(header::IF_NONE_MATCH).is_some_and(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/"))
    })
}
