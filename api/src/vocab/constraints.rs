//! What the parsers and validators accept, as JSON Schema constraints the
//! OpenAPI document states (`http::openapi` puts them on the parameters and
//! write schemas). Lengths and counts come from `limits`, which the
//! validators enforce; patterns restate a parser's rule, named beside it.

use super::limits::*;
use super::DATE_YEARS;

/// The pattern of a list parameter as `parse_param` reads it: items joined
/// by commas, empty entries ignored (the parameter may also repeat).
fn list_of(item: &str) -> String {
    format!("^,*({item}(,+{item})*)?,*$")
}

/// A slug of at most 64 characters: lowercase letters and digits, single
/// hyphens inside (what `ProgrammeSlug::parse` accepts).
const SLUG: &str = "[a-z0-9](-?[a-z0-9]){0,63}";
const YEAR: &str = "(19[0-9]{2}|20[0-9]{2}|2100)";

/// [`parse_date`]'s years as a JSON Schema pattern on a `format: date` string.
pub fn date_pattern() -> String {
    format!("^{YEAR}-")
}

/// Where a parameter of the same name is single-valued on some operation
/// (`/v1/audit`'s `municipality`: one code, not a list), its own constraint.
pub fn single_parameter_constraints() -> Vec<(&'static str, serde_json::Value)> {
    vec![(
        "municipality",
        serde_json::json!({ "pattern": format!("^({})?$", municipality_codes()) }),
    )]
}

/// What the parameter parsers accept, as JSON Schema constraints on each
/// parameter's schema (by name): the document states the same rules the
/// parsers enforce. For a repeatable parameter the constraint is its items'.
/// An empty query value means "absent" (`http::query`), so optional query
/// patterns admit the empty string too.
pub fn parameter_constraints() -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    let levels = "(universal|selective|indicated)";
    let groups = "(municipality|programme|year|quarter|prevention_level)";
    vec![
        (
            "municipality",
            json!({ "pattern": list_of(&municipality_codes()) }),
        ),
        ("programme", json!({ "pattern": list_of(SLUG) })),
        (
            "slug",
            json!({ "pattern": format!("^{SLUG}$"), "maxLength": MAX_SLUG }),
        ),
        (
            "county",
            json!({ "pattern": format!("^({})?$", county_codes()) }),
        ),
        ("language", json!({ "pattern": "^([a-z]{2})?$" })),
        ("child_age", json!({ "minimum": 0, "maximum": 18 })),
        (
            "year",
            json!({ "minimum": DATE_YEARS.start(), "maximum": DATE_YEARS.end() }),
        ),
        ("group_by", json!({ "pattern": list_of(groups) })),
        ("prevention_level", json!({ "pattern": list_of(levels) })),
        // Reach is kept per quarter: a date must be a quarter's first day (from)
        // or last day (to).
        (
            "from",
            json!({ "pattern": format!("^({YEAR}(-[Qq][1-4]|-(01-01|04-01|07-01|10-01))?)?$") }),
        ),
        (
            "to",
            json!({ "pattern": format!("^({YEAR}(-[Qq][1-4]|-(03-31|06-30|09-30|12-31))?)?$") }),
        ),
        (
            "id",
            json!({ "pattern": "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$" }),
        ),
        // Printable: no control characters (C0, DEL, C1), as `external_id_param` checks.
        (
            "external_id",
            json!({ "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]{1,128}$" }),
        ),
        // 1–255 printable ASCII characters, as `store::idempotency` checks,
        // starting with a visible one. HTTP drops a field value's
        // surrounding spaces and tabs before the server sees it, so trailing
        // ones may pad the key; leading ones are left out, as HTTP client
        // libraries refuse to send them.
        (
            "Idempotency-Key",
            json!({ "pattern": "^[!-~]([ -~]*[!-~])?[ \\t]*$" }),
        ),
    ]
}

/// The reference data's municipality codes (static: SCB's 290, loaded by
/// the migrations from the same file) as one regular-expression alternation,
/// grouped by county: `(01(14|15|…)|03(05|…)|…)`. A filter naming a code
/// outside it is refused (400), so the document states the set.
pub fn municipality_codes() -> String {
    let mut by_county: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for line in migration::reference_data::MUNICIPALITIES_CSV
        .lines()
        .skip(1)
    {
        if let Some(code) = line.split(',').next().filter(|c| c.len() == 4) {
            by_county.entry(&code[..2]).or_default().push(&code[2..]);
        }
    }
    let groups: Vec<String> = by_county
        .iter()
        .map(|(county, rest)| format!("{county}({})", rest.join("|")))
        .collect();
    format!("({})", groups.join("|"))
}

/// The reference data's county codes (SCB's 21) as an alternation.
pub fn county_codes() -> String {
    let mut codes: Vec<&str> = migration::reference_data::MUNICIPALITIES_CSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').nth(2))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    format!("({})", codes.join("|"))
}

/// A text field as `FieldReader::text` accepts it: not blank, no control
/// characters (C0, DEL, C1), at most `max` characters.
fn text(max: usize) -> serde_json::Value {
    const OK: &str = "[^\\u0000-\\u001F\\u007F-\\u009F]";
    const NOT_BLANK: &str = "[^\\s\\u0000-\\u001F\\u007F-\\u009F]";
    serde_json::json!({ "type": "string", "minLength": 1, "maxLength": max, "pattern": format!("^{OK}*{NOT_BLANK}{OK}*$") })
}

/// `HH:MM`, as `details::meetings::parse_time` accepts it.
const TIME_OF_DAY: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// A count as `FieldReader::count` accepts it.
fn count() -> serde_json::Value {
    serde_json::json!({ "minimum": 0, "maximum": i32::MAX })
}

/// What the body validators accept, as JSON Schema constraints on the write
/// schemas' properties (schema, property, constraints): the document states
/// every rule a schema can state. Rules across fields (dates in order, parts
/// at most the total), against stored data (the mass-delete guard) or against
/// the programme catalogue (which changes) are stated in words instead.
pub fn body_constraints() -> Vec<(&'static str, &'static str, serde_json::Value)> {
    use serde_json::json;
    let url =
        json!({ "maxLength": MAX_URL, "pattern": "^https?://[^\\u0000-\\u001F\\u007F-\\u009F]*$" });
    let mut out = vec![
        (
            "SessionWrite",
            "external_id",
            json!({ "minLength": 1, "maxLength": MAX_EXTERNAL_ID, "pattern": "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$" }),
        ),
        (
            "SessionWrite",
            "programme",
            json!({ "maxLength": MAX_SLUG, "pattern": format!("^{SLUG}$") }),
        ),
        ("SessionWrite", "provider", text(MAX_TEXT)),
        ("SessionWrite", "area", text(MAX_TEXT)),
        (
            "SessionWrite",
            "languages",
            json!({ "maxItems": MAX_LANGUAGES, "uniqueItems": true, "items": { "type": "string", "pattern": "^[a-z]{2}$" } }),
        ),
        (
            "SessionWrite",
            "co_hosts",
            json!({ "maxItems": MAX_CO_HOSTS, "uniqueItems": true, "items": { "type": "string", "pattern": format!("^{}$", municipality_codes()) } }),
        ),
        ("PopulationWrite", "source", text(MAX_SOURCE_CHARS)),
        ("PopulationWrite", "total", count()),
        ("PopulationWrite", "children", count()),
        (
            "PopulationWrite",
            "children_age_from",
            json!({ "minimum": 0, "maximum": MAX_CHILD_AGE }),
        ),
        (
            "PopulationWrite",
            "children_age_to",
            json!({ "minimum": 0, "maximum": MAX_CHILD_AGE }),
        ),
        (
            "ProgrammeWrite",
            "age_min",
            json!({ "minimum": 0, "maximum": MAX_PROGRAMME_AGE }),
        ),
        (
            "ProgrammeWrite",
            "age_max",
            json!({ "minimum": 0, "maximum": MAX_PROGRAMME_AGE }),
        ),
        ("ProgrammeWrite", "typical_meetings", count()),
        ("ProgrammeWrite", "website", url),
        ("ProgrammeWrite", "owner", text(MAX_TEXT)),
        // The name is a `LocalizedText` of at most `MAX_TEXT` characters a
        // language (a description may have `MAX_DESCRIPTION`): stated
        // inline, as its own shape.
        (
            "ProgrammeWrite",
            "name",
            json!({ "type": "object", "required": ["sv", "en"], "additionalProperties": false,
                    "properties": { "sv": text(MAX_TEXT), "en": text(MAX_TEXT) } }),
        ),
        ("LocalizedText", "sv", text(MAX_DESCRIPTION)),
        ("LocalizedText", "en", text(MAX_DESCRIPTION)),
        (
            "ProgrammeWrite",
            "formats",
            json!({ "minItems": 1, "uniqueItems": true }),
        ),
        (
            "ProgrammeWrite",
            "prevention_levels",
            json!({ "minItems": 1, "uniqueItems": true }),
        ),
        ("EvidenceWrite", "summary", text(MAX_SUMMARY)),
        (
            "EvidenceWrite",
            "sources",
            json!({ "maxItems": MAX_SOURCES, "uniqueItems": true,
                    "items": { "type": "string", "maxLength": MAX_URL, "pattern": "^https?://[^\\s\\u0000-\\u001F\\u007F-\\u009F]*$" } }),
        ),
        ("SessionWrite", "places_left", count()),
        (
            "Schedule",
            "dates",
            json!({ "minItems": 1, "maxItems": MAX_MEETING_DATES, "uniqueItems": true }),
        ),
        (
            "Schedule",
            "except_dates",
            json!({ "minItems": 1, "maxItems": MAX_EXCEPT_DATES, "uniqueItems": true }),
        ),
        ("Schedule", "start_time", json!({ "pattern": TIME_OF_DAY })),
        ("Schedule", "end_time", json!({ "pattern": TIME_OF_DAY })),
        ("Schedule", "note", text(MAX_NOTE)),
        ("Venue", "name", text(MAX_TEXT)),
        ("Venue", "street_address", text(MAX_TEXT)),
        (
            "Venue",
            "postal_code",
            json!({ "pattern": "^[0-9]{3} ?[0-9]{2}$" }),
        ),
        ("Venue", "town", text(MAX_TOWN)),
        (
            "Venue",
            "latitude",
            json!({ "minimum": LATITUDE.0, "maximum": LATITUDE.1 }),
        ),
        (
            "Venue",
            "longitude",
            json!({ "minimum": LONGITUDE.0, "maximum": LONGITUDE.1 }),
        ),
        (
            "Registration",
            "url",
            json!({ "minLength": 1, "maxLength": MAX_URL, "pattern": "^https?://[^\\s\\u0000-\\u001F\\u007F-\\u009F]*$" }),
        ),
        (
            "Registration",
            "email",
            json!({ "maxLength": MAX_EMAIL, "pattern": "^[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+@[^@.\\s\\u0000-\\u001F\\u007F-\\u009F]+\\.[^@\\s\\u0000-\\u001F\\u007F-\\u009F]+$" }),
        ),
        (
            "Registration",
            "phone",
            json!({ "minLength": PHONE_CHARS.start(), "maxLength": PHONE_CHARS.end(), "pattern": "^\\+?[0-9]([0-9 ()-]*[0-9])?$" }),
        ),
        ("Registration", "instructions", text(MAX_NOTE)),
        (
            "Cost",
            "amount_sek",
            json!({ "minimum": 1, "maximum": MAX_FEE_SEK }),
        ),
        ("Cost", "note", text(MAX_NOTE)),
        ("Accessibility", "note", text(MAX_NOTE)),
    ];
    // Unknown fields are rejected, not dropped.
    for schema in [
        "Schedule",
        "Venue",
        "Registration",
        "Cost",
        "Accessibility",
        "SessionWrite",
        "SessionBatch",
        "BatchScope",
        "PopulationWrite",
        "ProgrammeWrite",
        "EvidenceWrite",
        "LocalizedText",
    ] {
        out.push((schema, "", json!({ "additionalProperties": false })));
    }
    for field in [
        "meetings",
        "capacity",
        "enrolled",
        "completed",
        "women",
        "men",
        "vulnerable_area",
        "satisfaction_respondents",
        "satisfied",
    ] {
        out.push(("SessionWrite", field, count()));
    }
    out
}
