//! When the database goes away or drops a connection: reads asked again, the
//! cache answering while it is down, a 503 that says retry for the rest,
//! connections it closed replaced before they serve a request, and no
//! request that needs two connections at once (a pool of one serves every
//! route).

use std::time::Duration;

use serde_json::json;

use crate::helpers::fixtures::session_json;
use crate::helpers::{assert_problem, test_settings, Settings, TestApp};
use crate::operations::batch;

/// Reads that keep every pool connection busy a moment before a cut, so
/// that none is checked before its next use.
const BUSY_READS: [&str; 6] = [
    "/v1/sessions",
    "/v1/programmes",
    "/v1/municipalities",
    "/v1/reach",
    "/v1/indicators?county=19",
    "/v1/api-info",
];

/// When PostgreSQL drops every connection (a restart, a failover, an
/// operator's `pg_terminate_backend`), no answer is a 500: a write cut off
/// answers 503 with `Retry-After`, and its retry with the same
/// `Idempotency-Key` applies it exactly once; every read is asked again on a
/// fresh connection and answers 200. (On SQLite there is no connection to
/// lose; tests/ops/db_faults.sh locks its file instead.)
#[tokio::test]
async fn a_lost_database_connection_is_never_a_500() {
    // One connection, so the write below takes the one that was cut.
    let settings = Settings {
        response_cache_bytes: 0,
        ..test_settings()
    };
    let app = TestApp::with_settings_and_connections(settings, Some(1)).await;
    let key = app.key(Some("1980")).await;
    let busy = async || {
        let all = futures_util::future::join_all(BUSY_READS.map(|r| app.get(r))).await;
        assert!(all.iter().all(|r| r.status == 200));
    };

    // Reads: each is asked again on a fresh connection.
    busy().await;
    let Some(cut) = app.cut_connections().await else {
        return;
    };
    assert!(cut >= 1, "the pool held connections");
    let answers = futures_util::future::join_all(BUSY_READS.map(|r| app.get(r))).await;
    for (uri, reply) in BUSY_READS.iter().zip(&answers) {
        assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
    }

    // A write: once the pool has stopped checking every connection.
    tokio::time::sleep(api::store::db::CHECK_ALL_FOR + Duration::from_millis(200)).await;
    busy().await;
    app.cut_connections().await;
    let body = session_json("CUT-1", "2025-03-01");
    let first = app
        .put_session_idempotent(&key, "1980", "CUT-1", "cut-1", &body)
        .await;
    // A connection found dead marks every connection of the process suspect
    // for `CHECK_ALL_FOR` (`store::db::suspect_connections`: one pool per
    // server). When another test of this binary has just done so, the pool
    // checks and replaces the cut connection before the write: no 503 to see,
    // and the write applied. Either way: never a 500, applied exactly once.
    let applied = if first.status == 201 {
        first
    } else {
        let problem = assert_problem(&first, 503, "/v1/municipalities/1980/sessions/CUT-1");
        assert!(problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/problems/database-unavailable"));
        assert_eq!(first.header("retry-after"), Some("2"));
        let retried = app
            .put_session_idempotent(&key, "1980", "CUT-1", "cut-1", &body)
            .await;
        assert_eq!(retried.status, 201, "{}", retried.text());
        retried
    };
    let again = app
        .put_session_idempotent(&key, "1980", "CUT-1", "cut-1", &body)
        .await;
    assert_eq!(again.status, 201, "replayed");
    assert_eq!(again.json()["id"], applied.json()["id"]);
    let feed = app
        .changes(None, Some("session"), Some(100))
        .await
        .ok_json();
    assert_eq!(
        feed["changes"].as_array().map(Vec::len),
        Some(1),
        "applied once"
    );
}

/// While the database is down, what the cache holds is still answered, an
/// uncached read is a 503 with `Retry-After` (soon, not after the pool's
/// 30 s), readiness says 503; once it is back, everything answers again
/// without a restart. (PostgreSQL only: the database refuses connections.)
#[tokio::test]
async fn while_the_database_is_down_the_cache_answers_and_the_rest_is_a_503() {
    let app = TestApp::with_settings(test_settings()).await;
    let cached = app.get("/v1/programmes").await;
    assert_eq!(cached.status, 200);
    if !app.database_up(false).await {
        return;
    }
    let started = std::time::Instant::now();
    let hit = app.get("/v1/programmes").await;
    assert_eq!(hit.status, 200);
    assert_eq!(hit.body, cached.body);
    assert_eq!(
        hit.header("cache-status"),
        Some("foraldraskapsstod; hit; detail=database-away")
    );
    let uncached = app.get("/v1/municipalities/1980").await;
    assert_problem(&uncached, 503, "/v1/municipalities/1980");
    assert_eq!(uncached.header("retry-after"), Some("2"));
    assert_eq!(app.get("/health/ready").await.status, 503);
    // No storm of reconnects: once the outage is confirmed, the reads after
    // it rest (answered at once) instead of each trying the database.
    for code in ["1981", "1982", "1983", "1984", "1980"] {
        for _ in 0..6 {
            let read = app.get(&format!("/v1/municipalities/{code}")).await;
            assert_eq!(read.status, 503);
            assert_eq!(read.header("retry-after"), Some("2"));
        }
    }
    let rested = backoff(&app, "rested").await;
    assert!(rested >= 20, "only {rested} of 30 reads rested");
    assert!(backoff(&app, "opened").await >= 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered in {:?}",
        started.elapsed()
    );

    assert!(app.database_up(true).await);
    let back = std::time::Instant::now();
    loop {
        let ready = app.get("/health/ready").await.status;
        let read = app.get("/v1/municipalities/1980").await.status;
        if ready == 200 && read == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(2), "{ready} {read}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A `database_backoff_total` counter from `/metrics`.
async fn backoff(app: &TestApp, event: &str) -> u64 {
    let text = app.get("/metrics").await.text();
    let line = format!("database_backoff_total{{event=\"{event}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(line.as_str()))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// PostgreSQL closes a connection when it restarts, or an idle timeout on the
/// way does: one that has been idle is checked before it is handed out and
/// replaced, so the request it would have served is answered. (SQLite's
/// connections are the server's own.)
#[tokio::test]
async fn a_connection_the_database_closed_is_replaced_before_it_serves_a_request() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    let app = TestApp::new().await;
    let backend = app.db.get_database_backend();
    if backend != DbBackend::Postgres {
        return;
    }
    // Four connections open in the pool...
    let mut open = Vec::new();
    for _ in 0..4 {
        let txn = app.db.begin().await.expect("begin");
        txn.execute(Statement::from_string(backend, "SELECT 1"))
            .await
            .expect("select");
        open.push(txn);
    }
    for txn in open {
        txn.commit().await.expect("commit");
    }
    // ...three of them closed by the server, as a restart closes them all.
    let closed = app
        .db
        .query_one(Statement::from_string(
            backend,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .expect("terminate")
        .expect("a row");
    assert!(closed.try_get_by_index::<i64>(0).expect("count") >= 3);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for limit in 1..=8 {
        // A new query each (a cached answer would need no connection).
        let uri = format!("/v1/municipalities?limit={limit}");
        let reply = app.get(&uri).await;
        assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
    }
}

/// Every route takes at most one connection at a time, so a pool of any size
/// serves them all: a request holding a transaction while it waits for a second
/// connection would stall here, behind the pool's only one, until the pool
/// gave up (30 s) and the request failed.
#[tokio::test]
async fn a_pool_of_one_connection_serves_every_kind_of_read_and_write_at_once() {
    let app = TestApp::with_connections(1).await;
    let key = app.key(Some("1980")).await;
    let admin = app.key(None).await;
    app.post_batch(&key, "1980", &batch(20))
        .await
        .assert_status_is_ok();
    let mut replace = batch(15);
    replace["mode"] = json!("replace");
    let population = json!({"total": 161_000, "source": "SCB, test"});
    let programme = json!({"name": {"sv": "Ny metod", "en": "New method"}});
    let one = session_json("S-one", "2025-04-01");
    let writes = async {
        [
            app.put_session(Some(&key), "1980", "S-one", &one).await,
            app.post_batch(&key, "1980", &replace).await,
            app.delete_session(&key, "1980", "S-3").await,
            app.put_population(Some(&admin), "1980", "2025", &population)
                .await,
            app.put_programme(&admin, "ny-metod", &programme).await,
        ]
        .map(|reply| reply.status.as_u16())
    };
    let reads = async {
        let mut statuses = Vec::new();
        for uri in [
            "/v1/sessions?municipality=1980",
            "/v1/municipalities/1980",
            "/v1/municipalities/1980/population",
            "/v1/programmes",
            "/v1/reach?group_by=municipality,year",
            "/v1/indicators?year=2025",
            "/v1/changes",
            "/",
        ] {
            statuses.push((uri, app.get(uri).await.status.as_u16()));
        }
        statuses
    };
    let (writes, reads) = tokio::time::timeout(Duration::from_secs(20), async {
        tokio::join!(writes, reads)
    })
    .await
    .expect("a request waited for a second connection");
    assert_eq!(writes, [201, 200, 204, 201, 201]);
    for (uri, status) in reads {
        assert_eq!(status, 200, "{uri}");
    }
    app.audit(Some(&admin), "", &[]).await.assert_status_is_ok();
}
