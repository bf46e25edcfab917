//! `Follow`: a request to follow a local account (accepted at once, or held for approval).

use super::{Applied, Applying, InboxError, local_target};
use crate::domain;

pub(super) async fn apply(cx: &Applying<'_>) -> Result<Applied, InboxError> {
    let target = local_target(cx.fed, cx.activity.object_id()).await?;
    let publisher = &cx.fed.publisher;
    domain::follows::receive_follow(cx.txn, publisher, cx.actor, &target, cx.id).await?;
    Ok(Applied::Done)
}
