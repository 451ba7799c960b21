//! The programme as clients see it and as an admin sends it.

use chrono::{DateTime, Utc};
use entity::programme;
use poem_openapi::Object;

use crate::error::ApiError;
use crate::http::formats::{joined, Cell, FlatRecord};
use crate::vocab::{parse_list, stored, EvidenceStatus, PreventionLevel, ProgrammeFormat};
use migration::reference_data::{split_sources, SOURCES_SEPARATOR};

/// A text in Swedish and English.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct LocalizedText {
    pub sv: String,
    pub en: String,
}

/// What is known of a programme's evaluated effects, and from where.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
pub struct Evidence {
    /// On SBU's scale, as SBU rated the programme; `unassessed` where no
    /// Swedish authority's rating was found.
    pub status: EvidenceStatus,
    /// What the sources say about the programme's effects, in one line; null
    /// when nothing is recorded.
    pub summary: Option<String>,
    /// The sources (http(s) URLs) that this catalogue entry's facts — its
    /// evidence and its ages, formats, levels and owner — were read in.
    /// Empty when none is recorded.
    pub sources: Vec<String>,
}

/// A parenting-support programme (method). Unknown facts are null, never
/// guessed: a null age, level list, format list or meeting count means that
/// no source we found states it.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Programme {
    /// The id: lowercase letters, digits and hyphens.
    pub slug: String,
    pub name: LocalizedText,
    /// True when the English name is our translation, not an official one.
    pub name_en_is_literal: bool,
    /// Null until the programme's owner or an admin supplies one.
    pub description: Option<LocalizedText>,
    /// Youngest child age (years) the programme is meant for; null when unknown.
    pub age_min: Option<i32>,
    /// Oldest child age (years) the programme is meant for; null when unknown.
    pub age_max: Option<i32>,
    /// SBU's prevention levels the programme works at; null when unknown.
    pub prevention_levels: Option<Vec<PreventionLevel>>,
    /// The forms it is given in; null when unknown.
    pub formats: Option<Vec<ProgrammeFormat>>,
    /// Usual number of meetings in one round; null when unknown.
    pub typical_meetings: Option<i32>,
    pub evidence: Evidence,
    /// Who develops, owns or licenses the programme; null when unknown.
    pub owner: Option<String>,
    pub website: Option<String>,
    /// True when every non-null fact in this entry was found in
    /// `evidence.sources`; false when only the names are established.
    pub verified: bool,
    pub updated_at: DateTime<Utc>,
}

impl poem_openapi::types::Example for Programme {
    fn example() -> Self {
        Self {
            slug: "komet".into(),
            name: LocalizedText {
                sv: "Komet för föräldrar (barn 3–11 år)".into(),
                en: "Komet (communication method) for parents of children 3–11".into(),
            },
            name_en_is_literal: false,
            description: None,
            age_min: Some(3),
            age_max: Some(11),
            prevention_levels: Some(vec![PreventionLevel::Indicated]),
            formats: Some(vec![ProgrammeFormat::Group]),
            typical_meetings: Some(11),
            evidence: Evidence {
                status: EvidenceStatus::Insufficient,
                summary: Some("SBU 2010: at least one controlled study but not sufficient support for preventive effect".into()),
                sources: vec!["https://www.sbu.se/sv/publikationer/sbu-utvarderar/Program-for-att-forebygga-psykisk-ohalsa-hos-barn/".into()],
            },
            owner: Some("Stockholms stad".into()),
            website: None,
            verified: true,
            updated_at: "2026-11-27T12:00:00Z".parse().unwrap_or_default(),
        }
    }
}

/// A stored list: empty means unknown, so it reads as null.
fn known_list<T>(stored: &str, parse: fn(&str) -> Option<T>) -> Option<Vec<T>> {
    Some(parse_list(stored, parse)).filter(|l| !l.is_empty())
}

impl TryFrom<programme::Model> for Programme {
    type Error = ApiError;

    fn try_from(p: programme::Model) -> Result<Self, ApiError> {
        let description = match (p.description_sv, p.description_en) {
            (Some(sv), Some(en)) => Some(LocalizedText { sv, en }),
            _ => None,
        };
        Ok(Self {
            prevention_levels: known_list(&p.prevention_levels, PreventionLevel::parse),
            formats: known_list(&p.formats, ProgrammeFormat::parse),
            evidence: Evidence {
                status: stored(
                    "programmes.evidence_status",
                    &p.evidence_status,
                    EvidenceStatus::parse,
                )?,
                summary: p.evidence_summary,
                sources: split_sources(&p.evidence_sources),
            },
            slug: p.slug,
            name: LocalizedText {
                sv: p.name_sv,
                en: p.name_en,
            },
            name_en_is_literal: p.name_en_is_literal,
            description,
            age_min: p.age_min,
            age_max: p.age_max,
            typical_meetings: p.typical_meetings,
            owner: p.owner,
            website: p.website,
            verified: p.verified,
            updated_at: p.updated_at,
        })
    }
}

impl FlatRecord for Programme {
    fn columns() -> &'static [&'static str] {
        &[
            "slug",
            "name_sv",
            "name_en",
            "name_en_is_literal",
            "description_sv",
            "description_en",
            "age_min",
            "age_max",
            "prevention_levels",
            "formats",
            "typical_meetings",
            "evidence_status",
            "evidence_summary",
            "evidence_sources",
            "owner",
            "website",
            "verified",
            "updated_at",
        ]
    }
    /// Unknown facts are empty cells; sources are ` | `-joined, as in the
    /// catalogue file (a URL may hold `;`, never a space).
    fn cells(&self) -> Vec<Cell> {
        let levels = self
            .prevention_levels
            .as_ref()
            .map(|l| joined(&l.iter().map(|l| l.as_str()).collect::<Vec<_>>()));
        let formats = self
            .formats
            .as_ref()
            .map(|f| joined(&f.iter().map(|f| f.as_str()).collect::<Vec<_>>()));
        vec![
            (&self.slug).into(),
            (&self.name.sv).into(),
            (&self.name.en).into(),
            self.name_en_is_literal.into(),
            self.description.as_ref().map(|d| &d.sv).into(),
            self.description.as_ref().map(|d| &d.en).into(),
            self.age_min.into(),
            self.age_max.into(),
            levels.into(),
            formats.into(),
            self.typical_meetings.into(),
            self.evidence.status.to_string().into(),
            self.evidence.summary.as_ref().into(),
            self.evidence.sources.join(SOURCES_SEPARATOR).into(),
            self.owner.as_ref().into(),
            self.website.as_ref().into(),
            self.verified.into(),
            self.updated_at.to_rfc3339().into(),
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

/// The evidence as an admin sends it. Unknown fields are rejected.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct EvidenceWrite {
    pub status: EvidenceStatus,
    /// At most 2,000 characters.
    pub summary: Option<String>,
    /// http(s) URLs, at most 20. At least one for any status but
    /// `unassessed` (no evidence claim without a source) and when `verified`
    /// is true. Replaces the former single `source_url`.
    pub sources: Option<Vec<String>>,
}

/// A programme as an admin sends it: the whole entry, replacing the stored
/// one. Unknown fields are rejected. An absent or null fact is stored as
/// unknown.
#[derive(Debug, Clone, Object)]
#[oai(example, deny_unknown_fields)]
pub struct ProgrammeWrite {
    pub name: LocalizedText,
    /// True when the English name is our translation, not an official one
    /// (default false).
    pub name_en_is_literal: Option<bool>,
    pub description: Option<LocalizedText>,
    /// 0–20 years, or null when unknown.
    pub age_min: Option<i32>,
    /// 0–20 years, at least `age_min`, or null when unknown.
    pub age_max: Option<i32>,
    /// At least one, or null when unknown.
    pub prevention_levels: Option<Vec<PreventionLevel>>,
    /// At least one, or null when unknown.
    pub formats: Option<Vec<ProgrammeFormat>>,
    pub typical_meetings: Option<i32>,
    /// Default: `unassessed`, no summary, no sources.
    pub evidence: Option<EvidenceWrite>,
    pub owner: Option<String>,
    pub website: Option<String>,
    /// Default false; true needs at least one of `evidence.sources`.
    pub verified: Option<bool>,
}

impl poem_openapi::types::Example for ProgrammeWrite {
    fn example() -> Self {
        Self {
            name: LocalizedText {
                sv: "Bygga broar".into(),
                en: "Building bridges (separated parents in conflict)".into(),
            },
            name_en_is_literal: Some(false),
            description: None,
            age_min: None,
            age_max: None,
            prevention_levels: None,
            formats: Some(vec![ProgrammeFormat::Group]),
            typical_meetings: None,
            evidence: Some(EvidenceWrite {
                status: EvidenceStatus::Unassessed,
                summary: Some("Not found in any searched source".into()),
                sources: None,
            }),
            owner: None,
            website: None,
            verified: Some(false),
        }
    }
}
