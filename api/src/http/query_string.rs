//! Empty query parameters mean "absent": a browser submitting a form, or a
//! client building a URL from optional fields, sends `cursor=` or
//! `start_from=` for a field left blank. Dropping them before anything reads
//! the query keeps one meaning for both spellings — and one ETag and cache
//! entry.

use std::sync::Arc;

use poem::http::Uri;
use poem::{Endpoint, IntoResponse, Request, Response, Result};

use super::operations::Operations;
use crate::error::ApiError;

/// A `name=` pair with nothing after the `=`.
fn is_empty_pair(pair: &str) -> bool {
    pair.is_empty()
        || pair
            .split_once('=')
            .is_some_and(|(_, value)| value.is_empty())
}

/// The request's URI without its empty pairs, when it has any.
fn without_empty_pairs(uri: &Uri) -> Option<Uri> {
    let query = uri.query()?;
    if !query.split('&').any(is_empty_pair) {
        return None;
    }
    let kept: Vec<&str> = query.split('&').filter(|p| !is_empty_pair(p)).collect();
    let path = uri.path();
    let rebuilt = if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    rebuilt.parse().ok()
}

pub async fn drop_empty<E: Endpoint>(next: E, mut req: Request) -> Result<Response> {
    if let Some(uri) = without_empty_pairs(req.uri()) {
        *req.uri_mut() = uri;
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Under `/v1`, a query parameter the operation does not declare is refused
/// with 400 naming it and the accepted ones. The people's pages take what
/// links from newsletters carry (`utm_*`, `fbclid`) and are not checked here.
pub async fn refuse_undeclared<E: Endpoint>(
    next: E,
    req: Request,
    operations: Arc<Operations>,
) -> Result<Response> {
    let path = req.uri().path();
    if let (true, Some(query)) = (path.starts_with("/v1/"), req.uri().query()) {
        let method = req.method().as_str();
        // The common case (every name declared) reads the raw names in place;
        // only a name not declared as written is decoded and named.
        let all_declared = operations.declares_all(method, path, query).unwrap_or(true);
        if !all_declared {
            if let Some(declared) = operations.query_params(method, path) {
                // A query that does not decode is the operation's to refuse, in its words.
                let pairs: Vec<(String, String)> = req.params().unwrap_or_default();
                let mut unknown: Vec<String> = Vec::new();
                for (name, _) in pairs {
                    if !declared.contains(&name) && !unknown.contains(&name) {
                        unknown.push(name);
                    }
                }
                if !unknown.is_empty() {
                    return Err(ApiError::unknown_parameters(&unknown, &declared).into());
                }
            }
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pairs_without_a_value_are_dropped() {
        let uri: Uri = "/v1/sessions?cursor=&limit=5&start_from=&flag&x=a%3D"
            .parse()
            .unwrap();
        let out = without_empty_pairs(&uri).unwrap();
        assert_eq!(out.to_string(), "/v1/sessions?limit=5&flag&x=a%3D");
        let all_empty: Uri = "/v1/changes?after=".parse().unwrap();
        assert_eq!(
            without_empty_pairs(&all_empty).unwrap().to_string(),
            "/v1/changes"
        );
        assert!(without_empty_pairs(&"/v1/sessions?limit=5".parse().unwrap()).is_none());
    }
}
