//! A plain CSV of outcome values.

use chrono::{DateTime, Utc};

use super::{gender, status, year, Origin};
use crate::resources::outcomes::write::{Reading, SourcedValue};
use crate::vocab::{kolada_area, parse_kpi};

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
