//! Validation of an admin's programme body, listing every problem.

use entity::programme;
use migration::reference_data::SOURCES_SEPARATOR;
use serde_json::Value;

use crate::error::{ApiError, FieldError};
use crate::resources::fields::FieldReader;
use crate::vocab::limits::{
    MAX_DESCRIPTION, MAX_PROGRAMME_AGE, MAX_SOURCES, MAX_SUMMARY, MAX_TEXT, MAX_URL,
};
use crate::vocab::{EvidenceStatus, PreventionLevel, ProgrammeFormat};

const FIELDS: [&str; 12] = [
    "name",
    "name_en_is_literal",
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
];

/// Fields of the old contract, named so that a client still sending them
/// learns what replaced them instead of only that they are unknown.
const REPLACED: [(&str, &str); 1] = [(
    "catalogue_source",
    "was replaced by `evidence.sources`, a list of URLs",
)];
const REPLACED_IN_EVIDENCE: [(&str, &str); 1] =
    [("source_url", "was replaced by `sources`, a list of URLs")];

fn replaced(f: &mut FieldReader<'_>, table: &[(&'static str, &str)]) -> Vec<&'static str> {
    let mut names = Vec::new();
    for &(name, hint) in table {
        if f.obj.contains_key(name) {
            f.err(name, hint);
            names.push(name);
        }
    }
    names
}

/// An http(s) URL of at most `MAX_URL` characters, as a list item. No whitespace:
/// besides being no URL, it would break the stored ` | `-joined list.
fn source(s: &str) -> Result<String, String> {
    if !(s.starts_with("https://") || s.starts_with("http://")) {
        Err(format!("'{s}' is not an http(s) URL"))
    } else if s.chars().count() > MAX_URL || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        Err(format!(
            "must be a URL of at most {MAX_URL} characters without spaces"
        ))
    } else {
        Ok(s.to_owned())
    }
}

/// A list that may be unknown (absent or null) but, when sent, names at least one item.
fn known_list(
    f: &mut FieldReader<'_>,
    field: &str,
    max: usize,
    check: impl Fn(&str) -> Result<String, String>,
) -> String {
    if matches!(f.present(field), Some(Value::Array(a)) if a.is_empty()) {
        f.err(field, "must not be empty: send null when it is unknown");
    }
    f.list(field, max, check).join(",")
}

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
            let mut f = FieldReader {
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
    let name = localized(obj.get("name"), "/name", true, MAX_TEXT, &mut errors);
    let description = localized(
        obj.get("description"),
        "/description",
        false,
        MAX_DESCRIPTION,
        &mut errors,
    );
    let mut evidence = (EvidenceStatus::Unassessed, None, Vec::new());
    if let Some(ev) = obj.get("evidence").filter(|v| !v.is_null()) {
        match ev.as_object() {
            Some(ev_obj) => {
                let mut f = FieldReader {
                    obj: ev_obj,
                    at: "/evidence".into(),
                    errors: &mut errors,
                };
                let mut known = vec!["status", "summary", "sources"];
                known.extend(replaced(&mut f, &REPLACED_IN_EVIDENCE));
                f.reject_unknown(&known, "evidence");
                let status = f.choice("status", EvidenceStatus::parse, EvidenceStatus::expected);
                let summary = f.text("summary", false, MAX_SUMMARY);
                let sources = f.list("sources", MAX_SOURCES, source);
                if status.is_some_and(|s| s != EvidenceStatus::Unassessed) && sources.is_empty() {
                    f.err("sources", "needs at least one URL for any status but unassessed: no evidence claim without a source");
                }
                evidence = (
                    status.unwrap_or(EvidenceStatus::Unassessed),
                    summary,
                    sources,
                );
            }
            None => errors.push(FieldError::at("/evidence", "must be an object")),
        }
    }
    let mut f = FieldReader {
        obj,
        at: String::new(),
        errors: &mut errors,
    };
    let mut known = FIELDS.to_vec();
    known.extend(replaced(&mut f, &REPLACED));
    f.reject_unknown(&known, "a programme");
    let age_min = f.count("age_min");
    let age_max = f.count("age_max");
    for (field, v) in [("age_min", age_min), ("age_max", age_max)] {
        if let Some(a) = v.filter(|a| *a > MAX_PROGRAMME_AGE) {
            f.err(field, format!("{a} is above {MAX_PROGRAMME_AGE}"));
        }
    }
    if let (Some(lo), Some(hi)) = (age_min, age_max) {
        if lo > hi {
            f.err("age_max", format!("{hi} is below age_min {lo}"));
        }
    }
    let levels = known_list(&mut f, "prevention_levels", 3, |s| {
        PreventionLevel::parse(s)
            .map(|l| l.as_str().to_owned())
            .ok_or_else(|| format!("'{s}' is not one of {}", PreventionLevel::expected()))
    });
    let formats = known_list(&mut f, "formats", 3, |s| {
        ProgrammeFormat::parse(s)
            .map(|l| l.as_str().to_owned())
            .ok_or_else(|| format!("'{s}' is not one of {}", ProgrammeFormat::expected()))
    });
    let typical_meetings = f.count("typical_meetings");
    let owner = f.text("owner", false, MAX_TEXT);
    let website = f.url("website");
    let name_en_is_literal = f.flag("name_en_is_literal").unwrap_or(false);
    let verified = f.flag("verified").unwrap_or(false);
    if verified && evidence.2.is_empty() {
        f.err(
            "verified",
            "true needs at least one URL in evidence.sources: the facts were verified in something",
        );
    }
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
        name_en_is_literal,
        description_sv: description.as_ref().map(|d| d.0.clone()),
        description_en: description.map(|d| d.1),
        age_min,
        age_max,
        prevention_levels: levels,
        formats,
        typical_meetings,
        evidence_status: evidence.0.as_str().to_owned(),
        evidence_summary: evidence.1,
        evidence_sources: evidence.2.join(SOURCES_SEPARATOR),
        owner,
        website,
        verified,
        seq: 0,
        updated_at: chrono::DateTime::UNIX_EPOCH,
    })
}
