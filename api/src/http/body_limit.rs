//! Request bodies larger than the configured limit get a 413 problem. Unlike
//! poem's `SizeLimit`, bodiless requests (GETs) need no `Content-Length`, and
//! chunked bodies are counted as they are read.

use poem::http::{header, Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response, Result};

use crate::error::ApiError;

fn too_large(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "/problems/payload-too-large",
        "Request body too large",
        format!("the request body exceeds {max} bytes"),
    )
}

pub async fn limit_body<E: Endpoint>(next: E, mut req: Request, max: usize) -> Result<Response> {
    if let Some(len) = req
        .header(header::CONTENT_LENGTH)
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > max as u64 {
            return Err(too_large(max).into());
        }
    } else if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        // Chunked, or a body of unknown length: count it as it is read.
        let body = req.take_body();
        let bytes = read_at_most(body, max).await?;
        req.set_body(Body::from_vec(bytes));
    }
    Ok(next.call(req).await?.into_response())
}

async fn read_at_most(body: Body, max: usize) -> Result<Vec<u8>> {
    use futures_util::StreamExt;
    let mut stream = body.into_bytes_stream();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("cannot read the request body: {e}")))?;
        if out.len() + chunk.len() > max {
            return Err(too_large(max).into());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
