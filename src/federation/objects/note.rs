//! Posts as ActivityStreams documents, shaped as Mastodon sends them: a `Note` with
//! `Document` attachments (alt text in `name`, `blurhash`, `focalPoint`, size), `Mention`
//! and `Hashtag` tags, and `to`/`cc` addressed per visibility.

use serde::Serialize;

use crate::{
    config::Config,
    db::entities::{accounts::Model as Account, posts::Model as Post},
    domain::posts::{Attachment, PostView, Visibility},
    federation::{
        activities::actor_uri,
        protocol::{
            context::{PUBLIC, note_context},
            outgoing::{Document, Note, NoteTag, Outgoing, Tombstone},
        },
    },
};

/// The followers collection of any account.
pub fn followers_uri(config: &Config, account: &Account) -> Option<String> {
    if account.is_local() {
        Some(config.uris().actor_part(&account.username, "followers"))
    } else {
        account.followers_url.clone()
    }
}

/// `to` and `cc` the way Mastodon addresses each visibility.
pub fn addressing(config: &Config, view: &PostView) -> (Vec<String>, Vec<String>) {
    let followers = followers_uri(config, &view.author).into_iter();
    let mut mentions: Vec<String> = view.mentions.iter().map(|a| actor_uri(config, a)).collect();
    if let Some((_, Some(parent_author))) = &view.reply_to
        && crate::domain::posts::is_open(Visibility::of(&view.post))
    {
        let uri = actor_uri(config, parent_author);
        if !mentions.contains(&uri) && parent_author.id != view.author.id {
            mentions.push(uri);
        }
    }
    match Visibility::of(&view.post) {
        Visibility::Public => (
            vec![PUBLIC.to_string()],
            followers.chain(mentions).collect(),
        ),
        Visibility::Unlisted => (
            followers.collect(),
            std::iter::once(PUBLIC.to_string())
                .chain(mentions)
                .collect(),
        ),
        Visibility::Private => (followers.collect(), mentions),
        Visibility::Direct => (mentions, vec![]),
    }
}

/// Where a local attachment's file is served.
pub fn media_url(config: &Config, m: &Attachment, name: Option<&String>) -> Option<String> {
    if let Some(remote) = &m.remote_url {
        // Only http(s) leaves Pinhole, in the API, in pages and in our own documents.
        return crate::domain::sanitize::web_url(remote);
    }
    Some(config.uris().media_file(m.storage_key.as_ref()?, name?))
}

/// An attachment as a `Document` (no id: Mastodon gives attachments none).
pub fn document(config: &Config, m: &Attachment) -> Document {
    let (width, height) = match (m.width, m.height) {
        (Some(w), Some(h)) => (Some(w), Some(h)),
        _ => (None, None),
    };
    Document {
        context: None,
        id: None,
        kind: "Document",
        media_type: m.content_type.clone(),
        url: media_url(config, m, m.original_name.as_ref()),
        name: (!m.description.is_empty()).then(|| m.description.clone()),
        blurhash: m.blurhash.clone(),
        focal_point: [m.focus_x, m.focus_y],
        width,
        height,
        attributed_to: None,
    }
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `@user@host` as Mastodon names a mention in `tag`.
fn mention_name(config: &Config, a: &Account) -> String {
    match &a.domain {
        Some(d) => format!("@{}@{d}", a.username),
        None => format!("@{}@{}", a.username, config.domain()),
    }
}

/// The Note (without `@context`) for a post.
pub fn note_object(config: &Config, view: &PostView) -> Note {
    let p = &view.post;
    let (to, cc) = addressing(config, view);
    let mut tag: Vec<NoteTag> = view
        .mentions
        .iter()
        .map(|a| NoteTag {
            kind: "Mention",
            href: actor_uri(config, a),
            name: mention_name(config, a),
        })
        .collect();
    tag.extend(view.tags.iter().map(|t| NoteTag {
        kind: "Hashtag",
        href: config.uris().tag(t),
        name: format!("#{t}"),
    }));
    Note {
        context: None,
        id: p.uri.clone(),
        kind: "Note",
        summary: (!p.summary.is_empty()).then(|| p.summary.clone()),
        in_reply_to: view.reply_to.as_ref().map(|(uri, _)| uri.clone()),
        published: time(p.published_at),
        url: p.url.clone().unwrap_or_else(|| p.uri.clone()),
        attributed_to: actor_uri(config, &view.author),
        to,
        cc,
        sensitive: view.sensitive(),
        atom_uri: p.uri.clone(),
        content: p.content.clone(),
        content_map: p
            .language
            .as_ref()
            .map(|lang| [(lang.clone(), p.content.clone())].into()),
        updated: p.edited_at.map(time),
        attachment: view.media.iter().map(|m| document(config, m)).collect(),
        tag,
    }
}

/// The Note with its `@context`, as served at its id.
pub fn note_document(config: &Config, view: &PostView) -> Note {
    Note {
        context: Some(note_context()),
        ..note_object(config, view)
    }
}

/// `Create{Note}` (or `Update{Note}` when `update`), with its `@context`.
pub fn create_or_update(config: &Config, view: &PostView, update: bool) -> Outgoing<Note> {
    let note = note_object(config, view);
    let p = &view.post;
    let (kind, id, at) = match (update, p.edited_at) {
        (true, Some(edited)) => (
            "Update",
            format!("{}#updates/{}", p.uri, edited.timestamp_millis()),
            edited,
        ),
        (true, None) => ("Update", format!("{}#updates/0", p.uri), p.published_at),
        (false, _) => ("Create", format!("{}/activity", p.uri), p.published_at),
    };
    let (to, cc) = (note.to.clone(), note.cc.clone());
    Outgoing::new(kind, id, actor_uri(config, &view.author), note)
        .with_context(note_context())
        .published(time(at))
        .addressed(to, Some(cc))
}

/// `Delete{Tombstone}` of a post.
pub fn delete(config: &Config, post: &Post, author: &Account) -> Outgoing<Tombstone> {
    let tombstone = Tombstone {
        id: post.uri.clone(),
        kind: "Tombstone",
        atom_uri: post.uri.clone(),
    };
    Outgoing::new(
        "Delete",
        format!("{}#delete", post.uri),
        actor_uri(config, author),
        tombstone,
    )
    .with_context(note_context())
    .addressed(vec![PUBLIC.to_string()], None)
}

/// `Like` of a post.
pub fn like(config: &Config, like_uri: &str, liker: &Account, post: &Post) -> Outgoing<String> {
    Outgoing::new(
        "Like",
        like_uri.to_string(),
        actor_uri(config, liker),
        post.uri.clone(),
    )
}

/// `Announce` (boost) of a post.
pub fn announce(
    config: &Config,
    boost: &Post,
    booster: &Account,
    original: &Post,
    author: &Account,
) -> Outgoing<String> {
    let mut cc = vec![actor_uri(config, author)];
    cc.extend(followers_uri(config, booster));
    let to = if original.visibility == "unlisted" {
        followers_uri(config, booster)
            .into_iter()
            .collect::<Vec<_>>()
    } else {
        vec![PUBLIC.to_string()]
    };
    Outgoing::new(
        "Announce",
        boost.uri.clone(),
        actor_uri(config, booster),
        original.uri.clone(),
    )
    .published(time(boost.published_at))
    .addressed(to, Some(cc))
}

/// `Undo` of an activity the actor sent before.
pub fn undo<O: Serialize>(
    config: &Config,
    actor: &Account,
    inner: Outgoing<O>,
) -> Outgoing<Outgoing<O>> {
    Outgoing::new(
        "Undo",
        format!("{}/undo", inner.id),
        actor_uri(config, actor),
        inner,
    )
    .with_context(note_context())
}
