//! Cell keys for disclosure control by perturbation (DESIGN.md, "Disclosure
//! control"): every session holds a fixed random record key in 0..2^32, never
//! published, and every reach rollup row the sum of its sessions' keys, so a
//! coarser cell's key is the sum of its rows' keys and the same set of
//! sessions always gets the same key, and so the same noise.
//!
//! Existing sessions draw their keys here; the rollup's sums are computed from
//! them in SQL, with each backend's own date functions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Sessions {
    Table,
    RecordKey,
}

#[derive(DeriveIden)]
enum ReachRollup {
    Table,
    CellKey,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(
                    ColumnDef::new(Sessions::RecordKey)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(ReachRollup::Table)
                .add_column(
                    ColumnDef::new(ReachRollup::CellKey)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        let (draw, year, quarter) = match db.get_database_backend() {
            DbBackend::Postgres => (
                "floor(random() * 4294967296)::bigint",
                "CAST(EXTRACT(YEAR FROM s.start_date) AS INTEGER)",
                "CAST(EXTRACT(QUARTER FROM s.start_date) AS INTEGER)",
            ),
            _ => (
                "(random() & 4294967295)",
                "CAST(strftime('%Y', s.start_date) AS INTEGER)",
                "((CAST(strftime('%m', s.start_date) AS INTEGER) + 2) / 3)",
            ),
        };
        db.execute_unprepared(&format!("UPDATE sessions SET record_key = {draw}"))
            .await?;
        db.execute_unprepared(&format!(
            "UPDATE reach_rollup SET cell_key = (SELECT COALESCE(SUM(s.record_key), 0) \
             FROM sessions s WHERE s.municipality_code = reach_rollup.municipality_code \
             AND s.programme = reach_rollup.programme AND s.status IN ('ongoing', 'completed') \
             AND {year} = reach_rollup.year AND {quarter} = reach_rollup.quarter)"
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ReachRollup::Table)
                .drop_column(ReachRollup::CellKey)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .drop_column(Sessions::RecordKey)
                .to_owned(),
        )
        .await
    }
}
