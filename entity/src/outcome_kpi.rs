use sea_orm::entity::prelude::*;

/// A KPI's metadata as its source (Kolada's `/v3/kpi/{id}`) states it, as
/// last read: what confirms a catalogued id and title.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outcome_kpis")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub divided_by_gender: Option<bool>,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub retrieved_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
