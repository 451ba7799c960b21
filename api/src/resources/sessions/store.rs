//! Stored sessions: the public columns read for lists, and bulk writes (one
//! multi-row statement per chunk, which is what makes a 10,000-session batch
//! or a million demo rows fast).

use chrono::{DateTime, NaiveDate, Utc};
use entity::session;
use sea_orm::sea_query::{InsertStatement, Query};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, DerivePartialModel, EntityName, FromQueryResult, IdenStatic,
    Iterable, ModelTrait, QueryOrder, Select, Statement,
};
use serde::Deserialize;
use uuid::Uuid;

/// The columns a public read needs, and no more: the private breakdowns,
/// `seq` and the rest are never read for a list, let alone decoded.
///
/// On SQLite a list reads them as one JSON array of arrays, in the order of
/// these fields (see [`public_rows`]).
#[derive(Debug, DerivePartialModel, FromQueryResult, Deserialize)]
#[sea_orm(entity = "session::Entity")]
pub struct PublicSession {
    pub id: Uuid,
    pub municipality_code: String,
    pub external_id: String,
    pub programme: String,
    pub provider: Option<String>,
    pub status: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub meetings: Option<i32>,
    pub languages: String,
    pub delivery: String,
    pub area: Option<String>,
    pub co_hosts: String,
    pub open_to_other_municipalities: bool,
    pub capacity: Option<i32>,
    pub enrolled: i32,
    pub completed: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub schedule: Option<String>,
    pub venue: Option<String>,
    pub registration: Option<String>,
    pub cost: Option<String>,
    pub places_left: Option<i32>,
    pub accessibility: Option<String>,
}

impl From<session::Model> for PublicSession {
    fn from(s: session::Model) -> Self {
        Self {
            id: s.id,
            municipality_code: s.municipality_code,
            external_id: s.external_id,
            programme: s.programme,
            provider: s.provider,
            status: s.status,
            start_date: s.start_date,
            end_date: s.end_date,
            meetings: s.meetings,
            languages: s.languages,
            delivery: s.delivery,
            area: s.area,
            co_hosts: s.co_hosts,
            open_to_other_municipalities: s.open_to_other_municipalities,
            capacity: s.capacity,
            enrolled: s.enrolled,
            completed: s.completed,
            created_at: s.created_at,
            updated_at: s.updated_at,
            schedule: s.schedule,
            venue: s.venue,
            registration: s.registration,
            cost: s.cost,
            places_left: s.places_left,
            accessibility: s.accessibility,
        }
    }
}

/// `PublicSession`'s fields in order, as SQLite's JSON can hold them: the id
/// (a 16-byte blob) as hex, the flag (an integer) as a JSON boolean.
/// Timestamps are RFC 3339 text, as sqlx binds every one written.
const SQLITE_JSON_ROW: &str = "json_array(hex(id), municipality_code, external_id, programme, \
     provider, status, start_date, end_date, meetings, languages, delivery, area, co_hosts, \
     json(iif(open_to_other_municipalities, 'true', 'false')), capacity, enrolled, completed, \
     created_at, updated_at, schedule, venue, registration, cost, places_left, accessibility)";

/// The order of a list, which its cursors follow: `(start_date, id)`.
pub const LIST_ORDER: [session::Column; 2] = [session::Column::StartDate, session::Column::Id];

/// The rows `select` finds, with the public columns, in [`LIST_ORDER`]
/// (put on `select` here, so a limit on it takes the first in that order).
///
/// On SQLite the database hands them over as one JSON text instead of row by
/// row. sqlx's SQLite driver copies every value of every row on its worker
/// thread (a malloc each, freed on another thread) and wakes the waiting
/// task for each row: that was most of a 100-session page's time.
pub async fn public_rows(
    db: &impl ConnectionTrait,
    mut select: Select<session::Entity>,
) -> Result<Vec<PublicSession>, DbErr> {
    for column in LIST_ORDER {
        select = select.order_by_asc(column);
    }
    let page = select.into_partial_model::<PublicSession>();
    if db.get_database_backend() != DbBackend::Sqlite {
        return page.all(db).await;
    }
    let inner = page.into_statement(DbBackend::Sqlite);
    // The aggregate's own ORDER BY: the order a subquery's rows reach an
    // aggregate in is not one SQLite promises.
    let order = LIST_ORDER
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let statement = Statement {
        sql: format!(
            "SELECT json_group_array({SQLITE_JSON_ROW} ORDER BY {order}) FROM ({})",
            inner.sql
        ),
        ..inner
    };
    let Some(row) = db.query_one(statement).await? else {
        return Ok(vec![]);
    };
    let json: String = row.try_get_by_index(0)?;
    serde_json::from_str(&json).map_err(|e| DbErr::Type(format!("a page of sessions: {e}")))
}

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

/// One statement inserting `rows`, at most [`chunk_size`] of them: what a
/// bulk load sends hundreds of times, through one prepared statement that
/// PostgreSQL soon plans once for all.
pub fn insert(backend: DbBackend, rows: &[session::Model]) -> Statement {
    debug_assert!(rows.len() <= chunk_size(backend));
    backend.build(&insert_statement(rows))
}

/// A write's rows. On PostgreSQL as one JSON parameter per chunk, read back
/// as rows of the table's own type: a batch sends [`insert`] only a few
/// times, each planned anew with its 50,000 parameters (21 ms of binding per
/// 2,000 rows, and 30 ms of parsing on each connection's first), measured on
/// the 1M national set. A bulk load is the other way round: JSON took it
/// from 28.6 to 31 s.
pub async fn insert_many(db: &impl ConnectionTrait, rows: &[session::Model]) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks(chunk_size(backend)) {
        let statement = match backend {
            DbBackend::Postgres => insert_from_json(chunk)?,
            _ => insert(backend, chunk),
        };
        db.execute(statement).await?;
    }
    Ok(())
}

fn insert_from_json(rows: &[session::Model]) -> Result<Statement, DbErr> {
    let table = session::Entity.table_name();
    let columns = session::Column::iter()
        .map(|c| format!("\"{}\"", c.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let json = serde_json::to_string(rows).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "INSERT INTO \"{table}\" ({columns}) SELECT {columns} \
             FROM json_populate_recordset(NULL::\"{table}\", $1::json)"
        ),
        [json.into()],
    ))
}
