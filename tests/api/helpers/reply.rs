//! A response read to the end, so a test can look at it more than once, and
//! the assertions on problem+json that every resource shares.

use poem::http::{HeaderMap, StatusCode};
use serde_json::Value;

pub struct Reply {
    pub uri: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub(super) async fn read(uri: &str, response: poem::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().into_vec().await.expect("read body");
        Self {
            uri: uri.to_owned(),
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("body is UTF-8")
    }

    /// The body as JSON; `Null` for an empty body (a 204, a 304).
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}); {} answered {}: {}",
                self.uri,
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Status and JSON body, for assertions that look at both at once.
    pub fn status_and_json(&self) -> (u16, Value) {
        (self.status.as_u16(), self.json())
    }

    /// The JSON body of a 200; any other status fails the test, showing the body.
    #[track_caller]
    pub fn ok_json(&self) -> Value {
        assert_eq!(
            self.status,
            200,
            "{}: {}",
            self.uri,
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }

    /// The `id` (or `code`, or `slug`) of every item in `data`.
    pub fn data_keys(&self) -> Vec<String> {
        self.json()["data"]
            .as_array()
            .unwrap_or_else(|| panic!("no data array in {}", self.text()))
            .iter()
            .map(item_key)
            .collect()
    }

    /// One JSON object per NDJSON line.
    pub fn ndjson(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {l:?}: {e}")))
            .collect()
    }

    /// CSV as rows of fields (header included). Our fixtures hold no quoted
    /// commas or newlines, so a plain split is enough.
    pub fn csv_rows(&self) -> Vec<Vec<String>> {
        self.text()
            .lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    }

    #[track_caller]
    pub fn assert_status(&self, status: StatusCode) {
        assert_eq!(self.status, status);
    }

    #[track_caller]
    pub fn assert_status_is_ok(&self) {
        self.assert_status(StatusCode::OK);
    }

    #[track_caller]
    pub fn assert_header(&self, name: &str, value: &str) {
        let actual = self
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("expect header `{name}`"));
        assert_eq!(actual, value);
    }

    #[track_caller]
    pub fn assert_content_type(&self, content_type: &str) {
        self.assert_header("content-type", content_type);
    }
}

pub fn item_key(v: &Value) -> String {
    ["id", "code", "slug"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .unwrap_or_else(|| panic!("item without id/code/slug: {v}"))
        .to_owned()
}

/// `next` is an absolute URL; the test client wants the path and query.
pub fn path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_owned(),
        None => "/".to_owned(),
    }
}

/// Asserts an RFC 9457 problem with every member we promise, and returns it.
#[track_caller]
pub fn assert_problem(reply: &Reply, status: u16, instance: &str) -> Value {
    assert_eq!(
        reply.status.as_u16(),
        status,
        "status of {instance}; body: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(
        reply.content_type().starts_with("application/problem+json"),
        "content-type of a {status} at {instance} is {:?}",
        reply.content_type()
    );
    let p = reply.json();
    assert!(
        p["type"].as_str().is_some_and(|t| !t.is_empty()),
        "type in {p}"
    );
    assert!(
        p["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title in {p}"
    );
    assert_eq!(p["status"], status, "status member in {p}");
    assert!(
        p["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "detail in {p}"
    );
    assert_eq!(p["instance"], instance, "instance in {p}");
    p
}

/// A 400 problem naming `parameter` among its `errors`.
#[track_caller]
pub fn assert_bad_parameter(reply: &Reply, path: &str, parameter: &str) {
    let p = assert_problem(reply, 400, path);
    let named = p["errors"]
        .as_array()
        .is_some_and(|e| e.iter().any(|e| e["parameter"] == parameter));
    assert!(named, "expected errors to name {parameter:?}: {p}");
}

/// The area with `code` in an indicators report.
#[track_caller]
pub fn indicator_area<'a>(report: &'a Value, code: &str) -> &'a Value {
    member(report, "areas", "code", code)
}

/// The indicator `id` of an area of an indicators report.
#[track_caller]
pub fn indicator<'a>(area: &'a Value, id: &str) -> &'a Value {
    member(area, "indicators", "id", id)
}

/// The member of `v[list]` whose `field` is `value`.
#[track_caller]
fn member<'a>(v: &'a Value, list: &str, field: &str, value: &str) -> &'a Value {
    v[list]
        .as_array()
        .and_then(|a| a.iter().find(|x| x[field] == value))
        .unwrap_or_else(|| panic!("no {field} {value} in {list} of {v}"))
}
