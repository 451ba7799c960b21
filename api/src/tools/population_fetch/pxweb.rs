//! A polite client of PxWebApi 2.0: it asks the installation for its limits
//! (`GET {base}/config`), never sends more calls in a time window than it
//! allows, and waits and tries again when told to (429 with `Retry-After`)
//! or when the server fails for a moment (5xx, a dropped connection).
//!
//! reqwest (with rustls) is what the sync client already uses; a second
//! HTTP stack for one command would buy nothing.

use std::collections::VecDeque;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::time::Instant;

use crate::tools::retry;

/// SCB's own installation of PxWebApi 2.0.
pub const SCB_BASE_URL: &str = "https://api.scb.se/OV0104/v2beta/api/v2";

/// SCB's published limits: 150,000 cells per request, 30 calls per 10
/// seconds per IP address. Used when `/config` does not announce a limit: a
/// `0` there means "announced elsewhere", never "unlimited".
const SCB_MAX_CELLS: u64 = 150_000;
const SCB_CALLS_PER_WINDOW: usize = 30;
const SCB_WINDOW: Duration = Duration::from_secs(10);

/// How many cells one request may select and how many calls a window allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_cells: u64,
    pub calls: usize,
    pub window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_cells: SCB_MAX_CELLS,
            calls: SCB_CALLS_PER_WINDOW,
            window: SCB_WINDOW,
        }
    }
}

impl Limits {
    /// The limits `/config` announces, SCB's published ones where it is silent.
    pub fn from_config(config: &Value) -> Self {
        let positive = |key: &str| config.get(key).and_then(Value::as_u64).filter(|&n| n > 0);
        let default = Self::default();
        match (positive("maxCallsPerTimeWindow"), positive("timeWindow")) {
            (Some(calls), Some(seconds)) => Self {
                max_cells: positive("maxDataCells").unwrap_or(default.max_cells),
                calls: usize::try_from(calls).unwrap_or(default.calls),
                window: Duration::from_secs(seconds),
            },
            _ => Self {
                max_cells: positive("maxDataCells").unwrap_or(default.max_cells),
                ..default
            },
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    limits: Limits,
    /// When the calls of the current window were sent, oldest first.
    sent: VecDeque<Instant>,
    retries: u32,
    backoff: Duration,
    /// Calls sent, retries included: the operator's report, and the tests'.
    pub calls: usize,
}

impl Client {
    pub fn new(base: &str, retries: u32, backoff: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .user_agent(concat!(
                "foraldraskapsstod-population-fetch/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| format!("cannot set up HTTP: {e}"))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            limits: Limits::default(),
            sent: VecDeque::new(),
            retries,
            backoff,
            calls: 0,
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Reads the installation's limits. A mirror without `/config` (or one
    /// that answers it with something else) is held to SCB's limits.
    pub async fn configure(&mut self) -> Limits {
        let url = format!("{}/config", self.base);
        let http = self.http.clone();
        let config = match self.call("the API configuration", || http.get(&url)).await {
            Ok(bytes) => serde_json::from_slice::<Value>(&bytes).ok(),
            Err(e) => {
                tracing::warn!(error = %e, "no PxWebApi configuration; keeping to SCB's published limits");
                None
            }
        };
        self.limits = config.as_ref().map(Limits::from_config).unwrap_or_default();
        self.limits
    }

    /// `GET {base}/{path}`: the body of a successful answer.
    pub async fn get(&mut self, what: &str, path: &str) -> Result<Vec<u8>, String> {
        let url = format!("{}/{path}", self.base);
        let http = self.http.clone();
        self.call(what, || http.get(&url)).await
    }

    /// `POST {base}/{path}` with a JSON body.
    pub async fn post(&mut self, what: &str, path: &str, body: &Value) -> Result<Vec<u8>, String> {
        let url = format!("{}/{path}", self.base);
        let http = self.http.clone();
        self.call(what, || http.post(&url).json(body)).await
    }

    /// Sends a request until it succeeds, fails for good, or the retries are
    /// spent; every attempt waits for its place in the time window.
    async fn call(
        &mut self,
        what: &str,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Vec<u8>, String> {
        let mut attempt = 0;
        loop {
            self.wait_for_slot().await;
            self.calls += 1;
            let (problem, wait) = match request().send().await {
                Ok(answer) if answer.status().is_success() => match answer.bytes().await {
                    Ok(body) => return Ok(body.to_vec()),
                    Err(e) => (format!("the answer broke off: {e}"), None),
                },
                Ok(answer) => {
                    let status = answer.status();
                    let asked = retry::retry_after(answer.headers());
                    let detail = problem_detail(&answer.text().await.unwrap_or_default());
                    let problem = format!("{what}: the server answered {status}{detail}");
                    if !retry::worth_retrying(status) {
                        return Err(problem);
                    }
                    // A 429 without Retry-After: the window the limits name.
                    let wait =
                        asked
                            .or((status == StatusCode::TOO_MANY_REQUESTS)
                                .then_some(self.limits.window));
                    (problem, wait)
                }
                Err(e) => (format!("{what}: {}", network_problem(&e)), None),
            };
            let wait =
                retry::wait_before_retry(problem, wait, attempt, self.retries, self.backoff)?;
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Keeps at most `limits.calls` calls inside any `limits.window`.
    async fn wait_for_slot(&mut self) {
        let Limits { calls, window, .. } = self.limits;
        while self.sent.front().is_some_and(|&t| t.elapsed() >= window) {
            self.sent.pop_front();
        }
        if self.sent.len() >= calls.max(1) {
            if let Some(&oldest) = self.sent.front() {
                tokio::time::sleep_until(oldest + window).await;
            }
            self.sent.pop_front();
        }
        self.sent.push_back(Instant::now());
    }
}

/// PxWebApi answers errors as problem details (`title`, `detail`).
fn problem_detail(body: &str) -> String {
    let text = match serde_json::from_str::<Value>(body) {
        Ok(v) => {
            let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            match (field("title"), field("detail")) {
                (Some(t), Some(d)) => format!("{t}: {d}"),
                (Some(s), None) | (None, Some(s)) => s,
                (None, None) => String::new(),
            }
        }
        Err(_) => body.trim().chars().take(200).collect(),
    };
    if text.is_empty() {
        text
    } else {
        format!(" ({text})")
    }
}

fn network_problem(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "no answer in time".into()
    } else if e.is_connect() {
        format!("cannot connect ({e})")
    } else {
        format!("the request failed ({e})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn population_fetch_keeps_to_the_limits_config_announces_else_scbs() {
        let scb = json!({"maxDataCells": 150000, "maxCallsPerTimeWindow": 30, "timeWindow": 10});
        assert_eq!(Limits::from_config(&scb), Limits::default());
        let strict = json!({"maxDataCells": 2000, "maxCallsPerTimeWindow": 3, "timeWindow": 1});
        assert_eq!(
            Limits::from_config(&strict),
            Limits {
                max_cells: 2000,
                calls: 3,
                window: Duration::from_secs(1)
            }
        );
        // SSB's installation says 0 and announces its limit in headers.
        let silent = json!({"maxDataCells": 800000, "maxCallsPerTimeWindow": 0, "timeWindow": 0});
        let limits = Limits::from_config(&silent);
        assert_eq!((limits.calls, limits.window), (30, SCB_WINDOW));
        assert_eq!(limits.max_cells, 800_000);
    }

    #[test]
    fn population_fetch_reads_pxwebapi_problem_details() {
        let body = r#"{"type":"x","title":"Non-existent value","status":400,"detail":"Tid: 2031"}"#;
        assert_eq!(problem_detail(body), " (Non-existent value: Tid: 2031)");
        assert_eq!(problem_detail(""), "");
        assert_eq!(problem_detail("Bad gateway"), " (Bad gateway)");
    }
}
