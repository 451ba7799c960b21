//! A parameter the framework could not parse, said in the project's words:
//! what was given and what the parameter takes, read from the parameter's
//! schema in the OpenAPI document — never a Rust type name or a regular
//! expression.

use serde_json::Value;

/// What a parameter takes, in words: "a whole number from 1 to 1000",
/// "one of: planned, open", "a date (YYYY-MM-DD)".
pub fn takes(schema: &Value) -> String {
    if schema["type"] == "array" {
        return format!("{} (the parameter may repeat)", takes(&schema["items"]));
    }
    if let Some(values) = schema["enum"].as_array() {
        let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        return format!("one of: {}", names.join(", "));
    }
    let range = |what: &str| match (schema["minimum"].as_f64(), schema["maximum"].as_f64()) {
        (Some(lo), Some(hi)) => format!("{what} from {lo} to {hi}"),
        (Some(lo), None) => format!("{what} of at least {lo}"),
        (None, Some(hi)) => format!("{what} of at most {hi}"),
        (None, None) => what.to_owned(),
    };
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("integer"), _) => range("a whole number"),
        (Some("number"), _) => range("a number"),
        (Some("boolean"), _) => "true or false".to_owned(),
        (_, Some("date")) => "a date (YYYY-MM-DD)".to_owned(),
        (_, Some("date-time")) => "a timestamp (RFC 3339, e.g. 2026-01-31T12:00:00Z)".to_owned(),
        (_, Some("uuid")) => "a UUID".to_owned(),
        _ => schema["pattern"]
            .as_str()
            .and_then(pattern_words)
            .unwrap_or("a value of the form the parameter's description states")
            .to_owned(),
    }
}

/// The patterns of the document's codes and ids, in words.
fn pattern_words(pattern: &str) -> Option<&'static str> {
    const WORDS: [(&str, &str); 5] = [
        (
            "[0-9A-Fa-f]{8}-",
            "a UUID (e.g. 6f1c2b7a-4d0e-4a7b-9c55-31d28e4fa001)",
        ),
        (
            "^[A-Z][0-9]{5}$",
            "a Kolada KPI id: a capital letter and five digits (e.g. N15428)",
        ),
        ("^[0-9]{4}$", "a 4-digit SCB municipality code (e.g. 1980)"),
        (
            "^[a-z0-9](-?[a-z0-9])",
            "a slug: lowercase letters, digits and single hyphens (e.g. triple-p)",
        ),
        ("{1,128}$", "1–128 printable characters"),
    ];
    WORDS
        .iter()
        .find(|(p, _)| pattern.contains(p))
        .map(|(_, w)| *w)
}

/// "'0' is not a whole number from 1 to 1000" (or, with nothing given,
/// "is required: …").
pub fn refusal(given: Option<&str>, schema: &Value) -> String {
    match given {
        Some(v) => format!("'{}' is not {}", clip(v), takes(schema)),
        None => format!("is required: {}", takes(schema)),
    }
}

/// A given value as the problem repeats it: at most 100 characters.
fn clip(v: &str) -> String {
    let mut out: String = v.chars().take(100).collect();
    if v.chars().count() > 100 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_kind_of_parameter_is_said_in_words() {
        let cases = [
            (
                json!({"type": "integer", "minimum": 1, "maximum": 1000}),
                "a whole number from 1 to 1000",
            ),
            (
                json!({"type": "string", "enum": ["planned", "open"]}),
                "one of: planned, open",
            ),
            (
                json!({"type": "array", "items": {"type": "string", "enum": ["a"]}}),
                "one of: a (the parameter may repeat)",
            ),
            (
                json!({"type": "string", "format": "date"}),
                "a date (YYYY-MM-DD)",
            ),
            (
                json!({"type": "string", "format": "date-time"}),
                "a timestamp (RFC 3339, e.g. 2026-01-31T12:00:00Z)",
            ),
        ];
        for (schema, words) in cases {
            assert_eq!(takes(&schema), words);
        }
        assert_eq!(
            refusal(Some("0"), &json!({"type": "integer", "minimum": 1})),
            "'0' is not a whole number of at least 1"
        );
    }
}
