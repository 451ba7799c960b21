//! Cross-cutting HTTP behaviour: request ids and logs, metrics, problem+json
//! for every error, and conditional GETs.

use std::time::Instant;

use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use poem_openapi::OperationId;
use sea_orm::{ConnectionTrait, Statement};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use crate::problem::{problem_response, ApiError, FieldError, Problem, PROBLEM_JSON};
use crate::state::AppState;

pub const REQUEST_ID: &str = "x-request-id";

fn acceptable_request_id(v: &str) -> bool {
    !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic())
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

/// Gives each request an id (the client's `X-Request-Id` if sane), logs it,
/// times it into the metrics, and echoes the id and `traceparent`.
pub async fn observe<E: Endpoint>(next: E, req: Request) -> Result<Response> {
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
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let state = req.data::<AppState>().cloned();
    let span =
        tracing::info_span!("request", request_id = %request_id, method = %method, path = %path);

    let result = next.call(req).instrument(span.clone()).await;
    let mut resp = match result {
        Ok(resp) => resp.into_response(),
        Err(err) => err.into_response(),
    };
    let route = resp
        .data::<OperationId>()
        .map(|o| o.0.to_owned())
        .unwrap_or_else(|| {
            if resp.status() == StatusCode::NOT_FOUND {
                "unmatched".to_owned()
            } else {
                path.clone()
            }
        });
    let status = resp.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(state) = &state {
        state
            .metrics
            .observe(method.as_str(), &route, status, elapsed.as_secs_f64());
    }
    span.in_scope(|| tracing::info!(status, route = %route, elapsed_ms = elapsed.as_secs_f64() * 1000.0, "handled"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    if let Some(tp) = traceparent.and_then(|t| HeaderValue::from_str(&t).ok()) {
        resp.headers_mut().insert("traceparent", tp);
    }
    Ok(resp)
}

/// Every error leaves as RFC 9457 problem+json, whatever raised it: our
/// handlers, poem-openapi's parameter parsing, the router (404, 405) or a body
/// limit (413). A 500's cause is logged, never sent.
pub async fn problems<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let mut resp = problems_inner(next, req).await?;
    if resp.status() == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"foraldraskapsstod\""),
        );
    }
    if resp.status().is_client_error() || resp.status().is_server_error() {
        // An error describes this moment, not the resource: never cache it.
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(resp)
}

async fn problems_inner<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    let instance = req.uri().path().to_owned();
    let resp = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => {
            // Rebuilt responses keep the operation id, so metrics label them
            // by operation rather than by raw (unbounded) path.
            let operation = err.data::<OperationId>().copied();
            let with_operation = |mut resp: Response| {
                if let Some(op) = operation {
                    resp.set_data(op);
                }
                resp
            };
            if let Some(api) = err.downcast_ref::<ApiError>() {
                let mut p = api.to_problem(Some(instance.clone()));
                p.instance = Some(instance);
                return Ok(with_operation(problem_response(&p, api.retry_after)));
            }
            let param = err
                .downcast_ref::<poem_openapi::error::ParseParamError>()
                .map(|e| (e.name.to_owned(), e.reason.clone()));
            let status = err.status();
            let message = err.to_string();
            let resp = err.into_response();
            if is_problem(&resp) {
                return Ok(with_instance(resp, &instance).await);
            }
            return Ok(with_operation(problem_for_status(
                status, message, param, instance,
            )));
        }
    };
    if resp.status().is_client_error() || resp.status().is_server_error() {
        if is_problem(&resp) {
            return Ok(with_instance(resp, &instance).await);
        }
        let status = resp.status();
        let operation = resp.data::<OperationId>().copied();
        let body = resp.into_body().into_string().await.unwrap_or_default();
        let mut problem = problem_for_status(status, body, None, instance);
        if let Some(op) = operation {
            problem.set_data(op);
        }
        return Ok(problem);
    }
    Ok(resp)
}

fn is_problem(resp: &Response) -> bool {
    resp.content_type()
        .is_some_and(|c| c.starts_with(PROBLEM_JSON))
}

async fn with_instance(resp: Response, instance: &str) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = body.into_vec().await.unwrap_or_default();
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) => {
            if let Some(obj) = v.as_object_mut() {
                obj.entry("instance").or_insert_with(|| instance.into());
            }
            serde_json::to_vec(&v).unwrap_or(bytes)
        }
        Err(_) => bytes,
    };
    Response::from_parts(parts, body.into())
}

fn problem_for_status(
    status: StatusCode,
    message: String,
    param: Option<(String, String)>,
    instance: String,
) -> Response {
    let (kind, title) = match status {
        StatusCode::BAD_REQUEST => ("/problems/bad-request", "Bad request"),
        StatusCode::NOT_FOUND => ("/problems/not-found", "Not found"),
        StatusCode::UNAUTHORIZED => ("/problems/unauthorized", "Missing or unknown API key"),
        StatusCode::METHOD_NOT_ALLOWED => ("/problems/method-not-allowed", "Method not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("/problems/payload-too-large", "Request body too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("/problems/unsupported-media-type", "Unsupported media type")
        }
        StatusCode::NOT_ACCEPTABLE => ("/problems/not-acceptable", "Not acceptable"),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), error = %message, "internal error");
            return problem_response(
                &ApiError::internal(&message).to_problem(Some(instance)),
                None,
            );
        }
        _ => ("/problems/http", "Request failed"),
    };
    let detail = match status {
        StatusCode::NOT_FOUND if message.trim().is_empty() || message == "not found" => {
            format!("no resource at {instance}")
        }
        StatusCode::METHOD_NOT_ALLOWED => format!("this method is not allowed on {instance}"),
        StatusCode::UNAUTHORIZED => "send the API key as `Authorization: Bearer <key>`".to_owned(),
        _ if message.trim().is_empty() => status.canonical_reason().unwrap_or("error").to_owned(),
        _ => message,
    };
    let errors = param
        .map(|(name, reason)| vec![FieldError::param(name, reason)])
        .unwrap_or_default();
    let problem = Problem {
        kind: kind.to_owned(),
        title: title.to_owned(),
        status: status.as_u16(),
        detail: Some(detail),
        instance: Some(instance),
        errors,
    };
    problem_response(&problem, None)
}

/// The version of everything public: moves on every write that changes what
/// a reader could see.
pub async fn data_version(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT data_version FROM feed_counter WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| ApiError::internal("feed_counter row missing"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// `ETag` on every GET under `/v1`, derived from the data version and the exact
/// request (URL, representation, caller), so a client revalidating with
/// `If-None-Match` gets a 304 without the query being run at all.
pub async fn conditional<E: Endpoint>(next: E, req: Request) -> Result<Response> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) || !req.uri().path().starts_with("/v1/")
    {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let state = req
        .data::<AppState>()
        .cloned()
        .ok_or_else(|| ApiError::internal("state missing"))?;
    let version = data_version(&state.db).await?;
    let keyed = req.header(header::AUTHORIZATION).is_some();
    let mut h = Sha256::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        &state.settings.suppression_threshold.to_string(),
        req.uri().path(),
        req.uri().query().unwrap_or_default(),
        req.header(header::ACCEPT).unwrap_or_default(),
        req.header(header::AUTHORIZATION).unwrap_or_default(),
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
    let cacheable = !keyed && crate::response_cache::cacheable(req.uri().path());
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
            crate::response_cache::Cached {
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
    fn request_ids_are_bounded_and_printable() {
        assert!(acceptable_request_id("abc-123"));
        assert!(!acceptable_request_id(&"a".repeat(129)));
        assert!(!acceptable_request_id("with space"));
    }
}
