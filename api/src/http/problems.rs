//! Every error of the API leaves as RFC 9457 problem+json; an error on a
//! page for people (any path outside the API's) leaves as an HTML page in
//! the visitor's language, which the pages render (`PeoplePages`).

use std::sync::Arc;

use poem::http::{header, HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use poem_openapi::OperationId;

use super::operations::Operations;
use super::origin::base_from;
use super::parameter_words::refusal;
use crate::error::{problem_response, ApiError, FieldError, Problem, PROBLEM_JSON};

/// Renders an error for a person: `Some(html)` when the path is a page for
/// people rather than the API's, given the status and what went wrong. The
/// pages provide it; `http` imports no resource.
pub type PeoplePages = Arc<dyn Fn(&str, StatusCode, &str) -> Option<String> + Send + Sync>;

/// Every error leaves as RFC 9457 problem+json, whatever raised it: our
/// handlers, poem-openapi's parameter parsing, the router (404, 405) or a body
/// limit (413) — or, on a page for people, as the page `people` renders. A
/// 500's cause is logged, never sent.
pub async fn problems<E: Endpoint>(
    next: E,
    req: Request,
    people: PeoplePages,
    operations: Arc<Operations>,
    origin: (Option<Arc<str>>, bool),
) -> Result<Response> {
    let path = req.uri().path().to_owned();
    // Kept (cheap clones) for the rare answer that is a problem; the base
    // is built only then.
    let host = req.headers().get(header::HOST).cloned();
    let proto = req.headers().get("x-forwarded-proto").cloned();
    let mut resp = problems_inner(next, req, &operations).await?;
    if is_problem(&resp) {
        resp = for_people(resp, &path, &people).await;
    }
    if is_problem(&resp) {
        // Outside `origin::sane_origin`, so read as carefully as it checks.
        // As `Request::header` reads them: a value that is not text is absent.
        let (host, proto) = (
            host.as_ref().and_then(|v| v.to_str().ok()),
            proto.as_ref().and_then(|v| v.to_str().ok()),
        );
        let base = base_from(host, proto, origin.0.as_deref(), origin.1);
        resp = absolute_type(resp, &base).await;
    }
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

async fn problems_inner<E: Endpoint>(
    next: E,
    req: Request,
    operations: &Operations,
) -> Result<Response> {
    let instance = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    // Kept (a cheap clone) and decoded only if a parameter failed to parse.
    let uri = req.uri().clone();
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
                api.report();
                let mut p = api.to_problem(Some(instance.clone()));
                p.instance = Some(instance);
                return Ok(with_operation(problem_response(&p, api.retry_after)));
            }
            if let Some(e) = err.downcast_ref::<poem_openapi::error::ParseParamError>() {
                let query: Vec<(String, String)> =
                    serde_urlencoded::from_str(uri.query().unwrap_or_default()).unwrap_or_default();
                let given = |name: &str| match operations.parameter(&method, &instance, name) {
                    Some(("path", schema)) => {
                        Some((operations.path_value(&instance, name), schema))
                    }
                    Some((_, schema)) => {
                        let value = query
                            .iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.as_str());
                        Some((value, schema))
                    }
                    None => None,
                };
                // The framework's wording names Rust types and regular
                // expressions: said instead from the parameter's schema.
                if let Some((value, schema)) = given(e.name) {
                    let api = ApiError::invalid_parameter(e.name, refusal(value, schema));
                    let mut p = api.to_problem(Some(instance.clone()));
                    p.instance = Some(instance);
                    return Ok(with_operation(problem_response(&p, None)));
                }
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
        // The pages answer people's mistakes with a page of their own.
        if is_html(&resp) {
            return Ok(resp);
        }
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

/// The problem as a page, when `path` is one of the pages for people; the
/// status and the headers that matter (`Allow`, `Retry-After`) stay.
async fn for_people(resp: Response, path: &str, people: &PeoplePages) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = body.into_vec().await.unwrap_or_default();
    let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let detail = problem["detail"].as_str().unwrap_or_default();
    match people(path, parts.status, detail) {
        Some(html) => {
            let mut resp = Response::from_parts(parts, html.into());
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            resp
        }
        None => Response::from_parts(parts, bytes.into()),
    }
}

/// A problem's `type` as an absolute URI that resolves: `/problems/{name}`
/// explains it (the pages own those paths).
async fn absolute_type(resp: Response, base: &str) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = body.into_vec().await.unwrap_or_default();
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) => match v["type"].as_str().filter(|t| t.starts_with('/')) {
            Some(t) => {
                v["type"] = format!("{base}{t}").into();
                serde_json::to_vec(&v).unwrap_or(bytes)
            }
            None => bytes,
        },
        Err(_) => bytes,
    };
    let mut resp = Response::from_parts(parts, body.into());
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    resp
}

fn is_html(resp: &Response) -> bool {
    resp.content_type()
        .is_some_and(|c| c.starts_with("text/html"))
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
        error_count: None,
    };
    problem_response(&problem, None)
}
