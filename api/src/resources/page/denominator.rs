//! What a chart's rates divide by, said beside the chart: the age band, the
//! year and the source of the population, and when they differ between bars
//! or are years older than the period they divide. A rate without its
//! denominator cannot be put before anyone.

use std::fmt::Write;

use super::chart::Measure;
use super::html::{esc, Lang};
use crate::resources::reach::wire::{ReachPopulation, ReachRow};

/// Children a rate divides by, in words: "barn 0–15 år den 31 december
/// 2018 (source)".
pub fn children(lang: Lang, p: &ReachPopulation) -> String {
    match lang {
        Lang::Sv => format!(
            "barn {}–{} år den 31 december {} ({})",
            p.children_age_from, p.children_age_to, p.year, p.source
        ),
        Lang::En => format!(
            "children aged {}–{} on 31 December {} ({})",
            p.children_age_from, p.children_age_to, p.year, p.source
        ),
    }
}

/// One population a bar divides by, in words.
fn basis(lang: Lang, measure: Measure, row: &ReachRow) -> Option<(String, i32)> {
    match measure {
        Measure::Children => row
            .population
            .as_ref()
            .map(|p| (children(lang, p), p.lag_years)),
        Measure::Inhabitants => row.inhabitants.as_ref().map(|i| {
            let text = match lang {
                Lang::Sv => format!("invånare den 31 december {} ({})", i.year, i.source),
                Lang::En => format!("inhabitants on 31 December {} ({})", i.year, i.source),
            };
            (text, i.lag_years)
        }),
    }
}

/// A note naming the denominator of the `bars` (label, row): one sentence
/// when all share it, else which bars divide by what; then the largest lag.
pub fn note(lang: Lang, measure: Measure, bars: &[(String, &ReachRow)], out: &mut String) {
    let mut bases: Vec<(String, Vec<&str>)> = Vec::new();
    let mut lag = 0;
    for (label, row) in bars {
        let Some((text, row_lag)) = basis(lang, measure, row) else {
            continue;
        };
        lag = lag.max(row_lag);
        match bases.iter_mut().find(|(t, _)| *t == text) {
            Some((_, labels)) => labels.push(label),
            None => bases.push((text, vec![label])),
        }
    }
    let mut text = match bases.as_slice() {
        [] => return,
        [(only, _)] => format!("{} {only}.", lang.t("Nämnare:", "Denominator:")),
        several => {
            let parts: Vec<String> = several
                .iter()
                .map(|(t, labels)| format!("{t}: {}", labels.join(", ")))
                .collect();
            format!(
                "{} {}.",
                lang.t(
                    "Nämnaren skiljer sig mellan staplarna –",
                    "The denominator differs between the bars –"
                ),
                parts.join("; ")
            )
        }
    };
    if lag > 1 {
        let _ = match lang {
            Lang::Sv => write!(
                text,
                " Befolkningssiffrorna är upp till {lag} år äldre än perioden: nyare siffror saknas, så talen kan vara för höga eller för låga."
            ),
            Lang::En => write!(
                text,
                " The population figures are up to {lag} years older than the period: newer ones are missing, so the rates may be too high or too low."
            ),
        };
    }
    let class = if lag > 1 {
        "note denominator lag"
    } else {
        "note denominator"
    };
    let _ = write!(out, r#"<p class="{class}">{}</p>"#, esc(&text));
}
