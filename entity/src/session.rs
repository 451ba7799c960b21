use sea_orm::entity::prelude::*;

/// One round of a programme. `languages` and `co_hosts` are stored delimited
/// as `,sv,en,` so that "contains" is a portable, indexable-enough `LIKE '%,sv,%'`
/// on both SQLite and PostgreSQL. Serialized only as rows for PostgreSQL's
/// `json_populate_recordset` (named as the columns), never on the wire.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub municipality_code: String,
    pub external_id: String,
    pub programme: String,
    pub provider: Option<String>,
    pub status: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub meetings: Option<i32>,
    pub languages: String,
    pub delivery: String,
    pub area: Option<String>,
    pub co_hosts: String,
    pub open_to_other_municipalities: bool,
    pub capacity: Option<i32>,
    pub enrolled: i32,
    pub completed: i32,
    pub women: Option<i32>,
    pub men: Option<i32>,
    pub vulnerable_area: Option<i32>,
    pub satisfaction_respondents: Option<i32>,
    pub satisfied: Option<i32>,
    /// What a parent needs to join (issue 25). The objects are JSON text in
    /// one canonical form, written only by the API's validation.
    pub schedule: Option<String>,
    pub venue: Option<String>,
    pub registration: Option<String>,
    pub cost: Option<String>,
    pub places_left: Option<i32>,
    pub accessibility: Option<String>,
    /// Position of this session's latest change in the change feed.
    pub seq: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A fixed random number in 0..2^32, drawn when the session is created and
    /// kept through every update: its share of the cell keys of disclosure
    /// control. Never published, not even to the owning municipality.
    pub record_key: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
