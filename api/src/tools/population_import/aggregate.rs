//! Cells to figures: fold away marital status and sex, then count ages.
//!
//! Ages are age classes (single ages, bands, open classes such as "100+ år",
//! the total); a figure for an age range uses the finest set of classes that
//! tiles it exactly, so single ages win over a band or the total when both
//! are there, and every coarser class that finer ones also cover must agree
//! with their sum.

use std::collections::BTreeMap;

use super::labels::{AgeClass, Count, Part, Partition, CIVIL_STATUS, OPEN, SEX};
use super::{Cell, ChildBand, Location, PopulationFigure, Problem};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    code: String,
    year: i32,
    age: AgeClass,
    sex: Part,
    civil_status: Part,
}

impl Key {
    fn describe(&self) -> String {
        let mut s = format!("{}, {}, {}", self.code, self.year, self.age);
        if self.sex != Part::Total {
            s.push_str(&format!(", {}", SEX.part_name(self.sex)));
        }
        s
    }
}

#[derive(Clone, Debug)]
struct Entry {
    count: Count,
    /// Where the count was read; for a sum, its first part or its missing one.
    at: Location,
}

pub(super) fn figures(
    cells: Vec<Cell>,
    band: ChildBand,
    source: &str,
    problems: &mut Vec<Problem>,
) -> Vec<PopulationFigure> {
    let mut table: BTreeMap<Key, Entry> = BTreeMap::new();
    for cell in cells {
        let key = Key {
            code: cell.code,
            year: cell.year,
            age: cell.age,
            sex: cell.sex,
            civil_status: cell.civil_status,
        };
        if let Some(first) = table.get(&key) {
            problems.push(Problem::new(
                cell.at,
                format!("repeats {} ({})", first.at, key.describe()),
            ));
            continue;
        }
        let entry = Entry {
            count: cell.count,
            at: cell.at,
        };
        table.insert(key, entry);
    }
    let table = fold(table, &CIVIL_STATUS, |k| &mut k.civil_status, problems);
    let table = fold(table, &SEX, |k| &mut k.sex, problems);

    let mut by_place: BTreeMap<(String, i32), BTreeMap<AgeClass, Entry>> = BTreeMap::new();
    for (key, entry) in table {
        let ages = by_place.entry((key.code, key.year)).or_default();
        ages.insert(key.age, entry);
    }
    by_place
        .into_iter()
        .map(|((code, year), ages)| {
            check_age_totals(&code, year, &ages, problems);
            let mut notes = Vec::new();
            let total = figure(&ages, 0, OPEN, "total", &mut notes);
            let what = format!("children {band}");
            let (start, end) = (u16::from(band.start()), u16::from(band.end()) + 1);
            let children = figure(&ages, start, end, &what, &mut notes);
            PopulationFigure {
                code,
                year,
                total,
                children,
                band,
                source: source.to_owned(),
                notes,
            }
        })
        .collect()
}

/// Folds one breakdown (sex, marital status) into its total: the total when
/// the file gives it (checked against the categories when those are all
/// there too), else the sum of all categories. A category without the others
/// and without a total would count part of the population as all of it.
fn fold(
    table: BTreeMap<Key, Entry>,
    partition: &Partition,
    field: fn(&mut Key) -> &mut Part,
    problems: &mut Vec<Problem>,
) -> BTreeMap<Key, Entry> {
    let mut groups: BTreeMap<Key, Vec<(Part, Entry)>> = BTreeMap::new();
    for (mut key, entry) in table {
        let part = std::mem::replace(field(&mut key), Part::Total);
        groups.entry(key).or_default().push((part, entry));
    }
    let mut folded = BTreeMap::new();
    for (key, entries) in groups {
        let total = entries.iter().find(|(p, _)| *p == Part::Total);
        let parts: Vec<Option<&Entry>> = (0..partition.parts.len())
            .map(|i| {
                entries
                    .iter()
                    .find(|(p, _)| *p == Part::Of(i))
                    .map(|e| &e.1)
            })
            .collect();
        let complete: Option<Vec<&Entry>> = parts.iter().copied().collect();
        let names = |present: bool| -> String {
            let named = (0..parts.len()).filter(|&i| parts[i].is_some() == present);
            let named: Vec<_> = named.map(|i| partition.part_name(Part::Of(i))).collect();
            named.join("', '")
        };
        let entry = match (total, complete) {
            (Some((_, total)), complete) => {
                let parts_sum = complete.map(|c| sum(&c).count);
                if let (Count::Known(t), Some(Count::Known(s))) = (&total.count, parts_sum) {
                    if *t != s {
                        problems.push(Problem::new(
                            total.at.clone(),
                            format!(
                                "{}: {} 'totalt' is {t}, but '{}' add up to {s}",
                                key.describe(),
                                partition.name,
                                names(true)
                            ),
                        ));
                    }
                }
                total.clone()
            }
            (None, Some(complete)) => sum(&complete),
            (None, None) => {
                let first = parts.iter().flatten().next().expect("a group has an entry");
                problems.push(Problem::new(
                    first.at.clone(),
                    format!(
                        "{}: {} '{}' without '{}' and without a total; \
                         the figure would count only part of the population",
                        key.describe(),
                        partition.name,
                        names(true),
                        names(false)
                    ),
                ));
                continue;
            }
        };
        folded.insert(key, entry);
    }
    folded
}

/// The count of ages `start..end`, from the finest age classes that cover
/// them and are all known; or a note saying why there is none.
fn figure(
    ages: &BTreeMap<AgeClass, Entry>,
    start: u16,
    end: u16,
    what: &str,
    notes: &mut Vec<String>,
) -> Option<i64> {
    if let Ok(classes) = finest(ages, start, end, None, true) {
        return classes.iter().map(|(_, e)| count_of(e)).sum();
    }
    let note = match finest(ages, start, end, None, false) {
        Ok(classes) => {
            let (class, entry) = classes.iter().find(|(_, e)| count_of(e).is_none())?;
            let marker = match &entry.count {
                Count::Missing(marker) => marker.as_str(),
                Count::Known(_) => "",
            };
            format!("{class} is marked missing ('{marker}', {})", entry.at)
        }
        Err(gap) if end == OPEN => format!(
            "the file has no 'totalt ålder' figure, and its ages do not run from 0 år \
             to an open class such as '100+ år' (nothing for {gap} år)"
        ),
        Err(gap) => format!("the file has no figure for {gap} år"),
    };
    notes.push(format!("{what}: {note}"));
    None
}

/// The finest set of age classes that tiles `start..end` exactly, leaving
/// out `skip` and, if `known_only`, the classes marked missing; or the age
/// where every tiling stops short.
fn finest(
    ages: &BTreeMap<AgeClass, Entry>,
    start: u16,
    end: u16,
    skip: Option<AgeClass>,
    known_only: bool,
) -> Result<Vec<(AgeClass, &Entry)>, u16> {
    // Classes come in order of their first age, so by the time a class
    // starting at `a` is looked at, every way of reaching `a` is known.
    let mut reach: BTreeMap<u16, Vec<AgeClass>> = BTreeMap::from([(start, Vec::new())]);
    for (class, entry) in ages {
        let usable = !known_only || count_of(entry).is_some();
        if class.start < start || class.end > end || Some(*class) == skip || !usable {
            continue;
        }
        let Some(path) = reach.get(&class.start) else {
            continue;
        };
        if reach
            .get(&class.end)
            .is_none_or(|p| p.len() < path.len() + 1)
        {
            let mut longer = path.clone();
            longer.push(*class);
            reach.insert(class.end, longer);
        }
    }
    match reach.remove(&end) {
        Some(path) => Ok(path.into_iter().map(|c| (c, &ages[&c])).collect()),
        None => Err(reach.keys().copied().max().unwrap_or(start)),
    }
}

/// A coarse class (a band, "100+ år", the total) must equal its finer
/// classes when the file has both; which one to believe is not ours to guess.
fn check_age_totals(
    code: &str,
    year: i32,
    ages: &BTreeMap<AgeClass, Entry>,
    problems: &mut Vec<Problem>,
) {
    for (class, entry) in ages {
        let Count::Known(coarse) = entry.count else {
            continue;
        };
        let Ok(finer) = finest(ages, class.start, class.end, Some(*class), true) else {
            continue;
        };
        let Some(fine) = finer.iter().map(|(_, e)| count_of(e)).sum::<Option<i64>>() else {
            continue;
        };
        if fine != coarse {
            problems.push(Problem::new(
                entry.at.clone(),
                format!(
                    "{code}, {year}: '{class}' is {coarse}, but the ages it spans add up \
                     to {fine}"
                ),
            ));
        }
    }
}

fn sum(entries: &[&Entry]) -> Entry {
    let mut total = 0;
    for entry in entries {
        match entry.count {
            Count::Known(n) => total += n,
            Count::Missing(_) => return (*entry).clone(),
        }
    }
    Entry {
        count: Count::Known(total),
        at: entries.first().map_or(Location::File, |e| e.at.clone()),
    }
}

fn count_of(entry: &Entry) -> Option<i64> {
    match entry.count {
        Count::Known(n) => Some(n),
        Count::Missing(_) => None,
    }
}
