//! `Like`: a favourite of one of our posts (likes of posts from elsewhere are not kept).

use super::{Applied, Applying, InboxError, Prepared, Preparing};
use crate::domain;

pub(super) async fn prepare(cx: &Preparing<'_>) -> Result<Prepared, InboxError> {
    let object_id = cx
        .activity
        .object_id()
        .ok_or_else(|| InboxError::Malformed("no object".into()))?;
    match domain::posts::find_by_uri(&cx.fed.db, object_id).await? {
        Some(p) if p.local => Ok(Prepared::Like(p)),
        _ => Ok(Prepared::Ignore("likes of posts not from here".into())),
    }
}

pub(super) async fn apply(cx: &Applying<'_>, prepared: Prepared) -> Result<Applied, InboxError> {
    if let Prepared::Like(post) = prepared {
        domain::posts::receive_like(cx.txn, cx.actor, &post, cx.id).await?;
    }
    Ok(Applied::Done)
}
