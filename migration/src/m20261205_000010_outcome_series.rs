//! Outcome statistics beside the work: the Kolada KPIs' metadata as Kolada
//! states it (`outcome_kpis`), and their values per area, year and gender
//! (`outcome_values`). Schema only: no value is loaded here. Values come
//! from a source through `outcomes import` / `outcomes fetch`, each with its
//! source and retrieval time; the catalogue of candidate measures per
//! long-term effect lives in code (`api::resources::outcomes::catalogue`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutcomeKpis {
    Table,
    Id,
    Title,
    Description,
    DividedByGender,
    Source,
    RetrievedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutcomeValues {
    Table,
    Kpi,
    Area,
    Year,
    Gender,
    Value,
    Status,
    Count,
    Source,
    RetrievedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(OutcomeKpis::Table)
                .col(
                    ColumnDef::new(OutcomeKpis::Id)
                        .string_len(16)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(OutcomeKpis::Title).text().not_null())
                .col(ColumnDef::new(OutcomeKpis::Description).text())
                .col(ColumnDef::new(OutcomeKpis::DividedByGender).boolean())
                .col(ColumnDef::new(OutcomeKpis::Source).text().not_null())
                .col(
                    ColumnDef::new(OutcomeKpis::RetrievedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OutcomeKpis::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        // The primary key is also the read order of one KPI's values (area,
        // then year, then gender): every page of `/v1/outcomes/{id}/values`
        // is one index range.
        m.create_table(
            Table::create()
                .table(OutcomeValues::Table)
                .col(ColumnDef::new(OutcomeValues::Kpi).string_len(16).not_null())
                .col(ColumnDef::new(OutcomeValues::Area).string_len(8).not_null())
                .col(ColumnDef::new(OutcomeValues::Year).integer().not_null())
                .col(
                    ColumnDef::new(OutcomeValues::Gender)
                        .string_len(8)
                        .not_null(),
                )
                .col(ColumnDef::new(OutcomeValues::Value).double())
                .col(ColumnDef::new(OutcomeValues::Status).text())
                .col(ColumnDef::new(OutcomeValues::Count).big_integer())
                .col(ColumnDef::new(OutcomeValues::Source).text().not_null())
                .col(
                    ColumnDef::new(OutcomeValues::RetrievedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OutcomeValues::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(OutcomeValues::Kpi)
                        .col(OutcomeValues::Area)
                        .col(OutcomeValues::Year)
                        .col(OutcomeValues::Gender),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(OutcomeValues::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(OutcomeKpis::Table).to_owned())
            .await
    }
}
