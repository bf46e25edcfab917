//! `Update`: an edited post (read and checked as a Create's), or the actor's own profile,
//! which is refetched from its origin rather than trusted from the activity.

use url::Url;

use super::{Applied, Applying, InboxError, Prepared, Preparing, create};
use crate::federation::resolve;

pub(super) async fn prepare(cx: &Preparing<'_>) -> Result<Prepared, InboxError> {
    let (fed, actor, activity) = (cx.fed, cx.actor, cx.activity);
    let actor_uri = actor.uri.clone().unwrap_or_default();
    if activity.object_id() == Some(actor_uri.as_str()) {
        // The actor changed its profile or keys: refetch it from the origin.
        let url =
            Url::parse(&actor_uri).map_err(|_| InboxError::Malformed("bad actor id".into()))?;
        resolve::fetch_actor(fed, &url)
            .await
            .map_err(|e| InboxError::Refused(e.to_string()))?;
        return Ok(Prepared::Ignore("profile refreshed".into()));
    }
    let object = create::object(fed, activity).await?;
    create::prepare_post(cx, &object).await
}

pub(super) async fn apply(cx: &Applying<'_>, prepared: Prepared) -> Result<Applied, InboxError> {
    create::apply(cx, prepared).await
}
