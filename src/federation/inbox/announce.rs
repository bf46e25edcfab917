//! `Announce`: a boost. The boosted post always comes from its origin (or is already
//! here), never from the wrapper; a group (Lemmy) announces the author's Create instead.

use super::{Applied, Applying, InboxError, Prepared, Preparing};
use crate::{
    domain,
    federation::{posts, protocol::activity::Object},
};

pub(super) async fn prepare(cx: &Preparing<'_>) -> Result<Prepared, InboxError> {
    let (fed, actor, activity) = (cx.fed, cx.actor, cx.activity);
    let object_id = match activity.object() {
        Some(Object::Other(inner)) if inner.kind.any_of(&["Create", "Update"]) => inner.object_id(),
        _ => activity.object_id(),
    }
    .ok_or_else(|| InboxError::Malformed("no object".into()))?;
    let known = domain::posts::find_by_uri(&fed.db, object_id).await?;
    let is_local = known.as_ref().is_some_and(|p| p.local);
    if !is_local
        && cx.inbox_owner.is_none()
        && !domain::posts::has_local_followers(&fed.db, actor).await?
    {
        return Ok(Prepared::Ignore("nobody here follows the booster".into()));
    }
    let original = match known {
        Some(p) => p,
        None => posts::fetch_post(fed, object_id, posts::MAX_PARENT_DEPTH)
            .await
            .map_err(|e| InboxError::Refused(format!("boosted post unavailable: {e}")))?,
    };
    Ok(Prepared::Announce(original))
}

pub(super) async fn apply(cx: &Applying<'_>, prepared: Prepared) -> Result<Applied, InboxError> {
    if let Prepared::Announce(original) = prepared {
        let published = cx.activity.published.unwrap_or_else(chrono::Utc::now);
        domain::posts::receive_announce(cx.txn, cx.actor, &original, cx.id, published).await?;
    }
    Ok(Applied::Done)
}
