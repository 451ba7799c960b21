//! The offer rollup: what municipalities *offer* (every session that is not
//! cancelled, whatever its status), as the indicators of availability and
//! collaboration need it, next to `reach_rollup` which sums only counted
//! sessions. Kept current by the same deltas as `reach_rollup`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OfferRollup {
    Table,
    MunicipalityCode,
    Programme,
    Year,
    Quarter,
    Sessions,
    Digital,
    Collaborative,
}

#[derive(DeriveIden)]
enum OfferLanguageRollup {
    Table,
    MunicipalityCode,
    Year,
    Language,
    Sessions,
}

fn big_zero<T: IntoIden>(col: T) -> ColumnDef {
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
                .table(OfferRollup::Table)
                .col(
                    ColumnDef::new(OfferRollup::MunicipalityCode)
                        .string_len(4)
                        .not_null(),
                )
                .col(ColumnDef::new(OfferRollup::Programme).string().not_null())
                .col(ColumnDef::new(OfferRollup::Year).integer().not_null())
                .col(ColumnDef::new(OfferRollup::Quarter).integer().not_null())
                .col(big_zero(OfferRollup::Sessions))
                .col(big_zero(OfferRollup::Digital))
                .col(big_zero(OfferRollup::Collaborative))
                .primary_key(
                    Index::create()
                        .col(OfferRollup::MunicipalityCode)
                        .col(OfferRollup::Programme)
                        .col(OfferRollup::Year)
                        .col(OfferRollup::Quarter),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OfferLanguageRollup::Table)
                .col(
                    ColumnDef::new(OfferLanguageRollup::MunicipalityCode)
                        .string_len(4)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OfferLanguageRollup::Year)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OfferLanguageRollup::Language)
                        .string()
                        .not_null(),
                )
                .col(big_zero(OfferLanguageRollup::Sessions))
                .primary_key(
                    Index::create()
                        .col(OfferLanguageRollup::MunicipalityCode)
                        .col(OfferLanguageRollup::Year)
                        .col(OfferLanguageRollup::Language),
                )
                .to_owned(),
        )
        .await?;
        // Indicators read one year (and the one before) across municipalities.
        for (name, table) in [
            ("idx_offer_rollup_year", OfferRollup::Table.into_iden()),
            (
                "idx_offer_language_rollup_year",
                OfferLanguageRollup::Table.into_iden(),
            ),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(table)
                    .col(Alias::new("year"))
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("idx_reach_rollup_year")
                .table(Alias::new("reach_rollup"))
                .col(Alias::new("year"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("idx_reach_rollup_year")
                .table(Alias::new("reach_rollup"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(OfferLanguageRollup::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(OfferRollup::Table).to_owned())
            .await?;
        Ok(())
    }
}
