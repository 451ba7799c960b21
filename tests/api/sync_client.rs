//! The nightly client end to end: the real binary (`sync push`, `sync pull`)
//! against a real HTTP server on a loopback port.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::helpers::{cli, TestApp};

const EXAMPLE: &str = include_str!("../fixtures/sessions-example.csv");

fn work_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fst-sync-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn push_args(url: &str, key: &str, file: &Path, mode: &str) -> Vec<String> {
    [
        "sync",
        "push",
        "--url",
        url,
        "--key",
        key,
        "--municipality",
        "1980",
        "--file",
        file.to_str().unwrap(),
        "--mode",
        mode,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn pull_args(url: &str, dir: &Path) -> Vec<String> {
    let state = dir.join("state.json");
    let out = dir.join("changes.ndjson");
    [
        "sync",
        "pull",
        "--url",
        url,
        "--state",
        state.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--limit",
        "3",
    ]
    .map(str::to_owned)
    .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_push_then_pull_mirrors_the_municipality_export() {
    let app = TestApp::new().await;
    let url = app.serve().await;
    let key = app.key(Some("1980")).await;
    let dir = work_dir();
    let export = dir.join("sessions.csv");
    std::fs::write(&export, EXAMPLE).unwrap();

    let (ok, stdout, stderr) = cli(push_args(&url, &key, &export, "replace")).await;
    assert!(ok, "push failed: {stderr}");
    assert_eq!(
        stdout.trim(),
        "created 4, updated 0, unchanged 0, deleted 0"
    );
    let (ok, stdout, _) = cli(push_args(&url, &key, &export, "replace")).await;
    assert!(ok);
    assert_eq!(
        stdout.trim(),
        "created 4, updated 0, unchanged 0, deleted 0",
        "a re-run replays the same answer (same Idempotency-Key)"
    );

    // The details came flat (`schedule_weekday`, …) and are stored as objects.
    let komet = app.get("/v1/sessions?programme=komet").await.json()["data"][0].clone();
    assert_eq!(komet["schedule"]["weekday"], "monday");
    assert_eq!(komet["schedule"]["end_time"], "19:00");
    assert_eq!(komet["venue"]["name"], "Skultuna familjecentral");
    assert_eq!(komet["registration"]["phone"], "021-39 00 00");
    assert_eq!(komet["cost"]["free"], true);
    let icdp = app.get("/v1/sessions?programme=icdp").await.json()["data"][0].clone();
    assert_eq!(
        icdp["schedule"]["dates"],
        serde_json::json!(["2026-12-01", "2026-12-08"])
    );
    assert_eq!(icdp["places_left"], 13);

    let (ok, _, stderr) = cli(pull_args(&url, &dir)).await;
    assert!(ok, "pull failed: {stderr}");
    let first_pull = std::fs::read_to_string(dir.join("changes.ndjson")).unwrap();

    // Next night: one session gone, one changed.
    let mut lines: Vec<&str> = EXAMPLE.lines().collect();
    lines.remove(4);
    let changed = lines[1].replace(",12,10,8,4,5,9,8", ",13,10,8,5,5,9,8");
    lines[1] = &changed;
    std::fs::write(&export, lines.join("\n")).unwrap();
    let (ok, stdout, stderr) = cli(push_args(&url, &key, &export, "replace")).await;
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout.trim(),
        "created 0, updated 1, unchanged 2, deleted 1"
    );

    let (ok, stdout, _) = cli(pull_args(&url, &dir)).await;
    assert!(ok);
    assert!(
        stdout.starts_with("2 change(s)"),
        "only what changed since the saved cursor: {stdout}"
    );
    let all = std::fs::read_to_string(dir.join("changes.ndjson")).unwrap();
    assert!(all.starts_with(&first_pull), "pull appends");

    // Replaying every line reproduces the public sessions exactly.
    let mut state = std::collections::BTreeMap::new();
    for line in all.lines() {
        let c: Value = serde_json::from_str(line).unwrap();
        if c["type"] != "session" {
            continue;
        }
        match c["op"].as_str().unwrap() {
            "upsert" => state.insert(c["id"].as_str().unwrap().to_owned(), c["data"].clone()),
            _ => state.remove(c["id"].as_str().unwrap()),
        };
    }
    let page = app.get("/v1/sessions?limit=1000").await.json();
    let public: std::collections::BTreeMap<String, Value> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap().to_owned(), s.clone()))
        .collect();
    assert_eq!(state, public);
    assert_eq!(public.len(), 3);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_push_rejects_an_invalid_export_before_sending_anything() {
    let app = TestApp::new().await;
    let url = app.serve().await;
    let key = app.key(Some("1980")).await;
    let dir = work_dir();
    let export = dir.join("broken.csv");
    let broken = EXAMPLE
        .replace(
            "VAS-2025-002,trygghetscirkeln",
            "VAS-2025-002,no-such-programme",
        )
        .replace(",12,10,8,4,", ",12,13,8,4,");
    std::fs::write(&export, broken).unwrap();
    let (ok, _, stderr) = cli(push_args(&url, &key, &export, "upsert")).await;
    assert!(!ok, "an invalid export exits non-zero");
    assert!(
        stderr.contains("VAS-2025-001") && stderr.contains("completed"),
        "{stderr}"
    );
    assert!(stderr.contains("no-such-programme"), "{stderr}");
    let page = app.get("/v1/sessions").await.json();
    assert_eq!(
        page["data"].as_array().unwrap().len(),
        0,
        "nothing was sent"
    );

    let (ok, _, stderr) = cli(push_args(
        &url,
        "fst_wrongkey_00000000000000000000000000000000000",
        &dir.join("missing.csv"),
        "upsert",
    ))
    .await;
    assert!(!ok && stderr.contains("missing.csv"), "{stderr}");
    std::fs::write(&export, EXAMPLE).unwrap();
    let (ok, _, stderr) = cli(push_args(
        &url,
        "fst_wrongkey_00000000000000000000000000000000000",
        &export,
        "upsert",
    ))
    .await;
    assert!(
        !ok && stderr.contains("401"),
        "a rejected key exits non-zero: {stderr}"
    );
    std::fs::remove_dir_all(dir).ok();
}
