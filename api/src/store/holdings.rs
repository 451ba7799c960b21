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
        self.changed_at(other.last)
    }

    /// Changed at `at` too (a deletion, which leaves no row).
    fn changed_at(self, at: Option<DateTime<Utc>>) -> Holding {
        Holding {
            last: self.last.max(at),
            ..self
        }
    }

    /// The span widened to whole calendar years (what reach and indicators
    /// count by).
    pub fn whole_years(self) -> Holding {
        use chrono::Datelike;
        let span = self
            .span
            .and_then(|(from, to)| years(Some(from.year()), Some(to.year())));
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

/// 1 January of `from` to 31 December of `to`.
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

/// A table whose rows carry one time stamp: the earliest and the latest,
/// and with a `year` column, the whole years its rows are of.
async fn stamped<E: EntityTrait>(
    db: &impl ConnectionTrait,
    stamp: E::Column,
    year: Option<E::Column>,
) -> Result<Holding, ApiError> {
    type Row = (
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
        Option<i32>,
        Option<i32>,
    );
    // Without a year column the years are NULL, as of an empty table.
    let (from, to): (SimpleExpr, SimpleExpr) = match year {
        Some(y) => (min(Expr::col(y)), max(Expr::col(y))),
        None => (Expr::val(None::<i32>).into(), Expr::val(None::<i32>).into()),
    };
    let q = E::find()
        .select_only()
        .column_as(min(Expr::col(stamp)), "first")
        .column_as(max(Expr::col(stamp)), "last")
        .column_as(from, "from")
        .column_as(to, "to");
    let (first, last, from, to) = q.into_tuple::<Row>().one(db).await?.unwrap_or_default();
    Ok(Holding {
        first,
        last,
        span: years(from, to),
    })
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
        last,
        span: from.zip(to),
    }
    .changed_at(last_deletion(db, "session").await?);

    let programmes = stamped::<programme::Entity>(db, programme::Column::UpdatedAt, None)
        .await?
        .changed_at(last_deletion(db, "programme").await?);
    let municipalities =
        stamped::<municipality::Entity>(db, municipality::Column::UpdatedAt, None).await?;
    let population = stamped::<population::Entity>(
        db,
        population::Column::UpdatedAt,
        Some(population::Column::Year),
    )
    .await?;
    let outcomes = stamped::<outcome_value::Entity>(
        db,
        outcome_value::Column::UpdatedAt,
        Some(outcome_value::Column::Year),
    )
    .await?;

    Ok(Holdings {
        sessions,
        programmes,
        municipalities,
        population,
        outcomes,
    })
}
