//! Deterministic synthetic sessions for demos, development and benchmarks.
//!
//! Realistic in shape, not in fact: sessions are spread over the home county's
//! municipalities in proportion to their children (or, with
//! [`Scope::National`], over all 290 in proportion to their population), over programmes matching
//! their formats and ages, over 2019–2026 and every status, with breakdowns
//! consistent with `enrolled`. Every run with the same seed writes the same rows.
//! They are written as the API would have received them: the write routes
//! take one municipality's sessions at a time (a key belongs to one), and a
//! batch is written in `start_date` order, so a database filled through
//! them holds each municipality's history in runs. Drawn row by row over
//! every municipality at once, the rows of a page had lain one to a page of
//! the table (a cold page touched ~100 pages of it; a mixed read on
//! PostgreSQL, ~1 buffer a row).
//! The data set is flagged as synthetic in `/v1/api-info`; so are the
//! outcome values written with it (`outcomes`).

mod details;
mod outcomes;
mod synth;

use chrono::{NaiveDate, Utc};
use entity::{app_meta, municipality, programme, session};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
};

use self::synth::{Synth, Weighted};
use crate::error::ApiError;
use crate::resources::meta::api_info::DEMO_DATA_KEY;
use crate::resources::sessions::store;
use crate::store::feed::SeqAllocator;
use crate::store::rollup::Deltas;

/// The reference "today" of the synthetic world: the day it is drawn, so
/// that what a parent sees is coherent on that day (nothing "ongoing" after
/// it ended, upcoming courses ahead). The same seed on the same day gives
/// the same rows; `/v1/api-info` names the date.
pub fn reference_date() -> NaiveDate {
    Utc::now().date_naive()
}

/// Where the synthetic sessions are held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// The municipalities in the collaboration (the home county's), weighted
    /// by their children.
    #[default]
    County,
    /// All 290 municipalities, weighted by their latest total population:
    /// the data set the benchmark reads at national scale.
    National,
}

pub struct DemoSummary {
    pub sessions: u64,
    pub seconds: f64,
}

/// Fills the database with `count` synthetic sessions. Refuses when sessions
/// exist unless `replace`, which first removes every session.
pub async fn generate(
    db: &DatabaseConnection,
    count: u64,
    seed: u64,
    replace: bool,
    scope: Scope,
) -> Result<DemoSummary, ApiError> {
    let started = std::time::Instant::now();
    let existing = entity::session::Entity::find().count(db).await?;
    if existing > 0 && !replace {
        return Err(ApiError::conflict(format!(
            "the database already holds {existing} sessions; pass --replace to discard them"
        )));
    }
    let mut municipalities = municipality::Entity::find();
    if scope == Scope::County {
        municipalities = municipalities.filter(municipality::Column::InCollaboration.eq(true));
    }
    let municipalities = municipalities
        .order_by_asc(municipality::Column::Code)
        .all(db)
        .await?;
    let programmes = programme::Entity::find()
        .order_by_asc(programme::Column::Slug)
        .all(db)
        .await?;
    if municipalities.is_empty() || programmes.is_empty() {
        return Err(ApiError::internal(
            "reference data missing: run migrations first",
        ));
    }
    let codes: Vec<String> = municipalities.iter().map(|m| m.code.clone()).collect();
    let series = crate::store::population::all_series(db).await?;
    let latest = |code: &str, figure: fn(&entity::population::Model) -> Option<i64>| {
        series
            .get(code)
            .into_iter()
            .flatten()
            .rev()
            .find_map(figure)
    };
    // Children where the reference data has them for every municipality of
    // the county (Västmanland's ten have SCB's 2018 children aged 0–15),
    // else, as for the whole country, inhabitants: never a mix of the two.
    let by_children = scope == Scope::County
        && municipalities
            .iter()
            .all(|m| latest(&m.code, |p| p.children).is_some());
    let by_people = Weighted::new(
        municipalities
            .iter()
            .map(|m| {
                let n = if by_children {
                    latest(&m.code, |p| p.children)
                } else {
                    latest(&m.code, |p| p.total)
                };
                // Every municipality has a figure in the reference data; the
                // fallback only keeps a database without them usable.
                (m.clone(), n.unwrap_or(1000) as f64)
            })
            .collect(),
    );
    // Broad universal programmes are common, narrow ones rarer. A programme
    // whose age range is unknown gets no breadth factor (1.0, as a one-age
    // programme): neither favoured nor ruled out on a guessed breadth.
    let by_use = Weighted::new(
        programmes
            .iter()
            .map(|p| {
                let breadth = match (p.age_min, p.age_max) {
                    (Some(lo), Some(hi)) => 1.0 + (hi - lo) as f64 / 6.0,
                    _ => 1.0,
                };
                let w = if p.prevention_levels.contains("universal") {
                    3.0
                } else {
                    1.0
                } * breadth;
                (p.clone(), w)
            })
            .collect(),
    );

    let txn = db.begin().await?;
    let mut seqs = SeqAllocator::lock(&txn).await?;
    let backend = txn.get_database_backend();
    let sqlite = backend == DbBackend::Sqlite;
    if sqlite {
        // The secondary indexes are built at the end, by sorting; what is
        // left to cache is the growing end of the table and its key. 64 MB
        // loaded 1M rows as fast as 1 GB did (21.0 vs 21.6 s).
        txn.execute_unprepared("PRAGMA cache_size = -65536").await?;
    }
    // A load this large is worth the bulk treatment: indexes built (and on
    // PostgreSQL foreign keys checked) at the end, and on PostgreSQL
    // statistics gathered after it.
    let bulk_load = count >= 50_000;
    let deferred = if bulk_load {
        defer_secondary_structures(&txn).await?
    } else {
        vec![]
    };
    if replace {
        for table in [
            "sessions",
            "tombstones",
            "reach_rollup",
            "offer_rollup",
            "offer_language_rollup",
            "idempotency_records",
        ] {
            txn.execute_unprepared(&format!("DELETE FROM {table}"))
                .await?;
        }
        // The deleted sessions leave no tombstones: followers must start over,
        // and a new feed epoch makes their old cursors answer 410.
        app_meta::Entity::delete_by_id(crate::resources::changes::FEED_EPOCH_KEY)
            .exec(&txn)
            .await?;
    }

    let chunk = store::chunk_size(backend);
    let mut synth = Synth::new(seed, count, by_people, by_use, codes);
    // Drawing the sessions and building their statements takes about as long
    // as the database takes to write them: on a thread of their own they
    // overlap the writes instead of alternating with them. Two statements
    // in flight keep both busy without holding more of the load in memory.
    let (statements, mut to_write) = tokio::sync::mpsc::channel::<Statement>(2);
    let drawing = std::thread::spawn(move || {
        let mut rollup = Deltas::default();
        let mut rows = Vec::with_capacity(chunk);
        // A closed channel means the writes failed: their error is what the
        // caller gets, so drawing just stops.
        let send = |rows: &[session::Model]| {
            statements
                .blocking_send(store::insert(backend, rows))
                .is_ok()
        };
        let mut k = 0;
        let shares = synth.shares(count);
        for (m, n) in shares.into_iter().enumerate() {
            for row in synth.history(m, n, &mut k, &mut seqs) {
                rollup.record(None, Some(&row));
                rows.push(row);
                if rows.len() == chunk {
                    if !send(&rows) {
                        return (rollup, seqs);
                    }
                    rows.clear();
                }
            }
        }
        if !rows.is_empty() {
            send(&rows);
        }
        (rollup, seqs)
    });
    while let Some(statement) = to_write.recv().await {
        txn.execute(statement).await?;
    }
    let (rollup, seqs) = drawing
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    crate::store::rollup::apply(&txn, &rollup.0).await?;
    if replace {
        outcomes::remove(&txn).await?;
    }
    let outcomes = outcomes::write(
        &txn,
        &municipalities,
        outcomes::years(reference_date()),
        seed,
    )
    .await?;
    seqs.finish(&txn, true).await?;
    let note = format!(
        "{count} sessions and {outcomes} outcome values, seed {seed}, reference date {}",
        reference_date()
    );
    let meta = app_meta::ActiveModel {
        key: Set(DEMO_DATA_KEY.into()),
        value: Set(note),
    };
    app_meta::Entity::insert(meta)
        .on_conflict(
            OnConflict::column(app_meta::Column::Key)
                .update_column(app_meta::Column::Value)
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    recreate(&txn, deferred).await?;
    if sqlite {
        txn.execute_unprepared("PRAGMA cache_size = -2000").await?;
    }
    txn.commit().await?;
    if sqlite {
        // The load's pages are all in the write-ahead log until a checkpoint
        // copies them into the database file, and a reader looks up every
        // page it reads in the log's index first: a server started on a
        // freshly loaded 1M-session file served the mixed read set at 1,740
        // req/s, and at 3,550 after this. Readers beside it (a server
        // running) only make the checkpoint stop short, never fail; a
        // checkpoint already under way (the server's own, `store::checkpoint`)
        // makes this one return busy at once, so it is asked again.
        for _ in 0..40 {
            let row = db
                .query_one(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA wal_checkpoint(TRUNCATE)",
                ))
                .await?;
            let busy: i64 = row.map_or(Ok(0), |r| r.try_get_by_index(0))?;
            if busy == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    if !sqlite && bulk_load {
        // PostgreSQL plans by its statistics, and autovacuum gathers them
        // only some time after a bulk load: until then it took a batch's
        // lookup of 500 external_ids for a scan of the municipality's
        // 115,000 rows (191 vs 2.6 ms after ANALYZE, 0.4 s for 1M rows).
        // SQLite chooses the same plans with or without statistics.
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(DemoSummary {
        sessions: count,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Drops what a bulk load is better off building once at the end: the
/// sessions table's secondary indexes (sorted once instead of updated row by
/// row) and, on PostgreSQL, its foreign keys (checked in one join instead of
/// by a trigger per row). Returns the statements that put them back exactly
/// as the migrations made them, read from the database's own catalogue, so
/// there is no second copy of their definitions.
async fn defer_secondary_structures(txn: &DatabaseTransaction) -> Result<Vec<String>, ApiError> {
    let backend = txn.get_database_backend();
    // Each query names, per structure, the statement that drops it and the
    // one that puts it back.
    let catalogue: &[&str] = match backend {
        DbBackend::Sqlite => &["SELECT 'DROP INDEX \"' || name || '\"', sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' AND sql IS NOT NULL"],
        _ => &[
            "SELECT format('DROP INDEX %I', indexname), indexdef FROM pg_indexes WHERE tablename = 'sessions' AND indexname <> 'sessions_pkey'",
            "SELECT format('ALTER TABLE sessions DROP CONSTRAINT %I', conname), format('ALTER TABLE sessions ADD CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE conrelid = 'sessions'::regclass AND contype = 'f'",
        ],
    };
    let mut recreate = Vec::new();
    for sql in catalogue {
        for row in txn.query_all(Statement::from_string(backend, *sql)).await? {
            let drop_statement: String = row.try_get_by_index(0)?;
            txn.execute_unprepared(&drop_statement).await?;
            recreate.push(row.try_get_by_index(1)?);
        }
    }
    Ok(recreate)
}

async fn recreate(txn: &DatabaseTransaction, definitions: Vec<String>) -> Result<(), ApiError> {
    for sql in definitions {
        txn.execute_unprepared(&sql).await?;
    }
    Ok(())
}
