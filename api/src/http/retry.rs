//! A read whose database connection turned out dead is asked again, once;
//! a write that lost it is answered 503 (see `ApiError::database_unavailable`).
//!
//! The pool checks a connection only after it has been idle a second (see
//! `store::db::pool_options`: checking every one cost a fifth of the read
//! throughput), so when PostgreSQL restarts or an operator terminates the
//! server's connections, each connection in steady use fails its next
//! statement. That failure says nothing about the request: the same read on
//! a fresh connection answers. A GET or HEAD has no body and changes
//! nothing, so it is run again as it came; only when the second attempt
//! also finds the database away does the client get the 503. Either way the
//! pool is told to check every connection for a few seconds, so that the
//! second attempt, and the requests after it, meet no other dead one.
//!
//! A read that finds the database away on the fresh connection too has
//! confirmed an outage: the breaker pauses further attempts (see
//! `store::breaker`); a write arriving in a pause is answered 503 before it
//! touches anything, which a retry with the same `Idempotency-Key` makes
//! whole.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Request, Response, Result};

use crate::error::ApiError;
use crate::store::breaker::Breaker;
use crate::store::db::suspect_connections;

pub async fn retry_reads<E: Endpoint>(
    next: E,
    req: Request,
    breaker: Arc<Breaker>,
) -> Result<Response> {
    if !matches!(
        *req.method(),
        poem::http::Method::GET | poem::http::Method::HEAD
    ) {
        if breaker.resting() {
            return Err(ApiError::database_unavailable("resting after an outage").into());
        }
        return match next.call(req).await {
            Ok(resp) => {
                breaker.answered();
                Ok(resp.into_response())
            }
            Err(e) => {
                if is_database_away(&e) {
                    suspect_connections();
                    breaker.away(false);
                }
                Err(e)
            }
        };
    }
    let again = copy(&req);
    match next.call(req).await {
        Ok(resp) => Ok(resp.into_response()),
        // In a pause (begun by this request's own version read, or before
        // it), asking again would only ask the database again.
        Err(e) if is_database_away(&e) && breaker.is_open() => Err(e),
        Err(e) if is_database_away(&e) => {
            suspect_connections();
            tracing::warn!("the database connection was lost during a read; reading again");
            match next.call(again).await {
                Ok(resp) => Ok(resp.into_response()),
                Err(e) => {
                    if is_database_away(&e) {
                        breaker.away(true);
                    }
                    Err(e)
                }
            }
        }
        Err(e) => Err(e),
    }
}

/// An operation's declared errors reach here as their response, a 503 only
/// for the database being away; a layer's errors as an `ApiError`, whose
/// 503 may also be the time limit, which is not asked again.
fn is_database_away(e: &poem::Error) -> bool {
    match e.downcast_ref::<ApiError>() {
        Some(api) => api.is_database_unavailable(),
        None => e.status() == poem::http::StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The request again: method, URI, version, headers and what the layers
/// outside set on it (a read has no body). The peer's address stays with
/// the first: inside this layer only `/metrics` reads it, which reads no
/// database and so is never asked again.
fn copy(req: &Request) -> Request {
    let mut copy = Request::builder()
        .method(req.method().clone())
        .uri(req.uri().clone())
        .version(req.version())
        .finish();
    *copy.headers_mut() = req.headers().clone();
    *copy.extensions_mut() = req.extensions().clone();
    copy
}
