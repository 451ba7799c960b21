//! `outcomes fetch`: outcome KPIs for every municipality, every county and
//! the country, downloaded from Kolada's API v3 and written through the same
//! all-or-nothing import as a file (`tools::outcomes::import_reading`).
//!
//! Kolada's limits are kept: at most 25 ids in a path segment (KPIs, areas
//! and years are each cut into groups of 25), `per_page` at most 5000, and
//! every page is followed (`next_url`, or v2's `next_page`). A 429, a 5xx or
//! a dropped connection is tried again after a growing wait (a 429's
//! `Retry-After` is honoured). Every answer is read and checked before
//! anything is written: a page that fails, or that is not Kolada's shape,
//! or that holds a value not asked for, leaves the database as it was.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use serde_json::Value;

use super::outcomes::import_reading;
use super::outcomes_import::{read_json, Origin, YEARS};
use super::population::ImportFailed;
use super::retry;
use crate::resources::outcomes::write::{Complete, OutcomeSummary, Reading};
use crate::store::reference::ReferenceData;
use crate::vocab::parse_kpi;

/// Kolada's API v3.
pub const KOLADA_BASE_URL: &str = "https://api.kolada.se/v3";
/// Ids per path segment at most (Kolada's limit, as rKolada keeps it).
pub const MAX_IDS: usize = 25;
/// Rows per page asked for: Kolada's largest.
pub const PER_PAGE: u32 = 5000;
/// Pages of one request at most: a server that keeps sending `next_url`
/// must not keep the fetch going for ever.
const MAX_PAGES: usize = 10_000;

#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub base_url: String,
    pub kpis: Vec<String>,
    pub years: Vec<i32>,
    /// Only what changed since this day (Kolada's `from_date`), deletions included.
    pub from_date: Option<NaiveDate>,
    pub dry_run: bool,
    pub retries: u32,
    pub backoff: Duration,
    pub per_page: u32,
}

impl FetchOptions {
    pub fn new(base_url: impl Into<String>, kpis: Vec<String>, years: Vec<i32>) -> Self {
        Self {
            base_url: base_url.into(),
            kpis,
            years,
            from_date: None,
            dry_run: false,
            retries: 3,
            backoff: Duration::from_secs(2),
            per_page: PER_PAGE,
        }
    }
}

/// `N15428,N15507` → the ids, each checked.
pub fn parse_kpis(s: &str) -> Result<Vec<String>, String> {
    let ids: BTreeSet<String> = s
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse_kpi)
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err("no KPI id given (e.g. N15428,N15507)".into());
    }
    Ok(ids.into_iter().collect())
}

/// `2019-2023` or `2023` → the years.
pub fn parse_years(s: &str) -> Result<Vec<i32>, String> {
    let year = |p: &str| {
        p.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| YEARS.contains(y))
            .ok_or_else(|| format!("'{p}' is not a year {}–{}", YEARS.start(), YEARS.end()))
    };
    let (a, b) = match s.split_once(['-', '–']) {
        Some((a, b)) => (year(a)?, year(b)?),
        None => (year(s)?, year(s)?),
    };
    if a > b {
        return Err(format!("the range {a}-{b} runs backwards"));
    }
    Ok((a..=b).collect())
}

/// What a fetch did: the import's summary, and what was asked of Kolada.
#[derive(Debug)]
pub struct Fetched {
    pub summary: OutcomeSummary,
    pub areas: usize,
    /// Data requests (one per group of KPIs, areas and years).
    pub requests: usize,
    /// Pages read, metadata included.
    pub pages: usize,
    /// Every call, retries included.
    pub calls: usize,
}

struct Client {
    http: reqwest::Client,
    retries: u32,
    backoff: Duration,
    calls: usize,
}

impl Client {
    async fn get(&mut self, url: &str) -> Result<Vec<u8>, String> {
        let mut attempt = 0;
        loop {
            self.calls += 1;
            let (problem, wait) = match self.http.get(url).send().await {
                Ok(a) if a.status().is_success() => match a.bytes().await {
                    Ok(b) => return Ok(b.to_vec()),
                    Err(e) => (format!("{url}: the answer broke off ({e})"), None),
                },
                Ok(a) => {
                    let status = a.status();
                    let asked = retry::retry_after(a.headers());
                    let problem = format!("{url}: Kolada answered {status}");
                    if !retry::worth_retrying(status) {
                        return Err(problem);
                    }
                    (problem, asked)
                }
                Err(e) => (format!("{url}: the request failed ({e})"), None),
            };
            let wait =
                retry::wait_before_retry(problem, wait, attempt, self.retries, self.backoff)?;
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Every page of an answer: the first, then each `next_url` (or
    /// `next_page`, a URL or a page number) until there is none.
    async fn pages(&mut self, first: &str) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        let mut url = first.to_owned();
        loop {
            let bytes = self.get(&url).await?;
            let text = String::from_utf8(bytes).map_err(|_| format!("{url}: not UTF-8"))?;
            let doc: Value = serde_json::from_str(&text)
                .map_err(|e| format!("{url}: not JSON ({e}); nothing was written"))?;
            let next = match doc.get("next_url").or_else(|| doc.get("next_page")) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.is_empty() => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(with_page(first, &n.to_string())),
                Some(v) => return Err(format!("{url}: next_url {v} is not a URL")),
            };
            out.push((url.clone(), text));
            match next {
                Some(n) if out.len() < MAX_PAGES => url = n,
                Some(_) => return Err(format!("{first}: more than {MAX_PAGES} pages")),
                None => return Ok(out),
            }
        }
    }
}

fn with_page(url: &str, page: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}page={page}")
}

/// Downloads `opts.kpis` for every area and year asked, checks it whole,
/// and writes it in one transaction (nothing with `dry_run`). Without
/// `from_date` the answer is complete for what was asked: a stored value
/// Kolada no longer gives is removed.
pub async fn fetch(db: &DatabaseConnection, opts: &FetchOptions) -> Result<Fetched, ImportFailed> {
    let base = opts.base_url.trim_end_matches('/').to_owned();
    let what = format!("Kolada at {base}");
    let fail = |problems: Vec<String>| ImportFailed {
        file: what.clone(),
        problems,
    };
    if opts.kpis.is_empty() || opts.years.is_empty() {
        return Err(fail(vec!["no KPI or no year to fetch".into()]));
    }
    let cat = ReferenceData::load(db).await.map_err(|e| {
        fail(vec![format!(
            "cannot read the municipalities: {}",
            e.detail
        )])
    })?;
    let mut areas: Vec<String> = vec!["0000".into()];
    let counties: BTreeSet<&str> = cat
        .municipalities
        .iter()
        .map(|m| m.county_code.as_str())
        .collect();
    areas.extend(counties.iter().map(|c| format!("00{c}")));
    areas.extend(cat.municipalities.iter().map(|m| m.code.clone()));

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .user_agent(concat!(
            "foraldraskapsstod-outcomes-fetch/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| fail(vec![format!("cannot set up HTTP: {e}")]))?;
    let mut client = Client {
        http,
        retries: opts.retries,
        backoff: opts.backoff,
        calls: 0,
    };
    let retrieved_at = crate::store::feed::now();
    let origin = Origin {
        name: format!("{base}, retrieved {}", retrieved_at.format("%Y-%m-%d")),
        retrieved_at,
    };
    let mut reading = Reading::default();
    let mut problems = Vec::new();
    let mut pages = 0;

    // The KPIs' metadata: what confirms (or not) each catalogued id and title.
    for kpis in opts.kpis.chunks(MAX_IDS) {
        let url = format!("{base}/kpi/{}", kpis.join(","));
        for (url, text) in client.pages(&url).await.map_err(|e| fail(vec![e]))? {
            pages += 1;
            let mut page = Vec::new();
            let read = read_json(&text, &origin, &mut page);
            problems.extend(page.into_iter().map(|p| format!("{url}: {p}")));
            reading.kpis.extend(read.kpis);
        }
    }
    for id in &opts.kpis {
        if !reading.kpis.iter().any(|k| &k.id == id) {
            problems.push(format!("Kolada has no KPI {id} (GET {base}/kpi/{id})"));
        }
    }

    let years: Vec<String> = opts.years.iter().map(ToString::to_string).collect();
    let mut requests = 0;
    for kpis in opts.kpis.chunks(MAX_IDS) {
        for group in areas.chunks(MAX_IDS) {
            for ys in years.chunks(MAX_IDS) {
                requests += 1;
                let mut url = format!(
                    "{base}/data/kpi/{}/municipality/{}/year/{}?per_page={}",
                    kpis.join(","),
                    group.join(","),
                    ys.join(","),
                    opts.per_page
                );
                if let Some(d) = opts.from_date {
                    url.push_str(&format!("&from_date={d}"));
                }
                for (url, text) in client.pages(&url).await.map_err(|e| fail(vec![e]))? {
                    pages += 1;
                    let mut page = Vec::new();
                    let read = read_json(&text, &origin, &mut page);
                    problems.extend(page.into_iter().map(|p| format!("{url}: {p}")));
                    let asked = |kpi: &String, area: &String, year: i32| {
                        kpis.contains(kpi) && group.contains(area) && ys.contains(&year.to_string())
                    };
                    for mut v in read.values {
                        // Problems found when writing name the page too.
                        v.at = format!("{url}: {}", v.at);
                        if asked(&v.kpi, &v.area, v.year) {
                            reading.values.push(v);
                        } else {
                            problems.push(format!(
                                "{}: {} {} {} was not asked for",
                                v.at, v.kpi, v.area, v.year
                            ));
                        }
                    }
                    for r in read.removals {
                        if asked(&r.kpi, &r.area, r.year) {
                            reading.removals.push(r);
                        } else {
                            problems.push(format!(
                                "{url}: {}: {} {} {} was not asked for",
                                r.at, r.kpi, r.area, r.year
                            ));
                        }
                    }
                    reading.skipped += read.skipped;
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(fail(problems));
    }
    let complete = opts.from_date.is_none().then(|| Complete {
        kpis: opts.kpis.iter().cloned().collect(),
        years: opts.years.iter().copied().collect(),
        areas: areas.iter().cloned().collect(),
    });
    let summary = import_reading(db, reading, complete.as_ref(), &what, opts.dry_run).await?;
    Ok(Fetched {
        summary,
        areas: areas.len(),
        requests,
        pages,
        calls: client.calls,
    })
}

/// What the operator reads: what was asked of Kolada, then the import's report.
pub fn report(fetched: &Fetched, opts: &FetchOptions) -> String {
    format!(
        "fetched {} KPI(s) ({}) for {} areas (every municipality, county and the country), \
         years {}–{}{}, in {} request(s), {} page(s), {} call(s)\n{}\nSource: Kolada",
        opts.kpis.len(),
        opts.kpis.join(", "),
        fetched.areas,
        opts.years.first().copied().unwrap_or_default(),
        opts.years.last().copied().unwrap_or_default(),
        opts.from_date
            .map(|d| format!(", changed since {d}"))
            .unwrap_or_default(),
        fetched.requests,
        fetched.pages,
        fetched.calls,
        super::outcomes::report(&fetched.summary)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_fetch_reads_kpi_lists_and_year_ranges() {
        assert_eq!(
            parse_kpis("N15507, N15428"),
            Ok(vec!["N15428".into(), "N15507".into()])
        );
        assert!(parse_kpis("N1542").is_err());
        assert!(parse_kpis(",").is_err());
        assert_eq!(parse_years("2019-2021"), Ok(vec![2019, 2020, 2021]));
        assert_eq!(parse_years("2023"), Ok(vec![2023]));
        assert!(parse_years("2023-2019").is_err());
        assert!(parse_years("20x3").is_err());
    }
}
