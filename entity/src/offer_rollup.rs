use sea_orm::entity::prelude::*;

/// Sessions offered (every status but `cancelled`) per municipality, programme
/// and quarter of `start_date`: the base of the availability and collaboration
/// indicators. Kept current with `reach_rollup` in every write's transaction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offer_rollup")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub municipality_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub programme: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub quarter: i32,
    pub sessions: i64,
    /// Delivered `digital` or `hybrid`: reachable without travelling.
    pub digital: i64,
    /// Co-hosted with another municipality or open to other municipalities' residents.
    pub collaborative: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
