use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "municipalities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub county_code: String,
    pub county_name: String,
    pub in_collaboration: bool,
    pub population_year: Option<i32>,
    pub population_total: Option<i32>,
    pub children: Option<i32>,
    pub children_age_from: Option<i32>,
    pub children_age_to: Option<i32>,
    pub population_source: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
