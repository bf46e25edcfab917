//! Discovery: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo.

use activitypub_federation::fetch::webfinger::{Webfinger, WebfingerLink};
use axum::{
    Json,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use url::Url;

use super::ApiError;
use crate::{
    domain::{self, DomainError},
    federation::{
        ACTIVITY_JSON,
        objects::actor::{instance_actor_id, instance_username, local_actor_urls},
        protocol::nodeinfo::{NodeInfo, Services, Software, Usage, Users},
    },
    state::AppState,
    uris::LocalUri,
};

/// `?resource=` of a WebFinger query.
#[derive(Debug, Deserialize)]
pub struct WebfingerQuery {
    resource: Option<String>,
}

/// What a WebFinger resource names on this server.
#[derive(Debug, PartialEq, Eq)]
enum Resource {
    User(String),
    Instance,
}

/// Parses a resource: `acct:NAME@HOST[:PORT]` (or `NAME@HOST`) or one of our actor / profile
/// URLs. `Err` for malformed input (400), `Ok(None)` for well-formed but not ours (404).
fn parse_resource(resource: &str, domain: &str) -> Result<Option<Resource>, String> {
    let resource = resource.trim();
    if resource.is_empty() {
        return Err("resource must not be empty".into());
    }
    if resource.starts_with("http://") || resource.starts_with("https://") {
        // Like Mastodon, match on host and path only: the scheme, a trailing slash, a query
        // or a fragment (`#main-key`) do not change which actor is meant.
        let url = Url::parse(resource).map_err(|e| format!("resource is not a valid URL: {e}"))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Ok(None),
        };
        if !host.eq_ignore_ascii_case(domain) {
            return Ok(None);
        }
        return Ok(
            match crate::uris::parse_path(url.path().trim_end_matches('/')) {
                LocalUri::Actor(name) | LocalUri::Profile(name) => {
                    Some(Resource::User(name.to_string()))
                }
                LocalUri::InstanceActor => Some(Resource::Instance),
                _ => None,
            },
        );
    }
    let acct = match resource.split_once(':') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("acct") => rest,
        Some((before, _)) if before.contains('@') => {
            // `user@host:port` without a scheme: the colon belongs to the port.
            resource
        }
        Some((scheme, _)) => return Err(format!("unsupported resource scheme `{scheme}`")),
        None => resource,
    };
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (name, host) = acct
        .rsplit_once('@')
        .ok_or_else(|| "resource must look like acct:user@host".to_string())?;
    if name.is_empty() || host.is_empty() {
        return Err("resource must look like acct:user@host".into());
    }
    if !host.eq_ignore_ascii_case(domain) {
        return Ok(None);
    }
    let instance_name = domain.split(':').next().unwrap_or(domain);
    if name.eq_ignore_ascii_case(instance_name) {
        return Ok(Some(Resource::Instance));
    }
    Ok(Some(Resource::User(name.to_string())))
}

fn link(rel: &str, kind: &str, href: Url) -> WebfingerLink {
    WebfingerLink {
        rel: Some(rel.to_string()),
        kind: Some(kind.to_string()),
        href: Some(href),
        ..Default::default()
    }
}

/// `GET /.well-known/webfinger`: the JRD Mastodon uses to find an account's actor.
pub async fn webfinger(
    State(state): State<AppState>,
    Query(query): Query<WebfingerQuery>,
) -> Result<Response, ApiError> {
    let config = &state.config;
    let resource = query
        .resource
        .ok_or_else(|| ApiError::BadRequest("missing resource parameter".into()))?;
    let domain = config.domain();
    let parsed = parse_resource(&resource, &domain)
        .map_err(ApiError::BadRequest)?
        .ok_or_else(|| ApiError::NotFound(format!("`{resource}` is not an account here")))?;
    let jrd = match parsed {
        Resource::User(name) => {
            let account = domain::accounts::get_public(&state.db, &name)
                .await
                .map_err(|e| match e {
                    DomainError::NotFound(m) => ApiError::NotFound(m),
                    other => other.into(),
                })?;
            let urls = local_actor_urls(config, &account.username);
            let mut links = vec![
                link(
                    "http://webfinger.net/rel/profile-page",
                    "text/html",
                    urls.profile.clone(),
                ),
                link("self", ACTIVITY_JSON, urls.id.clone()),
                // Where someone who found this account elsewhere can follow it from here.
                WebfingerLink {
                    rel: Some(crate::federation::resolve::SUBSCRIBE_REL.into()),
                    template: Some(config.uris().route("/authorize_interaction?uri={uri}")),
                    ..Default::default()
                },
            ];
            if let Some(avatar) = account
                .avatar_url
                .as_deref()
                .and_then(|u| Url::parse(u).ok())
            {
                links.push(WebfingerLink {
                    rel: Some("http://webfinger.net/rel/avatar".into()),
                    href: Some(avatar),
                    ..Default::default()
                });
            }
            Webfinger {
                subject: format!("acct:{}@{domain}", account.username),
                aliases: vec![urls.profile, urls.id],
                links,
                properties: Default::default(),
            }
        }
        Resource::Instance => {
            let id = instance_actor_id(config);
            let about = Url::parse(&config.uris().route("/about"))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Webfinger {
                subject: format!("acct:{}@{domain}", instance_username(config)),
                aliases: vec![id.clone()],
                links: vec![
                    link("http://webfinger.net/rel/profile-page", "text/html", about),
                    link("self", ACTIVITY_JSON, id),
                ],
                properties: Default::default(),
            }
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        Json(without_nulls(jrd)),
    )
        .into_response())
}

/// The library's JRD type writes absent link members as `null`; Mastodon omits them, and
/// strict JRD parsers expect strings where a member is present.
fn without_nulls(jrd: Webfinger) -> serde_json::Value {
    let mut value = serde_json::to_value(jrd).unwrap_or_default();
    if let Some(links) = value.get_mut("links").and_then(|l| l.as_array_mut()) {
        for link in links.iter_mut().filter_map(|l| l.as_object_mut()) {
            link.retain(|_, v| !v.is_null());
        }
    }
    value
}

fn lrdd_template(state: &AppState) -> String {
    state
        .config
        .uris()
        .route("/.well-known/webfinger?resource={uri}")
}

/// `GET /.well-known/host-meta`: points older clients to WebFinger.
pub async fn host_meta(State(state): State<AppState>) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        domain::text::escape(&lrdd_template(&state))
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// A `links` document (NodeInfo discovery, host-meta in JSON): each link an `href` or a
/// `template`.
#[derive(serde::Serialize)]
struct Links {
    links: Vec<Link>,
}

#[derive(serde::Serialize)]
struct Link {
    rel: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    href: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<String>,
}

/// `GET /.well-known/host-meta.json`: the JSON form of host-meta.
pub async fn host_meta_json(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        Json(Links {
            links: vec![Link {
                rel: "lrdd".into(),
                href: String::new(),
                template: Some(lrdd_template(&state)),
            }],
        }),
    )
        .into_response()
}

/// `GET /.well-known/nodeinfo`: where the NodeInfo documents are.
pub async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    let uris = state.config.uris();
    let links = ["2.0", "2.1"].map(|version| Link {
        rel: format!("http://nodeinfo.diaspora.software/ns/schema/{version}"),
        href: uris.route(&format!("/nodeinfo/{version}")),
        template: None,
    });
    Json(Links {
        links: links.into(),
    })
    .into_response()
}

async fn nodeinfo(state: &AppState, version: &'static str) -> Result<Response, ApiError> {
    let usage = domain::instance::usage(&state.db).await?;
    let source = &state.config.instance.source_url;
    let mut metadata = serde_json::Map::new();
    metadata.insert(
        "nodeName".into(),
        state.config.instance.title.clone().into(),
    );
    metadata.insert(
        "nodeDescription".into(),
        state.config.instance.description.clone().into(),
    );
    let body = NodeInfo {
        version: version.into(),
        software: Software {
            name: "pinhole".into(),
            version: crate::VERSION.into(),
            repository: (version == "2.1" && !source.is_empty()).then(|| source.clone()),
        },
        protocols: vec!["activitypub".into()],
        services: Services::default(),
        usage: Usage {
            users: Users {
                total: Some(usage.users_total),
                active_month: Some(usage.active_month),
                active_halfyear: Some(usage.active_halfyear),
            },
            local_posts: Some(usage.local_posts),
        },
        open_registrations: state.config.instance.registrations.enabled(),
        metadata,
    };
    let content_type = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(([(header::CONTENT_TYPE, content_type)], Json(body)).into_response())
}

/// `GET /nodeinfo/2.0`.
pub async fn nodeinfo_20(State(state): State<AppState>) -> Result<Response, ApiError> {
    nodeinfo(&state, "2.0").await
}

/// `GET /nodeinfo/2.1`.
pub async fn nodeinfo_21(State(state): State<AppState>) -> Result<Response, ApiError> {
    nodeinfo(&state, "2.1").await
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "localhost:8080";

    fn user(n: &str) -> Result<Option<Resource>, String> {
        Ok(Some(Resource::User(n.into())))
    }

    #[test]
    fn resources() {
        assert_eq!(
            parse_resource("acct:alice@localhost:8080", D),
            user("alice")
        );
        assert_eq!(
            parse_resource("ACCT:alice@LOCALHOST:8080", D),
            user("alice")
        );
        assert_eq!(parse_resource("alice@localhost:8080", D), user("alice"));
        assert_eq!(parse_resource("@alice@localhost:8080", D), user("alice"));
        assert_eq!(
            parse_resource("http://localhost:8080/users/alice", D),
            user("alice")
        );
        assert_eq!(
            parse_resource("http://localhost:8080/@alice", D),
            user("alice")
        );
        assert_eq!(
            parse_resource("acct:localhost@localhost:8080", D),
            Ok(Some(Resource::Instance))
        );
        assert_eq!(
            parse_resource("http://localhost:8080/actor", D),
            Ok(Some(Resource::Instance))
        );
        assert_eq!(parse_resource("acct:alice@elsewhere.example", D), Ok(None));
        assert_eq!(
            parse_resource("https://elsewhere.example/users/alice", D),
            Ok(None)
        );
        assert_eq!(
            parse_resource("http://localhost:8080/users/alice/inbox", D),
            Ok(None)
        );
        assert!(parse_resource("", D).is_err());
        assert!(parse_resource("acct:alice", D).is_err());
        assert!(parse_resource("acct:@localhost:8080", D).is_err());
        assert!(parse_resource("acct:alice@", D).is_err());
        assert!(parse_resource("mailto:alice@localhost:8080", D).is_err());
        assert!(parse_resource("alice", D).is_err());
    }
}
