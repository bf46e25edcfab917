//! `Block`: a remote account blocks a local one (its follows both ways end).

use super::{Applied, Applying, InboxError, local_target};
use crate::domain;

pub(super) async fn apply(cx: &Applying<'_>) -> Result<Applied, InboxError> {
    let target = local_target(cx.fed, cx.activity.object_id()).await?;
    domain::blocks::receive_block(cx.txn, cx.actor, &target, cx.id).await?;
    Ok(Applied::Done)
}
