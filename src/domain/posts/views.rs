//! Reading posts: who may see what, a page of posts with everything a client shows
//! (authors, media, mentions, tags, counts) in a few queries, threads and edit history.

use super::*;

/// Loads what a list of posts needs to be shown, in the given order; boosts carry the
/// boosted post. Posts by suspended accounts, and boosts of them, are left out: a list
/// shows nothing of theirs.
pub async fn load_views<C: Conn>(db: &C, posts: Vec<Post>) -> Result<Vec<PostView>, DomainError> {
    Ok(load_views_of_anyone(db, posts)
        .await?
        .into_iter()
        .filter(|v| {
            v.author.suspended_at.is_none()
                && v.reblog
                    .as_ref()
                    .is_none_or(|r| r.author.suspended_at.is_none())
        })
        .collect())
}

/// [`load_views`] keeping suspended accounts' posts (a moderator's report, one post by id).
async fn load_views_of_anyone<C: Conn>(
    db: &C,
    posts: Vec<Post>,
) -> Result<Vec<PostView>, DomainError> {
    let reblog_ids: Vec<i64> = posts.iter().filter_map(|p| p.reblog_of_id).collect();
    let originals = db::posts::find_many(db, &reblog_ids).await?;
    let mut all: Vec<Post> = posts.clone();
    all.extend(originals.iter().cloned());
    let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
    // Only posts marked as carrying media have attachments: a shorter list, and no query
    // at all for a page of text.
    let with_media: Vec<i64> = all.iter().filter(|p| p.has_media).map(|p| p.id).collect();
    let media = db::posts::media_for(db, &with_media).await?;
    let mentions = db::posts::mentions_for(db, &ids).await?;
    let tags = db::posts::tags_for(db, &ids).await?;
    let parent_ids: Vec<i64> = all.iter().filter_map(|p| p.in_reply_to_id).collect();
    let parents: HashMap<i64, Post> = db::posts::find_many(db, &parent_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut account_ids: Vec<i64> = all.iter().map(|p| p.account_id).collect();
    account_ids.extend(mentions.iter().map(|(_, a, _)| *a));
    account_ids.extend(all.iter().filter_map(|p| p.in_reply_to_account_id));
    let accounts: HashMap<i64, Account> = db::accounts::find_many(db, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let build = |p: &Post| -> Option<PostView> {
        let author = accounts.get(&p.account_id)?.clone();
        let reply_to = p
            .in_reply_to_id
            .and_then(|id| parents.get(&id).map(|parent| parent.uri.clone()))
            .or_else(|| p.in_reply_to_uri.clone())
            .map(|uri| {
                (
                    uri,
                    p.in_reply_to_account_id
                        .and_then(|id| accounts.get(&id).cloned()),
                )
            });
        Some(PostView {
            post: p.clone(),
            author,
            media: media
                .iter()
                .filter(|m| m.post_id == Some(p.id))
                .cloned()
                .collect(),
            mentions: mentions
                .iter()
                .filter(|(post, _, silent)| *post == p.id && !silent)
                .filter_map(|(_, a, _)| accounts.get(a).cloned())
                .collect(),
            silent: mentions
                .iter()
                .filter(|(post, _, silent)| *post == p.id && *silent)
                .filter_map(|(_, a, _)| accounts.get(a).cloned())
                .collect(),
            tags: tags
                .iter()
                .filter(|(post, _)| *post == p.id)
                .map(|(_, t)| t.clone())
                .collect(),
            reply_to,
            reblog: None,
        })
    };
    let originals: HashMap<i64, PostView> = originals
        .iter()
        .filter_map(|p| Some((p.id, build(p)?)))
        .collect();
    Ok(posts
        .iter()
        .filter_map(|p| {
            let mut view = build(p)?;
            if let Some(id) = p.reblog_of_id {
                view.reblog = Some(Box::new(originals.get(&id)?.clone()));
            }
            Some(view)
        })
        .collect())
}

/// Counts and the reader's own likes and boosts for a page of posts (Mastodon shows
/// them on every status).
#[derive(Debug, Clone, Default)]
pub struct Interactions {
    /// Replies, boosts, likes per post id.
    pub counts: HashMap<i64, (u64, u64, u64)>,
    pub favourited: HashSet<i64>,
    pub reblogged: HashSet<i64>,
    pub bookmarked: HashSet<i64>,
}

/// [`Interactions`] for `views` (and the posts they boost) as `viewer` sees them.
pub async fn interactions<C: Conn>(
    db: &C,
    viewer: Option<&Account>,
    views: &[PostView],
) -> Result<Interactions, DomainError> {
    let mut ids: Vec<i64> = views.iter().map(|v| v.post.id).collect();
    ids.extend(
        views
            .iter()
            .filter_map(|v| v.reblog.as_ref().map(|r| r.post.id)),
    );
    let rows = db::posts::interactions(db, viewer.map(|v| v.id), &ids).await?;
    Ok(Interactions {
        counts: rows.counts,
        favourited: rows.favourited.into_iter().collect(),
        reblogged: rows.reblogged.into_iter().collect(),
        bookmarked: rows.bookmarked.into_iter().collect(),
    })
}

/// One post with everything it needs.
pub async fn load_view<C: Conn>(db: &C, post: Post) -> Result<PostView, DomainError> {
    load_views_of_anyone(db, vec![post])
        .await?
        .pop()
        .ok_or_else(|| DomainError::Internal("post without author".into()))
}

/// Whether `viewer` (a local or remote account, or an anonymous reader) may see `post`.
pub async fn can_see<C: Conn>(
    db: &C,
    viewer: Option<&Account>,
    post: &Post,
) -> Result<bool, DomainError> {
    let visibility = Visibility::of(post);
    // The post's author and, for a boost, the boosted post's: read once for both checks.
    let original = match post.reblog_of_id {
        Some(id) => db::posts::find(db, id).await?.map(|p| p.account_id),
        None => None,
    };
    let authors: Vec<i64> = std::iter::once(post.account_id).chain(original).collect();
    // A suspended account's posts, and boosts of them, are hidden from everyone at once.
    let found = db::accounts::find_many(db, &authors).await?;
    let mut distinct = authors.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if found.len() != distinct.len() || found.iter().any(|a| a.suspended_at.is_some()) {
        return Ok(false);
    }
    if let Some(viewer) = viewer {
        for author in &authors {
            if viewer.id != *author && db::blocks::between(db, viewer.id, *author).await? {
                return Ok(false);
            }
        }
    }
    if matches!(visibility, Visibility::Public | Visibility::Unlisted) {
        return Ok(true);
    }
    let Some(viewer) = viewer else {
        return Ok(false);
    };
    if viewer.id == post.account_id {
        return Ok(true);
    }
    if db::posts::mentions_for(db, &[post.id])
        .await?
        .iter()
        .any(|(_, a, _)| *a == viewer.id)
    {
        return Ok(true);
    }
    if visibility == Visibility::Private {
        return Ok(db::follows::find_pair(db, viewer.id, post.account_id)
            .await?
            .is_some_and(|f| f.accepted));
    }
    Ok(false)
}

/// Whether a post with this id was deleted (its id answers 410).
pub async fn is_deleted<C: Conn>(db: &C, uri: &str) -> Result<bool, DomainError> {
    Ok(db::posts::find_tombstone(db, uri).await?.is_some())
}

/// A post `viewer` may see, or NotFound (never revealing that a hidden post exists).
pub async fn get_visible<C: Conn>(
    db: &C,
    viewer: Option<&Account>,
    id: i64,
) -> Result<PostView, DomainError> {
    let post = db::posts::find(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("no such post".into()))?;
    if !can_see(db, viewer, &post).await? {
        return Err(DomainError::NotFound("no such post".into()));
    }
    load_view(db, post).await
}

/// Ancestors (oldest first) and descendants (depth first, oldest first) of a post that
/// `viewer` may see; hidden posts are left out.
pub async fn context(
    db: &Pool,
    viewer: Option<&Account>,
    post_id: i64,
) -> Result<(Vec<PostView>, Vec<PostView>), DomainError> {
    const MAX: usize = 200;
    // Posts looked at, shown or not: hidden replies cost a check each too, so a thread of
    // thousands of hidden posts cannot make one page read them all.
    const MAX_EXAMINED: usize = 4 * MAX;
    let mut examined = 0usize;
    let view = get_visible(db, viewer, post_id).await?;
    let mut ancestors = Vec::new();
    let mut cursor = view.post.in_reply_to_id;
    while let Some(id) = cursor {
        if ancestors.len() >= MAX || examined >= MAX_EXAMINED {
            break;
        }
        examined += 1;
        let Some(parent) = db::posts::find(db, id).await? else {
            break;
        };
        cursor = parent.in_reply_to_id;
        if can_see(db, viewer, &parent).await? {
            ancestors.push(parent);
        }
    }
    ancestors.reverse();
    let mut descendants = Vec::new();
    let mut frontier = vec![view.post.id];
    while !frontier.is_empty() && descendants.len() < MAX && examined < MAX_EXAMINED {
        let children = db::posts::replies_to(db, &frontier).await?;
        frontier = children.iter().map(|c| c.id).collect();
        for child in children {
            examined += 1;
            if examined > MAX_EXAMINED {
                break;
            }
            if can_see(db, viewer, &child).await? {
                descendants.push(child);
            }
        }
    }
    // Depth first: each reply right after its parent.
    let mut ordered = Vec::with_capacity(descendants.len());
    fn walk(parent: i64, all: &[Post], out: &mut Vec<Post>) {
        for c in all.iter().filter(|c| c.in_reply_to_id == Some(parent)) {
            out.push(c.clone());
            walk(c.id, all, out);
        }
    }
    walk(view.post.id, &descendants, &mut ordered);
    Ok((
        load_views(db, ancestors).await?,
        load_views(db, ordered).await?,
    ))
}

/// Previous versions of a post, oldest first (content, summary, sensitive, time).
pub async fn history(
    db: &Pool,
    viewer: Option<&Account>,
    post_id: i64,
) -> Result<Vec<db::entities::post_edits::Model>, DomainError> {
    let view = get_visible(db, viewer, post_id).await?;
    Ok(db::posts::edits(db, view.post.id).await?)
}

/// Views of the posts with these ids that exist, in no particular order.
pub async fn views_by_id(db: &Pool, ids: &[i64]) -> Result<Vec<PostView>, DomainError> {
    let posts = db::posts::find_many(db, ids).await?;
    load_views(db, posts).await
}

/// The posts a report names, as moderators must see them: suspended authors included.
pub async fn views_for_moderation(db: &Pool, ids: &[i64]) -> Result<Vec<PostView>, DomainError> {
    let posts = db::posts::find_many(db, ids).await?;
    load_views_of_anyone(db, posts).await
}

/// Who liked a post, oldest first (Mastodon's `favourited_by`).
pub async fn favourited_by(db: &Pool, post: &Post) -> Result<Vec<Account>, DomainError> {
    let ids = db::posts::favourite_account_ids(db, post.id).await?;
    in_order(db, &ids).await
}

/// Who boosted a post (Mastodon's `reblogged_by`).
pub async fn reblogged_by(db: &Pool, post: &Post) -> Result<Vec<Account>, DomainError> {
    let ids = db::posts::reblogger_ids(db, post.id).await?;
    in_order(db, &ids).await
}

/// The accounts with these ids, in the order given.
pub(super) async fn in_order(db: &Pool, ids: &[i64]) -> Result<Vec<Account>, DomainError> {
    let accounts = db::accounts::find_many(db, ids).await?;
    Ok(ids
        .iter()
        .filter_map(|i| accounts.iter().find(|a| a.id == *i).cloned())
        .collect())
}
