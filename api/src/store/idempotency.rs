//! `Idempotency-Key` for writes (IETF httpapi-idempotency-key-header draft):
//! the first request with a key is processed and its answer stored; a retry
//! with the same key and the same request gets the stored answer replayed; the
//! same key with another request is a 422. Keys are scoped to the API key and
//! kept for the configured TTL (24 h by default, shown in `/v1/api-info`).
//!
//! Why a crash never leaves a key blocked: an answer is recorded only by a
//! transaction holding the feed lock (`feed::SeqAllocator::lock`). An accepted
//! write records its answer in its own transaction, so the answer commits or
//! rolls back with the write: a killed or timed-out request leaves nothing,
//! and its retry simply runs. The feed lock serializes writers, so a duplicate
//! sent while the first still runs waits for it, then finds its answer under
//! the lock and replays it: the write never runs twice. A refused request
//! (4xx) wrote nothing; its answer is recorded in a small transaction of its
//! own, under the same lock. Server errors are not recorded: a retry runs
//! again.
//!
//! Earlier versions claimed a key in a transaction of its own before writing
//! (a row without an answer). Such a claim may still be found in a database
//! they used: a young one means an older instance may still be running that
//! request (409), one older than five minutes was abandoned and is replaced.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::idempotency_record as record;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

/// A claim without an answer, left by an earlier version, blocks retries this long.
const ABANDONED_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// A stored answer, to be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// One request's `Idempotency-Key`, scoped to the API key that sent it.
#[derive(Debug, Clone)]
pub struct Key {
    api_key_id: Uuid,
    key: String,
    request_hash: String,
    ttl: chrono::Duration,
}

pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

/// The answer to an `Idempotency-Key` that is not 1–255 printable ASCII characters.
pub fn invalid_key() -> ApiError {
    ApiError::bad_request("Idempotency-Key must be 1–255 printable ASCII characters").with_errors(
        vec![FieldError::param(
            "Idempotency-Key",
            "must be 1–255 printable ASCII characters",
        )],
    )
}

impl Key {
    /// The key as sent, checked: 1–255 printable ASCII characters.
    pub fn parse(
        api_key_id: Uuid,
        key: &str,
        request_hash: String,
        ttl: Duration,
    ) -> Result<Self, ApiError> {
        if key.is_empty()
            || key.len() > 255
            || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        {
            return Err(invalid_key());
        }
        Ok(Self {
            api_key_id,
            key: key.to_owned(),
            request_hash,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(1)),
        })
    }

    fn expired_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.ttl
    }

    /// The answer stored for this key, if one is still replayed; a 422 when
    /// the key was used for another request. Before the write's transaction
    /// this is a plain read (a retry of an answered request takes no lock);
    /// inside it, after the feed lock, it is final: every answer is recorded
    /// under that lock.
    pub async fn answer(&self, db: &impl ConnectionTrait) -> Result<Option<Answer>, ApiError> {
        let now = Utc::now();
        let Some(stored) = record::Entity::find_by_id((self.api_key_id, self.key.clone()))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        if stored.created_at < self.expired_before(now) {
            return Ok(None);
        }
        if stored.request_hash != self.request_hash {
            return Err(ApiError::unprocessable(
                "this Idempotency-Key was already used with a different request; use a new key for a new request",
                vec![FieldError::param("Idempotency-Key", "reused with a different request body or path")],
            ));
        }
        match (stored.status, stored.response_body) {
            (Some(status), Some(body)) => Ok(Some(Answer {
                status: u16::try_from(status).unwrap_or(500),
                body,
            })),
            _ if now - stored.created_at > ABANDONED_AFTER => Ok(None),
            _ => Err(ApiError::conflict(
                "a request with this Idempotency-Key is still being processed; retry later",
            )),
        }
    }

    /// Records the answer in `txn`, which holds the feed lock and found no
    /// answer (`answer`) under it; also drops expired records. A server error
    /// is never recorded: a retry runs again.
    pub async fn record(
        &self,
        txn: &DatabaseTransaction,
        status: u16,
        body: String,
    ) -> Result<(), ApiError> {
        if status >= 500 {
            return Ok(());
        }
        let now = Utc::now();
        record::Entity::delete_many()
            .filter(record::Column::CreatedAt.lt(self.expired_before(now)))
            .exec(txn)
            .await?;
        let row = record::ActiveModel {
            api_key_id: Set(self.api_key_id),
            key: Set(self.key.clone()),
            request_hash: Set(self.request_hash.clone()),
            status: Set(Some(i32::from(status))),
            response_body: Set(Some(body)),
            created_at: Set(now),
        };
        // Replaces only what `answer` let pass: an abandoned claim of an
        // earlier version.
        record::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([record::Column::ApiKeyId, record::Column::Key])
                    .update_columns([
                        record::Column::RequestHash,
                        record::Column::Status,
                        record::Column::ResponseBody,
                        record::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        Ok(())
    }
}
