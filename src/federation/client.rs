//! Outgoing HTTP for federation: every request signed, private addresses refused unless the
//! configuration allows them, bodies capped, redirects limited, everything timed out.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use reqwest::{
    StatusCode,
    dns::{Addrs, Name, Resolve, Resolving},
    header::{ACCEPT, CONTENT_TYPE, DATE, HeaderValue, LOCATION, USER_AGENT},
    redirect::Policy,
};
use url::Url;

use super::signatures::{SigningKey, sign_request};
use crate::config::Config;

/// The media types we ask for when fetching ActivityPub documents.
pub const ACCEPT_AP: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

const MAX_REDIRECTS: usize = 3;

/// Why an outgoing request failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused to contact {0}: {1}")]
    Forbidden(String, &'static str),
    #[error("request to {0} failed: {1}")]
    Network(String, String),
    #[error("{0} answered {1}")]
    Status(String, StatusCode),
    #[error("{0} sent more than {1} bytes")]
    TooLarge(String, usize),
    #[error("{0} sent an unexpected content type `{1}`")]
    ContentType(String, String),
    #[error("{0} sent invalid JSON: {1}")]
    Json(String, String),
    #[error("too many redirects from {0}")]
    Redirects(String),
    #[error("signing failed: {0}")]
    Signing(String),
}

impl FetchError {
    /// Whether trying again later could succeed (network trouble, 5xx, 408, 429).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Network(..) | FetchError::Redirects(_) => true,
            FetchError::Status(_, s) => {
                s.is_server_error()
                    || *s == StatusCode::REQUEST_TIMEOUT
                    || *s == StatusCode::TOO_MANY_REQUESTS
            }
            _ => false,
        }
    }
}

/// Who signs a request.
#[derive(Clone)]
pub struct Signer {
    pub key_id: String,
    pub key: Arc<SigningKey>,
}

/// Resolves names and drops private, loopback and link-local addresses, so a remote
/// document cannot make us connect to our own network (SSRF).
struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves only to non-public addresses").into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Used when private networks are allowed: resolves `localhost` and `*.localhost` to the
/// loopback address itself (RFC 6761 §6.3 says such names always mean loopback, but the
/// system resolver often does not know subdomains), everything else normally. Lets several
/// local instances, and the fan-out benchmark, use distinct host names on one machine.
struct LoopbackAwareResolver;

impl Resolve for LoopbackAwareResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        Box::pin(async move {
            if host == "localhost" || host.ends_with(".localhost") {
                let addrs = vec![SocketAddr::from(([127, 0, 0, 1], 0))];
                return Ok(Box::new(addrs.into_iter()) as Addrs);
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Whether an address is on the public internet: every range that IANA's special-purpose
/// registries do not mark globally reachable is refused (see [`super::addresses`]).
pub fn is_public(ip: IpAddr) -> bool {
    super::addresses::is_global(ip)
}

/// The federation HTTP client.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    allow_private: bool,
    max_bytes: usize,
    /// Domain blocks and the allowlist: nothing is fetched from or sent to a refused host.
    domains: Arc<crate::domain::domains::Rules>,
}

/// `host[:port]`, as domain rules name servers.
fn authority(host: &url::Host<&str>, port: Option<u16>) -> String {
    match port {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// rustls needs one process-wide crypto provider; ring is already linked (sqlx's TLS uses
/// it), which spares a second crypto library.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    /// Builds the client from configuration.
    pub fn new(
        config: &Config,
        domains: Arc<crate::domain::domains::Rules>,
    ) -> Result<Self, FetchError> {
        install_crypto_provider();
        let allow_private = config.allow_private_network();
        let timeout = Duration::from_secs(config.federation.request_timeout_seconds);
        let mut builder = reqwest::Client::builder()
            .redirect(Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(8);
        builder = if allow_private {
            builder.dns_resolver(Arc::new(LoopbackAwareResolver))
        } else {
            builder.dns_resolver(Arc::new(PublicOnlyResolver))
        };
        let http = builder
            .build()
            .map_err(|e| FetchError::Network("client".into(), e.to_string()))?;
        Ok(Client {
            http,
            allow_private,
            max_bytes: config.federation.fetch_max_bytes,
            domains,
        })
    }

    /// Refuses URLs the configuration does not allow: plain http and literal private
    /// addresses in production (host names are checked when resolved).
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        let shown = url.to_string();
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            "http" => return Err(FetchError::Forbidden(shown, "plain http is not allowed")),
            _ => return Err(FetchError::Forbidden(shown, "unsupported URL scheme")),
        }
        match url.host() {
            None => Err(FetchError::Forbidden(shown, "URL has no host")),
            Some(url::Host::Ipv4(ip)) if !self.allow_private && !is_public(IpAddr::V4(ip)) => {
                Err(FetchError::Forbidden(shown, "private address"))
            }
            Some(url::Host::Ipv6(ip)) if !self.allow_private && !is_public(IpAddr::V6(ip)) => {
                Err(FetchError::Forbidden(shown, "private address"))
            }
            Some(host) if self.domains.refuses(&authority(&host, url.port())) => Err(
                FetchError::Forbidden(shown, "this server does not federate with that domain"),
            ),
            Some(_) => Ok(()),
        }
    }

    /// A signed GET of a JSON document (ActivityPub or JRD), following up to three
    /// redirects (each re-checked and re-signed). Returns the final URL and the document.
    pub async fn get_json(
        &self,
        url: &Url,
        accept: &str,
        signer: &Signer,
    ) -> Result<(Url, serde_json::Value), FetchError> {
        let mut current = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            self.check_url(&current)?;
            let signed = sign_request("GET", &current, None, None, &signer.key_id, &signer.key)
                .map_err(|e| FetchError::Signing(e.to_string()))?;
            let response = self
                .http
                .get(current.clone())
                .header(ACCEPT, accept)
                .header(USER_AGENT, user_agent())
                .header(DATE, signed.date)
                .header("signature", signed.signature)
                .send()
                .await
                .map_err(|e| FetchError::Network(current.to_string(), error_chain(&e)))?;
            let status = response.status();
            if status.is_redirection() {
                let next = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| current.join(l).ok())
                    .ok_or_else(|| FetchError::Status(current.to_string(), status))?;
                current = next;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(current.to_string(), status));
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !content_type.contains("json") {
                return Err(FetchError::ContentType(current.to_string(), content_type));
            }
            let body = self.read_capped(&current, response).await?;
            let value = serde_json::from_slice(&body)
                .map_err(|e| FetchError::Json(current.to_string(), e.to_string()))?;
            return Ok((current, value));
        }
        Err(FetchError::Redirects(url.to_string()))
    }

    async fn read_capped(
        &self,
        url: &Url,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, FetchError> {
        if response
            .content_length()
            .is_some_and(|len| len as usize > self.max_bytes)
        {
            return Err(FetchError::TooLarge(url.to_string(), self.max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| FetchError::Network(url.to_string(), error_chain(&e)))?
        {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(FetchError::TooLarge(url.to_string(), self.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// A signed POST of an activity to an inbox. Success is any 2xx.
    pub async fn post_activity(
        &self,
        inbox: &Url,
        body: &str,
        signer: &Signer,
    ) -> Result<StatusCode, FetchError> {
        self.check_url(inbox)?;
        let content_type = "application/activity+json";
        let signed = sign_request(
            "POST",
            inbox,
            Some(content_type),
            Some(body.as_bytes()),
            &signer.key_id,
            &signer.key,
        )
        .map_err(|e| FetchError::Signing(e.to_string()))?;
        let mut request = self
            .http
            .post(inbox.clone())
            .header(CONTENT_TYPE, content_type)
            .header(USER_AGENT, user_agent())
            .header(DATE, signed.date)
            .header("signature", signed.signature)
            .body(body.to_string());
        if let Some(digest) = signed.digest {
            request = request.header("digest", digest);
        }
        let response = request
            .send()
            .await
            .map_err(|e| FetchError::Network(inbox.to_string(), error_chain(&e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(status)
        } else {
            Err(FetchError::Status(inbox.to_string(), status))
        }
    }
}

fn user_agent() -> HeaderValue {
    HeaderValue::from_static(concat!("Pinhole/", env!("CARGO_PKG_VERSION")))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            // What the hardening review tried (issue 12): none of these is reachable from
            // the internet, and several lead back to this host.
            "::7f00:1",
            "0.1.2.3",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "fec0::1",
            "198.18.0.1",
            "198.19.255.254",
            "192.0.0.1",
            "2002:7f00:1::1",
            "2001::1",
            "100::1",
            "240.0.0.1",
            "224.0.0.1",
            "ff02::1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "1.1.1.1"] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    fn rules(config: &Config) -> Arc<crate::domain::domains::Rules> {
        Arc::new(crate::domain::domains::Rules::new(false, &config.domain()))
    }

    #[test]
    fn production_refuses_http_and_private_literals() {
        let mut config = Config::defaults().expect("defaults");
        config.public_url = Url::parse("https://photos.example").expect("url");
        let client = Client::new(&config, rules(&config)).expect("client");
        for bad in [
            "http://remote.example/inbox",
            "https://127.0.0.1/inbox",
            "https://[::1]/inbox",
            "https://10.0.0.1/inbox",
            "ftp://remote.example/x",
        ] {
            assert!(
                client.check_url(&Url::parse(bad).expect("url")).is_err(),
                "{bad}"
            );
        }
        assert!(
            client
                .check_url(&Url::parse("https://remote.example/inbox").expect("url"))
                .is_ok()
        );
        // Local trials (public URL on localhost) may use both.
        let local = Client::new(
            &Config::defaults().expect("defaults"),
            rules(&Config::defaults().expect("defaults")),
        )
        .expect("client");
        assert!(
            local
                .check_url(&Url::parse("http://localhost:9000/inbox").expect("url"))
                .is_ok()
        );
    }
}
