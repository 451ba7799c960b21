//! Opaque keyset cursors and the links that carry a list to its next page.
//!
//! A cursor is base64url of `{ "k": <sort key of the last row>, "f": <hash of
//! the filters> }`. Keyset (not offset) paging keeps each page an index range
//! scan however deep the client goes, and never skips or repeats a row when
//! rows are inserted before the cursor. The filter hash lets us refuse a cursor
//! used with other filters (400) instead of returning a silently wrong page.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use poem::Request;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::error::ApiError;

#[derive(Serialize, Deserialize)]
struct Envelope<K> {
    k: K,
    f: String,
}

/// A short, stable hash of a canonical description of the filters.
pub fn filter_hash(canonical: &str) -> String {
    hex::encode(&Sha256::digest(canonical.as_bytes())[..8])
}

pub fn encode_cursor<K: Serialize>(key: &K, filters: &str) -> String {
    let json = serde_json::to_vec(&Envelope {
        k: key,
        f: filter_hash(filters),
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str, filters: &str) -> Result<K, ApiError> {
    let bad = || {
        ApiError::invalid_parameter(
            "cursor",
            "not a cursor issued by this API; start again without one",
        )
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.trim_end_matches('='))
        .map_err(|_| bad())?;
    let env: Envelope<K> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if env.f != filter_hash(filters) {
        return Err(ApiError::invalid_parameter(
            "cursor",
            "this cursor belongs to a query with other filters; follow `next` as given, or start again without a cursor",
        ));
    }
    Ok(env.k)
}

/// `limit`: default 100, at most 1000.
pub fn page_size(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::invalid_parameter(
            "limit",
            format!("'{n}' is not a whole number from 1 to {MAX_PAGE_SIZE}"),
        )),
    }
}

/// The URL of the next page: this request's URL with `cursor` replaced, so
/// every filter survives.
/// The origin absolute links start with: the configured public base URL, else
/// the request's own scheme and `Host`.
pub fn public_base(req: &Request, base_url: Option<&str>) -> String {
    // `origin::sane_origin` has checked the headers (and dropped an
    // untrusted X-Forwarded-Proto) before any handler runs.
    super::origin::base_from(
        req.header("host"),
        req.header("x-forwarded-proto"),
        base_url,
        true,
    )
}

pub fn next_url(req: &Request, base_url: Option<&str>, cursor: &str) -> String {
    let base = public_base(req, base_url);
    let mut pairs: Vec<String> = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
        .map(str::to_owned)
        .collect();
    pairs.push(format!("cursor={cursor}"));
    format!("{base}{}?{}", req.uri().path(), pairs.join("&"))
}

pub fn link_header(next: &Option<String>) -> Option<String> {
    next.as_ref().map(|n| format!("<{n}>; rel=\"next\""))
}

/// A list's page type: each list has its own schema name in the contract,
/// and all have the same three fields.
pub trait ListPage<T> {
    fn from_parts(data: Vec<T>, next_cursor: Option<String>, next: Option<String>) -> Self;
}

/// Implements [`ListPage`] for a `{ data, next_cursor, next }` struct.
#[macro_export]
macro_rules! list_page {
    ($page:ty, $item:ty) => {
        impl $crate::http::paging::ListPage<$item> for $page {
            fn from_parts(
                data: Vec<$item>,
                next_cursor: Option<String>,
                next: Option<String>,
            ) -> Self {
                Self {
                    data,
                    next_cursor,
                    next,
                }
            }
        }
    };
}

/// Where a list page is asked for: the request (for `next`), the configured
/// public base URL, and the list's canonical filters (bound into cursors).
pub struct PageRequest<'a> {
    req: &'a Request,
    base_url: Option<&'a str>,
    canonical: String,
    limit: Option<u64>,
    cursor: Option<&'a str>,
}

impl<'a> PageRequest<'a> {
    pub fn new(
        req: &'a Request,
        base_url: Option<&'a str>,
        canonical: String,
        limit: Option<u64>,
        cursor: Option<&'a str>,
    ) -> Self {
        Self {
            req,
            base_url,
            canonical,
            limit,
            cursor,
        }
    }
}

/// The keyset page procedure every list follows: check `limit`, decode the
/// cursor, fetch one page after its key, and turn the last key into the next
/// cursor and URL; returns the list's page and its `Link` header.
pub async fn page<P, T, K, F, Fut>(
    at: PageRequest<'_>,
    fetch: F,
) -> Result<(P, Option<String>), ApiError>
where
    P: ListPage<T>,
    K: Serialize + DeserializeOwned,
    F: FnOnce(Option<K>, u64) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<K>), ApiError>>,
{
    let limit = page_size(at.limit)?;
    let after = at
        .cursor
        .map(|c| decode_cursor::<K>(c, &at.canonical))
        .transpose()?;
    let (data, last) = fetch(after, limit).await?;
    let next_cursor = last.map(|k| encode_cursor(&k, &at.canonical));
    let next = next_cursor
        .as_ref()
        .map(|c| next_url(at.req, at.base_url, c));
    let link = link_header(&next);
    Ok((P::from_parts(data, next_cursor, next), link))
}

/// Cuts rows fetched with `limit + 1` to `limit`; the key of the last row is
/// the next cursor's only when there was more.
pub fn split_page<R, K>(
    mut rows: Vec<R>,
    limit: u64,
    key: impl Fn(&R) -> K,
) -> (Vec<R>, Option<K>) {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let last = if more { rows.last().map(key) } else { None };
    (rows, last)
}
