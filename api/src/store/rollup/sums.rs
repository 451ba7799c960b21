//! What counted sessions sum to, and how sums are read back from the rollups
//! the same way on SQLite and PostgreSQL.

use std::iter;

use entity::reach_rollup;
use entity::reach_rollup::Column;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{DbErr, IdenStatic, QueryResult};

/// A cell's key: the sum of its sessions' record keys modulo 2³².
pub type CellKey = u32;

/// A count of people before disclosure control.
pub type Count = i64;

/// The people counts of one row, as summed: the one list of them. A new
/// measure is a field here, its column in `COLUMNS` and its place in
/// `values`/`from_values`; every query, rollup write and snapshot follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub enrolled: Count,
    /// Enrolled in completed sessions: the denominator of `completion_rate`, not published.
    pub enrolled_finished: Count,
    pub completed: Count,
    pub women: Count,
    pub men: Count,
    pub vulnerable_area: Count,
    pub satisfaction_respondents: Count,
    pub satisfied: Count,
}

impl RowCounts {
    /// The `reach_rollup` columns that hold the counts, in `values` order.
    pub const COLUMNS: [Column; 8] = [
        Column::Enrolled,
        Column::EnrolledFinished,
        Column::Completed,
        Column::Women,
        Column::Men,
        Column::VulnerableArea,
        Column::SatisfactionRespondents,
        Column::Satisfied,
    ];

    /// The counts in `COLUMNS` order.
    pub fn values(&self) -> [Count; 8] {
        [
            self.enrolled,
            self.enrolled_finished,
            self.completed,
            self.women,
            self.men,
            self.vulnerable_area,
            self.satisfaction_respondents,
            self.satisfied,
        ]
    }

    fn from_values(values: [Count; 8]) -> Self {
        let [enrolled, finished, completed, women, men, vulnerable, respondents, satisfied] =
            values;
        Self {
            enrolled,
            enrolled_finished: finished,
            completed,
            women,
            men,
            vulnerable_area: vulnerable,
            satisfaction_respondents: respondents,
            satisfied,
        }
    }

    /// Reads the counts from a result row whose columns are named as in `COLUMNS`.
    pub fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self::from_values(read_columns(row, Self::COLUMNS)?))
    }

    /// Adds `times` another row's counts: 1 to sum rows, −1 to take a row away.
    pub fn add_times(&mut self, o: &RowCounts, times: Count) {
        let (a, b) = (self.values(), o.values());
        *self = Self::from_values(std::array::from_fn(|i| a[i] + times * b[i]));
    }

    pub fn add(&mut self, o: &RowCounts) {
        self.add_times(o, 1)
    }

    pub fn is_zero(&self) -> bool {
        self.values() == [0; 8]
    }
}

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
