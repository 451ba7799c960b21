//! `/kommun/{code}` and `/en/municipality/{code}`: one municipality as its
//! coordinator presents it — its reach per year beside the county's, its
//! indicators beside the county's and last year's, its population with the
//! source, its upcoming courses and its downloads. Read with the same
//! functions as the API and the county page, so every figure here is one
//! `/v1/reach`, `/v1/indicators` or `/v1/municipalities/{code}/population`
//! answers too.

mod parts;

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use entity::municipality;
use sea_orm::ConnectionTrait;

use self::parts::{choose_year, courses, downloads, indicators, reach};
use super::data::{finder_query, latest_update, FINDER_LIMIT};
use super::html::{esc, url_value, Lang};
use super::layout::{self, Frame, Site};
use super::params::PageQuery;
use crate::error::ApiError;
use crate::resources::calendar::upcoming::first_sessions;
use crate::resources::evaluation::report::evaluation_report;
use crate::resources::evaluation::wire::EvaluationReport;
use crate::resources::reach::indicators::{indicator_report, IndicatorsQuery, Terms};
use crate::resources::reach::query::{reach_rows, GroupField, ReachQuery};
use crate::resources::reach::wire::{IndicatorReport, ReachRow};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::store::rollup::Rollups;
use crate::vocab::{CountyCode, MunicipalityCode};

/// Everything one municipality's page shows.
pub struct MunicipalityData {
    /// The municipality per year, all years.
    pub own: Vec<ReachRow>,
    /// Its county per year, all years.
    pub county: Vec<ReachRow>,
    /// The county's and the municipality's indicators for the year.
    pub indicators: IndicatorReport,
    /// Its long-term effects beside its reach, over the years up to the year.
    pub evaluation: EvaluationReport,
    pub sessions: Vec<Session>,
    pub more_sessions: bool,
    pub synthetic: bool,
    pub updated: Option<DateTime<Utc>>,
}

fn by_year(municipalities: Vec<MunicipalityCode>, county: Option<CountyCode>) -> ReachQuery {
    ReachQuery {
        group_by: BTreeSet::from([GroupField::Year]),
        municipalities,
        county,
        ..ReachQuery::default()
    }
}

/// Reads the page's figures for `m` and the year of `q`.
pub async fn load(
    db: &impl ConnectionTrait,
    rollups: &Rollups,
    m: &municipality::Model,
    q: &PageQuery,
    k: i64,
    cat: &ReferenceData,
    synthetic: bool,
) -> Result<MunicipalityData, ApiError> {
    let today = Utc::now().date_naive();
    let terms = Terms { k, today };
    let table = &rollups.reach;
    let own = reach_rows(
        table,
        &by_year(vec![MunicipalityCode::of_stored(&m.code)], None),
        k,
        cat,
    )?;
    let county_code = CountyCode::of_stored(&m.county_code);
    let county = reach_rows(table, &by_year(vec![], Some(county_code)), k, cat)?;
    let indicators = indicator_report(
        rollups,
        &IndicatorsQuery {
            year: q.year,
            municipalities: vec![MunicipalityCode::of_stored(&m.code)],
            county: Some(CountyCode::of_stored(&m.county_code)),
        },
        terms,
        cat,
    )?;
    let evaluation = evaluation_report(
        db,
        rollups,
        &super::effects::query(&m.county_code, Some(&m.code), q.year),
        terms,
        cat,
    )
    .await?;
    let mut finder = q.clone();
    finder.finder.municipality = MunicipalityCode::parse(&m.code).ok();
    let mut sessions =
        first_sessions(db, &finder_query(&finder, cat, today)?, FINDER_LIMIT + 1).await?;
    let more_sessions = sessions.len() as u64 > FINDER_LIMIT;
    sessions.truncate(FINDER_LIMIT as usize);
    Ok(MunicipalityData {
        own,
        county,
        indicators,
        evaluation,
        sessions,
        more_sessions,
        synthetic,
        updated: latest_update(db).await?,
    })
}

/// The whole page of `m`.
pub fn page(
    m: &municipality::Model,
    q: &PageQuery,
    d: &MunicipalityData,
    cat: &ReferenceData,
    site: &Site,
) -> String {
    let lang = q.lang;
    let mut out = String::with_capacity(48 * 1024);
    let title = match lang {
        Lang::Sv => format!("Föräldraskapsstöd i {}", m.name),
        Lang::En => format!("Parenting support in {}", m.name),
    };
    let description = match lang {
        Lang::Sv => format!(
            "Räckvidd, indikatorer, befolkning och kommande kurser i föräldraskapsstöd i {}.",
            m.name
        ),
        Lang::En => format!(
            "Reach, indicators, population and upcoming parenting-support courses in {}.",
            m.name
        ),
    };
    let shortcuts = [
        ("#reach-h", lang.t("Räckvidd", "Reach")),
        ("#ind-h", lang.t("Indikatorer", "Indicators")),
        ("#effects-h", lang.t("Effekter", "Effects")),
        ("#pop-h", lang.t("Befolkning", "Population")),
        ("#courses-h", lang.t("Kurser", "Courses")),
        ("#data-h", lang.t("Öppna data", "Open data")),
    ];
    let (sv_path, en_path) = (
        format!("/kommun/{}", m.code),
        format!("/en/municipality/{}", m.code),
    );
    layout::open(
        &Frame {
            lang,
            title: &title,
            description: &description,
            sv_path: &sv_path,
            en_path: &en_path,
            shortcuts: &shortcuts,
        },
        site,
        &mut out,
    );
    let _ = write!(
        out,
        r#"<p class="crumbs"><a href="{}?county={}&amp;year={}">{} {}</a></p>"#,
        lang.home(),
        url_value(&m.county_code),
        q.year,
        lang.t("Hela", "All of"),
        esc(&m.county_name),
    );
    layout::notice(lang, d.synthetic, d.updated, &mut out);
    choose_year(lang, m, q.year, d, &mut out);
    reach(lang, m, d, &mut out);
    indicators(lang, m, &d.indicators, &mut out);
    super::effects::section(lang, &d.evaluation, &mut out);
    super::population::table(lang, m, cat, &mut out);
    courses(lang, m, d, cat, &mut out);
    downloads(lang, m, q.year, &mut out);
    layout::close(lang, &mut out);
    out
}
