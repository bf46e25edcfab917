//! What a search box or an "interact from your server" link names: an account by
//! `@user@host` or by its actor URL, or a post by its URL. Known things are read from the
//! database; `resolve` lets other servers be asked (for signed-in readers only, as Mastodon
//! does, so a visitor cannot make Pinhole fetch on their behalf).

use super::{Federation, posts as fed_posts, resolve};
use crate::{
    db::entities::{accounts::Model as Account, posts::Model as Post},
    domain::{self, DomainError},
};

/// What a query named.
#[derive(Debug, Default)]
pub struct Found {
    pub account: Option<Account>,
    pub post: Option<Post>,
}

/// Which kinds a query may name.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub accounts: bool,
    pub posts: bool,
}

/// Looks `q` up. A failed fetch is "nothing found" (the other server is down, or the thing
/// is gone); a database failure is an error.
pub async fn lookup(
    fed: &Federation,
    q: &str,
    wanted: Wanted,
    resolve: bool,
) -> Result<Found, DomainError> {
    let q = q.trim();
    let mut found = Found::default();
    if q.is_empty() || q.len() > 2048 {
        return Ok(found);
    }
    let is_url = q.starts_with("https://") || q.starts_with("http://");
    if is_url {
        if wanted.posts {
            found.post = match domain::posts::find_by_uri(&fed.db, q).await? {
                Some(p) => Some(p),
                None if resolve => fed_posts::fetch_post(fed, q, fed_posts::MAX_PARENT_DEPTH)
                    .await
                    .ok(),
                None => None,
            };
        }
        if wanted.accounts && found.post.is_none() {
            found.account = match domain::accounts::find_by_uri(&fed.db, q).await? {
                Some(a) => Some(a),
                None if resolve => resolve::resolve_handle(fed, q).await.ok(),
                None => None,
            };
        }
        return Ok(found);
    }
    if wanted.accounts {
        let handle = q.trim_start_matches('@');
        found.account = if handle.contains('@') && resolve {
            resolve::resolve_handle(fed, handle).await.ok()
        } else if let Some((user, host)) = handle.split_once('@') {
            if host.eq_ignore_ascii_case(&fed.config.domain()) {
                domain::accounts::get_local(&fed.db, user).await.ok()
            } else {
                domain::accounts::find_remote(&fed.db, user, host).await?
            }
        } else {
            domain::accounts::get_local(&fed.db, handle).await.ok()
        };
    }
    Ok(found)
}
