//! The `Allow` header a 405 must carry (RFC 9110 §15.5.6), read from the
//! OpenAPI document so it always names exactly the methods that are routed.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};

use super::operations::Operations;

pub async fn allow_on_405<E: Endpoint>(
    next: E,
    req: Request,
    operations: Arc<Operations>,
) -> Result<Response> {
    let path = req.uri().path().to_owned();
    let mut resp = next.call(req).await?.into_response();
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
        if let Some(v) = operations
            .allowed(&path)
            .and_then(|m| HeaderValue::from_str(&m).ok())
        {
            resp.headers_mut().insert("allow", v);
        }
    }
    Ok(resp)
}
