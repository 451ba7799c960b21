//! The offer rollups held in memory, one copy per data version: sessions
//! offered per (municipality, year, programme) and the languages offered.
//!
//! In SQL each indicators query cost 20–50 ms on 1M sessions (SQLite chose
//! the `year` index and looked up every row of two years in the country):
//! a tenth of the server's time on the mixed read set for a third of a
//! percent of its requests. The offers of every municipality, year and
//! programme are ~51,000 sums at national scale, loaded once per version.

use std::collections::HashMap;

use entity::{offer_language_rollup, offer_rollup};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, IdenStatic, QueryResult};

use super::sums::{read_columns, sum_as_bigint};
use super::Offer;
use crate::error::ApiError;
use crate::store::memo::Derived;

/// A (municipality, year).
pub type AreaYearKey = (String, i32);

/// The offer rollups of every municipality and year: sessions offered per
/// programme (its ratings and ages are the catalogue's, read per request),
/// and the languages offered.
#[derive(Default)]
pub struct OfferTable {
    /// `Offer::COLUMNS` summed per programme.
    offers: HashMap<AreaYearKey, Vec<(String, [i64; 3])>>,
    languages: HashMap<AreaYearKey, Vec<String>>,
}

/// Kept per data version for every indicators read.
impl Derived for OfferTable {
    const STEP: &'static str = "load the offer table";
    async fn load(db: &DatabaseConnection) -> Result<Self, ApiError> {
        let mut table = Self::default();
        table.load_offers(db).await?;
        table.load_languages(db).await?;
        Ok(table)
    }
}

impl OfferTable {
    async fn load_offers(&mut self, db: &DatabaseConnection) -> Result<(), DbErr> {
        use offer_rollup::Column as C;
        let mut select = Query::select();
        select
            .from(offer_rollup::Entity)
            .columns([C::MunicipalityCode, C::Year, C::Programme])
            .group_by_col(C::MunicipalityCode)
            .group_by_col(C::Year)
            .group_by_col(C::Programme);
        for col in Offer::COLUMNS {
            select.expr_as(sum_as_bigint(col), col);
        }
        for row in rows(db, &select).await? {
            let slug: String = row.try_get("", C::Programme.as_str())?;
            let sums = read_columns(&row, Offer::COLUMNS)?;
            self.offers
                .entry(area_year_of(&row, [C::MunicipalityCode, C::Year])?)
                .or_default()
                .push((slug, sums));
        }
        Ok(())
    }

    async fn load_languages(&mut self, db: &DatabaseConnection) -> Result<(), DbErr> {
        use offer_language_rollup::Column as C;
        let mut select = Query::select();
        select
            .from(offer_language_rollup::Entity)
            .columns([C::MunicipalityCode, C::Year, C::Language])
            .and_where(Expr::col(C::Sessions).gt(0));
        for row in rows(db, &select).await? {
            self.languages
                .entry(area_year_of(&row, [C::MunicipalityCode, C::Year])?)
                .or_default()
                .push(row.try_get("", C::Language.as_str())?);
        }
        Ok(())
    }
}

async fn rows(
    db: &DatabaseConnection,
    select: &SelectStatement,
) -> Result<Vec<QueryResult>, DbErr> {
    db.query_all(db.get_database_backend().build(select)).await
}

impl OfferTable {
    /// `Offer::COLUMNS` summed per programme slug, for one municipality and year.
    pub fn programmes(&self, key: &AreaYearKey) -> &[(String, [i64; 3])] {
        self.offers.get(key).map_or(&[], Vec::as_slice)
    }

    /// The languages offered in one municipality and year.
    pub fn languages(&self, key: &AreaYearKey) -> &[String] {
        self.languages.get(key).map_or(&[], Vec::as_slice)
    }
}

/// The (municipality, year) of a rollup row.
fn area_year_of(
    row: &QueryResult,
    [municipality, year]: [impl IdenStatic; 2],
) -> Result<AreaYearKey, DbErr> {
    Ok((
        row.try_get("", municipality.as_str())?,
        row.try_get("", year.as_str())?,
    ))
}
