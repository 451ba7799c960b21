//! How each indicator's figure is computed from an area's year, or why
//! there is none.

use super::AreaYear;
use crate::resources::reach::disclosure::{disclose, round, Disclosed};

const NO_ASSESSMENT: &str = "no programme offered has been rated by SBU; \
     the share is not stated rather than claimed";

/// What shares of offered sessions are taken over.
pub(super) const OFFERED: &str = "sessions offered";

/// A figure or the reason there is none.
pub(super) type Figure = Result<f64, String>;

pub(super) fn share(num: i64, den: i64, what: &str) -> Figure {
    if den > 0 {
        Ok(round(num as f64 / den as f64, 4))
    } else {
        Err(format!("no {what}"))
    }
}

pub(super) fn per_1000(n: i64, children: Option<i64>) -> Figure {
    match children {
        Some(c) if c > 0 => Ok(round(n as f64 * 1000.0 / c as f64, 2)),
        Some(_) => Err("the reference population is 0".into()),
        None => Err("no children figure for this year or an earlier one is loaded".into()),
    }
}

fn suppressed_note(k: i64) -> String {
    format!(
        "suppressed: built on a count of people between 1 and {}",
        k.saturating_sub(1)
    )
}

/// Reach per 1,000 children under disclosure control.
pub(super) fn reach_figure(a: &AreaYear, k: i64) -> Figure {
    let d = disclose(&a.counted.counts, a.counted.cell_key(), k);
    match d.enrolled {
        None => Err(suppressed_note(k)),
        Some(e) => per_1000(e, a.children),
    }
}

/// A rate as disclosure control left it: hidden when `name` is suppressed,
/// undefined when there is nothing to take it `over`.
fn rate(value: Option<f64>, d: &Disclosed, name: &str, over: &str, k: i64) -> Figure {
    match value {
        Some(v) => Ok(v),
        None if d.suppressed.contains(&name) => Err(suppressed_note(k)),
        None => Err(format!("no {over}")),
    }
}

pub(super) fn satisfaction(a: &AreaYear, k: i64) -> Figure {
    let d = disclose(&a.counted.counts, a.counted.cell_key(), k);
    let over = "satisfaction respondents";
    rate(d.satisfaction_rate, &d, "satisfaction_rate", over, k)
}

/// Respondents (as published) over participations enrolled (exact).
pub(super) fn response_rate(a: &AreaYear, k: i64) -> Figure {
    let d = disclose(&a.counted.counts, a.counted.cell_key(), k);
    match (d.satisfaction_respondents, d.enrolled) {
        (Some(r), Some(e)) => share(r, e, "participations"),
        _ => Err(suppressed_note(k)),
    }
}

pub(super) fn vulnerable(a: &AreaYear, k: i64) -> Figure {
    let d = disclose(&a.counted.counts, a.counted.cell_key(), k);
    let over = "participations";
    rate(
        d.vulnerable_area_share,
        &d,
        "vulnerable_area_share",
        over,
        k,
    )
}

pub(super) fn evidence(a: &AreaYear) -> Figure {
    if a.offered == 0 {
        Err("no sessions offered".into())
    } else if a.assessed == 0 {
        Err(NO_ASSESSMENT.into())
    } else {
        share(a.evaluated, a.offered, OFFERED)
    }
}

/// The spread of municipalities' reach per 1,000 children: (min, max, max/min, CV).
/// Any municipality without a publishable rate makes the spread unstated: a
/// spread over the others would be biased, and with the rest published it could
/// give the hidden one back.
pub(super) fn spread(rates: &[Figure]) -> [Figure; 4] {
    let mut values = Vec::with_capacity(rates.len());
    for r in rates {
        match r {
            Ok(v) => values.push(*v),
            Err(why) => {
                let e = Err(format!("a municipality's reach is not available ({why})"));
                return [e.clone(), e.clone(), e.clone(), e];
            }
        }
    }
    if values.len() < 2 {
        let e: Figure = Err("fewer than two municipalities".into());
        return [e.clone(), e.clone(), e.clone(), e];
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    [
        Ok(round(min, 2)),
        Ok(round(max, 2)),
        if min > 0.0 {
            Ok(round(max / min, 4))
        } else {
            Err("the lowest reach is 0".into())
        },
        if mean > 0.0 {
            Ok(round(var.sqrt() / mean, 4))
        } else {
            Err("mean reach is 0".into())
        },
    ]
}
