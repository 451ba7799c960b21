//! Reading municipalities with their latest population, and their series.

use entity::municipality;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::Value;

use super::validate::population_figure;
use super::wire::{Municipality, PopulationRow, PopulationYear};
use crate::error::ApiError;
use crate::http::paging;
use crate::store::audit::Actor;
use crate::store::population::{self, Written};
use crate::vocab::{CountyCode, MunicipalityCode};

/// Filters of the municipality list, validated.
#[derive(Debug, Clone, Default)]
pub struct MunicipalityFilter {
    pub county: Option<CountyCode>,
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

/// A municipality's whole series, oldest year first; 404 when it does not exist.
pub async fn population_series(
    db: &impl ConnectionTrait,
    code: &MunicipalityCode,
) -> Result<Vec<PopulationYear>, ApiError> {
    find(db, code).await?;
    Ok(population::series(db, code.as_str())
        .await?
        .into_iter()
        .map(PopulationYear::from)
        .collect())
}

/// Every municipality's series (or a county's), by municipality code, then
/// year: the reference population as one table. A county with no
/// municipality is the 400 that names it.
pub async fn all_population(
    db: &impl ConnectionTrait,
    county: Option<&str>,
) -> Result<Vec<PopulationRow>, ApiError> {
    let mut q = municipality::Entity::find().order_by_asc(municipality::Column::Code);
    if let Some(c) = county {
        q = q.filter(municipality::Column::CountyCode.eq(c));
    }
    let municipalities = q.all(db).await?;
    if let (Some(c), true) = (county, municipalities.is_empty()) {
        return Err(ApiError::unknown_county(c));
    }
    let mut series = population::all_series(db).await?;
    Ok(municipalities
        .iter()
        .flat_map(|m| {
            let years = series.remove(&m.code).unwrap_or_default();
            years.into_iter().map(|p| PopulationRow::new(m, p))
        })
        .collect())
}

/// Validates an admin's body and writes the year: 422 listing every problem,
/// 404 for an unknown municipality, else the row as stored.
pub async fn put_population(
    db: &DatabaseConnection,
    code: &MunicipalityCode,
    year: i32,
    body: &Value,
    actor: &Actor,
) -> Result<(PopulationYear, Written), ApiError> {
    let figure = population_figure(code, year, body)?;
    let (row, written) = population::put_year(db, figure, actor).await?;
    Ok((row.into(), written))
}

/// Makes the municipalities of `county` (and only they) the ones
/// `in_collaboration`, so that what the reference data says follows the
/// configured home county (`HOME_COUNTY`); the county's name, or `None`
/// where the reference data has no such county. A change moves the data
/// version, so no cached answer outlives it. Run at start, before serving;
/// the same county again changes nothing.
pub async fn make_home_county(
    db: &DatabaseConnection,
    county: &str,
) -> Result<Option<String>, ApiError> {
    use sea_orm::sea_query::Expr;
    use sea_orm::TransactionTrait;
    let Some(member) = municipality::Entity::find()
        .filter(municipality::Column::CountyCode.eq(county))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let txn = db.begin().await?;
    let seqs = crate::store::feed::SeqAllocator::lock(&txn).await?;
    let now = crate::store::feed::now();
    let mut changed = 0;
    for (member, of_county) in [(true, true), (false, false)] {
        let column = municipality::Column::CountyCode;
        let filter = if of_county {
            column.eq(county)
        } else {
            column.ne(county)
        };
        changed += municipality::Entity::update_many()
            .col_expr(municipality::Column::InCollaboration, Expr::value(member))
            .col_expr(municipality::Column::UpdatedAt, Expr::value(now))
            .filter(filter)
            .filter(municipality::Column::InCollaboration.ne(member))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    seqs.finish(&txn, changed > 0).await?;
    txn.commit().await?;
    if changed > 0 {
        tracing::info!(
            county,
            changed,
            "the home county's municipalities are now the ones in the collaboration"
        );
    }
    Ok(Some(member.county_name))
}
