//! The audit trail as clients see it.

use chrono::{DateTime, Utc};
use entity::audit_log;
use poem_openapi::{Enum, Object};
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::formats::{Cell, FlatRecord};
use crate::vocab::AuditOperation;

/// Who made the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum AuditActor {
    /// A request with an API key (`api_key_id` says which).
    Key,
    /// An operator's command on the server (`population import`); no key.
    Cli,
}

/// One accepted write. Recorded in the write's own transaction: a write that
/// was refused or rolled back has no record, a committed one always has one.
/// An unchanged write is recorded too (`unchanged` says so).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct AuditRecord {
    /// Position in the trail; higher is later (commit order).
    pub id: i64,
    /// When the write was made (RFC 3339, UTC).
    pub at: DateTime<Utc>,
    pub actor: AuditActor,
    /// The API key's id (as `keys list` shows it), never its secret; null for `cli`.
    pub api_key_id: Option<Uuid>,
    /// The municipality written; null for a programme.
    pub municipality_code: Option<String>,
    pub operation: AuditOperation,
    /// What the write addressed: the session's `external_id`, the programme's
    /// slug, or the population year(s) (comma-separated); null for a batch.
    pub target: Option<String>,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub deleted: i64,
    /// The request's `X-Request-Id`, to find its log lines; null for `cli`.
    pub request_id: Option<String>,
}

impl poem_openapi::types::Example for AuditRecord {
    fn example() -> Self {
        Self {
            id: 4711,
            at: "2026-11-27T01:12:09.123456Z".parse().unwrap_or_default(),
            actor: AuditActor::Key,
            api_key_id: Uuid::parse_str("0b6d5c38-3e0a-4f55-9a52-6f7d2f1c9e01").ok(),
            municipality_code: Some("1980".into()),
            operation: AuditOperation::BatchReplace,
            target: None,
            created: 3,
            updated: 1,
            unchanged: 412,
            deleted: 2,
            request_id: Some("5f0e9a86-2c1b-4d8e-9a3f-7b6c5d4e3f21".into()),
        }
    }
}

impl TryFrom<audit_log::Model> for AuditRecord {
    type Error = ApiError;
    fn try_from(m: audit_log::Model) -> Result<Self, ApiError> {
        let operation = AuditOperation::parse(&m.operation).ok_or_else(|| {
            ApiError::internal(format!(
                "audit record {} has operation {}",
                m.id, m.operation
            ))
        })?;
        Ok(Self {
            id: m.id,
            at: m.at,
            actor: if m.actor == "cli" {
                AuditActor::Cli
            } else {
                AuditActor::Key
            },
            api_key_id: m.api_key_id,
            municipality_code: m.municipality_code,
            operation,
            target: m.target,
            created: m.created,
            updated: m.updated,
            unchanged: m.unchanged,
            deleted: m.deleted,
            request_id: m.request_id,
        })
    }
}

/// A page of the audit trail, newest first.
#[derive(Debug, Clone, Object)]
pub struct AuditPage {
    pub data: Vec<AuditRecord>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// The next page's URL, filters included; null on the last page.
    pub next: Option<String>,
}

crate::list_page!(AuditPage, AuditRecord);

impl FlatRecord for AuditRecord {
    fn columns() -> &'static [&'static str] {
        &[
            "id",
            "at",
            "actor",
            "api_key_id",
            "municipality_code",
            "operation",
            "target",
            "created",
            "updated",
            "unchanged",
            "deleted",
            "request_id",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        vec![
            self.id.into(),
            self.at.to_rfc3339().into(),
            match self.actor {
                AuditActor::Key => "key",
                AuditActor::Cli => "cli",
            }
            .into(),
            self.api_key_id.map(|k| k.to_string()).into(),
            self.municipality_code.as_ref().into(),
            self.operation.as_str().into(),
            self.target.as_ref().into(),
            self.created.into(),
            self.updated.into(),
            self.unchanged.into(),
            self.deleted.into(),
            self.request_id.as_ref().into(),
        ]
    }
}
