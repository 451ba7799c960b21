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

mod csv_file;
mod kolada;

use chrono::{DateTime, Utc};
use serde_json::Value;

pub use self::csv_file::read_csv;
pub use self::kolada::read_json;
use crate::resources::outcomes::write::Reading;
use crate::vocab::OutcomeGender;

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
