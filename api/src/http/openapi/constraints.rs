//! The rules the parsers and validators enforce, stated on the document's
//! parameters and write schemas, and dates in the standard `date` format.

use serde_json::{json, Value};

/// States each parameter's constraints (`vocab::constraints::parameter_constraints`) on
/// its schema, or on its items when it repeats, without overriding what an
/// operation already states. `/v1/indicators` offers only JSON and CSV.
pub(super) fn constrain_parameters(spec: &mut Value) {
    let rules = crate::vocab::constraints::parameter_constraints();
    let singles = crate::vocab::constraints::single_parameter_constraints();
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                continue;
            };
            for param in params.iter_mut() {
                let name = param["name"].as_str().unwrap_or_default().to_owned();
                // `name=` is read as absent (http::query).
                if param["in"] == "query" && param["required"] != true {
                    param["allowEmptyValue"] = json!(true);
                }
                if path == "/v1/indicators" && name == "format" {
                    param["schema"] = json!({ "type": "string", "enum": ["json", "csv"] });
                }
                let repeats = param["schema"]["type"] == "array";
                let single = (!repeats)
                    .then(|| singles.iter().find(|(n, _)| *n == name))
                    .flatten();
                let Some((_, rule)) = single.or_else(|| rules.iter().find(|(n, _)| *n == name))
                else {
                    continue;
                };
                let schema = &mut param["schema"];
                let target = if schema["type"] == "array" {
                    &mut schema["items"]
                } else {
                    schema
                };
                let applies = matches!(target["type"].as_str(), Some("string" | "integer"));
                if let (true, Some(target), Some(rule)) =
                    (applies, target.as_object_mut(), rule.as_object())
                {
                    for (key, value) in rule {
                        target.entry(key.clone()).or_insert_with(|| value.clone());
                    }
                }
            }
        }
    }
}

/// States the body validators' rules (`vocab::constraints::body_constraints`) on the
/// write schemas' properties, without overriding what the code states. An
/// object rule (with `properties`) replaces the property: it is a shape of its own.
pub(super) fn constrain_bodies(spec: &mut Value) {
    for (schema, property, rule) in crate::vocab::constraints::body_constraints() {
        let pointer = if property.is_empty() {
            format!("/components/schemas/{schema}")
        } else {
            format!("/components/schemas/{schema}/properties/{property}")
        };
        let Some(target) = spec.pointer_mut(&pointer) else {
            continue;
        };
        if rule.get("properties").is_some() {
            let description = target.get("description").cloned();
            *target = rule;
            if let Some(d) = description {
                target["description"] = d;
            }
            continue;
        }
        let Some(rule) = rule.as_object() else {
            continue;
        };
        for (key, value) in rule {
            match (key.as_str(), target.get_mut("items")) {
                ("items", Some(items)) => {
                    if let (Some(items), Some(value)) = (items.as_object_mut(), value.as_object()) {
                        for (k, v) in value {
                            items.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
                _ => {
                    if let Some(t) = target.as_object_mut() {
                        t.entry(key.clone()).or_insert_with(|| value.clone());
                    }
                }
            }
        }
    }
}

/// chrono's `NaiveDate` is a plain calendar date: the standard `date` format
/// (RFC 3339 full-date, `YYYY-MM-DD`), which generators and validators know.
pub(super) fn standard_date_formats(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("naive-date") {
                map.insert("format".into(), json!("date"));
                map.insert(
                    "pattern".into(),
                    json!(crate::vocab::constraints::date_pattern()),
                );
            }
            map.values_mut().for_each(standard_date_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(standard_date_formats),
        _ => {}
    }
}
