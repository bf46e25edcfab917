//! Posts from the outbox: `Create` (or a bare `Note`), `Update` of a post or of the
//! owner's profile, and `Delete`, through the same domain functions as the Mastodon API.

use super::*;

/// Who a Create addresses.
pub(super) struct Audience {
    visibility: Visibility,
    named: Vec<Account>,
    silent: Vec<Account>,
}

/// Reads `to`/`cc`/`bto`/`bcc`/`audience` of the activity and its object. The public
/// collection in `to` makes a public post, in `cc` an unlisted one; the author's followers
/// a followers-only one; otherwise only the named accounts get it. Anything else named must
/// be an actor.
pub(super) async fn audience(
    fed: &Federation,
    owner: &Account,
    envelope: &OutboxDocument,
    object: &OutboxDocument,
) -> Result<Audience, C2sError> {
    let me = actor_uri(&fed.config, owner);
    let followers = fed.config.uris().actor_part(&owner.username, "followers");
    let field = |get: fn(&OutboxDocument) -> &Vec<String>| {
        let mut out = get(envelope).clone();
        if !std::ptr::eq(envelope, object) {
            out.extend(get(object).iter().cloned());
        }
        out
    };
    let (to, cc, bto, bcc, aud) = (
        field(|d| &d.addressing.to),
        field(|d| &d.addressing.cc),
        field(|d| &d.addressing.bto),
        field(|d| &d.addressing.bcc),
        field(|d| &d.addressing.audience),
    );
    let public = |list: &[String]| list.iter().any(|a| is_public(a));
    let all: Vec<&String> = to
        .iter()
        .chain(&cc)
        .chain(&bto)
        .chain(&bcc)
        .chain(&aud)
        .collect();
    let visibility = if public(&to) || public(&aud) {
        Visibility::Public
    } else if public(&cc) || public(&bto) || public(&bcc) {
        Visibility::Unlisted
    } else if all.iter().any(|a| **a == followers) {
        Visibility::Private
    } else {
        Visibility::Direct
    };
    let actors = |list: Vec<String>| {
        list.into_iter()
            .filter(|a| !is_public(a) && *a != followers && *a != me)
            .collect::<Vec<_>>()
    };
    let mut named = Vec::new();
    for uri in actors(to.into_iter().chain(cc).chain(aud).collect()) {
        named.push(recipient(fed, &uri).await?);
    }
    let mut silent = Vec::new();
    for uri in actors(bto.into_iter().chain(bcc).collect()) {
        silent.push(recipient(fed, &uri).await?);
    }
    Ok(Audience {
        visibility,
        named,
        silent,
    })
}

pub(super) async fn recipient(fed: &Federation, uri: &str) -> Result<Account, C2sError> {
    let url = Url::parse(uri)
        .map_err(|_| C2sError::Malformed(format!("recipient {uri} is not a URL")))?;
    resolve::actor(fed, &url).await.map_err(|e| {
        C2sError::Unsupported(format!(
            "cannot address {uri}: it is not the public collection, your followers or an \
             actor that could be fetched ({e})"
        ))
    })
}

/// The object's text: `source.content` (plain text) when the client sends it, else its
/// HTML reduced to text; Pinhole renders it again, so links, mentions and tags come out
/// as everywhere else.
pub(super) fn text_of(object: &OutboxDocument) -> Option<String> {
    object
        .source
        .clone()
        .or_else(|| object.content.as_deref().map(html_to_text))
}

pub(super) use crate::domain::sanitize::html_to_text;

/// Upload ids of the object's `attachment`s (`None` when it has no such field), named by
/// their object ids, and the alt text or focal points given there. Ownership and state are
/// checked by the domain in the post's transaction, where the changes are applied too.
pub(super) fn attachments(
    fed: &Federation,
    owner: &Account,
    object: &OutboxDocument,
) -> Result<(Option<Vec<i64>>, Vec<MediaChange>), C2sError> {
    let items = match &object.attachment {
        Patch::Absent => return Ok((None, vec![])),
        Patch::Null => return Ok((Some(vec![]), vec![])),
        Patch::Value(items) => items,
    };
    let prefix = media_object_id(&fed.config, owner, 0);
    let prefix = prefix.trim_end_matches('0');
    let (mut ids, mut changes) = (Vec::new(), Vec::new());
    for item in items {
        let id = item
            .id()
            .and_then(|uri| uri.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok()))
            .ok_or_else(|| {
                C2sError::Unsupported(
                    "an attachment must name one of your uploads by its id (upload it to \
                     endpoints.uploadMedia first)"
                        .into(),
                )
            })?;
        let (description, focus) = match item {
            OutboxObject::Embedded(doc) => (doc.alt_text(), focal_point(doc)?),
            OutboxObject::Id(_) => (None, None),
        };
        if description.is_some() || focus.is_some() {
            changes.push(MediaChange {
                id,
                description,
                focus,
            });
        }
        ids.push(id);
    }
    Ok((Some(ids), changes))
}

pub(super) async fn create(
    fed: &Federation,
    owner: &Account,
    envelope: &OutboxDocument,
    object: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let me = actor_uri(&fed.config, owner);
    let kind = object.kind().unwrap_or("");
    if !CREATABLE.contains(&kind) {
        return Err(C2sError::Unsupported(format!(
            "{kind} objects cannot be created here (Note can: a text note, or a photo post \
             with attachments)"
        )));
    }
    if let Some(author) = &object.attributed_to
        && *author != me
    {
        return Err(C2sError::Forbidden(
            "attributedTo is not the token's user".into(),
        ));
    }
    let audience = audience(fed, owner, envelope, object).await?;
    let in_reply_to_id = match &object.in_reply_to {
        Some(uri) => Some(find_post(fed, uri).await?.id),
        None => None,
    };
    let (media_ids, media_changes) = attachments(fed, owner, object)?;
    let directory = StateDirectory(fed);
    let ctx = posting(fed, &directory);
    let view = domain::posts::create(
        &ctx,
        owner,
        NewPost {
            text: text_of(object).unwrap_or_default(),
            media_ids: media_ids.unwrap_or_default(),
            media_changes,
            spoiler_text: match &object.summary {
                Patch::Value(s) => Some(s.clone()),
                _ => None,
            },
            sensitive: object.sensitive.unwrap_or(false),
            visibility: audience.visibility,
            language: object.language.clone(),
            in_reply_to_id,
            addressed: audience.named,
            silent: audience.silent,
        },
    )
    .await?;
    let activity = note::create_or_update(&fed.config, &view, false);
    Ok(Submitted::of(activity))
}

pub(super) async fn update(
    fed: &Federation,
    owner: &Account,
    activity: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let object = activity
        .embedded()
        .ok_or_else(|| C2sError::Malformed("Update needs the changed object embedded".into()))?;
    if object.id.as_deref() == Some(&actor_uri(&fed.config, owner)) {
        return update_profile(fed, owner, object).await;
    }
    let post = own_post(fed, owner, activity).await?;
    if post.reblog_of_id.is_some() {
        return Err(C2sError::Unsupported("a boost cannot be edited".into()));
    }
    let current = domain::posts::load_view(&fed.db, post.clone()).await?;
    // Fields the client leaves out keep their value; `null` clears them.
    let (media_ids, media_changes) = attachments(fed, owner, object)?;
    let media_ids = media_ids.unwrap_or_else(|| current.media.iter().map(|m| m.id).collect());
    let edit = EditPost {
        text: text_of(object)
            .or(post.source.clone())
            .unwrap_or_else(|| sanitize::plain(&post.content)),
        media_ids,
        media_changes,
        spoiler_text: match &object.summary {
            Patch::Absent => Some(post.summary.clone()),
            Patch::Null => None,
            Patch::Value(s) => Some(s.clone()),
        },
        sensitive: object.sensitive.unwrap_or(post.sensitive),
        language: object.language.clone(),
    };
    let directory = StateDirectory(fed);
    let ctx = posting(fed, &directory);
    let view = domain::posts::edit(&ctx, owner, post.id, edit).await?;
    let activity = note::create_or_update(&fed.config, &view, true);
    Ok(Submitted::of(activity))
}

/// `Update{Person}` of the owner: name, summary (as text), `manuallyApprovesFollowers`,
/// `discoverable`; what is left out stays. The same rules and delivery as the Mastodon API's
/// update_credentials.
pub(super) async fn update_profile(
    fed: &Federation,
    owner: &Account,
    person: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let change = domain::accounts::ProfileChange {
        display_name: person.name.clone(),
        note: match &person.summary {
            Patch::Value(html) => Some(html_to_text(html)),
            _ => None,
        },
        locked: person.manually_approves_followers,
        discoverable: person.discoverable,
        indexable: None,
        avatar_url: None,
        header_url: None,
        fields: None,
    };
    let updated = domain::accounts::update_profile(
        &fed.db,
        &fed.publisher,
        owner,
        change,
        fed.config.base_url(),
    )
    .await?;
    let activity = fed.publisher.document(Event::ProfileUpdated {
        account: &updated,
        inboxes: &[],
    });
    Ok(Submitted::rendered(activity))
}

pub(super) async fn delete(
    fed: &Federation,
    owner: &Account,
    activity: &OutboxDocument,
) -> Result<Submitted, C2sError> {
    let post = own_post(fed, owner, activity).await?;
    let directory = StateDirectory(fed);
    let ctx = posting(fed, &directory);
    domain::posts::delete(&ctx, owner, post.id).await?;
    let activity = note::delete(&fed.config, &post, owner);
    Ok(Submitted::of(activity))
}
