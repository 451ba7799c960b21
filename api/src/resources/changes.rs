//! `GET /v1/changes`: every create, update and delete of sessions and
//! programmes, in commit order. See `feed` for why a follower never misses or
//! repeats a change; each page is read in one snapshot.

use chrono::{DateTime, Utc};
use entity::{app_meta, programme, session, tombstone};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Union};
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IsolationLevel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::http::openapi::tags::ApiTags;
use crate::http::paging;
use crate::resources::programmes::Programme;
use crate::resources::sessions::wire::Session;
use crate::state::AppState;

/// Names this feed's history; a database rebuilt from scratch gets a new one,
/// so cursors into the old history are refused (410) instead of silently wrong.
pub const FEED_EPOCH_KEY: &str = "feed_epoch";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ChangeType {
    Session,
    Programme,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ChangeOp {
    /// Created or updated: `data` holds the whole public record.
    Upsert,
    /// Deleted: `data` is null.
    Delete,
}

// A change is built and serialized at once, never kept in bulk: the size of
// its largest variant (a session with its details) costs nothing worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Union)]
#[oai(one_of)]
pub enum ChangeData {
    Session(Session),
    Programme(Programme),
}

/// One change.
#[derive(Debug, Clone, Object)]
pub struct Change {
    /// Position in the feed; strictly increasing in commit order.
    pub seq: i64,
    #[oai(rename = "type")]
    pub kind: ChangeType,
    /// The session's UUID or the programme's slug.
    pub id: String,
    pub op: ChangeOp,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// For sessions: the municipality (also on deletes).
    pub municipality_code: Option<String>,
    /// The public record after the change; null for deletes.
    pub data: Option<ChangeData>,
}

/// A page of the change feed.
#[derive(Debug, Clone, Object)]
pub struct ChangeFeedPage {
    pub changes: Vec<Change>,
    /// Pass as `after` for the next page; also when `has_more` is false (then
    /// poll with it later). Save it only after the changes are safely stored.
    pub next_cursor: String,
    /// More changes are available right now.
    pub has_more: bool,
}

#[derive(ApiResponse)]
pub enum ChangesResponse {
    /// A page of changes in seq order.
    #[oai(status = 200)]
    Ok(Json<ChangeFeedPage>),
}

crate::error_responses!(
    /// Errors of the change feed.
    ChangesError {
        BadRequest = 400: "The cursor or another parameter is malformed.",
        Unauthorized = 401: "An `Authorization` header whose key is unknown or revoked (reads need none).",
        Gone = 410: "The cursor belongs to a history this database no longer has: resync from the start (no `after`).",
        TooManyRequests = 429: "Rate limit exceeded; see `Retry-After`.",
    }
);

#[derive(Serialize, Deserialize)]
struct FeedCursor {
    s: i64,
    e: String,
}

pub async fn feed_epoch(db: &impl ConnectionTrait) -> Result<String, ApiError> {
    if let Some(m) = app_meta::Entity::find_by_id(FEED_EPOCH_KEY).one(db).await? {
        return Ok(m.value);
    }
    let epoch = uuid::Uuid::new_v4().simple().to_string();
    let row = app_meta::ActiveModel {
        key: Set(FEED_EPOCH_KEY.into()),
        value: Set(epoch),
    };
    app_meta::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(app_meta::Column::Key)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    // Another instance may have won the race: read back what is stored.
    Ok(app_meta::Entity::find_by_id(FEED_EPOCH_KEY)
        .one(db)
        .await?
        .map(|m| m.value)
        .unwrap_or_default())
}

fn filter_key(kind: Option<ChangeType>) -> String {
    format!("changes|{kind:?}")
}

pub fn encode_cursor(seq: i64, epoch: &str, kind: Option<ChangeType>) -> String {
    paging::encode_cursor(
        &FeedCursor {
            s: seq,
            e: epoch.to_owned(),
        },
        &filter_key(kind),
    )
}

/// One page of changes after `after` (a seq), read in one snapshot.
pub async fn read_changes(
    db: &DatabaseConnection,
    after: Option<&str>,
    limit: u64,
    kind: Option<ChangeType>,
) -> Result<ChangeFeedPage, ApiError> {
    let epoch = feed_epoch(db).await?;
    let after_seq = match after {
        None => 0,
        Some(c) => {
            let cur: FeedCursor = paging::decode_cursor(c, &filter_key(kind)).map_err(|_| {
                ApiError::invalid_parameter("after", "not a cursor of this feed (or of another `type`); resync from the start without `after`")
            })?;
            if cur.e != epoch {
                return Err(ApiError::cursor_expired("this cursor belongs to an earlier history of the database; resync from the start without `after`"));
            }
            cur.s
        }
    };
    let (isolation, mode) = match db.get_database_backend() {
        DbBackend::Postgres => (
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        ),
        _ => (None, None),
    };
    let txn = db.begin_with_config(isolation, mode).await?;
    if after_seq > crate::store::feed::last_seq(&txn).await? {
        return Err(ApiError::cursor_expired("this cursor is ahead of the feed: the database was reset; resync from the start without `after`"));
    }
    let take = limit + 1;
    let mut changes: Vec<Change> = Vec::new();
    if kind.is_none_or(|k| k == ChangeType::Session) {
        let rows = session::Entity::find()
            .filter(session::Column::Seq.gt(after_seq))
            .order_by_asc(session::Column::Seq)
            .limit(take)
            .all(&txn)
            .await?;
        for s in rows {
            changes.push(Change {
                seq: s.seq,
                kind: ChangeType::Session,
                id: s.id.to_string(),
                op: ChangeOp::Upsert,
                at: s.updated_at,
                municipality_code: Some(s.municipality_code.clone()),
                data: Some(ChangeData::Session(s.try_into()?)),
            });
        }
    }
    if kind.is_none_or(|k| k == ChangeType::Programme) {
        let rows = programme::Entity::find()
            .filter(programme::Column::Seq.gt(after_seq))
            .order_by_asc(programme::Column::Seq)
            .limit(take)
            .all(&txn)
            .await?;
        for p in rows {
            changes.push(Change {
                seq: p.seq,
                kind: ChangeType::Programme,
                id: p.slug.clone(),
                op: ChangeOp::Upsert,
                at: p.updated_at,
                municipality_code: None,
                data: Some(ChangeData::Programme(p.try_into()?)),
            });
        }
    }
    let mut tombstones = tombstone::Entity::find().filter(tombstone::Column::Seq.gt(after_seq));
    if let Some(k) = kind {
        tombstones = tombstones.filter(tombstone::Column::Kind.eq(if k == ChangeType::Session {
            "session"
        } else {
            "programme"
        }));
    }
    for t in tombstones
        .order_by_asc(tombstone::Column::Seq)
        .limit(take)
        .all(&txn)
        .await?
    {
        changes.push(Change {
            seq: t.seq,
            kind: if t.kind == "programme" {
                ChangeType::Programme
            } else {
                ChangeType::Session
            },
            id: t.entity_id,
            op: ChangeOp::Delete,
            at: t.at,
            municipality_code: t.municipality_code,
            data: None,
        });
    }
    txn.commit().await?;
    changes.sort_by_key(|c| c.seq);
    let has_more = changes.len() as u64 > limit;
    changes.truncate(limit as usize);
    let next_seq = changes.last().map_or(after_seq, |c| c.seq);
    Ok(ChangeFeedPage {
        next_cursor: encode_cursor(next_seq, &epoch, kind),
        has_more,
        changes,
    })
}

pub struct ChangesApi;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Changes")]
impl ChangesApi {
    /// Följ ändringsflödet / Follow the change feed
    ///
    /// Every create, update and delete of sessions and programmes, in commit order.
    /// Start without `after`, then pass `next_cursor` each time; store the cursor
    /// only after the changes are stored. The feed is compacted: an entity appears at
    /// the seq of its latest change (changed again, it moves to a new seq), so a
    /// follower that reads until `has_more` is false holds exactly the current public
    /// state, and under concurrent writers no change is skipped or delivered twice
    /// (writers commit in seq order; each page is read in one snapshot). A cursor
    /// from an earlier history of the database is answered with 410: resync.
    ///
    /// A non-empty `after` that this feed did not issue (for the same `type`) is
    /// refused with 400 (resync from the start without one).
    #[oai(path = "/changes", method = "get", operation_id = "listChanges")]
    async fn list(
        &self,
        state: poem::web::Data<&AppState>,
        /// `next_cursor` from the previous page; none to start from the beginning.
        after: Query<Option<String>>,
        /// Page size, 1–1000 (default 100).
        #[oai(
            example = "example_limit",
            validator(minimum(value = "1"), maximum(value = "1000"))
        )]
        limit: Query<Option<u64>>,
        /// Only changes of this type.
        #[oai(name = "type")]
        kind: Query<Option<ChangeType>>,
    ) -> Result<ChangesResponse, ChangesError> {
        let limit = paging::page_size(limit.0)?;
        Ok(ChangesResponse::Ok(Json(
            read_changes(&state.db, after.0.as_deref(), limit, kind.0).await?,
        )))
    }
}

fn example_limit() -> Option<u64> {
    Some(1000)
}
