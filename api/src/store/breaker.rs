//! Connection attempts back off while the database is away.
//!
//! Once a read has found the database away twice in a row (the second time
//! on a fresh connection, see `http::retry`), every request that would ask
//! it again within a short pause is answered at once instead: a cached read
//! from the cache, anything else 503 with `Retry-After`. Without the pause,
//! every request during a restart opened a connection of its own, each
//! failing after the server's connect attempt: a storm of reconnects just as
//! the database comes back. The pause doubles while the database stays away
//! (250 ms, 500 ms, then 1 s), short enough that the service is back within
//! about a second of the database. When a pause is over, one request goes
//! through as the probe; the rest keep resting until it tells.
//!
//! One per pool (in `AppState`), so one test's outage never rests another's.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use prometheus::IntCounter;

const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);
/// How long a read waits for the database while it is recovering.
pub const PROBE_WAIT: Duration = Duration::from_secs(1);

pub struct Breaker {
    /// Until when (`store::db::now_ms`, plus one) requests rest; 0 while closed.
    open_until: AtomicU64,
    /// Away findings since the database last answered.
    streak: AtomicU32,
    opened: IntCounter,
    rested: IntCounter,
}

impl Breaker {
    /// `opened` counts pauses begun, `rested` requests answered without
    /// asking the database (for `/metrics`).
    pub fn new(opened: IntCounter, rested: IntCounter) -> Self {
        Self {
            open_until: AtomicU64::new(0),
            streak: AtomicU32::new(0),
            opened,
            rested,
        }
    }

    /// Whether a request should leave the database alone now. When a pause
    /// is over, the first caller is let through as the probe (and the pause
    /// is stretched to cover its attempt); everyone else keeps resting.
    pub fn resting(&self) -> bool {
        let until = self.open_until.load(Ordering::Relaxed);
        if until == 0 {
            return false;
        }
        let now = now_ms();
        if now >= until {
            let probe_until = now + ms(LONGEST_PAUSE);
            let won = self
                .open_until
                .compare_exchange(until, probe_until, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
            if won {
                return false;
            }
        }
        self.rested.inc();
        true
    }

    /// Whether the database was away and has not answered since: a probe
    /// then waits for it only [`PROBE_WAIT`], not the pool's whole acquire
    /// timeout (sqlx keeps connecting to a server that refuses until then).
    pub fn recovering(&self) -> bool {
        self.streak.load(Ordering::Relaxed) != 0
    }

    /// Whether a pause (or a probe) is under way; no side effects.
    pub fn is_open(&self) -> bool {
        now_ms() < self.open_until.load(Ordering::Relaxed)
    }

    /// The database was found away. A first finding may be one connection
    /// the server closed (a restart leaves each one dead once), so it pauses
    /// nothing unless `confirmed` (found again on a fresh connection); once
    /// paused, every further finding pauses longer.
    pub fn away(&self, confirmed: bool) {
        let streak = self.streak.load(Ordering::Relaxed);
        if !confirmed && streak == 0 {
            return;
        }
        let streak = self
            .streak
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        let pause = (FIRST_PAUSE * 2u32.saturating_pow(streak.min(8) - 1)).min(LONGEST_PAUSE);
        self.open_until
            .store(now_ms() + ms(pause), Ordering::Relaxed);
        self.opened.inc();
        tracing::warn!(
            pause_ms = ms(pause),
            "the database is away; requests rest before asking it again"
        );
    }

    /// The database answered: no more pauses.
    pub fn answered(&self) {
        if self.open_until.load(Ordering::Relaxed) != 0 || self.streak.load(Ordering::Relaxed) != 0
        {
            self.open_until.store(0, Ordering::Relaxed);
            self.streak.store(0, Ordering::Relaxed);
        }
    }
}

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Never 0, which means closed.
fn now_ms() -> u64 {
    super::db::now_ms() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(
            IntCounter::new("o", "o").unwrap(),
            IntCounter::new("r", "r").unwrap(),
        )
    }

    #[test]
    fn one_dead_connection_pauses_nothing_but_a_confirmed_outage_does() {
        let b = breaker();
        b.away(false);
        assert!(!b.resting());
        b.away(true);
        assert!(b.resting());
        assert!(b.resting());
        assert_eq!(b.rested.get(), 2);
        b.answered();
        assert!(!b.resting());
    }

    #[test]
    fn after_a_pause_one_request_probes_and_the_others_rest() {
        let b = breaker();
        b.away(true);
        std::thread::sleep(FIRST_PAUSE + Duration::from_millis(20));
        assert!(!b.resting(), "the probe goes through");
        assert!(b.resting(), "the others wait for it");
        b.away(false);
        assert_eq!(b.streak.load(Ordering::Relaxed), 2);
        assert_eq!(b.opened.get(), 2);
    }

    #[test]
    fn the_pause_doubles_up_to_a_second() {
        let b = breaker();
        let mut pauses = vec![];
        for _ in 0..5 {
            let before = now_ms();
            b.away(true);
            pauses.push(b.open_until.load(Ordering::Relaxed) - before);
        }
        let rounded: Vec<u64> = pauses.iter().map(|p| (p + 50) / 250 * 250).collect();
        assert_eq!(rounded, [250, 500, 1000, 1000, 1000]);
    }
}
