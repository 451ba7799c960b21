//! How the fetch tools retry a statistics API politely: the one rule both
//! `population fetch` (SCB) and `outcomes fetch` (Kolada) follow.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// Longer than this the server's request to wait is not waited out: the
/// operator is told to try again later.
pub const LONGEST_WAIT: Duration = Duration::from_secs(120);

/// Whether an unsuccessful status may be asked again: a rate limit or a
/// server error, never a refusal of the request itself.
pub fn worth_retrying(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` in seconds. An HTTP date is not read: the clocks of client
/// and server need not agree, so the caller waits a window (429) or backs
/// off (5xx) instead.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// How long to wait before attempt `attempt + 1` after `problem`: the
/// server's `asked` wait, else `backoff` doubled per attempt; an error once
/// `retries` are spent or the wait is longer than [`LONGEST_WAIT`].
pub fn wait_before_retry(
    problem: String,
    asked: Option<Duration>,
    attempt: u32,
    retries: u32,
    backoff: Duration,
) -> Result<Duration, String> {
    if attempt >= retries {
        return Err(format!("{problem} (tried {} time(s))", attempt + 1));
    }
    let wait = asked.unwrap_or(backoff * 2u32.saturating_pow(attempt));
    if wait > LONGEST_WAIT {
        return Err(format!(
            "{problem}; it asks to wait {} s: try again later",
            wait.as_secs()
        ));
    }
    tracing::info!(%problem, wait_ms = wait.as_millis() as u64, "trying again");
    Ok(wait)
}
