//! What a database error means for the client: the database away (503,
//! retry) or a bug (500).

use super::{chain, ApiError};

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if database_away(&e) {
            return Self::database_unavailable(chain(&e));
        }
        Self::internal(chain(&e))
    }
}

/// Whether `e` says the database could not be reached or dropped the
/// connection (PostgreSQL restarting, failing over, an operator's
/// `pg_terminate_backend`; a SQLite file locked past the busy timeout),
/// rather than that the statement was wrong: a moment later the same
/// request may well succeed.
pub fn database_away(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx = match e {
        // Whatever stopped a connection from being made or handed out.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or_default();
            // PostgreSQL: class 08 connection exceptions; 57P01-57P03
            // admin or crash shutdown, cannot connect now. SQLite: 5
            // SQLITE_BUSY and 6 SQLITE_LOCKED, with their extended codes.
            code.starts_with("08")
                || matches!(code, "57P01" | "57P02" | "57P03")
                || matches!(code.parse::<i32>().map(|c| c & 0xff), Ok(5 | 6))
        }
        _ => false,
    }
}

impl From<sea_orm::TransactionError<ApiError>> for ApiError {
    fn from(e: sea_orm::TransactionError<ApiError>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(api) => api,
        }
    }
}
