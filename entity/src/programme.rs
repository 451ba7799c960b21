use sea_orm::entity::prelude::*;

/// `prevention_levels` and `formats` are stored as comma-joined lists: the
/// catalogue is small and read whole, so a join table would buy nothing. An
/// empty list, like a null, means unknown: no programme works at no level.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "programmes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub slug: String,
    pub name_sv: String,
    pub name_en: String,
    /// True when `name_en` is our translation, not an official English name.
    pub name_en_is_literal: bool,
    pub description_sv: Option<String>,
    pub description_en: Option<String>,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    pub prevention_levels: String,
    pub formats: String,
    pub typical_meetings: Option<i32>,
    pub evidence_status: String,
    pub evidence_summary: Option<String>,
    /// The URLs the row's facts were read in, ` | `-joined (a URL holds no
    /// space); empty when there are none.
    pub evidence_sources: String,
    pub owner: Option<String>,
    pub website: Option<String>,
    pub verified: bool,
    /// Position of this programme's latest change in the change feed.
    pub seq: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
