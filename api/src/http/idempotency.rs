//! A keyed write's transaction: the first request runs and its answer is
//! stored in the same transaction as the write; a retry gets that answer
//! replayed, typed as the operation's own response (the storage rules, and
//! why a crash never leaves a key blocked, are in `store::idempotency`).

use std::time::Duration;

use poem::Request;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, Problem, WriteError};
use crate::store::feed::SeqAllocator;
use crate::store::idempotency::{request_hash, Answer, Key};

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

/// Runs a write at most once per Idempotency-Key, replaying the stored answer
/// to retries. `prepare` checks the request (no transaction: a long
/// validation holds no lock); `write` gets the transaction, already holding
/// the feed lock, and returns the answer, which is stored before the
/// transaction commits. The transaction commits unless `write` fails.
pub async fn run<T, P, Prepare, Write>(
    attempt: Attempt<'_>,
    prepare: Prepare,
    write: Write,
) -> Result<(u16, T), WriteError>
where
    T: ToJSON + ParseFromJSON,
    Prepare: AsyncFnOnce() -> Result<P, ApiError>,
    Write: AsyncFnOnce(&DatabaseTransaction, SeqAllocator, P) -> Result<(u16, T), ApiError>,
{
    let Attempt {
        db,
        ttl,
        api_key_id,
        key,
        req,
        body,
    } = attempt;
    // A header that is there but was not read as text (bytes outside
    // visible ASCII) must not silently run the write without the
    // protection the client asked for.
    if key.is_none() && req.headers().contains_key("Idempotency-Key") {
        return Err(crate::store::idempotency::invalid_key().into());
    }
    let key = key
        .map(|k| {
            let hash = request_hash(req.method().as_str(), req.uri().path(), body);
            Key::parse(api_key_id, k, hash, ttl)
        })
        .transpose()?;
    // A retry of an answered request is the common case: answered without a lock.
    if let Some(answer) = match &key {
        Some(key) => key.answer(db).await?,
        None => None,
    } {
        return replay(answer);
    }
    let result = match prepare().await {
        Ok(input) => match write_once(db, key.as_ref(), input, write).await {
            Ok(Settled::Written(status, value)) => Ok((status, value)),
            Ok(Settled::Replay(answer)) => return replay(answer),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let (Some(key), Err(refusal)) = (&key, &result) else {
        return result.map_err(WriteError::from);
    };
    if refusal.status.is_server_error() {
        return Err(refusal.clone().into());
    }
    let problem = refusal.to_problem(Some(req.uri().path().to_owned()));
    let body = serde_json::to_string(&problem).map_err(ApiError::internal)?;
    match record_refusal(db, key, refusal.status.as_u16(), body).await? {
        // A duplicate sent beside this one was answered first: one key, one answer.
        Some(answer) => replay(answer),
        None => Err(refusal.clone().into()),
    }
}

enum Settled<T> {
    Written(u16, T),
    Replay(Answer),
}

/// The write and its stored answer, in one transaction that starts with the
/// feed lock. Under the lock the stored answer is final: a duplicate that got
/// here first has committed, and its answer is replayed instead of writing.
async fn write_once<T, P, Write>(
    db: &DatabaseConnection,
    key: Option<&Key>,
    input: P,
    write: Write,
) -> Result<Settled<T>, ApiError>
where
    T: ToJSON,
    Write: AsyncFnOnce(&DatabaseTransaction, SeqAllocator, P) -> Result<(u16, T), ApiError>,
{
    let txn = db.begin().await?;
    let seqs = SeqAllocator::lock(&txn).await?;
    if let Some(answer) = match key {
        Some(key) => key.answer(&txn).await?,
        None => None,
    } {
        txn.rollback().await?;
        return Ok(Settled::Replay(answer));
    }
    let (status, value) = match write(&txn, seqs, input).await {
        Ok(written) => written,
        Err(e) => {
            txn.rollback().await?;
            return Err(e);
        }
    };
    if let Some(key) = key {
        key.record(&txn, status, value.to_json_string()).await?;
    }
    txn.commit().await?;
    Ok(Settled::Written(status, value))
}

/// A refused request wrote nothing; its answer is stored on its own (under
/// the feed lock, like every answer), unless one was stored meanwhile.
async fn record_refusal(
    db: &DatabaseConnection,
    key: &Key,
    status: u16,
    body: String,
) -> Result<Option<Answer>, ApiError> {
    let txn = db.begin().await?;
    SeqAllocator::lock(&txn).await?;
    if let Some(answer) = key.answer(&txn).await? {
        txn.rollback().await?;
        return Ok(Some(answer));
    }
    key.record(&txn, status, body).await?;
    txn.commit().await?;
    Ok(None)
}

/// A stored answer, typed as the operation's response or as its problem.
// The error is the operation's own response enum, as `run` returns it.
#[allow(clippy::result_large_err)]
fn replay<T: ParseFromJSON>(answer: Answer) -> Result<(u16, T), WriteError> {
    let value: Value =
        serde_json::from_str(&answer.body).map_err(|e| WriteError::from(ApiError::internal(e)))?;
    if answer.status < 300 {
        let parsed = T::parse_from_json(Some(value))
            .map_err(|e| WriteError::from(ApiError::internal(e.into_message())))?;
        return Ok((answer.status, parsed));
    }
    let problem: Problem =
        serde_json::from_value(value).map_err(|e| WriteError::from(ApiError::internal(e)))?;
    Err(problem.into())
}
