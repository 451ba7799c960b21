//! What a downloaded reach or indicators file is called, and what its
//! workbook states about its figures: their source, the population they
//! divide by, and the disclosure rule that protects them.

use std::collections::BTreeSet;

use super::indicators::IndicatorsQuery;
use super::perturbation::{LARGE, MAX_NOISE, MAX_NOISE_LARGE};
use super::query::ReachQuery;
use super::wire::{IndicatorReport, ReachInhabitants, ReachPopulation, ReachRow};
use crate::http::formats::file_name;
use crate::http::workbook::AboutLine;
use crate::vocab::{join_codes, CountyCode};

/// E.g. `reach-municipality-year-19-2025`: the groupings, then the filters,
/// then the period, so files of several queries sort and read apart.
pub fn reach_file_name(q: &ReachQuery) -> String {
    let mut parts = vec!["reach".to_owned()];
    parts.extend(q.group_by.iter().map(|g| g.as_str().to_owned()));
    parts.extend(q.county.as_ref().map(CountyCode::to_string));
    parts.push(join_codes(&q.municipalities, "_"));
    parts.push(join_codes(&q.programmes, "_"));
    parts.push(
        q.prevention_levels
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("_"),
    );
    parts.push(period_label(q));
    file_name(parts)
}

/// `2025` for a whole year, `2023_2025` for whole years, otherwise the
/// quarters (`2024-Q2_2025-Q1`, `from-2024-Q2`, `to-2025-Q1`).
fn period_label(q: &ReachQuery) -> String {
    match (q.from, q.to) {
        (Some(f), Some(t)) if f.quarter == 1 && t.quarter == 4 && f.year == t.year => {
            f.year.to_string()
        }
        (Some(f), Some(t)) if f.quarter == 1 && t.quarter == 4 => {
            format!("{}_{}", f.year, t.year)
        }
        (Some(f), Some(t)) => format!("{f}_{t}"),
        (Some(f), None) => format!("from-{f}"),
        (None, Some(t)) => format!("to-{t}"),
        (None, None) => String::new(),
    }
}

/// E.g. `indicators-19-2025`.
pub fn indicators_file_name(q: &IndicatorsQuery, report: &IndicatorReport) -> String {
    file_name([
        "indicators".to_owned(),
        report.county_code.clone(),
        join_codes(&q.municipalities, "_"),
        report.year.to_string(),
    ])
}

/// The `Om data` lines of a reach workbook.
pub fn reach_about(k: i64, rows: &[ReachRow]) -> Vec<AboutLine> {
    let mut lines = vec![
        AboutLine::new(
            "Innehåll / Contents",
            "Räckvidd: deltaganden i föräldraskapsstöd per grupp, ur omgångar med status pågående eller avslutad, räknade till perioden för startdatum. Kolumnerna period_from och period_to anger vilka kvartal raden omfattar; tom period_from: från första rapporterade omgång, tom period_to: till i dag.",
            "Reach: participations in parenting support per group, over sessions with status ongoing or completed, counted in the period of their start date. The columns period_from and period_to state the quarters a row covers; empty period_from: from the first reported session, empty period_to: up to today.",
        ),
        sessions_source(),
    ];
    lines.extend(population_lines(
        rows.iter().filter_map(|r| r.population.as_ref()),
        rows.iter().filter_map(|r| r.inhabitants.as_ref()),
    ));
    lines.extend(disclosure_lines(k));
    lines
}

/// The `Om data` lines of an indicators workbook.
pub fn indicators_about(k: i64, report: &IndicatorReport) -> Vec<AboutLine> {
    let mut lines = vec![
        AboutLine::new(
            "Innehåll / Contents",
            format!(
                "Inriktningsbeslutets indikatorer för {} ({}) och dess kommuner, år {}{}. En rad per område och indikator; definitionerna finns i JSON-svaret och i API-dokumentationen.",
                report.county_name,
                report.county_code,
                report.year,
                if report.complete { "" } else { " (året är inte slut: värden hittills i år)" }
            ),
            format!(
                "The decision's indicators for {} ({}) and its municipalities, year {}{}. One row per area and indicator; the definitions are in the JSON answer and the API documentation.",
                report.county_name,
                report.county_code,
                report.year,
                if report.complete { "" } else { " (the year is not over: figures so far)" }
            ),
        ),
        sessions_source(),
    ];
    lines.extend(population_lines(
        report.areas.iter().filter_map(|a| a.population.as_ref()),
        std::iter::empty(),
    ));
    lines.extend(disclosure_lines(k));
    lines
}

pub(crate) fn sessions_source() -> AboutLine {
    AboutLine::new(
        "Källa / Source",
        "Omgångar som kommunerna rapporterar till detta API (/v1/sessions); befolkningen enligt kommunernas befolkningsserier (/v1/municipalities/{kod}/population), med källan angiven nedan och på varje rad.",
        "Sessions the municipalities report to this API (/v1/sessions); population from the municipalities' population series (/v1/municipalities/{code}/population), with the source stated below and on every row.",
    )
}

/// The populations the rates divide by, each once: year, age band and
/// source, as the rows state them.
fn population_lines<'a>(
    children: impl Iterator<Item = &'a ReachPopulation>,
    inhabitants: impl Iterator<Item = &'a ReachInhabitants>,
) -> Vec<AboutLine> {
    let children: BTreeSet<_> = children
        .map(|p| {
            (
                p.year,
                p.children_age_from,
                p.children_age_to,
                p.source.as_str(),
            )
        })
        .collect();
    let inhabitants: BTreeSet<_> = inhabitants.map(|p| (p.year, p.source.as_str())).collect();
    let mut lines = Vec::new();
    if children.is_empty() {
        lines.push(AboutLine::new(
            "Befolkning, barn / Population, children",
            "Ingen: ingen rad har en källa för antalet barn, så inga värden per 1 000 barn anges.",
            "None: no row has a sourced child population, so no figure per 1,000 children is given.",
        ));
    } else {
        let list = |lang_sv: bool| {
            children
                .iter()
                .map(|(year, from, to, source)| {
                    if lang_sv {
                        format!("barn {from}–{to} år den 31 december {year} ({source})")
                    } else {
                        format!("children aged {from}–{to} on 31 December {year} ({source})")
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        lines.push(AboutLine::new(
            "Befolkning, barn / Population, children",
            format!("Värden per 1 000 barn delar med: {}. Året är periodens eget, annars närmaste tidigare år med uppgifter (kolumnen population_lag_years).", list(true)),
            format!("Rates per 1,000 children divide by: {}. The year is the period's own, else the nearest earlier year with figures (column population_lag_years).", list(false)),
        ));
    }
    if !inhabitants.is_empty() {
        let list = |lang_sv: bool| {
            inhabitants
                .iter()
                .map(|(year, source)| {
                    if lang_sv {
                        format!("folkmängd den 31 december {year} ({source})")
                    } else {
                        format!("population on 31 December {year} ({source})")
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        lines.push(AboutLine::new(
            "Befolkning, alla / Population, all",
            format!("Värden per 1 000 invånare delar med: {}.", list(true)),
            format!("Rates per 1,000 inhabitants divide by: {}.", list(false)),
        ));
    }
    lines
}

/// The disclosure rule in one sentence per language, and what is exact.
pub(crate) fn disclosure_lines(k: i64) -> Vec<AboutLine> {
    vec![
        AboutLine::new(
            "Röjandekontroll / Disclosure control",
            format!(
                "Cellnyckelmetoden: antalen personer (kvinnor, män, boende i socioekonomiskt utsatta områden, svarande, nöjda) får ett litet brus som alltid är detsamma för samma omgångar, så att inget publicerat antal ligger mellan 1 och {} (k = {k}; antal under k visas som 0 eller {k}, större antal flyttas högst ±{MAX_NOISE}, ±{MAX_NOISE_LARGE} från {LARGE}), och andelarna räknas från de publicerade antalen. En rad med 1–{} deltagare visar inga fördelningar (kolumnen suppressed). Totaler skyddas för sig: länet behöver inte vara summan av kommunerna.",
                k - 1,
                k - 1
            ),
            format!(
                "Cell-key perturbation: the counts of people (women, men, residents of socioeconomically vulnerable areas, respondents, satisfied) carry a small noise that is always the same for the same sessions, so that no published count lies between 1 and {} (k = {k}; counts below k show as 0 or {k}, larger counts move by at most ±{MAX_NOISE}, ±{MAX_NOISE_LARGE} from {LARGE} up), and shares are computed from the published counts. A row of 1–{} participants shows no breakdowns (column suppressed). Totals are protected on their own: a county need not equal the sum of its municipalities.",
                k - 1,
                k - 1
            ),
        ),
        AboutLine::new(
            "Exakt / Exact",
            "Antal omgångar (sessions), inskrivna (enrolled) och fullföljda (completed) är exakta: varje omgång publicerar sina egna i /v1/sessions.",
            "The counts of sessions, enrolled and completed are exact: every session publishes its own in /v1/sessions.",
        ),
    ]
}
