//! Listing sessions: filters, stable order `(start_date, id)`, keyset pages.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{municipality, session};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::wire::Session;
use crate::error::ApiError;
use crate::resources::programmes::ProgrammeFilter;
use crate::store::catalogue::load_programmes;
use crate::vocab::{Delivery, MunicipalityCode, SessionStatus};

/// The validated filters of `GET /v1/sessions`.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub municipalities: Vec<MunicipalityCode>,
    pub programmes: Vec<String>,
    pub statuses: Vec<SessionStatus>,
    pub start_from: Option<NaiveDate>,
    pub start_to: Option<NaiveDate>,
    pub language: Option<String>,
    pub delivery: Option<Delivery>,
    pub programme_filter: ProgrammeFilter,
    pub updated_since: Option<DateTime<Utc>>,
}

/// The sort key of a row; the cursor carries the last one of a page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionKey {
    pub start_date: NaiveDate,
    pub id: Uuid,
}

impl SessionFilter {
    /// A canonical string of the filters, for binding cursors to them.
    pub fn canonical(&self) -> String {
        let mut m: Vec<&str> = self.municipalities.iter().map(|m| m.as_str()).collect();
        m.sort();
        let mut p = self.programmes.clone();
        p.sort();
        let mut s: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
        s.sort();
        format!(
            "s|{m:?}|{p:?}|{s:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.start_from,
            self.start_to,
            self.language,
            self.delivery,
            self.programme_filter,
            self.updated_since.map(|t| t.timestamp_micros())
        )
    }
}

/// Unknown municipality or programme in a filter is a 400, not an empty list:
/// a typo should not look like "no sessions".
pub async fn check_filter_references(
    db: &impl ConnectionTrait,
    filter: &SessionFilter,
) -> Result<(), ApiError> {
    if !filter.municipalities.is_empty() {
        let codes: Vec<&str> = filter.municipalities.iter().map(|m| m.as_str()).collect();
        let known: Vec<String> = municipality::Entity::find()
            .select_only()
            .column(municipality::Column::Code)
            .filter(municipality::Column::Code.is_in(codes.clone()))
            .into_tuple()
            .all(db)
            .await?;
        if let Some(unknown) = codes.iter().find(|c| !known.iter().any(|k| k == *c)) {
            return Err(ApiError::invalid_parameter(
                "municipality",
                format!("no municipality with code {unknown}"),
            ));
        }
    }
    Ok(())
}

/// The programme slugs a filter allows: `None` means "any".
async fn allowed_programmes(
    db: &impl ConnectionTrait,
    filter: &SessionFilter,
) -> Result<Option<Vec<String>>, ApiError> {
    if filter.programmes.is_empty() && filter.programme_filter.is_empty() {
        return Ok(None);
    }
    let catalogue = load_programmes(db).await?;
    if let Some(unknown) = filter
        .programmes
        .iter()
        .find(|p| !catalogue.iter().any(|c| &c.slug == *p))
    {
        return Err(ApiError::invalid_parameter(
            "programme",
            format!("no programme with slug '{unknown}'"),
        ));
    }
    Ok(Some(
        catalogue
            .into_iter()
            .filter(|p| filter.programmes.is_empty() || filter.programmes.contains(&p.slug))
            .filter(|p| filter.programme_filter.admits(p))
            .map(|p| p.slug)
            .collect(),
    ))
}

pub async fn list_sessions(
    db: &impl ConnectionTrait,
    filter: &SessionFilter,
    after: Option<SessionKey>,
    limit: u64,
) -> Result<(Vec<Session>, Option<SessionKey>), ApiError> {
    let allowed = allowed_programmes(db, filter).await?;
    if allowed.as_ref().is_some_and(Vec::is_empty) {
        return Ok((vec![], None));
    }
    let mut cond = Condition::all();
    if !filter.municipalities.is_empty() {
        cond = cond.add(
            session::Column::MunicipalityCode
                .is_in(filter.municipalities.iter().map(|m| m.as_str().to_owned())),
        );
    }
    if let Some(slugs) = allowed {
        cond = cond.add(session::Column::Programme.is_in(slugs));
    }
    if !filter.statuses.is_empty() {
        cond = cond.add(session::Column::Status.is_in(filter.statuses.iter().map(|s| s.as_str())));
    }
    if let Some(d) = filter.start_from {
        cond = cond.add(session::Column::StartDate.gte(d));
    }
    if let Some(d) = filter.start_to {
        cond = cond.add(session::Column::StartDate.lte(d));
    }
    if let Some(lang) = &filter.language {
        cond = cond.add(session::Column::Languages.like(format!("%,{lang},%")));
    }
    if let Some(d) = filter.delivery {
        cond = cond.add(session::Column::Delivery.eq(d.as_str()));
    }
    if let Some(t) = filter.updated_since {
        cond = cond.add(session::Column::UpdatedAt.gte(t));
    }
    if let Some(k) = after {
        cond = cond.add(
            Condition::any()
                .add(session::Column::StartDate.gt(k.start_date))
                .add(
                    Condition::all()
                        .add(session::Column::StartDate.eq(k.start_date))
                        .add(Expr::col(session::Column::Id).gt(k.id)),
                ),
        );
    }
    let mut rows = session::Entity::find()
        .filter(cond)
        .order_by_asc(session::Column::StartDate)
        .order_by_asc(session::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let last = if more {
        rows.last().map(|s| SessionKey {
            start_date: s.start_date,
            id: s.id,
        })
    } else {
        None
    };
    Ok((rows.into_iter().map(Session::from).collect(), last))
}

pub async fn get_session(db: &impl ConnectionTrait, id: Uuid) -> Result<Session, ApiError> {
    session::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Session::from)
        .ok_or_else(|| ApiError::not_found(format!("no session with id {id}")))
}
