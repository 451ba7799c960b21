use sea_orm::entity::prelude::*;

/// One published value of an outcome KPI: an area (Kolada's id: a
/// municipality `1980`, a county `0019`, the country `0000`), a year and a
/// gender (`total`, `women`, `men`). `value` is null where the source gives
/// none, with the source's `status`; a gap is never filled.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outcome_values")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kpi: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub area: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub gender: String,
    pub value: Option<f64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub status: Option<String>,
    pub count: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub retrieved_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
