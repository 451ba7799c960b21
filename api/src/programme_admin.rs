//! Admins keep the programme catalogue: validation and the write behind
//! `PUT /v1/programmes/{slug}` (routed with the other programme operations).

use entity::programme;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, TransactionTrait,
};
use serde_json::Value;

use crate::auth::authenticate;
use crate::feed::SeqAllocator;
use crate::json_fields::Fields;
use crate::problem::{ApiError, FieldError};
use crate::programmes::{Evidence, LocalizedText, Programme};
use crate::sessions::write::now;
use crate::vocab::{parse_slug, EvidenceStatus, PreventionLevel, ProgrammeFormat};

/// A programme as an admin sends it. Unknown fields are rejected.
#[derive(Debug, Clone, Object)]
#[oai(example, deny_unknown_fields)]
pub struct ProgrammeWrite {
    pub name: LocalizedText,
    pub description: Option<LocalizedText>,
    /// 0–18.
    pub age_min: i32,
    /// 0–18, at least `age_min`.
    pub age_max: i32,
    /// At least one.
    pub prevention_levels: Vec<PreventionLevel>,
    /// At least one.
    pub formats: Vec<ProgrammeFormat>,
    pub typical_meetings: Option<i32>,
    /// Default `unassessed`. Any other status needs a `source_url`.
    pub evidence: Option<Evidence>,
    pub owner: Option<String>,
    pub website: Option<String>,
    pub verified: Option<bool>,
    pub catalogue_source: Option<String>,
}

impl poem_openapi::types::Example for ProgrammeWrite {
    fn example() -> Self {
        Self {
            name: LocalizedText {
                sv: "Komet".into(),
                en: "Komet (communication method)".into(),
            },
            description: None,
            age_min: 3,
            age_max: 11,
            prevention_levels: vec![PreventionLevel::Selective, PreventionLevel::Indicated],
            formats: vec![ProgrammeFormat::Group],
            typical_meetings: None,
            evidence: Some(Evidence {
                status: EvidenceStatus::Unassessed,
                summary: None,
                source_url: None,
            }),
            owner: None,
            website: None,
            verified: Some(false),
            catalogue_source: None,
        }
    }
}

#[derive(ApiResponse)]
pub enum PutProgrammeResponse {
    /// Created.
    #[oai(status = 201)]
    Created(Json<Programme>),
    /// Updated, or unchanged.
    #[oai(status = 200)]
    Ok(Json<Programme>),
}

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

/// Creates or replaces a programme (admin only); answers as `PUT /v1/programmes/{slug}`.
pub async fn put_programme(
    db: &DatabaseConnection,
    token: &str,
    slug: &str,
    body: &Value,
) -> Result<PutProgrammeResponse, ApiError> {
    let slug = parse_slug(slug).map_err(|e| ApiError::invalid_parameter("slug", e))?;
    authenticate(db, token).await?.require_admin()?;
    let mut fields = programme_fields(&slug, body)?;
    let txn = db.begin().await?;
    let mut seqs = SeqAllocator::lock(&txn).await?;
    let old = programme::Entity::find_by_id(slug.as_str())
        .one(&txn)
        .await?;
    if let Some(old) = &old {
        fields.seq = old.seq;
        fields.updated_at = old.updated_at;
        if fields == *old {
            txn.commit().await?;
            return Ok(PutProgrammeResponse::Ok(Json(fields.into())));
        }
    }
    fields.seq = seqs.take();
    fields.updated_at = now();
    // reset_all: write every column, not only those that differ from `fields` itself.
    let active = fields.clone().into_active_model().reset_all();
    let stored = if old.is_some() {
        active.update(&txn).await?
    } else {
        programme::Entity::insert(active)
            .exec_without_returning(&txn)
            .await?;
        fields.clone()
    };
    seqs.finish(&txn, true).await?;
    txn.commit().await?;
    Ok(if old.is_some() {
        PutProgrammeResponse::Ok(Json(stored.into()))
    } else {
        PutProgrammeResponse::Created(Json(stored.into()))
    })
}
