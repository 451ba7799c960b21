//! The sourced programme catalogue (`data/programmes-2026.csv`) replaces the
//! starting one, and the schema learns to say "unknown".
//!
//! Schema: `age_min`/`age_max` become nullable; `name_en_is_literal` and
//! `evidence_sources` (the row's source URLs, ` | `-joined) are added;
//! `evidence_source_url` and `catalogue_source` are folded into
//! `evidence_sources` and dropped. SQLite cannot drop a NOT NULL constraint,
//! and rebuilding the table would mean dropping `programmes` under the
//! sessions' foreign key (only safe with `PRAGMA foreign_keys=OFF`, which a
//! pooled connection cannot promise). So each age column is replaced in place:
//! add a nullable column, copy, drop the old one, rename — plain ALTER TABLEs
//! that SQLite (3.35+, bundled) and PostgreSQL both run, inside one
//! transaction. Row identity, `seq` and `updated_at` are untouched by this.
//!
//! Data: rows named in the file take its values (the file is sourced row by
//! row; `description` and `website`, which it lacks, are kept); rows it does
//! not name are kept as they are — sessions refer to programmes by slug, so no
//! slug ever disappears. A programme whose facts changed, or that is new,
//! moves to a new feed seq, taken under the feed lock exactly as the API's
//! writers take them (`api/src/store/feed.rs`), and the data version moves
//! once, so change-feed followers and response caches see the new catalogue.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseTransaction, QueryResult, Statement, StatementBuilder,
    TransactionTrait,
};

use crate::reference_data::{self, CatalogueRow, SOURCES_SEPARATOR};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Programmes {
    Table,
    Slug,
    NameSv,
    NameEn,
    NameEnIsLiteral,
    AgeMin,
    AgeMax,
    AgeMinKnown,
    AgeMaxKnown,
    PreventionLevels,
    Formats,
    TypicalMeetings,
    EvidenceStatus,
    EvidenceSummary,
    EvidenceSources,
    EvidenceSourceUrl,
    Owner,
    CatalogueSource,
    Verified,
    Seq,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FeedCounter {
    Table,
    Id,
    LastSeq,
    DataVersion,
}

/// Everything about a programme that the catalogue file states.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facts {
    name_sv: String,
    name_en: String,
    name_en_is_literal: bool,
    age_min: Option<i32>,
    age_max: Option<i32>,
    /// Comma-joined, as the API stores lists; empty when unknown.
    prevention_levels: String,
    formats: String,
    typical_meetings: Option<i32>,
    evidence_status: String,
    evidence_summary: Option<String>,
    /// ` | `-joined URLs; empty when there are none.
    evidence_sources: String,
    owner: Option<String>,
    verified: bool,
}

impl Facts {
    fn from_file(row: &CatalogueRow) -> Self {
        let comma_joined = |cell: &Option<String>| {
            cell.iter()
                .flat_map(|c| c.split(';'))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        };
        Self {
            name_sv: row.name_sv.clone(),
            name_en: row.name_en.clone(),
            name_en_is_literal: row.name_en_is_literal == "yes",
            age_min: row.age_min,
            age_max: row.age_max,
            prevention_levels: comma_joined(&row.prevention_levels),
            formats: comma_joined(&row.formats),
            typical_meetings: row.typical_meetings,
            evidence_status: row.evidence_status.clone(),
            evidence_summary: row.evidence_summary.clone(),
            evidence_sources: row.sources().join(SOURCES_SEPARATOR),
            owner: row.owner.clone(),
            verified: row.verified == "yes",
        }
    }

    /// A stored row in the new terms: its two source columns become the
    /// sources list (same facts, new shape).
    fn from_stored(row: &QueryResult) -> Result<Self, DbErr> {
        let mut sources: Vec<String> = Vec::new();
        for col in ["evidence_source_url", "catalogue_source"] {
            let cell: Option<String> = row.try_get("", col)?;
            for url in reference_data::split_sources(cell.as_deref().unwrap_or_default()) {
                if !sources.contains(&url) {
                    sources.push(url);
                }
            }
        }
        Ok(Self {
            name_sv: row.try_get("", "name_sv")?,
            name_en: row.try_get("", "name_en")?,
            name_en_is_literal: false,
            age_min: row.try_get("", "age_min")?,
            age_max: row.try_get("", "age_max")?,
            prevention_levels: row.try_get("", "prevention_levels")?,
            formats: row.try_get("", "formats")?,
            typical_meetings: row.try_get("", "typical_meetings")?,
            evidence_status: row.try_get("", "evidence_status")?,
            evidence_summary: row.try_get("", "evidence_summary")?,
            evidence_sources: sources.join(SOURCES_SEPARATOR),
            owner: row.try_get("", "owner")?,
            verified: row.try_get("", "verified")?,
        })
    }

    /// The evidence scale is now SBU's. The two statuses of the old scale that
    /// are not on it (`evaluated`, `under_evaluation`) cannot be placed on it
    /// without guessing, so such a row becomes `unassessed` and its summary
    /// keeps what had been recorded.
    fn on_sbu_scale(mut self) -> Self {
        if matches!(
            self.evidence_status.as_str(),
            "evaluated" | "under_evaluation"
        ) {
            let was = std::mem::replace(&mut self.evidence_status, "unassessed".into());
            let summary = self.evidence_summary.take().unwrap_or_default();
            self.evidence_summary = Some(
                format!("Recorded before the catalogue used SBU's scale as '{was}'. {summary}")
                    .trim_end()
                    .to_owned(),
            );
        }
        self
    }

    fn values(&self) -> Vec<(Programmes, SimpleExpr)> {
        vec![
            (Programmes::NameSv, self.name_sv.clone().into()),
            (Programmes::NameEn, self.name_en.clone().into()),
            (Programmes::NameEnIsLiteral, self.name_en_is_literal.into()),
            (Programmes::AgeMin, self.age_min.into()),
            (Programmes::AgeMax, self.age_max.into()),
            (
                Programmes::PreventionLevels,
                self.prevention_levels.clone().into(),
            ),
            (Programmes::Formats, self.formats.clone().into()),
            (Programmes::TypicalMeetings, self.typical_meetings.into()),
            (
                Programmes::EvidenceStatus,
                self.evidence_status.clone().into(),
            ),
            (
                Programmes::EvidenceSummary,
                self.evidence_summary.clone().into(),
            ),
            (
                Programmes::EvidenceSources,
                self.evidence_sources.clone().into(),
            ),
            (Programmes::Owner, self.owner.clone().into()),
            (Programmes::Verified, self.verified.into()),
        ]
    }
}

async fn exec<S: StatementBuilder>(txn: &DatabaseTransaction, stmt: &S) -> Result<(), DbErr> {
    txn.execute(txn.get_database_backend().build(stmt)).await?;
    Ok(())
}

async fn alter(txn: &DatabaseTransaction, stmt: &mut TableAlterStatement) -> Result<(), DbErr> {
    exec(txn, &stmt.table(Programmes::Table).to_owned()).await
}

/// `age_min`/`age_max` NOT NULL → nullable, in place (see the module comment).
async fn make_ages_nullable(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    for (old, new) in [
        (Programmes::AgeMin, Programmes::AgeMinKnown),
        (Programmes::AgeMax, Programmes::AgeMaxKnown),
    ] {
        alter(
            txn,
            Table::alter().add_column(ColumnDef::new(new).integer().null()),
        )
        .await?;
        exec(
            txn,
            &Query::update()
                .table(Programmes::Table)
                .value(new, Expr::col(old))
                .to_owned(),
        )
        .await?;
        alter(txn, Table::alter().drop_column(old)).await?;
        alter(txn, Table::alter().rename_column(new, old)).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One transaction on both databases (on PostgreSQL a savepoint in the
        // migrator's own): a failure leaves the old schema and catalogue whole.
        let txn = m.get_connection().begin().await?;
        // The feed lock first, as every writer takes it: seqs are handed out
        // in commit order, so no follower can skip the catalogue's changes.
        exec(
            &txn,
            &Query::update()
                .table(FeedCounter::Table)
                .value(FeedCounter::LastSeq, Expr::col(FeedCounter::LastSeq))
                .and_where(Expr::col(FeedCounter::Id).eq(1))
                .to_owned(),
        )
        .await?;
        make_ages_nullable(&txn).await?;
        alter(
            &txn,
            Table::alter().add_column(
                ColumnDef::new(Programmes::NameEnIsLiteral)
                    .boolean()
                    .not_null()
                    .default(false),
            ),
        )
        .await?;
        alter(
            &txn,
            Table::alter().add_column(
                ColumnDef::new(Programmes::EvidenceSources)
                    .text()
                    .not_null()
                    .default(""),
            ),
        )
        .await?;

        let backend = txn.get_database_backend();
        let rows = txn
            .query_all(
                backend.build(
                    Query::select()
                        .expr(Expr::cust("*"))
                        .from(Programmes::Table)
                        .order_by(Programmes::Slug, Order::Asc),
                ),
            )
            .await?;
        let mut stored: Vec<(String, Facts)> = Vec::new();
        for row in &rows {
            stored.push((row.try_get("", "slug")?, Facts::from_stored(row)?));
        }
        for col in [Programmes::EvidenceSourceUrl, Programmes::CatalogueSource] {
            alter(&txn, Table::alter().drop_column(col)).await?;
        }

        let last_seq: i64 = txn
            .query_one(Statement::from_string(
                backend,
                "SELECT last_seq FROM feed_counter WHERE id = 1",
            ))
            .await?
            .ok_or_else(|| DbErr::Custom("feed_counter row missing".into()))?
            .try_get_by_index(0)?;
        let mut next_seq = last_seq + 1;
        let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
        let catalogue = reference_data::catalogue();

        // Existing rows: the file's facts where it names the slug, else the
        // row's own (on SBU's scale). The new sources column is written for
        // every row; seq and updated_at move only where a fact changed.
        for (slug, before) in &stored {
            let after = match catalogue.iter().find(|r| &r.slug == slug) {
                Some(row) => Facts::from_file(row),
                None => before.clone().on_sbu_scale(),
            };
            let mut update = Query::update();
            update
                .table(Programmes::Table)
                .values(after.values())
                .and_where(Expr::col(Programmes::Slug).eq(slug.as_str()));
            if after != *before {
                update.values([
                    (Programmes::Seq, next_seq.into()),
                    (Programmes::UpdatedAt, now.into()),
                ]);
                next_seq += 1;
            }
            exec(&txn, &update).await?;
        }
        // New programmes, in the file's order.
        for row in &catalogue {
            if stored.iter().any(|(slug, _)| *slug == row.slug) {
                continue;
            }
            let mut values = Facts::from_file(row).values();
            values.extend([
                (Programmes::Slug, row.slug.clone().into()),
                (Programmes::Seq, next_seq.into()),
                (Programmes::UpdatedAt, now.into()),
            ]);
            next_seq += 1;
            let (columns, values): (Vec<_>, Vec<_>) = values.into_iter().unzip();
            exec(
                &txn,
                Query::insert()
                    .into_table(Programmes::Table)
                    .columns(columns)
                    .values(values)
                    .map_err(|e| DbErr::Custom(e.to_string()))?,
            )
            .await?;
        }
        if next_seq > last_seq + 1 {
            exec(
                &txn,
                &Query::update()
                    .table(FeedCounter::Table)
                    .value(FeedCounter::LastSeq, next_seq - 1)
                    .value(
                        FeedCounter::DataVersion,
                        Expr::col(FeedCounter::DataVersion).add(1),
                    )
                    .and_where(Expr::col(FeedCounter::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        }
        txn.commit().await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The old schema cannot hold an unknown age, and the old catalogue's
        // unsourced values must not come back: there is no faithful way down.
        Err(DbErr::Migration(
            "m20261127_000004_programme_catalogue cannot be reverted: restore a backup instead"
                .into(),
        ))
    }
}
