//! Prometheus metrics: request counts and latency histograms by route and
//! status, and the size of the response cache (memory that grows to its cap
//! by design, so a rising resident set can be told apart from a leak).

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    cache_entries: IntGauge,
    cache_bytes: IntGauge,
    loads: IntCounterVec,
    backoff: IntCounterVec,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route and status",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let cache_entries = IntGauge::new(
            "response_cache_entries",
            "Finished responses held in the response cache",
        )
        .expect("valid metric");
        let cache_bytes = IntGauge::new(
            "response_cache_bytes",
            "Body bytes held in the response cache (bounded; see response_cache.rs)",
        )
        .expect("valid metric");
        let loads = IntCounterVec::new(
            Opts::new(
                "per_version_loads_total",
                "Loads of what reads derive per data version (catalogues, reach and offer tables)",
            ),
            &["value"],
        )
        .expect("valid metric");
        let backoff = IntCounterVec::new(
            Opts::new(
                "database_backoff_total",
                "While the database is away: pauses begun (opened) and requests answered \
                 without asking it (rested); see store/breaker.rs",
            ),
            &["event"],
        )
        .expect("valid metric");
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(cache_entries.clone()),
            Box::new(cache_bytes.clone()),
            Box::new(loads.clone()),
            Box::new(backoff.clone()),
        ] {
            registry.register(metric).expect("registered once");
        }
        Self {
            registry,
            requests,
            latency,
            cache_entries,
            cache_bytes,
            loads,
            backoff,
        }
    }

    /// The counter of `value`'s loads, one per data version it is read at.
    pub fn per_version_loads(&self, value: &str) -> IntCounter {
        self.loads.with_label_values(&[value])
    }

    /// The counter of one back-off event (`opened`, `rested`).
    pub fn database_backoff(&self, event: &str) -> IntCounter {
        self.backoff.with_label_values(&[event])
    }

    /// The response cache's size, as of now.
    pub fn record_response_cache(&self, entries: usize, bytes: usize) {
        self.cache_entries
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
        self.cache_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
