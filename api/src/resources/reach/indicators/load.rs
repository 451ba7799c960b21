//! Reads what each municipality did per year from the three rollups.

use std::collections::BTreeMap;

use entity::{offer_language_rollup, offer_rollup, programme, reach_rollup};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IdenStatic, QueryResult};

use super::AreaYear;
use crate::error::ApiError;
use crate::resources::reach::rollup::Offer;
use crate::resources::reach::sums::{read_columns, sum_as_bigint, Sums};
use crate::vocab::EvidenceStatus;

type ByAreaYear = BTreeMap<(String, i32), AreaYear>;

/// Reads the rollups for the given years and municipalities, per (municipality, year).
pub(super) async fn load_area_years(
    db: &impl ConnectionTrait,
    years: [i32; 2],
    codes: &[String],
    programmes: &[programme::Model],
) -> Result<ByAreaYear, ApiError> {
    let mut out = ByAreaYear::new();
    if codes.is_empty() {
        return Ok(out);
    }
    let rollups = Rollups { db, years, codes };
    rollups.add_reach(&mut out).await?;
    rollups.add_offer(programmes, &mut out).await?;
    rollups.add_languages(&mut out).await?;
    Ok(out)
}

/// The rollup rows of some municipalities in two years.
struct Rollups<'a, D> {
    db: &'a D,
    years: [i32; 2],
    codes: &'a [String],
}

impl<D: ConnectionTrait> Rollups<'_, D> {
    async fn rows(&self, select: &SelectStatement) -> Result<Vec<QueryResult>, DbErr> {
        let backend = self.db.get_database_backend();
        self.db.query_all(backend.build(select)).await
    }

    /// `table`'s rows selected and grouped by (municipality, year): the two
    /// columns every rollup has.
    fn per_area_year<E: EntityTrait>(
        &self,
        table: E,
        [municipality, year]: [E::Column; 2],
    ) -> SelectStatement {
        let mut s = Query::select();
        s.from(table)
            .column(municipality)
            .column(year)
            .and_where(Expr::col(year).is_in(self.years))
            .and_where(Expr::col(municipality).is_in(self.codes.iter().cloned()))
            .group_by_col(municipality)
            .group_by_col(year);
        s
    }

    async fn add_reach(&self, out: &mut ByAreaYear) -> Result<(), DbErr> {
        use reach_rollup::Column as C;
        let keys = [C::MunicipalityCode, C::Year];
        let mut select = self.per_area_year(reach_rollup::Entity, keys);
        Sums::select_summed(&mut select);
        for row in self.rows(&select).await? {
            let a = out.entry(area_year_of(&row, keys)?).or_default();
            a.counted.add(&Sums::from_row(&row)?);
        }
        Ok(())
    }

    async fn add_offer(
        &self,
        programmes: &[programme::Model],
        out: &mut ByAreaYear,
    ) -> Result<(), DbErr> {
        use offer_rollup::Column as C;
        let keys = [C::MunicipalityCode, C::Year];
        let mut select = self.per_area_year(offer_rollup::Entity, keys);
        select.column(C::Programme).group_by_col(C::Programme);
        for col in Offer::COLUMNS {
            select.expr_as(sum_as_bigint(col), col);
        }
        let by_slug: BTreeMap<&str, &programme::Model> =
            programmes.iter().map(|p| (p.slug.as_str(), p)).collect();
        for row in self.rows(&select).await? {
            let slug: String = row.try_get("", C::Programme.as_str())?;
            let [sessions, digital, collaborative] = read_columns(&row, Offer::COLUMNS)?;
            let a = out.entry(area_year_of(&row, keys)?).or_default();
            a.offered += sessions;
            a.digital += digital;
            a.collaborative += collaborative;
            // A status the vocabulary does not know still counts as assessed:
            // only `unassessed`, or no programme at all, says nothing was.
            let programme = by_slug.get(slug.as_str());
            if sessions > 0 {
                // Unknown ages cover no age: coverage is never claimed on a guess.
                if let Some((lo, hi)) = programme.and_then(|p| p.age_min.zip(p.age_max)) {
                    a.ages.extend(lo..=hi);
                }
            }
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
        Ok(())
    }

    async fn add_languages(&self, out: &mut ByAreaYear) -> Result<(), DbErr> {
        use offer_language_rollup::Column as C;
        let mut select = Query::select();
        select
            .from(offer_language_rollup::Entity)
            .columns([C::MunicipalityCode, C::Year, C::Language])
            .and_where(Expr::col(C::Year).is_in(self.years))
            .and_where(Expr::col(C::MunicipalityCode).is_in(self.codes.iter().cloned()))
            .and_where(Expr::col(C::Sessions).gt(0));
        for row in self.rows(&select).await? {
            out.entry(area_year_of(&row, [C::MunicipalityCode, C::Year])?)
                .or_default()
                .languages
                .insert(row.try_get("", C::Language.as_str())?);
        }
        Ok(())
    }
}

/// The (municipality, year) of a rollup row.
fn area_year_of(
    row: &QueryResult,
    [municipality, year]: [impl IdenStatic; 2],
) -> Result<(String, i32), DbErr> {
    Ok((
        row.try_get("", municipality.as_str())?,
        row.try_get("", year.as_str())?,
    ))
}
