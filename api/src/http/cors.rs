//! CORS for public reads: any origin may GET, no credentials involved.

use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};

const EXPOSED: &str = "ETag, Link, X-Request-Id, Retry-After, Content-Disposition, Cache-Status, \
                       RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";

pub async fn cors<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let preflight = req.method() == Method::OPTIONS
        && req.header(header::ACCESS_CONTROL_REQUEST_METHOD).is_some();
    if preflight {
        let asked = req
            .header(header::ACCESS_CONTROL_REQUEST_METHOD)
            .unwrap_or_default();
        let allowed = matches!(asked, "GET" | "HEAD");
        let mut resp = Response::builder()
            .status(if allowed {
                StatusCode::NO_CONTENT
            } else {
                StatusCode::FORBIDDEN
            })
            .finish();
        if allowed {
            let h = resp.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Accept, If-None-Match, X-Request-Id, traceparent"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            );
        }
        return Ok(resp);
    }
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
    let mut resp = next.call(req).await?.into_response();
    if is_read {
        let h = resp.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED),
        );
    }
    Ok(resp)
}
