//! Disclosure control for published aggregates (the README's "Reach and
//! indicators" states the rules for clients).
//!
//! Sessions carry counts of people, and a small count in a small municipality
//! can point at a family. So, per published row:
//!
//! 1. *Primary suppression*: a count of people between 1 and k−1 is replaced
//!    by null and named in `suppressed`. Zero is published: "nobody" identifies
//!    no one, and hiding zeros would make every empty cell look like a secret.
//! 2. *Rates follow their parts*: a rate whose numerator or denominator is
//!    hidden is hidden too, or the rate times the visible part would give the
//!    hidden one back. This includes denominators that are never published
//!    themselves (`enrolled_finished` under `completion_rate`) and the public
//!    reference population under `reach_per_1000_children`.
//! 3. *Complementary suppression*: `women + men ≤ enrolled`, and where every
//!    participant's gender is reported the parts add up exactly. If the total is
//!    shown and exactly one part is hidden, `enrolled − shown part` gives the
//!    hidden one back; so the other part is hidden too (with only two parts,
//!    the "next-smallest" part is simply the other one), even when it is zero.
//!
//! `sessions` counts rounds of a programme, not people, and is never hidden.

use entity::reach_rollup::Column;
use sea_orm::{DbErr, QueryResult};

use super::sums::read_columns;

/// A count of people before disclosure control.
pub type Count = i64;

/// True when a count must be hidden under threshold `k`.
pub fn is_small(count: Count, k: i64) -> bool {
    (1..k).contains(&count)
}

/// The people counts of one row, as summed: the one list of them. A new
/// measure is a field here, its column in `COLUMNS` and its place in
/// `values`/`from_values`; every query, rollup write and snapshot follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub enrolled: Count,
    /// Enrolled in completed sessions: the denominator of `completion_rate`, not published.
    pub enrolled_finished: Count,
    pub completed: Count,
    pub women: Count,
    pub men: Count,
    pub vulnerable_area: Count,
    pub satisfaction_respondents: Count,
    pub satisfied: Count,
}

impl RowCounts {
    /// The `reach_rollup` columns that hold the counts, in `values` order.
    pub const COLUMNS: [Column; 8] = [
        Column::Enrolled,
        Column::EnrolledFinished,
        Column::Completed,
        Column::Women,
        Column::Men,
        Column::VulnerableArea,
        Column::SatisfactionRespondents,
        Column::Satisfied,
    ];

    /// The counts in `COLUMNS` order.
    pub fn values(&self) -> [Count; 8] {
        [
            self.enrolled,
            self.enrolled_finished,
            self.completed,
            self.women,
            self.men,
            self.vulnerable_area,
            self.satisfaction_respondents,
            self.satisfied,
        ]
    }

    fn from_values(values: [Count; 8]) -> Self {
        let [enrolled, finished, completed, women, men, vulnerable, respondents, satisfied] =
            values;
        Self {
            enrolled,
            enrolled_finished: finished,
            completed,
            women,
            men,
            vulnerable_area: vulnerable,
            satisfaction_respondents: respondents,
            satisfied,
        }
    }

    /// Reads the counts from a result row whose columns are named as in `COLUMNS`.
    pub fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self::from_values(read_columns(row, Self::COLUMNS)?))
    }

    /// Adds `times` another row's counts: 1 to sum rows, −1 to take a row away.
    pub fn add_times(&mut self, o: &RowCounts, times: Count) {
        let (a, b) = (self.values(), o.values());
        *self = Self::from_values(std::array::from_fn(|i| a[i] + times * b[i]));
    }

    pub fn add(&mut self, o: &RowCounts) {
        self.add_times(o, 1)
    }

    pub fn is_zero(&self) -> bool {
        self.values() == [0; 8]
    }
}

/// The same row after disclosure control: `None` where hidden, with the rates
/// that may be published and the names of everything hidden.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Disclosed {
    pub enrolled: Option<Count>,
    pub completed: Option<Count>,
    pub women: Option<Count>,
    pub men: Option<Count>,
    pub vulnerable_area: Option<Count>,
    pub satisfaction_respondents: Option<Count>,
    pub satisfied: Option<Count>,
    /// `completed / enrolled_finished`; None when hidden or when nothing finished.
    pub completion_rate: Option<f64>,
    /// `vulnerable_area / enrolled`; None when hidden or nobody enrolled.
    pub vulnerable_area_share: Option<f64>,
    /// `satisfied / satisfaction_respondents`; None when hidden or no respondents.
    pub satisfaction_rate: Option<f64>,
    /// Whether rates built on `enrolled` (such as reach per 1,000 children) may be shown.
    pub enrolled_rates_allowed: bool,
    /// Field names hidden in this row, in a fixed order.
    pub suppressed: Vec<&'static str>,
}

fn ratio(num: Count, den: Count) -> Option<f64> {
    (den > 0).then(|| round(num as f64 / den as f64, 4))
}

pub fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Applies the three rules above with threshold `k`.
pub fn disclose(c: &RowCounts, k: i64) -> Disclosed {
    let small = |n: Count| is_small(n, k);
    let hide_enrolled = small(c.enrolled);
    let mut hide_women = small(c.women);
    let mut hide_men = small(c.men);
    // Rule 3. Only the visible total makes a lone hidden part recoverable.
    if !hide_enrolled && (hide_women != hide_men) {
        hide_women = true;
        hide_men = true;
    }
    // A hidden total needs nothing more: each part is at most the total, so
    // it is itself hidden or a true zero, and zeros give back only 0 ≤ total.
    let hide_completed = small(c.completed);
    let hide_finished = small(c.enrolled_finished);
    let hide_vulnerable = small(c.vulnerable_area);
    let hide_respondents = small(c.satisfaction_respondents);
    let hide_satisfied = small(c.satisfied);

    let show = |hide: bool, n: Count| (!hide).then_some(n);
    let mut suppressed = Vec::new();
    let mut note = |hide: bool, name: &'static str| {
        if hide {
            suppressed.push(name);
        }
    };
    note(hide_enrolled, "enrolled");
    note(hide_completed, "completed");
    let hide_completion_rate = hide_completed || hide_finished;
    note(hide_completion_rate, "completion_rate");
    note(hide_women, "women");
    note(hide_men, "men");
    note(hide_vulnerable, "vulnerable_area");
    let hide_vulnerable_share = hide_vulnerable || hide_enrolled;
    note(hide_vulnerable_share, "vulnerable_area_share");
    note(hide_enrolled, "reach_per_1000_children");
    note(hide_respondents, "satisfaction_respondents");
    let hide_satisfaction_rate = hide_respondents || hide_satisfied;
    note(hide_satisfaction_rate, "satisfaction_rate");

    Disclosed {
        enrolled: show(hide_enrolled, c.enrolled),
        completed: show(hide_completed, c.completed),
        women: show(hide_women, c.women),
        men: show(hide_men, c.men),
        vulnerable_area: show(hide_vulnerable, c.vulnerable_area),
        satisfaction_respondents: show(hide_respondents, c.satisfaction_respondents),
        satisfied: show(hide_satisfied, c.satisfied),
        completion_rate: if hide_completion_rate {
            None
        } else {
            ratio(c.completed, c.enrolled_finished)
        },
        vulnerable_area_share: if hide_vulnerable_share {
            None
        } else {
            ratio(c.vulnerable_area, c.enrolled)
        },
        satisfaction_rate: if hide_satisfaction_rate {
            None
        } else {
            ratio(c.satisfied, c.satisfaction_respondents)
        },
        enrolled_rates_allowed: !hide_enrolled,
        suppressed,
    }
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
        let d = disclose(&RowCounts::default(), 5);
        assert_eq!(d.enrolled, Some(0));
        assert!(d.suppressed.is_empty());
        // Rates over zero are undefined, not secret.
        assert_eq!(d.completion_rate, None);
    }

    #[test]
    fn counts_below_the_threshold_are_hidden_and_named() {
        let d = disclose(&row(4, 0, 0), 5);
        assert_eq!(d.enrolled, None);
        assert!(d.suppressed.contains(&"enrolled"));
        assert!(d.suppressed.contains(&"reach_per_1000_children"));
        assert!(!d.enrolled_rates_allowed);
        assert_eq!(disclose(&row(5, 0, 0), 5).enrolled, Some(5));
    }

    #[test]
    fn a_lone_hidden_part_takes_the_other_with_it() {
        // 12 enrolled, 9 women, 3 men: showing women would give men = 12 − 9.
        let d = disclose(&row(12, 9, 3), 5);
        assert_eq!((d.women, d.men), (None, None));
        assert_eq!(d.enrolled, Some(12));
        // Even a zero part goes, or "enrolled − 0" gives the other back.
        let d = disclose(&row(3 + 10, 3, 0), 5);
        assert_eq!((d.women, d.men), (None, None));
    }

    #[test]
    fn a_rate_over_a_hidden_part_is_hidden() {
        let c = RowCounts {
            enrolled: 20,
            enrolled_finished: 3,
            completed: 0,
            satisfaction_respondents: 10,
            satisfied: 2,
            vulnerable_area: 4,
            ..RowCounts::default()
        };
        let d = disclose(&c, 5);
        // 0 completed of 3 finished: the rate 0.0 is fine arithmetic but its
        // denominator is a hidden count.
        assert_eq!(d.completion_rate, None);
        assert_eq!(d.satisfaction_rate, None);
        assert_eq!(d.vulnerable_area_share, None);
        assert_eq!(d.satisfaction_respondents, Some(10));
    }

    #[test]
    fn the_threshold_is_configurable() {
        assert_eq!(disclose(&row(8, 0, 0), 10).enrolled, None);
        assert_eq!(disclose(&row(1, 0, 0), 1).enrolled, Some(1));
    }
}
