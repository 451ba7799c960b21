//! The audit trail: who wrote what, when, and how much it changed.
//!
//! A record is inserted by the writing transaction itself, after the feed
//! lock (`feed::SeqAllocator::lock`), so a write that rolls back or is
//! refused leaves no record, a committed one always has its record, and ids
//! are handed out in commit order: keyset pages by id never skip or repeat.
//! An unchanged write is still an accepted write and is recorded (its counts
//! say `unchanged`); an idempotent replay writes nothing and is not.

use chrono::{DateTime, Duration, Utc};
use entity::audit_log;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::feed::now;
use crate::error::ApiError;
use crate::vocab::{AuditOperation, MunicipalityCode};

/// Who is writing: an API key (with the request's id), or the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub key_id: Option<Uuid>,
    pub request_id: Option<String>,
}

impl Actor {
    pub fn key(key_id: Uuid, request_id: impl Into<String>) -> Self {
        let request_id = Some(request_id.into()).filter(|r: &String| !r.is_empty());
        Self {
            key_id: Some(key_id),
            request_id,
        }
    }

    /// An operator's command on the server itself: no key, no request.
    pub fn cli() -> Self {
        Self {
            key_id: None,
            request_id: None,
        }
    }

    fn kind(&self) -> &'static str {
        if self.key_id.is_some() {
            "key"
        } else {
            "cli"
        }
    }
}

/// What a write did, by outcome; also the batch response's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

/// One record to be written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub operation: AuditOperation,
    pub municipality: Option<String>,
    /// The external_id, slug or year(s) the write addressed.
    pub target: Option<String>,
    pub counts: Counts,
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Inserts `entries` inside the writing transaction `txn`.
pub async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    entries: Vec<Entry>,
) -> Result<(), ApiError> {
    let at = now();
    let rows: Vec<audit_log::ActiveModel> = entries
        .into_iter()
        .map(|e| audit_log::ActiveModel {
            at: Set(at),
            actor: Set(actor.kind().to_owned()),
            api_key_id: Set(actor.key_id),
            municipality_code: Set(e.municipality),
            operation: Set(e.operation.as_str().to_owned()),
            target: Set(e.target),
            created: Set(signed(e.counts.created)),
            updated: Set(signed(e.counts.updated)),
            unchanged: Set(signed(e.counts.unchanged)),
            deleted: Set(signed(e.counts.deleted)),
            request_id: Set(actor.request_id.clone()),
            ..Default::default()
        })
        .collect();
    // Well under SQLite's bound-parameter limit per statement.
    for chunk in rows.chunks(500) {
        audit_log::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Which records a reader asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub municipality: Option<MunicipalityCode>,
    pub since: Option<DateTime<Utc>>,
    pub operation: Option<AuditOperation>,
}

impl AuditFilter {
    /// Bound into cursors, so a cursor cannot be reused under other filters.
    pub fn canonical(&self) -> String {
        format!(
            "audit|{:?}|{:?}|{:?}",
            self.municipality,
            self.since.map(|t| t.timestamp_micros()),
            self.operation.map(AuditOperation::as_str)
        )
    }
}

/// A page of records, newest first (by id, which is commit order), after
/// the id `after`; with the id of its last row when there are more.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<(Vec<audit_log::Model>, Option<i64>), ApiError> {
    let mut q = audit_log::Entity::find();
    if let Some(m) = &filter.municipality {
        q = q.filter(audit_log::Column::MunicipalityCode.eq(m.as_str()));
    }
    if let Some(t) = filter.since {
        q = q.filter(audit_log::Column::At.gte(t));
    }
    if let Some(op) = filter.operation {
        q = q.filter(audit_log::Column::Operation.eq(op.as_str()));
    }
    if let Some(id) = after {
        q = q.filter(audit_log::Column::Id.lt(id));
    }
    let mut rows = q
        .order_by_desc(audit_log::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let last = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows, last))
}

/// Deletes every record made before `before`; returns how many.
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, ApiError> {
    Ok(audit_log::Entity::delete_many()
        .filter(audit_log::Column::At.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes the records older than `retention_days` before `now`; a
/// retention of 0 keeps everything.
pub async fn prune_expired(
    db: &impl ConnectionTrait,
    retention_days: u32,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    if retention_days == 0 {
        return Ok(0);
    }
    prune(db, now - Duration::days(i64::from(retention_days))).await
}
