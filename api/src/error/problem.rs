//! The problem document (RFC 9457) as clients receive it.

use poem_openapi::Object;
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: what went wrong, for people and for programs.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Object)]
#[oai(example)]
pub struct Problem {
    /// An absolute URI naming the kind of problem (`…/problems/not-found`);
    /// stable, safe to branch on by its last segment. It resolves: a page
    /// (JSON with `Accept: application/json`) saying what it means and how
    /// to fix the request.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// One entry per invalid field or parameter: the first 100 found.
    #[oai(skip_serializing_if_is_empty, default, validator(max_items = 100))]
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<FieldError>,
    /// How many errors were found in all, when `errors` lists only the first 100.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_count: Option<u64>,
}

impl poem_openapi::types::Example for Problem {
    fn example() -> Self {
        Self {
            kind: "/problems/validation".into(),
            title: "Invalid request body".into(),
            status: 422,
            detail: Some("2 sessions are invalid; nothing was written".into()),
            instance: Some("/v1/municipalities/1980/sessions/batch".into()),
            errors: vec![FieldError {
                pointer: Some("/sessions/7/end_date".into()),
                parameter: None,
                detail: "end_date 2025-01-01 is before start_date 2025-02-01".into(),
            }],
            error_count: None,
        }
    }
}

/// One invalid input: a JSON pointer into the body, or a query parameter's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Object)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the invalid value in the request body.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Name of the invalid query or path parameter.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Why it is invalid.
    pub detail: String,
}

impl FieldError {
    pub fn at(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: Some(pointer.into()),
            parameter: None,
            detail: detail.into(),
        }
    }
    pub fn param(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: None,
            parameter: Some(name.into()),
            detail: detail.into(),
        }
    }
}
