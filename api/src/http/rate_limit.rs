//! Rate limits: anonymous reads per client address, writes per API key, each a
//! GCRA quota per minute with bursts up to the quota. Beyond it: 429 problem
//! with `Retry-After`. Limits are per instance; behind a load balancer of N
//! instances a client gets at most N times the quota.
//!
//! Every limited answer, a 429 included, says where the client stands, in the
//! fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers-07):
//! `RateLimit-Limit` (the quota per minute), `RateLimit-Remaining` (requests
//! it may still make at once) and `RateLimit-Reset` (seconds until the quota
//! is whole again), so a client can pace itself instead of meeting a 429.

use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use poem::http::{header, HeaderValue, Method};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::keys;

/// A keyed limiter that reports, on every admitted request, how much of the
/// quota is left.
type Limiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

pub struct Limiters {
    reads: Option<Limiter>,
    writes: Option<Limiter>,
    trust_forwarded_for: bool,
}

fn limiter(per_minute: u32) -> Option<Limiter> {
    NonZeroU32::new(per_minute).map(|n| {
        RateLimiter::keyed(Quota::per_minute(n)).with_middleware::<StateInformationMiddleware>()
    })
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

/// Whose write budget a write spends: a known key's own, by its id (however
/// its scheme is spelled); anything else, a made-up key or none, one budget
/// per client address, so inventing keys buys no writes.
async fn writer(req: &Request, limiters: &Limiters, db: &DatabaseConnection) -> Result<String> {
    let token = req
        .header(header::AUTHORIZATION)
        .and_then(keys::bearer_token);
    if let Some(token) = token {
        match keys::authenticate(db, token).await {
            Ok(principal) => return Ok(format!("key {}", principal.key_id)),
            Err(e) if e.is_database_unavailable() => return Err(e.into()),
            Err(_) => {}
        }
    }
    let address = client_address(req, limiters.trust_forwarded_for);
    Ok(format!(
        "unknown {}",
        hex::encode(&Sha256::digest(address.as_bytes())[..12])
    ))
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a request counts against a quota: every write, and the API's
/// reads (not the pages, the docs or the operations endpoints).
pub fn is_limited(method: &Method, path: &str) -> bool {
    !is_read(method) || !path.starts_with("/health/")
}

pub async fn limit<E: Endpoint>(
    next: E,
    req: Request,
    limiters: Arc<Limiters>,
    db: DatabaseConnection,
) -> Result<Response> {
    let is_read = is_read(req.method());
    if !is_limited(req.method(), req.uri().path()) {
        return Ok(next.call(req).await?.into_response());
    }
    let limiter = if is_read {
        &limiters.reads
    } else {
        &limiters.writes
    };
    let Some(limiter) = limiter else {
        return Ok(next.call(req).await?.into_response());
    };
    let key = if is_read {
        client_address(&req, limiters.trust_forwarded_for)
    } else {
        writer(&req, &limiters, &db).await?
    };
    let checked = limiter.check_key(&key);
    if limiter.len() > 100_000 {
        limiter.retain_recent();
    }
    let standing = req.data::<Standing>().cloned();
    let tell = |s: Stand| {
        if let Some(standing) = &standing {
            let _ = standing.0.set(s);
        }
    };
    match checked {
        Ok(state) => {
            tell(Stand::of(&state.quota(), state.remaining_burst_capacity()));
            Ok(next.call(req).await?.into_response())
        }
        Err(not_until) => {
            tell(Stand::of(&not_until.quota(), 0));
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Err(ApiError::too_many_requests(wait.as_secs().max(1)).into())
        }
    }
}

/// Where a client stands against its quota, for [`standing_headers`] to send.
#[derive(Clone, Copy)]
struct Stand {
    limit: u32,
    remaining: u32,
    /// Seconds until the quota is whole again.
    reset: u64,
}

impl Stand {
    /// One request's worth of quota returns every replenish interval.
    fn of(quota: &Quota, remaining: u32) -> Self {
        let missing = quota.burst_size().get().saturating_sub(remaining);
        let reset = quota.replenish_interval().as_secs_f64() * f64::from(missing);
        Self {
            limit: quota.burst_size().get(),
            remaining,
            reset: reset.ceil() as u64,
        }
    }
}

/// The slot [`limit`] fills for this request.
#[derive(Clone, Default)]
struct Standing(Arc<OnceLock<Stand>>);

/// Sends the `RateLimit-*` fields on every answer the limiter counted, the
/// errors and the 429 included: it wraps the problems layer, which turns
/// every error into an answer, so it sees them all.
pub async fn standing_headers<E: Endpoint>(next: E, mut req: Request) -> Result<Response> {
    let standing = Standing::default();
    req.set_data(standing.clone());
    let mut resp = next.call(req).await?.into_response();
    if let Some(s) = standing.0.get() {
        let headers = resp.headers_mut();
        headers.insert("ratelimit-limit", HeaderValue::from(s.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(s.remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(s.reset));
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use crate::store::keys::bearer_token;

    #[test]
    fn a_bearer_token_is_read_whatever_the_schemes_letter_case() {
        for spelling in [
            "Bearer fst_abc",
            "bearer fst_abc",
            "BEARER fst_abc",
            " BeArEr   fst_abc ",
        ] {
            assert_eq!(bearer_token(spelling), Some("fst_abc"), "{spelling}");
        }
        assert_eq!(bearer_token("Basic fst_abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("fst_abc"), None);
    }
}
