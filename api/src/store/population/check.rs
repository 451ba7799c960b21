//! What a population figure must be, told without the database.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use crate::error::FieldError;
use crate::vocab::limits::{MAX_CHILD_AGE, MAX_SOURCE_CHARS};

/// Years a figure may describe: SCB's municipal population series start in
/// 1968; 2100 stops typos such as 20244 without limiting projections.
pub const YEARS: RangeInclusive<i32> = 1968..=2100;

/// One municipality's population in one year, as a source states it. It
/// replaces the stored row of (code, year) whole: a figure the source does
/// not give is `None`, and becomes unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// 4-digit SCB municipality code.
    pub code: String,
    pub year: i32,
    pub total: Option<i64>,
    /// Children in the band `children_age_from..=children_age_to`.
    pub children: Option<i64>,
    pub children_age_from: Option<i32>,
    pub children_age_to: Option<i32>,
    pub source: String,
}

/// A rule a figure breaks: the field it concerns (empty: the figure as a
/// whole) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub field: &'static str,
    pub detail: String,
}

pub(super) fn broken(field: &'static str, detail: impl Into<String>) -> Broken {
    Broken {
        field,
        detail: detail.into(),
    }
}

/// Every rule `f` breaks (not whether its municipality exists).
pub fn check(f: &Figure) -> Vec<Broken> {
    let mut out = Vec::new();
    if !YEARS.contains(&f.year) {
        let (lo, hi) = (YEARS.start(), YEARS.end());
        out.push(broken("year", format!("{} is outside {lo}..={hi}", f.year)));
    }
    for (field, v) in [("total", f.total), ("children", f.children)] {
        if v.is_some_and(|n| n < 0) {
            out.push(broken(field, "must not be negative"));
        }
    }
    if f.total.is_none() && f.children.is_none() {
        out.push(broken("", "needs at least one of total and children"));
    }
    let band = [
        ("children_age_from", f.children_age_from),
        ("children_age_to", f.children_age_to),
    ];
    for (field, age) in band {
        match (f.children, age) {
            (Some(_), None) => out.push(broken(field, "is required when children is given")),
            (None, Some(_)) => out.push(broken(field, "is given without children")),
            (_, Some(a)) if !(0..=MAX_CHILD_AGE).contains(&a) => {
                out.push(broken(field, format!("{a} is outside 0..={MAX_CHILD_AGE}")));
            }
            _ => {}
        }
    }
    if let (Some(lo), Some(hi)) = (f.children_age_from, f.children_age_to) {
        if lo > hi {
            out.push(broken(
                "children_age_to",
                format!("{hi} is below children_age_from {lo}"),
            ));
        }
    }
    if let (Some(c), Some(t)) = (f.children, f.total) {
        if c > t {
            out.push(broken("children", format!("{c} is more than total {t}")));
        }
    }
    let chars = f.source.chars().count();
    if f.source.trim().is_empty() || chars > MAX_SOURCE_CHARS {
        out.push(broken(
            "source",
            format!("must be 1–{MAX_SOURCE_CHARS} characters"),
        ));
    } else if f.source.chars().any(char::is_control) {
        out.push(broken("source", "must not contain control characters"));
    }
    out
}

pub(super) fn field_error(i: usize, f: &Figure, b: &Broken) -> FieldError {
    let pointer = match b.field {
        "" => format!("/{i}"),
        field => format!("/{i}/{field}"),
    };
    let what = match b.field {
        "" => String::new(),
        field => format!("{field} "),
    };
    FieldError::at(
        pointer,
        format!("{} {}: {what}{}", f.code, f.year, b.detail),
    )
}

/// Every problem of `figures` that can be told without the database.
pub(super) fn problems(figures: &[Figure]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, f) in figures.iter().enumerate() {
        errors.extend(check(f).iter().map(|b| field_error(i, f, b)));
        if !seen.insert((f.code.as_str(), f.year)) {
            let dup = broken("", "appears more than once");
            errors.push(field_error(i, f, &dup));
        }
    }
    errors
}
