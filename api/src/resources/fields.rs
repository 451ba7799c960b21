//! Reading fields out of a raw JSON object while collecting every problem
//! with its JSON pointer: the shared tool of all write validation.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::error::FieldError;
use crate::vocab::limits::MAX_URL;

/// One JSON object being read: each accessor takes a field out of `obj`
/// or records why it cannot, under the pointer `at`.
pub struct FieldReader<'a> {
    pub obj: &'a Map<String, Value>,
    /// JSON pointer of the object; fields are reported below it.
    pub at: String,
    pub errors: &'a mut Vec<FieldError>,
}

impl FieldReader<'_> {
    pub fn err(&mut self, field: &str, detail: impl Into<String>) {
        self.errors
            .push(FieldError::at(format!("{}/{field}", self.at), detail));
    }

    pub fn present(&self, field: &str) -> Option<&Value> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    pub fn text(&mut self, field: &str, required: bool, max: usize) -> Option<String> {
        match self.present(field).cloned() {
            None if required => {
                self.err(field, "is required");
                None
            }
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.err(field, "must not be empty");
                None
            }
            Some(Value::String(s)) if s.chars().count() > max => {
                self.err(field, format!("must be at most {max} characters"));
                None
            }
            Some(Value::String(s)) if s.chars().any(char::is_control) => {
                self.err(field, "must not contain control characters");
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.err(field, "must be a string");
                None
            }
        }
    }

    pub fn count(&mut self, field: &str) -> Option<i32> {
        match self.present(field).cloned() {
            None => None,
            Some(v) => match v.as_i64() {
                Some(n) if (0..=i32::MAX as i64).contains(&n) => Some(n as i32),
                Some(_) => {
                    self.err(field, "must be between 0 and 2147483647");
                    None
                }
                None => {
                    self.err(field, "must be a whole number");
                    None
                }
            },
        }
    }

    pub fn date(&mut self, field: &str, required: bool) -> Option<NaiveDate> {
        match self.text(field, required, 10) {
            None => None,
            Some(s) => match crate::vocab::parse_date(&s) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.err(field, e);
                    None
                }
            },
        }
    }

    pub fn choice<T>(
        &mut self,
        field: &str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        let s = self.text(field, true, 64)?;
        let parsed = parse(&s);
        if parsed.is_none() {
            self.err(field, format!("'{s}' is not one of {}", expected()));
        }
        parsed
    }

    pub fn list(
        &mut self,
        field: &str,
        max_items: usize,
        check: impl Fn(&str) -> Result<String, String>,
    ) -> Vec<String> {
        let Some(v) = self.present(field).cloned() else {
            return vec![];
        };
        let Value::Array(items) = v else {
            self.err(field, "must be an array of strings");
            return vec![];
        };
        if items.len() > max_items {
            self.err(field, format!("must have at most {max_items} items"));
            return vec![];
        }
        let mut out: Vec<String> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().map(&check) {
                Some(Ok(s)) if !out.contains(&s) => out.push(s),
                Some(Ok(s)) => self.err(&format!("{field}/{i}"), format!("'{s}' is listed twice")),
                Some(Err(e)) => self.err(&format!("{field}/{i}"), e),
                None => self.err(&format!("{field}/{i}"), "must be a string"),
            }
        }
        out
    }
}

impl FieldReader<'_> {
    pub fn flag(&mut self, field: &str) -> Option<bool> {
        match self.present(field).cloned() {
            None => None,
            Some(Value::Bool(b)) => Some(b),
            Some(_) => {
                self.err(field, "must be true or false");
                None
            }
        }
    }

    pub fn reject_unknown(&mut self, known: &[&str], what: &str) {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            self.err(
                &key,
                format!("is not a field of {what} (unknown fields are rejected, not dropped)"),
            );
        }
    }

    /// An http(s) URL.
    pub fn url(&mut self, field: &str) -> Option<String> {
        let s = self.text(field, false, MAX_URL)?;
        if s.starts_with("https://") || s.starts_with("http://") {
            Some(s)
        } else {
            self.err(field, "must be an http(s) URL");
            None
        }
    }
}
