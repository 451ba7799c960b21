//! The audit trail: one row per accepted write, inserted by the writing
//! transaction itself, so a rolled-back write leaves no row and a committed
//! one always has its row.
//!
//! `id` orders the trail: every write takes the feed lock before it inserts
//! its row and holds it until commit, so ids are handed out in commit order
//! and keyset pages by id never skip or repeat a row.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    ApiKeyId,
    MunicipalityCode,
    Operation,
    Target,
    Created,
    Updated,
    Unchanged,
    Deleted,
    RequestId,
}

fn count(col: AuditLog) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(
                    ColumnDef::new(AuditLog::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(AuditLog::At)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(AuditLog::Actor).string_len(16).not_null())
                .col(ColumnDef::new(AuditLog::ApiKeyId).uuid())
                .col(ColumnDef::new(AuditLog::MunicipalityCode).string_len(4))
                .col(
                    ColumnDef::new(AuditLog::Operation)
                        .string_len(32)
                        .not_null(),
                )
                .col(ColumnDef::new(AuditLog::Target).string())
                .col(count(AuditLog::Created))
                .col(count(AuditLog::Updated))
                .col(count(AuditLog::Unchanged))
                .col(count(AuditLog::Deleted))
                .col(ColumnDef::new(AuditLog::RequestId).string_len(128))
                .to_owned(),
        )
        .await?;
        // Pruning and `since` range over `at`; the municipality filter pages by id.
        m.create_index(
            Index::create()
                .name("idx_audit_log_at")
                .table(AuditLog::Table)
                .col(AuditLog::At)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_audit_log_municipality_id")
                .table(AuditLog::Table)
                .col(AuditLog::MunicipalityCode)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
