//! The cell-key method: consistent, bounded noise on counts of people.
//!
//! Each session holds a fixed random *record key* in 0..2³² (stored, never
//! published). A cell's key is the sum of its sessions' keys modulo 2³², so
//! the same set of sessions always has the same key, whichever grouping,
//! filter, format or instance asked, and the reach rollup carries it like
//! any other sum. A count's noise is looked up in a *perturbation table* by
//! (count, a uniform number drawn from the cell key and the measure): the
//! same cell always gets the same noise, two different cells independent
//! noise, and `women` and `men` of one cell do not move together. So a
//! difference of two published cells (a year less its quarters, a county
//! less its municipalities) carries the noise of both and gives no hidden
//! count back exactly.
//!
//! The table follows the constraints of sdcTools' `ptable` (Giessing 2016;
//! the ABS TableBuilder and the ONS 2021 census publish the same kind):
//! - a count of 0 stays 0 ("nobody" identifies no one);
//! - a count c of 1..k−1 is published as 0 or k, k with probability c/k: no
//!   published count is ever 1..k−1, and the noise is unbiased;
//! - a count c ≥ k moves by at most D, never below k, with mean 0 and, where
//!   the floor at k does not cut the range, variance V. The probabilities
//!   are the maximum-entropy ones under those constraints: a discrete normal
//!   curve, tilted where the floor cuts it so the mean stays 0.
//!
//! D is 4 below 50 and 2 from 50 up. A bounded noise lets an attacker who
//! sums bounds pin a small part exactly when a whole's noise is at its
//! largest and every other part at its own bound (the attack test found
//! Σ of two hidden 4s published 10 = 8 + D); with V = 1 an offset of ±4 has
//! a probability near 10⁻⁴ where ±2 has 0.05, and small cells are where
//! small parts meet. From 50 up, D = 2 keeps a count within 4 % of the truth.

use std::sync::{LazyLock, Mutex};

use crate::store::rollup::sums::CellKey;

/// Largest noise on a count of k or more below `LARGE`.
pub const MAX_NOISE: i64 = 4;
/// From this count up the noise is at most `MAX_NOISE_LARGE`.
pub const LARGE: i64 = 50;
/// Largest noise on a count of `LARGE` or more: within 4 % of it.
pub const MAX_NOISE_LARGE: i64 = 2;
/// Variance of the noise on a count of k + D or more.
pub const VARIANCE: f64 = 1.0;
/// Names this table: a change of method or parameters changes it.
pub const TABLE_VERSION: &str = "ckm-2";

/// The protected measures, each drawing its own noise from the cell key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Women = 1,
    Men = 2,
    VulnerableArea = 3,
    SatisfactionRespondents = 4,
    Satisfied = 5,
}

/// The perturbation table for one threshold k.
#[derive(Debug)]
pub struct PerturbationTable {
    k: i64,
    /// Below `LARGE`, for counts k, k+1, …, k+D: the offsets and their
    /// cumulative probabilities; counts above k+D use the last row.
    rows: Vec<Vec<(i64, f64)>>,
    /// The same from `LARGE` up, with D = `MAX_NOISE_LARGE`.
    large: Vec<Vec<(i64, f64)>>,
}

impl PerturbationTable {
    /// The table for threshold `k` (at least 1), built once per process.
    pub fn for_threshold(k: i64) -> &'static PerturbationTable {
        static TABLES: LazyLock<Mutex<Vec<&'static PerturbationTable>>> =
            LazyLock::new(|| Mutex::new(Vec::new()));
        let k = k.max(1);
        let mut tables = TABLES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = tables.iter().find(|t| t.k == k) {
            return t;
        }
        let table: &'static PerturbationTable = Box::leak(Box::new(Self::new(k)));
        tables.push(table);
        table
    }

    fn new(k: i64) -> Self {
        Self {
            k,
            rows: rows_for(MAX_NOISE),
            large: rows_for(MAX_NOISE_LARGE),
        }
    }

    /// The published value of `count` in the cell with key `key`.
    pub fn perturb(&self, count: i64, key: CellKey, measure: Measure) -> i64 {
        if count <= 0 {
            return count.max(0);
        }
        let u = uniform(key, measure);
        if count < self.k {
            // k with probability count/k: E = count, and never 1..k−1.
            return if u * (self.k as f64) < count as f64 {
                self.k
            } else {
                0
            };
        }
        let offset = self
            .row(count)
            .iter()
            .find(|(_, cum)| u < *cum)
            .or(self.row(count).last())
            .map_or(0, |(o, _)| *o);
        count + offset
    }

    /// The offsets of a count of k or more: its own row up to k + D, the
    /// last row beyond.
    fn row(&self, count: i64) -> &[(i64, f64)] {
        let (rows, d) = if count >= LARGE {
            (&self.large, MAX_NOISE_LARGE)
        } else {
            (&self.rows, MAX_NOISE)
        };
        &rows[usize::try_from((count - self.k).min(d)).unwrap_or(0)]
    }

    /// The probability that `count` is published as `published` (for tests
    /// and for the attacker's likelihoods in the test suite).
    pub fn probability(&self, count: i64, published: i64) -> f64 {
        if count <= 0 {
            return f64::from(u8::from(published == 0));
        }
        if count < self.k {
            let up = count as f64 / self.k as f64;
            return match published {
                0 => 1.0 - up,
                p if p == self.k => up,
                _ => 0.0,
            };
        }
        let mut before = 0.0;
        for (o, cum) in self.row(count) {
            if count + o == published {
                return cum - before;
            }
            before = *cum;
        }
        0.0
    }
}

/// The rows of a table with largest noise `d`: one per count k, …, k+d (the
/// floor at k cuts the downward offsets of the first d), each the offsets
/// and their cumulative probabilities.
fn rows_for(d: i64) -> Vec<Vec<(i64, f64)>> {
    let sigma = sigma_for_variance(d, VARIANCE);
    (0..=d)
        .map(|above| {
            let lowest = (-d).max(-above);
            let offsets: Vec<i64> = (lowest..=d).collect();
            cumulative(&offsets, &zero_mean(&offsets, sigma))
        })
        .collect()
}

/// A number in [0, 1) drawn from the cell key and the measure (SplitMix64:
/// every bit of the key moves every bit of the draw).
fn uniform(key: CellKey, measure: Measure) -> f64 {
    let mut z = (u64::from(key) << 8 | measure as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Weights of a discrete normal curve with spread `sigma` on `offsets`.
fn normal(offsets: &[i64], sigma: f64, tilt: f64) -> Vec<f64> {
    let w: Vec<f64> = offsets
        .iter()
        .map(|&o| {
            let o = o as f64;
            (tilt * o - o * o / (2.0 * sigma * sigma)).exp()
        })
        .collect();
    let total: f64 = w.iter().sum();
    w.into_iter().map(|x| x / total).collect()
}

fn moments(offsets: &[i64], p: &[f64]) -> (f64, f64) {
    let mean: f64 = offsets.iter().zip(p).map(|(o, p)| *o as f64 * p).sum();
    let var = offsets
        .iter()
        .zip(p)
        .map(|(o, p)| (*o as f64 - mean).powi(2) * p)
        .sum();
    (mean, var)
}

/// The spread whose curve on −d..=d has variance `v` (bisection).
fn sigma_for_variance(d: i64, v: f64) -> f64 {
    let offsets: Vec<i64> = (-d..=d).collect();
    let (mut lo, mut hi) = (0.01, 100.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if moments(&offsets, &normal(&offsets, mid, 0.0)).1 < v {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// The curve on `offsets`, tilted so its mean is 0: all weight on 0 when no
/// offset is negative (a count at k cannot move down, so it cannot move).
fn zero_mean(offsets: &[i64], sigma: f64) -> Vec<f64> {
    if offsets.first().is_none_or(|o| *o >= 0) {
        return offsets
            .iter()
            .map(|o| f64::from(u8::from(*o == 0)))
            .collect();
    }
    let (mut lo, mut hi) = (-50.0, 50.0);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if moments(offsets, &normal(offsets, sigma, mid)).0 < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    normal(offsets, sigma, (lo + hi) / 2.0)
}

fn cumulative(offsets: &[i64], p: &[f64]) -> Vec<(i64, f64)> {
    let mut cum = 0.0;
    let mut out: Vec<(i64, f64)> = offsets
        .iter()
        .zip(p)
        .map(|(o, p)| {
            cum += p;
            (*o, cum)
        })
        .collect();
    if let Some(last) = out.last_mut() {
        last.1 = 1.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> impl Iterator<Item = CellKey> {
        (0..200_000u32).map(|i| i.wrapping_mul(2_654_435_761))
    }

    #[test]
    fn no_count_is_published_between_1_and_k_minus_1() {
        let t = PerturbationTable::for_threshold(5);
        for count in 0..60 {
            for key in keys().take(5_000) {
                let p = t.perturb(count, key, Measure::Women);
                assert!(!(1..5).contains(&p), "{count} published as {p}");
                assert!(p >= 0);
            }
        }
    }

    #[test]
    fn the_noise_is_bounded_and_unbiased() {
        let t = PerturbationTable::for_threshold(5);
        for count in [1, 3, 4, 5, 6, 7, 8, 50, 1234] {
            let n = 200_000.0;
            let mean = keys()
                .map(|key| t.perturb(count, key, Measure::Men) as f64)
                .sum::<f64>()
                / n;
            assert!((mean - count as f64).abs() < 0.03, "{count}: mean {mean}");
            let bound = if count >= LARGE {
                MAX_NOISE_LARGE
            } else {
                MAX_NOISE
            };
            if count >= 5 {
                assert!(
                    keys().all(|key| (t.perturb(count, key, Measure::Men) - count).abs() <= bound)
                );
            }
        }
        // Beyond k + D, the variance is V.
        let var = keys()
            .map(|key| (t.perturb(100, key, Measure::Satisfied) - 100).pow(2) as f64)
            .sum::<f64>()
            / 200_000.0;
        assert!((var - VARIANCE).abs() < 0.02, "variance {var}");
    }

    #[test]
    fn the_largest_noise_is_rare() {
        // What the attack test found: the pinning needs an offset at its bound.
        let t = PerturbationTable::for_threshold(5);
        for count in [8, 12, 30] {
            let extreme = t.probability(count, count + MAX_NOISE);
            assert!(extreme > 0.0 && extreme < 0.001, "{count}: {extreme}");
        }
    }

    #[test]
    fn counts_of_50_or_more_stay_within_5_percent() {
        let t = PerturbationTable::for_threshold(5);
        for count in 50..200 {
            for key in keys().take(2_000) {
                let p = t.perturb(count, key, Measure::VulnerableArea);
                assert!((p - count).abs() * 20 <= count, "{count} → {p}");
            }
        }
    }

    #[test]
    fn the_same_cell_gets_the_same_noise_and_measures_their_own() {
        let t = PerturbationTable::for_threshold(5);
        let same = keys()
            .all(|key| t.perturb(40, key, Measure::Women) == t.perturb(40, key, Measure::Women));
        assert!(same);
        let together = keys()
            .filter(|key| {
                t.perturb(40, *key, Measure::Women) - 40 == t.perturb(40, *key, Measure::Men) - 40
            })
            .count();
        // Independent draws agree about Σ p² of the time (≈ 0.3 for V = 1).
        assert!(together < 80_000, "{together}");
    }

    #[test]
    fn probabilities_sum_to_one_and_match_the_draws() {
        let t = PerturbationTable::for_threshold(5);
        for count in [0, 2, 5, 6, 7, 9, 30, 49, 50, 80] {
            let total: f64 = (0..100).map(|p| t.probability(count, p)).sum();
            assert!((total - 1.0).abs() < 1e-9, "{count}: {total}");
            for published in [0, 5, count - 1, count, count + 2] {
                let seen = keys()
                    .filter(|k| t.perturb(count, *k, Measure::Satisfied) == published)
                    .count() as f64
                    / 200_000.0;
                assert!((seen - t.probability(count, published)).abs() < 0.01);
            }
        }
    }
}
