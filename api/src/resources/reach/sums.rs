//! What counted sessions sum to, and how sums are read back from the rollups
//! the same way on SQLite and PostgreSQL.

use std::iter;

use entity::reach_rollup;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{DbErr, IdenStatic, QueryResult};

use super::disclosure::RowCounts;
use super::perturbation::CellKey;

/// What counted sessions sum to: a `reach_rollup` row, or a group of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sums {
    pub sessions: i64,
    pub counts: RowCounts,
    /// The sum of the sessions' record keys (see `perturbation`).
    pub keys: i64,
}

impl Sums {
    pub fn add(&mut self, o: &Sums) {
        self.sessions += o.sessions;
        self.counts.add(&o.counts);
        self.keys += o.keys;
    }

    /// The cell key of these sessions: their record keys' sum modulo 2^32.
    pub fn cell_key(&self) -> CellKey {
        self.keys.rem_euclid(1 << 32) as CellKey
    }

    /// The `reach_rollup` columns, `sessions` first (`add_to` relies on it).
    pub(super) fn columns() -> impl Iterator<Item = reach_rollup::Column> {
        iter::once(reach_rollup::Column::Sessions)
            .chain(RowCounts::COLUMNS)
            .chain(iter::once(reach_rollup::Column::CellKey))
    }

    pub(super) fn values(&self) -> impl Iterator<Item = i64> {
        iter::once(self.sessions)
            .chain(self.counts.values())
            .chain(iter::once(self.keys))
    }

    pub fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            sessions: row.try_get("", reach_rollup::Column::Sessions.as_str())?,
            counts: RowCounts::from_row(row)?,
            keys: row.try_get("", reach_rollup::Column::CellKey.as_str())?,
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
