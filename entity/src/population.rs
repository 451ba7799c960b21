use sea_orm::entity::prelude::*;

/// One municipality's population in one year (SCB counts on 31 December).
/// Either figure may be unknown; `children` comes with its age band.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "population")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub municipality_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub total: Option<i64>,
    pub children: Option<i64>,
    pub children_age_from: Option<i32>,
    pub children_age_to: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
