//! Runtime settings, from flags or the environment (see the CLI's `serve`).

use std::time::Duration;

/// What the server needs to know beyond its database connection.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Counts of people between 1 and `suppression_threshold - 1` are hidden in aggregates.
    pub suppression_threshold: i64,
    /// Anonymous reads per client IP per minute (0 disables the limit).
    pub read_rate_per_minute: u32,
    /// Writes per API key per minute (0 disables the limit).
    pub write_rate_per_minute: u32,
    /// Count reads per the last `X-Forwarded-For` entry, the one the proxy added (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// How long a stored `Idempotency-Key` answer is replayed.
    pub idempotency_ttl: Duration,
    /// The public base URL used in `next` links; None uses the request's own Host.
    pub public_base_url: Option<String>,
    /// A request without its response by then is answered 503 (and rolled back).
    pub request_timeout: Duration,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// Where people reach the data's publisher, shown in `/v1/api-info`.
    pub contact_url: Option<String>,
    pub contact_email: Option<String>,
    /// When set, `/metrics` is served to requests bearing it; when not, to loopback only.
    pub metrics_token: Option<String>,
    /// Audit records older than this many days are pruned (0 keeps them all).
    pub audit_retention_days: u32,
    /// Memory for finished public GET answers, in bytes (0 turns the cache off).
    pub response_cache_bytes: u64,
}

pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 1000;
pub const MAX_BATCH_SESSIONS: usize = 10_000;

impl Default for Settings {
    fn default() -> Self {
        Self {
            suppression_threshold: 5,
            read_rate_per_minute: 6000,
            write_rate_per_minute: 600,
            trust_forwarded_for: false,
            max_body_bytes: 32 * 1024 * 1024,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            public_base_url: None,
            request_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(30),
            contact_url: None,
            contact_email: None,
            metrics_token: None,
            audit_retention_days: 400,
            response_cache_bytes: 32 * 1024 * 1024,
        }
    }
}
