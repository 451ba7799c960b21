//! Writing a municipality's sessions: single upserts, batches, full replaces
//! and deletes, all-or-nothing in one transaction that also moves the change
//! feed and the reach rollup.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{session, tombstone};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, TransactionTrait,
};
use uuid::Uuid;

use super::batch::{Mode, ParsedBatch, Scope};
use super::store::insert_many;
use super::validate::SessionFields;
use crate::error::{ApiError, FieldError};
pub use crate::store::audit::Counts;
use crate::store::audit::{self, Actor, Entry};
use crate::store::feed::{now, SeqAllocator};
use crate::store::rollup::{self, Deltas};
use crate::vocab::{AuditOperation, MunicipalityCode};

/// A new session's record key: from the operating system's generator, so
/// nobody can predict the cell keys that disclosure control draws noise from.
fn new_record_key() -> i64 {
    i64::from(rand::random::<u32>())
}

/// What happened to one written session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl Outcome {
    /// As the `Write-Result` header says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// A replace may not delete more than half the sessions in scope (and more
/// than this many) unless the body says `allow_mass_delete`: an export that
/// broke half-way must not wipe a municipality's history.
pub const MASS_DELETE_MIN: usize = 20;

pub struct WriteResult {
    pub counts: Counts,
    /// The stored rows of the written items, in the order given, with their outcome.
    pub rows: Vec<(session::Model, Outcome)>,
}

/// Upserts a validated batch for `municipality`; with `Replace`, also
/// deletes the municipality's sessions in scope that are not among them.
/// Writes into `txn`, which holds the feed lock (`seqs` is its proof); the
/// caller commits.
pub async fn write_sessions(
    txn: &DatabaseTransaction,
    seqs: SeqAllocator,
    municipality: &MunicipalityCode,
    batch: ParsedBatch,
    actor: &Actor,
) -> Result<WriteResult, ApiError> {
    let operation = match batch.mode {
        Mode::Upsert => AuditOperation::BatchUpsert,
        Mode::Replace => AuditOperation::BatchReplace,
    };
    write_audited(txn, seqs, municipality, batch, actor, operation, None).await
}

/// The write and its audit record, in the same transaction.
async fn write_audited(
    txn: &DatabaseTransaction,
    seqs: SeqAllocator,
    municipality: &MunicipalityCode,
    batch: ParsedBatch,
    actor: &Actor,
    operation: AuditOperation,
    target: Option<String>,
) -> Result<WriteResult, ApiError> {
    let result = write_in(txn, seqs, municipality, batch).await?;
    let entry = Entry {
        operation,
        municipality: Some(municipality.to_string()),
        target,
        counts: result.counts,
    };
    audit::record(txn, actor, vec![entry]).await?;
    Ok(result)
}

/// One session's upsert (a PUT): the stored row and what happened to it.
/// Writes into `txn`, which holds the feed lock; the caller commits.
pub async fn put_one(
    txn: &DatabaseTransaction,
    seqs: SeqAllocator,
    municipality: &MunicipalityCode,
    fields: SessionFields,
    actor: &Actor,
) -> Result<(session::Model, Outcome), ApiError> {
    let target = Some(fields.external_id().to_owned());
    let batch = ParsedBatch::upsert(vec![fields]);
    let op = AuditOperation::PutSession;
    let written = write_audited(txn, seqs, municipality, batch, actor, op, target).await?;
    written
        .rows
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("write returned no row"))
}

/// The stored sessions a batch can touch: those it names, and for a replace
/// also those in its scope (the candidates for deletion). Never the rest of
/// the municipality's history, so a nightly write costs what it touches.
async fn existing_sessions(
    txn: &DatabaseTransaction,
    municipality: &MunicipalityCode,
    items: &[SessionFields],
    mode: Mode,
    scope: &Scope,
) -> Result<Vec<session::Model>, ApiError> {
    let base =
        session::Entity::find().filter(session::Column::MunicipalityCode.eq(municipality.as_str()));
    let mut out = Vec::new();
    if mode == Mode::Replace {
        let mut in_scope = base.clone();
        if let Some(from) = scope.start_from {
            in_scope = in_scope.filter(session::Column::StartDate.gte(from));
        }
        if let Some(to) = scope.start_to {
            in_scope = in_scope.filter(session::Column::StartDate.lte(to));
        }
        out = in_scope.all(txn).await?;
    }
    let seen: HashSet<Uuid> = out.iter().map(|s| s.id).collect();
    let ids: Vec<&str> = items.iter().map(SessionFields::external_id).collect();
    for chunk in ids.chunks(500) {
        let named = base
            .clone()
            .filter(session::Column::ExternalId.is_in(chunk.iter().copied()))
            .all(txn)
            .await?;
        out.extend(named.into_iter().filter(|s| !seen.contains(&s.id)));
    }
    Ok(out)
}

async fn write_in(
    txn: &DatabaseTransaction,
    mut seqs: SeqAllocator,
    municipality: &MunicipalityCode,
    batch: ParsedBatch,
) -> Result<WriteResult, ApiError> {
    let ParsedBatch {
        mode,
        scope,
        allow_mass_delete,
        sessions: items,
    } = batch;
    let existing = existing_sessions(txn, municipality, &items, mode, &scope).await?;
    let mut by_external: HashMap<String, session::Model> = existing
        .into_iter()
        .map(|s| (s.external_id.clone(), s))
        .collect();

    let now = now();
    let mut counts = Counts::default();
    let mut deltas = Deltas::default();
    let mut replaced_ids: Vec<Uuid> = Vec::new();
    let mut inserts: Vec<session::Model> = Vec::new();
    let mut rows = Vec::with_capacity(items.len());
    let written: HashSet<String> = items.iter().map(|i| i.external_id().to_owned()).collect();

    for item in &items {
        let old = by_external.get(item.external_id());
        let kept = old.map(|old| item.keeping(old));
        let item = kept.as_ref().unwrap_or(item);
        match old {
            Some(old) if item.same_as(old) => {
                counts.unchanged += 1;
                rows.push((old.clone(), Outcome::Unchanged));
            }
            Some(old) => {
                let new = item.to_model(
                    old.id,
                    municipality,
                    seqs.take(),
                    old.record_key,
                    old.created_at,
                    now,
                );
                deltas.record(Some(old), Some(&new));
                replaced_ids.push(old.id);
                counts.updated += 1;
                rows.push((new.clone(), Outcome::Updated));
                inserts.push(new);
            }
            None => {
                // Time-ordered (v7): a night's new sessions extend the end of
                // the primary key and its pages instead of landing all over it.
                // The time it carries is the public `created_at` anyway.
                let key = new_record_key();
                let new = item.to_model(Uuid::now_v7(), municipality, seqs.take(), key, now, now);
                deltas.record(None, Some(&new));
                counts.created += 1;
                rows.push((new.clone(), Outcome::Created));
                inserts.push(new);
            }
        }
    }

    let mut tombstones = Vec::new();
    if mode == Mode::Replace {
        let in_scope: Vec<&session::Model> = by_external
            .values()
            .filter(|s| scope.contains(s.start_date))
            .collect();
        let mut doomed: Vec<session::Model> = in_scope
            .iter()
            .filter(|s| !written.contains(&s.external_id))
            .map(|s| (*s).clone())
            .collect();
        if !allow_mass_delete && doomed.len() > MASS_DELETE_MIN && doomed.len() * 2 > in_scope.len()
        {
            return Err(ApiError::unprocessable(
                format!(
                    "this replace would delete {} of the {} sessions in scope; if that is intended, send \"allow_mass_delete\": true",
                    doomed.len(),
                    in_scope.len()
                ),
                vec![FieldError::at("/allow_mass_delete", "required to delete more than half of the sessions in scope")],
            ));
        }
        doomed.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        for old in doomed {
            deltas.record(Some(&old), None);
            replaced_ids.push(old.id);
            tombstones.push(tombstone_for(&old, seqs.take(), now));
            by_external.remove(&old.external_id);
            counts.deleted += 1;
        }
    }

    for chunk in replaced_ids.chunks(500) {
        session::Entity::delete_many()
            .filter(session::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    // In the order the secondary indexes keep after their equality columns
    // (municipality, programme, status): each index is then written as a few
    // runs from left to right, a page filled and left once, instead of at
    // random places that the page cache must read, spill and read again.
    inserts.sort_unstable_by_key(|s| (s.start_date, s.id));
    insert_many(txn, &inserts).await?;
    insert_tombstones(txn, tombstones).await?;
    rollup::apply(txn, &deltas.0).await?;
    seqs.finish(txn, counts.created + counts.updated + counts.deleted > 0)
        .await?;
    Ok(WriteResult { counts, rows })
}

fn tombstone_for(old: &session::Model, seq: i64, at: DateTime<Utc>) -> tombstone::ActiveModel {
    tombstone::ActiveModel {
        seq: sea_orm::Set(seq),
        kind: sea_orm::Set("session".into()),
        entity_id: sea_orm::Set(old.id.to_string()),
        municipality_code: sea_orm::Set(Some(old.municipality_code.clone())),
        at: sea_orm::Set(at),
    }
}

async fn insert_tombstones(
    db: &impl ConnectionTrait,
    tombstones: Vec<tombstone::ActiveModel>,
) -> Result<(), ApiError> {
    let mut it = tombstones.into_iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<_> = it.by_ref().take(1000).collect();
        tombstone::Entity::insert_many(chunk).exec(db).await?;
    }
    Ok(())
}

/// Deletes one session; 404 when the municipality has no such session.
pub async fn delete_session(
    db: &DatabaseConnection,
    municipality: &MunicipalityCode,
    external_id: &str,
    actor: &Actor,
) -> Result<(), ApiError> {
    let txn = db.begin().await?;
    let mut seqs = SeqAllocator::lock(&txn).await?;
    let old = find_own(&txn, municipality, external_id).await?;
    let mut deltas = Deltas::default();
    deltas.record(Some(&old), None);
    session::Entity::delete_by_id(old.id).exec(&txn).await?;
    insert_tombstones(&txn, vec![tombstone_for(&old, seqs.take(), now())]).await?;
    rollup::apply(&txn, &deltas.0).await?;
    seqs.finish(&txn, true).await?;
    let entry = Entry {
        operation: AuditOperation::DeleteSession,
        municipality: Some(municipality.to_string()),
        target: Some(external_id.to_owned()),
        counts: Counts {
            deleted: 1,
            ..Counts::default()
        },
    };
    audit::record(&txn, actor, vec![entry]).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn find_own(
    db: &impl ConnectionTrait,
    municipality: &MunicipalityCode,
    external_id: &str,
) -> Result<session::Model, ApiError> {
    session::Entity::find()
        .filter(session::Column::MunicipalityCode.eq(municipality.as_str()))
        .filter(session::Column::ExternalId.eq(external_id))
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "municipality {municipality} has no session with external_id '{external_id}'"
            ))
        })
}
