//! The audit trail: every accepted write leaves exactly one record in its own
//! transaction, refused and rolled-back writes leave none, and only an admin
//! key reads it (`GET /v1/audit`), never from a cache.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_problem, path_of, Reply, TestApp};

/// Every record, newest first, read through the API with `admin`.
async fn records(app: &TestApp, admin: &str) -> Vec<Value> {
    let reply = app.audit(Some(admin), "limit=1000", &[]).await;
    reply.ok_json()["data"].as_array().unwrap().clone()
}

fn batch(mode: &str, ids: &[&str]) -> Value {
    let sessions: Vec<Value> = ids.iter().map(|i| session_json(i, "2025-03-01")).collect();
    json!({ "mode": mode, "sessions": sessions })
}

/// Asserts that the write `reply` (expected `status`) added exactly one
/// record, and returns it.
#[track_caller]
fn only_new(before: &[Value], after: &[Value], reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(after.len(), before.len() + 1, "one new record: {after:?}");
    let newest = after[0].clone();
    assert_eq!(
        newest["request_id"].as_str(),
        reply.header("x-request-id"),
        "{newest}"
    );
    newest
}

fn counts(r: &Value) -> [i64; 4] {
    ["created", "updated", "unchanged", "deleted"].map(|k| r[k].as_i64().unwrap())
}

#[tokio::test]
async fn every_write_route_leaves_exactly_one_record_with_its_operation_key_and_counts() {
    let app = TestApp::new().await;
    let (admin_id, admin) = app.key_with_id(None).await;
    let (key_id, key) = app.key_with_id(Some("1980")).await;
    let (admin_id, key_id) = (admin_id.to_string(), key_id.to_string());
    let mut seen = records(&app, &admin).await;
    assert!(seen.is_empty(), "{seen:?}");

    let body = session_json("S-1", "2025-03-01");
    for (expected, status) in [([1, 0, 0, 0], 201), ([0, 0, 1, 0], 200)] {
        let reply = app.put_session(Some(&key), "1980", "S-1", &body).await;
        let now = records(&app, &admin).await;
        let r = only_new(&seen, &now, &reply, status);
        assert_eq!(
            (&r["operation"], &r["municipality_code"], &r["target"]),
            (&json!("put_session"), &json!("1980"), &json!("S-1"))
        );
        assert_eq!(
            (&r["api_key_id"], &r["actor"]),
            (&json!(key_id), &json!("key"))
        );
        assert_eq!(counts(&r), expected, "an unchanged write is recorded too");
        seen = now;
    }

    let reply = app.delete_session(&key, "1980", "S-1").await;
    let now = records(&app, &admin).await;
    let r = only_new(&seen, &now, &reply, 204);
    assert_eq!(
        (&r["operation"], &r["target"]),
        (&json!("delete_session"), &json!("S-1"))
    );
    assert_eq!(counts(&r), [0, 0, 0, 1]);
    seen = now;

    for (mode, ids) in [
        ("upsert", &["A", "B", "C"][..]),
        ("replace", &["A", "D"][..]),
    ] {
        let reply = app.post_batch(&key, "1980", &batch(mode, ids)).await;
        let now = records(&app, &admin).await;
        let r = only_new(&seen, &now, &reply, 200);
        assert_eq!(r["operation"], format!("batch_{mode}"));
        assert_eq!(
            (&r["municipality_code"], &r["target"]),
            (&json!("1980"), &Value::Null)
        );
        let answered = reply.json();
        let keys = ["created", "updated", "unchanged", "deleted"];
        assert_eq!(counts(&r), keys.map(|k| answered[k].as_i64().unwrap()));
        seen = now;
    }
    assert_eq!(counts(&seen[0]), [1, 0, 1, 2], "replace A, D over A, B, C");

    let programme = json!({"name": {"sv": "Ny metod", "en": "New method"}});
    let reply = app.put_programme(&admin, "ny-metod", &programme).await;
    let now = records(&app, &admin).await;
    let r = only_new(&seen, &now, &reply, 201);
    assert_eq!(
        (&r["operation"], &r["municipality_code"], &r["target"]),
        (&json!("put_programme"), &Value::Null, &json!("ny-metod"))
    );
    assert_eq!(
        (&r["api_key_id"], counts(&r)),
        (&json!(admin_id), [1, 0, 0, 0])
    );
    seen = now;

    let year = json!({"total": 161_000, "source": "SCB, test"});
    let reply = app
        .put_population(Some(&admin), "1980", "2025", &year)
        .await;
    let now = records(&app, &admin).await;
    let r = only_new(&seen, &now, &reply, 201);
    assert_eq!(
        (&r["operation"], &r["municipality_code"], &r["target"]),
        (&json!("put_population"), &json!("1980"), &json!("2025"))
    );
    assert_eq!(counts(&r), [1, 0, 0, 0]);
}

#[tokio::test]
async fn refused_and_rolled_back_writes_leave_no_record() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let key = app.key(Some("1980")).await;
    let other = app.key(Some("1983")).await;
    let ids: Vec<String> = (0..25).map(|i| format!("S-{i}")).collect();
    let all: Vec<&str> = ids.iter().map(String::as_str).collect();
    let seeded = app.post_batch(&key, "1980", &batch("upsert", &all)).await;
    assert_eq!(seeded.status, 200);
    let before = records(&app, &admin).await;
    assert_eq!(before.len(), 1);

    let mut bad = session_json("S-1", "2025-03-01");
    bad["completed"] = json!(99);
    let statuses = [
        (app.put_session(Some(&key), "1980", "S-1", &bad).await, 422),
        (app.put_session(None, "1980", "S-1", &bad).await, 401),
        (
            app.put_session(Some("fst_nonsense_key"), "1980", "S-1", &bad)
                .await,
            401,
        ),
        (
            app.put_session(Some(&other), "1980", "S-1", &bad).await,
            403,
        ),
        (app.delete_session(&other, "1980", "S-1").await, 403),
        (app.delete_session(&key, "1980", "no-such").await, 404),
        (
            app.put_programme(&key, "ny-metod", &json!({"name": {"sv": "x", "en": "x"}}))
                .await,
            403,
        ),
        // The mass-delete guard refuses inside the transaction: a rollback.
        (
            app.post_batch(&key, "1980", &batch("replace", &["S-1"]))
                .await,
            422,
        ),
    ];
    for (reply, status) in &statuses {
        assert_eq!(reply.status, *status, "{}: {}", reply.uri, reply.text());
    }
    assert_eq!(records(&app, &admin).await, before);
}

#[tokio::test]
async fn only_an_admin_key_reads_the_trail_and_nothing_caches_it() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let key = app.key(Some("1980")).await;
    assert_problem(&app.audit(None, "", &[]).await, 401, "/v1/audit");
    assert_problem(&app.audit(Some(&key), "", &[]).await, 403, "/v1/audit");

    let reply = app.audit(Some(&admin), "", &[]).await;
    reply.assert_status_is_ok();
    reply.assert_header("cache-control", "no-store");
    assert!(
        reply.header("etag").is_none(),
        "no validator to revalidate with"
    );
    // An unchanged write does not move the data version, yet it is a record.
    let body = session_json("S-1", "2025-03-01");
    for _ in 0..2 {
        app.put_session(Some(&key), "1980", "S-1", &body).await;
    }
    let again = app.audit(Some(&admin), "", &[("If-None-Match", "*")]).await;
    assert_eq!(again.ok_json()["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn filters_narrow_the_trail_and_paging_walks_it_without_gaps_or_repeats() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let (vasteras, sala) = (app.key(Some("1980")).await, app.key(Some("1981")).await);
    for i in 0..4 {
        let body = session_json(&format!("V-{i}"), "2025-03-01");
        app.put_session(Some(&vasteras), "1980", &format!("V-{i}"), &body)
            .await;
        let body = session_json(&format!("S-{i}"), "2025-03-01");
        app.put_session(Some(&sala), "1981", &format!("S-{i}"), &body)
            .await;
    }
    app.delete_session(&sala, "1981", "S-0").await;
    let all = records(&app, &admin).await;
    assert_eq!(all.len(), 9);
    let ids: Vec<i64> = all.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    let mut walked = Vec::new();
    let mut uri = "/v1/audit?limit=2".to_owned();
    let bearer = format!("Bearer {admin}");
    loop {
        let page = app
            .get_with(&uri, &[("Authorization", &bearer)])
            .await
            .ok_json();
        walked.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap()),
        );
        match page["next"].as_str() {
            Some(next) => uri = path_of(next),
            None => break,
        }
    }
    assert_eq!(walked, ids, "every record once, in order");

    let sala_only = app
        .audit(Some(&admin), "municipality=1981&limit=3", &[])
        .await;
    let page = sala_only.ok_json();
    let data = page["data"].as_array().unwrap();
    assert!(data.iter().all(|r| r["municipality_code"] == "1981"));
    let next = path_of(page["next"].as_str().expect("a second page"));
    assert!(
        next.contains("municipality=1981"),
        "filters survive into next: {next}"
    );
    let rest = app
        .get_with(&next, &[("Authorization", &bearer)])
        .await
        .ok_json();
    assert_eq!(data.len() + rest["data"].as_array().unwrap().len(), 5);

    let deletes = app
        .audit(Some(&admin), "operation=delete_session", &[])
        .await
        .ok_json();
    assert_eq!(deletes["data"].as_array().unwrap().len(), 1);
    let past = app
        .audit(Some(&admin), "since=2020-01-01T00:00:00Z", &[])
        .await
        .ok_json();
    assert_eq!(past["data"].as_array().unwrap().len(), 9);
    let future =
        (Utc::now() + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let later = app
        .audit(Some(&admin), &format!("since={future}"), &[])
        .await
        .ok_json();
    assert!(later["data"].as_array().unwrap().is_empty());

    for query in [
        "since=yesterday",
        "municipality=19",
        "municipality=9999",
        "operation=nap",
        "limit=0",
    ] {
        let reply = app.audit(Some(&admin), query, &[]).await;
        assert_problem(&reply, 400, "/v1/audit");
    }
    let cursor = path_of(page["next"].as_str().unwrap());
    let cursor = cursor.split("cursor=").nth(1).unwrap();
    let misused = app
        .audit(Some(&admin), &format!("cursor={cursor}"), &[])
        .await;
    assert_problem(&misused, 400, "/v1/audit");
}

#[tokio::test]
async fn the_trail_comes_as_csv_by_format_or_accept() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let key = app.key(Some("1980")).await;
    for id in ["A", "B", "C"] {
        app.put_session(Some(&key), "1980", id, &session_json(id, "2025-03-01"))
            .await;
    }
    for (query, headers) in [("format=csv", &[][..]), ("", &[("Accept", "text/csv")][..])] {
        let reply = app.audit(Some(&admin), query, headers).await;
        reply.assert_status_is_ok();
        assert!(
            reply.content_type().starts_with("text/csv"),
            "{}",
            reply.content_type()
        );
        reply.assert_header("cache-control", "no-store");
        let rows = reply.csv_rows();
        assert_eq!(rows[0][..3], ["id", "at", "actor"]);
        assert_eq!(rows.len(), 4, "{rows:?}");
        let targets: BTreeSet<&str> = rows[1..].iter().map(|r| r[6].as_str()).collect();
        assert_eq!(targets, BTreeSet::from(["A", "B", "C"]));
        assert!(rows[1..]
            .iter()
            .all(|r| r[5] == "put_session" && r[4] == "1980"));
    }
}

#[tokio::test]
async fn a_population_import_is_recorded_per_municipality_as_the_cli() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let dir = std::env::temp_dir().join(format!("fst-audit-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("population.csv");
    std::fs::write(
        &file,
        "code,year,population_total,source\n1980,2025,161000,SCB test\n\
         1980,2026,162000,SCB test\n1981,2025,23000,SCB test\n",
    )
    .unwrap();
    api::tools::population::import_file(&app.db, &file, None, true)
        .await
        .unwrap();
    assert!(
        records(&app, &admin).await.is_empty(),
        "a dry run records nothing"
    );
    api::tools::population::import_file(&app.db, &file, None, false)
        .await
        .unwrap();
    let rs = records(&app, &admin).await;
    assert_eq!(rs.len(), 2, "{rs:?}");
    for r in &rs {
        assert_eq!(
            (&r["operation"], &r["actor"]),
            (&json!("import_population"), &json!("cli"))
        );
        assert_eq!(
            (&r["api_key_id"], &r["request_id"]),
            (&Value::Null, &Value::Null)
        );
    }
    let by_code = |c: &str| {
        rs.iter()
            .find(|r| r["municipality_code"] == c)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (by_code("1980")["target"].clone(), counts(&by_code("1980"))),
        (json!("2025,2026"), [2, 0, 0, 0])
    );
    assert_eq!(counts(&by_code("1981")), [1, 0, 0, 0]);
}

#[tokio::test]
async fn pruning_deletes_exactly_the_records_older_than_the_retention() {
    let app = TestApp::new().await;
    let admin = app.key(None).await;
    let key = app.key(Some("1980")).await;
    for id in ["old", "older", "recent", "new"] {
        app.put_session(Some(&key), "1980", id, &session_json(id, "2025-03-01"))
            .await;
    }
    let now = Utc::now();
    for (target, age) in [("older", 500), ("old", 401), ("recent", 399)] {
        audit_log::Entity::update_many()
            .col_expr(
                audit_log::Column::At,
                sea_orm::sea_query::Expr::value(now - Duration::days(age)),
            )
            .filter(audit_log::Column::Target.eq(target))
            .exec(&app.db)
            .await
            .unwrap();
    }
    let kept_forever = api::store::audit::prune_expired(&app.db, 0, now)
        .await
        .unwrap();
    assert_eq!(kept_forever, 0, "a retention of 0 keeps everything");
    let deleted = api::store::audit::prune_expired(&app.db, 400, now)
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    let left: BTreeSet<String> = records(&app, &admin)
        .await
        .iter()
        .map(|r| r["target"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        left,
        BTreeSet::from(["recent".to_owned(), "new".to_owned()])
    );
}

#[tokio::test]
async fn keys_list_shows_when_each_key_was_last_used() {
    let app = TestApp::new().await;
    let (id, admin) = app.key_with_id(None).await;
    let (unused, _) = app.key_with_id(Some("1980")).await;
    let listed = api::store::keys::list_keys(&app.db).await.unwrap();
    assert!(listed.iter().all(|k| k.last_used_at.is_none()));

    app.audit(Some(&admin), "", &[]).await.assert_status_is_ok();
    let listed = api::store::keys::list_keys(&app.db).await.unwrap();
    let used = listed.iter().find(|k| k.id == id).unwrap();
    let first = used.last_used_at.expect("recorded on authentication");
    assert!(Utc::now() - first < Duration::minutes(1));
    let table = api::tools::audit::keys_table(&listed);
    assert!(table.lines().next().unwrap().contains("last used"));
    let line = table
        .lines()
        .find(|l| l.starts_with(&id.to_string()))
        .unwrap();
    assert!(
        line.contains(&first.format("%Y-%m-%dT%H:%M").to_string()),
        "{line}"
    );

    // Within the minute another use writes nothing.
    app.audit(Some(&admin), "", &[]).await.assert_status_is_ok();
    let listed = api::store::keys::list_keys(&app.db).await.unwrap();
    assert_eq!(
        listed.iter().find(|k| k.id == id).unwrap().last_used_at,
        Some(first)
    );
    let never = listed.iter().find(|k| k.id == unused).unwrap();
    assert!(never.last_used_at.is_none());
    assert!(table.contains(&format!("{unused}")));
}
