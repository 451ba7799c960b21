//! The programme as clients see it and as an admin sends it.

use chrono::{DateTime, Utc};
use entity::programme;
use poem_openapi::Object;

use crate::error::ApiError;
use crate::http::formats::{joined, opt, CsvRecord};
use crate::vocab::{parse_list, stored, EvidenceStatus, PreventionLevel, ProgrammeFormat};

/// A text in Swedish and English.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct LocalizedText {
    pub sv: String,
    pub en: String,
}

/// What is known of a programme's evaluated effects, and from where.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct Evidence {
    pub status: EvidenceStatus,
    pub summary: Option<String>,
    /// The assessment this status rests on; required for any status but `unassessed`.
    pub source_url: Option<String>,
}

/// A parenting-support programme (method).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Programme {
    /// The id: lowercase letters, digits and hyphens.
    pub slug: String,
    pub name: LocalizedText,
    /// Null until the programme's owner or an admin supplies one.
    pub description: Option<LocalizedText>,
    /// Youngest child age (years) the programme is meant for.
    pub age_min: i32,
    /// Oldest child age (years) the programme is meant for.
    pub age_max: i32,
    pub prevention_levels: Vec<PreventionLevel>,
    pub formats: Vec<ProgrammeFormat>,
    /// Usual number of meetings in one round, where known.
    pub typical_meetings: Option<i32>,
    pub evidence: Evidence,
    pub owner: Option<String>,
    pub website: Option<String>,
    /// True where the catalogue row was checked against `catalogue_source`;
    /// otherwise ages, formats and levels are a first reading to be confirmed.
    pub verified: bool,
    pub catalogue_source: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for Programme {
    fn example() -> Self {
        Self {
            slug: "abc".into(),
            name: LocalizedText {
                sv: "ABC – Alla Barn i Centrum".into(),
                en: "ABC – All Children in Focus".into(),
            },
            description: None,
            age_min: 3,
            age_max: 12,
            prevention_levels: vec![PreventionLevel::Universal],
            formats: vec![ProgrammeFormat::Group],
            typical_meetings: Some(4),
            evidence: Evidence {
                status: EvidenceStatus::Unassessed,
                summary: None,
                source_url: None,
            },
            owner: None,
            website: None,
            verified: true,
            catalogue_source: Some("https://www.socialstyrelsen.se/".into()),
            updated_at: "2026-11-26T12:00:00Z".parse().unwrap_or_default(),
        }
    }
}

impl TryFrom<programme::Model> for Programme {
    type Error = ApiError;

    fn try_from(p: programme::Model) -> Result<Self, ApiError> {
        let description = match (p.description_sv, p.description_en) {
            (Some(sv), Some(en)) => Some(LocalizedText { sv, en }),
            _ => None,
        };
        Ok(Self {
            prevention_levels: parse_list(&p.prevention_levels, PreventionLevel::parse),
            formats: parse_list(&p.formats, ProgrammeFormat::parse),
            evidence: Evidence {
                status: stored(
                    "programmes.evidence_status",
                    &p.evidence_status,
                    EvidenceStatus::parse,
                )?,
                summary: p.evidence_summary,
                source_url: p.evidence_source_url,
            },
            slug: p.slug,
            name: LocalizedText {
                sv: p.name_sv,
                en: p.name_en,
            },
            description,
            age_min: p.age_min,
            age_max: p.age_max,
            typical_meetings: p.typical_meetings,
            owner: p.owner,
            website: p.website,
            verified: p.verified,
            catalogue_source: p.catalogue_source,
            updated_at: p.updated_at,
        })
    }
}

impl CsvRecord for Programme {
    fn csv_header() -> &'static [&'static str] {
        &[
            "slug",
            "name_sv",
            "name_en",
            "description_sv",
            "description_en",
            "age_min",
            "age_max",
            "prevention_levels",
            "formats",
            "typical_meetings",
            "evidence_status",
            "evidence_summary",
            "evidence_source_url",
            "owner",
            "website",
            "verified",
            "catalogue_source",
            "updated_at",
        ]
    }
    fn csv_row(&self) -> Vec<String> {
        let levels: Vec<&str> = self.prevention_levels.iter().map(|l| l.as_str()).collect();
        let formats: Vec<&str> = self.formats.iter().map(|f| f.as_str()).collect();
        vec![
            self.slug.clone(),
            self.name.sv.clone(),
            self.name.en.clone(),
            opt(&self.description.as_ref().map(|d| d.sv.clone())),
            opt(&self.description.as_ref().map(|d| d.en.clone())),
            self.age_min.to_string(),
            self.age_max.to_string(),
            joined(&levels),
            joined(&formats),
            opt(&self.typical_meetings),
            self.evidence.status.to_string(),
            opt(&self.evidence.summary),
            opt(&self.evidence.source_url),
            opt(&self.owner),
            opt(&self.website),
            self.verified.to_string(),
            opt(&self.catalogue_source),
            self.updated_at.to_rfc3339(),
        ]
    }
}

/// One page of programmes.
#[derive(Debug, Clone, Object)]
pub struct ProgrammePage {
    pub data: Vec<Programme>,
    pub next_cursor: Option<String>,
    pub next: Option<String>,
}

crate::list_page!(ProgrammePage, Programme);

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
