//! The data version, read fresh for every request but shared between them.
//!
//! Every public GET needs the version (its ETag and cache key name it), and it
//! must be fresh: a client that has just written through another instance on
//! the same PostgreSQL must not be answered from before its write. Reading it
//! once per request costs a database round trip per request, which is most of
//! what a cached answer costs. So reads are coalesced: a request waits for a
//! read that *started after it arrived* — one already under way may predate
//! a write it must see — and every request waiting when that read starts is
//! answered by it. Under load one read serves a whole wave of requests; alone,
//! a request costs one read, as before. Nothing is ever older than the
//! request, so this is as fresh as a read of its own.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::{watch, Notify};

use crate::error::ApiError;

tokio::task_local! {
    /// The version a request was answered as of, once read (see [`as_of`]).
    static AS_OF: i64;
}

/// Runs a request's handler as of `version`: every later [`VersionReads::current`]
/// in it answers `version` without another read. The version names the
/// answer (its ETag and cache key), so what the handler derives per version
/// (catalogues, the reach table) is then of the same version, and a miss
/// costs one version read, not one per derived value.
pub async fn as_of<F: Future>(version: i64, handler: F) -> F::Output {
    AS_OF.scope(version, handler).await
}

pub struct VersionReads {
    state: Mutex<Reads>,
    finished: Notify,
    /// The latest version any read has seen, for work that follows it
    /// ([`VersionReads::seen`]).
    seen: watch::Sender<i64>,
}

impl Default for VersionReads {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            finished: Notify::new(),
            seen: watch::Sender::new(0),
        }
    }
}

#[derive(Default)]
struct Reads {
    /// Reads started so far; the next read's number.
    started: u64,
    /// Whether a read is under way (at most one is).
    running: bool,
    /// One past the number of the last read that succeeded.
    done: u64,
    version: i64,
}

impl VersionReads {
    /// The version as of a read that started after this call began, or
    /// within [`as_of`] the request's own version.
    pub async fn current<F, Fut>(&self, read: F) -> Result<i64, ApiError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<i64, ApiError>>,
    {
        if let Ok(version) = AS_OF.try_with(|v| *v) {
            return Ok(version);
        }
        let need = self.lock().started;
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            finished.as_mut().enable();
            let number = {
                let mut s = self.lock();
                if s.done > need {
                    return Ok(s.version);
                }
                if s.running {
                    None
                } else {
                    s.running = true;
                    s.started += 1;
                    Some(s.started - 1)
                }
            };
            let Some(number) = number else {
                finished.await;
                continue;
            };
            // Released on every way out, a dropped request included, so a
            // cancelled read never leaves the others waiting for it.
            let mut lead = Lead {
                reads: self,
                outcome: None,
            };
            let result = read().await;
            if let Ok(v) = result {
                lead.outcome = Some((number, v));
            }
            drop(lead);
            return result;
        }
    }

    /// Changes each time a read sees a version later than any before it:
    /// the first sign of a write, through this instance or another.
    pub fn seen(&self) -> watch::Receiver<i64> {
        self.seen.subscribe()
    }

    /// The latest version any read has seen (0 before the first).
    pub fn last_seen(&self) -> i64 {
        *self.seen.borrow()
    }

    fn lock(&self) -> MutexGuard<'_, Reads> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Lead<'a> {
    reads: &'a VersionReads,
    outcome: Option<(u64, i64)>,
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        let mut s = self.reads.lock();
        s.running = false;
        if let Some((number, version)) = self.outcome {
            s.done = number + 1;
            s.version = s.version.max(version);
        }
        let latest = s.version;
        drop(s);
        self.reads.finished.notify_waiters();
        self.reads.seen.send_if_modified(|seen| {
            let later = latest > *seen;
            *seen = latest.max(*seen);
            later
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_share_reads_and_none_sees_a_version_older_than_its_arrival() {
        let reads = Arc::new(VersionReads::default());
        let version = Arc::new(AtomicI64::new(0));
        let queries = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let (reads, version, queries) = (reads.clone(), version.clone(), queries.clone());
            tasks.push(tokio::spawn(async move {
                // A write commits just before this request arrives...
                let written = version.fetch_add(1, Ordering::SeqCst) + 1;
                let seen = reads
                    .current(|| {
                        let (version, queries) = (version.clone(), queries.clone());
                        async move {
                            queries.fetch_add(1, Ordering::SeqCst);
                            let v = version.load(Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(2)).await;
                            Ok(v)
                        }
                    })
                    .await
                    .unwrap();
                // ...so the version it is answered with includes that write.
                assert!(seen >= written, "saw {seen}, written {written}");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let n = queries.load(Ordering::SeqCst);
        assert!(n < 100, "200 concurrent requests took {n} reads");
    }

    #[tokio::test]
    async fn a_failed_or_dropped_read_does_not_stall_the_next_request() {
        let reads = VersionReads::default();
        let failed = reads
            .current(|| async { Err(ApiError::internal("down")) })
            .await;
        assert!(failed.is_err());
        let dropped = tokio::time::timeout(
            Duration::from_millis(10),
            reads.current(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(1)
            }),
        )
        .await;
        assert!(dropped.is_err());
        let v = tokio::time::timeout(Duration::from_secs(1), reads.current(|| async { Ok(7) }))
            .await
            .expect("not stalled")
            .unwrap();
        assert_eq!(v, 7);
    }
}
