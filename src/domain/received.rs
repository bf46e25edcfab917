//! What the inbox keeps of an activity it applied, and the one rule for which local
//! accounts an activity reaches (received ones here, local ones through
//! [`super::publish::deliver_locally`]).

use super::DomainError;
use crate::db::Conn;
use crate::db::{self, StoreError, entities::accounts::Model as Account};

/// An activity already recorded under its id.
pub struct Recorded {
    pub row: i64,
    pub actor_account_id: Option<i64>,
    pub body: Option<String>,
}

/// Records a received activity under its id, in the caller's transaction: its row, or
/// `None` when that id was recorded before (a redelivery).
pub async fn record<C: Conn>(
    db: &C,
    id: &str,
    actor: &Account,
    kind: &str,
    body: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<i64>, DomainError> {
    let actor_uri = actor.uri.clone().unwrap_or_default();
    match db::inbox::record(db, id, (actor.id, &actor_uri), kind, body, now).await {
        Ok(row) => Ok(Some(row)),
        Err(StoreError::Conflict) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The activity recorded under `id`, if any.
pub async fn find_recorded<C: Conn>(db: &C, id: &str) -> Result<Option<Recorded>, DomainError> {
    Ok(db::inbox::find_recorded(db, id).await?.map(|r| Recorded {
        row: r.id,
        actor_account_id: r.actor_account_id,
        body: r.body,
    }))
}

/// Who among local accounts an activity may reach, before the rule below is applied.
#[derive(Debug, Default)]
pub struct Audience {
    /// The account performing the activity.
    pub actor: i64,
    /// For a boost, the boosted post's author (whom a recipient may block too).
    pub subject_author: Option<i64>,
    /// Accounts reached by name: a personal inbox's owner, local addressees.
    pub accounts: Vec<i64>,
    /// Local usernames the activity addresses or acts on.
    pub usernames: Vec<String>,
    /// Ids of posts the activity acts on; the authors of local ones are reached.
    pub posts: Vec<String>,
    /// Addressed to the public or to the actor's followers: its local followers are reached.
    pub followers: bool,
}

/// The rule: everyone the audience names, nobody on the other side of a block with the
/// actor or the boosted author, each once.
pub async fn reached<C: Conn>(db: &C, audience: Audience) -> Result<Vec<i64>, DomainError> {
    let mut accounts = audience.accounts;
    for name in &audience.usernames {
        if let Some(a) = db::accounts::find_local_by_username(db, name).await? {
            accounts.push(a.id);
        }
    }
    for uri in &audience.posts {
        if let Some(p) = db::posts::find_by_uri(db, uri).await?
            && p.local
        {
            accounts.push(p.account_id);
        }
    }
    if audience.followers {
        accounts.extend(db::posts::local_follower_ids(db, audience.actor).await?);
    }
    let mut blocked = db::blocks::partners(db, audience.actor).await?;
    if let Some(author) = audience.subject_author {
        blocked.extend(db::blocks::partners(db, author).await?);
    }
    accounts.retain(|id| !blocked.contains(id));
    accounts.sort_unstable();
    accounts.dedup();
    Ok(accounts)
}

/// Puts a recorded activity in the inbox collections of `accounts`.
pub async fn deliver<C: Conn>(
    db: &C,
    row: i64,
    accounts: &[i64],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DomainError> {
    Ok(db::inbox::deliver_to(db, row, accounts, now).await?)
}

/// An account by id, in the caller's transaction.
pub async fn account<C: Conn>(db: &C, id: i64) -> Result<Account, DomainError> {
    db::accounts::find_by_id(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such account".into()))
}
