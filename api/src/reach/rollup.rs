//! The reach rollup: sums per (municipality, programme, year, quarter) over
//! counted sessions, kept equal to a recomputation from `sessions` by applying
//! each write's delta in the write's own transaction. A reach query then reads
//! at most a few thousand rollup rows instead of every session.
//!
//! The same deltas also carry what is *offered* (every session but cancelled
//! ones, with delivery, collaboration and languages) into `offer_rollup` and
//! `offer_language_rollup`, which the indicators read: one `record` + `apply`
//! per write keeps all three tables current.

use std::collections::{BTreeMap, HashMap};

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
/// The counted fields feed `reach_rollup`; `offer` feeds the offer rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    pub offer: Offer,
}

/// What sessions add to the offer rollups: every status but `cancelled`
/// counts as offered (a planned or open session is on offer; a cancelled one
/// never was in any sense a parent could use).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offer {
    pub sessions: i64,
    /// Delivered `digital` or `hybrid`.
    pub digital: i64,
    /// Co-hosted (`co_hosts` not empty) or `open_to_other_municipalities`.
    pub collaborative: i64,
    /// Sessions per language offered.
    pub languages: BTreeMap<String, i64>,
}

impl Offer {
    pub fn of_session(s: &session::Model) -> Option<(Bucket, Self)> {
        if s.status == "cancelled" {
            return None;
        }
        let offer = Self {
            sessions: 1,
            digital: i64::from(s.delivery == "digital" || s.delivery == "hybrid"),
            collaborative: i64::from(
                s.open_to_other_municipalities || s.co_hosts.split(',').any(|c| !c.is_empty()),
            ),
            languages: s
                .languages
                .split(',')
                .filter(|l| !l.is_empty())
                .map(|l| (l.to_owned(), 1))
                .collect(),
        };
        Some((
            Bucket::of(&s.municipality_code, &s.programme, s.start_date),
            offer,
        ))
    }

    fn combine(&mut self, o: &Self, sign: i64) {
        self.sessions += sign * o.sessions;
        self.digital += sign * o.digital;
        self.collaborative += sign * o.collaborative;
        for (lang, n) in &o.languages {
            *self.languages.entry(lang.clone()).or_default() += sign * n;
        }
    }

    pub fn is_zero(&self) -> bool {
        self.sessions == 0
            && self.digital == 0
            && self.collaborative == 0
            && self.languages.values().all(|n| *n == 0)
    }
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
            offer: Offer::default(),
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
        self.offer.combine(&o.offer, sign);
    }

    /// True when neither the counted sums nor the offer change.
    pub fn is_zero(&self) -> bool {
        self.counted_is_zero() && self.offer.is_zero()
    }

    fn counted_is_zero(&self) -> bool {
        self.sessions == 0
            && self.enrolled == 0
            && self.enrolled_finished == 0
            && self.completed == 0
            && self.women == 0
            && self.men == 0
            && self.vulnerable_area == 0
            && self.satisfaction_respondents == 0
            && self.satisfied == 0
    }
}

/// Accumulates the deltas of many session writes, to apply once.
#[derive(Debug, Default)]
pub struct Deltas(pub HashMap<Bucket, Contribution>);

impl Deltas {
    /// Records that `before` became `after` (either may be absent).
    pub fn record(&mut self, before: Option<&session::Model>, after: Option<&session::Model>) {
        if let Some(s) = before {
            self.record_one(s, -1);
        }
        if let Some(s) = after {
            self.record_one(s, 1);
        }
    }

    fn record_one(&mut self, s: &session::Model, sign: i64) {
        if let Some((b, c)) = Contribution::of_session(s) {
            self.0.entry(b).or_default().combine(&c, sign);
        }
        if let Some((b, o)) = Offer::of_session(s) {
            self.0.entry(b).or_default().offer.combine(&o, sign);
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
    let changed: Vec<(&Bucket, &Contribution)> = deltas
        .iter()
        .filter(|(_, c)| !c.counted_is_zero())
        .collect();
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
    apply_offer(db, deltas).await
}

const OFFER_COLUMNS: [&str; 3] = ["sessions", "digital", "collaborative"];

/// The offer half of `apply`: same upsert-then-drop-empty pattern.
async fn apply_offer(
    db: &impl ConnectionTrait,
    deltas: &HashMap<Bucket, Contribution>,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let changed: Vec<(&Bucket, &Offer)> = deltas
        .iter()
        .map(|(b, c)| (b, &c.offer))
        .filter(|(_, o)| o.sessions != 0 || o.digital != 0 || o.collaborative != 0)
        .collect();
    for chunk in changed.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new("offer_rollup")).columns(
            ["municipality_code", "programme", "year", "quarter"]
                .into_iter()
                .chain(OFFER_COLUMNS)
                .map(Alias::new),
        );
        for (b, o) in chunk {
            insert.values_panic([
                b.municipality_code.clone().into(),
                b.programme.clone().into(),
                b.year.into(),
                b.quarter.into(),
                o.sessions.into(),
                o.digital.into(),
                o.collaborative.into(),
            ]);
        }
        insert.on_conflict(
            OnConflict::columns(
                ["municipality_code", "programme", "year", "quarter"].map(Alias::new),
            )
            .values(OFFER_COLUMNS.map(|col| {
                (
                    Alias::new(col),
                    Expr::cust(format!("offer_rollup.{col} + excluded.{col}")),
                )
            }))
            .to_owned(),
        );
        db.execute(backend.build(&insert)).await?;
    }
    for (b, o) in &changed {
        if o.sessions < 0 {
            let delete = Query::delete()
                .from_table(Alias::new("offer_rollup"))
                .and_where(
                    Expr::col(Alias::new("municipality_code")).eq(b.municipality_code.clone()),
                )
                .and_where(Expr::col(Alias::new("programme")).eq(b.programme.clone()))
                .and_where(Expr::col(Alias::new("year")).eq(b.year))
                .and_where(Expr::col(Alias::new("quarter")).eq(b.quarter))
                .and_where(Expr::col(Alias::new("sessions")).eq(0))
                .to_owned();
            db.execute(backend.build(&delete)).await?;
        }
    }

    let mut languages: BTreeMap<(&str, i32, &str), i64> = BTreeMap::new();
    for (b, c) in deltas {
        for (lang, n) in &c.offer.languages {
            *languages
                .entry((b.municipality_code.as_str(), b.year, lang.as_str()))
                .or_default() += n;
        }
    }
    languages.retain(|_, n| *n != 0);
    let languages: Vec<_> = languages.into_iter().collect();
    for chunk in languages.chunks(500) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new("offer_language_rollup"))
            .columns(["municipality_code", "year", "language", "sessions"].map(Alias::new));
        for ((m, y, l), n) in chunk {
            insert.values_panic([(*m).into(), (*y).into(), (*l).into(), (*n).into()]);
        }
        insert.on_conflict(
            OnConflict::columns(["municipality_code", "year", "language"].map(Alias::new))
                .value(
                    Alias::new("sessions"),
                    Expr::cust("offer_language_rollup.sessions + excluded.sessions"),
                )
                .to_owned(),
        );
        db.execute(backend.build(&insert)).await?;
    }
    for ((m, y, l), n) in &languages {
        if *n < 0 {
            let delete = Query::delete()
                .from_table(Alias::new("offer_language_rollup"))
                .and_where(Expr::col(Alias::new("municipality_code")).eq(*m))
                .and_where(Expr::col(Alias::new("year")).eq(*y))
                .and_where(Expr::col(Alias::new("language")).eq(*l))
                .and_where(Expr::col(Alias::new("sessions")).eq(0))
                .to_owned();
            db.execute(backend.build(&delete)).await?;
        }
    }
    Ok(())
}

/// The three rollup tables as plain maps, comparable between what is stored
/// and what a recomputation from `sessions` says should be stored.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Counted sums in `COLUMNS` order.
    pub reach: BTreeMap<Bucket, [i64; 9]>,
    /// Offered, digital, collaborative.
    pub offer: BTreeMap<Bucket, [i64; 3]>,
    /// (municipality, year, language) → sessions offered.
    pub languages: BTreeMap<(String, i32, String), i64>,
}

/// What the rollups hold now.
pub async fn stored(db: &impl ConnectionTrait) -> Result<Snapshot, DbErr> {
    use sea_orm::EntityTrait;
    let mut snap = Snapshot::default();
    for r in entity::reach_rollup::Entity::find().all(db).await? {
        snap.reach.insert(
            Bucket {
                municipality_code: r.municipality_code,
                programme: r.programme,
                year: r.year,
                quarter: r.quarter,
            },
            [
                r.sessions,
                r.enrolled,
                r.enrolled_finished,
                r.completed,
                r.women,
                r.men,
                r.vulnerable_area,
                r.satisfaction_respondents,
                r.satisfied,
            ],
        );
    }
    for r in entity::offer_rollup::Entity::find().all(db).await? {
        snap.offer.insert(
            Bucket {
                municipality_code: r.municipality_code,
                programme: r.programme,
                year: r.year,
                quarter: r.quarter,
            },
            [r.sessions, r.digital, r.collaborative],
        );
    }
    for r in entity::offer_language_rollup::Entity::find()
        .all(db)
        .await?
    {
        snap.languages
            .insert((r.municipality_code, r.year, r.language), r.sessions);
    }
    Ok(snap)
}

/// What the rollups should hold, recomputed from every stored session. Reads
/// all sessions: for tests and repair, never for requests.
pub async fn recompute(db: &impl ConnectionTrait) -> Result<Snapshot, DbErr> {
    use sea_orm::EntityTrait;
    let mut deltas = Deltas::default();
    for s in session::Entity::find().all(db).await? {
        deltas.record(None, Some(&s));
    }
    Ok(snapshot_of(&deltas))
}

fn snapshot_of(deltas: &Deltas) -> Snapshot {
    let mut snap = Snapshot::default();
    for (b, c) in &deltas.0 {
        if c.sessions != 0 {
            snap.reach.insert(
                b.clone(),
                [
                    c.sessions,
                    c.enrolled,
                    c.enrolled_finished,
                    c.completed,
                    c.women,
                    c.men,
                    c.vulnerable_area,
                    c.satisfaction_respondents,
                    c.satisfied,
                ],
            );
        }
        if c.offer.sessions != 0 {
            snap.offer.insert(
                b.clone(),
                [c.offer.sessions, c.offer.digital, c.offer.collaborative],
            );
        }
        for (lang, n) in &c.offer.languages {
            if *n != 0 {
                *snap
                    .languages
                    .entry((b.municipality_code.clone(), b.year, lang.clone()))
                    .or_default() += n;
            }
        }
    }
    snap
}

/// Rebuilds all three rollups from `sessions` (e.g. after the offer rollup is
/// first created on a database that already holds sessions).
pub async fn rebuild(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    use sea_orm::EntityTrait;
    for table in ["reach_rollup", "offer_rollup", "offer_language_rollup"] {
        db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await?;
    }
    let mut deltas = Deltas::default();
    for s in session::Entity::find().all(db).await? {
        deltas.record(None, Some(&s));
    }
    apply(db, &deltas.0).await
}
