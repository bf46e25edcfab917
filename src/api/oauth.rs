//! OAuth2 endpoints for Mastodon apps: `POST /api/v1/apps`, `GET /api/v1/apps/
//! verify_credentials`, `GET`/`POST /oauth/authorize` (the sign-in and consent page),
//! `POST /oauth/token`, `POST /oauth/revoke`.

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Serialize;

use super::{
    ApiError,
    mastodon::{
        entities::{Empty, ErrorBody},
        params::Params,
    },
    sign_in_refusal,
    web::escape,
};
use crate::{
    db::entities::oauth_apps::Model as OAuthApp,
    domain::{
        self, DomainError,
        oauth::{Consent, OOB, TokenRequest},
    },
    net::ClientAddress,
    state::AppState,
};

/// `POST /api/v1/apps`.
pub async fn create_app(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    let registered = domain::oauth::register(
        &state.db,
        params.get("client_name").unwrap_or_default(),
        &params.all("redirect_uris").join("\n"),
        params.get("scopes"),
        params.get("website"),
    )
    .await?;
    let mut app = Application::of(&registered.app);
    app.client_id = Some(&registered.app.client_id);
    app.client_secret = Some(&registered.client_secret);
    app.client_secret_expires_at = Some(0);
    Ok(Json(app).into_response())
}

/// Mastodon's `Application`; the client credentials only in the answer to registration.
#[derive(Serialize)]
struct Application<'a> {
    id: String,
    name: &'a str,
    website: Option<&'a str>,
    scopes: Vec<&'a str>,
    redirect_uri: String,
    redirect_uris: Vec<&'a str>,
    vapid_key: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<i64>,
}

impl<'a> Application<'a> {
    fn of(app: &'a OAuthApp) -> Self {
        let redirect_uris: Vec<&str> = app.redirect_uris.lines().collect();
        Self {
            id: app.id.to_string(),
            name: &app.name,
            website: app.website.as_deref(),
            scopes: app.scopes.split_whitespace().collect(),
            redirect_uri: redirect_uris.join("\n"),
            redirect_uris,
            vapid_key: "",
            client_id: None,
            client_secret: None,
            client_secret_expires_at: None,
        }
    }
}

/// OAuth's token response (RFC 6749 §5.1) with Mastodon's `created_at`.
#[derive(Serialize)]
pub struct Token {
    access_token: String,
    token_type: &'static str,
    scope: String,
    created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

impl From<domain::oauth::Issued> for Token {
    fn from(issued: domain::oauth::Issued) -> Self {
        Token {
            access_token: issued.access_token,
            token_type: "Bearer",
            scope: issued.scopes,
            created_at: issued.created_at,
            refresh_token: issued.refresh_token,
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// `GET /api/v1/apps/verify_credentials`.
pub async fn verify_app(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = bearer(&headers)
        .ok_or_else(|| ApiError::Unauthorized("The access token is invalid".into()))?;
    let app = domain::oauth::app_of_token(&state.db, token).await?;
    Ok(Json(Application::of(&app)).into_response())
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body><main>{body}</main></body></html>\n",
        escape(title)
    ))
}

const CARRIED: [&str; 6] = [
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

fn form(state: &AppState, params: &Params, app_name: &str, error: Option<&str>) -> Html<String> {
    let hidden: String = CARRIED
        .iter()
        .filter_map(|k| {
            params.get(k).map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                    escape(v)
                )
            })
        })
        .collect();
    let scopes = params.get("scope").unwrap_or("read");
    let error = error
        .map(|e| format!("<p role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    page(
        "Sign in",
        &format!(
            "<h1>Sign in to {}</h1><p><strong>{}</strong> asks for access to your account: <code>{}</code></p>{error}\
             <form method=\"post\" action=\"/oauth/authorize\">{hidden}\
             <label>Username <input name=\"username\" autocomplete=\"username\" required></label>\
             <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button type=\"submit\">Authorize</button></form>",
            escape(&state.config.domain()),
            escape(app_name),
            escape(scopes)
        ),
    )
}

/// `GET /oauth/authorize`: the sign-in and consent page.
pub async fn authorize_page(
    State(state): State<AppState>,
    params: Params,
) -> Result<Response, ApiError> {
    if params.get("response_type").is_some_and(|t| t != "code") {
        return Err(ApiError::BadRequest("response_type must be code".into()));
    }
    let app = domain::oauth::app(&state.db, params.get("client_id").unwrap_or_default()).await?;
    domain::oauth::check_redirect(&app, params.get("redirect_uri").unwrap_or_default())?;
    domain::oauth::requested_scopes(&app, params.get("scope"))?;
    Ok(form(&state, &params, &app.name, None).into_response())
}

/// `POST /oauth/authorize`: checks the password, then redirects back to the app with a
/// code (or shows the code, for out-of-band apps).
pub async fn authorize(
    State(state): State<AppState>,
    Extension(ClientAddress(client)): Extension<ClientAddress>,
    params: Params,
) -> Result<Response, ApiError> {
    let redirect_uri = params.get("redirect_uri").unwrap_or_default();
    let from = client.to_string();
    let result = domain::oauth::authorize(
        &state.db,
        &state.login_throttle,
        Consent {
            client_id: params.get("client_id").unwrap_or_default(),
            redirect_uri,
            scope: params.get("scope"),
            username: params.get("username").unwrap_or_default(),
            password: params.get("password").unwrap_or_default(),
            code_challenge: params.get("code_challenge"),
            code_challenge_method: params.get("code_challenge_method"),
            from: &from,
        },
    )
    .await;
    let code = match result {
        Ok((_, code)) => code,
        Err(e) => {
            let Some(status) = sign_in_refusal(&e) else {
                return Err(e.into());
            };
            let name = domain::oauth::app(&state.db, params.get("client_id").unwrap_or_default())
                .await
                .map(|a| a.name)
                .unwrap_or_default();
            let mut page =
                (status, form(&state, &params, &name, Some(&e.to_string()))).into_response();
            if status == StatusCode::TOO_MANY_REQUESTS {
                page.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("60"),
                );
            }
            return Ok(page);
        }
    };
    if redirect_uri == OOB {
        return Ok(page(
            "Authorization code",
            &format!(
                "<h1>Authorization code</h1><p>Copy this code into the app:</p><p><code id=\"code\">{}</code></p>",
                escape(&code)
            ),
        )
        .into_response());
    }
    let mut target = url::Url::parse(redirect_uri)
        .map_err(|_| ApiError::BadRequest("redirect_uri is not a URL".into()))?;
    target.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = params.get("state") {
        target.query_pairs_mut().append_pair("state", s);
    }
    Ok(Redirect::to(target.as_str()).into_response())
}

/// OAuth's error body (`{"error", "error_description"}`), which Mastodon apps read.
fn oauth_error(e: DomainError) -> Response {
    let (status, code) = match &e {
        DomainError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "invalid_client"),
        DomainError::Invalid(m) if m.contains("grant type") => {
            (StatusCode::BAD_REQUEST, "unsupported_grant_type")
        }
        DomainError::Invalid(m) if m.contains("scope") => {
            (StatusCode::BAD_REQUEST, "invalid_scope")
        }
        DomainError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_grant"),
        _ => return ApiError::from(e).into_response(),
    };
    let body = ErrorBody {
        error: code,
        error_description: Some(e.to_string()),
        details: None,
    };
    (status, Json(body)).into_response()
}

/// `POST /oauth/token`.
pub async fn token(State(state): State<AppState>, params: Params) -> Response {
    let result = domain::oauth::token(
        &state.db,
        TokenRequest {
            grant_type: params.get("grant_type").unwrap_or_default(),
            client_id: params.get("client_id").unwrap_or_default(),
            client_secret: params.get("client_secret").unwrap_or_default(),
            code: params.get("code"),
            redirect_uri: params.get("redirect_uri"),
            code_verifier: params.get("code_verifier"),
            refresh_token: params.get("refresh_token"),
            scope: params.get("scope"),
        },
    )
    .await;
    match result {
        Ok(issued) => Json(Token::from(issued)).into_response(),
        Err(e) => oauth_error(e),
    }
}

/// `POST /oauth/revoke`.
pub async fn revoke(State(state): State<AppState>, params: Params) -> Response {
    match domain::oauth::revoke(
        &state.db,
        params.get("client_id").unwrap_or_default(),
        params.get("client_secret").unwrap_or_default(),
        params.get("token").unwrap_or_default(),
    )
    .await
    {
        Ok(()) => Json(Empty {}).into_response(),
        Err(e) => oauth_error(e),
    }
}
