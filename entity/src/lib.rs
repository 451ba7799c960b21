//! The stored model: what the database holds, nothing a client sees directly.
//! Wire types live in `api`; keeping them apart lets the schema change without
//! changing the contract (and keeps per-session breakdowns out of public responses).

pub mod api_key;
pub mod app_meta;
pub mod audit_log;
pub mod feed_counter;
pub mod idempotency_record;
pub mod municipality;
pub mod offer_language_rollup;
pub mod offer_rollup;
pub mod outcome_kpi;
pub mod outcome_value;
pub mod population;
pub mod programme;
pub mod reach_rollup;
pub mod session;
pub mod tombstone;
