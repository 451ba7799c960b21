//! Validation of session writes, in one place for single PUTs, batches and the
//! sync client's local check. It walks the raw JSON so that it can report
//! *every* problem of every item with a JSON pointer, instead of stopping at
//! the first type error as a derived deserializer would.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use entity::session;
use poem_openapi::registry::Registry;
use poem_openapi::types::Type;
use serde_json::Value;
use uuid::Uuid;

use super::details::validate::{details, Around, Omitted};
use super::requests::SessionWrite;
use super::wire::join_stored;
use crate::error::{no_municipality, no_programme, ApiError, FieldError};
use crate::resources::fields::FieldReader;
use crate::store::reference::ReferenceData;
use crate::vocab::limits::{MAX_CO_HOSTS, MAX_EXTERNAL_ID, MAX_LANGUAGES, MAX_SLUG, MAX_TEXT};
use crate::vocab::{parse_language, Delivery, MunicipalityCode, SessionStatus};

/// The writable fields of a session, validated, already in the stored shape;
/// the id, municipality, seq and timestamps are the writer's to set
/// (`to_model`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFields {
    model: session::Model,
    /// The details the write left out, kept from the stored session.
    omitted: Omitted,
}

/// The fields a session write may carry: exactly those the document
/// promises for `SessionWrite`, read from its schema so the two cannot drift.
pub static FIELDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut registry = Registry::new();
    SessionWrite::register(&mut registry);
    registry
        .schemas
        .get("SessionWrite")
        .map(|schema| schema.properties.iter().map(|(name, _)| *name).collect())
        .unwrap_or_default()
});

/// What validation may check beyond the item itself. Reference sets left
/// `None` are not checked (the sync client checks locally what it can).
#[derive(Debug, Clone, Default)]
pub struct KnownCodes {
    pub municipality: Option<String>,
    pub programmes: Option<HashSet<String>>,
    pub municipalities: Option<HashSet<String>>,
}

impl KnownCodes {
    /// Everything a server-side write checks: the municipality must exist,
    /// and every programme and co-host must be in the catalogues.
    pub fn for_municipality(cat: &ReferenceData, municipality: &str) -> Result<Self, ApiError> {
        if cat.municipality(municipality).is_none() {
            return Err(ApiError::municipality_not_found(municipality));
        }
        Ok(Self {
            municipality: Some(municipality.to_owned()),
            programmes: Some(cat.programmes.iter().map(|p| p.slug.clone()).collect()),
            municipalities: Some(cat.municipalities.iter().map(|m| m.code.clone()).collect()),
        })
    }
}

/// Validates one session object at JSON pointer `at`; pushes every problem
/// into `errors` and returns the fields only when there were none.
pub fn session_fields(
    value: &Value,
    at: &str,
    ctx: &KnownCodes,
    errors: &mut Vec<FieldError>,
) -> Option<SessionFields> {
    let before = errors.len();
    let Some(obj) = value.as_object() else {
        errors.push(FieldError::at(at, "must be a JSON object"));
        return None;
    };
    let mut it = FieldReader {
        obj,
        at: at.to_owned(),
        errors,
    };
    for key in obj.keys() {
        if !FIELDS.contains(&key.as_str()) {
            it.err(
                key,
                "is not a field of a session (unknown fields are rejected, not dropped)",
            );
        }
    }
    let external_id = it.text("external_id", true, MAX_EXTERNAL_ID);
    let programme = it.text("programme", true, MAX_SLUG);
    if let (Some(p), Some(known)) = (&programme, &ctx.programmes) {
        if !known.contains(p) {
            it.err("programme", no_programme(p));
        }
    }
    let provider = it.text("provider", false, MAX_TEXT);
    let status = it.choice("status", SessionStatus::parse, SessionStatus::expected);
    let start_date = it.date("start_date", true);
    let end_date = it.date("end_date", false);
    if let (Some(s), Some(e)) = (start_date, end_date) {
        if e < s {
            it.err("end_date", format!("{e} is before start_date {s}"));
        }
    }
    let meetings = it.count("meetings");
    let languages = it.list("languages", MAX_LANGUAGES, parse_language);
    let delivery = it.choice("delivery", Delivery::parse, Delivery::expected);
    let area = it.text("area", false, MAX_TEXT);
    // Borrowed, not cloned: a 10,000-item batch would copy the 290 codes 10,000 times.
    let own = ctx.municipality.as_deref();
    let known_municipalities = ctx.municipalities.as_ref();
    let co_hosts = it.list("co_hosts", MAX_CO_HOSTS, |c| {
        let code = MunicipalityCode::parse(c)?;
        if own == Some(code.as_str()) {
            return Err(format!("{c} is the delivering municipality itself"));
        }
        if known_municipalities.is_some_and(|k| !k.contains(code.as_str())) {
            return Err(no_municipality(c));
        }
        Ok(code.as_str().to_owned())
    });
    let open_to_other_municipalities = match it.present("open_to_other_municipalities").cloned() {
        None => false,
        Some(Value::Bool(b)) => b,
        Some(_) => {
            it.err("open_to_other_municipalities", "must be true or false");
            false
        }
    };
    let capacity = it.count("capacity");
    let enrolled = it.count("enrolled").unwrap_or(0);
    let completed = it.count("completed").unwrap_or(0);
    let women = it.count("women");
    let men = it.count("men");
    let vulnerable_area = it.count("vulnerable_area");
    let satisfaction_respondents = it.count("satisfaction_respondents");
    let satisfied = it.count("satisfied");
    let details = details(
        &mut it,
        &Around {
            start_date,
            end_date,
            meetings,
            delivery,
            capacity,
        },
    );
    if completed > enrolled {
        it.err(
            "completed",
            format!("{completed} is more than enrolled ({enrolled})"),
        );
    }
    for (field, v) in [
        ("women", women),
        ("men", men),
        ("vulnerable_area", vulnerable_area),
        ("satisfaction_respondents", satisfaction_respondents),
    ] {
        if let Some(v) = v.filter(|v| *v > enrolled) {
            it.err(field, format!("{v} is more than enrolled ({enrolled})"));
        }
    }
    if let (Some(w), Some(m)) = (women, men) {
        if w as i64 + m as i64 > enrolled as i64 {
            it.err(
                "men",
                format!(
                    "women + men ({}) is more than enrolled ({enrolled})",
                    w as i64 + m as i64
                ),
            );
        }
    }
    match (satisfied, satisfaction_respondents) {
        (Some(s), Some(r)) if s > r => it.err(
            "satisfied",
            format!("{s} is more than satisfaction_respondents ({r})"),
        ),
        (Some(_), None) => it.err("satisfied", "needs satisfaction_respondents"),
        _ => {}
    }
    if it.errors.len() > before {
        return None;
    }
    Some(SessionFields {
        omitted: details.omitted,
        model: session::Model {
            // Set when stored: drawn for a new session, kept for an old one.
            record_key: 0,
            external_id: external_id?,
            programme: programme?,
            provider,
            status: status?.as_str().to_owned(),
            start_date: start_date?,
            end_date,
            meetings,
            languages: join_stored(&languages),
            delivery: delivery?.as_str().to_owned(),
            area,
            co_hosts: join_stored(&co_hosts),
            open_to_other_municipalities,
            capacity,
            enrolled,
            completed,
            women,
            men,
            vulnerable_area,
            satisfaction_respondents,
            satisfied,
            schedule: details.schedule,
            venue: details.venue,
            registration: details.registration,
            cost: details.cost,
            places_left: details.places_left,
            accessibility: details.accessibility,
            id: Uuid::nil(),
            municipality_code: String::new(),
            seq: 0,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        },
    })
}

impl SessionFields {
    /// These fields as a write over `old`: the details left out are `old`'s.
    pub fn keeping(&self, old: &session::Model) -> Self {
        let mut model = self.model.clone();
        self.omitted.keep(&mut model, old);
        Self {
            model,
            omitted: Omitted::default(),
        }
    }

    /// True when every writable field equals the stored one: such a write is
    /// `unchanged` and moves neither `updated_at` nor the change feed.
    pub fn same_as(&self, m: &session::Model) -> bool {
        let stored = self.to_model(
            m.id,
            &m.municipality_code,
            m.seq,
            m.record_key,
            m.created_at,
            m.updated_at,
        );
        stored == *m
    }

    pub fn to_model(
        &self,
        id: Uuid,
        municipality: &str,
        seq: i64,
        record_key: i64,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> session::Model {
        session::Model {
            id,
            municipality_code: municipality.to_owned(),
            seq,
            record_key,
            created_at,
            updated_at,
            ..self.model.clone()
        }
    }

    pub fn external_id(&self) -> &str {
        &self.model.external_id
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid() -> Value {
        json!({"external_id": "A-1", "programme": "abc", "status": "completed", "start_date": "2025-02-01",
               "end_date": "2025-03-01", "delivery": "in_person", "enrolled": 10, "completed": 8, "women": 6, "men": 4})
    }

    #[test]
    fn the_accepted_fields_are_read_from_the_documented_schema() {
        for field in ["external_id", "programme", "start_date", "satisfied"] {
            assert!(
                FIELDS.contains(&field),
                "{field} missing from {:?}",
                *FIELDS
            );
        }
    }

    #[test]
    fn a_valid_session_passes() {
        let mut errors = vec![];
        assert!(
            session_fields(&valid(), "", &KnownCodes::default(), &mut errors).is_some(),
            "{errors:?}"
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_pointer() {
        let mut v = valid();
        v["end_date"] = json!("2025-01-01");
        v["completed"] = json!(11);
        v["status"] = json!("done");
        v["colour"] = json!("blue");
        let mut errors = vec![];
        assert!(session_fields(&v, "/sessions/3", &KnownCodes::default(), &mut errors).is_none());
        let pointers: Vec<_> = errors.iter().filter_map(|e| e.pointer.clone()).collect();
        for p in [
            "/sessions/3/end_date",
            "/sessions/3/completed",
            "/sessions/3/status",
            "/sessions/3/colour",
        ] {
            assert!(
                pointers.contains(&p.to_owned()),
                "{p} missing from {pointers:?}"
            );
        }
    }

    #[test]
    fn parts_may_not_exceed_the_total() {
        let mut v = valid();
        v["women"] = json!(7);
        let mut errors = vec![];
        assert!(session_fields(&v, "", &KnownCodes::default(), &mut errors).is_none());
        assert_eq!(errors[0].pointer.as_deref(), Some("/men"));
    }
}
