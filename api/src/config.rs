//! Runtime settings, from flags or the environment (see the CLI's `serve`).

use std::time::Duration;

/// What the server needs to know beyond its database connection.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Counts of people between 1 and `suppression_threshold - 1` are hidden in aggregates.
    pub suppression_threshold: i64,
    /// Anonymous reads per client IP per minute (0 disables the limit).
    pub read_rate_per_minute: u32,
    /// Writes per API key per minute (0 disables the limit).
    pub write_rate_per_minute: u32,
    /// Count reads per the last `X-Forwarded-For` entry, the one the proxy added (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// How long a stored `Idempotency-Key` answer is replayed.
    pub idempotency_ttl: Duration,
    /// The public base URL used in `next` links; None uses the request's own Host.
    pub public_base_url: Option<String>,
    /// A request without its response by then is answered 503 (and rolled back).
    pub request_timeout: Duration,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// Where people reach the data's publisher, shown in `/v1/api-info`.
    pub contact_url: Option<String>,
    pub contact_email: Option<String>,
    /// When set, `/metrics` is served to requests bearing it; when not, to loopback only.
    pub metrics_token: Option<String>,
    /// Audit records older than this many days are pruned (0 keeps them all).
    pub audit_retention_days: u32,
    /// Memory for finished public GET answers, in bytes (0 turns the cache off).
    pub response_cache_bytes: u64,
    /// Who publishes this deployment, and for which county.
    pub publisher: Publisher,
    /// Most rows one `/v1/reach` answer holds.
    pub max_reach_rows: usize,
    /// `Server-Timing` on every answer (the benchmark's; off in production).
    pub server_timing: bool,
    /// A connection with no traffic for this long is closed (more than
    /// `request_timeout`: a handler may send nothing until then).
    pub idle_timeout: Duration,
    /// A request's headers must arrive within this of their first byte.
    pub header_timeout: Duration,
}

/// The county whose collaboration publishes by default: the decision this
/// project comes from is Region Västmanland's and Länsstyrelsen
/// Västmanland's (`../shared/seeds/`).
pub const DEFAULT_HOME_COUNTY: &str = "19";
/// Its name in the reference data (for the documents' examples).
pub const DEFAULT_HOME_COUNTY_NAME: &str = "Västmanlands län";

/// Who publishes the data and for which county: every default county, the
/// page's header, the catalogue's publisher and coverage, `/v1/api-info` and
/// the OpenAPI description say what is configured here, so another region
/// runs the same build. Checked at start (`tools::cli`): an unknown county,
/// or another county under the default publisher, refuses to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    /// The 2-digit SCB code of the county the page and the defaults show.
    pub home_county: String,
    pub name_sv: String,
    pub name_en: String,
    /// The publisher's own web site.
    pub url: Option<String>,
    /// The page's title for the home county; without it, "Föräldraskapsstöd
    /// i {county}" from the reference data.
    pub site_title_sv: Option<String>,
    pub site_title_en: Option<String>,
    /// The page's short description (its `<meta name="description">`).
    pub site_description_sv: Option<String>,
    pub site_description_en: Option<String>,
}

impl Default for Publisher {
    fn default() -> Self {
        Self {
            home_county: DEFAULT_HOME_COUNTY.into(),
            name_sv: "Regional samling för föräldraskapsstöd (Region Västmanland och \
                      Länsstyrelsen Västmanland)"
                .into(),
            name_en: "Regional collaboration on parenting support (Region Västmanland and the \
                      County Administrative Board of Västmanland)"
                .into(),
            url: None,
            site_title_sv: None,
            site_title_en: None,
            site_description_sv: None,
            site_description_en: None,
        }
    }
}

impl Publisher {
    /// What is wrong with this configuration, in words for the operator.
    pub fn check(&self) -> Result<(), String> {
        crate::vocab::CountyCode::parse(&self.home_county)
            .map_err(|e| format!("HOME_COUNTY: {e}"))?;
        let default = Self::default();
        if self.home_county != default.home_county
            && (self.name_sv == default.name_sv || self.name_en == default.name_en)
        {
            return Err(format!(
                "HOME_COUNTY={} needs its own publisher: set PUBLISHER_NAME_SV and \
                 PUBLISHER_NAME_EN (the default publisher is Västmanland's collaboration)",
                self.home_county
            ));
        }
        for (name, value) in [
            ("PUBLISHER_NAME_SV", &self.name_sv),
            ("PUBLISHER_NAME_EN", &self.name_en),
        ] {
            if value.trim().is_empty() || value.chars().count() > 200 {
                return Err(format!("{name}: 1 to 200 characters"));
            }
        }
        if let Some(url) = &self.url {
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url
                    .chars()
                    .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
            {
                return Err(format!("PUBLISHER_URL: '{url}' is not an http(s) URL"));
            }
        }
        Ok(())
    }
}

pub const DEFAULT_PAGE_SIZE: u64 = 100;
pub const MAX_PAGE_SIZE: u64 = 1000;
pub const MAX_BATCH_SESSIONS: usize = 10_000;
/// Most rows one reach answer holds: every `group_by` field at once over the
/// national set was 64 MB of JSON built whole in memory per request. Beyond
/// it the answer is a 400 that says how to narrow the question.
pub const MAX_REACH_ROWS: usize = 10_000;

impl Default for Settings {
    fn default() -> Self {
        Self {
            suppression_threshold: 5,
            read_rate_per_minute: 6000,
            write_rate_per_minute: 600,
            trust_forwarded_for: false,
            max_body_bytes: 32 * 1024 * 1024,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            public_base_url: None,
            request_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(30),
            contact_url: None,
            contact_email: None,
            metrics_token: None,
            audit_retention_days: 400,
            response_cache_bytes: 32 * 1024 * 1024,
            publisher: Publisher::default(),
            server_timing: false,
            max_reach_rows: MAX_REACH_ROWS,
            idle_timeout: Duration::from_secs(75),
            header_timeout: Duration::from_secs(10),
        }
    }
}
