//! What a parent needs to join a session (issue 25): when the meetings are,
//! where, how to sign up, what it costs, places left and accessibility.
//!
//! The nested ones are stored as JSON text, validated and in one canonical
//! form (the API writes them; nothing filters on their insides), so "no
//! change" is a comparison of strings and both backends store them alike.
//! All are nullable: existing sessions simply do not have them yet.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Schedule,
    Venue,
    Registration,
    Cost,
    PlacesLeft,
    Accessibility,
}

const TEXT_COLUMNS: [Sessions; 5] = [
    Sessions::Schedule,
    Sessions::Venue,
    Sessions::Registration,
    Sessions::Cost,
    Sessions::Accessibility,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in TEXT_COLUMNS {
            m.alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .add_column(ColumnDef::new(column).text().null())
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Sessions::Table)
                .add_column(ColumnDef::new(Sessions::PlacesLeft).integer().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in TEXT_COLUMNS.into_iter().chain([Sessions::PlacesLeft]) {
            m.alter_table(
                Table::alter()
                    .table(Sessions::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
