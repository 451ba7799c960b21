//! The reference data shipped with the service, parsed from the CSV files in
//! `migration/data/` (copied from the project's sourced data; see its README).

use serde::Deserialize;

pub const MUNICIPALITIES_CSV: &str = include_str!("../data/municipalities.csv");
pub const POPULATION_CSV: &str = include_str!("../data/population-vastmanland.csv");
pub const PROGRAMMES_CSV: &str = include_str!("../data/programmes.csv");
/// The sourced catalogue that replaced the starting one (see `data/README.md`).
pub const CATALOGUE_CSV: &str = include_str!("../data/programmes-2026.csv");

/// The separator of the catalogue file's `sources` cell, kept as the stored
/// form: a URL cannot contain a space, so ` | ` never splits one.
pub const SOURCES_SEPARATOR: &str = " | ";
pub const POPULATION_2024_CSV: &str = include_str!("../data/population-2024.csv");

/// Västmanlands län: the county whose municipalities form the collaboration.
pub const COLLABORATION_COUNTY: &str = "19";

/// The age band of the reference population's `children` figure.
pub const CHILDREN_AGE_FROM: i32 = 0;
pub const CHILDREN_AGE_TO: i32 = 15;

#[derive(Debug, Clone, Deserialize)]
pub struct MunicipalityRow {
    pub code: String,
    pub name: String,
    pub county_code: String,
    pub county_name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PopulationRow {
    pub code: String,
    pub name: String,
    pub year: i32,
    pub children_0_15: i32,
    pub population_total: i32,
    pub source: String,
}

/// One municipality's total population on 31 December of `year`, with no
/// child figure (the 2024 file has totals only).
#[derive(Debug, Clone, Deserialize)]
pub struct PopulationTotalRow {
    pub code: String,
    pub name: String,
    pub year: i32,
    pub population_total: i64,
    pub source: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProgrammeRow {
    pub slug: String,
    pub name_sv: String,
    pub name_en: String,
    pub age_min: i32,
    pub age_max: i32,
    /// `;`-separated.
    pub formats: String,
    pub typical_meetings: Option<i32>,
    /// `;`-separated.
    pub prevention_levels: String,
    pub verified: String,
    pub source: Option<String>,
}

/// One row of `programmes-2026.csv`. Every empty cell is `None`: unknown,
/// and kept unknown.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogueRow {
    pub slug: String,
    pub name_sv: String,
    pub name_en: String,
    /// `yes` when the English name is our translation, not an official one.
    pub name_en_is_literal: String,
    pub age_min: Option<i32>,
    pub age_max: Option<i32>,
    /// `;`-separated.
    pub formats: Option<String>,
    pub typical_meetings: Option<i32>,
    /// `;`-separated.
    pub prevention_levels: Option<String>,
    pub evidence_status: String,
    pub evidence_summary: Option<String>,
    pub owner: Option<String>,
    pub verified: String,
    /// ` | `-separated URLs.
    pub sources: Option<String>,
}

impl CatalogueRow {
    pub fn sources(&self) -> Vec<String> {
        split_sources(self.sources.as_deref().unwrap_or_default())
    }
}

/// A stored or file `sources` cell back into its URLs.
pub fn split_sources(cell: &str) -> Vec<String> {
    cell.split(SOURCES_SEPARATOR)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse<T: for<'de> Deserialize<'de>>(csv_text: &str) -> Vec<T> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .expect("reference data shipped with the binary is valid CSV")
}

pub fn municipalities() -> Vec<MunicipalityRow> {
    parse(MUNICIPALITIES_CSV)
}

/// Population rows with "same" sources resolved to the source named above them.
pub fn population() -> Vec<PopulationRow> {
    let mut rows: Vec<PopulationRow> = parse(POPULATION_CSV);
    let mut last = String::new();
    for row in &mut rows {
        if row.source == "same" {
            row.source = last.clone();
        } else {
            last = row.source.clone();
        }
    }
    rows
}

/// SCB's totals of all 290 municipalities on 2024-12-31.
pub fn population_2024() -> Vec<PopulationTotalRow> {
    parse(POPULATION_2024_CSV)
}

pub fn programmes() -> Vec<ProgrammeRow> {
    parse::<ProgrammeRow>(PROGRAMMES_CSV)
        .into_iter()
        .map(|mut p| {
            p.source = p.source.filter(|s| !s.trim().is_empty());
            p
        })
        .collect()
}

/// The sourced catalogue, cells trimmed and blank ones read as unknown.
pub fn catalogue() -> Vec<CatalogueRow> {
    let blank = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    parse::<CatalogueRow>(CATALOGUE_CSV)
        .into_iter()
        .map(|mut p| {
            p.formats = blank(p.formats);
            p.prevention_levels = blank(p.prevention_levels);
            p.evidence_summary = blank(p.evidence_summary);
            p.owner = blank(p.owner);
            p.sources = blank(p.sources);
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_290_municipalities_and_ten_in_vastmanland() {
        let all = municipalities();
        assert_eq!(all.len(), 290);
        let vastmanland = all
            .iter()
            .filter(|m| m.county_code == COLLABORATION_COUNTY)
            .count();
        assert_eq!(vastmanland, 10);
        assert!(all
            .iter()
            .all(|m| m.code.len() == 4 && m.code.starts_with(&m.county_code)));
    }

    #[test]
    fn population_sources_are_resolved_and_sum_to_the_county_figure() {
        let rows = population();
        assert_eq!(rows.len(), 10);
        assert!(rows.iter().all(|r| r.source.starts_with("SCB")));
        assert_eq!(rows.iter().map(|r| r.children_0_15).sum::<i32>(), 51_300);
        assert_eq!(
            rows.iter().map(|r| r.population_total).sum::<i32>(),
            273_929
        );
    }

    #[test]
    fn the_catalogue_keeps_every_old_slug_and_holds_only_known_values() {
        let rows = catalogue();
        assert_eq!(rows.len(), 22);
        let slugs: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.slug.as_str()).collect();
        assert_eq!(slugs.len(), 22, "slugs are unique");
        for old in programmes() {
            assert!(slugs.contains(old.slug.as_str()), "{} kept", old.slug);
        }
        let in_vocab = |cell: &Option<String>, vocab: &[&str]| {
            cell.iter()
                .flat_map(|c| c.split(';'))
                .all(|v| vocab.contains(&v.trim()))
        };
        for r in &rows {
            let yes_no = ["yes", "no"];
            assert!(
                yes_no.contains(&r.name_en_is_literal.as_str()),
                "{}",
                r.slug
            );
            assert!(yes_no.contains(&r.verified.as_str()), "{}", r.slug);
            for age in [r.age_min, r.age_max].into_iter().flatten() {
                assert!((0..=20).contains(&age), "{}", r.slug);
            }
            if let (Some(lo), Some(hi)) = (r.age_min, r.age_max) {
                assert!(lo <= hi, "{}", r.slug);
            }
            assert!(in_vocab(&r.formats, &["group", "individual", "digital"]));
            assert!(in_vocab(
                &r.prevention_levels,
                &["universal", "selective", "indicated"]
            ));
            let scale = [
                "unassessed",
                "insufficient",
                "limited",
                "moderate",
                "strong",
            ];
            assert!(scale.contains(&r.evidence_status.as_str()), "{}", r.slug);
            assert!(r
                .sources()
                .iter()
                .all(|u| u.starts_with("https://") || u.starts_with("http://")));
        }
    }

    #[test]
    fn population_2024_covers_all_290_and_sums_to_scbs_totals() {
        let rows = population_2024();
        assert_eq!(rows.len(), 290);
        assert!(rows.iter().all(|r| r.year == 2024 && !r.source.is_empty()));
        // SCB's national total on 2024-12-31.
        assert_eq!(
            rows.iter().map(|r| r.population_total).sum::<i64>(),
            10_587_710
        );
        let vastmanland: Vec<&PopulationTotalRow> = rows
            .iter()
            .filter(|r| r.code.starts_with(COLLABORATION_COUNTY))
            .collect();
        assert_eq!(vastmanland.len(), 10);
        assert_eq!(
            vastmanland.iter().map(|r| r.population_total).sum::<i64>(),
            281_158
        );
        // Every row names a known municipality, once, under its own name.
        let known = municipalities();
        let mut codes: Vec<&str> = rows.iter().map(|r| r.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 290);
        for r in &rows {
            let m = known.iter().find(|m| m.code == r.code);
            assert_eq!(
                m.map(|m| m.name.as_str()),
                Some(r.name.as_str()),
                "{}",
                r.code
            );
        }
    }
}
