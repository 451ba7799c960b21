//! What counted sessions sum to, and how sums are read back from the rollups
//! the same way on SQLite and PostgreSQL.

use std::iter;

use entity::reach_rollup;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{DbErr, IdenStatic, QueryResult};

use super::disclosure::RowCounts;

/// What counted sessions sum to: a `reach_rollup` row, or a group of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub sessions: i64,
    pub counts: RowCounts,
}

impl Sums {
    pub fn add(&mut self, o: &Sums) {
        self.sessions += o.sessions;
        self.counts.add(&o.counts);
    }

    /// The `reach_rollup` columns, `sessions` first (`add_to` relies on it).
    pub(super) fn columns() -> impl Iterator<Item = reach_rollup::Column> {
        iter::once(reach_rollup::Column::Sessions).chain(RowCounts::COLUMNS)
    }

    pub(super) fn values(&self) -> impl Iterator<Item = i64> {
        iter::once(self.sessions).chain(self.counts.values())
    }

    pub fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            sessions: row.try_get("", reach_rollup::Column::Sessions.as_str())?,
            counts: RowCounts::from_row(row)?,
        })
    }
}

/// `SUM(col)` over the grouped rows, 0 over none. PostgreSQL's SUM(bigint) is
/// numeric; the cast back makes both backends return the same type.
pub fn sum_as_bigint(col: impl IdenStatic) -> SimpleExpr {
    Expr::cust(format!(
        "CAST(COALESCE(SUM({}), 0) AS BIGINT)",
        col.as_str()
    ))
}

/// Reads integer columns of a result row by their names.
pub fn read_columns<const N: usize>(
    row: &QueryResult,
    cols: [impl IdenStatic; N],
) -> Result<[i64; N], DbErr> {
    let mut out = [0; N];
    for (value, col) in out.iter_mut().zip(cols) {
        *value = row.try_get("", col.as_str())?;
    }
    Ok(out)
}
