//! Security headers on every response, and the request timeout.
//!
//! The API answers data, never markup to be framed or sniffed, so its
//! responses forbid both. HTML gets a Content-Security-Policy that admits only
//! this origin's own assets; the interactive docs, whose page carries its
//! script and style inline, get one that admits exactly those inline blocks by
//! hash, so no injected script could run beside them. HSTS belongs to the TLS
//! terminating proxy (see the README's "Operations").

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use poem::http::{header, HeaderValue};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// For everything that is not HTML: nothing may load, nothing may frame it.
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// For HTML pages built from this origin's own assets.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
                           base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The policies in force, computed once at start-up.
pub struct Policies {
    docs: HeaderValue,
}

impl Policies {
    /// `docs_html` is the docs page as served: its inline blocks are hashed.
    pub fn new(docs_html: &str) -> Self {
        let scripts = inline_hashes(docs_html, "script");
        let styles = inline_hashes(docs_html, "style");
        let docs = format!(
            "default-src 'none'; script-src {scripts}; style-src {styles}; img-src 'self' data:; \
             font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        );
        Self {
            docs: HeaderValue::from_str(&docs).unwrap_or(HeaderValue::from_static(DATA_POLICY)),
        }
    }
}

/// `'sha256-…'` of every inline `<tag>…</tag>` block (those without `src`).
fn inline_hashes(html: &str, tag: &str) -> String {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(head_end) = after.find('>') else {
            break;
        };
        let attributes = &after[..head_end];
        let body = &after[head_end + 1..];
        let Some(end) = body.find(&close) else {
            break;
        };
        // `<script(?=…` inside a minified script is not a tag: a tag's name
        // ends at whitespace or `>`.
        let is_tag = attributes.is_empty() || attributes.starts_with(char::is_whitespace);
        if is_tag && !attributes.contains("src=") {
            let digest = Sha256::digest(&body.as_bytes()[..end]);
            hashes.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body[end + close.len()..];
    }
    if hashes.is_empty() {
        "'none'".to_owned()
    } else {
        hashes.join(" ")
    }
}

pub async fn headers<E: Endpoint>(
    next: E,
    req: Request,
    policies: Arc<Policies>,
) -> Result<Response> {
    let is_docs = req.uri().path() == "/docs";
    let mut resp = next.call(req).await?.into_response();
    let html = resp
        .content_type()
        .is_some_and(|c| c.starts_with("text/html"));
    let csp = match (is_docs, html) {
        (true, _) => policies.docs.clone(),
        (false, true) => HeaderValue::from_static(PAGE_POLICY),
        (false, false) => HeaderValue::from_static(DATA_POLICY),
    };
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(resp)
}

/// A request that has not produced its response within `limit` is answered
/// 503. Its handler is dropped, and with it any open transaction, which rolls
/// back: a write either committed whole before the limit or not at all.
pub async fn timeout<E: Endpoint>(next: E, req: Request, limit: Duration) -> Result<Response> {
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(resp) => Ok(resp?.into_response()),
        Err(_) => Err(ApiError::unavailable(format!(
            "the request took longer than {} s and was stopped; a write is either whole or not \
             made at all",
            limit.as_secs_f64()
        ))
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_blocks_are_hashed_and_external_ones_are_not() {
        let html = "<script>a()</script><script src=\"x.js\"></script>\
                    <script>var r=/<script(?=\\s|>)/</script><style>p{}</style>";
        let scripts = inline_hashes(html, "script");
        assert_eq!(scripts.matches("'sha256-").count(), 2, "{scripts}");
        let digest = STANDARD.encode(Sha256::digest(b"a()"));
        assert!(scripts.contains(&digest));
        assert_eq!(inline_hashes(html, "style").matches("'sha256-").count(), 1);
        assert_eq!(inline_hashes("<p>no script</p>", "script"), "'none'");
    }
}
