//! The föräldraskapsstöd open-data API: library and CLI.
//!
//! Layers, as the folders show: `http` (cross-cutting HTTP), `resources`
//! (one folder per resource), `store` (persistence shared by resources) and
//! `tools` (CLI, sync client, demo data). Imports point down: `tools` →
//! `resources` → `http`, `store`; `store` imports neither `http` nor
//! `resources`, and `http` imports no resource (`tests/api/layers.rs`).

pub mod app;
pub mod config;
pub mod error;
pub mod http;
pub mod resources;
pub mod state;
pub mod store;
pub mod tools;
pub mod vocab;

pub use app::build as build_app;
pub use config::Settings;
pub use state::AppState;
