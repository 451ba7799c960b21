//! Cross-cutting HTTP: what every operation shares, whatever its resource.
//! Imports no resource; resources import it.

pub mod allow;
pub mod auth;
pub mod body_limit;
pub mod compression;
pub mod conditional;
pub mod cors;
pub mod deadlines;
pub mod formats;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod operations;
pub mod origin;
pub mod paging;
pub mod parameter_words;
pub mod problems;
pub mod query_string;
pub mod rate_limit;
pub mod raw_json;
pub mod response_cache;
pub mod retry;
pub mod security;
pub mod workbook;
