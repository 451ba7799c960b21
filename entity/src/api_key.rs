use sea_orm::entity::prelude::*;

/// Only a SHA-256 of the secret is stored; the secret is shown once at creation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `admin` or `municipality`.
    pub role: String,
    pub municipality_code: Option<String>,
    /// The first characters of the secret, so operators can tell keys apart.
    pub prefix: String,
    #[sea_orm(unique)]
    pub hash: String,
    pub label: Option<String>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// The last successful authentication, to the minute (see `store::keys`).
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
