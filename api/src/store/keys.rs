//! API keys: created by the CLI, shown once, stored only as a SHA-256 hash.
//!
//! A key looks like `fst_<8-char id>_<secret>`. The id part (the stored
//! `prefix`) finds the row; the hash of the whole key is then compared in
//! constant time, so response timing says nothing about how much of a guessed
//! key was right.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use entity::api_key;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::error::ApiError;
use crate::vocab::MunicipalityCode;

/// Who a valid key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Admin,
    Municipality(String),
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub key_id: Uuid,
    pub role: Role,
}

impl Principal {
    /// A municipality key writes only its own municipality; admin writes all.
    pub fn require_municipality(&self, code: &MunicipalityCode) -> Result<(), ApiError> {
        match &self.role {
            Role::Admin => Ok(()),
            Role::Municipality(own) if own == code.as_str() => Ok(()),
            Role::Municipality(own) => Err(ApiError::forbidden(format!(
                "this key belongs to municipality {own}, not {}",
                code.as_str()
            ))),
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Municipality(_) => Err(ApiError::forbidden("this operation needs an admin key")),
        }
    }
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The id part of a well-formed key.
fn prefix_of(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("fst_")?;
    let (prefix, secret) = rest.split_once('_')?;
    (prefix.len() == 8 && secret.len() >= 32).then_some(prefix)
}

/// The token of an `Authorization: Bearer <token>` value, the scheme in any
/// letter case (RFC 9110 11.1); `None` for another scheme.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(char::is_whitespace)?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub async fn authenticate(db: &impl ConnectionTrait, key: &str) -> Result<Principal, ApiError> {
    let unknown = || ApiError::unauthorized("the API key is unknown or revoked");
    let prefix = prefix_of(key).ok_or_else(unknown)?;
    let candidates = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix))
        .all(db)
        .await?;
    let presented = hash(key);
    let found = candidates
        .into_iter()
        .find(|k| bool::from(k.hash.as_bytes().ct_eq(presented.as_bytes())))
        .ok_or_else(unknown)?;
    if found.revoked_at.is_some() {
        return Err(unknown());
    }
    note_use(db, &found).await;
    let role = match (found.role.as_str(), found.municipality_code) {
        ("admin", _) => Role::Admin,
        ("municipality", Some(code)) => Role::Municipality(code),
        _ => {
            return Err(ApiError::internal(format!(
                "api key {} has an invalid role",
                found.id
            )))
        }
    };
    Ok(Principal {
        key_id: found.id,
        role,
    })
}

/// `last_used_at` is kept to the minute: an UPDATE on every request would
/// make each keyed read a write (on SQLite, one that queues behind a running
/// batch), while operators only need to see which keys are still in use.
const LAST_USE_GRANULARITY: chrono::Duration = chrono::Duration::minutes(1);

/// Records that `key` authenticated, at most once a minute. The condition is
/// repeated in the UPDATE so instances racing on the same key write once. A
/// failure is logged, never fatal: bookkeeping must not refuse a valid key.
async fn note_use(db: &impl ConnectionTrait, key: &api_key::Model) {
    let now = Utc::now();
    let stale = now - LAST_USE_GRANULARITY;
    if key.last_used_at.is_some_and(|t| t > stale) {
        return;
    }
    let result = api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
        .filter(api_key::Column::Id.eq(key.id))
        .filter(
            Condition::any()
                .add(api_key::Column::LastUsedAt.is_null())
                .add(api_key::Column::LastUsedAt.lte(stale)),
        )
        .exec(db)
        .await;
    if let Err(e) = result {
        tracing::warn!(key_id = %key.id, error = %e, "could not record the key's last use");
    }
}

/// A new key; the returned secret is the only copy there will ever be.
pub async fn create_key(
    db: &impl ConnectionTrait,
    municipality: Option<&MunicipalityCode>,
    label: Option<String>,
) -> Result<(api_key::Model, String), ApiError> {
    if let Some(code) = municipality {
        if entity::municipality::Entity::find_by_id(code.as_str())
            .one(db)
            .await?
            .is_none()
        {
            return Err(ApiError::municipality_not_found(code.as_str()));
        }
    }
    let mut id_bytes = [0u8; 6];
    let mut secret_bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut id_bytes);
    rand::thread_rng().fill_bytes(&mut secret_bytes);
    let prefix = URL_SAFE_NO_PAD.encode(id_bytes).replace(['-', '_'], "x");
    let secret = format!("fst_{prefix}_{}", URL_SAFE_NO_PAD.encode(secret_bytes));
    let model = api_key::ActiveModel {
        id: Set(Uuid::new_v4()),
        role: Set(if municipality.is_some() {
            "municipality"
        } else {
            "admin"
        }
        .into()),
        municipality_code: Set(municipality.map(|m| m.as_str().to_owned())),
        prefix: Set(prefix),
        hash: Set(hash(&secret)),
        label: Set(label),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((model, secret))
}

pub async fn list_keys(db: &impl ConnectionTrait) -> Result<Vec<api_key::Model>, ApiError> {
    Ok(api_key::Entity::find()
        .order_by_asc(api_key::Column::CreatedAt)
        .all(db)
        .await?)
}

pub async fn revoke_key(db: &impl ConnectionTrait, id: Uuid) -> Result<api_key::Model, ApiError> {
    let key = api_key::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no API key with id {id}")))?;
    if key.revoked_at.is_some() {
        return Ok(key);
    }
    let mut active: api_key::ActiveModel = key.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_keys_have_a_prefix() {
        assert_eq!(
            prefix_of("fst_abcdefgh_0123456789012345678901234567890123"),
            Some("abcdefgh")
        );
        assert_eq!(
            prefix_of("fst_abc_0123456789012345678901234567890123"),
            None
        );
        assert_eq!(prefix_of("Bearer xyz"), None);
    }
}
