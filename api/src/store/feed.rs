//! Numbering changes for the change feed.
//!
//! Why this never lets a reader skip a change: every writing transaction
//! starts by taking the lock on the single `feed_counter` row (an UPDATE: a
//! row lock on PostgreSQL, the database write lock on SQLite) and holds it
//! until it commits. Seqs are handed out under that lock, so transactions
//! commit in seq order: once a reader's snapshot contains seq N, it contains
//! every seq below N. A transaction still running holds seqs above everything
//! committed, so a reader that has passed seq N can never later find a newly
//! committed change below N. Readers take one snapshot per page (see
//! `changes`), so a page never mixes before and after a commit.
//!
//! The feed is compacted like a key-value changelog: an entity sits at the seq
//! of its latest change (a session row's `seq`, a programme's `seq`, or a
//! tombstone's). A changed entity moves to a new, higher seq, so a follower
//! that reads to the end holds exactly the current public state, and a
//! change is delivered once per seq.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};

use crate::error::ApiError;

/// Seqs handed out within one write transaction.
pub struct SeqAllocator {
    next: i64,
}

impl SeqAllocator {
    /// Takes the feed lock; must be the transaction's first statement so that
    /// SQLite upgrades to a write lock before it reads anything.
    pub async fn lock(txn: &DatabaseTransaction) -> Result<Self, ApiError> {
        let backend = txn.get_database_backend();
        txn.execute(Statement::from_string(
            backend,
            "UPDATE feed_counter SET last_seq = last_seq WHERE id = 1",
        ))
        .await?;
        Ok(Self {
            next: last_seq(txn).await? + 1,
        })
    }

    pub fn take(&mut self) -> i64 {
        let seq = self.next;
        self.next += 1;
        seq
    }

    /// Records the seqs taken and moves the data version (the ETag basis)
    /// when anything changed.
    pub async fn finish(self, txn: &DatabaseTransaction, changed: bool) -> Result<(), ApiError> {
        if !changed {
            return Ok(());
        }
        let backend = txn.get_database_backend();
        txn.execute(Statement::from_sql_and_values(
            backend,
            "UPDATE feed_counter SET last_seq = $1, data_version = data_version + 1 WHERE id = 1",
            [(self.next - 1).into()],
        ))
        .await?;
        Ok(())
    }
}

/// The highest seq handed out so far.
pub async fn last_seq(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT last_seq FROM feed_counter WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| ApiError::internal("feed_counter row missing"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// The version of everything public: moves on every write that changes what
/// a reader could see.
pub async fn data_version(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT data_version FROM feed_counter WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| ApiError::internal("feed_counter row missing"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Timestamps at the precision both databases store, so what a write returns
/// equals what a later read returns.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
