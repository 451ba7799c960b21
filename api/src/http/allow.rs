//! The `Allow` header a 405 must carry (RFC 9110 §15.5.6), read from the
//! OpenAPI document so it always names exactly the methods that are routed.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use serde_json::Value;

/// Path templates (`/v1/sessions/{id}`) and their methods, upper case.
pub struct AllowedMethods(Vec<(Vec<Option<String>>, String)>);

impl AllowedMethods {
    pub fn from_spec(spec_json: &str) -> Self {
        let spec: Value = serde_json::from_str(spec_json).unwrap_or_default();
        let mut out = Vec::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            let mut methods: Vec<String> = item
                .as_object()
                .into_iter()
                .flatten()
                .map(|(m, _)| m.to_uppercase())
                .collect();
            if methods.iter().any(|m| m == "GET") {
                methods.push("HEAD".into());
            }
            let segments = path
                .split('/')
                .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                .collect();
            out.push((segments, methods.join(", ")));
        }
        Self(out)
    }

    fn for_path(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(segments, _)| {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(s, p)| s.as_deref().is_none_or(|lit| lit == *p))
            })
            .map(|(_, methods)| methods.as_str())
    }
}

pub async fn allow_on_405<E: Endpoint>(
    next: E,
    req: Request,
    allowed: Arc<AllowedMethods>,
) -> Result<Response> {
    let path = req.uri().path().to_owned();
    let mut resp = next.call(req).await?.into_response();
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED {
        if let Some(v) = allowed
            .for_path(&path)
            .and_then(|m| HeaderValue::from_str(m).ok())
        {
            resp.headers_mut().insert("allow", v);
        }
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_concrete_paths() {
        let allowed = AllowedMethods::from_spec(
            r#"{"paths": {"/v1/sessions/{id}": {"get": {}}, "/v1/municipalities/{code}/sessions/{external_id}": {"get": {}, "put": {}, "delete": {}}}}"#,
        );
        assert_eq!(allowed.for_path("/v1/sessions/abc"), Some("GET, HEAD"));
        assert_eq!(
            allowed.for_path("/v1/municipalities/1980/sessions/X-1"),
            Some("DELETE, GET, PUT, HEAD")
        );
        assert_eq!(allowed.for_path("/v1/nothing"), None);
    }
}
