//! The routed operations as the OpenAPI document states them: for a
//! concrete path, its methods (for a 405's `Allow`) and, per method, the
//! query parameters it declares (for refusing the rest). Read from the
//! document, so the two can never disagree with what is routed.

use std::collections::BTreeMap;

use serde_json::Value;

/// A path template (`/v1/sessions/{id}`): literal segments, and `None` for
/// a parameter; and the segments as written.
struct Template(Vec<Option<String>>, Vec<String>);

impl Template {
    fn parse(path: &str) -> Self {
        Self(
            path.split('/')
                .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                .collect(),
            path.split('/').map(str::to_owned).collect(),
        )
    }

    /// Without allocating: this runs on every request under `/v1`.
    fn matches(&self, path: &str, segments: usize) -> bool {
        self.0.len() == segments
            && self
                .0
                .iter()
                .zip(path.split('/'))
                .all(|(s, p)| s.as_deref().is_none_or(|lit| lit == p))
    }

    fn literals(&self) -> usize {
        self.0.iter().filter(|s| s.is_some()).count()
    }
}

/// One operation's parameters: (name, where, schema).
type Parameters = Vec<(String, String, Value)>;

/// `schema` with a `$ref` (itself or its items') replaced by what it names,
/// so an enum's values can be read where a parameter uses it.
fn resolved(spec: &Value, schema: &Value) -> Value {
    let lookup = |s: &Value| -> Value {
        match s["$ref"].as_str().and_then(|r| r.strip_prefix("#/")) {
            Some(path) => spec
                .pointer(&format!("/{path}"))
                .cloned()
                .unwrap_or_else(|| s.clone()),
            None => s.clone(),
        }
    };
    let mut out = lookup(schema);
    if out.get("items").is_some() {
        out["items"] = lookup(&out["items"]);
    }
    out
}

/// Every path of the document: its methods (upper case) and each method's
/// parameters.
pub struct Operations(Vec<(Template, BTreeMap<String, Parameters>)>);

impl Operations {
    pub fn from_spec(spec_json: &str) -> Self {
        let spec: Value = serde_json::from_str(spec_json).unwrap_or_default();
        let mut out = Vec::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            let mut methods = BTreeMap::new();
            for (method, op) in item.as_object().into_iter().flatten() {
                let params: Parameters = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| {
                        let name = p["name"].as_str()?.to_owned();
                        let place = p["in"].as_str()?.to_owned();
                        Some((name, place, resolved(&spec, &p["schema"])))
                    })
                    .collect();
                methods.insert(method.to_uppercase(), params);
            }
            out.push((Template::parse(path), methods));
        }
        // `/…/sessions/batch` before `/…/sessions/{external_id}`: the most
        // literal template names a path that several match.
        out.sort_by_key(|(t, _)| std::cmp::Reverse(t.literals()));
        Self(out)
    }

    fn for_path(&self, path: &str) -> Option<&BTreeMap<String, Parameters>> {
        self.find(path).map(|(_, methods)| methods)
    }

    fn find(&self, path: &str) -> Option<&(Template, BTreeMap<String, Parameters>)> {
        let segments = path.split('/').count();
        self.0.iter().find(|(t, _)| t.matches(path, segments))
    }

    fn parameters(&self, method: &str, path: &str) -> Option<&Parameters> {
        let method = if method == "HEAD" { "GET" } else { method };
        self.for_path(path)?.get(method)
    }

    /// The methods routed at `path`, as an `Allow` header lists them (HEAD with GET).
    pub fn allowed(&self, path: &str) -> Option<String> {
        let methods = self.for_path(path)?;
        let mut names: Vec<&str> = methods.keys().map(String::as_str).collect();
        if methods.contains_key("GET") {
            names.push("HEAD");
        }
        Some(names.join(", "))
    }

    /// The query parameters the operation at `method` `path` declares; None
    /// when no operation is routed there (the router answers that).
    pub fn query_params(&self, method: &str, path: &str) -> Option<Vec<String>> {
        let params = self.parameters(method, path)?;
        Some(
            params
                .iter()
                .filter(|(_, place, _)| place == "query")
                .map(|(name, ..)| name.clone())
                .collect(),
        )
    }

    /// Whether every name in the raw `query` is one the operation declares,
    /// as written; None when no operation is routed there. Allocates
    /// nothing: it runs on every request under `/v1` with a query.
    pub fn declares_all(&self, method: &str, path: &str, query: &str) -> Option<bool> {
        let params = self.parameters(method, path)?;
        Some(
            query
                .split('&')
                .map(|pair| pair.split_once('=').map_or(pair, |(name, _)| name))
                .all(|name| {
                    params
                        .iter()
                        .any(|(n, place, _)| n == name && place == "query")
                }),
        )
    }

    /// A parameter's schema and where it is (`query`, `path`, `header`).
    pub fn parameter(&self, method: &str, path: &str, name: &str) -> Option<(&str, &Value)> {
        self.parameters(method, path)?
            .iter()
            .find(|(n, ..)| n == name)
            .map(|(_, place, schema)| (place.as_str(), schema))
    }

    /// The segment of `path` that the template's `{name}` stands for.
    pub fn path_value<'a>(&self, path: &'a str, name: &str) -> Option<&'a str> {
        let (template, _) = self.find(path)?;
        let wanted = format!("{{{name}}}");
        let index = template.1.iter().position(|s| s == &wanted)?;
        path.split('/').nth(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"{"paths": {
        "/v1/sessions/{id}": {"get": {"parameters": [{"in": "path", "name": "id"}]}},
        "/v1/sessions": {"get": {"parameters": [{"in": "query", "name": "limit"}, {"in": "header", "name": "If-None-Match"}]}},
        "/v1/municipalities/{code}/sessions/{external_id}": {"get": {}, "put": {}, "delete": {}},
        "/v1/municipalities/{code}/sessions/batch": {"post": {}}}}"#;

    #[test]
    fn templates_match_concrete_paths() {
        let ops = Operations::from_spec(SPEC);
        assert_eq!(
            ops.allowed("/v1/sessions/abc").as_deref(),
            Some("GET, HEAD")
        );
        assert_eq!(
            ops.allowed("/v1/municipalities/1980/sessions/X-1")
                .as_deref(),
            Some("DELETE, GET, PUT, HEAD")
        );
        assert_eq!(
            ops.allowed("/v1/municipalities/1980/sessions/batch")
                .as_deref(),
            Some("POST"),
            "the literal template wins"
        );
        assert_eq!(ops.allowed("/v1/nothing"), None);
    }

    #[test]
    fn only_query_parameters_are_declared_ones() {
        let ops = Operations::from_spec(SPEC);
        let limit = Some(vec!["limit".to_owned()]);
        assert_eq!(ops.query_params("GET", "/v1/sessions"), limit);
        assert_eq!(ops.query_params("HEAD", "/v1/sessions"), limit);
        assert_eq!(ops.query_params("GET", "/v1/sessions/x"), Some(vec![]));
        assert_eq!(ops.query_params("POST", "/v1/sessions"), None);
        assert_eq!(ops.path_value("/v1/sessions/abc", "id"), Some("abc"));
    }
}
