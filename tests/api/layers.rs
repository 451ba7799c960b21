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

/// The sibling modules a file names through `super::` (or its folder's full
/// path), outside comments: `super::wire::X`, `super::{wire, store}`.
fn siblings_named(code: &str, folder_path: &str, siblings: &[String]) -> Vec<String> {
    let mut named = Vec::new();
    for prefix in ["super::".to_owned(), format!("crate::{folder_path}::")] {
        for (i, _) in code.match_indices(prefix.as_str()) {
            let rest = &code[i + prefix.len()..];
            let list: Vec<&str> = match rest.strip_prefix('{') {
                Some(inner) => inner
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .collect(),
                None => vec![rest],
            };
            for item in list {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if siblings.contains(&name) {
                    named.push(name);
                }
            }
        }
    }
    named
}

/// A loop among the files of one folder (`a` imports `b`, which imports
/// `a`, however long the way round), for every folder of `api/src`.
fn import_loops(dir: &Path, path: &str, loops: &mut Vec<String>) {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read source dir") {
        let p = entry.expect("dir entry").path();
        if p.is_dir() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let inner = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}::{name}")
            };
            import_loops(&p, &inner, loops);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            if stem != "mod" && stem != "lib" {
                files.push((stem, p));
            }
        }
    }
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let edges: Vec<Vec<usize>> = files
        .iter()
        .enumerate()
        .map(|(own, (_, p))| {
            let text = std::fs::read_to_string(p).expect("read source file");
            let code: String = text
                .lines()
                .take_while(|l| !l.starts_with("#[cfg(test)]"))
                .map(|l| l.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            siblings_named(&code, path, &names)
                .iter()
                .filter_map(|n| names.iter().position(|m| m == n))
                // A file naming itself by its full path is no loop.
                .filter(|&i| i != own)
                .collect()
        })
        .collect();
    // Depth-first search; a node met again on the current path closes a loop.
    fn walk(
        at: usize,
        edges: &[Vec<usize>],
        path: &mut Vec<usize>,
        done: &mut [bool],
    ) -> Option<Vec<usize>> {
        if let Some(start) = path.iter().position(|&n| n == at) {
            return Some(path[start..].to_vec());
        }
        if done[at] {
            return None;
        }
        path.push(at);
        for &next in &edges[at] {
            if let Some(found) = walk(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done[at] = true;
        None
    }
    let mut done = vec![false; names.len()];
    for start in 0..names.len() {
        if let Some(cycle) = walk(start, &edges, &mut Vec::new(), &mut done) {
            let round: Vec<&str> = cycle.iter().map(|&i| names[i].as_str()).collect();
            loops.push(format!(
                "{}: {} -> {}",
                dir.display(),
                round.join(" -> "),
                round[0]
            ));
            break;
        }
    }
}

#[test]
fn no_folder_has_an_import_loop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("api/src");
    let mut loops = Vec::new();
    import_loops(&root, "", &mut loops);
    assert!(loops.is_empty(), "import loops:\n{}", loops.join("\n"));
}
