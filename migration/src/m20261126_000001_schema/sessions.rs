//! Sessions and their secondary indexes.

use sea_orm_migration::prelude::*;

use super::*;

/// Sessions, with one index per list filter in the keyset order.
pub(super) async fn create(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Sessions::Table)
            .col(ColumnDef::new(Sessions::Id).uuid().not_null().primary_key())
            .col(
                ColumnDef::new(Sessions::MunicipalityCode)
                    .string_len(4)
                    .not_null(),
            )
            .col(ColumnDef::new(Sessions::ExternalId).string().not_null())
            .col(ColumnDef::new(Sessions::Programme).string().not_null())
            .col(ColumnDef::new(Sessions::Provider).string())
            .col(ColumnDef::new(Sessions::Status).string().not_null())
            .col(ColumnDef::new(Sessions::StartDate).date().not_null())
            .col(ColumnDef::new(Sessions::EndDate).date())
            .col(ColumnDef::new(Sessions::Meetings).integer())
            .col(
                ColumnDef::new(Sessions::Languages)
                    .string()
                    .not_null()
                    .default(""),
            )
            .col(ColumnDef::new(Sessions::Delivery).string().not_null())
            .col(ColumnDef::new(Sessions::Area).string())
            .col(
                ColumnDef::new(Sessions::CoHosts)
                    .string()
                    .not_null()
                    .default(""),
            )
            .col(
                ColumnDef::new(Sessions::OpenToOtherMunicipalities)
                    .boolean()
                    .not_null()
                    .default(false),
            )
            .col(ColumnDef::new(Sessions::Capacity).integer())
            .col(
                ColumnDef::new(Sessions::Enrolled)
                    .integer()
                    .not_null()
                    .default(0),
            )
            .col(
                ColumnDef::new(Sessions::Completed)
                    .integer()
                    .not_null()
                    .default(0),
            )
            .col(ColumnDef::new(Sessions::Women).integer())
            .col(ColumnDef::new(Sessions::Men).integer())
            .col(ColumnDef::new(Sessions::VulnerableArea).integer())
            .col(ColumnDef::new(Sessions::SatisfactionRespondents).integer())
            .col(ColumnDef::new(Sessions::Satisfied).integer())
            .col(big_zero(Sessions::Seq))
            .col(
                ColumnDef::new(Sessions::CreatedAt)
                    .timestamp_with_time_zone()
                    .not_null(),
            )
            .col(
                ColumnDef::new(Sessions::UpdatedAt)
                    .timestamp_with_time_zone()
                    .not_null(),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Sessions::Table, Sessions::MunicipalityCode)
                    .to(Municipalities::Table, Municipalities::Code),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Sessions::Table, Sessions::Programme)
                    .to(Programmes::Table, Programmes::Slug)
                    .on_update(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    )
    .await?;
    let session_indexes: [(&str, Vec<Sessions>, bool); 6] = [
        (
            "sessions_municipality_external_id",
            vec![Sessions::MunicipalityCode, Sessions::ExternalId],
            true,
        ),
        (
            "sessions_start_date_id",
            vec![Sessions::StartDate, Sessions::Id],
            false,
        ),
        (
            "sessions_municipality_start_date",
            vec![
                Sessions::MunicipalityCode,
                Sessions::StartDate,
                Sessions::Id,
            ],
            false,
        ),
        (
            "sessions_programme_start_date",
            vec![Sessions::Programme, Sessions::StartDate, Sessions::Id],
            false,
        ),
        ("sessions_updated_at", vec![Sessions::UpdatedAt], false),
        ("sessions_seq", vec![Sessions::Seq], true),
    ];
    for (name, cols, unique) in session_indexes {
        let mut idx = Index::create().name(name).table(Sessions::Table).to_owned();
        for col in cols {
            idx.col(col);
        }
        if unique {
            idx.unique();
        }
        m.create_index(idx).await?;
    }
    Ok(())
}
