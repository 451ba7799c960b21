//! Reading municipalities with their latest population, and their series.

use entity::municipality;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::wire::Municipality;
use crate::error::ApiError;
use crate::http::paging;
use crate::store::population;
use crate::vocab::MunicipalityCode;

/// Filters of the municipality list, validated.
#[derive(Debug, Clone, Default)]
pub struct MunicipalityFilter {
    pub county: Option<String>,
    pub in_collaboration: Option<bool>,
}

impl MunicipalityFilter {
    pub fn canonical(&self) -> String {
        format!("m|{:?}|{:?}", self.county, self.in_collaboration)
    }
}

/// A limit above any number of municipalities; `limit + 1` must still fit the
/// database drivers' signed 64-bit integers.
const WHOLE_LIST: u64 = u32::MAX as u64;

pub async fn list_municipalities(
    db: &impl ConnectionTrait,
    filter: &MunicipalityFilter,
    after: Option<String>,
    limit: u64,
) -> Result<(Vec<Municipality>, Option<String>), ApiError> {
    let mut q = municipality::Entity::find().order_by_asc(municipality::Column::Code);
    if let Some(c) = &filter.county {
        q = q.filter(municipality::Column::CountyCode.eq(c.as_str()));
    }
    if let Some(b) = filter.in_collaboration {
        q = q.filter(municipality::Column::InCollaboration.eq(b));
    }
    if let Some(a) = after {
        q = q.filter(municipality::Column::Code.gt(a));
    }
    let rows = q.limit(limit + 1).all(db).await?;
    let (rows, last) = paging::split_page(rows, limit, |m| m.code.clone());
    let codes: Vec<String> = rows.iter().map(|m| m.code.clone()).collect();
    let mut latest = population::latest_of(db, &codes).await?;
    let page = rows
        .into_iter()
        .map(|m| {
            let p = latest.remove(&m.code);
            Municipality::new(m, p)
        })
        .collect();
    Ok((page, last))
}

pub async fn whole_list(
    db: &impl ConnectionTrait,
    filter: &MunicipalityFilter,
) -> Result<Vec<Municipality>, ApiError> {
    Ok(list_municipalities(db, filter, None, WHOLE_LIST).await?.0)
}

async fn find(
    db: &impl ConnectionTrait,
    code: &MunicipalityCode,
) -> Result<municipality::Model, ApiError> {
    municipality::Entity::find_by_id(code.as_str())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::municipality_not_found(code.as_str()))
}

pub async fn get_municipality(
    db: &impl ConnectionTrait,
    code: &MunicipalityCode,
) -> Result<Municipality, ApiError> {
    let m = find(db, code).await?;
    let latest = population::latest(db, code.as_str()).await?;
    Ok(Municipality::new(m, latest))
}
