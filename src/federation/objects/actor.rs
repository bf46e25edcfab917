//! Local accounts and the instance actor as ActivityPub actors. All ids are derived from
//! `public_url`, never stored, so they stay consistent with routing.

use url::Url;

use crate::{
    config::Config,
    db::entities::{accounts::Model as Account, instance_keys::Model as InstanceKeys},
    federation::protocol::{
        actor::{Actor, Endpoints, Image, PropertyValue, PublicKey},
        context::actor_context,
    },
};

/// The URLs that make up a local actor's public face.
pub struct LocalActorUrls {
    pub id: Url,
    pub profile: Url,
}

/// `…/users/NAME` and `…/@NAME` for a local username.
pub fn local_actor_urls(config: &Config, username: &str) -> LocalActorUrls {
    let uris = config.uris();
    LocalActorUrls {
        id: join(config, &uris.actor(username)),
        profile: join(config, &uris.profile(username)),
    }
}

/// The instance actor's id.
pub fn instance_actor_id(config: &Config) -> Url {
    join(config, &config.uris().instance_actor())
}

/// The shared inbox every local actor advertises.
pub fn shared_inbox(config: &Config) -> Url {
    join(config, &config.uris().shared_inbox())
}

/// Builds a URL under the public URL. Usernames are `[A-Za-z0-9_]` and the base URL was
/// validated at start-up, so parsing cannot fail; fall back to the base URL regardless.
fn join(config: &Config, url: &str) -> Url {
    Url::parse(url).unwrap_or_else(|_| config.public_url.clone())
}

fn sub(id: &Url, suffix: &str) -> Url {
    let mut url = id.clone();
    url.set_path(&format!("{}/{suffix}", id.path().trim_end_matches('/')));
    url
}

fn image(url: &str) -> Option<Image> {
    Url::parse(url).ok().map(|url| Image {
        kind: "Image".into(),
        media_type: None,
        url: Some(url),
    })
}

/// A local account as a `Person`, shaped like Mastodon's.
pub fn person(config: &Config, account: &Account) -> Actor {
    let urls = local_actor_urls(config, &account.username);
    let id = urls.id;
    let mut key_id = id.clone();
    key_id.set_fragment(Some("main-key"));
    Actor {
        context: actor_context(),
        kind: "Person".into(),
        preferred_username: account.username.clone(),
        webfinger: Some(format!("acct:{}@{}", account.username, config.domain())),
        name: Some(account.display_name.clone()),
        summary: Some(account.summary.clone()),
        url: Some(urls.profile),
        inbox: sub(&id, "inbox"),
        outbox: Some(sub(&id, "outbox")),
        followers: Some(sub(&id, "followers")),
        following: Some(sub(&id, "following")),
        featured: Some(sub(&id, "collections/featured")),
        endpoints: Some(Endpoints {
            shared_inbox: Some(shared_inbox(config)),
            oauth_authorization_endpoint: Some(join(
                config,
                &config.uris().route("/oauth/authorize"),
            )),
            oauth_token_endpoint: Some(join(config, &config.uris().route("/oauth/token"))),
            upload_media: Some(sub(&id, "media")),
        }),
        public_key: PublicKey {
            id: key_id,
            owner: id.clone(),
            public_key_pem: account.public_key_pem.clone(),
        },
        icon: account.avatar_url.as_deref().and_then(image),
        image: account.header_url.as_deref().and_then(image),
        manually_approves_followers: Some(account.manually_approves_followers),
        discoverable: Some(account.discoverable),
        indexable: Some(account.indexable),
        published: Some(account.created_at),
        attachment: profile_fields(config, account),
        id,
    }
}

/// Profile fields as Mastodon publishes them: `PropertyValue`s with an HTML value.
fn profile_fields(config: &Config, account: &Account) -> Option<serde_json::Value> {
    let fields = crate::domain::accounts::shown_fields(account, config.base_url());
    if fields.is_empty() {
        return None;
    }
    let typed: Vec<PropertyValue> = fields
        .iter()
        .map(|(name, value)| PropertyValue::new(name, value))
        .collect();
    serde_json::to_value(typed).ok()
}

/// The instance actor (`Application`), which signs fetches made on the server's behalf.
/// Its `preferredUsername` is the host name, as GoToSocial does, so `acct:HOST@HOST`
/// resolves to it.
pub fn instance_application(config: &Config, keys: &InstanceKeys) -> Actor {
    let id = instance_actor_id(config);
    let mut key_id = id.clone();
    key_id.set_fragment(Some("main-key"));
    Actor {
        context: actor_context(),
        kind: "Application".into(),
        preferred_username: instance_username(config),
        webfinger: Some(format!(
            "acct:{}@{}",
            instance_username(config),
            config.domain()
        )),
        name: Some(config.instance.title.clone()),
        summary: None,
        url: Some(join(config, &config.uris().route("/about"))),
        inbox: sub(&id, "inbox"),
        outbox: Some(sub(&id, "outbox")),
        followers: None,
        following: None,
        featured: None,
        endpoints: Some(Endpoints {
            shared_inbox: Some(shared_inbox(config)),
            oauth_authorization_endpoint: None,
            oauth_token_endpoint: None,
            upload_media: None,
        }),
        public_key: PublicKey {
            id: key_id,
            owner: id.clone(),
            public_key_pem: keys.public_key_pem.clone(),
        },
        icon: None,
        image: None,
        manually_approves_followers: Some(true),
        discoverable: Some(false),
        indexable: Some(false),
        published: Some(keys.created_at),
        attachment: None,
        id,
    }
}

/// The instance actor's username: the public host name without port.
pub fn instance_username(config: &Config) -> String {
    config.public_url.host_str().unwrap_or_default().to_string()
}
