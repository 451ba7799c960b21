//! The reference data shipped with the service, parsed from the CSV files in
//! `migration/data/` (copied from the project's sourced data; see its README).

use serde::Deserialize;

pub const MUNICIPALITIES_CSV: &str = include_str!("../data/municipalities.csv");
pub const POPULATION_CSV: &str = include_str!("../data/population-vastmanland.csv");
pub const PROGRAMMES_CSV: &str = include_str!("../data/programmes.csv");
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
