use sea_orm::entity::prelude::*;

/// One accepted write: who, when, where, what, and how much it changed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// `key` (an API request) or `cli` (an operator's command).
    pub actor: String,
    /// The key's id, never its secret; null when the actor is `cli`.
    pub api_key_id: Option<Uuid>,
    pub municipality_code: Option<String>,
    /// `put_session`, `delete_session`, `batch_upsert`, `batch_replace`,
    /// `put_programme`, `put_population` or `import_population`.
    pub operation: String,
    /// The external_id, slug or year(s) the write addressed, where it has one.
    pub target: Option<String>,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub deleted: i64,
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
