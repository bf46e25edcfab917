//! Blocks, as Mastodon applies them: follows between the two accounts end (a remote
//! follower gets Reject, a remote followee Undo{Follow}), neither sees the other's posts or
//! notifications, the blocked account cannot follow again, and a remote blocked account's
//! server is told with Block.

use super::{
    DomainError,
    publish::{Event, Publisher, publish},
};
use crate::db::{
    self,
    entities::{accounts::Model as Account, blocks::Model as Block},
};
use crate::db::{Conn, Pool};

/// Ends the follows between `a` and `b` both ways; tells remote parties.
async fn sever<C: Conn>(
    db: &C,
    publisher: &dyn Publisher,
    a: &Account,
    b: &Account,
) -> Result<(), DomainError> {
    for (follower, target) in [(a, b), (b, a)] {
        let Some(follow) = db::follows::find_pair(db, follower.id, target.id).await? else {
            continue;
        };
        db::follows::delete(db, follow.id).await?;
        let event = if follower.is_local() && !target.is_local() {
            Event::FollowUndone {
                follow: &follow,
                follower,
                target,
            }
        } else if !follower.is_local() && target.is_local() {
            Event::FollowRejected {
                follow: &follow,
                follower,
                target,
            }
        } else {
            continue;
        };
        publish(db, publisher, event).await?;
    }
    Ok(())
}

/// Local `blocker` blocks `target`. Idempotent: blocking again returns the existing block.
pub async fn block(
    db: &Pool,
    publisher: &dyn Publisher,
    blocker: &Account,
    target: &Account,
) -> Result<Block, DomainError> {
    if !blocker.is_local() {
        return Err(DomainError::Invalid("only local accounts can block".into()));
    }
    if blocker.id == target.id {
        return Err(DomainError::Invalid(
            "an account cannot block itself".into(),
        ));
    }
    let txn = db::begin_write(db).await?;
    if let Some(existing) = db::blocks::find_pair(&txn, blocker.id, target.id).await? {
        db::commit(txn).await?;
        return Ok(existing);
    }
    let block = db::blocks::insert(
        &txn,
        blocker.id,
        target.id,
        publisher.new_activity_id(blocker),
        chrono::Utc::now(),
    )
    .await?;
    sever(&txn, publisher, blocker, target).await?;
    if !target.is_local() {
        publish(
            &txn,
            publisher,
            Event::Blocked {
                block: &block,
                blocker,
                target,
            },
        )
        .await?;
    }
    db::commit(txn).await?;
    Ok(block)
}

/// Local `blocker` lifts its block of `target` (Undo{Block} to a remote target).
pub async fn unblock(
    db: &Pool,
    publisher: &dyn Publisher,
    blocker: &Account,
    target: &Account,
) -> Result<(), DomainError> {
    let txn = db::begin_write(db).await?;
    let Some(block) = db::blocks::find_pair(&txn, blocker.id, target.id).await? else {
        return Err(DomainError::NotFound(format!(
            "{} does not block {}",
            blocker.username, target.username
        )));
    };
    db::blocks::delete(&txn, block.id).await?;
    if !target.is_local() {
        publish(
            &txn,
            publisher,
            Event::Unblocked {
                block: &block,
                blocker,
                target,
            },
        )
        .await?;
    }
    db::commit(txn).await?;
    Ok(())
}

/// A remote `blocker` blocked local `target` (activity `uri`): recorded, follows between
/// them end. Runs in the caller's transaction.
pub async fn receive_block<C: Conn>(
    db: &C,
    blocker: &Account,
    target: &Account,
    uri: &str,
) -> Result<(), DomainError> {
    if db::blocks::find_pair(db, blocker.id, target.id)
        .await?
        .is_none()
    {
        db::blocks::insert(db, blocker.id, target.id, uri.into(), chrono::Utc::now()).await?;
    }
    // The remote server ends the follows on its side; only ours are removed, quietly.
    for (follower, followed) in [(blocker, target), (target, blocker)] {
        if let Some(f) = db::follows::find_pair(db, follower.id, followed.id).await? {
            db::follows::delete(db, f.id).await?;
        }
    }
    Ok(())
}

/// A remote account lifted its block of local `target`.
pub async fn receive_undo_block<C: Conn>(
    db: &C,
    blocker: &Account,
    target: &Account,
) -> Result<(), DomainError> {
    if let Some(b) = db::blocks::find_pair(db, blocker.id, target.id).await? {
        db::blocks::delete(db, b.id).await?;
    }
    Ok(())
}

/// The accounts `blocker` blocks, newest block first.
pub async fn blocked(db: &Pool, blocker: &Account) -> Result<Vec<Account>, DomainError> {
    let ids: Vec<i64> = db::blocks::made_by(db, blocker.id)
        .await?
        .iter()
        .map(|b| b.target_account_id)
        .collect();
    let mut accounts = db::accounts::find_many(db, &ids).await?;
    accounts.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
    Ok(accounts)
}
