//! Finished public answers, kept until the data version moves.
//!
//! The data changes at night and is read all day, so every public GET is
//! answered from here when it can be. The key is the ETag, which names the
//! data version and the exact request (see `conditional`), so an entry can
//! never be served stale: any write moves the version and every older key
//! falls out of use, to be evicted in time. Memory is bounded in bytes;
//! eviction is quick_cache's scan-resistant policy, so one pass over
//! thousands of one-off URLs does not push out the answers read all day.

use bytes::Bytes;
use poem::http::HeaderMap;
use poem_openapi::OperationId;
use quick_cache::sync::Cache;
use quick_cache::Weighter;

/// The public page's paths. They get the same ETag, 304 and cache as the reads
/// under `/v1`; the page's code names them too, but `http` imports no resource,
/// so they are spelled here.
pub const PAGE_PATHS: [&str; 2] = ["/", "/en/"];

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
}

impl ResponseCache {
    /// A cache holding at most `bytes` of answers; 0 keeps nothing.
    pub fn new(bytes: u64) -> Self {
        let entries = (bytes > 0).then(|| {
            // Sized for answers of about 16 KiB: a typical page or report.
            let estimated_items = (bytes / (16 * 1024)).max(16) as usize;
            Cache::with_weighter(estimated_items, bytes, ByBytes)
        });
        Self { entries }
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

    /// Bytes held now (the weights of the entries).
    pub fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, Cache::weight)
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
        assert!(cache.weight() <= 1024 * 1024, "{}", cache.weight());
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
