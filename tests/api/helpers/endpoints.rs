//! One method per endpoint the tests call, so the paths, the `Authorization`
//! header and the JSON bodies are spelled once.

use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::test::TestRequestBuilder;
use serde_json::Value;

use super::{Reply, TestApp};

type Request<'a> = TestRequestBuilder<'a, BoxEndpoint<'static, poem::Response>>;

fn session_uri(code: &str, external_id: &str) -> String {
    format!("/v1/municipalities/{code}/sessions/{external_id}")
}

fn with_key<'a>(request: Request<'a>, key: &str) -> Request<'a> {
    request.header("Authorization", format!("Bearer {key}"))
}

impl TestApp {
    async fn send(&self, uri: &str, request: Request<'_>) -> Reply {
        Reply::read(uri, request.send().await.0).await
    }

    /// Any method on any path, for what every route shares (405s, CORS preflight).
    pub async fn request(&self, method: Method, uri: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.client.request(method, uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(uri, request).await
    }

    /// Any method with a body of the test's making (a stream, a compressed body).
    pub async fn request_with_body(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: poem::Body,
    ) -> Reply {
        let mut request = self.client.request(method, uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(uri, request.body(body)).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request(Method::GET, uri, &[]).await
    }

    pub async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Reply {
        self.request(Method::GET, uri, headers).await
    }

    /// The value of a gauge or counter in `GET /metrics`, named with its
    /// labels if it has any (`name{label="value"}`).
    pub async fn metric(&self, name: &str) -> i64 {
        let text = self.get("/metrics").await.text();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {text}"))
    }

    /// `GET /v1/reach?{query}`.
    pub async fn reach(&self, query: &str) -> Reply {
        self.get(&with_query("/v1/reach", query)).await
    }

    /// `GET /v1/indicators?{query}`.
    pub async fn indicators(&self, query: &str) -> Reply {
        self.get(&with_query("/v1/indicators", query)).await
    }

    /// `GET /v1/changes`; a cursor is opaque, so it is URL-encoded here.
    pub async fn changes(
        &self,
        after: Option<&str>,
        kind: Option<&str>,
        limit: Option<u64>,
    ) -> Reply {
        let uri = "/v1/changes";
        let mut request = self.client.get(uri);
        if let Some(limit) = limit {
            request = request.query("limit", &limit);
        }
        if let Some(after) = after {
            request = request.query("after", &after);
        }
        if let Some(kind) = kind {
            request = request.query("type", &kind);
        }
        self.send(uri, request).await
    }

    /// `PUT /v1/municipalities/{code}/sessions/{external_id}`, with the key if given.
    pub async fn put_session(
        &self,
        key: Option<&str>,
        code: &str,
        external_id: &str,
        body: &Value,
    ) -> Reply {
        let uri = session_uri(code, external_id);
        let mut request = self.client.put(&uri).body_json(body);
        if let Some(key) = key {
            request = with_key(request, key);
        }
        self.send(&uri, request).await
    }

    /// The same PUT under an `Idempotency-Key`.
    pub async fn put_session_idempotent(
        &self,
        key: &str,
        code: &str,
        external_id: &str,
        idempotency_key: &str,
        body: &Value,
    ) -> Reply {
        let uri = session_uri(code, external_id);
        let request = self
            .client
            .put(&uri)
            .header("Idempotency-Key", idempotency_key)
            .body_json(body);
        self.send(&uri, with_key(request, key)).await
    }

    /// The same write with a body that need not be JSON.
    pub async fn put_session_raw(
        &self,
        key: &str,
        code: &str,
        external_id: &str,
        content_type: &str,
        body: &'static str,
    ) -> Reply {
        let uri = session_uri(code, external_id);
        let request = self.client.put(&uri).content_type(content_type).body(body);
        self.send(&uri, with_key(request, key)).await
    }

    /// `GET /v1/municipalities/{code}/sessions/{external_id}`: the owner's view.
    pub async fn get_own_session(&self, key: &str, code: &str, external_id: &str) -> Reply {
        let uri = session_uri(code, external_id);
        self.send(&uri, with_key(self.client.get(&uri), key)).await
    }

    /// `DELETE /v1/municipalities/{code}/sessions/{external_id}`.
    pub async fn delete_session(&self, key: &str, code: &str, external_id: &str) -> Reply {
        let uri = session_uri(code, external_id);
        self.send(&uri, with_key(self.client.delete(&uri), key))
            .await
    }

    /// `POST /v1/municipalities/{code}/sessions/batch`.
    pub async fn post_batch(&self, key: &str, code: &str, body: &Value) -> Reply {
        let uri = format!("/v1/municipalities/{code}/sessions/batch");
        let request = self.client.post(&uri).body_json(body);
        self.send(&uri, with_key(request, key)).await
    }

    /// The same batch under an `Idempotency-Key`.
    pub async fn post_batch_idempotent(
        &self,
        key: &str,
        code: &str,
        idempotency_key: &str,
        body: &Value,
    ) -> Reply {
        let uri = format!("/v1/municipalities/{code}/sessions/batch");
        let request = self
            .client
            .post(&uri)
            .header("Idempotency-Key", idempotency_key)
            .body_json(body);
        self.send(&uri, with_key(request, key)).await
    }

    /// The same batch with an `Idempotency-Key` of raw bytes (not text).
    pub async fn post_batch_with_raw_idempotency_key(
        &self,
        key: &str,
        code: &str,
        raw: &'static [u8],
        body: &Value,
    ) -> Reply {
        let uri = format!("/v1/municipalities/{code}/sessions/batch");
        let value = poem::http::HeaderValue::from_bytes(raw).expect("a header value");
        let request = self
            .client
            .post(&uri)
            .header("Idempotency-Key", value)
            .body_json(body);
        self.send(&uri, with_key(request, key)).await
    }

    /// `PUT /v1/programmes/{slug}`.
    pub async fn put_programme(&self, key: &str, slug: &str, body: &Value) -> Reply {
        let uri = format!("/v1/programmes/{slug}");
        let request = self.client.put(&uri).body_json(body);
        self.send(&uri, with_key(request, key)).await
    }

    /// `PUT /v1/municipalities/{code}/population/{year}`, with a key or without.
    pub async fn put_population(
        &self,
        key: Option<&str>,
        code: &str,
        year: &str,
        body: &Value,
    ) -> Reply {
        let uri = format!("/v1/municipalities/{code}/population/{year}");
        let mut request = self.client.put(&uri).body_json(body);
        if let Some(key) = key {
            request = with_key(request, key);
        }
        self.send(&uri, request).await
    }

    /// `GET /v1/audit?{query}`, with the key if given and any other headers.
    pub async fn audit(&self, key: Option<&str>, query: &str, headers: &[(&str, &str)]) -> Reply {
        let uri = with_query("/v1/audit", query);
        let mut request = self.client.get(&uri);
        if let Some(key) = key {
            request = with_key(request, key);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(&uri, request).await
    }

    /// The same write with a body that need not be JSON.
    pub async fn put_population_raw(
        &self,
        key: &str,
        code: &str,
        year: &str,
        body: &'static str,
    ) -> Reply {
        let uri = format!("/v1/municipalities/{code}/population/{year}");
        let request = self
            .client
            .put(&uri)
            .content_type("application/json")
            .body(body);
        self.send(&uri, with_key(request, key)).await
    }

    /// `GET /?{query}`: the public page, Swedish.
    pub async fn page(&self, query: &str) -> Reply {
        self.get(&with_query("/", query)).await
    }

    /// `GET /en/?{query}`: the public page, English.
    pub async fn page_en(&self, query: &str) -> Reply {
        self.get(&with_query("/en/", query)).await
    }

    /// `GET /v1/sessions.ics?{query}`.
    pub async fn sessions_calendar(&self, query: &str) -> Reply {
        self.get(&with_query("/v1/sessions.ics", query)).await
    }

    /// `GET /v1/sessions/{id}/calendar.ics`.
    pub async fn session_calendar(&self, id: &str) -> Reply {
        self.get(&format!("/v1/sessions/{id}/calendar.ics")).await
    }

    /// `GET /v1/catalog`.
    pub async fn catalog(&self) -> Reply {
        self.get("/v1/catalog").await
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}
