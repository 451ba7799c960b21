//! `Idempotency-Key` for writes (IETF httpapi-idempotency-key-header draft):
//! the first request with a key is processed and its response stored; a retry
//! with the same key and the same body gets the stored response replayed; the
//! same key with another body is a 422; a retry while the first is still
//! running is a 409. Keys are scoped to the API key and kept for the
//! configured TTL (24 h by default, shown in `/v1/api-info`).

use std::time::Duration;

use chrono::Utc;
use entity::idempotency_record as record;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

/// A first request abandoned by a crashed server stops blocking retries after this.
const ABANDONED_AFTER: chrono::Duration = chrono::Duration::minutes(5);

pub enum Begin {
    /// Process the request, then call `finish`.
    Proceed(Claim),
    /// The stored answer to the same request.
    Replay { status: u16, body: String },
}

pub struct Claim {
    api_key_id: Uuid,
    key: String,
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

fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(invalid_key());
    }
    Ok(())
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

pub async fn begin(
    db: &impl ConnectionTrait,
    api_key_id: Uuid,
    key: &str,
    hash: &str,
    ttl: Duration,
) -> Result<Begin, ApiError> {
    check_key(key)?;
    let now = Utc::now();
    let expired_before = now - chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(1));
    record::Entity::delete_many()
        .filter(record::Column::CreatedAt.lt(expired_before))
        .exec(db)
        .await?;
    for _ in 0..2 {
        let claim = record::ActiveModel {
            api_key_id: Set(api_key_id),
            key: Set(key.to_owned()),
            request_hash: Set(hash.to_owned()),
            status: Set(None),
            response_body: Set(None),
            created_at: Set(now),
        };
        let inserted = record::Entity::insert(claim)
            .on_conflict(
                OnConflict::columns([record::Column::ApiKeyId, record::Column::Key])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        if inserted == 1 {
            return Ok(Begin::Proceed(Claim {
                api_key_id,
                key: key.to_owned(),
            }));
        }
        let Some(existing) = record::Entity::find_by_id((api_key_id, key.to_owned()))
            .one(db)
            .await?
        else {
            continue;
        };
        if existing.request_hash != hash {
            return Err(ApiError::unprocessable(
                "this Idempotency-Key was already used with a different request; use a new key for a new request",
                vec![FieldError::param("Idempotency-Key", "reused with a different request body or path")],
            ));
        }
        match (existing.status, existing.response_body) {
            (Some(status), Some(body)) => {
                return Ok(Begin::Replay {
                    status: status as u16,
                    body,
                })
            }
            _ if now - existing.created_at > ABANDONED_AFTER => {
                record::Entity::delete_by_id((api_key_id, key.to_owned()))
                    .exec(db)
                    .await?;
            }
            _ => {
                return Err(ApiError::conflict(
                    "a request with this Idempotency-Key is still being processed; retry later",
                ))
            }
        }
    }
    Err(ApiError::conflict(
        "a request with this Idempotency-Key is still being processed; retry later",
    ))
}

impl Claim {
    /// Stores the answer for replay; a server error is not stored, so a retry runs again.
    pub async fn finish(
        self,
        db: &impl ConnectionTrait,
        status: u16,
        body: String,
    ) -> Result<(), ApiError> {
        let id = (self.api_key_id, self.key);
        if status >= 500 {
            record::Entity::delete_by_id(id).exec(db).await?;
            return Ok(());
        }
        record::Entity::update_many()
            .col_expr(
                record::Column::Status,
                sea_orm::sea_query::Expr::value(status as i32),
            )
            .col_expr(
                record::Column::ResponseBody,
                sea_orm::sea_query::Expr::value(body),
            )
            .filter(record::Column::ApiKeyId.eq(id.0))
            .filter(record::Column::Key.eq(id.1))
            .exec(db)
            .await?;
        Ok(())
    }
}
