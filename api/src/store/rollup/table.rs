//! The reach rollup held in memory, one copy per data version.
//!
//! A national reach query sums most of the rollup's ~150,000 rows (1M
//! sessions over 290 municipalities, 22 programmes and eight years of
//! quarters). In SQL that cost 15–75 ms per query on SQLite, and the long
//! tail of varied `group_by` and filters is mostly cache misses. Kept in
//! memory with interned keys (~90 bytes a row, ~13 MB at national scale),
//! the same sums take a few milliseconds, and only the first read after a
//! write pays to load it.

use std::collections::HashMap;
use std::ops::Range;

use entity::reach_rollup;
use futures_util::TryStreamExt;
use rustc_hash::FxHashMap;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryTrait, StreamTrait};

use super::quarter::Quarter;
use super::sums::Sums;
use super::Bucket;
use crate::error::ApiError;
use crate::store::memo::Derived;

/// Every `reach_rollup` row, keys interned.
#[derive(Default)]
pub struct ReachTable {
    municipalities: Vec<String>,
    programmes: Vec<String>,
    /// In key order, municipality first.
    rows: Vec<Row>,
    /// Each municipality's rows, by its interned index: a query about a
    /// county or a municipality reads its own rows, not the country's.
    spans: Vec<Range<usize>>,
}

struct Row {
    municipality: u16,
    programme: u16,
    year: i32,
    quarter: i32,
    sums: Sums,
}

/// Which rows to sum and what to group them by.
pub struct Selection<'a> {
    /// Municipality codes to include; `None`: all.
    pub municipalities: Option<&'a [&'a str]>,
    /// Programme slugs to include; `None`: all.
    pub programmes: Option<&'a [&'a str]>,
    /// First and last quarter, as `year * 4 + quarter - 1`, inclusive.
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub by_municipality: bool,
    pub by_programme: bool,
    pub by_year: bool,
    pub by_quarter: bool,
}

/// Interned municipality and programme, year and quarter: each `None` when
/// not grouped by.
type GroupKey = (Option<u16>, Option<u16>, Option<i32>, Option<i32>);

/// One group's key parts (those grouped by) and its sums.
pub struct Group<'a> {
    pub municipality: Option<&'a str>,
    pub programme: Option<&'a str>,
    pub year: Option<i32>,
    pub quarter: Option<i32>,
    pub sums: Sums,
}

/// Kept per data version for every reach read.
impl Derived for ReachTable {
    const STEP: &'static str = "load the reach table";
    /// Reads the whole rollup as a stream, so no more than a row at a time
    /// is held beside the table being built.
    async fn load(db: &DatabaseConnection) -> Result<Self, ApiError> {
        let stmt = reach_rollup::Entity::find().build(db.get_database_backend());
        let mut rows = db.stream(stmt).await?;
        let mut table = Self::default();
        let mut municipalities = HashMap::new();
        let mut programmes = HashMap::new();
        while let Some(row) = rows.try_next().await? {
            let bucket = Bucket::from_row(&row)?;
            let row = Row {
                municipality: intern(
                    &mut table.municipalities,
                    &mut municipalities,
                    bucket.municipality_code,
                )?,
                programme: intern(&mut table.programmes, &mut programmes, bucket.programme)?,
                year: bucket.year,
                quarter: bucket.quarter,
                sums: Sums::from_row(&row)?,
            };
            table.rows.push(row);
        }
        // In key order, the rows of one group mostly come one after
        // another, so `sum` rarely needs to look a group up.
        table
            .rows
            .sort_unstable_by_key(|r| (r.municipality, r.programme, r.year, r.quarter));
        table.rows.shrink_to_fit();
        table.spans = vec![0..0; table.municipalities.len()];
        let mut start = 0;
        for run in table.rows.chunk_by(|a, b| a.municipality == b.municipality) {
            table.spans[usize::from(run[0].municipality)] = start..start + run.len();
            start += run.len();
        }
        Ok(table)
    }
}

impl ReachTable {
    /// The sums of the selected rows per group, in no particular order.
    pub fn sum(&self, s: &Selection) -> Vec<Group<'_>> {
        let admitted = |names: &[String], wanted: Option<&[&str]>| -> Vec<bool> {
            names
                .iter()
                .map(|n| wanted.is_none_or(|w| w.contains(&n.as_str())))
                .collect()
        };
        let municipality_in = admitted(&self.municipalities, s.municipalities);
        let programme_in = admitted(&self.programmes, s.programmes);
        let (from, to) = (s.from.unwrap_or(i32::MIN), s.to.unwrap_or(i32::MAX));
        // The key is a few small integers of our own: SipHash's defence
        // against chosen keys buys nothing here and cost most of the loop.
        let mut groups: FxHashMap<GroupKey, Sums> = FxHashMap::default();
        let mut run: Option<(GroupKey, Sums)> = None;
        // Only the admitted municipalities' spans are read (every span, and
        // so every row, when the selection names none).
        let rows = (self.spans.iter().zip(&municipality_in))
            .filter(|(_, admitted)| **admitted)
            .flat_map(|(span, _)| &self.rows[span.clone()]);
        for r in rows {
            let index = Quarter {
                year: r.year,
                quarter: r.quarter,
            }
            .index();
            if !(programme_in[usize::from(r.programme)] && (from..=to).contains(&index)) {
                continue;
            }
            let key = (
                s.by_municipality.then_some(r.municipality),
                s.by_programme.then_some(r.programme),
                s.by_year.then_some(r.year),
                s.by_quarter.then_some(r.quarter),
            );
            match &mut run {
                Some((k, sums)) if *k == key => sums.add(&r.sums),
                _ => {
                    if let Some((k, sums)) = run.replace((key, r.sums)) {
                        groups.entry(k).or_default().add(&sums);
                    }
                }
            }
        }
        if let Some((k, sums)) = run {
            groups.entry(k).or_default().add(&sums);
        }
        groups
            .into_iter()
            .map(|((m, p, year, quarter), sums)| Group {
                municipality: m.map(|i| self.municipalities[usize::from(i)].as_str()),
                programme: p.map(|i| self.programmes[usize::from(i)].as_str()),
                year,
                quarter,
                sums,
            })
            .collect()
    }
}

/// The index of `name` in `names`, adding it if new.
fn intern(
    names: &mut Vec<String>,
    index: &mut HashMap<String, u16>,
    name: String,
) -> Result<u16, ApiError> {
    if let Some(i) = index.get(&name) {
        return Ok(*i);
    }
    let i = u16::try_from(names.len())
        .map_err(|_| ApiError::internal("more than 65,535 distinct keys in reach_rollup"))?;
    names.push(name.clone());
    index.insert(name, i);
    Ok(i)
}
