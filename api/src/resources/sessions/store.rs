//! Bulk writes of stored sessions: one multi-row statement per chunk, which is
//! what makes a 10,000-session batch or a million demo rows fast.

use entity::session;
use sea_orm::sea_query::{InsertStatement, Query};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Iterable, ModelTrait};

/// Rows per statement, under each backend's limit on bound parameters.
pub fn chunk_size(backend: DbBackend) -> usize {
    if backend == DbBackend::Sqlite {
        1000
    } else {
        2000
    }
}

/// The columns and values come from the entity, so the statement follows
/// the stored model without a second list of its fields.
fn insert_statement(rows: &[session::Model]) -> InsertStatement {
    let columns: Vec<session::Column> = session::Column::iter().collect();
    let mut insert = Query::insert();
    insert
        .into_table(session::Entity)
        .columns(columns.iter().copied());
    for s in rows {
        insert.values_panic(columns.iter().map(|c| s.get(*c).into()));
    }
    insert
}

pub async fn insert_many(db: &impl ConnectionTrait, rows: &[session::Model]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks(chunk_size(backend)) {
        db.execute(backend.build(&insert_statement(chunk))).await?;
    }
    Ok(())
}
