//! Bulk writes of stored sessions: one multi-row statement per chunk, which is
//! what makes a 10,000-session batch or a million demo rows fast.

use entity::session;
use sea_orm::sea_query::{Alias, InsertStatement, Query};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};

const COLUMNS: [&str; 25] = [
    "id",
    "municipality_code",
    "external_id",
    "programme",
    "provider",
    "status",
    "start_date",
    "end_date",
    "meetings",
    "languages",
    "delivery",
    "area",
    "co_hosts",
    "open_to_other_municipalities",
    "capacity",
    "enrolled",
    "completed",
    "women",
    "men",
    "vulnerable_area",
    "satisfaction_respondents",
    "satisfied",
    "seq",
    "created_at",
    "updated_at",
];

/// Rows per statement, under each backend's limit on bound parameters.
pub fn chunk_size(backend: DbBackend) -> usize {
    if backend == DbBackend::Sqlite {
        1000
    } else {
        2000
    }
}

fn insert_statement(rows: &[session::Model]) -> InsertStatement {
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("sessions"))
        .columns(COLUMNS.map(Alias::new));
    for s in rows {
        insert.values_panic([
            s.id.into(),
            s.municipality_code.clone().into(),
            s.external_id.clone().into(),
            s.programme.clone().into(),
            s.provider.clone().into(),
            s.status.clone().into(),
            s.start_date.into(),
            s.end_date.into(),
            s.meetings.into(),
            s.languages.clone().into(),
            s.delivery.clone().into(),
            s.area.clone().into(),
            s.co_hosts.clone().into(),
            s.open_to_other_municipalities.into(),
            s.capacity.into(),
            s.enrolled.into(),
            s.completed.into(),
            s.women.into(),
            s.men.into(),
            s.vulnerable_area.into(),
            s.satisfaction_respondents.into(),
            s.satisfied.into(),
            s.seq.into(),
            s.created_at.into(),
            s.updated_at.into(),
        ]);
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
