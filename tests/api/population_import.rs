//! Loading population figures: the migration that turned one figure per
//! municipality into a series, and `population import` (the function the CLI
//! calls, and the real binary).

use std::path::PathBuf;

use api::store::feed::data_version;
use api::store::population::Written;
use api::tools::population::{import_file, AgeBand};
use serde_json::{json, Value};

use crate::helpers::{cli, TestApp};

async fn series(app: &TestApp, code: &str) -> Vec<Value> {
    let reply = app
        .get(&format!("/v1/municipalities/{code}/population"))
        .await;
    assert_eq!(reply.status, 200, "{code}: {}", reply.text());
    reply.json()["data"].as_array().expect("data").clone()
}

#[tokio::test]
async fn the_migration_moves_the_old_figures_into_rows_and_back() {
    use api::store::db::{migrate, migrate_by, Migrator, MigratorTrait, Steps};
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::new().await;
    let before = series(&app, "1980").await;

    // Down through the population migration (and any later ones): one figure
    // per municipality again, the latest with children.
    let steps = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261127_000004_population_series")
        .expect("the population migration")
        + 1;
    migrate_by(&app.db, Steps::Down(steps as u32))
        .await
        .expect("down");
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT population_year, population_total, children, children_age_to \
             FROM municipalities WHERE code = '1980'",
        ))
        .await
        .unwrap()
        .unwrap();
    let old: (Option<i32>, Option<i32>, Option<i32>, Option<i32>) = (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
        row.try_get_by_index(2).unwrap(),
        row.try_get_by_index(3).unwrap(),
    );
    assert_eq!(old, (Some(2018), Some(152_078), Some(29_025), Some(15)));

    // Up again: the same series, nothing lost on the way.
    migrate(&app.db).await.expect("up");
    let after = series(&app, "1980").await;
    let figures = |rows: &[Value]| -> Vec<Value> {
        rows.iter()
            .map(|r| {
                let mut r = r.clone();
                r.as_object_mut().unwrap().remove("updated_at");
                r
            })
            .collect()
    };
    assert_eq!(figures(&after), figures(&before));
}

fn temp_csv(text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fst-pop-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("population.csv");
    std::fs::write(&path, text).unwrap();
    path
}

const IMPORT: &str = "code,name,year,population_total,children,source\n\
    1980,Västerås,2025,161000,36000,SCB BE0101N1 test export\n\
    1981,Sala,2025,23000,,same\n";

#[tokio::test]
async fn an_import_writes_every_year_in_one_go_and_a_dry_run_nothing() {
    let app = TestApp::new().await;
    let file = temp_csv(IMPORT);
    let band = Some(AgeBand { from: 0, to: 17 });
    let v0 = data_version(&app.db).await.unwrap();

    let dry = import_file(&app.db, &file, band, true)
        .await
        .expect("dry run");
    assert_eq!(dry.count(Written::Created), 2);
    assert!(dry.dry_run);
    assert_eq!(
        series(&app, "1980").await.len(),
        2,
        "a dry run writes nothing"
    );
    assert_eq!(data_version(&app.db).await.unwrap(), v0);

    let done = import_file(&app.db, &file, band, false)
        .await
        .expect("import");
    assert_eq!(done.count(Written::Created), 2);
    assert!(data_version(&app.db).await.unwrap() > v0);
    let y2025 = series(&app, "1980").await.pop().unwrap();
    assert_eq!(
        (y2025["children"].clone(), y2025["children_age_to"].clone()),
        (json!(36_000), json!(17))
    );
    let sala = series(&app, "1981").await.pop().unwrap();
    assert_eq!(
        sala["source"], "SCB BE0101N1 test export",
        "'same' repeats the line above"
    );
    assert!(sala["children"].is_null() && sala["children_age_from"].is_null());

    let v1 = data_version(&app.db).await.unwrap();
    let again = import_file(&app.db, &file, band, false)
        .await
        .expect("again");
    assert_eq!(again.count(Written::Unchanged), 2);
    assert_eq!(data_version(&app.db).await.unwrap(), v1);

    // Unknown municipalities and broken rules: every one listed, nothing written.
    let bad = temp_csv(
        "code,year,total,children,source\n\
        1980,2026,100,10,s\n9999,2026,100,,s\n1981,2026,10,20,s\n0180,2026,100,,s\n",
    );
    let err = import_file(&app.db, &bad, band, false).await.unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(
        err.problems
            .iter()
            .any(|p| p.contains("9999") && p.contains("no municipality")),
        "{err}"
    );
    assert!(
        err.problems
            .iter()
            .any(|p| p.starts_with("1981 2026: children")),
        "{err}"
    );
    assert_eq!(series(&app, "1980").await.len(), 3);
    assert_eq!(series(&app, "0180").await.len(), 1);
    assert_eq!(data_version(&app.db).await.unwrap(), v1);
}

#[tokio::test]
async fn the_binary_imports_a_file_into_its_own_database() {
    // The binary gets a SQLite file of its own: it migrates it first, as an
    // operator's first run would.
    let file = temp_csv(IMPORT);
    let db = file.with_file_name("cli.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let args = |extra: &[&str]| {
        let mut a: Vec<String> = ["population", "import"].map(str::to_owned).to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend(["--database-url".to_owned(), url.clone()]);
        a
    };
    let path = file.to_str().unwrap();
    let (ok, out, err) = cli(args(&[path, "--children", "0-17", "--dry-run"])).await;
    assert!(ok, "{err}");
    assert!(
        out.contains("created 2, updated 0, unchanged 0 (dry run"),
        "{out}"
    );
    let (ok, out, err) = cli(args(&[path, "--children", "0-17"])).await;
    assert!(ok, "{err}");
    assert!(out.contains("created 2, updated 0, unchanged 0"), "{out}");
    let (ok, out, _) = cli(args(&[path, "--children", "0-17"])).await;
    assert!(
        ok && out.contains("created 0, updated 0, unchanged 2"),
        "{out}"
    );

    // Without the band the children column cannot be read: a non-zero exit.
    let (ok, _, err) = cli(args(&[path])).await;
    assert!(!ok);
    assert!(err.contains("--children"), "{err}");
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}
