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
        backfill(m).await?;
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

/// Fills the new tables from sessions already stored, so a database that
/// predates them reports the same as one that had them from the start. Runs
/// once, inside the migration; later writes keep them current through the
/// rollup deltas. Must agree with `api::reach::rollup::Offer::of_session`.
async fn backfill(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
    let db = m.get_connection();
    let backend = db.get_database_backend();
    let (year, quarter) = match backend {
        DbBackend::Postgres => (
            "CAST(EXTRACT(YEAR FROM start_date) AS INTEGER)",
            "CAST(EXTRACT(QUARTER FROM start_date) AS INTEGER)",
        ),
        _ => (
            "CAST(strftime('%Y', start_date) AS INTEGER)",
            "((CAST(strftime('%m', start_date) AS INTEGER) + 2) / 3)",
        ),
    };
    db.execute(Statement::from_string(
        backend,
        format!(
            "INSERT INTO offer_rollup (municipality_code, programme, year, quarter, sessions, digital, collaborative) \
             SELECT municipality_code, programme, {year}, {quarter}, COUNT(*), \
               SUM(CASE WHEN delivery IN ('digital', 'hybrid') THEN 1 ELSE 0 END), \
               SUM(CASE WHEN open_to_other_municipalities OR co_hosts <> '' THEN 1 ELSE 0 END) \
             FROM sessions WHERE status <> 'cancelled' \
             GROUP BY municipality_code, programme, {year}, {quarter}"
        ),
    ))
    .await?;
    // Few distinct language lists exist, so group by the stored list and split here.
    let rows = db
        .query_all(Statement::from_string(
            backend,
            format!(
                "SELECT municipality_code, {year} AS year, languages, COUNT(*) AS n \
                 FROM sessions WHERE status <> 'cancelled' \
                 GROUP BY municipality_code, {year}, languages"
            ),
        ))
        .await?;
    let mut counts: std::collections::BTreeMap<(String, i32, String), i64> = Default::default();
    for row in rows {
        let code: String = row.try_get("", "municipality_code")?;
        let y: i32 = row.try_get("", "year")?;
        let languages: String = row.try_get("", "languages")?;
        let n: i64 = row.try_get("", "n")?;
        for lang in languages.split(',').filter(|l| !l.is_empty()) {
            *counts
                .entry((code.clone(), y, lang.to_owned()))
                .or_default() += n;
        }
    }
    let counts: Vec<_> = counts.into_iter().collect();
    for chunk in counts.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(OfferLanguageRollup::Table).columns([
            OfferLanguageRollup::MunicipalityCode,
            OfferLanguageRollup::Year,
            OfferLanguageRollup::Language,
            OfferLanguageRollup::Sessions,
        ]);
        for ((code, y, lang), n) in chunk {
            insert.values_panic([
                code.clone().into(),
                (*y).into(),
                lang.clone().into(),
                (*n).into(),
            ]);
        }
        m.exec_stmt(insert).await?;
    }
    Ok(())
}
