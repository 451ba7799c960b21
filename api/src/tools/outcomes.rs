//! `outcomes import FILE`: Kolada's API answers (v3 or v2 JSON) or a plain
//! CSV, written in one transaction, all or nothing
//! (`resources::outcomes::write::apply`). `outcomes fetch`
//! (`tools::outcomes_fetch`) writes what it downloads through the same path.

use std::path::Path;

use sea_orm::DatabaseConnection;

use super::outcomes_import::{self, Origin};
use super::population::ImportFailed;
use crate::error::ApiError;
use crate::resources::outcomes::write::{self, Complete, OutcomeSummary, Reading};
use crate::store::audit::Actor;

fn failed(what: &str, problems: Vec<String>) -> ImportFailed {
    ImportFailed {
        file: what.to_owned(),
        problems,
    }
}

/// A rejected write's problems, each naming where its value was read.
fn from_api(what: &str, e: ApiError) -> ImportFailed {
    let problems = if e.errors.is_empty() {
        vec![e.detail]
    } else {
        e.errors
            .into_iter()
            .map(|fe| match fe.pointer {
                Some(at) => format!("{at}: {}", fe.detail),
                None => fe.detail,
            })
            .collect()
    };
    failed(what, problems)
}

/// Reads `file` and writes what it holds (nothing with `dry_run`). Its
/// values were retrieved, as far as can be told, when the file was last
/// written; a CSV may say otherwise per row (`retrieved_at`).
pub async fn import_file(
    db: &DatabaseConnection,
    file: &Path,
    dry_run: bool,
) -> Result<OutcomeSummary, ImportFailed> {
    let what = file.display().to_string();
    let bytes =
        std::fs::read(file).map_err(|e| failed(&what, vec![format!("cannot read: {e}")]))?;
    let retrieved_at = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .map(chrono::DateTime::<chrono::Utc>::from)
        .map(|t| chrono::SubsecRound::trunc_subsecs(t, 0))
        .unwrap_or_else(|_| crate::store::feed::now());
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let origin = Origin {
        name: format!("file {name}"),
        retrieved_at,
    };
    let reading = outcomes_import::read(&bytes, &origin).map_err(|p| failed(&what, p))?;
    import_reading(db, reading, None, &what, dry_run).await
}

/// Writes a reading (from a file, or fetched) in one transaction; `what`
/// names its origin in the problems.
pub async fn import_reading(
    db: &DatabaseConnection,
    reading: Reading,
    complete: Option<&Complete>,
    what: &str,
    dry_run: bool,
) -> Result<OutcomeSummary, ImportFailed> {
    write::apply(db, reading, complete, dry_run, &Actor::cli())
        .await
        .map_err(|e| from_api(what, e))
}

/// What an operator reads: per KPI, then the totals.
pub fn report(summary: &OutcomeSummary) -> String {
    let mut out = String::new();
    for (kpi, c) in &summary.per_kpi {
        out.push_str(&format!(
            "{kpi}: created {}, updated {}, unchanged {}, deleted {}\n",
            c.created, c.updated, c.unchanged, c.deleted
        ));
    }
    let t = summary.total();
    out.push_str(&format!(
        "created {}, updated {}, unchanged {}, deleted {}; KPI metadata written {}",
        t.created, t.updated, t.unchanged, t.deleted, summary.kpis_written
    ));
    if summary.skipped > 0 {
        out.push_str(&format!(
            "; skipped {} row(s) of municipality groups (not held)",
            summary.skipped
        ));
    }
    if summary.dry_run {
        out.push_str(" (dry run: nothing was written)");
    }
    out
}
