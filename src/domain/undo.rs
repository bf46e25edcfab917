//! What an Undo may take back: a like, boost, follow or block, found by the id of the
//! activity that made it or by what it was (the owner's like of a post, follow of an
//! account). The outbox and the inbox both ask here.

use super::DomainError;
use crate::db::Conn;
use crate::db::{
    self,
    entities::{blocks, favourites, follows, posts::Model as Post},
};

/// A stored like, boost, follow or block.
#[derive(Debug, Clone)]
pub enum Undoable {
    Like(favourites::Model),
    Boost(Box<Post>),
    Follow(follows::Model),
    Block(blocks::Model),
}

impl Undoable {
    /// The account that did it (only it may undo it).
    pub fn owner_id(&self) -> i64 {
        match self {
            Undoable::Like(f) => f.account_id,
            Undoable::Boost(p) => p.account_id,
            Undoable::Follow(f) => f.follower_id,
            Undoable::Block(b) => b.account_id,
        }
    }
}

/// What the activity `id` made here, if anything.
pub async fn by_id<C: Conn>(db: &C, id: &str) -> Result<Option<Undoable>, DomainError> {
    if let Some(f) = db::posts::find_favourite_by_uri(db, id).await? {
        return Ok(Some(Undoable::Like(f)));
    }
    if let Some(p) = db::posts::find_by_uri(db, id)
        .await?
        .filter(|p| p.reblog_of_id.is_some())
    {
        return Ok(Some(Undoable::Boost(Box::new(p))));
    }
    if let Some(f) = db::follows::find_by_uri(db, id).await? {
        return Ok(Some(Undoable::Follow(f)));
    }
    Ok(db::blocks::find_by_uri(db, id).await?.map(Undoable::Block))
}

/// `account`'s like of `post`.
pub async fn like<C: Conn>(
    db: &C,
    account: i64,
    post: i64,
) -> Result<Option<Undoable>, DomainError> {
    Ok(db::posts::find_favourite(db, account, post)
        .await?
        .map(Undoable::Like))
}

/// `account`'s boost of `post`.
pub async fn boost<C: Conn>(
    db: &C,
    account: i64,
    post: i64,
) -> Result<Option<Undoable>, DomainError> {
    Ok(db::posts::find_reblog(db, account, post)
        .await?
        .map(|p| Undoable::Boost(Box::new(p))))
}

/// `account`'s follow (or follow request) of `target`.
pub async fn follow<C: Conn>(
    db: &C,
    account: i64,
    target: i64,
) -> Result<Option<Undoable>, DomainError> {
    Ok(db::follows::find_pair(db, account, target)
        .await?
        .map(Undoable::Follow))
}

/// `account`'s block of `target`.
pub async fn block<C: Conn>(
    db: &C,
    account: i64,
    target: i64,
) -> Result<Option<Undoable>, DomainError> {
    Ok(db::blocks::find_pair(db, account, target)
        .await?
        .map(Undoable::Block))
}
