//! Mastodon API JSON shapes, built from domain models. Field sets follow
//! <https://docs.joinmastodon.org/entities/> so existing apps parse them unchanged.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{
    config::Config, db::entities::accounts::Model as Account,
    federation::objects::actor::local_actor_urls,
};

/// The `Account` entity.
#[derive(Debug, Clone, Serialize)]
pub struct MastodonAccount {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub group: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: u64,
    pub following_count: u64,
    pub statuses_count: u64,
    pub last_status_at: Option<String>,
    pub hide_collections: bool,
    pub noindex: bool,
    pub emojis: [(); 0],
    pub roles: [(); 0],
    pub fields: Vec<Field>,
}

/// The `CredentialAccount` entity: an `Account` plus its owner-only `source` and `role`.
#[derive(Debug, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: MastodonAccount,
    pub source: Source,
    pub role: Role,
}

/// Mastodon's `Role`; apps read `permissions` (a decimal bit field as a string) to decide
/// whether to show admin screens.
#[derive(Debug, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub color: &'static str,
    pub highlighted: bool,
}

/// Mastodon's `Role` for an account: its seeded roles' ids and permission bits (see
/// `domain::roles`); the default role's name is empty, as Mastodon's `everyone` shows.
pub fn role(role: crate::domain::roles::Role) -> Role {
    use crate::domain::roles::Role as R;
    Role {
        id: role.id().to_string(),
        name: match role {
            R::User => String::new(),
            R::Moderator => "Moderator".into(),
            R::Admin => "Admin".into(),
            R::Owner => "Owner".into(),
        },
        permissions: role.permissions().to_string(),
        color: "",
        highlighted: role.is_staff(),
    }
}

/// Owner-only defaults and raw profile text.
#[derive(Debug, Serialize)]
pub struct Source {
    pub privacy: &'static str,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<Field>,
    pub follow_requests_count: u64,
    pub hide_collections: bool,
    pub discoverable: bool,
    pub indexable: bool,
}

/// Mastodon shows `created_at` as midnight of the sign-up day.
fn created_day(account: &Account) -> String {
    format!("{}T00:00:00.000Z", account.created_at.format("%Y-%m-%d"))
}

/// Any account (local or remote) as Mastodon's `Account`.
pub fn account(config: &Config, account: &Account) -> MastodonAccount {
    let web = crate::domain::sanitize::web_url;
    let (url, uri, acct) = if account.is_local() {
        let urls = local_actor_urls(config, &account.username);
        (
            urls.profile.to_string(),
            urls.id.to_string(),
            account.username.clone(),
        )
    } else {
        let uri = account.uri.clone().unwrap_or_default();
        (
            account
                .profile_url
                .as_deref()
                .and_then(web)
                .unwrap_or_else(|| uri.clone()),
            uri,
            format!(
                "{}@{}",
                account.username,
                account.domain.as_deref().unwrap_or_default()
            ),
        )
    };
    let missing = config.uris().route("/avatars/original/missing.png");
    // Remote URLs leave only as http(s), whatever was stored before that rule existed.
    let avatar = account
        .avatar_url
        .as_deref()
        .and_then(web)
        .unwrap_or(missing);
    let header = account
        .header_url
        .as_deref()
        .and_then(web)
        .unwrap_or_else(|| config.uris().route("/headers/original/missing.png"));
    let note = if account.is_local() {
        account.summary.clone()
    } else {
        crate::domain::sanitize::shown_html(&account.summary)
    };
    MastodonAccount {
        id: account.id.to_string(),
        username: account.username.clone(),
        acct,
        display_name: account.display_name.clone(),
        locked: account.manually_approves_followers,
        bot: matches!(
            account.actor_type.as_deref(),
            Some("Service" | "Application")
        ),
        discoverable: account.discoverable,
        indexable: account.indexable,
        group: account.actor_type.as_deref() == Some("Group"),
        created_at: created_day(account),
        note,
        url,
        uri,
        avatar_static: avatar.clone(),
        avatar,
        header_static: header.clone(),
        header,
        // Counts are filled by the endpoints that have them at hand.
        followers_count: 0,
        following_count: 0,
        statuses_count: 0,
        last_status_at: None,
        hide_collections: false,
        noindex: !account.indexable,
        emojis: [],
        roles: [],
        fields: crate::domain::accounts::shown_fields(account, config.base_url())
            .into_iter()
            .map(|(name, value)| Field {
                name,
                value,
                verified_at: Some(None),
            })
            .collect(),
    }
}

/// The caller's own account as `CredentialAccount`.
pub fn credential_account(config: &Config, acc: &Account) -> CredentialAccount {
    CredentialAccount {
        account: account(config, acc),
        source: Source {
            privacy: "public",
            sensitive: false,
            language: None,
            note: acc.summary.clone(),
            fields: acc
                .fields()
                .iter()
                .map(|(name, value)| Field {
                    name: name.clone(),
                    value: value.clone(),
                    verified_at: None,
                })
                .collect(),
            follow_requests_count: 0,
            hide_collections: false,
            discoverable: acc.discoverable,
            indexable: acc.indexable,
        },
        role: role(crate::domain::roles::of(acc)),
    }
}

/// Mastodon's `Field`: a profile field. `verified_at` is present (null: Pinhole does not
/// verify links yet) on accounts and absent in the editable `source`.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<Option<String>>,
}

/// An empty JSON object, which Mastodon answers where there is nothing to say.
#[derive(Debug, Serialize)]
pub struct Empty {}

/// Mastodon's `Error`, also OAuth's (RFC 6749 §5.2, with `error_description`).
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// Field by field, for sign-up and other forms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<BTreeMap<&'static str, Vec<FieldDetail>>>,
}

/// One entry of `details`.
#[derive(Debug, Serialize)]
pub struct FieldDetail {
    pub error: &'static str,
    pub description: String,
}

/// Mastodon's `details`: field name → its errors.
pub fn details(fields: &[crate::domain::FieldError]) -> BTreeMap<&'static str, Vec<FieldDetail>> {
    let mut out: BTreeMap<&'static str, Vec<FieldDetail>> = BTreeMap::new();
    for f in fields {
        out.entry(f.field).or_default().push(FieldDetail {
            error: f.code,
            description: f.description.clone(),
        });
    }
    out
}
