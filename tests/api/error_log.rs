//! A server error keeps its cause and the step that failed, and is logged
//! once, as its response is made (issue 28).

use std::io::Write;
use std::sync::{Arc, Mutex};

use sea_orm::ConnectionTrait;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::util::SubscriberInitExt;

use crate::helpers::TestApp;

/// Log lines written while it is the thread's subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// The log lines written on this thread until the guard is dropped.
fn capturing() -> (Captured, impl Drop) {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(LevelFilter::INFO)
        .finish();
    (log, subscriber.set_default())
}

/// The log's "internal error" lines, asserting there is exactly one.
#[track_caller]
fn internal_errors(log: &Captured) -> Vec<String> {
    let errors: Vec<String> = log
        .lines()
        .into_iter()
        .filter(|l| l.contains("internal error"))
        .collect();
    assert_eq!(errors.len(), 1, "logged once: {errors:#?}");
    errors
}

#[tokio::test]
async fn a_database_failure_is_logged_once_with_its_step_and_cause() {
    let app = TestApp::new().await;
    // The table a read needs is gone: the database answers with an error.
    app.db
        .execute_unprepared("DROP TABLE sessions")
        .await
        .expect("drop the table");
    let (log, guard) = capturing();
    let reply = app.get("/v1/sessions?limit=5").await;
    drop(guard);

    assert_eq!(reply.status, 500);
    let body = reply.text();
    for cause in ["table", "relation", "exist"] {
        assert!(!body.contains(cause), "the cause is never sent: {body}");
    }
    let errors = internal_errors(&log);
    assert!(
        errors[0].contains("step=\"read a page of sessions\""),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("sessions"), "the cause: {}", errors[0]);
    assert!(errors[0].contains("status=500"), "{}", errors[0]);
}

/// A write that fails inside its transaction is logged with the step it was
/// taking, once, and nothing of it is kept.
#[tokio::test]
async fn a_failed_write_is_logged_with_the_step_it_was_taking() {
    let app = TestApp::new().await;
    let key = app.key(None).await;
    // Every accepted write records itself in the audit trail, in the same
    // transaction: without the table, the programme's write fails.
    app.db
        .execute_unprepared("DROP TABLE audit_log")
        .await
        .expect("drop the table");
    let body = serde_json::json!({"name": {"sv": "Ny metod", "en": "New method"}});
    let (log, guard) = capturing();
    let reply = app.put_programme(&key, "ny-metod", &body).await;
    drop(guard);

    assert_eq!(reply.status, 500, "{}", reply.text());
    let errors = internal_errors(&log);
    assert!(
        errors[0].contains("step=\"write the programme\""),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("audit_log"), "the cause: {}", errors[0]);
    assert_eq!(app.get("/v1/programmes/ny-metod").await.status, 404);
}

/// A database that cannot be reached is a 503 the client may retry, logged
/// once as a warning that names the problem type and the cause, never as an
/// "internal error" (what alerts on bugs watch).
#[tokio::test]
async fn an_unreachable_database_is_logged_as_unavailable_not_as_a_bug() {
    let app = TestApp::new().await;
    app.db.clone().close().await.expect("close the pool");
    let (log, guard) = capturing();
    let reply = app.get("/v1/sessions?limit=5").await;
    drop(guard);

    assert_eq!(reply.status, 503, "{}", reply.text());
    let lines = log.lines();
    assert!(
        !lines.iter().any(|l| l.contains("internal error")),
        "{lines:#?}"
    );
    let warned: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("unavailable\"") || l.contains(" unavailable "))
        .collect();
    assert_eq!(warned.len(), 1, "logged once: {lines:#?}");
    assert!(warned[0].contains("WARN"), "{}", warned[0]);
    assert!(warned[0].contains("database-unavailable"), "{}", warned[0]);
}
