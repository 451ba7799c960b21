//! Everything the page shows, read with the same functions the API answers
//! with, so a figure on the page is the figure in `/v1/reach` and
//! `/v1/indicators` for the same year and county.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use entity::session;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};

use super::params::PageQuery;
use crate::error::ApiError;
use crate::resources::calendar::upcoming::{first_sessions, upcoming};
use crate::resources::evaluation::report::evaluation_report;
use crate::resources::evaluation::wire::EvaluationReport;
use crate::resources::meta::api_info::DataNotice;
use crate::resources::reach::indicators::{indicator_report, IndicatorsQuery, Terms};
use crate::resources::reach::query::{reach_rows, GroupField, ReachQuery};
use crate::resources::reach::wire::{IndicatorReport, ReachRow};
use crate::resources::sessions::query::{SessionFilter, SessionQuery};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::store::rollup::quarter::Quarter;
use crate::store::rollup::Rollups;

/// Sessions the finder lists; the full list is one link away (the API, the feed).
pub const FINDER_LIMIT: u64 = 12;

pub struct PageData {
    /// One row per municipality of the county with counted sessions in the year.
    pub by_municipality: Vec<ReachRow>,
    /// The county's total row for the year (the average the chart marks).
    pub county_total: Option<ReachRow>,
    /// The county per year, all years.
    pub by_year: Vec<ReachRow>,
    pub indicators: IndicatorReport,
    /// The long-term effects beside reach, over the years up to the year.
    pub evaluation: EvaluationReport,
    /// The first `FINDER_LIMIT` upcoming sessions that match.
    pub sessions: Vec<Session>,
    /// More match than are listed.
    pub more_sessions: bool,
    pub notice: DataNotice,
    /// The latest change to any session: the data's date.
    pub updated: Option<DateTime<Utc>>,
}

fn reach_query(q: &PageQuery, group_by: &[GroupField], year: Option<i32>) -> ReachQuery {
    ReachQuery {
        group_by: group_by.iter().copied().collect::<BTreeSet<_>>(),
        from: year.map(|year| Quarter { year, quarter: 1 }),
        to: year.map(|year| Quarter { year, quarter: 4 }),
        county: Some(q.county.clone()),
        ..ReachQuery::default()
    }
}

/// The finder's filter: upcoming sessions in the chosen municipality, or in
/// any of the county's when none is chosen.
pub fn finder_query(
    q: &PageQuery,
    cat: &ReferenceData,
    today: NaiveDate,
) -> Result<SessionQuery, ApiError> {
    let f = &q.finder;
    let municipalities = match &f.municipality {
        Some(m) => vec![m.clone()],
        None => cat
            .county_members(&q.county)?
            .into_iter()
            .filter_map(|m| crate::vocab::MunicipalityCode::parse(&m.code).ok())
            .collect(),
    };
    let mut filter = SessionFilter {
        municipalities,
        language: f.language.clone(),
        delivery: f.delivery,
        ..SessionFilter::default()
    };
    filter.programme_filter.child_age = f.child_age;
    SessionQuery::resolve(upcoming(filter, today), cat)
}

/// Reads the page's figures. The queries are independent; each is small (the
/// rollups and one keyset page), and the finished page is cached by data version.
pub async fn load(
    db: &impl ConnectionTrait,
    rollups: &Rollups,
    q: &PageQuery,
    k: i64,
    cat: &ReferenceData,
    notice: DataNotice,
) -> Result<PageData, ApiError> {
    cat.county_members(&q.county)?;
    let today = Utc::now().date_naive();
    let terms = Terms { k, today };
    let table = &rollups.reach;
    let finder = finder_query(q, cat, today)?;
    let by_municipality = reach_rows(
        table,
        &reach_query(q, &[GroupField::Municipality], Some(q.year)),
        k,
        cat,
    )?;
    let county_total = reach_rows(table, &reach_query(q, &[], Some(q.year)), k, cat)?
        .into_iter()
        .next();
    let by_year = reach_rows(table, &reach_query(q, &[GroupField::Year], None), k, cat)?;
    let indicators = indicator_report(
        rollups,
        &IndicatorsQuery {
            year: q.year,
            municipalities: vec![],
            county: Some(q.county.clone()),
        },
        terms,
        cat,
    )?;
    let evaluation = evaluation_report(
        db,
        rollups,
        &super::effects::query(&q.county, None, q.year),
        terms,
        cat,
    )
    .await?;
    let mut sessions = first_sessions(db, &finder, FINDER_LIMIT + 1).await?;
    let more_sessions = sessions.len() as u64 > FINDER_LIMIT;
    sessions.truncate(FINDER_LIMIT as usize);
    Ok(PageData {
        by_municipality,
        county_total,
        by_year,
        indicators,
        evaluation,
        sessions,
        more_sessions,
        notice,
        updated: latest_update(db).await?,
    })
}

pub async fn latest_update(db: &impl ConnectionTrait) -> Result<Option<DateTime<Utc>>, ApiError> {
    let latest: Option<Option<DateTime<Utc>>> = session::Entity::find()
        .select_only()
        .column_as(Expr::col(session::Column::UpdatedAt).max(), "latest")
        .into_tuple()
        .one(db)
        .await?;
    Ok(latest.flatten())
}
