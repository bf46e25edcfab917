//! Follow rules: requests, acceptance (automatic unless the account is locked), undo, and
//! the answers from remote servers. Each change and the deliveries it causes are written in
//! one transaction.

use super::{
    DomainError,
    publish::{Event, Publisher, deliver_locally, publish, tell},
};
use crate::db::{
    self,
    entities::{accounts::Model as Account, follows::Model as Follow},
};
use crate::db::{Conn, Pool};

/// Where a follow stands after a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowState {
    Accepted,
    Pending,
    /// Refused at once: one of the two blocks the other.
    Rejected,
}

/// `follower` (local) follows `target` (local or remote). Idempotent: asking again returns
/// the existing follow (and re-sends a pending remote request).
pub async fn follow(
    db: &Pool,
    publisher: &dyn Publisher,
    follower: &Account,
    target: &Account,
) -> Result<(Follow, FollowState), DomainError> {
    if !follower.is_local() {
        return Err(DomainError::Invalid(
            "only local accounts can follow".into(),
        ));
    }
    if follower.id == target.id {
        return Err(DomainError::Invalid(
            "an account cannot follow itself".into(),
        ));
    }
    let txn = db::begin_write(db).await?;
    if db::blocks::between(&txn, follower.id, target.id).await? {
        return Err(DomainError::Invalid(format!(
            "{} and {} block each other's follows (one blocked the other)",
            follower.username, target.username
        )));
    }
    let now = chrono::Utc::now();
    let follow = match db::follows::find_pair(&txn, follower.id, target.id).await? {
        Some(existing) => existing,
        None => {
            let accepted = target.is_local() && !target.manually_approves_followers;
            let follow = db::follows::insert(
                &txn,
                follower.id,
                target.id,
                publisher.new_activity_id(follower),
                accepted,
                now,
            )
            .await?;
            if target.is_local() {
                let kind = if accepted { "follow" } else { "follow_request" };
                db::posts::notify(&txn, target.id, follower.id, kind, None, now).await?;
                let (follow, follower, target) = (&follow, follower, target);
                let request = Event::FollowRequested {
                    follow,
                    follower,
                    target,
                };
                deliver_locally(&txn, publisher, request, &[target.id]).await?;
                if accepted {
                    let answer = Event::FollowAccepted {
                        follow,
                        follower,
                        target,
                    };
                    deliver_locally(&txn, publisher, answer, &[follower.id]).await?;
                }
            }
            follow
        }
    };
    if !target.is_local() && !follow.accepted {
        publish(
            &txn,
            publisher,
            Event::FollowRequested {
                follow: &follow,
                follower,
                target,
            },
        )
        .await?;
    }
    db::commit(txn).await?;
    let state = if follow.accepted {
        FollowState::Accepted
    } else {
        FollowState::Pending
    };
    Ok((follow, state))
}

/// `follower` (local) stops following `target`; tells a remote target with Undo.
pub async fn unfollow(
    db: &Pool,
    publisher: &dyn Publisher,
    follower: &Account,
    target: &Account,
) -> Result<(), DomainError> {
    let txn = db::begin_write(db).await?;
    let Some(follow) = db::follows::find_pair(&txn, follower.id, target.id).await? else {
        return Err(DomainError::NotFound(format!(
            "{} does not follow {}",
            follower.username, target.username
        )));
    };
    db::follows::delete(&txn, follow.id).await?;
    let event = Event::FollowUndone {
        follow: &follow,
        follower,
        target,
    };
    if follower.is_local() || target.is_local() {
        tell(&txn, publisher, event, target).await?;
    }
    db::commit(txn).await?;
    Ok(())
}

/// A remote `follower` asked to follow local `target` with Follow `uri`. Stored and answered
/// with Accept, or kept as a request when `target` approves followers manually. Runs in the
/// caller's transaction (the inbox records the activity id in the same one).
pub async fn receive_follow<C: Conn>(
    db: &C,
    publisher: &dyn Publisher,
    follower: &Account,
    target: &Account,
    uri: &str,
) -> Result<FollowState, DomainError> {
    let now = chrono::Utc::now();
    if db::blocks::between(db, follower.id, target.id).await? {
        // Mastodon answers a blocked account's Follow with Reject and keeps nothing.
        let refused = Follow {
            id: 0,
            follower_id: follower.id,
            target_id: target.id,
            uri: uri.to_string(),
            accepted: false,
            created_at: now,
            updated_at: now,
        };
        publish(
            db,
            publisher,
            Event::FollowRejected {
                follow: &refused,
                follower,
                target,
            },
        )
        .await?;
        return Ok(FollowState::Rejected);
    }
    let follow = match db::follows::find_pair(db, follower.id, target.id).await? {
        // A repeated Follow (e.g. after the remote lost state) gets its Accept again.
        Some(existing) => existing,
        None => {
            let follow = db::follows::insert(
                db,
                follower.id,
                target.id,
                uri.to_string(),
                !target.manually_approves_followers,
                now,
            )
            .await?;
            let kind = if follow.accepted {
                "follow"
            } else {
                "follow_request"
            };
            db::posts::notify(db, target.id, follower.id, kind, None, now).await?;
            follow
        }
    };
    if !follow.accepted {
        return Ok(FollowState::Pending);
    }
    // Answer with the id the remote used this time, which is what it waits for.
    let answered = Follow {
        uri: uri.to_string(),
        ..follow
    };
    publish(
        db,
        publisher,
        Event::FollowAccepted {
            follow: &answered,
            follower,
            target,
        },
    )
    .await?;
    Ok(FollowState::Accepted)
}

/// Local `target` answers a pending request from `follower`: approved (Accept sent, a
/// follow notification as for an open account) or refused (Reject sent, the request
/// forgotten).
pub async fn answer(
    db: &Pool,
    publisher: &dyn Publisher,
    target: &Account,
    follower: &Account,
    approve: bool,
) -> Result<(), DomainError> {
    let txn = db::begin_write(db).await?;
    let follow = pending(&txn, follower, target).await?;
    let follow = if approve {
        let now = chrono::Utc::now();
        let follow = db::follows::set_accepted(&txn, follow, now).await?;
        db::posts::notify(&txn, target.id, follower.id, "follow", None, now).await?;
        follow
    } else {
        db::follows::delete(&txn, follow.id).await?;
        follow
    };
    let event = match approve {
        true => Event::FollowAccepted {
            follow: &follow,
            follower,
            target,
        },
        false => Event::FollowRejected {
            follow: &follow,
            follower,
            target,
        },
    };
    tell(&txn, publisher, event, follower).await?;
    db::commit(txn).await?;
    Ok(())
}

async fn pending<C: Conn>(
    db: &C,
    follower: &Account,
    target: &Account,
) -> Result<Follow, DomainError> {
    match db::follows::find_pair(db, follower.id, target.id).await? {
        Some(f) if !f.accepted => Ok(f),
        _ => Err(DomainError::NotFound(format!(
            "no pending follow request from {}",
            follower.username
        ))),
    }
}

/// Finds the follow an Accept/Reject/Undo refers to: by the Follow id when given, else by
/// the pair of accounts.
async fn referenced<C: Conn>(
    db: &C,
    follow_uri: Option<&str>,
    follower: &Account,
    target: &Account,
) -> Result<Option<Follow>, DomainError> {
    if let Some(uri) = follow_uri
        && let Some(f) = db::follows::find_by_uri(db, uri).await?
    {
        if f.follower_id == follower.id && f.target_id == target.id {
            return Ok(Some(f));
        }
        return Ok(None);
    }
    Ok(db::follows::find_pair(db, follower.id, target.id).await?)
}

/// Remote `target` accepted local `follower`'s request.
pub async fn receive_accept<C: Conn>(
    db: &C,
    follow_uri: Option<&str>,
    follower: &Account,
    target: &Account,
) -> Result<bool, DomainError> {
    match referenced(db, follow_uri, follower, target).await? {
        Some(f) if !f.accepted => {
            db::follows::set_accepted(db, f, chrono::Utc::now()).await?;
            Ok(true)
        }
        Some(_) => Ok(false),
        None => Err(DomainError::NotFound("no such follow request".into())),
    }
}

/// Remote `target` rejected (or removed) local `follower`.
pub async fn receive_reject<C: Conn>(
    db: &C,
    follow_uri: Option<&str>,
    follower: &Account,
    target: &Account,
) -> Result<bool, DomainError> {
    match referenced(db, follow_uri, follower, target).await? {
        Some(f) => {
            db::follows::delete(db, f.id).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Remote `follower` withdrew its follow of local `target`.
pub async fn receive_undo_follow<C: Conn>(
    db: &C,
    follow_uri: Option<&str>,
    follower: &Account,
    target: &Account,
) -> Result<bool, DomainError> {
    receive_reject(db, follow_uri, follower, target).await
}

/// Follower / following counts and pages, for collections and the APIs.
pub use crate::db::follows::Side;

/// Number of accepted follows on one side of an account.
pub async fn count(db: &Pool, account: &Account, side: Side) -> Result<u64, DomainError> {
    Ok(db::follows::count(db, account.id, side).await?)
}

/// A page of the accounts on one side, newest follow first.
pub async fn page(
    db: &Pool,
    account: &Account,
    side: Side,
    offset: u64,
    limit: u64,
) -> Result<Vec<Account>, DomainError> {
    Ok(db::follows::page(db, account.id, side, offset, limit).await?)
}

/// Pending follow requests to a local account, with the requesting accounts.
pub async fn requests(db: &Pool, target: &Account) -> Result<Vec<Account>, DomainError> {
    let mut out = Vec::new();
    for f in db::follows::pending_requests(db, target.id).await? {
        if let Some(a) = db::accounts::find_by_id(db, f.follower_id).await? {
            out.push(a);
        }
    }
    Ok(out)
}

/// How two accounts stand, as Mastodon's `Relationship` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relationship {
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
}

/// `me`'s relationship with `other`.
pub async fn relationship<C: Conn>(
    db: &C,
    me: &Account,
    other: &Account,
) -> Result<Relationship, DomainError> {
    let out = db::follows::find_pair(db, me.id, other.id).await?;
    let back = db::follows::find_pair(db, other.id, me.id).await?;
    Ok(Relationship {
        following: out.as_ref().is_some_and(|f| f.accepted),
        requested: out.as_ref().is_some_and(|f| !f.accepted),
        followed_by: back.as_ref().is_some_and(|f| f.accepted),
        requested_by: back.as_ref().is_some_and(|f| !f.accepted),
        blocking: db::blocks::find_pair(db, me.id, other.id).await?.is_some(),
        blocked_by: db::blocks::find_pair(db, other.id, me.id).await?.is_some(),
    })
}
