//! Outgoing activities, shaped as Mastodon sends them, and the publisher that turns domain
//! events into deliveries.

use std::sync::Arc;

use rand::RngCore;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use super::{
    objects::note,
    protocol::{actor::Actor, context::ACTIVITYSTREAMS, outgoing::Outgoing},
};
use crate::{
    config::Config,
    db::{
        deliveries::NewDelivery,
        entities::{accounts::Model as Account, blocks::Model as Block, follows::Model as Follow},
    },
    domain::publish::{ActivityDocument, Event, Publisher},
};

/// The ActivityPub id of any account.
pub fn actor_uri(config: &Config, account: &Account) -> String {
    if account.is_local() {
        config.uris().actor(&account.username)
    } else {
        account.uri.clone().unwrap_or_default()
    }
}

/// `host[:port]` of a URL, the unit deliveries are grouped by.
pub fn domain_of(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// The Follow activity of a stored follow (without `@context`).
pub fn follow_object(
    config: &Config,
    follow: &Follow,
    follower: &Account,
    target: &Account,
) -> Outgoing<String> {
    Outgoing::new(
        "Follow",
        follow.uri.clone(),
        actor_uri(config, follower),
        actor_uri(config, target),
    )
}

/// A local account's `Person` document without its `@context` (embedded in an activity).
pub fn person_document(config: &Config, account: &Account) -> Actor {
    Actor {
        context: Value::Null,
        ..super::objects::actor::person(config, account)
    }
}

/// The Block activity of a stored block (without `@context`).
pub fn block_object(
    config: &Config,
    block: &Block,
    blocker: &Account,
    target: &Account,
) -> Outgoing<String> {
    Outgoing::new(
        "Block",
        block.uri.clone(),
        actor_uri(config, blocker),
        actor_uri(config, target),
    )
}

/// A report as Mastodon and GoToSocial forward one: a `Flag` from the instance actor, the
/// comment as `content`, the account and its posts as `object`. The reporter stays
/// anonymous to the other server.
pub fn flag_object(
    config: &Config,
    report: &crate::db::entities::reports::Model,
    target: &Account,
    post_uris: &[String],
) -> Outgoing<Vec<String>> {
    let object = std::iter::once(actor_uri(config, target))
        .chain(post_uris.iter().cloned())
        .collect();
    Outgoing::new(
        "Flag",
        // Random: the id must not tell how many reports this server has.
        config
            .uris()
            .route(&format!("/reports/{}", random_suffix())),
        config.uris().instance_actor(),
        object,
    )
    .with_content(report.comment.clone())
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Renders domain events as activities addressed to the right inbox.
pub struct ActivityPublisher {
    config: Arc<Config>,
}

impl ActivityPublisher {
    pub fn new(config: Arc<Config>) -> Self {
        ActivityPublisher { config }
    }

    fn to_inbox(
        &self,
        to: &Account,
        signer: &Account,
        body: Value,
        subject: String,
    ) -> Vec<NewDelivery> {
        let Some(inbox) = to.inbox_url.clone() else {
            tracing::warn!(account = %to.username, "remote account has no inbox; nothing sent");
            return vec![];
        };
        one(inbox, Some(signer.id), &body, subject)
    }
}

/// One delivery of `body` to `inbox` (none when the inbox has no domain).
fn one(inbox: String, signer: Option<i64>, body: &Value, subject: String) -> Vec<NewDelivery> {
    let Some(domain) = domain_of(&inbox) else {
        return vec![];
    };
    vec![NewDelivery {
        inbox_url: inbox,
        domain,
        signer_account_id: signer,
        body: body.to_string(),
        ordering_key: Some(subject),
    }]
}

impl ActivityPublisher {
    /// One POST to the server of `to` (its shared inbox when it has one), signed by the
    /// instance actor: what the server as a whole must hear (a report).
    fn to_server(&self, to: &Account, body: Value, subject: String) -> Vec<NewDelivery> {
        let Some(inbox) = to.shared_inbox_url.clone().or_else(|| to.inbox_url.clone()) else {
            return vec![];
        };
        one(inbox, None, &body, subject)
    }

    /// The same body to many inboxes, signed by `signer`.
    fn to_inboxes(
        &self,
        inboxes: &[String],
        signer: &Account,
        body: &Value,
        subject: String,
    ) -> Vec<NewDelivery> {
        let body = body.to_string();
        inboxes
            .iter()
            .filter_map(|inbox| {
                Some(NewDelivery {
                    inbox_url: inbox.clone(),
                    domain: domain_of(inbox)?,
                    signer_account_id: Some(signer.id),
                    body: body.clone(),
                    ordering_key: Some(subject.clone()),
                })
            })
            .collect()
    }

    /// `Accept` or `Reject` of a Follow, sent by the followed (local) account to the follower.
    fn answer_follow(
        &self,
        kind: &'static str,
        follow: &Follow,
        follower: &Account,
        target: &Account,
    ) -> ActivityDocument {
        let me = actor_uri(&self.config, target);
        let id = format!(
            "{me}#{}s/follows/{}-{}",
            kind.to_ascii_lowercase(),
            follow.id,
            random_suffix()
        );
        let follow = follow_object(&self.config, follow, follower, target);
        built(Outgoing::new(kind, id, me, follow).with_context(as_context()))
    }
}

impl Publisher for ActivityPublisher {
    fn new_activity_id(&self, _actor: &Account) -> String {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        self.config.uris().activity(&hex::encode(bytes))
    }

    fn post_uri(&self, author: &Account, id: i64) -> (String, String) {
        let uris = self.config.uris();
        (
            uris.status(&author.username, id),
            uris.status_page(&author.username, id),
        )
    }

    fn profile_url(&self, account: &Account) -> String {
        if account.is_local() {
            self.config.uris().profile(&account.username)
        } else {
            account
                .profile_url
                .clone()
                .or_else(|| account.uri.clone())
                .unwrap_or_default()
        }
    }

    fn activity(&self, event: Event<'_>) -> Value {
        self.document(event).body
    }

    fn document(&self, event: Event<'_>) -> ActivityDocument {
        let config = &self.config;
        match event {
            Event::FollowRequested {
                follow,
                follower,
                target,
            } => built(follow_object(config, follow, follower, target).with_context(as_context())),
            Event::FollowUndone {
                follow,
                follower,
                target,
            } => built(
                Outgoing::new(
                    "Undo",
                    format!("{}/undo", follow.uri),
                    actor_uri(config, follower),
                    follow_object(config, follow, follower, target),
                )
                .with_context(as_context()),
            ),
            Event::FollowAccepted {
                follow,
                follower,
                target,
            } => self.answer_follow("Accept", follow, follower, target),
            Event::FollowRejected {
                follow,
                follower,
                target,
            } => self.answer_follow("Reject", follow, follower, target),
            Event::PostCreated { view, .. } => built(note::create_or_update(config, view, false)),
            Event::PostUpdated { view, .. } => built(note::create_or_update(config, view, true)),
            Event::PostDeleted { post, author, .. } => built(note::delete(config, post, author)),
            Event::Liked {
                like_uri,
                liker,
                post,
                ..
            } => built(note::like(config, like_uri, liker, post).with_context(as_context())),
            Event::Unliked {
                like_uri,
                liker,
                post,
                ..
            } => built(note::undo(
                config,
                liker,
                note::like(config, like_uri, liker, post),
            )),
            Event::Boosted {
                boost,
                booster,
                original,
                author,
                ..
            } => built(
                note::announce(config, boost, booster, original, author).with_context(as_context()),
            ),
            Event::Unboosted {
                boost,
                booster,
                original,
                author,
                ..
            } => built(note::undo(
                config,
                booster,
                note::announce(config, boost, booster, original, author),
            )),
            Event::Blocked {
                block,
                blocker,
                target,
            } => built(block_object(config, block, blocker, target).with_context(as_context())),
            Event::Unblocked {
                block,
                blocker,
                target,
            } => built(note::undo(
                config,
                blocker,
                block_object(config, block, blocker, target),
            )),
            Event::ProfileUpdated { account, .. } => {
                let me = actor_uri(config, account);
                let id = format!("{me}#updates/{}", account.updated_at.timestamp_millis());
                built(
                    Outgoing::new("Update", id, me, person_document(config, account))
                        .with_context(super::protocol::context::actor_context())
                        .addressed(vec![super::protocol::context::PUBLIC.to_string()], None),
                )
            }
            Event::Reported {
                report,
                target,
                post_uris,
                ..
            } => built(flag_object(config, report, target, post_uris).with_context(as_context())),
        }
    }

    fn render(&self, event: Event<'_>) -> Vec<NewDelivery> {
        let subject = event.subject();
        let body = self.activity(event);
        match event {
            Event::FollowRequested {
                follower, target, ..
            }
            | Event::FollowUndone {
                follower, target, ..
            } => self.to_inbox(target, follower, body, subject),
            Event::FollowAccepted {
                follower, target, ..
            }
            | Event::FollowRejected {
                follower, target, ..
            } => self.to_inbox(follower, target, body, subject),
            Event::PostCreated { view, inboxes } | Event::PostUpdated { view, inboxes } => {
                self.to_inboxes(inboxes, &view.author, &body, subject)
            }
            Event::PostDeleted {
                author, inboxes, ..
            } => self.to_inboxes(inboxes, author, &body, subject),
            Event::Liked { liker, author, .. } | Event::Unliked { liker, author, .. } => {
                self.to_inbox(author, liker, body, subject)
            }
            Event::Boosted {
                booster, inboxes, ..
            }
            | Event::Unboosted {
                booster, inboxes, ..
            } => self.to_inboxes(inboxes, booster, &body, subject),
            Event::Blocked {
                blocker, target, ..
            }
            | Event::Unblocked {
                blocker, target, ..
            } => self.to_inbox(target, blocker, body, subject),
            Event::ProfileUpdated { account, inboxes } => {
                self.to_inboxes(inboxes, account, &body, subject)
            }
            Event::Reported { target, .. } => self.to_server(target, body, subject),
        }
    }
}

/// The plain ActivityStreams context, as a document's `@context`.
fn as_context() -> Value {
    Value::String(ACTIVITYSTREAMS.to_string())
}

/// A typed activity as the domain keeps it: its id, actor and type, and the JSON.
fn built<O: Serialize>(activity: Outgoing<O>) -> ActivityDocument {
    ActivityDocument {
        id: activity.id.clone(),
        actor: activity.actor.clone(),
        kind: activity.kind.to_string(),
        body: activity.to_json(),
    }
}
