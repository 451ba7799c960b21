//! What each published table holds, for the catalogue's dates: when its
//! records were stored and last changed, and the span of time its data
//! covers. A harvester reads these as `dct:issued`, `dct:modified` and
//! `dct:temporal`; they come from the data, never from the release.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{municipality, outcome_value, population, programme, session, tombstone};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::error::ApiError;

/// One table's times. Each is None when the table is empty.
#[derive(Debug, Clone, Copy, Default)]
pub struct Holding {
    /// The earliest time recorded on a row held: a session's creation, else
    /// the oldest row's last change (reference data is loaded whole).
    pub first: Option<DateTime<Utc>>,
    /// The latest change, a deletion included.
    pub last: Option<DateTime<Utc>>,
    /// The first and last day the data describes.
    pub span: Option<(NaiveDate, NaiveDate)>,
}

impl Holding {
    /// The union of two holdings: the earliest first, the latest last, the
    /// span covering both.
    pub fn and(self, other: Holding) -> Holding {
        let span = match (self.span, other.span) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
        Holding {
            first: min_opt(self.first, other.first),
            last: self.last.max(other.last),
            span,
        }
    }

    /// Changed whenever `other` changes too (a table it is computed with).
    pub fn changed_with(self, other: Holding) -> Holding {
        Holding {
            last: self.last.max(other.last),
            ..self
        }
    }

    /// The span widened to whole calendar years (what reach and indicators
    /// count by).
    pub fn whole_years(self) -> Holding {
        let span = self.span.and_then(|(from, to)| {
            use chrono::Datelike;
            Some((
                NaiveDate::from_ymd_opt(from.year(), 1, 1)?,
                NaiveDate::from_ymd_opt(to.year(), 12, 31)?,
            ))
        });
        Holding { span, ..self }
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Holdings {
    pub sessions: Holding,
    pub programmes: Holding,
    pub municipalities: Holding,
    pub population: Holding,
    pub outcomes: Holding,
}

type Times = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn years(from: Option<i32>, to: Option<i32>) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(from?, 1, 1)?,
        NaiveDate::from_ymd_opt(to?, 12, 31)?,
    ))
}

fn min(col: impl Into<SimpleExpr>) -> SimpleExpr {
    Func::min(col.into()).into()
}

fn max(col: impl Into<SimpleExpr>) -> SimpleExpr {
    Func::max(col.into()).into()
}

async fn last_deletion(
    db: &impl ConnectionTrait,
    kind: &str,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let at: Option<Option<DateTime<Utc>>> = tombstone::Entity::find()
        .select_only()
        .column_as(max(Expr::col(tombstone::Column::At)), "at")
        .filter(tombstone::Column::Kind.eq(kind))
        .into_tuple()
        .one(db)
        .await?;
    Ok(at.flatten())
}

pub async fn holdings(db: &impl ConnectionTrait) -> Result<Holdings, ApiError> {
    type SessionRow = (
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<NaiveDate>,
        Option<NaiveDate>,
    );
    let ends = Func::coalesce([
        Expr::col(session::Column::EndDate).into(),
        Expr::col(session::Column::StartDate).into(),
    ]);
    let s: Option<SessionRow> = session::Entity::find()
        .select_only()
        .column_as(min(Expr::col(session::Column::CreatedAt)), "first")
        .column_as(max(Expr::col(session::Column::UpdatedAt)), "last")
        .column_as(min(Expr::col(session::Column::StartDate)), "from")
        .column_as(max(ends), "to")
        .into_tuple()
        .one(db)
        .await?;
    let (first, last, from, to) = s.unwrap_or_default();
    let sessions = Holding {
        first,
        last: last.max(last_deletion(db, "session").await?),
        span: from.zip(to),
    };

    let p: Option<Times> = programme::Entity::find()
        .select_only()
        .column_as(min(Expr::col(programme::Column::UpdatedAt)), "first")
        .column_as(max(Expr::col(programme::Column::UpdatedAt)), "last")
        .into_tuple()
        .one(db)
        .await?;
    let (first, last) = p.unwrap_or_default();
    let programmes = Holding {
        first,
        last: last.max(last_deletion(db, "programme").await?),
        span: None,
    };

    let m: Option<Times> = municipality::Entity::find()
        .select_only()
        .column_as(min(Expr::col(municipality::Column::UpdatedAt)), "first")
        .column_as(max(Expr::col(municipality::Column::UpdatedAt)), "last")
        .into_tuple()
        .one(db)
        .await?;
    let (first, last) = m.unwrap_or_default();
    let municipalities = Holding {
        first,
        last,
        span: None,
    };

    type YearRow = (
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i32>,
        Option<i32>,
    );
    let pop: Option<YearRow> = population::Entity::find()
        .select_only()
        .column_as(min(Expr::col(population::Column::UpdatedAt)), "first")
        .column_as(max(Expr::col(population::Column::UpdatedAt)), "last")
        .column_as(min(Expr::col(population::Column::Year)), "from")
        .column_as(max(Expr::col(population::Column::Year)), "to")
        .into_tuple()
        .one(db)
        .await?;
    let (first, last, from, to) = pop.unwrap_or_default();
    let population = Holding {
        first,
        last,
        span: years(from, to),
    };

    let out: Option<YearRow> = outcome_value::Entity::find()
        .select_only()
        .column_as(min(Expr::col(outcome_value::Column::UpdatedAt)), "first")
        .column_as(max(Expr::col(outcome_value::Column::UpdatedAt)), "last")
        .column_as(min(Expr::col(outcome_value::Column::Year)), "from")
        .column_as(max(Expr::col(outcome_value::Column::Year)), "to")
        .into_tuple()
        .one(db)
        .await?;
    let (first, last, from, to) = out.unwrap_or_default();
    let outcomes = Holding {
        first,
        last,
        span: years(from, to),
    };

    Ok(Holdings {
        sessions,
        programmes,
        municipalities,
        population,
        outcomes,
    })
}
