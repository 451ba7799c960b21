//! The interactive docs (`/docs`): the Swagger UI that poem-openapi ships,
//! served as a small page that loads `/openapi.json` and two assets.
//!
//! poem-openapi's own page inlines the 1.45 MB script, the 150 KB style and
//! the whole document: 1.88 MB on every visit, compressed afresh each time,
//! and fetched again whenever the document changed. Here the script and the
//! style are files named by their content's hash, kept for a year by the
//! browser (`immutable`) and stored gzipped once per process, so a visit
//! costs the page (under 1 KB) and a revalidation of the document. With no
//! inline script left, the page's CSP admits this origin's scripts alone.

use std::io::Write;
use std::sync::OnceLock;

use flate2::write::GzEncoder;
use sha2::Digest;

use super::Served;

/// Cache-Control of a file whose name changes with its content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Where the assets are served; `/docs/assets/{name}`.
pub const ASSETS: &str = "/docs/assets/";

pub struct Docs {
    pub page: Served,
    assets: Vec<(String, Served)>,
}

impl Docs {
    /// The asset of this file name (`swagger-ui.{hash}.js` and the like).
    pub fn asset(&self, name: &str) -> Option<&Served> {
        self.assets.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    pub fn asset_names(&self) -> impl Iterator<Item = &str> {
        self.assets.iter().map(|(n, _)| n.as_str())
    }
}

/// The docs, built on first use from `swagger_html` (poem-openapi's page,
/// whose script and style are the same whatever document it embeds) and
/// kept for the process: gzipping the bundle takes a tenth of a second.
pub fn docs(swagger_html: impl FnOnce() -> String) -> &'static Docs {
    static DOCS: OnceLock<Docs> = OnceLock::new();
    DOCS.get_or_init(|| build(&swagger_html()))
}

fn build(swagger_html: &str) -> Docs {
    let style = between(swagger_html, "<style charset=\"UTF-8\">", "</style>");
    let script = between(swagger_html, "<script charset=\"UTF-8\">", "</script>");
    let (style_name, style) = asset("swagger-ui", "css", style, "text/css; charset=utf-8");
    let (script_name, script) = asset("swagger-ui", "js", script, "text/javascript; charset=utf-8");
    let (init_name, init) = asset("docs", "js", INIT, "text/javascript; charset=utf-8");
    let page = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Föräldraskapsstöd open-data API — interactive documentation</title>
<link rel="stylesheet" href="{ASSETS}{style_name}">
<script src="{ASSETS}{script_name}" defer></script>
<script src="{ASSETS}{init_name}" defer></script>
</head>
<body>
<noscript><p>The interactive documentation needs JavaScript. The contract itself is at <a href="/openapi.json">/openapi.json</a> (and <a href="/openapi.yaml">/openapi.yaml</a>).</p></noscript>
<div id="ui"></div>
</body>
</html>
"#
    );
    Docs {
        page: Served::new(page, "text/html; charset=utf-8"),
        assets: vec![
            (style_name, style),
            (script_name, script),
            (init_name, init),
        ],
    }
}

/// Starts Swagger UI on the document this origin serves (relative, so it
/// follows the page wherever it is deployed).
const INIT: &str = r##"window.addEventListener("DOMContentLoaded", function () {
  SwaggerUIBundle({ dom_id: "#ui", url: "/openapi.json", deepLinking: true, filter: false });
});
"##;

/// The text between the first `open` and the `close` after it. The bundle
/// poem-openapi ships is inlined in its page, so it cannot contain `close`
/// (a browser would end the block there too).
fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html
        .find(open)
        .map(|i| i + open.len())
        .expect("poem-openapi's Swagger UI page inlines its assets");
    let len = html[start..]
        .find(close)
        .expect("an inline block is closed");
    &html[start..start + len]
}

/// `{stem}.{hash}.{ext}` and the file, stored as is and gzipped.
fn asset(stem: &str, ext: &str, body: &str, content_type: &'static str) -> (String, Served) {
    let digest = sha2::Sha256::digest(body.as_bytes());
    let name = format!("{stem}.{}.{ext}", hex::encode(&digest[..8]));
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(body.as_bytes()).expect("writing to memory");
    let gzipped = gz.finish().expect("writing to memory");
    let served = Served::new(body.to_owned(), content_type)
        .cached(IMMUTABLE)
        .with_gzip(gzipped);
    (name, served)
}
