//! The origin every absolute link is built from (`next`, `Link`, the page's
//! alternates, the catalogue, the calendar's `URL`, problem types). With
//! `PUBLIC_BASE_URL` set it is that, and the request's headers are never
//! read for it. Without, it comes from the request, so only a `Host` that
//! parses as host[:port] and, behind a trusted proxy, an `X-Forwarded-Proto`
//! of `http` or `https` are let through; anything else is a 400, and an
//! untrusted `X-Forwarded-Proto` is dropped before anything reads it.

use poem::http::header;
use poem::{Endpoint, IntoResponse, Request, Response, Result};

use crate::error::ApiError;

/// How the origin is found: fixed by configuration, or from the request.
#[derive(Clone, Copy)]
pub struct OriginRule {
    pub fixed: bool,
    pub trust_proxy: bool,
}

/// `name[:port]` or `[v6]`/`[v6]:port`, as a URL's authority may hold it
/// (no user info, no path, nothing to escape).
pub fn is_host(h: &str) -> bool {
    let port_ok = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = h.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else {
            return false;
        };
        let v6_ok = !v6.is_empty()
            && v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        return v6_ok && (after.is_empty() || after.strip_prefix(':').is_some_and(port_ok));
    }
    let (name, port) = match h.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (h, None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    name_ok && port.is_none_or(port_ok)
}

/// The origin links are built from, from the request's `Host` and
/// `X-Forwarded-Proto` (`None` when absent), unless one is configured: the
/// scheme only from a trusted proxy and only `http`/`https`; no Host at all
/// is `localhost`; a Host that is not an authority gives none (links stay
/// relative). Inside [`sane_origin`] the headers are already checked, so
/// there it simply reads them; outside it, it is as careful as the check.
pub fn base_from(
    host: Option<&str>,
    proto: Option<&str>,
    fixed: Option<&str>,
    trust_proxy: bool,
) -> String {
    if let Some(base) = fixed {
        return base.trim_end_matches('/').to_owned();
    }
    let scheme = proto
        .filter(|p| trust_proxy && matches!(*p, "http" | "https"))
        .unwrap_or("http");
    match host {
        None => format!("{scheme}://localhost"),
        Some(h) if is_host(h) => format!("{scheme}://{h}"),
        Some(_) => String::new(),
    }
}

pub async fn sane_origin<E: Endpoint>(
    next: E,
    mut req: Request,
    rule: OriginRule,
) -> Result<Response> {
    if !rule.fixed {
        if !rule.trust_proxy {
            req.headers_mut().remove("x-forwarded-proto");
        } else if let Some(p) = req.header("x-forwarded-proto") {
            if p != "http" && p != "https" {
                return Err(
                    ApiError::bad_request("X-Forwarded-Proto must be http or https").into(),
                );
            }
        }
        if let Some(h) = req.header(header::HOST) {
            if !is_host(h) {
                return Err(ApiError::bad_request(
                    "Host must be a host name or address, with an optional port",
                )
                .into());
            }
        }
    }
    next.call(req).await.map(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::is_host;

    #[test]
    fn only_an_authority_is_a_host() {
        for ok in [
            "localhost",
            "api.example.org",
            "127.0.0.1:8080",
            "[::1]",
            "[::1]:8080",
            "a-b.se:443",
        ] {
            assert!(is_host(ok), "{ok}");
        }
        for bad in [
            "",
            "evil\"><script>",
            "a b",
            "x.se/path",
            "user@x.se",
            "x.se:",
            "x.se:123456",
            "[::1",
            "[zz]",
            "javascript:alert(1)//",
            "x.se:80:80",
        ] {
            assert!(!is_host(bad), "{bad}");
        }
    }
}
