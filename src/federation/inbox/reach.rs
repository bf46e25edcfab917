//! Which local accounts a received activity names, handed to the domain's one rule
//! ([`domain::received::reached`]); and a repeated Create for another silent recipient.

use super::InboxError;
use crate::federation::Federation;
use crate::{
    config::Config,
    db::entities::accounts::Model as Account,
    domain::{self, posts::Visibility, received::Audience},
    federation::protocol::{
        activity::{Activity, InboxActivity, Object, object_id_in},
        object::is_public,
    },
    uris::LocalUri,
};

/// The audience a received activity names: the owner of the personal inbox used, local
/// actors it addresses, the actor's local followers when it is addressed to the public or
/// those followers, and, for activities about something (Like, Announce, Follow, Undo, …),
/// the local actor or post author it acts on. A post's `inReplyTo` reaches nobody by itself
/// (a direct reply is for its addressees only).
pub(super) fn audience(
    config: &Config,
    actor: &Account,
    activity: &InboxActivity,
    inbox_owner: Option<&Account>,
    subject_author: Option<i64>,
) -> Audience {
    let mut audience = Audience {
        actor: actor.id,
        subject_author,
        accounts: inbox_owner.map(|o| o.id).into_iter().collect(),
        ..Default::default()
    };
    let Some(typed) = activity.activity() else {
        return audience;
    };
    let embedded = typed.object().filter(|o| !matches!(o, Object::Id(_)));
    let addressed: Vec<&String> = typed
        .addressing
        .all()
        .chain(
            embedded
                .and_then(Object::addressing)
                .into_iter()
                .flat_map(|a| a.all()),
        )
        .collect();
    let mut acted_on: Vec<&str> = Vec::new();
    if !matches!(
        activity,
        InboxActivity::Create(_) | InboxActivity::Update(_)
    ) {
        acted_on.extend(typed.object.iter().filter_map(Object::id));
        if let Some(Object::Other(inner)) = embedded {
            acted_on.extend(inner.object.iter().filter_map(Object::id));
            acted_on.extend(inner.actor.as_deref());
        }
    }
    let uris = config.uris();
    for (uri, posts_count) in addressed
        .iter()
        .map(|u| (u.as_str(), false))
        .chain(acted_on.iter().map(|u| (*u, true)))
    {
        match uris.parse(uri) {
            Some(LocalUri::Actor(name)) => audience.usernames.push(name.to_string()),
            Some(_) if posts_count => audience.posts.push(uri.to_string()),
            _ => {}
        }
    }
    audience.followers = addressed
        .iter()
        .any(|u| is_public(u) || actor.followers_url.as_ref() == Some(*u));
    audience
}

/// A Create already processed, delivered again to another personal inbox: each silent
/// (`bto`/`bcc`) recipient on this server gets its own copy, and each must be able to read
/// the post. True when `owner` was added.
pub(super) async fn also_for(
    fed: &Federation,
    actor: &Account,
    owner: &Account,
    create: &Activity,
    activity_id: &str,
) -> Result<bool, InboxError> {
    let Some(uri) = create.object_id() else {
        return Ok(false);
    };
    // Only the author's own earlier Create of this very post counts: a sender may not point
    // a reused activity id at somebody else's post to read it.
    let Some(recorded) = domain::received::find_recorded(&fed.db, activity_id).await? else {
        return Ok(false);
    };
    if recorded.actor_account_id != Some(actor.id)
        || recorded.body.as_deref().and_then(object_id_in).as_deref() != Some(uri)
    {
        return Ok(false);
    }
    let Some(post) = domain::posts::find_by_uri(&fed.db, uri).await? else {
        return Ok(false);
    };
    if post.account_id != actor.id
        || post.local
        || !matches!(
            Visibility::of(&post),
            Visibility::Private | Visibility::Direct
        )
    {
        return Ok(false);
    }
    let txn = crate::db::begin_write(&fed.db).await?;
    let added = domain::posts::add_silent_recipient(&txn, &post, owner).await?;
    if added {
        domain::received::deliver(&txn, recorded.row, &[owner.id], chrono::Utc::now()).await?;
    }
    txn.commit()
        .await
        .map_err(|e| InboxError::Internal(e.to_string()))?;
    Ok(added)
}
