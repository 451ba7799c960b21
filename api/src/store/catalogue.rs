//! The reference catalogues (municipalities, programmes, the reference
//! populations): small, read whole, and kept per data version so that filters
//! resolve without a query.

use std::collections::HashMap;

use entity::{municipality, population, programme};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use super::feed::data_version;
use super::population::children_references;
use crate::error::ApiError;

/// The whole catalogue, by slug: small enough to read whole on every use.
pub async fn load_programmes(db: &impl ConnectionTrait) -> Result<Vec<programme::Model>, ApiError> {
    Ok(programme::Entity::find()
        .order_by_asc(programme::Column::Slug)
        .all(db)
        .await?)
}

/// The reference data a query resolves its filters against: small, read whole.
pub struct Catalogues {
    pub municipalities: Vec<municipality::Model>,
    pub programmes: Vec<programme::Model>,
    /// Per municipality code, the latest year with a children figure: what
    /// rates per 1,000 children divide by.
    pub children: HashMap<String, population::Model>,
}

impl Catalogues {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, ApiError> {
        Ok(Self {
            municipalities: municipality::Entity::find()
                .order_by_asc(municipality::Column::Code)
                .all(db)
                .await?,
            programmes: load_programmes(db).await?,
            children: children_references(db).await?,
        })
    }

    /// The reference population (latest year with children) of a municipality.
    pub fn children_of(&self, code: &str) -> Option<&population::Model> {
        self.children.get(code)
    }

    pub fn municipality(&self, code: &str) -> Option<&municipality::Model> {
        self.municipalities
            .binary_search_by(|m| m.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.municipalities[i])
    }

    /// A scan, not a binary search: the database's collation orders slugs,
    /// and it may not order hyphens as Rust does.
    pub fn programme(&self, slug: &str) -> Option<&programme::Model> {
        self.programmes.iter().find(|p| p.slug == slug)
    }
}

/// The catalogues as of a data version: reach and indicators read them on
/// every request, and they change only when something is written.
#[derive(Default)]
pub struct CatalogueCache(std::sync::Mutex<Option<(i64, std::sync::Arc<Catalogues>)>>);

impl CatalogueCache {
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<std::sync::Arc<Catalogues>, ApiError> {
        let version = data_version(db).await?;
        if let Some((v, cat)) = self.0.lock().map_err(ApiError::internal)?.as_ref() {
            if *v == version {
                return Ok(cat.clone());
            }
        }
        // Loaded outside the lock; a concurrent loader's result is as good as ours.
        let cat = std::sync::Arc::new(Catalogues::load(db).await?);
        *self.0.lock().map_err(ApiError::internal)? = Some((version, cat.clone()));
        Ok(cat)
    }
}
