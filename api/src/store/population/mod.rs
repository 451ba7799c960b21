//! The population series: one row per (municipality, year). Read by the
//! municipality resource and the catalogues (rates per 1,000 children);
//! written by the admin PUT and by the CLI's `population import`, both
//! through [`apply`], so one set of rules and one locking order serve both.

mod check;

use std::collections::{BTreeSet, HashMap};

use entity::{municipality, population};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use self::check::{broken, field_error, problems};
pub use self::check::{check, Broken, Figure, YEARS};
use super::audit::{self, Actor, Counts, Entry};
use super::feed::{now, SeqAllocator};
use crate::error::{no_municipality, ApiError};
use crate::vocab::AuditOperation;

/// What a write did to one (code, year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
    /// Every figure and the source equal the stored row: nothing moved.
    Unchanged,
}

/// One (code, year) of an import: the row as stored afterwards, and the
/// fields an update changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub row: population::Model,
    pub written: Written,
    pub changed_fields: Vec<&'static str>,
}

/// What an import did (or, in a dry run, would do), ordered by code and year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: Vec<Applied>,
    pub dry_run: bool,
}

impl ImportSummary {
    pub fn count(&self, written: Written) -> usize {
        self.rows.iter().filter(|r| r.written == written).count()
    }
}

/// The series of one municipality, oldest year first.
pub async fn series(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Vec<population::Model>, ApiError> {
    Ok(population::Entity::find()
        .filter(population::Column::MunicipalityCode.eq(code))
        .order_by_asc(population::Column::Year)
        .all(db)
        .await?)
}

/// The latest year's row of each of `codes` that has one.
pub async fn latest_of(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<HashMap<String, population::Model>, ApiError> {
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    // A correlated MAX on the primary key: one index probe per municipality.
    let latest = Expr::cust(
        "population.year = (SELECT MAX(p2.year) FROM population p2 \
         WHERE p2.municipality_code = population.municipality_code)",
    );
    let rows = population::Entity::find()
        .filter(population::Column::MunicipalityCode.is_in(codes.iter().cloned()))
        .filter(latest)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.municipality_code.clone(), r))
        .collect())
}

pub async fn latest(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<population::Model>, ApiError> {
    Ok(population::Entity::find()
        .filter(population::Column::MunicipalityCode.eq(code))
        .order_by_desc(population::Column::Year)
        .one(db)
        .await?)
}

/// Every municipality's population series, oldest year first: what rates
/// per 1,000 children or inhabitants look their year up in.
pub async fn all_series(
    db: &impl ConnectionTrait,
) -> Result<HashMap<String, Vec<population::Model>>, ApiError> {
    let rows = population::Entity::find()
        .order_by_asc(population::Column::MunicipalityCode)
        .order_by_asc(population::Column::Year)
        .all(db)
        .await?;
    let mut out: HashMap<String, Vec<population::Model>> = HashMap::new();
    for r in rows {
        out.entry(r.municipality_code.clone()).or_default().push(r);
    }
    Ok(out)
}

/// The fields of `old` that `new` changes.
fn changed_fields(old: &population::Model, new: &Figure) -> Vec<&'static str> {
    [
        ("total", old.total == new.total),
        ("children", old.children == new.children),
        (
            "children_age_from",
            old.children_age_from == new.children_age_from,
        ),
        (
            "children_age_to",
            old.children_age_to == new.children_age_to,
        ),
        ("source", old.source == new.source),
    ]
    .into_iter()
    .filter(|(_, same)| !same)
    .map(|(field, _)| field)
    .collect()
}

fn model_of(f: &Figure, updated_at: chrono::DateTime<chrono::Utc>) -> population::Model {
    population::Model {
        municipality_code: f.code.clone(),
        year: f.year,
        total: f.total,
        children: f.children,
        children_age_from: f.children_age_from,
        children_age_to: f.children_age_to,
        source: f.source.clone(),
        updated_at,
    }
}

/// Rows per INSERT: well under SQLite's 32,766 bound parameters.
const INSERT_CHUNK: usize = 500;

/// Writes `figures` (already checked) inside `txn`; returns what each did.
async fn write_rows(
    txn: &sea_orm::DatabaseTransaction,
    figures: &[Figure],
) -> Result<Vec<Applied>, ApiError> {
    let years: BTreeSet<i32> = figures.iter().map(|f| f.year).collect();
    let stored: HashMap<(String, i32), population::Model> = population::Entity::find()
        .filter(population::Column::Year.is_in(years))
        .all(txn)
        .await?
        .into_iter()
        .map(|r| ((r.municipality_code.clone(), r.year), r))
        .collect();
    let at = now();
    let mut applied = Vec::with_capacity(figures.len());
    let mut inserts = Vec::new();
    for f in figures {
        let new = model_of(f, at);
        let (row, written, changed) = match stored.get(&(f.code.clone(), f.year)) {
            None => {
                inserts.push(new.clone().into_active_model());
                (new, Written::Created, vec![])
            }
            Some(old) => match changed_fields(old, f) {
                c if c.is_empty() => (old.clone(), Written::Unchanged, c),
                c => {
                    // reset_all: write every column, not only those set since the model was built.
                    new.clone()
                        .into_active_model()
                        .reset_all()
                        .update(txn)
                        .await?;
                    (new, Written::Updated, c)
                }
            },
        };
        applied.push(Applied {
            row,
            written,
            changed_fields: changed,
        });
    }
    while !inserts.is_empty() {
        let rest = inserts.split_off(inserts.len().min(INSERT_CHUNK));
        population::Entity::insert_many(std::mem::replace(&mut inserts, rest))
            .exec_without_returning(txn)
            .await?;
    }
    applied.sort_by(|a, b| {
        (&a.row.municipality_code, a.row.year).cmp(&(&b.row.municipality_code, b.row.year))
    });
    Ok(applied)
}

/// The codes among `figures` that name no municipality.
async fn unknown_codes(
    txn: &sea_orm::DatabaseTransaction,
    figures: &[Figure],
) -> Result<BTreeSet<String>, ApiError> {
    let wanted: BTreeSet<String> = figures.iter().map(|f| f.code.clone()).collect();
    let known: BTreeSet<String> = municipality::Entity::find()
        .select_only()
        .column(municipality::Column::Code)
        .filter(municipality::Column::Code.is_in(wanted.iter().cloned()))
        .into_tuple::<String>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    Ok(wanted.difference(&known).cloned().collect())
}

/// Writes many (code, year) rows in one transaction: all or nothing. Every
/// problem (a broken rule, an unknown municipality, a (code, year) given
/// twice) is listed in one 422 and nothing is written. The data version
/// moves when anything changed, so every cached answer (reach, responses)
/// is recomputed; population is not an entity of the change feed. A dry run
/// does the same work and rolls it back.
pub async fn apply(
    db: &DatabaseConnection,
    figures: Vec<Figure>,
    dry_run: bool,
    actor: &Actor,
    operation: AuditOperation,
) -> Result<ImportSummary, ApiError> {
    let mut errors = problems(&figures);
    let txn = db.begin().await?;
    let seqs = SeqAllocator::lock(&txn).await?;
    let unknown = unknown_codes(&txn, &figures).await?;
    for (i, f) in figures.iter().enumerate() {
        if unknown.contains(&f.code) {
            let b = broken("code", no_municipality(&f.code));
            errors.push(field_error(i, f, &b));
        }
    }
    if !errors.is_empty() {
        // Dropping the transaction rolls it back.
        return Err(ApiError::unprocessable(
            format!(
                "{} problem(s) in {} figure(s); nothing was written",
                errors.len(),
                figures.len()
            ),
            errors,
        ));
    }
    let rows = write_rows(&txn, &figures).await?;
    let changed = rows.iter().any(|r| r.written != Written::Unchanged);
    if dry_run {
        txn.rollback().await?;
    } else {
        seqs.finish(&txn, changed).await?;
        audit::record(&txn, actor, audit_entries(&rows, operation)).await?;
        txn.commit().await?;
    }
    Ok(ImportSummary { rows, dry_run })
}

/// One record per municipality written (rows come ordered by code and
/// year), so filtering the trail by municipality finds an import too; the
/// target lists the years.
fn audit_entries(rows: &[Applied], operation: AuditOperation) -> Vec<Entry> {
    let mut out: Vec<(Entry, Vec<String>)> = Vec::new();
    for r in rows {
        let code = &r.row.municipality_code;
        if out
            .last()
            .is_none_or(|(e, _)| e.municipality.as_ref() != Some(code))
        {
            let entry = Entry {
                operation,
                municipality: Some(code.clone()),
                target: None,
                counts: Counts::default(),
            };
            out.push((entry, Vec::new()));
        }
        let Some((entry, years)) = out.last_mut() else {
            continue;
        };
        years.push(r.row.year.to_string());
        match r.written {
            Written::Created => entry.counts.created += 1,
            Written::Updated => entry.counts.updated += 1,
            Written::Unchanged => entry.counts.unchanged += 1,
        }
    }
    out.into_iter()
        .map(|(mut e, years)| {
            e.target = Some(years.join(","));
            e
        })
        .collect()
}

/// Writes one year of one municipality (the admin PUT): 404 when the
/// municipality does not exist. Returns the row as stored.
pub async fn put_year(
    db: &DatabaseConnection,
    figure: Figure,
    actor: &Actor,
) -> Result<(population::Model, Written), ApiError> {
    // Municipalities are reference data no request changes, so this check
    // may precede the write transaction (whose first statement is the lock).
    if municipality::Entity::find_by_id(figure.code.as_str())
        .one(db)
        .await?
        .is_none()
    {
        return Err(ApiError::municipality_not_found(&figure.code));
    }
    let applied = apply(
        db,
        vec![figure],
        false,
        actor,
        AuditOperation::PutPopulation,
    )
    .await?
    .rows
    .pop()
    .ok_or_else(|| ApiError::internal("a written figure left no summary row"))?;
    Ok((applied.row, applied.written))
}
