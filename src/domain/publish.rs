//! The seam between rules and federation: domain code says *what happened*; the federation
//! layer renders it as activities and the deliveries are written in the same transaction.

use super::posts::PostView;
use crate::db::Conn;
use crate::db::{
    deliveries::NewDelivery,
    entities::{
        accounts::Model as Account, blocks::Model as Block, follows::Model as Follow,
        posts::Model as Post, reports::Model as Report,
    },
};

/// Something other servers must hear about.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A local account asked to follow a remote one.
    FollowRequested {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
    /// A local account withdrew its follow (or request) of a remote one.
    FollowUndone {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
    /// A local account accepted a remote follower.
    FollowAccepted {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
    /// A local account refused (or removed) a remote follower.
    FollowRejected {
        follow: &'a Follow,
        follower: &'a Account,
        target: &'a Account,
    },
    /// A local post was published; `inboxes` are the remote inboxes that must receive it.
    PostCreated {
        view: &'a PostView,
        inboxes: &'a [String],
    },
    /// A local post was edited.
    PostUpdated {
        view: &'a PostView,
        inboxes: &'a [String],
    },
    /// A local post was deleted.
    PostDeleted {
        post: &'a Post,
        author: &'a Account,
        inboxes: &'a [String],
    },
    /// A local account liked a remote post.
    Liked {
        like_uri: &'a str,
        liker: &'a Account,
        post: &'a Post,
        author: &'a Account,
    },
    /// A local account withdrew a like of a remote post.
    Unliked {
        like_uri: &'a str,
        liker: &'a Account,
        post: &'a Post,
        author: &'a Account,
    },
    /// A local account boosted a post.
    Boosted {
        boost: &'a Post,
        booster: &'a Account,
        original: &'a Post,
        author: &'a Account,
        inboxes: &'a [String],
    },
    /// A local account blocked a remote one (Mastodon tells the blocked account's server,
    /// which then hides the blocker from it).
    Blocked {
        block: &'a Block,
        blocker: &'a Account,
        target: &'a Account,
    },
    /// A local account lifted a block of a remote one.
    Unblocked {
        block: &'a Block,
        blocker: &'a Account,
        target: &'a Account,
    },
    /// A local account changed its profile; `inboxes` are its followers' servers.
    ProfileUpdated {
        account: &'a Account,
        inboxes: &'a [String],
    },
    /// A local account withdrew a boost.
    Unboosted {
        boost: &'a Post,
        booster: &'a Account,
        original: &'a Post,
        author: &'a Account,
        inboxes: &'a [String],
    },
    /// A report forwarded to the reported account's server: a `Flag` from the instance
    /// actor naming the account and the reported posts (never the reporter).
    Reported {
        report: &'a Report,
        reporter: &'a Account,
        target: &'a Account,
        post_uris: &'a [String],
    },
}

impl Event<'_> {
    /// The account that performs the activity.
    pub fn actor(&self) -> &Account {
        match *self {
            Event::FollowRequested { follower, .. } | Event::FollowUndone { follower, .. } => {
                follower
            }
            Event::FollowAccepted { target, .. } | Event::FollowRejected { target, .. } => target,
            Event::PostCreated { view, .. } | Event::PostUpdated { view, .. } => &view.author,
            Event::PostDeleted { author, .. } => author,
            Event::Liked { liker, .. } | Event::Unliked { liker, .. } => liker,
            Event::Boosted { booster, .. } | Event::Unboosted { booster, .. } => booster,
            Event::Blocked { blocker, .. } | Event::Unblocked { blocker, .. } => blocker,
            Event::ProfileUpdated { account, .. } => account,
            Event::Reported { reporter, .. } => reporter,
        }
    }

    /// What the activity is about. Deliveries about one subject to one inbox go out in
    /// the order they were queued (a post's Create before its Update and Delete, a Follow
    /// before its Undo and the Follow after that); different subjects go out in parallel.
    pub fn subject(&self) -> String {
        match *self {
            Event::FollowRequested {
                follower, target, ..
            }
            | Event::FollowUndone {
                follower, target, ..
            }
            | Event::FollowAccepted {
                follower, target, ..
            }
            | Event::FollowRejected {
                follower, target, ..
            } => format!("follow {} {}", follower.id, target.id),
            Event::PostCreated { view, .. } | Event::PostUpdated { view, .. } => {
                format!("post {}", view.post.id)
            }
            Event::PostDeleted { post, .. } => format!("post {}", post.id),
            Event::Liked { liker, post, .. } | Event::Unliked { liker, post, .. } => {
                format!("like {} {}", liker.id, post.id)
            }
            Event::Boosted {
                booster, original, ..
            }
            | Event::Unboosted {
                booster, original, ..
            } => format!("boost {} {}", booster.id, original.id),
            Event::Blocked {
                blocker, target, ..
            }
            | Event::Unblocked {
                blocker, target, ..
            } => format!("block {} {}", blocker.id, target.id),
            Event::ProfileUpdated { account, .. } => format!("profile {}", account.id),
            Event::Reported { report, .. } => format!("report {}", report.id),
        }
    }
}

/// An activity as the federation layer wrote it, with what a local inbox records of it.
pub struct ActivityDocument {
    pub id: String,
    pub actor: String,
    pub kind: String,
    pub body: serde_json::Value,
}

/// Renders events into deliveries; implemented by the federation layer.
pub trait Publisher: Send + Sync {
    /// A fresh id for an activity `actor` performs (e.g. a Follow).
    fn new_activity_id(&self, actor: &Account) -> String;
    /// The ActivityPub id and HTML page of a local post (ids are public URLs, which only
    /// the federation layer knows how to build).
    fn post_uri(&self, author: &Account, id: i64) -> (String, String);
    /// The profile page of any account, for mention links.
    fn profile_url(&self, account: &Account) -> String;
    /// The activity document for `event` (what remote inboxes get, and what local accounts
    /// find in their inbox collection).
    fn activity(&self, event: Event<'_>) -> serde_json::Value;
    /// [`Publisher::activity`] with its id, actor and type, for local inboxes.
    fn document(&self, event: Event<'_>) -> ActivityDocument;
    /// The POSTs that tell the right remote inboxes about `event`.
    fn render(&self, event: Event<'_>) -> Vec<NewDelivery>;
}

/// Writes the deliveries that tell other servers about `event`, in the caller's transaction
/// (so a change and its deliveries commit together).
pub async fn publish<C: Conn>(
    db: &C,
    publisher: &dyn Publisher,
    event: Event<'_>,
) -> Result<(), super::DomainError> {
    crate::db::deliveries::enqueue(db, publisher.render(event), chrono::Utc::now()).await?;
    Ok(())
}

/// Puts the activity for `event` in the inbox collections of local `recipients` (remote
/// servers get it through [`publish`]; local accounts receive it here, so an ActivityPub
/// client sees the same inbox whether the other party is local or not).
pub async fn deliver_locally<C: Conn>(
    db: &C,
    publisher: &dyn Publisher,
    event: Event<'_>,
    recipients: &[i64],
) -> Result<(), super::DomainError> {
    if recipients.is_empty() {
        return Ok(());
    }
    // A boost also carries the boosted author, whom a recipient may block.
    let subject_author = match event {
        Event::Boosted { author, .. } | Event::Unboosted { author, .. } => Some(author.id),
        _ => None,
    };
    let audience = super::received::Audience {
        actor: event.actor().id,
        subject_author,
        accounts: recipients.to_vec(),
        ..Default::default()
    };
    let recipients = super::received::reached(db, audience).await?;
    if recipients.is_empty() {
        return Ok(());
    }
    let doc = publisher.document(event);
    let now = chrono::Utc::now();
    let row = crate::db::inbox::record_local(
        db,
        &doc.id,
        (event.actor().id, &doc.actor),
        &doc.kind,
        &doc.body.to_string(),
        now,
    )
    .await?;
    super::received::deliver(db, row, &recipients, now).await
}

/// [`publish`] to remote inboxes and [`deliver_locally`] to `locals`: the two audiences of
/// one event, in the caller's transaction.
pub async fn broadcast<C: Conn>(
    db: &C,
    publisher: &dyn Publisher,
    event: Event<'_>,
    locals: &[i64],
) -> Result<(), super::DomainError> {
    publish(db, publisher, event).await?;
    deliver_locally(db, publisher, event, locals).await
}

/// Tells one account about `event`: its server when it is remote, its inbox collection
/// when it is local.
pub async fn tell<C: Conn>(
    db: &C,
    publisher: &dyn Publisher,
    event: Event<'_>,
    party: &Account,
) -> Result<(), super::DomainError> {
    if party.is_local() {
        deliver_locally(db, publisher, event, &[party.id]).await
    } else {
        publish(db, publisher, event).await
    }
}
