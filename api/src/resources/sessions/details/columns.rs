//! The details as flat columns (`venue_town`, `schedule_dates`, …): the
//! sessions CSV writes them and the sync client reads a municipality's CSV
//! export by them, from this one table, so the two cannot drift.

use serde_json::{json, Map, Value};

use crate::http::formats::Cell;

/// How a column's text becomes the JSON value the API takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// `;`-separated, like `languages`.
    List,
    Whole,
    Decimal,
    Flag,
}

/// (column, object, field, kind), in the CSV's order.
pub const COLUMNS: &[(&str, &str, &str, Kind)] = &[
    ("schedule_weekday", "schedule", "weekday", Kind::Text),
    ("schedule_dates", "schedule", "dates", Kind::List),
    (
        "schedule_except_dates",
        "schedule",
        "except_dates",
        Kind::List,
    ),
    ("schedule_start_time", "schedule", "start_time", Kind::Text),
    ("schedule_end_time", "schedule", "end_time", Kind::Text),
    ("schedule_note", "schedule", "note", Kind::Text),
    ("venue_name", "venue", "name", Kind::Text),
    (
        "venue_street_address",
        "venue",
        "street_address",
        Kind::Text,
    ),
    ("venue_postal_code", "venue", "postal_code", Kind::Text),
    ("venue_town", "venue", "town", Kind::Text),
    ("venue_latitude", "venue", "latitude", Kind::Decimal),
    ("venue_longitude", "venue", "longitude", Kind::Decimal),
    ("registration_url", "registration", "url", Kind::Text),
    ("registration_email", "registration", "email", Kind::Text),
    ("registration_phone", "registration", "phone", Kind::Text),
    (
        "registration_instructions",
        "registration",
        "instructions",
        Kind::Text,
    ),
    (
        "registration_deadline",
        "registration",
        "deadline",
        Kind::Text,
    ),
    ("cost_free", "cost", "free", Kind::Flag),
    ("cost_amount_sek", "cost", "amount_sek", Kind::Whole),
    ("cost_note", "cost", "note", Kind::Text),
    (
        "accessibility_interpreter_on_request",
        "accessibility",
        "interpreter_on_request",
        Kind::Flag,
    ),
    (
        "accessibility_step_free_access",
        "accessibility",
        "step_free_access",
        Kind::Flag,
    ),
    ("accessibility_note", "accessibility", "note", Kind::Text),
];

/// The column names, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(name, ..)| *name)
}

/// The cells of one session's details; `objects` maps each object's name to
/// its JSON (absent or null: every cell of it empty).
pub fn cells(objects: &Map<String, Value>) -> Vec<Cell> {
    COLUMNS
        .iter()
        .map(
            |(_, object, field, _)| match objects.get(*object).and_then(|o| o.get(*field)) {
                None | Some(Value::Null) => Cell::Empty,
                Some(Value::String(s)) => Cell::Text(s.clone()),
                Some(Value::Bool(b)) => Cell::Bool(*b),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => Cell::Int(i),
                    None => Cell::Number(n.as_f64().unwrap_or_default()),
                },
                Some(Value::Array(items)) => Cell::Text(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(";"),
                ),
                Some(other) => Cell::Text(other.to_string()),
            },
        )
        .collect()
}

/// Puts a CSV cell of a details column into `session` as its object's field;
/// false when `column` is not one. A cell that does not parse stays text, so
/// validation names it.
pub fn put_cell(session: &mut Map<String, Value>, column: &str, cell: &str) -> bool {
    let Some((_, object, field, kind)) = COLUMNS.iter().find(|(name, ..)| *name == column) else {
        return false;
    };
    let value = match kind {
        Kind::Text => json!(cell),
        Kind::List => Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| json!(s))
                .collect(),
        ),
        Kind::Whole => cell
            .parse::<i64>()
            .map_or_else(|_| json!(cell), Value::from),
        Kind::Decimal => cell
            .parse::<f64>()
            .map_or_else(|_| json!(cell), Value::from),
        Kind::Flag => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => json!(true),
            "false" | "no" | "0" => json!(false),
            _ => json!(cell),
        },
    };
    let entry = session
        .entry(object.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(o) = entry {
        o.insert(field.to_string(), value);
    }
    true
}
