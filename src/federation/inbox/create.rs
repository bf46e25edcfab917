//! `Create`: a post arrives. Its object (embedded, or fetched from the id it names) must be
//! a post from the actor's host, attributed to the actor, and concern someone here.

use crate::federation::Federation;
use url::Url;

use super::{Applied, Applying, InboxError, Prepared, Preparing};
use crate::{
    db::entities::accounts::Model as Account,
    domain::{
        self,
        posts::{Post, RemotePost, Visibility},
    },
    federation::{
        client::ACCEPT_AP,
        posts::{self, POST_TYPES},
        protocol::activity::{Activity, Object},
    },
};

pub(super) async fn prepare(cx: &Preparing<'_>) -> Result<Prepared, InboxError> {
    let object = object(cx.fed, cx.activity).await?;
    prepare_post(cx, &object).await
}

pub(super) async fn apply(cx: &Applying<'_>, prepared: Prepared) -> Result<Applied, InboxError> {
    if let Prepared::Post { remote, parent } = prepared {
        domain::posts::receive(cx.txn, cx.actor, *remote, parent.as_ref()).await?;
    }
    Ok(Applied::Done)
}

/// The object of a Create or Update: embedded, or fetched from its id when only named.
pub(super) async fn object(fed: &Federation, activity: &Activity) -> Result<Object, InboxError> {
    match activity.object() {
        Some(Object::Id(id)) => {
            let url = Url::parse(id).map_err(|_| InboxError::Malformed("bad object id".into()))?;
            let signer = fed
                .instance_signer()
                .map_err(|e| InboxError::Internal(e.to_string()))?;
            let (_, document) = fed
                .client
                .get_json(&url, ACCEPT_AP, &signer)
                .await
                .map_err(|e| InboxError::Refused(format!("could not fetch the object: {e}")))?;
            Object::from_value(document)
                .ok_or_else(|| InboxError::Refused("the fetched object is not an object".into()))
        }
        Some(embedded) => Ok(embedded.clone()),
        None => Err(InboxError::Malformed("no object".into())),
    }
}

/// Checks a received post object (of a Create or an Update) and reads it, with its parent.
pub(super) async fn prepare_post(
    cx: &Preparing<'_>,
    object: &Object,
) -> Result<Prepared, InboxError> {
    let (fed, actor, inbox_owner) = (cx.fed, cx.actor, cx.inbox_owner);
    let actor_uri = actor.uri.clone().unwrap_or_default();
    let object_id = object
        .id()
        .ok_or_else(|| InboxError::Malformed("the object has no id".into()))?;
    let post = match object {
        Object::Post(post) => post,
        other => {
            let kind = other
                .kind()
                .and_then(|k| k.pick(POST_TYPES))
                .unwrap_or_default();
            return Ok(Prepared::Ignore(format!("{kind} is not a post")));
        }
    };
    if !posts::same_origin(object_id, &actor_uri) {
        return Err(InboxError::Refused(
            "the object id is not on the actor's host".into(),
        ));
    }
    // Without `attributedTo` (missing or null) the post is the actor's, as Mastodon reads
    // it; the object id is on the actor's host (checked above).
    if post
        .attributed_to
        .as_ref()
        .is_some_and(|author| *author != actor_uri)
    {
        return Err(InboxError::Refused(
            "the object's attributedTo is not the actor".into(),
        ));
    }
    let mut remote = posts::parse_post(fed, post, actor)
        .await
        .map_err(InboxError::Malformed)?;
    // A limited post delivered to a personal inbox: that account is addressed even when
    // the document does not name it (`bto`/`bcc` recipients are never named), as Mastodon
    // records a silent mention.
    if matches!(remote.visibility, Visibility::Private | Visibility::Direct) {
        remote.silent.extend(inbox_owner.cloned());
    }
    let parent = match &remote.in_reply_to_uri {
        Some(uri) => match domain::posts::find_by_uri(&fed.db, uri).await? {
            Some(p) => Some(p),
            None => match posts::fetch_post(fed, uri, posts::MAX_PARENT_DEPTH).await {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::info!(parent = %uri, error = %e, "reply parent not fetched");
                    None
                }
            },
        },
        None => None,
    };
    if !relevant(fed, actor, &remote, parent.as_ref(), inbox_owner).await? {
        return Ok(Prepared::Ignore(
            "nobody here follows or is addressed".into(),
        ));
    }
    Ok(Prepared::Post {
        remote: Box::new(remote),
        parent,
    })
}

/// Whether a post from `author` concerns anyone here.
async fn relevant(
    fed: &Federation,
    author: &Account,
    remote: &RemotePost,
    parent: Option<&Post>,
    inbox_owner: Option<&Account>,
) -> Result<bool, InboxError> {
    // Followers first: most posts arrive because someone here follows the author, and each
    // lookup is a round trip to the database.
    Ok(inbox_owner.is_some()
        || remote.mentions.iter().any(Account::is_local)
        || parent.is_some_and(|p| p.local)
        || domain::posts::has_local_followers(&fed.db, author).await?
        || domain::posts::find_by_uri(&fed.db, &remote.uri)
            .await?
            .is_some())
}
