//! The rollup's finest period.

use chrono::{Datelike, NaiveDate};

/// A quarter, the rollup's finest period: `year * 4 + (quarter - 1)` orders them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quarter {
    pub year: i32,
    pub quarter: i32,
}

/// `YYYY-Qn`, the form `from` and `to` accept.
impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

impl Quarter {
    pub fn index(self) -> i32 {
        self.year * 4 + self.quarter - 1
    }

    /// The quarter `date` falls in.
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            quarter: (date.month0() / 3 + 1) as i32,
        }
    }
}
