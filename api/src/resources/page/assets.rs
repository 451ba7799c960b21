//! The page's stylesheet and script, embedded in the binary (no CDN: the page
//! works offline) and served as files, never inline, so the page runs under a
//! `default-src 'self'` Content-Security-Policy. Their URLs carry a hash of
//! the content, so they can be cached for a year and still change with a build.

use std::sync::LazyLock;

use poem::http::header;
use poem::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("assets/site.css");
const JS: &str = include_str!("assets/site.js");

fn versioned(path: &str, content: &str) -> String {
    let hash = hex::encode(&Sha256::digest(content.as_bytes())[..6]);
    format!("{path}?v={hash}")
}

pub static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("/assets/site.css", CSS));
pub static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("/assets/site.js", JS));

fn asset(content_type: &str, body: &'static str) -> Response {
    Response::builder()
        .content_type(content_type)
        .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        .body(body)
}

pub fn css() -> Response {
    asset("text/css; charset=utf-8", CSS).into_response()
}

pub fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS).into_response()
}
