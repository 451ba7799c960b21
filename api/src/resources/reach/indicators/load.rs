//! What each municipality did per year, from the rollups held in memory: the
//! reach table, and the offer rollups kept beside it per data version.
//!
//! In SQL each indicators query cost 20–50 ms on 1M sessions (SQLite chose
//! the `year` index and looked up every row of two years in the country):
//! a tenth of the server's time on the mixed read set for a third of a
//! percent of its requests. The offers of every municipality, year and
//! programme are ~51,000 sums at national scale, loaded once per version.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use entity::{offer_language_rollup, offer_rollup, programme};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, IdenStatic, QueryResult};

use super::{AreaYear, CHILD_AGES};
use crate::error::ApiError;
use crate::resources::reach::rollup::Offer;
use crate::resources::reach::sums::{read_columns, sum_as_bigint};
use crate::resources::reach::table::{ReachTable, Selection};
use crate::store::memo::PerVersion;
use crate::vocab::EvidenceStatus;

type ByAreaYear = BTreeMap<(String, i32), AreaYear>;

/// A (municipality, year).
type AreaYearKey = (String, i32);

/// The offer table, kept per data version for every indicators read.
pub type OfferTables = PerVersion<OfferTable>;

impl OfferTables {
    /// The table as of the current data version.
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<OfferTable>, ApiError> {
        self.get(db, || OfferTable::load(db)).await
    }
}

/// The offer rollups of every municipality and year: sessions offered per
/// programme (its ratings and ages are the catalogue's, read per request),
/// and the languages offered.
#[derive(Default)]
pub struct OfferTable {
    /// `Offer::COLUMNS` summed per programme.
    offers: HashMap<AreaYearKey, Vec<(String, [i64; 3])>>,
    languages: HashMap<AreaYearKey, Vec<String>>,
}

impl OfferTable {
    pub async fn load(db: &DatabaseConnection) -> Result<Self, ApiError> {
        let mut table = Self::default();
        table.load_offers(db).await?;
        table.load_languages(db).await?;
        Ok(table)
    }

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

/// What the given municipalities did in the given years, per (municipality, year).
pub(super) fn area_years(
    reach: &ReachTable,
    offers: &OfferTable,
    years: [i32; 2],
    codes: &[String],
    programmes: &[programme::Model],
) -> ByAreaYear {
    let mut out = ByAreaYear::new();
    let wanted: Vec<&str> = codes.iter().map(String::as_str).collect();
    let (first, last) = (years[0].min(years[1]), years[0].max(years[1]));
    let counted = reach.sum(&Selection {
        municipalities: Some(&wanted),
        programmes: None,
        from: Some(first * 4),
        to: Some(last * 4 + 3),
        by_municipality: true,
        by_programme: false,
        by_year: true,
        by_quarter: false,
    });
    for group in counted {
        if let (Some(code), Some(year)) = (group.municipality, group.year) {
            if years.contains(&year) {
                let a = out.entry((code.to_owned(), year)).or_default();
                a.counted.add(&group.sums);
            }
        }
    }
    let by_slug: BTreeMap<&str, &programme::Model> =
        programmes.iter().map(|p| (p.slug.as_str(), p)).collect();
    for code in codes {
        for year in years {
            let key = (code.clone(), year);
            for (slug, sums) in offers.offers.get(&key).into_iter().flatten() {
                let a = out.entry(key.clone()).or_default();
                add_offer(a, by_slug.get(slug.as_str()).copied(), *sums);
            }
            for language in offers.languages.get(&key).into_iter().flatten() {
                out.entry(key.clone())
                    .or_default()
                    .languages
                    .insert(language.clone());
            }
        }
    }
    out
}

/// Counts one programme's offer (`Offer::COLUMNS`) into `a`; `programme` is
/// none when the slug is not in the catalogue.
fn add_offer(
    a: &mut AreaYear,
    programme: Option<&programme::Model>,
    [sessions, digital, collaborative]: [i64; 3],
) {
    a.offered += sessions;
    a.digital += digital;
    a.collaborative += collaborative;
    if sessions > 0 {
        // Unknown ages cover no age: coverage is never claimed on a guess.
        if let Some((lo, hi)) = programme.and_then(|p| p.age_min.zip(p.age_max)) {
            for age in CHILD_AGES.filter(|age| (lo..=hi).contains(age)) {
                *a.ages.entry(age).or_default() += sessions;
            }
        }
    }
    // A status the vocabulary does not know still counts as assessed:
    // only `unassessed`, or no programme at all, says nothing was.
    let status = programme.map(|p| p.evidence_status.as_str());
    // `insufficient` is a rating too: assessed, without support.
    let supported = [
        EvidenceStatus::Limited,
        EvidenceStatus::Moderate,
        EvidenceStatus::Strong,
    ];
    if supported.iter().any(|s| status == Some(s.as_str())) {
        a.evaluated += sessions;
    }
    if status.is_some_and(|s| s != EvidenceStatus::Unassessed.as_str()) {
        a.assessed += sessions;
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
