//! The reach rollup: sums per (municipality, programme, year, quarter) over
//! counted sessions, kept equal to a recomputation from `sessions` by applying
//! each write's delta in the write's own transaction. A reach query then reads
//! at most a few thousand rollup rows instead of every session.
//!
//! The same deltas also carry what is *offered* (every session but cancelled
//! ones, with delivery, collaboration and languages) into `offer_rollup` and
//! `offer_language_rollup`, which the indicators read: one `record` + `apply`
//! per write keeps all three tables current.

pub mod offers;
pub mod quarter;
pub mod sums;
pub mod table;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use entity::{offer_language_rollup, offer_rollup, reach_rollup, session};
use sea_orm::sea_query::{Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IdenStatic, QueryResult, QueryTrait, Value};

use self::sums::{read_columns, RowCounts, Sums};
use crate::vocab::{Delivery, SessionStatus};

/// The rollups of one data version as held in memory: what reach,
/// indicators, the evaluation and the pages sum.
pub struct Rollups {
    pub reach: Arc<table::ReachTable>,
    pub offers: Arc<offers::OfferTable>,
}

/// Statuses whose sessions count in reach.
pub const COUNTED: [SessionStatus; 2] = [SessionStatus::Ongoing, SessionStatus::Completed];

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

    /// The key in `REACH_KEYS`/`OFFER_KEYS` order.
    fn key(&self) -> Vec<Value> {
        vec![
            self.municipality_code.clone().into(),
            self.programme.clone().into(),
            self.year.into(),
            self.quarter.into(),
        ]
    }

    /// Reads a bucket from a `reach_rollup` or `offer_rollup` row: both name
    /// the bucket columns alike.
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        use reach_rollup::Column as C;
        Ok(Self {
            municipality_code: row.try_get("", C::MunicipalityCode.as_str())?,
            programme: row.try_get("", C::Programme.as_str())?,
            year: row.try_get("", C::Year.as_str())?,
            quarter: row.try_get("", C::Quarter.as_str())?,
        })
    }
}

/// The columns that key each rollup: `reach_rollup` and `offer_rollup` by
/// bucket, `offer_language_rollup` by municipality, year and language.
const REACH_KEYS: [reach_rollup::Column; 4] = {
    use reach_rollup::Column as C;
    [C::MunicipalityCode, C::Programme, C::Year, C::Quarter]
};
const OFFER_KEYS: [offer_rollup::Column; 4] = {
    use offer_rollup::Column as C;
    [C::MunicipalityCode, C::Programme, C::Year, C::Quarter]
};
const LANGUAGE_KEYS: [offer_language_rollup::Column; 3] = {
    use offer_language_rollup::Column as C;
    [C::MunicipalityCode, C::Year, C::Language]
};

/// What sessions add to a bucket. Unreported breakdowns add nothing.
/// `sessions` and `counts` feed `reach_rollup`; `offer` feeds the offer rollups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contribution {
    pub sessions: i64,
    pub counts: RowCounts,
    /// The sum of the counted sessions' record keys.
    pub keys: i64,
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
    /// The `offer_rollup` columns, in `values` order, `sessions` first (`add_to` relies on it).
    pub const COLUMNS: [offer_rollup::Column; 3] = [
        offer_rollup::Column::Sessions,
        offer_rollup::Column::Digital,
        offer_rollup::Column::Collaborative,
    ];

    pub fn values(&self) -> [i64; 3] {
        [self.sessions, self.digital, self.collaborative]
    }

    pub fn of_session(s: &session::Model) -> Option<(Bucket, Self)> {
        if s.status == SessionStatus::Cancelled.as_str() {
            return None;
        }
        let remote = [Delivery::Digital, Delivery::Hybrid];
        let offer = Self {
            sessions: 1,
            digital: i64::from(remote.iter().any(|d| d.as_str() == s.delivery)),
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
        self.values() == [0; 3] && self.languages.values().all(|n| *n == 0)
    }
}

impl Contribution {
    /// The bucket and contribution of a stored session, or None if it does not count.
    pub fn of_session(s: &session::Model) -> Option<(Bucket, Self)> {
        if !COUNTED.iter().any(|c| c.as_str() == s.status) {
            return None;
        }
        let enrolled = i64::from(s.enrolled);
        // Only a completed session's participants have had the chance to finish.
        let finished = s.status == SessionStatus::Completed.as_str();
        let reported = |n: Option<i32>| n.map_or(0, i64::from);
        let counts = RowCounts {
            enrolled,
            enrolled_finished: if finished { enrolled } else { 0 },
            completed: s.completed.into(),
            women: reported(s.women),
            men: reported(s.men),
            vulnerable_area: reported(s.vulnerable_area),
            satisfaction_respondents: reported(s.satisfaction_respondents),
            satisfied: reported(s.satisfied),
        };
        let c = Self {
            sessions: 1,
            counts,
            keys: s.record_key,
            offer: Offer::default(),
        };
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
        self.counts.add_times(&o.counts, sign);
        self.keys += sign * o.keys;
        self.offer.combine(&o.offer, sign);
    }

    /// The part that feeds `reach_rollup`.
    pub fn sums(&self) -> Sums {
        Sums {
            sessions: self.sessions,
            counts: self.counts,
            keys: self.keys,
        }
    }

    /// True when neither the counted sums nor the offer change.
    pub fn is_zero(&self) -> bool {
        self.counted_is_zero() && self.offer.is_zero()
    }

    fn counted_is_zero(&self) -> bool {
        self.sessions == 0 && self.counts.is_zero() && self.keys == 0
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

/// Adds the deltas to the rollups (upsert `col = col + excluded.col`), then drops
/// buckets left empty so the rollup only holds buckets with sessions.
pub async fn apply(
    db: &impl ConnectionTrait,
    deltas: &HashMap<Bucket, Contribution>,
) -> Result<(), DbErr> {
    let reach: Vec<(Vec<Value>, Vec<i64>)> = deltas
        .iter()
        .filter(|(_, c)| !c.counted_is_zero())
        .map(|(b, c)| (b.key(), c.sums().values().collect()))
        .collect();
    let reach_columns: Vec<_> = Sums::columns().collect();
    add_to(
        db,
        reach_rollup::Entity,
        &REACH_KEYS,
        &reach_columns,
        &reach,
    )
    .await?;

    let offer: Vec<(Vec<Value>, Vec<i64>)> = deltas
        .iter()
        .filter(|(_, c)| c.offer.values() != [0; 3])
        .map(|(b, c)| (b.key(), c.offer.values().to_vec()))
        .collect();
    add_to(
        db,
        offer_rollup::Entity,
        &OFFER_KEYS,
        &Offer::COLUMNS,
        &offer,
    )
    .await?;

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
        offer_language_rollup::Entity,
        &LANGUAGE_KEYS,
        &[offer_language_rollup::Column::Sessions],
        &languages,
    )
    .await
}

/// Adds each row's `sums` to `table` at its `keys` (an upsert that sums on
/// conflict), then drops the rows whose `sessions` (always `sums[0]`) fell to
/// zero, so a rollup only holds buckets that have sessions.
async fn add_to<E: EntityTrait>(
    db: &impl ConnectionTrait,
    table: E,
    keys: &[E::Column],
    sums: &[E::Column],
    rows: &[(Vec<Value>, Vec<i64>)],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let name = table.table_name();
    for chunk in rows.chunks(500) {
        let mut insert = Query::insert();
        insert
            .into_table(table)
            .columns(keys.iter().chain(sums).copied());
        for (key, values) in chunk {
            insert.values_panic(
                key.iter()
                    .cloned()
                    .map(SimpleExpr::Value)
                    .chain(values.iter().map(|v| SimpleExpr::Value((*v).into()))),
            );
        }
        insert.on_conflict(
            OnConflict::columns(keys.iter().copied())
                .values(sums.iter().map(|&col| {
                    let col_name = col.as_str();
                    let sum = format!("{name}.{col_name} + excluded.{col_name}");
                    (col, Expr::cust(sum))
                }))
                .to_owned(),
        );
        db.execute(backend.build(&insert)).await?;
    }
    for (key, _) in rows.iter().filter(|(_, v)| v[0] < 0) {
        let mut delete = Query::delete();
        delete.from_table(table).and_where(Expr::col(sums[0]).eq(0));
        for (col, value) in keys.iter().zip(key) {
            delete.and_where(Expr::col(*col).eq(value.clone()));
        }
        db.execute(backend.build(&delete)).await?;
    }
    Ok(())
}

/// The three rollup tables as plain maps, comparable between what is stored
/// and what a recomputation from `sessions` says should be stored.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub reach: BTreeMap<Bucket, Sums>,
    /// In `Offer::COLUMNS` order.
    pub offer: BTreeMap<Bucket, [i64; 3]>,
    /// (municipality, year, language) → sessions offered.
    pub languages: BTreeMap<(String, i32, String), i64>,
}

/// What the rollups hold now.
pub async fn stored(db: &impl ConnectionTrait) -> Result<Snapshot, DbErr> {
    let backend = db.get_database_backend();
    let mut snap = Snapshot::default();
    let reach = reach_rollup::Entity::find().build(backend);
    for row in db.query_all(reach).await? {
        snap.reach
            .insert(Bucket::from_row(&row)?, Sums::from_row(&row)?);
    }
    let offer = offer_rollup::Entity::find().build(backend);
    for row in db.query_all(offer).await? {
        snap.offer
            .insert(Bucket::from_row(&row)?, read_columns(&row, Offer::COLUMNS)?);
    }
    for r in offer_language_rollup::Entity::find().all(db).await? {
        snap.languages
            .insert((r.municipality_code, r.year, r.language), r.sessions);
    }
    Ok(snap)
}

/// What the rollups should hold, recomputed from every stored session. Reads
/// all sessions: for tests and checks, never for requests.
pub async fn recompute(db: &impl ConnectionTrait) -> Result<Snapshot, DbErr> {
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
            snap.reach.insert(b.clone(), c.sums());
        }
        if c.offer.sessions != 0 {
            snap.offer.insert(b.clone(), c.offer.values());
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
