//! The rules of a batch and of a single PUT beyond each item's own fields:
//! batch shape, mode and scope, required and unique `external_id`s, and the
//! path's `external_id`. Used by the server and by `sync push`'s local check.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde_json::Value;

use super::validate::{session_fields, KnownCodes, SessionFields};
use crate::config::MAX_BATCH_SESSIONS;
use crate::error::{ApiError, FieldError};
use crate::vocab::limits::MAX_EXTERNAL_ID;

/// The `external_id` path parameter.
pub fn external_id_param(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.chars().count() > MAX_EXTERNAL_ID || raw.chars().any(char::is_control)
    {
        return Err(ApiError::invalid_parameter(
            "external_id",
            format!("must be 1–{MAX_EXTERNAL_ID} printable characters"),
        ));
    }
    Ok(raw.to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Upsert,
    Replace,
}

/// The part of a municipality's sessions a `replace` covers, by `start_date`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope {
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
}

impl Scope {
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start_from.is_none_or(|f| d >= f) && self.start_to.is_none_or(|t| d <= t)
    }
}

/// A validated batch: the fields of every session, plus mode and scope.
pub struct ParsedBatch {
    pub mode: Mode,
    pub scope: Scope,
    pub allow_mass_delete: bool,
    pub sessions: Vec<SessionFields>,
}

impl ParsedBatch {
    /// Plain upserts, as a PUT writes its one session.
    pub fn upsert(sessions: Vec<SessionFields>) -> Self {
        Self {
            mode: Mode::Upsert,
            scope: Scope::default(),
            allow_mass_delete: false,
            sessions,
        }
    }
}

/// Validates a whole batch body, listing every problem of every item.
pub fn parse_batch(body: &Value, ctx: &KnownCodes) -> Result<ParsedBatch, ApiError> {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(ApiError::unprocessable(
            "the body must be a JSON object",
            vec![FieldError::at("", "must be a JSON object")],
        ));
    };
    for key in obj.keys() {
        if !["mode", "scope", "allow_mass_delete", "sessions"].contains(&key.as_str()) {
            errors.push(FieldError::at(
                format!("/{key}"),
                "is not a field of a batch",
            ));
        }
    }
    let mode = match obj.get("mode").and_then(Value::as_str) {
        Some("upsert") => Some(Mode::Upsert),
        Some("replace") => Some(Mode::Replace),
        _ => {
            errors.push(FieldError::at("/mode", "must be \"upsert\" or \"replace\""));
            None
        }
    };
    let mut scope = Scope::default();
    match obj.get("scope") {
        None | Some(Value::Null) => {}
        Some(Value::Object(s)) => {
            for key in s
                .keys()
                .filter(|k| !["start_from", "start_to"].contains(&k.as_str()))
            {
                errors.push(FieldError::at(
                    format!("/scope/{key}"),
                    "is not a field of a scope",
                ));
            }
            for (field, slot) in [
                ("start_from", &mut scope.start_from),
                ("start_to", &mut scope.start_to),
            ] {
                match s.get(field) {
                    None | Some(Value::Null) => {}
                    Some(v) => match v
                        .as_str()
                        .ok_or_else(|| "must be a date (YYYY-MM-DD)".to_owned())
                        .and_then(crate::vocab::parse_date)
                    {
                        Ok(d) => *slot = Some(d),
                        Err(e) => errors.push(FieldError::at(format!("/scope/{field}"), e)),
                    },
                }
            }
            if let (Some(f), Some(t)) = (scope.start_from, scope.start_to) {
                if f > t {
                    errors.push(FieldError::at(
                        "/scope/start_to",
                        format!("{t} is before start_from {f}"),
                    ));
                }
            }
            if mode == Some(Mode::Upsert) {
                errors.push(FieldError::at("/scope", "only applies to mode \"replace\""));
            }
        }
        Some(_) => errors.push(FieldError::at("/scope", "must be an object")),
    }
    let allow_mass_delete = match obj.get("allow_mass_delete") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(FieldError::at(
                "/allow_mass_delete",
                "must be true or false",
            ));
            false
        }
    };
    let mut sessions = Vec::new();
    match obj.get("sessions") {
        Some(Value::Array(items)) if items.len() > MAX_BATCH_SESSIONS => {
            errors.push(FieldError::at(
                "/sessions",
                format!(
                    "has {} sessions; at most {MAX_BATCH_SESSIONS} per batch",
                    items.len()
                ),
            ));
        }
        Some(Value::Array(items)) => sessions = batch_items(items, ctx, &mut errors),
        _ => errors.push(FieldError::at(
            "/sessions",
            "is required: an array of sessions",
        )),
    }
    if !errors.is_empty() {
        let bad_items: HashSet<&str> = errors
            .iter()
            .filter_map(|e| e.pointer.as_deref())
            .filter_map(|p| p.strip_prefix("/sessions/"))
            .filter_map(|p| p.split('/').next())
            .collect();
        return Err(ApiError::unprocessable(
            format!(
                "{} problem(s) in {} session(s); nothing was written",
                errors.len(),
                bad_items.len()
            ),
            errors,
        ));
    }
    Ok(ParsedBatch {
        mode: mode.unwrap_or(Mode::Upsert),
        scope,
        allow_mass_delete,
        sessions,
    })
}

/// The items of a batch, each at `/sessions/{i}`: every item's problems, plus
/// a missing or repeated `external_id`.
pub fn batch_items(
    items: &[Value],
    ctx: &KnownCodes,
    errors: &mut Vec<FieldError>,
) -> Vec<SessionFields> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut sessions = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("/sessions/{i}");
        if item.get("external_id").is_none_or(Value::is_null) && item.is_object() {
            errors.push(FieldError::at(
                format!("{at}/external_id"),
                "is required in a batch",
            ));
        }
        if let Some(fields) = session_fields(item, &at, ctx, errors) {
            if let Some(first) = seen.insert(fields.external_id().to_owned(), i) {
                errors.push(FieldError::at(
                    format!("{at}/external_id"),
                    format!(
                        "'{}' already appears at /sessions/{first}",
                        fields.external_id()
                    ),
                ));
            }
            sessions.push(fields);
        }
    }
    sessions
}

/// One session of a PUT: the path names it, and the body may repeat its
/// `external_id` but not contradict it.
pub fn put_item(
    body: &Value,
    external_id: &str,
    ctx: &KnownCodes,
) -> Result<SessionFields, ApiError> {
    let mut value = body.clone();
    if let Some(obj) = value.as_object_mut() {
        match obj.get("external_id") {
            None | Some(Value::Null) => {
                obj.insert("external_id".into(), Value::String(external_id.to_owned()));
            }
            Some(Value::String(s)) if s == external_id => {}
            Some(_) => {
                return Err(ApiError::unprocessable(
                    "external_id in the body differs from the path",
                    vec![FieldError::at(
                        "/external_id",
                        format!("must equal the path's '{external_id}' (or be left out)"),
                    )],
                ))
            }
        }
    }
    let mut errors = Vec::new();
    session_fields(&value, "", ctx, &mut errors).ok_or_else(|| {
        ApiError::unprocessable(
            format!(
                "{} problem(s) in the session; nothing was written",
                errors.len()
            ),
            errors.clone(),
        )
    })
}
