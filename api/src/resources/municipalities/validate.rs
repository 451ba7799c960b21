//! Validation of an admin's population body, listing every problem.

use serde_json::Value;

use crate::error::{ApiError, FieldError};
use crate::resources::fields::FieldReader;
use crate::store::population::{check, Figure};
use crate::vocab::limits::MAX_SOURCE_CHARS;
use crate::vocab::MunicipalityCode;

const FIELDS: [&str; 5] = [
    "total",
    "children",
    "children_age_from",
    "children_age_to",
    "source",
];

/// The body as a figure for (code, year), or a 422 listing every problem:
/// first each field's own (type, unknown field), then the rules across
/// fields that the store applies to every figure, imports included.
pub fn population_figure(
    code: &MunicipalityCode,
    year: i32,
    body: &Value,
) -> Result<Figure, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError::unprocessable(
            "the body must be a JSON object",
            vec![FieldError::at("", "must be a JSON object")],
        ));
    };
    let mut errors = Vec::new();
    let mut f = FieldReader {
        obj,
        at: String::new(),
        errors: &mut errors,
    };
    f.reject_unknown(&FIELDS, "a population year");
    let total = f.count("total");
    let children = f.count("children");
    let children_age_from = f.count("children_age_from");
    let children_age_to = f.count("children_age_to");
    let source = f.text("source", true, MAX_SOURCE_CHARS);
    // A field that failed on its own is not judged again by the rules below
    // (it would read as missing and be reported twice, and wrongly).
    let failed: Vec<String> = errors
        .iter()
        .filter_map(|e| {
            e.pointer
                .as_deref()
                .map(|p| p.trim_start_matches('/').to_owned())
        })
        .collect();
    let figure = Figure {
        code: code.as_str().to_owned(),
        year,
        total: total.map(i64::from),
        children: children.map(i64::from),
        children_age_from,
        children_age_to,
        source: source.unwrap_or_default(),
    };
    for rule in check(&figure) {
        let depends_on = match rule.field {
            "" => vec!["total", "children"],
            "children_age_from" | "children_age_to" => vec![rule.field, "children"],
            field => vec![field],
        };
        let blocked = failed.iter().any(|f| depends_on.contains(&f.as_str()));
        if !blocked {
            errors.push(FieldError::at(
                if rule.field.is_empty() {
                    String::new()
                } else {
                    format!("/{}", rule.field)
                },
                rule.detail,
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::unprocessable(
            format!(
                "{} problem(s) in the population year; nothing was written",
                errors.len()
            ),
            errors,
        ));
    }
    Ok(figure)
}
