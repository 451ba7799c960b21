//! Rate limits: anonymous reads per client address, writes per API key, each a
//! GCRA quota per minute with bursts up to the quota. Beyond it: 429 problem
//! with `Retry-After`. Limits are per instance; behind a load balancer of N
//! instances a client gets at most N times the quota.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use poem::http::{header, Method};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub struct Limiters {
    reads: Option<DefaultKeyedRateLimiter<String>>,
    writes: Option<DefaultKeyedRateLimiter<String>>,
    trust_forwarded_for: bool,
}

fn limiter(per_minute: u32) -> Option<DefaultKeyedRateLimiter<String>> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

impl Limiters {
    pub fn new(
        read_per_minute: u32,
        write_per_minute: u32,
        trust_forwarded_for: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            reads: limiter(read_per_minute),
            writes: limiter(write_per_minute),
            trust_forwarded_for,
        })
    }
}

/// The client address a read is counted against. Behind a trusted proxy it is
/// the **last** `X-Forwarded-For` entry: the one the proxy added for the peer
/// it saw. Entries before it are whatever the client sent and prove nothing;
/// counting the first would let any client choose its own bucket.
fn client_address(req: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let last = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .next_back()
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if let Some(last) = last {
            return last.to_owned();
        }
    }
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The credential as authentication reads it: the scheme in any letter case
/// and any spacing is one scheme (`Bearer`, `bearer`, `BEARER  x` are the same
/// key), so spelling it differently does not buy a fresh budget.
fn credential(header: Option<&str>) -> String {
    let Some(value) = header.map(str::trim) else {
        return "anonymous".to_owned();
    };
    match value.split_once(char::is_whitespace) {
        Some((scheme, token)) => format!("{} {}", scheme.to_ascii_lowercase(), token.trim()),
        None => value.to_owned(),
    }
}

pub async fn limit<E: Endpoint>(
    next: E,
    req: Request,
    limiters: Arc<Limiters>,
) -> Result<Response> {
    let is_read = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (limiter, key) = if is_read {
        if !req.uri().path().starts_with("/v1/") {
            return Ok(next.call(req).await?.into_response());
        }
        (
            &limiters.reads,
            client_address(&req, limiters.trust_forwarded_for),
        )
    } else {
        // Keyed on the presented credential; its hash keeps secrets out of memory dumps.
        let credential = credential(req.header(header::AUTHORIZATION));
        (
            &limiters.writes,
            hex::encode(&Sha256::digest(credential.as_bytes())[..12]),
        )
    };
    if let Some(limiter) = limiter {
        if let Err(not_until) = limiter.check_key(&key) {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(ApiError::too_many_requests(wait.as_secs().max(1)).into());
        }
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
    }
    Ok(next.call(req).await?.into_response())
}

#[cfg(test)]
mod tests {
    use super::credential;

    #[test]
    fn one_key_is_one_budget_however_its_scheme_is_spelled() {
        let one = credential(Some("Bearer fst_abc"));
        for spelling in [
            "bearer fst_abc",
            "BEARER fst_abc",
            "BeArEr   fst_abc",
            " Bearer fst_abc ",
        ] {
            assert_eq!(credential(Some(spelling)), one, "{spelling}");
        }
        assert_ne!(credential(Some("Bearer fst_abd")), one);
        assert_eq!(credential(None), "anonymous");
    }
}
