//! Who is looking at a page: the signed-in account from the session cookie, if any, and the
//! form token that every form on the page carries.
//!
//! Sessions: `pinhole_session` holds a bearer token (`domain::oauth::sign_in`; only its hash
//! is stored), HttpOnly, SameSite=Lax, Secure under https. Forms: a random
//! `pinhole_csrf` cookie (SameSite=Strict) and the same value in each form's hidden field
//! (double submit): another site can make a browser post a form, but cannot read or set
//! the cookie, so it cannot know the value to put in the field.

use std::sync::atomic::{AtomicBool, Ordering};

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
    response::{IntoResponse, Response},
};
use rand::RngCore;

use crate::{
    api::ApiError,
    db::entities::accounts::Model as Account,
    domain::{self, oauth::SESSION_DAYS},
    state::AppState,
};

/// The session cookie's name.
pub const SESSION: &str = "pinhole_session";
/// The form-token cookie's name.
pub const CSRF: &str = "pinhole_csrf";

/// The person behind a page request.
pub struct Visitor {
    /// The signed-in account.
    pub me: Option<Account>,
    /// The session token, to end the session with.
    pub session: Option<String>,
    /// The form token this page's forms carry.
    csrf: String,
    /// The form token is new: an answer whose page carries it must set its cookie.
    fresh: bool,
    /// The page carries the form token (a form was rendered): the answer sets its cookie
    /// when new and is never cached. Pages without forms set no cookie and stay cacheable.
    used: AtomicBool,
    /// The browser said the request comes from another site (`Sec-Fetch-Site`).
    cross_site: bool,
    /// Cookies are marked `Secure` (the public URL is https).
    secure: bool,
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Equal without saying how much of it matched (time does not depend on the contents).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = cookie(&parts.headers, SESSION)
            .filter(|t| well_formed(t))
            .map(str::to_string);
        // Signed out elsewhere, expired, or a stale cookie: a visitor.
        let me = match &session {
            None => None,
            Some(token) => domain::oauth::session(&state.db, token).await?,
        };
        let cross_site = parts
            .headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
        let (csrf, fresh) = match cookie(&parts.headers, CSRF).filter(|t| well_formed(t)) {
            Some(t) => (t.to_string(), false),
            None => (random_token(), true),
        };
        Ok(Visitor {
            session: session.filter(|_| me.is_some()),
            me,
            csrf,
            fresh,
            used: AtomicBool::new(false),
            cross_site,
            secure: state.config.public_url.scheme() == "https",
        })
    }
}

impl Visitor {
    /// Checks a submitted form's token; a form without it, or from an old or foreign page,
    /// changes nothing.
    pub fn check(&self, submitted: &str) -> Result<(), ApiError> {
        if self.fresh || self.cross_site || !same(submitted, &self.csrf) {
            return Err(ApiError::Forbidden(
                "This form has expired or did not come from this site; reload the page and try again".into(),
            ));
        }
        Ok(())
    }

    /// The signed-in account, or 401 (pages that need one redirect before asking this).
    pub fn account(&self) -> Result<&Account, ApiError> {
        self.me
            .as_ref()
            .ok_or_else(|| ApiError::Unauthorized("Sign in first".into()))
    }

    /// The form token, for a form on this page.
    pub fn form_token(&self) -> &str {
        self.used.store(true, Ordering::Relaxed);
        &self.csrf
    }

    fn attributes(&self) -> &'static str {
        if self.secure { "; Secure" } else { "" }
    }

    /// `response`, with the form-token cookie when it is new.
    pub fn answer(&self, response: impl IntoResponse) -> Response {
        let mut response = response.into_response();
        let used = self.used.load(Ordering::Relaxed);
        if self.fresh && used {
            self.set_form_token(&mut response, &self.csrf);
        }
        // Pages that differ per person, or carry a form token: never kept by a shared cache.
        if self.me.is_some() || used {
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
        }
        response
    }

    fn set_form_token(&self, response: &mut Response, token: &str) {
        let value = format!(
            "{CSRF}={token}; Path=/; HttpOnly; SameSite=Strict{}",
            self.attributes()
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }

    /// A new form token for the next pages: signing in or out never keeps one that might
    /// have been planted or seen before.
    fn rotate_form_token(&self, response: &mut Response) {
        self.set_form_token(response, &random_token());
    }

    /// `response`, starting a session with `token`.
    pub fn signed_in(&self, token: &str, response: impl IntoResponse) -> Response {
        let mut response = self.answer(response);
        self.rotate_form_token(&mut response);
        let value = format!(
            "{SESSION}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
            SESSION_DAYS * 86_400,
            self.attributes()
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        response
    }

    /// `response`, ending the session cookie.
    pub fn signed_out(&self, response: impl IntoResponse) -> Response {
        let mut response = self.answer(response);
        self.rotate_form_token(&mut response);
        let value = format!(
            "{SESSION}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            self.attributes()
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("xpinhole_csrf=no; pinhole_csrf=yes"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("pinhole_session=s"),
        );
        assert_eq!(cookie(&h, CSRF), Some("yes"));
        assert_eq!(cookie(&h, SESSION), Some("s"));
        assert_eq!(cookie(&h, "other"), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!well_formed("short"));
        assert!(well_formed(&random_token()));
    }
}
