//! Request ids, logs and metrics for every request.

use std::sync::Arc;
use std::time::Instant;

use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, FromRequest, IntoResponse, Request, RequestBody, Response, Result};
use poem_openapi::OperationId;
use tracing::Instrument;

use super::metrics::Metrics;

pub const REQUEST_ID: &str = "x-request-id";

/// The request's id as `observe` chose it, for handlers that record it
/// (the audit trail). Empty when the request did not pass through `observe`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestId(pub String);

impl<'a> FromRequest<'a> for RequestId {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> Result<Self> {
        Ok(req.data::<RequestId>().cloned().unwrap_or_default())
    }
}

/// A request id is echoed, logged and stored in the audit trail: only a
/// strict form is taken (a UUID, or up to 64 letters, digits, `.`, `_`, `-`);
/// anything else is replaced by one of ours rather than repeated.
fn acceptable_request_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// W3C trace context: `00-<32 hex>-<16 hex>-<2 hex>`.
fn valid_traceparent(v: &str) -> bool {
    let parts: Vec<&str> = v.split('-').collect();
    parts.len() == 4
        && [2, 32, 16, 2]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The methods HTTP defines; any other is one label, `other`. Every distinct
/// label set is kept in `/metrics` for the life of the process: 50 requests
/// with invented 100,000-character methods grew it from 6.7 to 96.8 MB.
const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
];

fn method_label(method: &str) -> &str {
    METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

/// How much of a path a log line keeps: a path of 60 KB was logged whole.
const LOGGED_PATH_CHARS: usize = 200;

fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.char_indices().nth(LOGGED_PATH_CHARS) {
        None => path.into(),
        Some((cut, _)) => format!("{}… ({} bytes)", &path[..cut], path.len()).into(),
    }
}

/// Gives each request an id (the client's `X-Request-Id` if sane), logs it,
/// times it into the metrics (and into `Server-Timing` when `server_timing`
/// is on), and echoes the id and `traceparent`.
pub async fn observe<E: Endpoint>(
    next: E,
    mut req: Request,
    metrics: Arc<Metrics>,
    server_timing: bool,
) -> Result<Response> {
    let started = Instant::now();
    let request_id = req
        .header(REQUEST_ID)
        .filter(|v| acceptable_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let traceparent = req
        .header("traceparent")
        .filter(|v| valid_traceparent(v))
        .map(str::to_owned);
    let method = method_label(req.method().as_str()).to_owned();
    let path = logged_path(req.uri().path()).into_owned();
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, path = %path);
    req.set_data(RequestId(request_id.clone()));

    let result = next.call(req).instrument(span.clone()).await;
    let mut resp = match result {
        Ok(resp) => resp.into_response(),
        Err(err) => err.into_response(),
    };
    // A response made before routing (a 304, a 429, a 413) has no operation
    // id (a cache hit carries the one that made it). Its path may hold an id,
    // and every distinct label set is kept for the life of the process, so
    // such responses share one label.
    let route = resp
        .data::<OperationId>()
        .map(|o| o.0.to_owned())
        .unwrap_or_else(|| {
            if resp.status() == StatusCode::NOT_FOUND {
                "unmatched".to_owned()
            } else {
                "unrouted".to_owned()
            }
        });
    let status = resp.status().as_u16();
    let elapsed = started.elapsed();
    metrics.observe(&method, &route, status, elapsed.as_secs_f64());
    span.in_scope(|| tracing::info!(status, route = %route, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "handled"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    if let Some(tp) = traceparent.and_then(|t| HeaderValue::from_str(&t).ok()) {
        resp.headers_mut().insert("traceparent", tp);
    }
    // The server's own share of the round trip (W3C Server Timing), so a
    // client can tell a slow network from a slow answer; the benchmark reads
    // it. Off unless asked for (SERVER_TIMING): on every answer it hands an
    // outsider a clock for timing measurements.
    if server_timing {
        let timing = format!("app;dur={:.3}", elapsed.as_secs_f64() * 1000.0);
        if let Ok(v) = HeaderValue::from_str(&timing) {
            resp.headers_mut().insert("server-timing", v);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparent_shape_is_checked() {
        assert!(valid_traceparent(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        ));
        assert!(!valid_traceparent("00-xyz-00f067aa0ba902b7-01"));
    }

    #[test]
    fn labels_and_logged_paths_are_bounded() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label(&"X".repeat(100_000)), "other");
        assert_eq!(method_label("get"), "other");
        let long = format!("/v1/{}", "å".repeat(30_000));
        let logged = logged_path(&long);
        assert!(logged.chars().count() < LOGGED_PATH_CHARS + 30, "{logged}");
        assert!(logged.ends_with("(60004 bytes)"), "{logged}");
        assert_eq!(logged_path("/v1/sessions"), "/v1/sessions");
    }

    #[test]
    fn request_ids_are_bounded_and_printable() {
        assert!(acceptable_request_id("abc-123"));
        assert!(!acceptable_request_id(&"a".repeat(65)));
        assert!(!acceptable_request_id("=cmd|'/C calc'!A0"));
        assert!(acceptable_request_id(
            "6f1c2b7a-4d0e-4a7b-9c55-31d28e4fa001"
        ));
        assert!(!acceptable_request_id("with space"));
    }
}
