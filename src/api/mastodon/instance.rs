//! `/api/v1/instance` and `/api/v2/instance`: what Mastodon apps read before anything else
//! (limits, registration state, version). Typed like every other Mastodon entity.

use axum::{Json, extract::State};
use serde::Serialize;

use crate::{api::ApiError, config::Config, domain, domain::registrations::Mode, state::AppState};

/// The Mastodon API version we are compatible with, as apps compare it to enable features.
const MASTODON_API_COMPAT: &str = "4.3.0";

fn version() -> String {
    format!(
        "{MASTODON_API_COMPAT} (compatible; Pinhole {})",
        crate::VERSION
    )
}

/// Image types Pinhole accepts (the media pipeline issue extends this).
const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];

/// Mastodon's `Instance` (v2).
#[derive(Serialize)]
pub struct Instance {
    domain: String,
    title: String,
    version: String,
    source_url: String,
    description: String,
    usage: Usage,
    thumbnail: Thumbnail,
    icon: [(); 0],
    languages: [&'static str; 1],
    configuration: Configuration,
    registrations: Registrations,
    api_versions: ApiVersions,
    contact: Contact,
    rules: Vec<Rule>,
}

/// A server rule as Mastodon lists it.
#[derive(Serialize)]
struct Rule {
    id: String,
    text: String,
    hint: &'static str,
}

fn rules(config: &Config) -> Vec<Rule> {
    config
        .instance
        .rules
        .iter()
        .enumerate()
        .map(|(i, text)| Rule {
            id: (i + 1).to_string(),
            text: text.clone(),
            hint: "",
        })
        .collect()
}

#[derive(Serialize)]
struct Usage {
    users: UsageUsers,
}

#[derive(Serialize)]
struct UsageUsers {
    active_month: u64,
}

#[derive(Serialize)]
struct Thumbnail {
    url: String,
}

#[derive(Serialize)]
struct Configuration {
    urls: Urls,
    vapid: Vapid,
    accounts: AccountsConfig,
    statuses: StatusesConfig,
    media_attachments: MediaConfig,
    polls: PollsConfig,
    translation: Translation,
}

#[derive(Serialize)]
struct Urls {
    streaming: Option<String>,
    status: Option<String>,
    about: String,
}

#[derive(Serialize)]
struct Vapid {
    public_key: &'static str,
}

#[derive(Serialize)]
struct AccountsConfig {
    max_featured_tags: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_pinned_statuses: Option<u32>,
}

#[derive(Serialize)]
struct StatusesConfig {
    max_characters: u32,
    max_media_attachments: u32,
    characters_reserved_per_url: u32,
}

#[derive(Serialize)]
struct MediaConfig {
    supported_mime_types: &'static [&'static str],
    image_size_limit: u64,
    image_matrix_limit: u64,
    video_size_limit: u64,
    video_frame_rate_limit: u32,
    video_matrix_limit: u64,
    description_limit: u32,
}

/// Polls are not supported: every limit is zero, which apps read as "no polls".
#[derive(Serialize)]
struct PollsConfig {
    max_options: u32,
    max_characters_per_option: u32,
    min_expiration: u32,
    max_expiration: u32,
}

#[derive(Serialize)]
struct Translation {
    enabled: bool,
}

#[derive(Serialize)]
struct Registrations {
    enabled: bool,
    approval_required: bool,
    reason_required: bool,
    /// HTML, shown by apps when sign-ups are not enabled.
    message: Option<&'static str>,
    url: Option<String>,
    min_age: Option<u32>,
}

#[derive(Serialize)]
struct ApiVersions {
    mastodon: u32,
}

#[derive(Serialize)]
struct Contact {
    email: String,
    account: Option<()>,
}

/// Mastodon's v1 `Instance`, still read by many apps.
#[derive(Serialize)]
pub struct InstanceV1 {
    uri: String,
    title: String,
    short_description: String,
    description: String,
    email: String,
    version: String,
    urls: UrlsV1,
    stats: Stats,
    thumbnail: String,
    languages: [&'static str; 1],
    registrations: bool,
    approval_required: bool,
    invites_enabled: bool,
    configuration: ConfigurationV1,
    contact_account: Option<()>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct UrlsV1 {
    streaming_api: Option<String>,
}

#[derive(Serialize)]
struct Stats {
    user_count: u64,
    status_count: u64,
    domain_count: u64,
}

#[derive(Serialize)]
struct ConfigurationV1 {
    accounts: AccountsConfig,
    statuses: StatusesConfig,
    media_attachments: MediaConfig,
    polls: PollsConfig,
}

fn statuses_config(config: &Config) -> StatusesConfig {
    StatusesConfig {
        max_characters: config.instance.max_post_characters,
        max_media_attachments: config.instance.max_media_attachments,
        characters_reserved_per_url: 23,
    }
}

fn media_config() -> MediaConfig {
    MediaConfig {
        supported_mime_types: IMAGE_TYPES,
        image_size_limit: 16 * 1024 * 1024,
        image_matrix_limit: 33_177_600,
        video_size_limit: 0,
        video_frame_rate_limit: 0,
        video_matrix_limit: 0,
        description_limit: 1500,
    }
}

fn polls_config() -> PollsConfig {
    PollsConfig {
        max_options: 0,
        max_characters_per_option: 0,
        min_expiration: 0,
        max_expiration: 0,
    }
}

/// The placeholder image apps show for the instance until one can be configured.
fn thumbnail(config: &Config) -> String {
    config.uris().route("/avatars/original/missing.png")
}

/// `GET /api/v2/instance`.
pub async fn v2(State(state): State<AppState>) -> Result<Json<Instance>, ApiError> {
    let usage = domain::instance::usage(&state.db).await?;
    let config = &state.config;
    Ok(Json(Instance {
        domain: config.domain(),
        title: config.instance.title.clone(),
        version: version(),
        source_url: config.instance.source_url.clone(),
        description: config.instance.description.clone(),
        usage: Usage {
            users: UsageUsers {
                active_month: usage.active_month,
            },
        },
        thumbnail: Thumbnail {
            url: thumbnail(config),
        },
        icon: [],
        languages: ["en"],
        configuration: Configuration {
            urls: Urls {
                streaming: None,
                status: None,
                about: config.uris().route("/about"),
            },
            vapid: Vapid { public_key: "" },
            accounts: AccountsConfig {
                max_featured_tags: 0,
                max_pinned_statuses: Some(0),
            },
            statuses: statuses_config(config),
            media_attachments: media_config(),
            polls: polls_config(),
            translation: Translation { enabled: false },
        },
        registrations: registrations(config),
        api_versions: ApiVersions { mastodon: 2 },
        contact: Contact {
            email: config.instance.contact_email.clone(),
            account: None,
        },
        rules: rules(config),
    }))
}

/// The sign-up state as it is: enabled unless closed (in invite mode only with an invite,
/// which apps learn from `message`), and whether a moderator approves each account.
fn registrations(config: &Config) -> Registrations {
    let mode = config.instance.registrations;
    let message = match mode {
        Mode::Closed => Some("<p>This server is not taking new sign-ups.</p>"),
        Mode::Invite => Some("<p>This server takes new accounts by invitation only.</p>"),
        Mode::Open | Mode::Approval => None,
    };
    Registrations {
        enabled: mode.enabled(),
        approval_required: mode == Mode::Approval,
        reason_required: false,
        message,
        url: None,
        min_age: None,
    }
}

/// `GET /api/v1/instance` (deprecated by Mastodon but still read by many apps).
pub async fn v1(State(state): State<AppState>) -> Result<Json<InstanceV1>, ApiError> {
    let usage = domain::instance::usage(&state.db).await?;
    let config = &state.config;
    Ok(Json(InstanceV1 {
        uri: config.domain(),
        title: config.instance.title.clone(),
        short_description: config.instance.description.clone(),
        description: config.instance.description.clone(),
        email: config.instance.contact_email.clone(),
        version: version(),
        urls: UrlsV1 {
            streaming_api: None,
        },
        stats: Stats {
            user_count: usage.users_total,
            status_count: usage.local_posts,
            // Known remote domains arrive with federation.
            domain_count: 0,
        },
        thumbnail: thumbnail(config),
        languages: ["en"],
        registrations: config.instance.registrations.enabled(),
        approval_required: config.instance.registrations == Mode::Approval,
        invites_enabled: config.instance.registrations.invites_enabled(),
        configuration: ConfigurationV1 {
            accounts: AccountsConfig {
                max_featured_tags: 0,
                max_pinned_statuses: None,
            },
            statuses: statuses_config(config),
            media_attachments: media_config(),
            polls: polls_config(),
        },
        contact_account: None,
        rules: rules(config),
    }))
}
