//! The routed operations as the OpenAPI document states them: for a
//! concrete path, its methods (for a 405's `Allow`) and, per method, the
//! query parameters it declares (for refusing the rest). Read from the
//! document, so the two can never disagree with what is routed.

use std::collections::BTreeMap;

use serde_json::Value;

/// A path template (`/v1/sessions/{id}`): literal segments, and `None` for a parameter.
struct Template(Vec<Option<String>>);

impl Template {
    fn parse(path: &str) -> Self {
        Self(
            path.split('/')
                .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_owned()))
                .collect(),
        )
    }

    fn matches(&self, parts: &[&str]) -> bool {
        self.0.len() == parts.len()
            && self
                .0
                .iter()
                .zip(parts)
                .all(|(s, p)| s.as_deref().is_none_or(|lit| lit == *p))
    }

    fn literals(&self) -> usize {
        self.0.iter().filter(|s| s.is_some()).count()
    }
}

/// Every path of the document: its methods (upper case) and each method's
/// query parameters.
pub struct Operations(Vec<(Template, BTreeMap<String, Vec<String>>)>);

impl Operations {
    pub fn from_spec(spec_json: &str) -> Self {
        let spec: Value = serde_json::from_str(spec_json).unwrap_or_default();
        let mut out = Vec::new();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            let mut methods = BTreeMap::new();
            for (method, op) in item.as_object().into_iter().flatten() {
                let query: Vec<String> = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect();
                methods.insert(method.to_uppercase(), query);
            }
            out.push((Template::parse(path), methods));
        }
        // `/…/sessions/batch` before `/…/sessions/{external_id}`: the most
        // literal template names a path that several match.
        out.sort_by_key(|(t, _)| std::cmp::Reverse(t.literals()));
        Self(out)
    }

    fn for_path(&self, path: &str) -> Option<&BTreeMap<String, Vec<String>>> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(t, _)| t.matches(&parts))
            .map(|(_, methods)| methods)
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
    pub fn query_params(&self, method: &str, path: &str) -> Option<&[String]> {
        let methods = self.for_path(path)?;
        let method = if method == "HEAD" { "GET" } else { method };
        methods.get(method).map(Vec::as_slice)
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
        assert_eq!(
            ops.query_params("GET", "/v1/sessions"),
            Some(&["limit".to_owned()][..])
        );
        assert_eq!(
            ops.query_params("HEAD", "/v1/sessions"),
            Some(&["limit".to_owned()][..])
        );
        assert_eq!(ops.query_params("GET", "/v1/sessions/x"), Some(&[][..]));
        assert_eq!(ops.query_params("POST", "/v1/sessions"), None);
    }
}
