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

use poem::{Endpoint, IntoResponse, Request, Response, Result};

use crate::error::ApiError;
use crate::store::db::suspect_connections;

pub async fn retry_reads<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    if !matches!(
        *req.method(),
        poem::http::Method::GET | poem::http::Method::HEAD
    ) {
        return match next.call(req).await {
            Ok(resp) => Ok(resp.into_response()),
            Err(e) => {
                if is_database_away(&e) {
                    suspect_connections();
                }
                Err(e)
            }
        };
    }
    let again = copy(&req);
    match next.call(req).await {
        Ok(resp) => Ok(resp.into_response()),
        Err(e) if is_database_away(&e) => {
            suspect_connections();
            tracing::warn!("the database connection was lost during a read; reading again");
            Ok(next.call(again).await?.into_response())
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
