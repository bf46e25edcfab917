//! Posts: photo posts and notes written here or received from other servers, edits,
//! deletion (leaving a tombstone), likes and boosts, and who may see what. Every change
//! and the deliveries it causes are written in one transaction.
//!
//! One room per group of verbs: `authoring` (create, edit, delete), `interactions`
//! (favourite, boost, bookmark), `remote` (what other servers send), `views` (reading,
//! visibility, threads). This file holds the post's own types and the helpers they share.

mod authoring;
mod interactions;
mod remote;
mod views;

pub use authoring::*;
pub use interactions::*;
pub use remote::*;
pub use views::*;

use crate::db::{Conn, Pool};
use std::{
    collections::{HashMap, HashSet},
    future::Future,
    pin::Pin,
};

use super::{
    DomainError,
    media::{MediaService, file_keys},
    publish::{Event, Publisher, broadcast, tell},
    sanitize,
    text::{self, Handle, MentionTarget},
};
use crate::db::{
    self,
    entities::{accounts::Model as Account, media_attachments, posts},
};

/// A stored post row.
pub type Post = posts::Model;
/// A stored attachment row.
pub type Attachment = media_attachments::Model;

/// Who may see a post; Mastodon's names (`private` = followers only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    /// Mastodon's name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    /// Parses Mastodon's names.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "public" => Ok(Visibility::Public),
            "unlisted" => Ok(Visibility::Unlisted),
            "private" => Ok(Visibility::Private),
            "direct" => Ok(Visibility::Direct),
            other => Err(DomainError::Invalid(format!(
                "visibility `{other}` is not one of public, unlisted, private, direct"
            ))),
        }
    }

    /// A stored value (unknown values are treated as the most private).
    pub fn of(post: &Post) -> Self {
        Visibility::parse(&post.visibility).unwrap_or(Visibility::Direct)
    }
}

/// A post with everything needed to show or federate it.
#[derive(Debug, Clone)]
pub struct PostView {
    pub post: Post,
    pub author: Account,
    pub media: Vec<Attachment>,
    pub mentions: Vec<Account>,
    /// Accounts the post was delivered to without naming them (`bto`/`bcc`): they may see
    /// it and receive it, but no document or API answer lists them.
    pub silent: Vec<Account>,
    pub tags: Vec<String>,
    /// The id of the post this one replies to and its author's account, when known.
    pub reply_to: Option<(String, Option<Account>)>,
    /// For a boost: the boosted post.
    pub reblog: Option<Box<PostView>>,
}

impl PostView {
    /// Whether the media is shown behind a sensitive-content warning: the author said so,
    /// or a moderator marked the author's media sensitive.
    pub fn sensitive(&self) -> bool {
        self.post.sensitive || (self.author.sensitized_at.is_some() && !self.media.is_empty())
    }
}

/// Finds accounts for written mentions; remote ones are looked up over the network
/// (WebFinger), which only the federation layer can do.
pub trait Directory: Send + Sync {
    /// The account `handle` names, or `None` when it does not exist or cannot be reached.
    fn resolve<'a>(
        &'a self,
        handle: &'a Handle,
    ) -> Pin<Box<dyn Future<Output = Option<Account>> + Send + 'a>>;
}

/// What posting needs besides the database.
pub struct Posting<'a> {
    pub db: &'a Pool,
    pub publisher: &'a dyn Publisher,
    pub directory: &'a dyn Directory,
    pub media: &'a MediaService,
    pub base_url: &'a str,
    pub max_characters: usize,
    pub max_media: usize,
}

/// A post as its author writes it.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// Plain text.
    pub text: String,
    /// Uploaded attachments of the author, in display order.
    pub media_ids: Vec<i64>,
    /// Content warning.
    pub spoiler_text: Option<String>,
    pub sensitive: bool,
    pub visibility: Visibility,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    /// Accounts addressed besides those the text mentions (an ActivityPub client's `to`/`cc`).
    pub addressed: Vec<Account>,
    /// Accounts to deliver to without naming them (`bto`/`bcc`).
    pub silent: Vec<Account>,
    /// Alt text or focal points to set on the attached uploads, with the post (so a refused
    /// post changes nothing).
    pub media_changes: Vec<super::media::MediaChange>,
}

/// Public or unlisted: seen beyond the accounts a post addresses.
pub fn is_open(visibility: Visibility) -> bool {
    matches!(visibility, Visibility::Public | Visibility::Unlisted)
}

/// Mastodon-style ids: milliseconds since the epoch in the high bits, so ids sort by time
/// (timelines page by id). The low 16 bits are a process-wide counter passed through a
/// keyed permutation: ids made by one process for the same millisecond (Mastodon sends
/// whole-second timestamps, so a busy second of remote posts shares one) differ until 65,536
/// of them have been made, and they still cannot be guessed from one another. Another
/// process may still pick a taken id; [`insert_fresh`] then takes another.
pub fn new_id(at: chrono::DateTime<chrono::Utc>) -> i64 {
    use std::sync::{
        OnceLock,
        atomic::{AtomicU16, Ordering},
    };
    static KEY: OnceLock<(u16, u16)> = OnceLock::new();
    static COUNTER: AtomicU16 = AtomicU16::new(0);
    let (start, mask) = *KEY.get_or_init(|| (rand::random(), rand::random()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_add(start);
    // Multiplying by an odd number is a bijection modulo 2^16, and so is the xor.
    let low = n.wrapping_mul(0x9E37) ^ mask;
    let millis = at.timestamp_millis().clamp(0, i64::MAX >> 16);
    (millis << 16) | i64::from(low)
}

/// Stores a new post under a fresh id made for `at`; `row` builds the row for a given id
/// (local posts derive their URI from it). An id already taken (by another process, or
/// after 65,536 ids in one millisecond) is replaced by a new one, never reported.
async fn insert_fresh<C: Conn>(
    db: &C,
    at: chrono::DateTime<chrono::Utc>,
    mut row: impl FnMut(i64) -> Post,
) -> Result<Post, DomainError> {
    for attempt in 0..32 {
        // After a clash, move to a later millisecond too: a crowded one stays crowded.
        let id = new_id(at + chrono::Duration::milliseconds(attempt / 4));
        if let Some(post) = db::posts::insert_new(db, row(id)).await? {
            return Ok(post);
        }
    }
    Err(DomainError::Internal("no free post id".into()))
}

/// A post row with only its owner and times: the fields every kind of post (authored,
/// received, boost) starts from, so each builder names only what makes it different.
fn blank(id: i64, account_id: i64, local: bool, at: chrono::DateTime<chrono::Utc>) -> Post {
    Post {
        id,
        uri: String::new(),
        url: None,
        account_id,
        local,
        reblog_of_id: None,
        in_reply_to_id: None,
        in_reply_to_uri: None,
        in_reply_to_account_id: None,
        content: String::new(),
        source: None,
        summary: String::new(),
        sensitive: false,
        visibility: Visibility::Public.as_str().to_string(),
        language: None,
        has_media: false,
        published_at: at,
        edited_at: None,
        created_at: at,
        updated_at: at,
    }
}

/// Preferred inboxes (shared first) of remote accounts, without repeats.
fn inboxes_of<'a>(accounts: impl IntoIterator<Item = &'a Account>) -> Vec<String> {
    let mut out: Vec<String> = accounts
        .into_iter()
        .filter(|a| !a.is_local())
        .filter_map(|a| a.shared_inbox_url.clone().or_else(|| a.inbox_url.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The inboxes that must hear about `view`: followers (unless direct) and mentioned
/// accounts, plus the author of the post it replies to. Silent recipients get it in their
/// personal inbox, which replaces their server's shared inbox: the JSON does not name them,
/// so only a personal delivery tells their server who it is for (the server still shows it
/// to its followers of the author).
async fn audience<C: Conn>(db: &C, view: &PostView) -> Result<Vec<String>, DomainError> {
    let mut inboxes = match Visibility::of(&view.post) {
        Visibility::Direct => vec![],
        _ => db::follows::follower_inboxes(db, view.author.id).await?,
    };
    let mut extra: Vec<&Account> = view.mentions.iter().collect();
    if let Some((_, Some(parent_author))) = &view.reply_to
        && is_open(Visibility::of(&view.post))
    {
        extra.push(parent_author);
    }
    inboxes.extend(inboxes_of(extra));
    let personal: Vec<String> = view
        .silent
        .iter()
        .filter(|a| !a.is_local())
        .filter_map(|a| a.inbox_url.clone())
        .collect();
    let host = |u: &str| url::Url::parse(u).ok().map(|u| u.origin());
    let silent_hosts: Vec<_> = personal.iter().filter_map(|u| host(u)).collect();
    inboxes.retain(|i| host(i).is_none_or(|h| !silent_hosts.contains(&h)));
    inboxes.extend(personal);
    inboxes.sort();
    inboxes.dedup();
    Ok(inboxes)
}

/// The local accounts that receive `view` in their inbox collection: local followers
/// (unless direct), local accounts it mentions or silently addresses, and the local author
/// it replies to; never its own author.
async fn local_audience<C: Conn>(db: &C, view: &PostView) -> Result<Vec<i64>, DomainError> {
    let mut ids = match Visibility::of(&view.post) {
        Visibility::Direct => vec![],
        _ => db::posts::local_follower_ids(db, view.author.id).await?,
    };
    ids.extend(
        view.mentions
            .iter()
            .chain(&view.silent)
            .filter(|a| a.is_local())
            .map(|a| a.id),
    );
    if let Some((_, Some(parent_author))) = &view.reply_to
        && parent_author.is_local()
        && is_open(Visibility::of(&view.post))
    {
        ids.push(parent_author.id);
    }
    ids.retain(|id| *id != view.author.id);
    Ok(ids)
}

/// The account that wrote `post`.
async fn author_of<C: Conn>(db: &C, post: &Post) -> Result<Account, DomainError> {
    db::accounts::find_by_id(db, post.account_id)
        .await?
        .ok_or_else(|| DomainError::Internal("post without author".into()))
}

/// A post by id (any post, seen or not: callers check visibility).
pub async fn get<C: Conn>(db: &C, id: i64) -> Result<Post, DomainError> {
    db::posts::find(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))
}

/// A post known here by its ActivityPub id (no network: fetching is federation's).
pub async fn find_by_uri<C: Conn>(db: &C, uri: &str) -> Result<Option<Post>, DomainError> {
    Ok(db::posts::find_by_uri(db, uri).await?)
}

/// Whether anyone here cares about posts from `author`: a local follower.
pub async fn has_local_followers<C: Conn>(db: &C, author: &Account) -> Result<bool, DomainError> {
    Ok(db::posts::has_local_follower(db, author.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_text_is_bounded_and_sanitized_when_built() {
        let text = ReceivedText::new(
            "<p onclick=\"steal()\">hi<script>steal()</script></p>",
            Some("  <b>spoilers</b> "),
        );
        assert_eq!(text.content(), "<p>hi</p>");
        assert_eq!(text.summary(), "spoilers");
        assert_eq!(ReceivedText::new("<p>x</p>", None).summary(), "");
        let huge = "<p>words and more words</p>".repeat(40_000);
        let kept = ReceivedText::new(&huge, None);
        assert!(kept.content().len() <= sanitize::MAX_REMOTE_HTML);
        assert!(kept.content().ends_with("</p>"));
    }

    #[test]
    fn ids_sort_by_time() {
        let a = new_id(chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default());
        let b = new_id(chrono::DateTime::from_timestamp(1_700_000_001, 0).unwrap_or_default());
        assert!(a < b);
        assert!(a > 0);
    }

    #[test]
    fn long_albums_link_to_the_post() {
        assert_eq!(album_footer("<p>x</p>", 4, "http://h/p/1"), "<p>x</p>");
        let html = album_footer("<p>x</p>", 7, "http://h/@a/1");
        assert!(html.contains("All 7 photos"), "{html}");
        assert!(html.contains("href=\"http://h/@a/1\""), "{html}");
    }

    #[test]
    fn visibility_names() {
        for v in ["public", "unlisted", "private", "direct"] {
            assert_eq!(Visibility::parse(v).map(Visibility::as_str).ok(), Some(v));
        }
        assert!(Visibility::parse("followers").is_err());
    }
}
