//! Reading and writing the programme catalogue.

use entity::programme;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    TransactionTrait,
};

use super::wire::Programme;
use crate::error::ApiError;
use crate::http::paging;
use crate::store::audit::{self, Actor, Counts, Entry};
use crate::store::feed::{now, SeqAllocator};
use crate::store::reference::load_programmes;
use crate::vocab::AuditOperation;
use crate::vocab::{parse_list, PreventionLevel, ProgrammeFormat};

/// Which programmes a filter on child age and prevention level admits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeFilter {
    pub child_age: Option<i32>,
    pub prevention_level: Option<PreventionLevel>,
    pub format: Option<ProgrammeFormat>,
}

impl ProgrammeFilter {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
    /// A programme whose age range is not fully known (either bound null) is
    /// never admitted by `child_age`: saying it suits a child of that age
    /// would be a guess. Likewise an unknown level or format admits no level
    /// or format (the stored list is empty).
    pub fn admits(&self, p: &programme::Model) -> bool {
        self.child_age.is_none_or(|a| match (p.age_min, p.age_max) {
            (Some(lo), Some(hi)) => lo <= a && a <= hi,
            _ => false,
        }) && self
            .prevention_level
            .is_none_or(|l| parse_list(&p.prevention_levels, PreventionLevel::parse).contains(&l))
            && self
                .format
                .is_none_or(|f| parse_list(&p.formats, ProgrammeFormat::parse).contains(&f))
    }
    pub fn canonical(&self) -> String {
        format!(
            "p|{:?}|{:?}|{:?}",
            self.child_age, self.prevention_level, self.format
        )
    }
}

pub async fn list_programmes(
    db: &impl ConnectionTrait,
    filter: &ProgrammeFilter,
) -> Result<Vec<Programme>, ApiError> {
    load_programmes(db)
        .await?
        .into_iter()
        .filter(|p| filter.admits(p))
        .map(Programme::try_from)
        .collect()
}

/// A page of the catalogue, which is read whole: the programmes after the
/// cursor's slug.
pub fn page_after(
    all: Vec<Programme>,
    after: Option<String>,
    limit: u64,
) -> (Vec<Programme>, Option<String>) {
    let rows = all
        .into_iter()
        .filter(|p| after.as_ref().is_none_or(|a| &p.slug > a))
        .collect();
    paging::split_page(rows, limit, |p| p.slug.clone())
}

pub async fn get_programme(db: &impl ConnectionTrait, slug: &str) -> Result<Programme, ApiError> {
    programme::Entity::find_by_id(slug)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::programme_not_found(slug))?
        .try_into()
}

/// Whether a write created the programme or found it already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
}

/// Creates or replaces a programme with validated `fields`; an unchanged
/// programme keeps its seq and `updated_at` and moves nothing.
pub async fn put_programme(
    db: &DatabaseConnection,
    mut fields: programme::Model,
    actor: &Actor,
) -> Result<(programme::Model, Written), ApiError> {
    let txn = db.begin().await?;
    let mut seqs = SeqAllocator::lock(&txn).await?;
    let old = programme::Entity::find_by_id(fields.slug.as_str())
        .one(&txn)
        .await?;
    let entry = |counts| Entry {
        operation: AuditOperation::PutProgramme,
        municipality: None,
        target: Some(fields.slug.clone()),
        counts,
    };
    let one = Counts::default();
    if let Some(old) = &old {
        fields.seq = old.seq;
        fields.updated_at = old.updated_at;
        if fields == *old {
            let unchanged = entry(Counts {
                unchanged: 1,
                ..one
            });
            audit::record(&txn, actor, vec![unchanged]).await?;
            txn.commit().await?;
            return Ok((fields, Written::Updated));
        }
    }
    let done = if old.is_some() {
        entry(Counts { updated: 1, ..one })
    } else {
        entry(Counts { created: 1, ..one })
    };
    fields.seq = seqs.take();
    fields.updated_at = now();
    // reset_all: write every column, not only those that differ from `fields` itself.
    let active = fields.clone().into_active_model().reset_all();
    let stored = if old.is_some() {
        active.update(&txn).await?
    } else {
        programme::Entity::insert(active)
            .exec_without_returning(&txn)
            .await?;
        fields
    };
    seqs.finish(&txn, true).await?;
    audit::record(&txn, actor, vec![done]).await?;
    txn.commit().await?;
    let written = if old.is_some() {
        Written::Updated
    } else {
        Written::Created
    };
    Ok((stored, written))
}
