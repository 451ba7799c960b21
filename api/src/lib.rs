//! The föräldraskapsstöd open-data API: library and CLI.
//!
//! Resources live one module each (`municipalities`, `programmes`, `sessions`,
//! …) holding their handlers, wire types and the plain async functions that do
//! the work, so the CLI, the sync client and the tests can call them too.

pub mod allow;
pub mod api_info;
pub mod app;
pub mod auth;
pub mod body_limit;
pub mod changes;
pub mod cli;
pub mod config;
pub mod cors;
pub mod db;
pub mod demo_data;
pub mod feed;
pub mod formats;
pub mod idempotency;
pub mod json_fields;
pub mod metrics;
pub mod middleware;
pub mod municipalities;
pub mod openapi_doc;
pub mod ops;
pub mod paging;
pub mod problem;
pub mod programme_admin;
pub mod programmes;
pub mod rate_limit;
pub mod raw_json;
pub mod reach;
pub mod response_cache;
pub mod sessions;
pub mod state;
pub mod sync_api;
pub mod sync_client;
pub mod tags;
pub mod telemetry;
pub mod vocab;

pub use app::build as build_app;
pub use config::Settings;
pub use state::AppState;
