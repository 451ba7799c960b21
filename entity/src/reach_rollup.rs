use sea_orm::entity::prelude::*;

/// Sums over counted sessions (status `ongoing` or `completed`) per
/// municipality, programme and quarter of `start_date`, kept current in the
/// same transaction as every session write so reach never scans sessions.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reach_rollup")]
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
    pub enrolled: i64,
    /// Enrolled in sessions whose status is `completed`: the denominator of completion.
    pub enrolled_finished: i64,
    pub completed: i64,
    pub women: i64,
    pub men: i64,
    pub vulnerable_area: i64,
    pub satisfaction_respondents: i64,
    pub satisfied: i64,
    /// The sum of the rows' sessions' record keys (taken modulo 2^32 when
    /// used): the cell key of disclosure control, additive like the counts.
    pub cell_key: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
