//! Drawing one synthetic session at a time: a municipality by its people,
//! a programme by its use, dates, status and counts.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use entity::{municipality, programme, session};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::reference_date;
use crate::store::feed::SeqAllocator;

/// How far ahead courses are planned: municipalities publish the next term.
const PLANNED_AHEAD_DAYS: i64 = 180;

/// Every municipality has at least this many courses ahead of the
/// reference date, as real ones do.
const UPCOMING_PER_MUNICIPALITY: usize = 3;

const OTHER_LANGUAGES: &[&str] = &["ar", "so", "en", "ti", "fa", "pl", "uk", "bs"];
const PROVIDERS: &[&str] = &[
    "Familjecentralen",
    "Socialtjänstens öppenvård",
    "Elevhälsan",
    "Barnhälsovården",
    "Studieförbund",
];

pub(super) struct Weighted<T> {
    items: Vec<(T, f64)>,
    total: f64,
}

impl<T> Weighted<T> {
    pub(super) fn new(items: Vec<(T, f64)>) -> Self {
        let total = items.iter().map(|(_, w)| w).sum();
        Self { items, total }
    }
    pub(super) fn pick(&self, rng: &mut StdRng) -> &T {
        &self.items[self.pick_index(rng)].0
    }
    pub(super) fn pick_index(&self, rng: &mut StdRng) -> usize {
        let mut x = rng.gen::<f64>() * self.total;
        for (i, (_, w)) in self.items.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        self.items.len() - 1
    }
}

/// The synthetic world the sessions are drawn from: where they are held,
/// which programmes, on which dates, under which ids.
pub(super) struct Synth {
    rng: StdRng,
    by_people: Weighted<municipality::Model>,
    by_use: Weighted<programme::Model>,
    codes: Vec<String>,
    ids: std::vec::IntoIter<Uuid>,
    today: NaiveDate,
    first: NaiveDate,
    span_days: i64,
}

impl Synth {
    pub(super) fn new(
        seed: u64,
        count: u64,
        by_people: Weighted<municipality::Model>,
        by_use: Weighted<programme::Model>,
        codes: Vec<String>,
    ) -> Self {
        let today = reference_date();
        // Seven whole years of history before this one, and the next term.
        let first = NaiveDate::from_ymd_opt(today.year() - 7, 1, 1).expect("valid date");
        let last = today + Duration::days(PLANNED_AHEAD_DAYS);
        // Random ids, handed out in ascending order: the primary key (the one
        // index kept during the load) then grows at its end instead of at random
        // pages all over it.
        let mut ids: Vec<Uuid> = {
            let mut id_rng = StdRng::seed_from_u64(seed.rotate_left(32) ^ 0x1d5);
            (0..count)
                .map(|_| uuid::Builder::from_random_bytes(id_rng.gen()).into_uuid())
                .collect()
        };
        ids.sort_unstable();
        Self {
            rng: StdRng::seed_from_u64(seed),
            by_people,
            by_use,
            codes,
            ids: ids.into_iter(),
            today,
            first,
            span_days: (last - first).num_days(),
        }
    }

    /// How many of the run's `count` sessions each municipality holds (by
    /// index into `by_people`), each session's place drawn by weight.
    pub(super) fn shares(&mut self, count: u64) -> Vec<u64> {
        let mut shares = vec![0; self.by_people.items.len()];
        for _ in 0..count {
            shares[self.by_people.pick_index(&mut self.rng)] += 1;
        }
        shares
    }

    /// A municipality's `n` sessions, numbered on from `*k`, in `start_date`
    /// order (as a batch is written), under ascending ids and feed positions.
    pub(super) fn history(
        &mut self,
        m: usize,
        n: u64,
        k: &mut u64,
        seqs: &mut SeqAllocator,
    ) -> Vec<session::Model> {
        let mut rows: Vec<session::Model> = (0..n)
            .map(|_| {
                *k += 1;
                self.session(m, *k, None)
            })
            .collect();
        // A small municipality's few sessions may all lie in the past: its
        // last ones are drawn again among the courses ahead.
        let ahead = rows.iter().filter(|r| r.start_date > self.today).count();
        let missing = UPCOMING_PER_MUNICIPALITY
            .saturating_sub(ahead)
            .min(rows.len());
        rows.sort_by_key(|s| std::cmp::Reverse(s.start_date > self.today));
        let redraw = rows.len() - missing;
        for row in &mut rows[redraw..] {
            let k = row.external_id.clone();
            let days = self.rng.gen_range(1..=PLANNED_AHEAD_DAYS);
            *row = self.session(m, 0, Some(self.today + Duration::days(days)));
            row.external_id = k;
        }
        rows.sort_by_key(|s| s.start_date);
        for row in &mut rows {
            row.id = self.ids.next().expect("one id per session");
            row.seq = seqs.take();
        }
        rows
    }

    /// The `k`th session of the run (from 1), held by the `m`th municipality,
    /// starting on `start` or a drawn day; its id and feed position are
    /// handed out by [`Synth::history`].
    pub(super) fn session(&mut self, m: usize, k: u64, start: Option<NaiveDate>) -> session::Model {
        let rng = &mut self.rng;
        let m = &self.by_people.items[m].0;
        let p = self.by_use.pick(rng);
        let start =
            start.unwrap_or_else(|| self.first + Duration::days(rng.gen_range(0..=self.span_days)));
        let meetings = p.typical_meetings.unwrap_or(rng.gen_range(4..=10));
        let end = start + Duration::weeks(meetings as i64);
        let status = if start > self.today {
            if (start - self.today).num_days() < 60 {
                "open"
            } else {
                "planned"
            }
        } else if end < self.today {
            if rng.gen_bool(0.05) {
                "cancelled"
            } else {
                "completed"
            }
        } else {
            "ongoing"
        };
        let digital_share = if start.year() >= 2020 { 0.2 } else { 0.05 };
        // A programme given digitally is often run digitally; others sometimes go online.
        let delivery = if p.formats.contains("digital") && rng.gen_bool(0.5) {
            "digital"
        } else if rng.gen_bool(digital_share) {
            if rng.gen_bool(0.5) {
                "digital"
            } else {
                "hybrid"
            }
        } else {
            "in_person"
        };
        let mut languages = vec!["sv"];
        if rng.gen_bool(0.15) {
            languages.push(OTHER_LANGUAGES[rng.gen_range(0..OTHER_LANGUAGES.len())]);
        }
        let co_host = if rng.gen_bool(0.1) {
            Some(self.codes[rng.gen_range(0..self.codes.len())].clone())
        } else {
            None
        };
        let co_hosts = co_host
            .filter(|c| c != &m.code)
            .map(|c| format!(",{c},"))
            .unwrap_or_default();
        let capacity: i32 = rng.gen_range(6..=20);
        // Nobody stays enrolled in a cancelled course.
        let enrolled: i32 = match status {
            "planned" | "cancelled" => 0,
            "open" => rng.gen_range(0..=capacity / 2),
            _ => rng.gen_range(capacity / 2..=capacity),
        };
        let completed: i32 = if status == "completed" {
            (enrolled as f64 * rng.gen_range(0.6..=0.95)).round() as i32
        } else {
            0
        };
        let women = (enrolled as f64 * rng.gen_range(0.5..=0.8)).round() as i32;
        let men = (enrolled - women - rng.gen_range(0..=1)).max(0);
        let vulnerable_base = if m.code == "1980" { 0.3 } else { 0.15 };
        let vulnerable = (enrolled as f64 * rng.gen_range(0.0..=vulnerable_base)).round() as i32;
        let (respondents, satisfied) = if status == "completed" {
            let r = (completed as f64 * rng.gen_range(0.5..=0.9)).round() as i32;
            (
                Some(r),
                Some((r as f64 * rng.gen_range(0.7..=1.0)).round() as i32),
            )
        } else {
            (None, None)
        };
        let created_at = Utc.from_utc_datetime(
            &(start - Duration::days(30))
                .and_hms_opt(8, 0, 0)
                .expect("valid time"),
        );
        let updated_at = if status == "completed" || status == "cancelled" {
            Utc.from_utc_datetime(
                &end.min(self.today)
                    .and_hms_opt(8, 0, 0)
                    .expect("valid time"),
            )
        } else {
            created_at
        };
        let mut s = session::Model {
            id: Uuid::nil(),
            municipality_code: m.code.clone(),
            external_id: format!("DEMO-{}-{k:07}", m.code),
            programme: p.slug.clone(),
            provider: Some(PROVIDERS[rng.gen_range(0..PROVIDERS.len())].to_owned()),
            status: status.to_owned(),
            start_date: start,
            end_date: Some(end),
            meetings: Some(meetings),
            languages: format!(",{},", languages.join(",")),
            delivery: delivery.to_owned(),
            // A digital course is held nowhere in particular.
            area: (rng.gen_bool(0.6) && delivery != "digital")
                .then(|| format!("Område {}", rng.gen_range(1..=6))),
            co_hosts,
            open_to_other_municipalities: rng.gen_bool(0.2),
            capacity: Some(capacity),
            enrolled,
            completed,
            women: Some(women),
            men: Some(men),
            vulnerable_area: Some(vulnerable),
            satisfaction_respondents: respondents,
            satisfied,
            seq: 0,
            created_at,
            updated_at,
            // From the operating system, not the seeded generator: the
            // figures are reproducible, the noise on them is not predictable.
            record_key: i64::from(rand::random::<u32>()),
            schedule: None,
            venue: None,
            registration: None,
            cost: None,
            places_left: None,
            accessibility: None,
        };
        super::details::fill(rng, &mut s, &m.name);
        s
    }
}
