//! Disclosure control for published aggregates: no count of people whose
//! true value is 1..k−1 can be determined exactly from any combination of
//! published answers (DESIGN.md, "Disclosure control"; the README states the
//! rules for clients).
//!
//! - `enrolled` and `completed` are exact: every session publishes its own in
//!   `/v1/sessions`, so their sums are public anyway. So is `sessions`.
//! - The people breakdowns (`women`, `men`, `vulnerable_area`,
//!   `satisfaction_respondents`, `satisfied`) are perturbed by the cell-key
//!   method (`perturbation`): the same cell always gets the same noise, no
//!   published breakdown is 1..k−1, and a difference of cells is noisy.
//! - A part is capped at its published whole (women at enrolled, satisfied at
//!   respondents), and rates are built from the published counts, so no
//!   figure contradicts another. Totals are protected on their own: a county
//!   need not equal the sum of its municipalities.
//! - A cell with 1..k−1 participants withholds its breakdowns (all below k):
//!   a decision on a public total, so it tells nothing.

use super::perturbation::{Measure, PerturbationTable};
use crate::store::rollup::sums::{CellKey, Count, RowCounts};

/// The same row after disclosure control: counts of people perturbed, the
/// rates built from the published counts, and what is withheld.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Disclosed {
    pub enrolled: Option<Count>,
    pub completed: Option<Count>,
    pub women: Option<Count>,
    pub men: Option<Count>,
    pub vulnerable_area: Option<Count>,
    pub satisfaction_respondents: Option<Count>,
    pub satisfied: Option<Count>,
    /// `completed / enrolled_finished` (both exact); None when nothing finished.
    pub completion_rate: Option<f64>,
    /// Published `vulnerable_area / enrolled`; None when withheld or nobody enrolled.
    pub vulnerable_area_share: Option<f64>,
    /// Published `satisfied / satisfaction_respondents`; None when withheld or none.
    pub satisfaction_rate: Option<f64>,
    /// Field names withheld in this row, in a fixed order.
    pub suppressed: Vec<&'static str>,
}

fn ratio(num: Count, den: Count) -> Option<f64> {
    (den > 0).then(|| round(num as f64 / den as f64, 4))
}

pub fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// The breakdowns withheld when a cell has fewer than k participants.
const SMALL_CELL: [&str; 5] = [
    "women",
    "men",
    "vulnerable_area",
    "vulnerable_area_share",
    "satisfaction_respondents",
];

/// Applies the rules above with threshold `k` to the counts of the cell
/// whose key is `key`.
pub fn disclose(c: &RowCounts, key: CellKey, k: i64) -> Disclosed {
    let table = PerturbationTable::for_threshold(k);
    let mut d = Disclosed {
        enrolled: Some(c.enrolled),
        completed: Some(c.completed),
        completion_rate: ratio(c.completed, c.enrolled_finished),
        ..Disclosed::default()
    };
    if (1..k).contains(&c.enrolled) {
        // Every part is below k, and a published 0-or-k next to an exact
        // total below k would contradict it: withheld, which tells nothing
        // the public total does not.
        d.suppressed.extend(SMALL_CELL);
        d.suppressed.push("satisfaction_rate");
        return d;
    }
    // A part is capped at its published whole: the whole is 0 or at least
    // k, so the cap never publishes 1..k−1.
    let part = |n: Count, m: Measure, whole: Count| table.perturb(n, key, m).min(whole);
    let women = part(c.women, Measure::Women, c.enrolled);
    let men = part(c.men, Measure::Men, c.enrolled);
    let vulnerable = part(c.vulnerable_area, Measure::VulnerableArea, c.enrolled);
    let respondents = part(
        c.satisfaction_respondents,
        Measure::SatisfactionRespondents,
        c.enrolled,
    );
    let satisfied = part(c.satisfied, Measure::Satisfied, respondents);
    d.women = Some(women);
    d.men = Some(men);
    d.vulnerable_area = Some(vulnerable);
    d.vulnerable_area_share = ratio(vulnerable, c.enrolled);
    d.satisfaction_respondents = Some(respondents);
    d.satisfied = Some(satisfied);
    d.satisfaction_rate = ratio(satisfied, respondents);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(enrolled: i64, women: i64, men: i64) -> RowCounts {
        RowCounts {
            enrolled,
            women,
            men,
            ..RowCounts::default()
        }
    }

    #[test]
    fn zero_is_published_because_nobody_identifies_no_one() {
        let d = disclose(&RowCounts::default(), 7, 5);
        assert_eq!((d.enrolled, d.women, d.men), (Some(0), Some(0), Some(0)));
        assert!(d.suppressed.is_empty());
        // Rates over zero are undefined, not secret.
        assert_eq!(d.completion_rate, None);
    }

    #[test]
    fn enrolled_and_completed_are_exact_and_breakdowns_never_small() {
        for key in 0..2000u32 {
            let key = key.wrapping_mul(2_654_435_761);
            let d = disclose(&row(12, 9, 3), key, 5);
            assert_eq!(d.enrolled, Some(12));
            for part in [d.women, d.men] {
                let part = part.unwrap_or_default();
                assert!(part == 0 || (5..=12).contains(&part), "{part}");
            }
        }
    }

    #[test]
    fn a_cell_below_k_withholds_its_breakdowns() {
        let d = disclose(&row(4, 2, 2), 99, 5);
        assert_eq!(d.enrolled, Some(4));
        assert_eq!((d.women, d.men), (None, None));
        assert!(d.suppressed.contains(&"women"));
        assert!(d.suppressed.contains(&"satisfaction_rate"));
    }

    #[test]
    fn parts_stay_within_their_wholes_and_rates_follow_the_published_counts() {
        let c = RowCounts {
            enrolled: 20,
            satisfaction_respondents: 6,
            satisfied: 6,
            vulnerable_area: 20,
            ..RowCounts::default()
        };
        for key in 0..2000u32 {
            let d = disclose(&c, key.wrapping_mul(2_654_435_761), 5);
            let (resp, sat) = (d.satisfaction_respondents.unwrap(), d.satisfied.unwrap());
            assert!(sat <= resp && d.vulnerable_area.unwrap() <= 20);
            assert_eq!(d.satisfaction_rate, ratio(sat, resp));
            assert_eq!(
                d.vulnerable_area_share,
                ratio(d.vulnerable_area.unwrap(), 20)
            );
        }
    }

    #[test]
    fn the_threshold_is_configurable() {
        let d = disclose(&row(30, 7, 23), 5, 10);
        assert!(d.women.is_some_and(|w| w == 0 || w >= 10));
        assert!(disclose(&row(8, 4, 4), 5, 10).women.is_none());
    }
}
