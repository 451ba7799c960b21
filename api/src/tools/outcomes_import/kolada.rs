//! Kolada's API answers (v3, and v2 where it differs), one or an array
//! of pages saved together.

use serde_json::Value;

use super::{deleted, gender, status, text, year, Origin};
use crate::resources::outcomes::store::KOLADA;
use crate::resources::outcomes::write::{KpiMetadata, Reading, Removal, SourcedValue};
use crate::vocab::{kolada_area, parse_kpi};

/// Reads one Kolada JSON document; problems are pushed with their paths.
pub fn read_json(text_in: &str, origin: &Origin, problems: &mut Vec<String>) -> Reading {
    let mut reading = Reading::default();
    let doc: Value = match serde_json::from_str(text_in) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!(
                "$: not JSON (line {}, column {}: {e})",
                e.line(),
                e.column()
            ));
            return reading;
        }
    };
    match &doc {
        Value::Array(pages) => {
            for (i, page) in pages.iter().enumerate() {
                read_page(page, &format!("$[{i}]"), origin, &mut reading, problems);
            }
        }
        page => read_page(page, "$", origin, &mut reading, problems),
    }
    reading
}

fn read_page(
    page: &Value,
    at: &str,
    origin: &Origin,
    reading: &mut Reading,
    problems: &mut Vec<String>,
) {
    let Some(rows) = page.get("values").and_then(Value::as_array) else {
        problems.push(format!(
            "{at}: not a Kolada answer (an object with a \"values\" list)"
        ));
        return;
    };
    for (i, row) in rows.iter().enumerate() {
        let at = format!("{at}.values[{i}]");
        match row.as_object() {
            Some(obj) if obj.contains_key("title") => {
                read_metadata(obj, &at, origin, reading, problems)
            }
            Some(obj) => read_row(obj, &at, origin, reading, problems),
            None => problems.push(format!("{at}: not an object")),
        }
    }
}

fn read_metadata(
    obj: &serde_json::Map<String, Value>,
    at: &str,
    origin: &Origin,
    reading: &mut Reading,
    problems: &mut Vec<String>,
) {
    let id = match text(obj.get("id")).map(|s| parse_kpi(&s)) {
        Some(Ok(id)) => id,
        Some(Err(e)) => return problems.push(format!("{at}.id: {e}")),
        None => return problems.push(format!("{at}.id: missing")),
    };
    let Some(title) = obj
        .get("title")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    else {
        return problems.push(format!("{at}.title: missing or empty"));
    };
    let divided = match obj.get("is_divided_by_gender") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Number(n)) => Some(n.as_u64() == Some(1)),
        Some(v) => {
            return problems.push(format!("{at}.is_divided_by_gender: {v} is not a boolean"))
        }
    };
    reading.kpis.push(KpiMetadata {
        source: format!("{KOLADA}, KPI {id}, {}", origin.name),
        id,
        title: title.trim().to_owned(),
        description: obj
            .get("description")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
        divided_by_gender: divided,
        retrieved_at: origin.retrieved_at,
    });
}

fn read_row(
    obj: &serde_json::Map<String, Value>,
    at: &str,
    origin: &Origin,
    reading: &mut Reading,
    problems: &mut Vec<String>,
) {
    let before = problems.len();
    let kpi = match text(obj.get("kpi")).map(|s| parse_kpi(&s)) {
        Some(Ok(k)) => k,
        Some(Err(e)) => {
            problems.push(format!("{at}.kpi: {e}"));
            String::new()
        }
        None => {
            problems.push(format!("{at}.kpi: missing"));
            String::new()
        }
    };
    let area = match text(obj.get("municipality")) {
        Some(a) => a,
        None => {
            problems.push(format!("{at}.municipality: missing"));
            String::new()
        }
    };
    let period = match text(obj.get("period")).map(|p| year(&p)) {
        Some(Ok(y)) => y,
        Some(Err(e)) => {
            problems.push(format!("{at}.period: {e}"));
            0
        }
        None => {
            problems.push(format!("{at}.period: missing"));
            0
        }
    };
    let row_deleted = deleted(obj).unwrap_or_else(|e| {
        problems.push(format!("{at}: {e}"));
        false
    });
    if problems.len() > before {
        return;
    }
    if kolada_area(&area).is_none() {
        if area.starts_with('G') {
            reading.skipped += 1;
        } else {
            problems.push(format!(
                "{at}.municipality: '{area}' is not a Kolada id of the country (0000), a county \
                 (00 + county code) or a municipality"
            ));
        }
        return;
    }
    let entries = match obj.get("values") {
        Some(Value::Array(v)) => v.as_slice(),
        None | Some(Value::Null) if row_deleted => &[],
        _ => return problems.push(format!("{at}.values: missing or not a list")),
    };
    if row_deleted {
        reading.removals.push(Removal {
            kpi,
            area,
            year: period,
            gender: None,
            at: at.to_owned(),
        });
        return;
    }
    for (j, entry) in entries.iter().enumerate() {
        let at = format!("{at}.values[{j}]");
        let Some(e) = entry.as_object() else {
            problems.push(format!("{at}: not an object"));
            continue;
        };
        let g = match e.get("gender").and_then(Value::as_str).map(gender) {
            Some(Ok(g)) => g,
            Some(Err(err)) => {
                problems.push(format!("{at}.gender: {err}"));
                continue;
            }
            None => {
                problems.push(format!("{at}.gender: missing"));
                continue;
            }
        };
        match deleted(e) {
            Ok(true) => {
                reading.removals.push(Removal {
                    kpi: kpi.clone(),
                    area: area.clone(),
                    year: period,
                    gender: Some(g),
                    at: at.clone(),
                });
                continue;
            }
            Ok(false) => {}
            Err(err) => {
                problems.push(format!("{at}: {err}"));
                continue;
            }
        }
        let value = match e.get("value") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
            Some(v) => {
                problems.push(format!("{at}.value: {v} is not a number or null"));
                continue;
            }
        };
        let count = match e.get("count") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some_and(|c| c >= 0) => n.as_i64(),
            Some(v) => {
                problems.push(format!("{at}.count: {v} is not a whole number ≥ 0"));
                continue;
            }
        };
        let status = match status(e.get("status").and_then(Value::as_str)) {
            Ok(s) => s,
            Err(err) => {
                problems.push(format!("{at}.status: {err}"));
                continue;
            }
        };
        reading.values.push(SourcedValue {
            source: format!("{KOLADA}, KPI {kpi}, {}", origin.name),
            kpi: kpi.clone(),
            area: area.clone(),
            year: period,
            gender: g,
            value,
            status,
            count,
            retrieved_at: origin.retrieved_at,
            at,
        });
    }
}
