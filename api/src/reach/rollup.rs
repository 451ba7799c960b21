//! The reach rollup: sums per (municipality, programme, year, quarter) over
//! counted sessions, kept equal to a recomputation from `sessions` by applying
//! each write's delta in the write's own transaction. A reach query then reads
//! at most a few thousand rollup rows instead of every session.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use entity::session;
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};

/// Statuses whose sessions count in reach.
pub const COUNTED: [&str; 2] = ["ongoing", "completed"];

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bucket {
    pub municipality_code: String,
    pub programme: String,
    pub year: i32,
    pub quarter: i32,
}

impl Bucket {
    pub fn of(municipality_code: &str, programme: &str, start_date: NaiveDate) -> Self {
        Self {
            municipality_code: municipality_code.to_owned(),
            programme: programme.to_owned(),
            year: start_date.year(),
            quarter: (start_date.month0() / 3 + 1) as i32,
        }
    }
}

/// What sessions add to a bucket. Unreported breakdowns add nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contribution {
    pub sessions: i64,
    pub enrolled: i64,
    pub enrolled_finished: i64,
    pub completed: i64,
    pub women: i64,
    pub men: i64,
    pub vulnerable_area: i64,
    pub satisfaction_respondents: i64,
    pub satisfied: i64,
}

impl Contribution {
    #[allow(clippy::too_many_arguments)]
    pub fn single(
        enrolled: i64,
        completed: i64,
        women: Option<i64>,
        men: Option<i64>,
        vulnerable_area: Option<i64>,
        respondents: Option<i64>,
        satisfied: Option<i64>,
    ) -> Self {
        Self {
            sessions: 1,
            enrolled,
            enrolled_finished: 0,
            completed,
            women: women.unwrap_or(0),
            men: men.unwrap_or(0),
            vulnerable_area: vulnerable_area.unwrap_or(0),
            satisfaction_respondents: respondents.unwrap_or(0),
            satisfied: satisfied.unwrap_or(0),
        }
    }

    /// The bucket and contribution of a stored session, or None if it does not count.
    pub fn of_session(s: &session::Model) -> Option<(Bucket, Self)> {
        if !COUNTED.contains(&s.status.as_str()) {
            return None;
        }
        let mut c = Self::single(
            s.enrolled.into(),
            s.completed.into(),
            s.women.map(i64::from),
            s.men.map(i64::from),
            s.vulnerable_area.map(i64::from),
            s.satisfaction_respondents.map(i64::from),
            s.satisfied.map(i64::from),
        );
        if s.status == "completed" {
            c.enrolled_finished = c.enrolled;
        }
        Some((
            Bucket::of(&s.municipality_code, &s.programme, s.start_date),
            c,
        ))
    }

    pub fn add(&mut self, o: &Self) {
        self.combine(o, 1)
    }

    pub fn sub(&mut self, o: &Self) {
        self.combine(o, -1)
    }

    fn combine(&mut self, o: &Self, sign: i64) {
        self.sessions += sign * o.sessions;
        self.enrolled += sign * o.enrolled;
        self.enrolled_finished += sign * o.enrolled_finished;
        self.completed += sign * o.completed;
        self.women += sign * o.women;
        self.men += sign * o.men;
        self.vulnerable_area += sign * o.vulnerable_area;
        self.satisfaction_respondents += sign * o.satisfaction_respondents;
        self.satisfied += sign * o.satisfied;
    }

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

/// Accumulates the deltas of many session writes, to apply once.
#[derive(Debug, Default)]
pub struct Deltas(pub HashMap<Bucket, Contribution>);

impl Deltas {
    /// Records that `before` became `after` (either may be absent).
    pub fn record(&mut self, before: Option<&session::Model>, after: Option<&session::Model>) {
        if let Some((b, c)) = before.and_then(Contribution::of_session) {
            self.0.entry(b).or_default().sub(&c);
        }
        if let Some((b, c)) = after.and_then(Contribution::of_session) {
            self.0.entry(b).or_default().add(&c);
        }
    }
}

const COLUMNS: [&str; 9] = [
    "sessions",
    "enrolled",
    "enrolled_finished",
    "completed",
    "women",
    "men",
    "vulnerable_area",
    "satisfaction_respondents",
    "satisfied",
];

/// Adds the deltas to the rollup (upsert `col = col + excluded.col`), then drops
/// buckets left empty so the rollup only holds buckets with sessions.
pub async fn apply(
    db: &impl ConnectionTrait,
    deltas: &HashMap<Bucket, Contribution>,
) -> Result<(), DbErr> {
    let changed: Vec<(&Bucket, &Contribution)> =
        deltas.iter().filter(|(_, c)| !c.is_zero()).collect();
    for chunk in changed.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new("reach_rollup")).columns(
            ["municipality_code", "programme", "year", "quarter"]
                .into_iter()
                .chain(COLUMNS)
                .map(Alias::new),
        );
        for (b, c) in chunk {
            insert.values_panic([
                b.municipality_code.clone().into(),
                b.programme.clone().into(),
                b.year.into(),
                b.quarter.into(),
                c.sessions.into(),
                c.enrolled.into(),
                c.enrolled_finished.into(),
                c.completed.into(),
                c.women.into(),
                c.men.into(),
                c.vulnerable_area.into(),
                c.satisfaction_respondents.into(),
                c.satisfied.into(),
            ]);
        }
        insert.on_conflict(
            OnConflict::columns(
                ["municipality_code", "programme", "year", "quarter"].map(Alias::new),
            )
            .values(COLUMNS.map(|col| {
                (
                    Alias::new(col),
                    Expr::cust(format!("reach_rollup.{col} + excluded.{col}")),
                )
            }))
            .to_owned(),
        );
        db.execute(db.get_database_backend().build(&insert)).await?;
    }
    for (b, c) in changed {
        if c.sessions < 0 {
            let delete = Query::delete()
                .from_table(Alias::new("reach_rollup"))
                .and_where(
                    Expr::col(Alias::new("municipality_code")).eq(b.municipality_code.clone()),
                )
                .and_where(Expr::col(Alias::new("programme")).eq(b.programme.clone()))
                .and_where(Expr::col(Alias::new("year")).eq(b.year))
                .and_where(Expr::col(Alias::new("quarter")).eq(b.quarter))
                .and_where(Expr::col(Alias::new("sessions")).eq(0))
                .to_owned();
            db.execute(db.get_database_backend().build(&delete)).await?;
        }
    }
    Ok(())
}
