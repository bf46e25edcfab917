//! `Flag`: another server reports one of our accounts (and some of its posts) to our
//! moderators. Mastodon, GoToSocial and Misskey all send the account and the posts as
//! `object`, the comment as `content`, from their instance actor or the reporter.

use url::Url;

use super::{Applied, Applying, InboxError};
use crate::{domain, federation::protocol::activity::Object, federation::resolve};

/// Most objects read from one Flag.
const MAX_OBJECTS: usize = 101;

pub(super) async fn apply(cx: &Applying<'_>) -> Result<Applied, InboxError> {
    let host = cx.actor.domain.as_deref().unwrap_or_default();
    if cx.fed.domains.verdict(host).reject_reports {
        return Ok(Applied::Ignored);
    }
    let uris: Vec<&str> = cx
        .activity
        .object
        .iter()
        .filter_map(Object::id)
        .take(MAX_OBJECTS)
        .collect();
    let mut target = None;
    for uri in &uris {
        let Ok(url) = Url::parse(uri) else { continue };
        if let Some(account) = resolve::local_account_for(cx.fed, &url)
            .await
            .map_err(|e| InboxError::Internal(e.to_string()))?
        {
            target = Some(account);
            break;
        }
    }
    let Some(target) = target else {
        return Ok(Applied::Ignored);
    };
    let comment = cx.activity.content.as_deref().unwrap_or_default();
    let filed =
        domain::reports::receive_flag(cx.txn, cx.actor, &target, &uris, comment, cx.id).await?;
    Ok(match filed {
        Some(_) => Applied::Private,
        None => Applied::Ignored,
    })
}
