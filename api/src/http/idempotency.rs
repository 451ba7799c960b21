//! The `Idempotency-Key` flow around a write: the first request runs and its
//! answer is stored; a retry gets that answer replayed, typed as the
//! operation's own response (the storage rules are in `store::idempotency`).

use std::time::Duration;

use poem::Request;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use sea_orm::DatabaseConnection;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, Problem, WriteError};
use crate::store::idempotency::{self, Begin};

/// A write request as the idempotency store sees it.
pub struct Attempt<'a> {
    pub db: &'a DatabaseConnection,
    /// How long an answer is replayed.
    pub ttl: Duration,
    /// Keys are scoped to the API key that sent them.
    pub api_key_id: Uuid,
    /// The `Idempotency-Key` header; without one the work simply runs.
    pub key: Option<&'a str>,
    pub req: &'a Request,
    pub body: &'a [u8],
}

/// Runs `work` at most once per Idempotency-Key, replaying the stored answer to retries.
pub async fn run<T, F, Fut>(attempt: Attempt<'_>, work: F) -> Result<(u16, T), WriteError>
where
    T: ToJSON + ParseFromJSON,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(u16, T), ApiError>>,
{
    let Attempt {
        db,
        ttl,
        api_key_id,
        key,
        req,
        body,
    } = attempt;
    let Some(key) = key else {
        // A header that is there but was not read as text (bytes outside
        // visible ASCII) must not silently run the write without the
        // protection the client asked for.
        if req.headers().contains_key("Idempotency-Key") {
            return Err(idempotency::invalid_key().into());
        }
        return work().await.map_err(WriteError::from);
    };
    let hash = idempotency::request_hash(req.method().as_str(), req.uri().path(), body);
    let claim = match idempotency::begin(db, api_key_id, key, &hash, ttl).await? {
        Begin::Replay { status, body } => {
            let value: Value =
                serde_json::from_str(&body).map_err(|e| WriteError::from(ApiError::internal(e)))?;
            if status < 300 {
                let parsed = T::parse_from_json(Some(value))
                    .map_err(|e| WriteError::from(ApiError::internal(e.into_message())))?;
                return Ok((status, parsed));
            }
            let problem: Problem = serde_json::from_value(value)
                .map_err(|e| WriteError::from(ApiError::internal(e)))?;
            return Err(problem.into());
        }
        Begin::Proceed(claim) => claim,
    };
    let result = work().await;
    let (status, stored) = match &result {
        Ok((status, v)) => (*status, v.to_json_string()),
        Err(e) => (
            e.status.as_u16(),
            serde_json::to_string(&e.to_problem(Some(req.uri().path().to_owned())))
                .unwrap_or_default(),
        ),
    };
    claim.finish(db, status, stored).await?;
    result.map_err(WriteError::from)
}
