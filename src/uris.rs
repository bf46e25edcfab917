//! Every URI Pinhole mints for its own things, and the way back: which local thing a URI
//! names. The router serves exactly these shapes; the API, federation and the domain build
//! and read them only here, so that a change of shape is one edit and ids never drift from
//! routing. Ids are derived from `public_url`, never stored for local accounts.

/// This server's URL space under its public URL.
#[derive(Clone, Copy, Debug)]
pub struct Local<'a> {
    base: &'a str,
}

/// What a local URI names, as far as anything needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalUri<'u> {
    /// `/users/NAME`: an account's actor id.
    Actor(&'u str),
    /// `/@NAME`: an account's profile page.
    Profile(&'u str),
    /// `/users/NAME/statuses/ID` or `/@NAME/ID`: a post.
    Status { username: &'u str, id: i64 },
    /// `/actor`: the instance actor.
    InstanceActor,
    /// Any other path under the public URL (collections, activities, media, …).
    Other,
}

impl<'a> Local<'a> {
    /// `base` is the public URL without a trailing slash (`Config::base_url`).
    pub fn new(base: &'a str) -> Self {
        Self { base }
    }

    /// An account's actor id: `/users/NAME`.
    pub fn actor(&self, username: &str) -> String {
        format!("{}/users/{username}", self.base)
    }

    /// Something that belongs to an actor: `/users/NAME/inbox`, `…/outbox`, `…/followers`,
    /// `…/following`.
    pub fn actor_part(&self, username: &str, part: &str) -> String {
        format!("{}/users/{username}/{part}", self.base)
    }

    /// An account's profile page: `/@NAME`.
    pub fn profile(&self, username: &str) -> String {
        format!("{}/@{username}", self.base)
    }

    /// A post's id: `/users/NAME/statuses/ID`.
    pub fn status(&self, username: &str, id: i64) -> String {
        format!("{}/users/{username}/statuses/{id}", self.base)
    }

    /// A post's page: `/@NAME/ID`.
    pub fn status_page(&self, username: &str, id: i64) -> String {
        format!("{}/@{username}/{id}", self.base)
    }

    /// An upload as an object, for its owner's C2S client: `/users/NAME/media/ID`.
    pub fn upload(&self, username: &str, id: i64) -> String {
        format!("{}/users/{username}/media/{id}", self.base)
    }

    /// A stored media file: `/media/KEY/NAME`.
    pub fn media_file(&self, key: &str, name: &str) -> String {
        format!("{}/media/{key}/{name}", self.base)
    }

    /// A hashtag's page, lower-cased as Mastodon links it: `/tags/NAME`.
    pub fn tag(&self, name: &str) -> String {
        format!("{}/tags/{}", self.base, name.to_lowercase())
    }

    /// An activity that has no object of its own to hang from: `/activities/TOKEN`.
    pub fn activity(&self, token: &str) -> String {
        format!("{}/activities/{token}", self.base)
    }

    /// A fixed route that names no object (`/oauth/token`, `/about`); `path` starts with `/`.
    pub fn route(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// An invite link: `/invite/CODE` (Mastodon's).
    pub fn invite(&self, code: &str) -> String {
        format!("{}/invite/{code}", self.base)
    }

    /// The instance actor: `/actor`.
    pub fn instance_actor(&self) -> String {
        format!("{}/actor", self.base)
    }

    /// The shared inbox every local actor advertises: `/inbox`.
    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base)
    }

    /// Whether `uri` is under the public URL (ours to answer, never to fetch).
    pub fn owns(&self, uri: &str) -> bool {
        self.parse(uri).is_some()
    }

    /// What `uri` names here, or `None` when it is not under the public URL.
    pub fn parse<'u>(&self, uri: &'u str) -> Option<LocalUri<'u>> {
        let rest = uri.strip_prefix(self.base)?;
        if !(rest.is_empty() || rest.starts_with(['/', '#', '?'])) {
            // `https://a.example` must not claim `https://a.example.evil/…`.
            return None;
        }
        Some(parse_path(rest))
    }
}

/// What a path names on this server (host already checked by the caller). A fragment or a
/// query makes an actor id something else (a key id, a page), so only bare paths match.
pub fn parse_path(path: &str) -> LocalUri<'_> {
    fn name(s: &str) -> Option<&str> {
        (!s.is_empty() && !s.contains(['/', '#', '?'])).then_some(s)
    }
    if path == "/actor" {
        return LocalUri::InstanceActor;
    }
    if let Some(rest) = path.strip_prefix("/users/") {
        if let Some(n) = name(rest) {
            return LocalUri::Actor(n);
        }
        if let Some((n, id)) = rest.split_once("/statuses/")
            && let (Some(username), Ok(id)) = (name(n), id.parse())
        {
            return LocalUri::Status { username, id };
        }
    } else if let Some(rest) = path.strip_prefix("/@") {
        if let Some(n) = name(rest) {
            return LocalUri::Profile(n);
        }
        if let Some((n, id)) = rest.split_once('/')
            && let (Some(username), Ok(id)) = (name(n), id.parse())
        {
            return LocalUri::Status { username, id };
        }
    }
    LocalUri::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Local<'static> = Local {
        base: "https://photos.example",
    };

    #[test]
    fn what_is_built_parses_back() {
        assert_eq!(L.parse(&L.actor("ann")), Some(LocalUri::Actor("ann")));
        assert_eq!(L.parse(&L.profile("ann")), Some(LocalUri::Profile("ann")));
        let status = LocalUri::Status {
            username: "ann",
            id: 42,
        };
        assert_eq!(L.parse(&L.status("ann", 42)), Some(status));
        assert_eq!(L.parse(&L.status_page("ann", 42)), Some(status));
        assert_eq!(L.parse(&L.instance_actor()), Some(LocalUri::InstanceActor));
        for other in [
            L.actor_part("ann", "inbox"),
            L.shared_inbox(),
            L.tag("Beach"),
            L.upload("ann", 1),
            L.activity("ab"),
            L.media_file("k", "a.jpg"),
        ] {
            assert_eq!(L.parse(&other), Some(LocalUri::Other), "{other}");
        }
    }

    #[test]
    fn look_alikes_are_not_ours_or_not_actors() {
        assert_eq!(L.parse("https://photos.example.evil/users/ann"), None);
        assert_eq!(L.parse("https://elsewhere.example/users/ann"), None);
        assert_eq!(
            L.parse("https://photos.example/users/ann#main-key"),
            Some(LocalUri::Other)
        );
        assert_eq!(
            L.parse("https://photos.example/users/"),
            Some(LocalUri::Other)
        );
        assert_eq!(
            L.parse("https://photos.example/users/ann/statuses/x"),
            Some(LocalUri::Other)
        );
        assert_eq!(L.tag("Beach"), "https://photos.example/tags/beach");
    }
}
