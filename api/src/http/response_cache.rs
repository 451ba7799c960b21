//! Finished aggregate responses, kept until the data version moves.
//!
//! Reach and indicators are read far more often than the data changes (it
//! changes when municipalities sync at night), and their cost grows with the
//! size of the answer. The cache key is the ETag, which already names the data
//! version and the exact request, so an entry can never be served stale: any
//! write moves the version and every older key falls out of use.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;

/// The public page's paths. They get the same ETag, 304 and cache as the reads
/// under `/v1`; the page's code names them too, but `http` imports no resource,
/// so they are spelled here.
pub const PAGE_PATHS: [&str; 2] = ["/", "/en/"];

/// Paths whose answers are worth keeping: computed aggregates and pages built
/// from several of them, not streams.
pub fn cacheable(path: &str) -> bool {
    matches!(path, "/v1/reach" | "/v1/indicators" | "/v1/sessions.ics")
        || PAGE_PATHS.contains(&path)
}

/// Answers that list *upcoming* sessions change at midnight without any write,
/// so their ETag (and cache key) also names the day.
pub fn depends_on_today(path: &str) -> bool {
    PAGE_PATHS.contains(&path) || path.ends_with(".ics")
}

const MAX_ENTRIES: usize = 512;
const MAX_BYTES: usize = 64 * 1024 * 1024;
const MAX_ENTRY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone)]
pub struct Cached {
    pub content_type: String,
    pub body: Bytes,
}

#[derive(Default)]
pub struct ResponseCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Cached>,
    order: VecDeque<String>,
    bytes: usize,
}

impl ResponseCache {
    pub fn get(&self, key: &str) -> Option<Cached> {
        self.inner.lock().ok()?.entries.get(key).cloned()
    }

    /// Entries and body bytes held now (at most `MAX_ENTRIES` and `MAX_BYTES`).
    pub fn usage(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|inner| (inner.entries.len(), inner.bytes))
            .unwrap_or_default()
    }

    pub fn put(&self, key: String, value: Cached) {
        if value.body.len() > MAX_ENTRY_BYTES {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.entries.contains_key(&key) {
            return;
        }
        inner.bytes += value.body.len();
        inner.order.push_back(key.clone());
        inner.entries.insert(key, value);
        // Oldest first: entries of older data versions are the first to go.
        while inner.entries.len() > MAX_ENTRIES || inner.bytes > MAX_BYTES {
            let Some(old) = inner.order.pop_front() else {
                break;
            };
            if let Some(v) = inner.entries.remove(&old) {
                inner.bytes -= v.body.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entries_go_first_when_full() {
        let cache = ResponseCache::default();
        for i in 0..(MAX_ENTRIES + 3) {
            cache.put(
                format!("k{i}"),
                Cached {
                    content_type: "application/json".into(),
                    body: Bytes::from_static(b"{}"),
                },
            );
        }
        assert!(cache.get("k0").is_none());
        assert!(cache.get(&format!("k{}", MAX_ENTRIES + 2)).is_some());
    }
}
