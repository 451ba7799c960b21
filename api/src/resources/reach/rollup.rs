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
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::Value;
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

/// Adds the deltas to the rollups (upsert `col = col + excluded.col`), then drops
/// buckets left empty so the rollup only holds buckets with sessions.
pub async fn apply(
    db: &impl ConnectionTrait,
    deltas: &HashMap<Bucket, Contribution>,
) -> Result<(), DbErr> {
    let bucket_key = |b: &Bucket| -> Vec<Value> {
        vec![
            b.municipality_code.clone().into(),
            b.programme.clone().into(),
            b.year.into(),
            b.quarter.into(),
        ]
    };
    let reach: Vec<(Vec<Value>, Vec<i64>)> = deltas
        .iter()
        .filter(|(_, c)| !c.counted_is_zero())
        .map(|(b, c)| {
            let sums = vec![
                c.sessions,
                c.enrolled,
                c.enrolled_finished,
                c.completed,
                c.women,
                c.men,
                c.vulnerable_area,
                c.satisfaction_respondents,
                c.satisfied,
            ];
            (bucket_key(b), sums)
        })
        .collect();
    add_to(db, "reach_rollup", &BUCKET_KEYS, &COLUMNS, &reach).await?;

    let offer: Vec<(Vec<Value>, Vec<i64>)> = deltas
        .iter()
        .map(|(b, c)| (b, &c.offer))
        .filter(|(_, o)| o.sessions != 0 || o.digital != 0 || o.collaborative != 0)
        .map(|(b, o)| (bucket_key(b), vec![o.sessions, o.digital, o.collaborative]))
        .collect();
    add_to(db, "offer_rollup", &BUCKET_KEYS, &OFFER_COLUMNS, &offer).await?;

    let mut languages: BTreeMap<(&str, i32, &str), i64> = BTreeMap::new();
    for (b, c) in deltas {
        for (lang, n) in &c.offer.languages {
            *languages
                .entry((b.municipality_code.as_str(), b.year, lang.as_str()))
                .or_default() += n;
        }
    }
    let languages: Vec<(Vec<Value>, Vec<i64>)> = languages
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((m, y, l), n)| (vec![m.into(), y.into(), l.into()], vec![n]))
        .collect();
    add_to(
        db,
        "offer_language_rollup",
        &["municipality_code", "year", "language"],
        &["sessions"],
        &languages,
    )
    .await
}

const BUCKET_KEYS: [&str; 4] = ["municipality_code", "programme", "year", "quarter"];
const OFFER_COLUMNS: [&str; 3] = ["sessions", "digital", "collaborative"];

/// Adds each row's `sums` to `table` at its `keys` (an upsert that sums on
/// conflict), then drops the rows whose `sessions` (always `sums[0]`) fell to
/// zero, so a rollup only holds buckets that have sessions.
async fn add_to(
    db: &impl ConnectionTrait,
    table: &str,
    keys: &[&str],
    sums: &[&str],
    rows: &[(Vec<Value>, Vec<i64>)],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for chunk in rows.chunks(500) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(table))
            .columns(keys.iter().chain(sums).map(|c| Alias::new(*c)));
        for (key, values) in chunk {
            insert.values_panic(
                key.iter()
                    .cloned()
                    .map(SimpleExpr::Value)
                    .chain(values.iter().map(|v| SimpleExpr::Value((*v).into()))),
            );
        }
        insert.on_conflict(
            OnConflict::columns(keys.iter().map(|c| Alias::new(*c)))
                .values(sums.iter().map(|col| {
                    (
                        Alias::new(*col),
                        Expr::cust(format!("{table}.{col} + excluded.{col}")),
                    )
                }))
                .to_owned(),
        );
        db.execute(backend.build(&insert)).await?;
    }
    for (key, _) in rows.iter().filter(|(_, v)| v[0] < 0) {
        let mut delete = Query::delete();
        delete
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new("sessions")).eq(0));
        for (col, value) in keys.iter().zip(key) {
            delete.and_where(Expr::col(Alias::new(*col)).eq(value.clone()));
        }
        db.execute(backend.build(&delete)).await?;
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
