//! Writing outcome values and KPI metadata read from a source, in one
//! transaction, all or nothing: what `outcomes import` and `outcomes fetch`
//! share. A value the source gives as missing is stored as null with the
//! source's `status`; nothing here ever computes, carries forward or
//! fills in a value.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{outcome_kpi, outcome_value};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionTrait,
};

use crate::error::{ApiError, FieldError};
use crate::store::audit::{self, Actor, Counts, Entry};
use crate::store::feed::{now, SeqAllocator};
use crate::store::reference::ReferenceData;
use crate::vocab::AuditOperation;
use crate::vocab::{kolada_area, AreaType, OutcomeGender};

/// One value as a source states it. `at` says where it was read (a line or
/// a JSON path), for the problems.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcedValue {
    pub kpi: String,
    /// Kolada's area id: `0000`, `00` + county code, or a municipality code.
    pub area: String,
    pub year: i32,
    pub gender: OutcomeGender,
    pub value: Option<f64>,
    pub status: Option<String>,
    pub count: Option<i64>,
    pub source: String,
    pub retrieved_at: DateTime<Utc>,
    pub at: String,
}

/// A value the source says it removed (`isdeleted`): all genders of the
/// (kpi, area, year) when `gender` is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub kpi: String,
    pub area: String,
    pub year: i32,
    pub gender: Option<OutcomeGender>,
    pub at: String,
}

/// A KPI's metadata as the source states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiMetadata {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub divided_by_gender: Option<bool>,
    pub source: String,
    pub retrieved_at: DateTime<Utc>,
}

/// Everything read from one file or one fetch.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    pub values: Vec<SourcedValue>,
    pub removals: Vec<Removal>,
    pub kpis: Vec<KpiMetadata>,
    /// Rows for areas not held here (Kolada's municipality groups, `G…`).
    pub skipped: usize,
}

/// A complete answer for these KPIs and years (a fetch without
/// `from_date`): stored values inside it that the answer no longer has were
/// removed at the source, and are removed here too.
#[derive(Debug, Clone)]
pub struct Complete {
    pub kpis: BTreeSet<String>,
    pub years: BTreeSet<i32>,
    pub areas: BTreeSet<String>,
}

/// What a write did (or, in a dry run, would do), per KPI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeSummary {
    pub per_kpi: BTreeMap<String, Counts>,
    /// KPI metadata created or changed.
    pub kpis_written: usize,
    pub skipped: usize,
    pub dry_run: bool,
}

impl OutcomeSummary {
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for c in self.per_kpi.values() {
            t.created += c.created;
            t.updated += c.updated;
            t.unchanged += c.unchanged;
            t.deleted += c.deleted;
        }
        t
    }
}

type Key = (String, String, i32, String);

fn key_of(v: &SourcedValue) -> Key {
    (
        v.kpi.clone(),
        v.area.clone(),
        v.year,
        v.gender.as_str().to_owned(),
    )
}

/// The problems no file format can see: areas this API does not know, and a
/// value given twice.
fn problems(reading: &Reading, cat: &ReferenceData) -> Vec<FieldError> {
    let counties: BTreeSet<&str> = cat
        .municipalities
        .iter()
        .map(|m| m.county_code.as_str())
        .collect();
    let known = |area: &str| match kolada_area(area) {
        Some(AreaType::Country) => true,
        Some(AreaType::County) => counties.contains(&area[2..]),
        Some(AreaType::Municipality) => cat.municipality(area).is_some(),
        None => false,
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for v in &reading.values {
        if !known(&v.area) {
            out.push(FieldError::at(
                v.at.clone(),
                format!(
                    "{}: no municipality or county with Kolada id {}",
                    v.kpi, v.area
                ),
            ));
        }
        if !seen.insert(key_of(v)) {
            out.push(FieldError::at(
                v.at.clone(),
                format!(
                    "{} {} {} {} appears more than once",
                    v.kpi, v.area, v.year, v.gender
                ),
            ));
        }
    }
    for r in &reading.removals {
        if !known(&r.area) {
            out.push(FieldError::at(
                r.at.clone(),
                format!(
                    "{}: no municipality or county with Kolada id {}",
                    r.kpi, r.area
                ),
            ));
        }
    }
    out
}

fn model_of(v: &SourcedValue, at: DateTime<Utc>) -> outcome_value::Model {
    outcome_value::Model {
        kpi: v.kpi.clone(),
        area: v.area.clone(),
        year: v.year,
        gender: v.gender.as_str().to_owned(),
        value: v.value,
        status: v.status.clone(),
        count: v.count,
        source: v.source.clone(),
        retrieved_at: v.retrieved_at,
        updated_at: at,
    }
}

fn same(old: &outcome_value::Model, new: &SourcedValue) -> bool {
    old.value == new.value
        && old.status == new.status
        && old.count == new.count
        && old.source == new.source
}

const INSERT_CHUNK: usize = 500;

/// Writes `reading` in one transaction: every problem listed in one 422 and
/// nothing written, else values created, updated (a value, status, count or
/// source that differs; `retrieved_at` then moves), left alone when equal,
/// and removed where the source removed them. The data version moves when
/// anything changed, so cached answers follow. A dry run rolls back.
pub async fn apply(
    db: &DatabaseConnection,
    reading: Reading,
    complete: Option<&Complete>,
    dry_run: bool,
    actor: &Actor,
) -> Result<OutcomeSummary, ApiError> {
    let cat = ReferenceData::load(db).await?;
    let errors = problems(&reading, &cat);
    if !errors.is_empty() {
        return Err(ApiError::unprocessable(
            format!(
                "{} problem(s) in {} value(s); nothing was written",
                errors.len(),
                reading.values.len()
            ),
            errors,
        ));
    }
    let txn = db.begin().await?;
    let seqs = SeqAllocator::lock(&txn).await?;
    let mut kpis: BTreeSet<String> = reading.values.iter().map(|v| v.kpi.clone()).collect();
    kpis.extend(reading.removals.iter().map(|r| r.kpi.clone()));
    if let Some(c) = complete {
        kpis.extend(c.kpis.iter().cloned());
    }
    let stored: HashMap<Key, outcome_value::Model> = outcome_value::Entity::find()
        .filter(outcome_value::Column::Kpi.is_in(kpis.iter().cloned()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| ((r.kpi.clone(), r.area.clone(), r.year, r.gender.clone()), r))
        .collect();
    let at = now();
    let mut summary = OutcomeSummary {
        skipped: reading.skipped,
        dry_run,
        ..OutcomeSummary::default()
    };
    let mut inserts = Vec::new();
    let mut given = BTreeSet::new();
    for v in &reading.values {
        let key = key_of(v);
        let counts = summary.per_kpi.entry(v.kpi.clone()).or_default();
        match stored.get(&key) {
            None => {
                inserts.push(model_of(v, at).into_active_model());
                counts.created += 1;
            }
            Some(old) if same(old, v) => counts.unchanged += 1,
            Some(_) => {
                model_of(v, at)
                    .into_active_model()
                    .reset_all()
                    .update(&txn)
                    .await?;
                counts.updated += 1;
            }
        }
        given.insert(key);
    }
    while !inserts.is_empty() {
        let rest = inserts.split_off(inserts.len().min(INSERT_CHUNK));
        outcome_value::Entity::insert_many(std::mem::replace(&mut inserts, rest))
            .exec_without_returning(&txn)
            .await?;
    }
    // Removed at the source: named removals, and what a complete answer lacks.
    let mut gone: BTreeSet<&Key> = BTreeSet::new();
    for r in &reading.removals {
        gone.extend(stored.keys().filter(|(k, a, y, g)| {
            *k == r.kpi
                && *a == r.area
                && *y == r.year
                && r.gender.is_none_or(|rg| rg.as_str() == g)
                && !given.contains(&(k.clone(), a.clone(), *y, g.clone()))
        }));
    }
    if let Some(c) = complete {
        gone.extend(stored.keys().filter(|key| {
            c.kpis.contains(&key.0)
                && c.areas.contains(&key.1)
                && c.years.contains(&key.2)
                && !given.contains(*key)
        }));
    }
    for (kpi, area, year, gender) in gone {
        outcome_value::Entity::delete_many()
            .filter(outcome_value::Column::Kpi.eq(kpi.as_str()))
            .filter(outcome_value::Column::Area.eq(area.as_str()))
            .filter(outcome_value::Column::Year.eq(*year))
            .filter(outcome_value::Column::Gender.eq(gender.as_str()))
            .exec(&txn)
            .await?;
        summary.per_kpi.entry(kpi.clone()).or_default().deleted += 1;
    }
    for m in &reading.kpis {
        let old = outcome_kpi::Entity::find_by_id(m.id.as_str())
            .one(&txn)
            .await?;
        let row = outcome_kpi::Model {
            id: m.id.clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            divided_by_gender: m.divided_by_gender,
            source: m.source.clone(),
            retrieved_at: m.retrieved_at,
            updated_at: at,
        };
        match old {
            None => {
                outcome_kpi::Entity::insert(row.into_active_model())
                    .exec_without_returning(&txn)
                    .await?;
                summary.kpis_written += 1;
            }
            Some(o)
                if o.title == m.title
                    && o.description == m.description
                    && o.divided_by_gender == m.divided_by_gender => {}
            Some(_) => {
                row.into_active_model().reset_all().update(&txn).await?;
                summary.kpis_written += 1;
            }
        }
    }
    let t = summary.total();
    let changed = t.created + t.updated + t.deleted > 0 || summary.kpis_written > 0;
    if dry_run {
        txn.rollback().await?;
    } else {
        seqs.finish(&txn, changed).await?;
        let entries = summary
            .per_kpi
            .iter()
            .map(|(kpi, counts)| Entry {
                operation: AuditOperation::ImportOutcomes,
                municipality: None,
                target: Some(kpi.clone()),
                counts: *counts,
            })
            .collect();
        audit::record(&txn, actor, entries).await?;
        txn.commit().await?;
    }
    Ok(summary)
}
