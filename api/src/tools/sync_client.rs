//! The ready-made nightly client for a municipality: `sync push` sends its
//! export (CSV or JSON), `sync pull` follows the change feed into NDJSON.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::config::MAX_BATCH_SESSIONS;
use crate::resources::sessions::batch::batch_items;
use crate::resources::sessions::details::columns;
use crate::resources::sessions::validate::{KnownCodes, FIELDS};

/// Why a sync run failed; the CLI prints it and exits non-zero.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("cannot read {path}: {cause}")]
    Input { path: PathBuf, cause: String },
    #[error("the export is invalid; nothing was sent:\n{0}")]
    Invalid(String),
    #[error("the server rejected the request ({status}):\n{detail}")]
    Rejected { status: u16, detail: String },
    #[error("cannot reach the server: {0}")]
    Network(String),
    #[error("{0}")]
    Other(String),
}

pub struct PushOptions {
    pub url: String,
    pub key: String,
    pub municipality: String,
    pub file: PathBuf,
    pub replace: bool,
    pub allow_mass_delete: bool,
    pub batch_size: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

fn client() -> Result<reqwest::Client, SyncError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .user_agent(concat!(
            "foraldraskapsstod-sync/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| SyncError::Network(e.to_string()))
}

/// Reads an export: CSV with the documented columns, or JSON (an array of
/// sessions, or `{ "sessions": [...] }`). A CSV gives the details flat, by
/// the columns the sessions CSV has (`venue_name`, `schedule_dates`, …).
pub fn read_export(path: &Path) -> Result<Vec<Value>, SyncError> {
    let input_err = |cause: String| SyncError::Input {
        path: path.to_owned(),
        cause,
    };
    let text = std::fs::read_to_string(path).map_err(|e| input_err(e.to_string()))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with(['[', '{']);
    if is_json {
        let v: Value =
            serde_json::from_str(&text).map_err(|e| input_err(format!("not valid JSON: {e}")))?;
        return match v {
            Value::Array(items) => Ok(items),
            Value::Object(mut o) => match o.remove("sessions") {
                Some(Value::Array(items)) => Ok(items),
                _ => Err(input_err(
                    "a JSON export is an array of sessions or { \"sessions\": [...] }".into(),
                )),
            },
            _ => Err(input_err(
                "a JSON export is an array of sessions or { \"sessions\": [...] }".into(),
            )),
        };
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| input_err(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    // The details come flat (`venue_town`, …), never as a whole object.
    let all: Vec<&str> = FIELDS
        .iter()
        .copied()
        .filter(|f| !columns::COLUMNS.iter().any(|(_, object, ..)| object == f))
        .chain(columns::names())
        .collect();
    if let Some(unknown) = headers.iter().find(|h| !all.contains(&h.as_str())) {
        return Err(input_err(format!(
            "unknown column '{unknown}'; the columns are: {}",
            all.join(", ")
        )));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| input_err(e.to_string()))?;
        let mut obj = Map::new();
        for (h, cell) in headers.iter().zip(record.iter()) {
            if cell.is_empty() || columns::put_cell(&mut obj, h, cell) {
                continue;
            }
            obj.insert(h.clone(), csv_cell(h, cell));
        }
        out.push(Value::Object(obj));
    }
    Ok(out)
}

/// A CSV cell as the JSON value the API expects; anything that does not parse
/// stays a string so that validation names the cell.
fn csv_cell(column: &str, cell: &str) -> Value {
    match column {
        "languages" | "co_hosts" => Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| json!(s))
                .collect(),
        ),
        "open_to_other_municipalities" => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => json!(true),
            "false" | "no" | "0" => json!(false),
            _ => json!(cell),
        },
        "meetings"
        | "capacity"
        | "enrolled"
        | "completed"
        | "women"
        | "men"
        | "vulnerable_area"
        | "satisfaction_respondents"
        | "satisfied"
        | "places_left" => cell
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| json!(cell)),
        _ => json!(cell),
    }
}

async fn get_json(client: &reqwest::Client, url: &str) -> Result<Value, SyncError> {
    let resp = client
        .get(url)
        .send()
        .await
        .map_err(|e| SyncError::Network(e.to_string()))?;
    let status = resp.status().as_u16();
    let body: Value = resp
        .json()
        .await
        .map_err(|e| SyncError::Network(e.to_string()))?;
    if status >= 400 {
        return Err(SyncError::Rejected {
            status,
            detail: describe_problem(&body, None),
        });
    }
    Ok(body)
}

/// The reference sets the server will check, fetched so the local check can too.
async fn remote_context(
    client: &reqwest::Client,
    base: &str,
    municipality: &str,
) -> Result<KnownCodes, SyncError> {
    let ids = |v: &Value, field: &str| -> HashSet<String> {
        v["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x[field].as_str().map(str::to_owned))
            .collect()
    };
    let programmes = get_json(client, &format!("{base}/v1/programmes?limit=1000")).await?;
    let municipalities = get_json(client, &format!("{base}/v1/municipalities?limit=1000")).await?;
    Ok(KnownCodes {
        municipality: Some(municipality.to_owned()),
        programmes: Some(ids(&programmes, "slug")),
        municipalities: Some(ids(&municipalities, "code")),
    })
}

fn describe_problem(body: &Value, rows: Option<&[Value]>) -> String {
    let mut out = format!(
        "{}: {}",
        body["title"].as_str().unwrap_or("error"),
        body["detail"].as_str().unwrap_or_default()
    );
    for e in body["errors"].as_array().into_iter().flatten() {
        let pointer = e["pointer"]
            .as_str()
            .or(e["parameter"].as_str())
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  {}: {}",
            locate(pointer, rows),
            e["detail"].as_str().unwrap_or_default()
        ));
    }
    if let Some(total) = body["error_count"].as_u64() {
        let listed = body["errors"].as_array().map_or(0, Vec::len);
        out.push_str(&format!(
            "\n  … and {} more ({total} errors in all)",
            total.saturating_sub(listed as u64)
        ));
    }
    out
}

/// `/sessions/7/end_date` as "row 7 (external_id X) end_date".
fn locate(pointer: &str, rows: Option<&[Value]>) -> String {
    let mut parts = pointer.trim_start_matches('/').splitn(3, '/');
    match (
        parts.next(),
        parts.next().and_then(|i| i.parse::<usize>().ok()),
        parts.next(),
    ) {
        (Some("sessions"), Some(i), field) => {
            let ext = rows
                .and_then(|r| r.get(i))
                .and_then(|r| r["external_id"].as_str())
                .unwrap_or("?");
            format!("item {} (external_id {ext}) {}", i + 1, field.unwrap_or(""))
        }
        _ => pointer.to_owned(),
    }
}

async fn post_batch(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &Value,
    rows: &[Value],
) -> Result<PushCounts, SyncError> {
    let bytes = serde_json::to_vec(body).map_err(|e| SyncError::Other(e.to_string()))?;
    // The same export sent again is the same request: retries and re-runs are safe.
    let idempotency_key = hex::encode(&Sha256::digest(&bytes)[..16]);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sent = client
            .post(url)
            .bearer_auth(key)
            .header("Idempotency-Key", &idempotency_key)
            .header("Content-Type", "application/json")
            .body(bytes.clone())
            .send()
            .await;
        let retry_in = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                match status {
                    200 => {
                        let n = |f: &str| body[f].as_u64().unwrap_or(0);
                        return Ok(PushCounts {
                            created: n("created"),
                            updated: n("updated"),
                            unchanged: n("unchanged"),
                            deleted: n("deleted"),
                        });
                    }
                    409 | 429 | 500..=599 if attempt < 4 => {
                        Duration::from_secs(retry_after.unwrap_or(2u64.pow(attempt)))
                    }
                    _ => {
                        return Err(SyncError::Rejected {
                            status,
                            detail: describe_problem(&body, Some(rows)),
                        })
                    }
                }
            }
            Err(e) if attempt < 4 => {
                tracing::warn!(error = %e, attempt, "request failed; retrying");
                Duration::from_secs(2u64.pow(attempt))
            }
            Err(e) => return Err(SyncError::Network(e.to_string())),
        };
        tokio::time::sleep(retry_in).await;
    }
}

/// Validates the export locally, then sends it; all-or-nothing per batch.
pub async fn push(opts: &PushOptions) -> Result<PushCounts, SyncError> {
    let base = opts.url.trim_end_matches('/');
    let rows = read_export(&opts.file)?;
    let client = client()?;
    let ctx = remote_context(&client, base, &opts.municipality).await?;
    let mut errors = Vec::new();
    batch_items(&rows, &ctx, &mut errors);
    if !errors.is_empty() {
        let list: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "  {}: {}",
                    locate(e.pointer.as_deref().unwrap_or_default(), Some(&rows)),
                    e.detail
                )
            })
            .collect();
        return Err(SyncError::Invalid(list.join("\n")));
    }
    let url = format!(
        "{base}/v1/municipalities/{}/sessions/batch",
        opts.municipality
    );
    if opts.replace {
        if rows.len() > MAX_BATCH_SESSIONS {
            return Err(SyncError::Other(format!(
                "a replace is one transaction of at most {MAX_BATCH_SESSIONS} sessions; this export has {}: split it by start date and use scopes, or use upsert",
                rows.len()
            )));
        }
        let body = json!({ "mode": "replace", "allow_mass_delete": opts.allow_mass_delete, "sessions": rows });
        return post_batch(&client, &url, &opts.key, &body, &rows).await;
    }
    let mut total = PushCounts::default();
    for chunk in rows.chunks(opts.batch_size.clamp(1, MAX_BATCH_SESSIONS)) {
        let c = post_batch(
            &client,
            &url,
            &opts.key,
            &json!({ "mode": "upsert", "sessions": chunk }),
            chunk,
        )
        .await?;
        total.created += c.created;
        total.updated += c.updated;
        total.unchanged += c.unchanged;
    }
    Ok(total)
}

pub struct PullOptions {
    pub url: String,
    pub state: PathBuf,
    pub out: PathBuf,
    pub limit: u64,
}

fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Follows the feed from the saved cursor, appending each change as one NDJSON
/// line. The cursor is saved only after the lines are on disk, so a crash
/// repeats at most the last page and never loses one.
pub async fn pull(opts: &PullOptions) -> Result<u64, SyncError> {
    let base = opts.url.trim_end_matches('/');
    let io = |path: &Path, e: std::io::Error| SyncError::Input {
        path: path.to_owned(),
        cause: e.to_string(),
    };
    let mut cursor: Option<String> = match std::fs::read_to_string(&opts.state) {
        Ok(text) => serde_json::from_str::<Value>(&text).map_err(|e| SyncError::Input {
            path: opts.state.clone(),
            cause: e.to_string(),
        })?["cursor"]
            .as_str()
            .map(str::to_owned),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&opts.state, e)),
    };
    let client = client()?;
    let mut total = 0;
    loop {
        let mut url = format!("{base}/v1/changes?limit={}", opts.limit);
        if let Some(c) = &cursor {
            url.push_str(&format!("&after={c}"));
        }
        let page = match get_json(&client, &url).await {
            Err(SyncError::Rejected { status: 410, detail }) => {
                return Err(SyncError::Other(format!(
                    "the server no longer has this cursor's history ({detail}); delete {} and {} and pull again to resync",
                    opts.state.display(),
                    opts.out.display()
                )))
            }
            other => other?,
        };
        let changes = page["changes"].as_array().cloned().unwrap_or_default();
        if !changes.is_empty() {
            let mut out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&opts.out)
                .map_err(|e| io(&opts.out, e))?;
            let mut buf = Vec::new();
            for c in &changes {
                serde_json::to_writer(&mut buf, c).map_err(|e| SyncError::Other(e.to_string()))?;
                buf.push(b'\n');
            }
            out.write_all(&buf)
                .and_then(|_| out.sync_all())
                .map_err(|e| io(&opts.out, e))?;
            total += changes.len() as u64;
        }
        let next = page["next_cursor"]
            .as_str()
            .ok_or_else(|| SyncError::Other("the server sent no next_cursor".into()))?
            .to_owned();
        let state = json!({ "cursor": next, "url": base });
        write_atomically(&opts.state, state.to_string().as_bytes())
            .map_err(|e| io(&opts.state, e))?;
        cursor = Some(next);
        if !page["has_more"].as_bool().unwrap_or(false) {
            return Ok(total);
        }
    }
}
