//! `from`/`to` of a reach query: periods on the rollup's quarter grid.

use chrono::{Datelike, NaiveDate};

use crate::error::ApiError;
use crate::store::rollup::quarter::Quarter;

const NOT_A_PERIOD: &str =
    "is not a period: use YYYY, YYYY-Qn or a YYYY-MM-DD date on a quarter boundary";

/// Parses `from`/`to`: `YYYY`, `YYYY-Qn`, or a date on a quarter's boundary
/// (the first day of a quarter for `from`, the last for `to`). Reach is kept
/// per quarter, so a period that cuts a quarter cannot be answered exactly and
/// is refused rather than silently widened.
pub fn parse_period(name: &str, s: &str, is_end: bool) -> Result<Quarter, ApiError> {
    let bad = |why: &str| ApiError::invalid_parameter(name, format!("'{s}' {why}"));
    let year = |y: &str| -> Result<i32, ApiError> {
        match y.parse::<i32>() {
            Ok(y) if y.to_string().len() == 4 && (1900..=2100).contains(&y) => Ok(y),
            _ => Err(bad(NOT_A_PERIOD)),
        }
    };
    if s.len() == 4 {
        let y = year(s)?;
        return Ok(Quarter {
            year: y,
            quarter: if is_end { 4 } else { 1 },
        });
    }
    if let Some((y, q)) = s.split_once("-Q").or_else(|| s.split_once("-q")) {
        let y = year(y)?;
        return match q.parse::<i32>() {
            Ok(q) if (1..=4).contains(&q) => Ok(Quarter {
                year: y,
                quarter: q,
            }),
            _ => Err(bad("has no quarter 1–4")),
        };
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| crate::vocab::DATE_YEARS.contains(&d.year()))
        .ok_or_else(|| bad(NOT_A_PERIOD))?;
    let quarter = (date.month0() / 3 + 1) as i32;
    let first_month = (quarter - 1) * 3 + 1;
    let on_boundary = if is_end {
        date.succ_opt()
            .is_none_or(|next| next.day() == 1 && next.month0() % 3 == 0)
    } else {
        date.day() == 1 && date.month() as i32 == first_month
    };
    if !on_boundary {
        return Err(bad(if is_end {
            "is not the last day of a quarter; reach is kept per quarter (use YYYY-Qn)"
        } else {
            "is not the first day of a quarter; reach is kept per quarter (use YYYY-Qn)"
        }));
    }
    Ok(Quarter {
        year: date.year(),
        quarter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_quarters_or_years_or_quarter_boundaries() {
        let q = |s, end| parse_period("from", s, end).map(|q| (q.year, q.quarter));
        assert_eq!(q("2024", false).ok(), Some((2024, 1)));
        assert_eq!(q("2024", true).ok(), Some((2024, 4)));
        assert_eq!(q("2024-Q3", false).ok(), Some((2024, 3)));
        assert_eq!(q("2024-04-01", false).ok(), Some((2024, 2)));
        assert_eq!(q("2024-06-30", true).ok(), Some((2024, 2)));
        assert_eq!(q("2024-12-31", true).ok(), Some((2024, 4)));
        assert!(q("2024-05-01", false).is_err());
        assert!(q("2024-06-29", true).is_err());
        assert!(q("2024-Q5", false).is_err());
        assert!(q("24", false).is_err());
        assert!(q("soon", false).is_err());
    }
}
