//! Validation of an admin's programme body, listing every problem.

use entity::programme;
use serde_json::Value;

use crate::error::{ApiError, FieldError};
use crate::resources::fields::Fields;
use crate::vocab::{EvidenceStatus, PreventionLevel, ProgrammeFormat};

const FIELDS: [&str; 12] = [
    "name",
    "description",
    "age_min",
    "age_max",
    "prevention_levels",
    "formats",
    "typical_meetings",
    "evidence",
    "owner",
    "website",
    "verified",
    "catalogue_source",
];

fn localized(
    v: Option<&Value>,
    at: &str,
    required: bool,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<(String, String)> {
    match v.filter(|v| !v.is_null()) {
        None if required => {
            errors.push(FieldError::at(at, "is required"));
            None
        }
        None => None,
        Some(Value::Object(obj)) => {
            let mut f = Fields {
                obj,
                at: at.to_owned(),
                errors,
            };
            f.reject_unknown(&["sv", "en"], "a localized text");
            let sv = f.text("sv", true, max);
            let en = f.text("en", true, max);
            Some((sv?, en?))
        }
        Some(_) => {
            errors.push(FieldError::at(
                at,
                "must be an object { \"sv\": …, \"en\": … }",
            ));
            None
        }
    }
}

/// Validates a programme body into the stored model (without seq and timestamps).
pub fn programme_fields(slug: &str, body: &Value) -> Result<programme::Model, ApiError> {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        return Err(ApiError::unprocessable(
            "the body must be a JSON object",
            vec![FieldError::at("", "must be a JSON object")],
        ));
    };
    let name = localized(obj.get("name"), "/name", true, 200, &mut errors);
    let description = localized(
        obj.get("description"),
        "/description",
        false,
        5000,
        &mut errors,
    );
    let mut evidence = (EvidenceStatus::Unassessed, None, None);
    if let Some(ev) = obj.get("evidence").filter(|v| !v.is_null()) {
        match ev.as_object() {
            Some(ev_obj) => {
                let mut f = Fields {
                    obj: ev_obj,
                    at: "/evidence".into(),
                    errors: &mut errors,
                };
                f.reject_unknown(&["status", "summary", "source_url"], "evidence");
                let status = f.choice("status", EvidenceStatus::parse, EvidenceStatus::expected);
                let summary = f.text("summary", false, 2000);
                let source_url = f.url("source_url");
                if status.is_some_and(|s| s != EvidenceStatus::Unassessed) && source_url.is_none() {
                    f.err("source_url", "is required for any status but unassessed: no evidence claim without a source");
                }
                evidence = (
                    status.unwrap_or(EvidenceStatus::Unassessed),
                    summary,
                    source_url,
                );
            }
            None => errors.push(FieldError::at("/evidence", "must be an object")),
        }
    }
    let mut f = Fields {
        obj,
        at: String::new(),
        errors: &mut errors,
    };
    f.reject_unknown(&FIELDS, "a programme");
    let age_min = f.count("age_min");
    let age_max = f.count("age_max");
    for (field, v) in [("age_min", age_min), ("age_max", age_max)] {
        match v {
            None => f.err(field, "is required"),
            Some(a) if a > 18 => f.err(field, format!("{a} is above 18")),
            _ => {}
        }
    }
    if let (Some(lo), Some(hi)) = (age_min, age_max) {
        if lo > hi {
            f.err("age_max", format!("{hi} is below age_min {lo}"));
        }
    }
    let levels = f.list("prevention_levels", 3, |s| {
        PreventionLevel::parse(s)
            .map(|l| l.as_str().to_owned())
            .ok_or_else(|| format!("'{s}' is not one of {}", PreventionLevel::expected()))
    });
    let formats = f.list("formats", 3, |s| {
        ProgrammeFormat::parse(s)
            .map(|l| l.as_str().to_owned())
            .ok_or_else(|| format!("'{s}' is not one of {}", ProgrammeFormat::expected()))
    });
    if levels.is_empty() {
        f.err("prevention_levels", "needs at least one level");
    }
    if formats.is_empty() {
        f.err("formats", "needs at least one format");
    }
    let typical_meetings = f.count("typical_meetings");
    let owner = f.text("owner", false, 200);
    let website = f.url("website");
    let verified = f.flag("verified").unwrap_or(false);
    let catalogue_source = f.text("catalogue_source", false, 500);
    if !errors.is_empty() {
        return Err(ApiError::unprocessable(
            format!(
                "{} problem(s) in the programme; nothing was written",
                errors.len()
            ),
            errors,
        ));
    }
    let (name_sv, name_en) = name.unwrap_or_default();
    Ok(programme::Model {
        slug: slug.to_owned(),
        name_sv,
        name_en,
        description_sv: description.as_ref().map(|d| d.0.clone()),
        description_en: description.map(|d| d.1),
        age_min: age_min.unwrap_or(0),
        age_max: age_max.unwrap_or(0),
        prevention_levels: levels.join(","),
        formats: formats.join(","),
        typical_meetings,
        evidence_status: evidence.0.as_str().to_owned(),
        evidence_summary: evidence.1,
        evidence_source_url: evidence.2,
        owner,
        website,
        catalogue_source,
        verified,
        seq: 0,
        updated_at: chrono::DateTime::UNIX_EPOCH,
    })
}
