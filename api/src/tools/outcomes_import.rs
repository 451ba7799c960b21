//! Reading outcome statistics from Kolada's API answers (v3, and v2 where it
//! differs) and from a plain CSV, into a [`Reading`] that
//! `resources::outcomes::write::apply` writes. Pure parsing: every problem
//! is named with its CSV line or JSON path, and a file with any problem is
//! rejected whole.
//!
//! Kolada's data answers: `{"count", "values": [row…], "next_url"}` (v2 and
//! some clients: `next_page`), each row `{"kpi", "municipality", "period",
//! "values": [{"gender": "T"|"K"|"M", "count", "status", "value"}]}`. A row
//! removed since `from_date` carries `isdeleted` (v2: `is_deleted`, 0 or 1)
//! on the row or on a value; its value is null. KPI metadata rows
//! (`{"id", "title", "description", "is_divided_by_gender", …}`) are read too.
//! A file may hold one answer or an array of answers (pages saved together).

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::resources::outcomes::store::KOLADA;
use crate::resources::outcomes::write::{KpiMetadata, Reading, Removal, SourcedValue};
use crate::vocab::{kolada_area, parse_kpi, OutcomeGender};

pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;
const MAX_STATUS_CHARS: usize = 100;

/// Where a reading's values come from, and when they were read.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Named in every value's source after "Kolada (RKA), KPI …".
    pub name: String,
    pub retrieved_at: DateTime<Utc>,
}

fn gender(s: &str) -> Result<OutcomeGender, String> {
    match s.trim() {
        "T" | "t" | "total" => Ok(OutcomeGender::Total),
        "K" | "k" | "women" => Ok(OutcomeGender::Women),
        "M" | "m" | "men" => Ok(OutcomeGender::Men),
        other => Err(format!(
            "gender '{other}' is not T (total), K (women) or M (men)"
        )),
    }
}

fn status(s: Option<&str>) -> Result<Option<String>, String> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > MAX_STATUS_CHARS || s.chars().any(char::is_control) => Err(
            format!("status must be at most {MAX_STATUS_CHARS} printable characters"),
        ),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

fn year(s: &str) -> Result<i32, String> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| YEARS.contains(y))
        .ok_or_else(|| {
            format!(
                "period '{s}' is not a year {}–{}",
                YEARS.start(),
                YEARS.end()
            )
        })
}

/// `isdeleted` (v3) or `is_deleted` (v2): true/false or 1/0.
fn deleted(obj: &serde_json::Map<String, Value>) -> Result<bool, String> {
    match obj.get("isdeleted").or_else(|| obj.get("is_deleted")) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(false),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(true),
        Some(v) => Err(format!("isdeleted {v} is not true, false, 0 or 1")),
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

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

/// Reads a plain CSV: a header naming `kpi`, `municipality` (or `area`: a
/// Kolada area id), `year` (or `period`), `gender` (T/K/M or
/// total/women/men), `value` (empty: none), `source`, and optionally
/// `status`, `count` and `retrieved_at` (RFC 3339; else `origin`'s).
pub fn read_csv(bytes: &[u8], origin: &Origin, problems: &mut Vec<String>) -> Reading {
    let mut reading = Reading::default();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(e) => {
            problems.push(format!("not UTF-8: {e}"));
            return reading;
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(format!("line 1: {e}"));
            return reading;
        }
    };
    let col = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_ascii_lowercase().as_str()))
    };
    let need = [
        ("kpi", col(&["kpi"])),
        ("municipality", col(&["municipality", "area"])),
        ("year", col(&["year", "period"])),
        ("gender", col(&["gender"])),
        ("value", col(&["value"])),
        ("source", col(&["source"])),
    ];
    let missing: Vec<&str> = need
        .iter()
        .filter(|(_, c)| c.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "line 1: the header has no column {}",
            missing.join(", ")
        ));
        return reading;
    }
    let [kpi_c, area_c, year_c, gender_c, value_c, source_c] = need.map(|(_, c)| c.unwrap_or(0));
    let (status_c, count_c, at_c) = (col(&["status"]), col(&["count"]), col(&["retrieved_at"]));
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let cell = |c: usize| record.get(c).unwrap_or_default().trim();
        let mut bad = Vec::new();
        let kpi = parse_kpi(cell(kpi_c)).unwrap_or_else(|e| {
            bad.push(format!("kpi: {e}"));
            String::new()
        });
        let area = cell(area_c).to_owned();
        if kolada_area(&area).is_none() {
            bad.push(format!(
                "municipality '{area}' is not a Kolada id of the country (0000), a county (00 + \
                 county code) or a municipality"
            ));
        }
        let y = year(cell(year_c)).unwrap_or_else(|e| {
            bad.push(e);
            0
        });
        let g = gender(cell(gender_c)).map_err(|e| bad.push(e)).ok();
        let value = match cell(value_c) {
            "" => None,
            v => match v.replace(',', ".").parse::<f64>() {
                Ok(x) if x.is_finite() => Some(x),
                _ => {
                    bad.push(format!("value '{v}' is not a number (empty: none)"));
                    None
                }
            },
        };
        let count = match count_c.map(cell) {
            None | Some("") => None,
            Some(c) => c.parse::<i64>().ok().filter(|c| *c >= 0).or_else(|| {
                bad.push(format!("count '{c}' is not a whole number ≥ 0"));
                None
            }),
        };
        let st = status(status_c.map(cell)).unwrap_or_else(|e| {
            bad.push(e);
            None
        });
        let source = cell(source_c).to_owned();
        if source.is_empty() || source.chars().any(char::is_control) {
            bad.push("source must be given (printable text)".into());
        }
        let retrieved_at = match at_c.map(cell) {
            None | Some("") => origin.retrieved_at,
            Some(t) => DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|_| {
                    bad.push(format!("retrieved_at '{t}' is not an RFC 3339 timestamp"));
                    origin.retrieved_at
                }),
        };
        if !bad.is_empty() {
            problems.extend(bad.into_iter().map(|b| format!("line {line}: {b}")));
            continue;
        }
        let Some(g) = g else { continue };
        reading.values.push(SourcedValue {
            kpi,
            area,
            year: y,
            gender: g,
            value,
            status: st,
            count,
            source,
            retrieved_at,
            at: format!("line {line}"),
        });
    }
    reading
}

/// A Kolada JSON answer or a CSV, told apart by the first character.
pub fn read(bytes: &[u8], origin: &Origin) -> Result<Reading, Vec<String>> {
    let mut problems = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    let reading = if text.trim_start().starts_with(['{', '[']) {
        read_json(&text, origin, &mut problems)
    } else {
        read_csv(bytes, origin, &mut problems)
    };
    if problems.is_empty()
        && reading.values.is_empty()
        && reading.removals.is_empty()
        && reading.kpis.is_empty()
        && reading.skipped == 0
    {
        problems.push("the file holds no value".into());
    }
    if problems.is_empty() {
        Ok(reading)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            name: "test".into(),
            retrieved_at: "2026-12-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn outcomes_import_reads_v3_and_v2_shapes_and_keeps_status_and_gaps() {
        let v3 = r#"{"count": 2, "next_url": null, "values": [
            {"kpi": "N15428", "municipality": "1980", "period": 2023,
             "values": [{"gender": "T", "count": 1, "status": "", "value": 80.5},
                        {"gender": "K", "count": 1, "status": "M", "value": null}]},
            {"kpi": "N15428", "municipality": "G12345", "period": 2023, "values": []},
            {"kpi": "N15428", "municipality": "0019", "period": 2022, "isdeleted": true, "values": null}]}"#;
        let r = read(v3.as_bytes(), &origin()).unwrap();
        assert_eq!(r.values.len(), 2);
        assert_eq!(r.values[1].value, None);
        assert_eq!(r.values[1].status.as_deref(), Some("M"));
        assert_eq!(r.skipped, 1);
        assert_eq!(r.removals.len(), 1);
        let v2 = r#"[{"count": 1, "next_page": "x", "values": [
            {"kpi": "N15428", "municipality": "1980", "period": "2021",
             "values": [{"gender": "M", "count": 1, "status": null, "value": 70, "is_deleted": 1}]}]}]"#;
        let r = read(v2.as_bytes(), &origin()).unwrap();
        assert_eq!(r.removals[0].gender, Some(OutcomeGender::Men));
    }

    #[test]
    fn outcomes_import_names_every_bad_json_path_and_csv_line() {
        let bad = r#"{"values": [
            {"kpi": "X1", "municipality": "1980", "period": 2023, "values": []},
            {"kpi": "N15428", "municipality": "1980", "period": 2023,
             "values": [{"gender": "F", "value": 1}, {"gender": "T", "value": "7"}]}]}"#;
        let p = read(bad.as_bytes(), &origin()).unwrap_err();
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].starts_with("$.values[0].kpi"));
        assert!(p[1].starts_with("$.values[1].values[0].gender"));
        assert!(p[2].starts_with("$.values[1].values[1].value"));
        let csv = "kpi,municipality,year,gender,value,status,source\n\
                   N15428,1980,2023,T,80.5,,Kolada\n\
                   N15428,19800,2023,T,80.5,,Kolada\n\
                   N15428,1980,2023,X,abc,,\n";
        let p = read(csv.as_bytes(), &origin()).unwrap_err();
        assert!(
            p.iter().any(|l| l.starts_with("line 3: municipality")),
            "{p:?}"
        );
        assert_eq!(
            p.iter().filter(|l| l.starts_with("line 4")).count(),
            3,
            "{p:?}"
        );
    }
}
