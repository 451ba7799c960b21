//! The delivery and language filters, read from the municipality's index.
//!
//! A finder asks for a municipality's sessions given digitally, or in a
//! language, in the list's order. With `(municipality_code, start_date, id)`
//! alone, each candidate row was looked up in the table to test its
//! `delivery` or `languages`, and most were thrown away: on the 1M national
//! demo set a 100-session page of hybrid sessions in Malmö read ~1,000 rows
//! (3.1 ms in SQLite). With the two columns after the keyset order, the
//! index itself tests them, and only the rows kept are looked up (0.4 ms).
//! The order, and so every plan that used the index, is unchanged.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    MunicipalityCode,
    StartDate,
    Id,
    Delivery,
    Languages,
}

/// The index before and after: a new name, created before the old one is
/// dropped, so a failure between the two never leaves the lists without one.
const WITHOUT: &str = "sessions_municipality_start_date";
const WITH: &str = "sessions_municipality_start_date_delivery_languages";

async fn replace(
    m: &SchemaManager<'_>,
    (old, new): (&str, &str),
    filters: &[Sessions],
) -> Result<(), DbErr> {
    let mut index = Index::create()
        .name(new)
        .table(Sessions::Table)
        .col(Sessions::MunicipalityCode)
        .col(Sessions::StartDate)
        .col(Sessions::Id)
        .to_owned();
    for col in filters {
        index.col(*col);
    }
    m.create_index(index).await?;
    m.drop_index(Index::drop().name(old).table(Sessions::Table).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(
            m,
            (WITHOUT, WITH),
            &[Sessions::Delivery, Sessions::Languages],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        replace(m, (WITH, WITHOUT), &[]).await
    }
}
