//! Population as a series: one row per (municipality, year) in `population`,
//! instead of one figure in columns of `municipalities`.
//!
//! The figures already on `municipalities` move into rows first (nothing is
//! lost: every municipality with a `population_year` becomes that year's
//! row), then SCB's 2024 totals of all 290 municipalities are merged in, and
//! only then are the old columns dropped, so no reader can find them stale.

use std::collections::HashMap;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

use crate::reference_data;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipalities {
    Table,
    Code,
    PopulationYear,
    PopulationTotal,
    Children,
    ChildrenAgeFrom,
    ChildrenAgeTo,
    PopulationSource,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Population {
    Table,
    MunicipalityCode,
    Year,
    Total,
    Children,
    ChildrenAgeFrom,
    ChildrenAgeTo,
    Source,
    UpdatedAt,
}

/// What a migrated row says when the old columns named no source; the figure
/// itself is kept rather than dropped for want of one.
const SOURCE_NOT_RECORDED: &str = "source not recorded (migrated from the municipality's columns)";

/// The old columns, in the order `down` re-adds them.
fn old_columns() -> [(Municipalities, ColumnDef); 6] {
    [
        (
            Municipalities::PopulationYear,
            ColumnDef::new(Municipalities::PopulationYear)
                .integer()
                .to_owned(),
        ),
        (
            Municipalities::PopulationTotal,
            ColumnDef::new(Municipalities::PopulationTotal)
                .integer()
                .to_owned(),
        ),
        (
            Municipalities::Children,
            ColumnDef::new(Municipalities::Children)
                .integer()
                .to_owned(),
        ),
        (
            Municipalities::ChildrenAgeFrom,
            ColumnDef::new(Municipalities::ChildrenAgeFrom)
                .integer()
                .to_owned(),
        ),
        (
            Municipalities::ChildrenAgeTo,
            ColumnDef::new(Municipalities::ChildrenAgeTo)
                .integer()
                .to_owned(),
        ),
        (
            Municipalities::PopulationSource,
            ColumnDef::new(Municipalities::PopulationSource)
                .text()
                .to_owned(),
        ),
    ]
}

async fn create_table(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Population::Table)
            .col(
                ColumnDef::new(Population::MunicipalityCode)
                    .string_len(4)
                    .not_null(),
            )
            .col(ColumnDef::new(Population::Year).integer().not_null())
            .col(ColumnDef::new(Population::Total).big_integer())
            .col(ColumnDef::new(Population::Children).big_integer())
            .col(ColumnDef::new(Population::ChildrenAgeFrom).integer())
            .col(ColumnDef::new(Population::ChildrenAgeTo).integer())
            .col(ColumnDef::new(Population::Source).text().not_null())
            .col(
                ColumnDef::new(Population::UpdatedAt)
                    .timestamp_with_time_zone()
                    .not_null(),
            )
            .primary_key(
                Index::create()
                    .col(Population::MunicipalityCode)
                    .col(Population::Year),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(Population::Table, Population::MunicipalityCode)
                    .to(Municipalities::Table, Municipalities::Code),
            )
            .to_owned(),
    )
    .await
}

/// Every figure on `municipalities` becomes its year's row, as it was.
async fn move_old_figures(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let select = Query::select()
        .columns([
            Municipalities::Code,
            Municipalities::PopulationYear,
            Municipalities::PopulationTotal,
            Municipalities::Children,
            Municipalities::ChildrenAgeFrom,
            Municipalities::ChildrenAgeTo,
        ])
        .expr(Func::coalesce([
            Expr::col(Municipalities::PopulationSource).into(),
            Expr::val(SOURCE_NOT_RECORDED).into(),
        ]))
        .column(Municipalities::UpdatedAt)
        .from(Municipalities::Table)
        .and_where(Expr::col(Municipalities::PopulationYear).is_not_null())
        .to_owned();
    let insert = Query::insert()
        .into_table(Population::Table)
        .columns([
            Population::MunicipalityCode,
            Population::Year,
            Population::Total,
            Population::Children,
            Population::ChildrenAgeFrom,
            Population::ChildrenAgeTo,
            Population::Source,
            Population::UpdatedAt,
        ])
        .select_from(select)
        .map_err(|e| DbErr::Migration(e.to_string()))?
        .to_owned();
    m.exec_stmt(insert).await
}

/// The existing rows of `year`: code → (total, source).
async fn rows_of_year(
    m: &SchemaManager<'_>,
    year: i32,
) -> Result<HashMap<String, (Option<i64>, String)>, DbErr> {
    let db = m.get_connection();
    let select = Query::select()
        .columns([
            Population::MunicipalityCode,
            Population::Total,
            Population::Source,
        ])
        .from(Population::Table)
        .and_where(Expr::col(Population::Year).eq(year))
        .to_owned();
    let mut out = HashMap::new();
    for row in db
        .query_all(db.get_database_backend().build(&select))
        .await?
    {
        out.insert(
            row.try_get_by_index::<String>(0)?,
            (
                row.try_get_by_index::<Option<i64>>(1)?,
                row.try_get_by_index::<String>(2)?,
            ),
        );
    }
    Ok(out)
}

/// SCB's 2024 totals for all 290. A row already there for (code, 2024) keeps
/// what it has: a missing total is filled in and the file named beside its
/// source; a total it has already is never overwritten.
async fn load_2024_totals(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 6);
    let existing = rows_of_year(m, 2024).await?;
    let mut insert = Query::insert();
    insert.into_table(Population::Table).columns([
        Population::MunicipalityCode,
        Population::Year,
        Population::Total,
        Population::Source,
        Population::UpdatedAt,
    ]);
    let mut inserts = 0;
    for row in reference_data::population_2024() {
        match existing.get(&row.code) {
            None => {
                insert.values_panic([
                    row.code.into(),
                    row.year.into(),
                    row.population_total.into(),
                    row.source.into(),
                    now.into(),
                ]);
                inserts += 1;
            }
            Some((Some(_), _)) => {}
            Some((None, source)) => {
                let update = Query::update()
                    .table(Population::Table)
                    .value(Population::Total, row.population_total)
                    .value(
                        Population::Source,
                        format!("{source}; total: {}", row.source),
                    )
                    .value(Population::UpdatedAt, now)
                    .and_where(Expr::col(Population::MunicipalityCode).eq(row.code))
                    .and_where(Expr::col(Population::Year).eq(row.year))
                    .to_owned();
                m.exec_stmt(update).await?;
            }
        }
    }
    if inserts > 0 {
        m.exec_stmt(insert).await?;
    }
    Ok(())
}

/// Cached answers name the data version; figures changed, so it moves.
async fn move_data_version(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.exec_stmt(
        Query::update()
            .table(Alias::new("feed_counter"))
            .value(
                Alias::new("data_version"),
                Expr::col(Alias::new("data_version")).add(1),
            )
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(m).await?;
        move_old_figures(m).await?;
        load_2024_totals(m).await?;
        // One column per statement: SQLite alters one thing at a time.
        for (column, _) in old_columns() {
            m.alter_table(
                Table::alter()
                    .table(Municipalities::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        move_data_version(m).await
    }

    /// Back to one figure per municipality: the latest year with a child
    /// figure, as the columns held before (they fed the rates per child).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (_, def) in old_columns() {
            m.alter_table(
                Table::alter()
                    .table(Municipalities::Table)
                    .add_column(def)
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute(Statement::from_string(
            db.get_database_backend(),
            "UPDATE municipalities SET \
               population_year = p.year, population_total = p.total, children = p.children, \
               children_age_from = p.children_age_from, children_age_to = p.children_age_to, \
               population_source = p.source \
             FROM population p \
             WHERE p.municipality_code = municipalities.code AND p.children IS NOT NULL \
               AND p.year = (SELECT MAX(q.year) FROM population q \
                             WHERE q.municipality_code = p.municipality_code AND q.children IS NOT NULL)",
        ))
        .await?;
        m.drop_table(Table::drop().table(Population::Table).to_owned())
            .await?;
        move_data_version(m).await
    }
}
