//! The reference data (municipalities, programmes, the reference
//! populations): small, read whole, and kept per data version so that filters
//! resolve without a query.

use std::collections::HashMap;

use entity::{municipality, population, programme};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};

use super::memo::Derived;
use super::population::all_series;
use crate::error::ApiError;

/// The whole catalogue, by slug: small enough to read whole on every use.
pub async fn load_programmes(db: &impl ConnectionTrait) -> Result<Vec<programme::Model>, ApiError> {
    Ok(programme::Entity::find()
        .order_by_asc(programme::Column::Slug)
        .all(db)
        .await?)
}

/// The reference data a query resolves its filters against: small, read whole.
pub struct ReferenceData {
    pub municipalities: Vec<municipality::Model>,
    pub programmes: Vec<programme::Model>,
    /// Per municipality code, its population series, oldest year first.
    pub population: HashMap<String, Vec<population::Model>>,
}

impl ReferenceData {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, ApiError> {
        Ok(Self {
            municipalities: municipality::Entity::find()
                .order_by_asc(municipality::Column::Code)
                .all(db)
                .await?,
            programmes: load_programmes(db).await?,
            population: all_series(db).await?,
        })
    }

    /// The figure a rate for `year` divides by: that year's row, else the
    /// nearest earlier one, among the rows that have the figure (`has`).
    /// Never a later year: a rate is not divided by a future population.
    pub fn population_for(
        &self,
        code: &str,
        year: i32,
        has: impl Fn(&population::Model) -> bool,
    ) -> Option<&population::Model> {
        self.population
            .get(code)?
            .iter()
            .rev()
            .find(|p| p.year <= year && has(p))
    }

    pub fn municipality(&self, code: &str) -> Option<&municipality::Model> {
        self.municipalities
            .binary_search_by(|m| m.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.municipalities[i])
    }

    /// The municipality a query names, else the 400 that names the code.
    pub fn known_municipality(&self, code: &str) -> Result<&municipality::Model, ApiError> {
        self.municipality(code)
            .ok_or_else(|| ApiError::unknown_municipality(code))
    }

    /// The home county: the one whose municipalities are in the
    /// collaboration (at start made the configured `HOME_COUNTY`'s, see
    /// `municipalities::make_home_county`). Every default county is this.
    pub fn home_county(&self) -> &str {
        self.municipalities
            .iter()
            .find(|m| m.in_collaboration)
            .map_or(crate::config::DEFAULT_HOME_COUNTY, |m| {
                m.county_code.as_str()
            })
    }

    /// The name of county `code` in the reference data, if it has one.
    pub fn county_name(&self, code: &str) -> Option<&str> {
        self.municipalities
            .iter()
            .find(|m| m.county_code == code)
            .map(|m| m.county_name.as_str())
    }

    /// The municipalities of county `code` (never none), else the 400 that names it.
    pub fn county_members(&self, code: &str) -> Result<Vec<&municipality::Model>, ApiError> {
        let members: Vec<_> = self
            .municipalities
            .iter()
            .filter(|m| m.county_code == code)
            .collect();
        if members.is_empty() {
            return Err(ApiError::unknown_county(code));
        }
        Ok(members)
    }

    /// The programme a query names, else the 400 that names the slug.
    pub fn known_programme(&self, slug: &str) -> Result<&programme::Model, ApiError> {
        self.programme(slug)
            .ok_or_else(|| ApiError::unknown_programme(slug))
    }

    /// A scan, not a binary search: the database's collation orders slugs,
    /// and it may not order hyphens as Rust does.
    pub fn programme(&self, slug: &str) -> Option<&programme::Model> {
        self.programmes.iter().find(|p| p.slug == slug)
    }
}

/// The reference data as of a data version: reach and indicators read it on
/// every request, and it changes only when something is written.
impl Derived for ReferenceData {
    const STEP: &'static str = "load the reference data";
    async fn load(db: &DatabaseConnection) -> Result<Self, ApiError> {
        ReferenceData::load(db).await
    }
}
