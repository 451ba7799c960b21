//! Finished public answers, kept until the data version moves.
//!
//! The data changes at night and is read all day, so every public GET is
//! answered from here when it can be. The key is the ETag, which names the
//! data version and the exact request (see `conditional`), so an entry can
//! never be served stale: any write moves the version and every older key
//! falls out of use, to be evicted in time. Memory is bounded in bytes;
//! eviction is quick_cache's scan-resistant policy, so one pass over
//! thousands of one-off URLs does not push out the answers read all day.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use poem::http::HeaderMap;
use poem_openapi::OperationId;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// The public page's paths. They get the same ETag, 304 and cache as the reads
/// under `/v1`; the page's code names them too, but `http` imports no resource,
/// so they are spelled here.
pub const PAGE_PATHS: [&str; 4] = ["/", "/en/", "/hitta-stod", "/en/find-support"];

/// The municipalities', programmes' and courses' pages: one per code, slug
/// or id under each prefix.
pub const PAGE_PREFIXES: [&str; 7] = [
    "/kommun/",
    "/en/municipality/",
    "/program/",
    "/en/programme/",
    "/kurs/",
    "/en/course/",
    "/problems/",
];

/// Whether `path` is one of the public pages.
pub fn is_page(path: &str) -> bool {
    PAGE_PATHS.contains(&path) || PAGE_PREFIXES.iter().any(|p| path.starts_with(p))
}

/// Larger answers (whole exports) are served as they are made, not kept.
pub const MAX_ENTRY_BYTES: u64 = 8 * 1024 * 1024;

/// An answer as the handler made it: its headers (content type, `Link`,
/// `Content-Disposition`…), its body, and the operation that made it (for
/// the metrics and logs, which count a hit under its operation).
#[derive(Clone)]
pub struct Cached {
    pub headers: HeaderMap,
    pub body: Bytes,
    pub operation: Option<OperationId>,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Cached> for ByBytes {
    fn weight(&self, key: &String, value: &Cached) -> u64 {
        // The bookkeeping around each entry counts too, so many tiny
        // answers cannot hold more memory than the bound says.
        let headers: usize = value
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 32)
            .sum();
        (key.len() + headers + value.body.len() + 128) as u64
    }
}

pub struct ResponseCache {
    entries: Option<Cache<String, Cached, ByBytes>>,
    /// The newest data version seen; answers of older versions can never
    /// be asked for again.
    newest: AtomicI64,
    /// Keys being computed now, so concurrent misses of one key wait for
    /// the first instead of all computing it (and, when the computation is
    /// slower than the clients' patience, none ever finishing).
    filling: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// The right to compute one key's answer; others asking for it wait.
pub struct Filling<'a> {
    cache: &'a ResponseCache,
    key: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for Filling<'_> {
    fn drop(&mut self) {
        let mut filling = self.cache.filling.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(guard) = self.guard.take() {
            // The map's handle and this guard's: nobody else is waiting.
            if Arc::strong_count(tokio::sync::OwnedMutexGuard::mutex(&guard)) <= 2 {
                filling.remove(&self.key);
            }
        }
    }
}

impl ResponseCache {
    /// A cache holding at most `bytes` of answers; 0 keeps nothing.
    pub fn new(bytes: u64) -> Self {
        let entries = (bytes > 0).then(|| {
            // Sized for answers of about 16 KiB: a typical page or report.
            let estimated_items = (bytes / (16 * 1024)).max(16) as usize;
            Cache::with_weighter(estimated_items, bytes, ByBytes)
        });
        Self {
            entries,
            newest: AtomicI64::new(i64::MIN),
            filling: Mutex::default(),
        }
    }

    /// Drops every answer when the data version moves past the newest seen:
    /// their keys name older versions, so they would otherwise hold memory
    /// until evicted (after a nightly sync, the whole cache). An answer of
    /// an older version kept by a request still under way is only dead
    /// weight, never served.
    pub fn advance_to(&self, version: i64) {
        // Every public GET calls this and the version rarely moves: a plain
        // load first, so the shared counter is written only when it does.
        if version > self.newest.load(Ordering::Relaxed)
            && self.newest.fetch_max(version, Ordering::Relaxed) < version
        {
            if let Some(entries) = &self.entries {
                entries.clear();
            }
        }
    }

    /// Waits until no other request is computing `key`'s answer, and holds
    /// that right until the returned value is dropped.
    pub async fn filling(&self, key: &str) -> Filling<'_> {
        let lock = {
            let mut filling = self.filling.lock().unwrap_or_else(|e| e.into_inner());
            filling.entry(key.to_owned()).or_default().clone()
        };
        Filling {
            cache: self,
            key: key.to_owned(),
            guard: Some(lock.lock_owned().await),
        }
    }

    pub fn get(&self, key: &str) -> Option<Cached> {
        self.entries.as_ref()?.get(key)
    }

    /// Keeps an answer; false when it is not kept (too large, or no cache).
    pub fn put(&self, key: String, value: Cached) -> bool {
        match &self.entries {
            Some(entries) if (value.body.len() as u64) <= MAX_ENTRY_BYTES => {
                entries.insert(key, value);
                true
            }
            _ => false,
        }
    }

    /// Entries and bytes held now, for `/metrics`.
    pub fn usage(&self) -> (usize, usize) {
        self.entries
            .as_ref()
            .map_or((0, 0), |c| (c.len(), c.weight() as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(n: usize) -> Cached {
        Cached {
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b' '; n]),
            operation: None,
        }
    }

    #[test]
    fn memory_stays_within_the_bound_however_many_answers_arrive() {
        let cache = ResponseCache::new(1024 * 1024);
        for i in 0..10_000 {
            cache.put(format!("k{i}"), answer(1000));
        }
        let (_, bytes) = cache.usage();
        assert!(bytes <= 1024 * 1024, "{bytes}");
        assert!(cache.get("k9999").is_some(), "the newest answer is kept");
    }

    #[test]
    fn an_answer_read_all_day_survives_a_scan_of_one_off_answers() {
        let cache = ResponseCache::new(1024 * 1024);
        cache.put("hot".into(), answer(1000));
        for i in 0..20_000 {
            let _ = cache.get("hot");
            cache.put(format!("once{i}"), answer(1000));
        }
        assert!(cache.get("hot").is_some());
    }

    #[tokio::test]
    async fn one_request_computes_a_key_while_the_others_wait_for_it() {
        let cache = Arc::new(ResponseCache::new(1024 * 1024));
        let first = cache.filling("k").await;
        let waiter = {
            let cache = cache.clone();
            tokio::spawn(async move {
                let _turn = cache.filling("k").await;
                cache.get("k").is_some()
            })
        };
        let other_key = cache.filling("other").await;
        drop(other_key);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "the second request waits");
        cache.put("k".into(), answer(10));
        drop(first);
        assert!(waiter.await.unwrap(), "and then finds the answer");
        assert!(
            cache.filling.lock().unwrap().is_empty(),
            "nothing is left behind"
        );
    }

    #[test]
    fn answers_of_older_versions_are_dropped_when_the_version_moves() {
        let cache = ResponseCache::new(1024 * 1024);
        cache.advance_to(3);
        cache.put("3-a".into(), answer(10));
        cache.advance_to(3);
        cache.advance_to(2);
        assert!(cache.get("3-a").is_some(), "same or older version: kept");
        cache.advance_to(4);
        assert!(cache.get("3-a").is_none());
        assert_eq!(cache.usage(), (0, 0));
    }

    #[test]
    fn zero_bytes_turns_the_cache_off_and_huge_answers_are_not_kept() {
        let off = ResponseCache::new(0);
        off.put("k".into(), answer(10));
        assert!(off.get("k").is_none());
        let on = ResponseCache::new(64 * 1024 * 1024);
        on.put("big".into(), answer(MAX_ENTRY_BYTES as usize + 1));
        assert!(on.get("big").is_none());
    }
}
