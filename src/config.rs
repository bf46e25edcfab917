//! Typed configuration: the embedded `config/default.toml`, then an operator's file, then
//! `PINHOLE_*` environment variables. Unknown keys are errors so typos never pass silently.

use std::{
    net::{IpAddr, SocketAddr},
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::{Deserialize, Serialize};
use url::Url;

/// The shipped reference configuration; it is always the lowest layer so that every key has
/// its documented default even when Pinhole runs outside the source tree.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Where the operator's configuration file is looked up when none is given explicitly.
pub const DEFAULT_CONFIG_PATH: &str = "config/default.toml";

/// Environment variables with the `PINHOLE_` prefix that are not configuration keys.
const NON_CONFIG_ENV: &[&str] = &["config", "test_database_url"];

/// Everything Pinhole can be configured with (see `config/default.toml` for meanings).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub public_url: Url,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database: DatabaseConfig,
    pub instance: InstanceConfig,
    pub federation: FederationConfig,
    pub media: MediaConfig,
    pub log: LogConfig,
    pub server: ServerConfig,
    pub limits: LimitsConfig,
}

/// Rate limits (Mastodon's defaults), counted per client address.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Sign-up attempts per address per 30 minutes (0: no limit).
    pub sign_ups: u32,
    /// API requests per access token (per address without one) per 5 minutes.
    pub api: u32,
    /// Media uploads per access token per 30 minutes.
    pub media_uploads: u32,
    /// Post deletions per access token per 30 minutes.
    pub deletions: u32,
    /// Inbox deliveries accepted from one server (domain) per 5 minutes.
    pub inbox_per_domain: u32,
}

/// Connection pool settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub max_connections: u32,
    pub connect_timeout_seconds: u64,
    pub sqlite_busy_timeout_seconds: u64,
}

/// What the instance tells clients and other servers about itself.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    pub title: String,
    pub description: String,
    pub contact_email: String,
    pub source_url: String,
    /// How new people join: closed, open, approval or invite.
    pub registrations: crate::domain::registrations::Mode,
    /// Usernames nobody may sign up with (compared without case).
    pub reserved_usernames: Vec<String>,
    pub max_post_characters: u32,
    pub max_media_attachments: u32,
    /// The server's rules, in order (plain text), shown on the start and about pages and
    /// in the Mastodon API's instance documents.
    #[serde(default)]
    pub rules: Vec<String>,
}

/// Federation safety switches.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    /// `blocklist`: everyone federates but blocked domains; `allowlist`: only allowed ones.
    pub mode: FederationMode,
    pub allow_private_network: Toggle,
    pub inbox_max_bytes: usize,
    /// Inbox POSTs processed at once (0: four per CPU core); more wait briefly, then 503.
    pub inbox_concurrency: usize,
    /// Milliseconds an inbox POST may wait for its turn before it is answered 503.
    pub inbox_queue_wait_ms: u64,
    /// Inbox POSTs allowed to wait for a turn (0: sixteen per processing slot); beyond
    /// them a POST is answered 503 at once, so a flood holds no connections open.
    pub inbox_queue_max: usize,
    /// Seconds an inbox POST's body may take to arrive in full (a trickle is cut off).
    pub inbox_body_timeout_seconds: u64,
    pub fetch_max_bytes: usize,
    pub request_timeout_seconds: u64,
    pub delivery_concurrency: usize,
    pub delivery_concurrency_per_domain: usize,
    pub delivery_max_attempts: i32,
    pub delivery_retry_base_seconds: u64,
    pub delivery_lease_seconds: u64,
    pub circuit_breaker_failures: i32,
    pub circuit_breaker_pause_seconds: u64,
    /// Days received activities stay in users' inbox collections (0: forever).
    pub inbox_retention_days: u64,
}

/// Who this server federates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FederationMode {
    /// Everyone but blocked domains.
    Blocklist,
    /// Only the domains moderators allowed (and never blocked ones).
    Allowlist,
}

/// A yes/no setting whose default depends on the rest of the configuration.
///
/// Accepts TOML booleans and the strings `auto`/`true`/`false` alike: environment variables
/// such as `PINHOLE_FEDERATION__ALLOW_PRIVATE_NETWORK=false` reach serde as booleans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Toggle {
    Auto,
    True,
    False,
}

impl<'de> Deserialize<'de> for Toggle {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Toggle;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"auto\", true or false")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Toggle, E> {
                Ok(if v { Toggle::True } else { Toggle::False })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Toggle, E> {
                match v.trim().to_ascii_lowercase().as_str() {
                    "auto" => Ok(Toggle::Auto),
                    "true" | "yes" | "on" | "1" => Ok(Toggle::True),
                    "false" | "no" | "off" | "0" => Ok(Toggle::False),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Toggle, E> {
                match v {
                    0 => Ok(Toggle::False),
                    1 => Ok(Toggle::True),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Toggle, E> {
                match v {
                    0 => Ok(Toggle::False),
                    1 => Ok(Toggle::True),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Unsigned(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Upload limits and the sizes images are stored at.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MediaConfig {
    pub max_bytes: usize,
    pub max_pixels: u64,
    pub max_description_chars: usize,
    pub original_max_edge: u32,
    pub display_edge: u32,
    pub thumbnail_edge: u32,
    pub jpeg_quality: u8,
    pub concurrency: usize,
    pub storage: StorageKind,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_endpoint: String,
    pub s3_access_key_id: String,
    /// Never logged: `Debug` shows it redacted.
    pub s3_secret_access_key: Secret,
}

/// Which media storage backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Filesystem,
    S3,
}

/// A string that must not appear in logs or debug output.
#[derive(Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

/// Log output settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    pub level: String,
}

/// Log line format: readable for people, JSON for log collectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// HTTP server process settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub shutdown_grace_seconds: u64,
    /// Seconds a connection may take to send a request head, and may stay idle between
    /// requests.
    pub header_timeout_seconds: u64,
    /// Open connections at most (0: what the open-file limit allows).
    pub max_connections: usize,
    /// Open connections per client address at most (0: no per-address cap).
    pub max_connections_per_address: usize,
    /// Seconds a request body may pause between chunks.
    pub request_body_timeout_seconds: u64,
    /// Addresses or networks of reverse proxies whose `X-Forwarded-For` is believed (see
    /// [`crate::net::TrustedProxies`]); empty: every peer is the client.
    pub trusted_proxies: Vec<String>,
}

/// Why configuration could not be loaded; the message names the offending key or file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the layered configuration. `file` is the explicitly requested file (from
    /// `--config` or `PINHOLE_CONFIG`); without it `config/default.toml` is read when present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        match file {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => {
                let default = Path::new(DEFAULT_CONFIG_PATH);
                if default.is_file() {
                    figment = figment.merge(Toml::file_exact(default));
                }
            }
        }
        figment = figment.merge(Env::prefixed("PINHOLE_").split("__").filter(|key| {
            !NON_CONFIG_ENV
                .iter()
                .any(|k| key.as_str().eq_ignore_ascii_case(k))
        }));
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(flatten_figment_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// The built-in defaults alone; tests start from these and adjust what they need.
    pub fn defaults() -> Result<Self, ConfigError> {
        let config: Config = Figment::from(Toml::string(DEFAULT_TOML))
            .extract()
            .map_err(|e| ConfigError::Invalid(flatten_figment_error(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: the public URL must be a bare origin, since ids are built
    /// by appending paths to it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.public_url;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ConfigError::Invalid(format!(
                "public_url `{url}` must use http or https"
            )));
        }
        if url.host_str().is_none() {
            return Err(ConfigError::Invalid(format!(
                "public_url `{url}` has no host"
            )));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(ConfigError::Invalid(format!(
                "public_url `{url}` must not have a path, query or fragment"
            )));
        }
        crate::net::TrustedProxies::parse(&self.server.trusted_proxies)
            .map_err(ConfigError::Invalid)?;
        let f = &self.federation;
        if f.delivery_concurrency == 0 || f.delivery_concurrency_per_domain == 0 {
            return Err(ConfigError::Invalid(
                "federation.delivery_concurrency and delivery_concurrency_per_domain must be at least 1"
                    .into(),
            ));
        }
        if f.delivery_max_attempts < 1 || f.delivery_lease_seconds == 0 {
            return Err(ConfigError::Invalid(
                "federation.delivery_max_attempts and delivery_lease_seconds must be at least 1"
                    .into(),
            ));
        }
        // The inbox's admission gate sizes semaphores (and their sums) from these; absurd
        // values would overflow them at start, and a zero body limit refuses every delivery.
        if !(1024..=256 * 1024 * 1024).contains(&f.inbox_max_bytes)
            || f.inbox_concurrency > 10_000
            || f.inbox_queue_max > 1_000_000
        {
            return Err(ConfigError::Invalid(
                "federation.inbox_max_bytes must be 1 KiB-256 MiB, inbox_concurrency at most 10000 and inbox_queue_max at most 1000000"
                    .into(),
            ));
        }
        let m = &self.media;
        if m.thumbnail_edge == 0
            || m.display_edge < m.thumbnail_edge
            || m.original_max_edge < m.display_edge
        {
            return Err(ConfigError::Invalid(
                "media sizes must satisfy 0 < thumbnail_edge ≤ display_edge ≤ original_max_edge"
                    .into(),
            ));
        }
        if m.storage == StorageKind::S3 && m.s3_bucket.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "media.storage = \"s3\" needs media.s3_bucket".into(),
            ));
        }
        if !(1..=100).contains(&m.jpeg_quality) {
            return Err(ConfigError::Invalid(
                "media.jpeg_quality must be 1-100".into(),
            ));
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::Invalid(
                "database.max_connections must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The host (with `:port` when not the scheme's default) that appears in `acct:` handles
    /// and in WebFinger subjects.
    pub fn domain(&self) -> String {
        let host = self.public_url.host_str().unwrap_or_default();
        match self.public_url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }

    /// The public URL without its trailing slash.
    pub fn base_url(&self) -> &str {
        self.public_url.as_str().trim_end_matches('/')
    }

    /// Every URI this server mints for its own things, and the way back.
    pub fn uris(&self) -> crate::uris::Local<'_> {
        crate::uris::Local::new(self.base_url())
    }

    /// The effective database URL: the configured one, or a SQLite file in `data_dir`.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.trim().is_empty() {
            let path = self.data_dir.join("pinhole.sqlite");
            format!("sqlite://{}?mode=rwc", path.display())
        } else {
            self.database_url.trim().to_string()
        }
    }

    /// Whether federation may use plain http and private/loopback addresses.
    pub fn allow_private_network(&self) -> bool {
        match self.federation.allow_private_network {
            Toggle::True => true,
            Toggle::False => false,
            Toggle::Auto => is_loopback_host(&self.public_url),
        }
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Figment reports nested errors one per line; an operator wants them all, in one message.
fn flatten_figment_error(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_file_parses_with_no_unknown_keys() {
        let config = Config::defaults().expect("default.toml must parse");
        assert_eq!(config.public_url.as_str(), "http://localhost:8080/");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.domain(), "localhost:8080");
        assert!(config.allow_private_network());
        assert!(config.effective_database_url().starts_with("sqlite://data"));
    }

    #[test]
    fn unknown_key_is_named() {
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string("bogus_key = 1"))
            .extract::<Config>()
            .expect_err("unknown key must fail");
        assert!(flatten_figment_error(err).contains("bogus_key"));
    }

    #[test]
    fn production_host_disallows_private_network() {
        let mut config = Config::defaults().expect("defaults");
        config.public_url = Url::parse("https://photos.example").expect("url");
        assert!(!config.allow_private_network());
        assert_eq!(config.domain(), "photos.example");
        config.public_url = Url::parse("http://127.0.0.1:9000").expect("url");
        assert!(config.allow_private_network());
    }

    #[test]
    fn toggle_accepts_what_the_docs_and_environment_give() {
        for (text, want) in [
            ("\"auto\"", Toggle::Auto),
            ("false", Toggle::False),
            ("true", Toggle::True),
            ("\"false\"", Toggle::False),
            ("\"TRUE\"", Toggle::True),
        ] {
            let config: Config = Figment::from(Toml::string(DEFAULT_TOML))
                .merge(Toml::string(&format!(
                    "[federation]\nallow_private_network = {text}"
                )))
                .extract()
                .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(config.federation.allow_private_network, want, "{text}");
        }
        let err = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::string(
                "[federation]\nallow_private_network = \"maybe\"",
            ))
            .extract::<Config>()
            .expect_err("a word that is no toggle must fail");
        assert!(flatten_figment_error(err).contains("maybe"));
    }

    #[test]
    fn inbox_limits_that_would_overflow_the_gate_are_rejected() {
        let defaults = Config::defaults().expect("defaults");
        assert!(defaults.validate().is_ok());
        for change in [
            |c: &mut Config| c.federation.inbox_max_bytes = 0,
            |c: &mut Config| c.federation.inbox_max_bytes = usize::MAX,
            |c: &mut Config| c.federation.inbox_concurrency = usize::MAX,
            |c: &mut Config| c.federation.inbox_queue_max = usize::MAX,
        ] {
            let mut config = defaults.clone();
            change(&mut config);
            assert!(config.validate().is_err());
        }
        // The largest accepted values build a gate without panicking.
        let mut config = defaults.clone();
        config.federation.inbox_max_bytes = 256 * 1024 * 1024;
        config.federation.inbox_concurrency = 10_000;
        config.federation.inbox_queue_max = 1_000_000;
        assert!(config.validate().is_ok());
        let _gate = crate::net::InboxGate::new(&config.federation);
    }

    #[test]
    fn public_url_with_path_is_rejected() {
        let mut config = Config::defaults().expect("defaults");
        config.public_url = Url::parse("https://photos.example/pinhole").expect("url");
        assert!(config.validate().is_err());
    }
}
