//! `Reject`: a remote account refused (or later removed) a local account's follow.

use super::{Applied, Applying, InboxError, accept};
use crate::domain;

pub(super) async fn apply(cx: &Applying<'_>) -> Result<Applied, InboxError> {
    let Some(follower) = accept::follower(cx).await? else {
        return Ok(Applied::Ignored);
    };
    let follow_id = cx.activity.object_id();
    domain::follows::receive_reject(cx.txn, follow_id, &follower, cx.actor).await?;
    Ok(Applied::Done)
}
