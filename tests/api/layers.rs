//! The layering rule, checked over the source tree: imports point down.
//! `store` (persistence) knows nothing of HTTP or resources; `http` (what every
//! operation shares) knows no resource; nothing below `tools` uses the CLI.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Every `crate::<module>` a layer's code names, outside comments, with where.
fn imports_of(layer: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("api/src")
        .join(layer);
    let mut found = Vec::new();
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).expect("read source file");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for (i, _) in code.match_indices("crate::") {
                let module: String = code[i + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let at = format!("{}:{}", file.display(), n + 1);
                found.push((module, at));
            }
        }
    }
    found
}

fn assert_layer_avoids(layer: &str, forbidden: &[&str]) {
    let offending: Vec<String> = imports_of(layer)
        .into_iter()
        .filter(|(module, _)| forbidden.contains(&module.as_str()))
        .map(|(module, at)| format!("{at} imports crate::{module}"))
        .collect();
    assert!(
        offending.is_empty(),
        "{layer}/ must not import {forbidden:?}:\n{}",
        offending.join("\n")
    );
}

#[test]
fn the_store_imports_neither_http_nor_resources() {
    assert_layer_avoids("store", &["http", "resources", "tools", "state", "app"]);
}

#[test]
fn http_imports_no_resource() {
    assert_layer_avoids("http", &["resources", "tools", "state", "app"]);
}

#[test]
fn resources_do_not_reach_up_into_tools_or_the_assembly() {
    assert_layer_avoids("resources", &["tools", "app"]);
}

#[test]
fn the_layer_check_sees_imports() {
    // Guards the check itself: a scan that found nothing would pass vacuously.
    let store = imports_of("store");
    assert!(store.iter().any(|(m, _)| m == "error"), "{store:?}");
    let resources = imports_of("resources");
    assert!(resources.iter().any(|(m, _)| m == "http"));
    assert!(resources.iter().any(|(m, _)| m == "store"));
}
