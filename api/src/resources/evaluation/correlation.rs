//! Pearson's correlation of reach and an outcome across municipalities, and
//! the change of a series over a period: descriptive statistics only.

use std::collections::BTreeMap;

use super::wire::{Correlation, PeriodChange};
use crate::resources::reach::disclosure::round;

/// Below this many municipalities a coefficient says more about one
/// municipality than about a relation: stated as null with the reason.
pub const MINIMUM_N: i32 = 8;

pub const METHOD: &str = "Pearson's r over the county's municipalities. Each municipality \
     is one point: its mean reach per 1,000 children and its mean value of the measure (total, \
     both genders), over the whole years of the period in which it has both. A municipality \
     with no such year is left out.";

/// Pearson's r of the pairs, or why there is none.
pub fn pearson(points: &[(f64, f64)]) -> Result<f64, String> {
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in points {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    if sxx == 0.0 || syy == 0.0 {
        return Err("the municipalities do not vary in reach or in the measure".into());
    }
    Ok(round(sxy / (sxx * syy).sqrt(), 4))
}

/// Per municipality, the years' figures of reach and of the measure.
pub type ByYear = BTreeMap<i32, f64>;

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    sum / n as f64
}

/// The correlation over municipalities given, per municipality, its reach
/// and its measure by (whole) year.
pub fn across(
    municipalities: &[(&ByYear, &ByYear)],
    county_code: &str,
    kpi: &str,
    years: std::ops::RangeInclusive<i32>,
) -> Correlation {
    let (from, to) = (*years.start(), *years.end());
    let points: Vec<(f64, f64)> = municipalities
        .iter()
        .filter_map(|(reach, measure)| {
            let common: Vec<i32> = reach
                .keys()
                .filter(|y| measure.contains_key(y))
                .copied()
                .collect();
            (!common.is_empty()).then(|| {
                (
                    mean(common.iter().map(|y| reach[y])),
                    mean(common.iter().map(|y| measure[y])),
                )
            })
        })
        .collect();
    let n = points.len() as i32;
    let (coefficient, reason) = if n < MINIMUM_N {
        (
            None,
            Some(format!(
                "only {n} of county {county_code}'s municipalities have both reach per 1,000 \
                 children and a value of {kpi} in a whole year of {from}–{to}; a correlation \
                 is stated from {MINIMUM_N}"
            )),
        )
    } else {
        match pearson(&points) {
            Ok(r) => (Some(r), None),
            Err(why) => (None, Some(why)),
        }
    };
    Correlation {
        coefficient,
        n,
        minimum_n: MINIMUM_N,
        county_code: county_code.to_owned(),
        reason,
        method: METHOD.into(),
    }
}

/// The change from the first to the last year holding a value; `left_out`
/// names years that were not used (not yet over).
pub fn change(values: &ByYear, decimals: i32, left_out: Option<String>) -> PeriodChange {
    let first = values.iter().next();
    let last = values.iter().next_back();
    match (first, last) {
        (Some((fy, fv)), Some((ly, lv))) if fy != ly => PeriodChange {
            first_year: Some(*fy),
            first_value: Some(*fv),
            last_year: Some(*ly),
            last_value: Some(*lv),
            change: Some(round(lv - fv, decimals)),
            note: left_out,
        },
        _ => PeriodChange {
            first_year: first.map(|f| *f.0),
            first_value: first.map(|f| *f.1),
            last_year: last.map(|l| *l.0),
            last_value: last.map(|l| *l.1),
            change: None,
            note: Some(
                [
                    Some(format!(
                        "{} of the period's years hold a value; a change needs two",
                        values.len()
                    )),
                    left_out,
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("; "),
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pearson_of_a_line_is_one_and_of_its_mirror_minus_one() {
        let up: Vec<(f64, f64)> = (0..8).map(|i| (i as f64, 2.0 * i as f64 + 1.0)).collect();
        assert_eq!(pearson(&up), Ok(1.0));
        let down: Vec<(f64, f64)> = up.iter().map(|(x, y)| (*x, -y)).collect();
        assert_eq!(pearson(&down), Ok(-1.0));
        assert!(pearson(&[(1.0, 2.0), (1.0, 3.0)]).is_err());
    }

    #[test]
    fn a_change_needs_two_years() {
        let one = ByYear::from([(2020, 5.0)]);
        assert!(change(&one, 2, None).change.is_none());
        let two = ByYear::from([(2020, 5.0), (2023, 7.5)]);
        assert_eq!(change(&two, 2, None).change, Some(2.5));
    }
}
