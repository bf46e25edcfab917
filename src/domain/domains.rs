//! Whole servers: domain blocks (suspend, limit, or neither; media and reports rejected on
//! their own), subdomains included, and allowlist federation. The rules live in memory
//! ([`Rules`]) so that every delivery and fetch is checked without a query; each change is
//! written, logged and applied to the domain's accounts in one transaction, then loaded.

use std::{
    collections::{HashMap, HashSet},
    sync::RwLock,
};

use sha2::{Digest, Sha256};

use super::{
    DomainError,
    audit::{self, Moderator},
    roles::permission,
};
use crate::db::{
    self, Pool,
    domains::Mark,
    entities::{
        accounts::Model as Account, domain_allows::Model as DomainAllow,
        domain_blocks::Model as DomainBlock,
    },
};

/// How hard a block is (Mastodon's severities).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Only media or reports rejected.
    Noop,
    /// Limited: the domain's accounts leave public timelines for non-followers.
    Silence,
    /// Nothing from it is accepted, fetched or shown; follows with it end.
    Suspend,
}

impl Severity {
    /// Mastodon's names (`limit` is accepted for `silence`).
    pub fn parse(name: &str) -> Result<Severity, DomainError> {
        Ok(match name {
            "noop" => Severity::Noop,
            "silence" | "limit" => Severity::Silence,
            "suspend" => Severity::Suspend,
            other => {
                return Err(DomainError::Invalid(format!(
                    "unknown severity `{other}`: use noop, silence or suspend"
                )));
            }
        })
    }

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Noop => "noop",
            Severity::Silence => "silence",
            Severity::Suspend => "suspend",
        }
    }

    fn mark(self) -> Option<Mark> {
        match self {
            Severity::Noop => None,
            Severity::Silence => Some(Mark::Silenced),
            Severity::Suspend => Some(Mark::Suspended),
        }
    }
}

/// What applies to one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    pub suspended: bool,
    pub limited: bool,
    pub reject_media: bool,
    pub reject_reports: bool,
    /// When the block was made: accounts it marks carry this time, so lifting it unmarks
    /// exactly those.
    pub since: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Default)]
struct Snapshot {
    blocks: HashMap<String, Verdict>,
    allows: HashSet<String>,
}

/// The rules in force, shared by the inbox, the HTTP client and the API.
pub struct Rules {
    allowlist: bool,
    /// One reload at a time, so an older read never replaces a newer one.
    reloading: tokio::sync::Mutex<()>,
    /// This server's own host, never refused.
    own: String,
    snapshot: RwLock<Snapshot>,
}

/// What a rule for `host[:port]` may be written for, most specific first: the domain with
/// its port, then without, then each parent (`a.b.c:8443` → `a.b.c:8443`, `a.b.c`, `b.c`,
/// `c`). Domains are `host[:port]` here, as accounts' handles name them.
fn candidates(authority: &str) -> impl Iterator<Item = &str> {
    let authority = authority.trim_end_matches('.');
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    let parents = std::iter::successors(Some(host), |h| h.split_once('.').map(|(_, rest)| rest));
    std::iter::once(authority)
        .filter(move |a| *a != host)
        .chain(parents)
}

impl Rules {
    /// Empty rules; `allowlist`: only allowed domains federate.
    pub fn new(allowlist: bool, own_host: &str) -> Rules {
        Rules {
            allowlist,
            reloading: tokio::sync::Mutex::new(()),
            own: own_host.to_ascii_lowercase(),
            snapshot: RwLock::default(),
        }
    }

    /// What applies to `host` (its most specific block, its subdomains' parents included).
    pub fn verdict(&self, host: &str) -> Verdict {
        let host = host.to_ascii_lowercase();
        if host == self.own {
            return Verdict::default();
        }
        let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        let mut verdict = candidates(&host)
            .find_map(|c| snapshot.blocks.get(c).copied())
            .unwrap_or_default();
        if self.allowlist && !candidates(&host).any(|c| snapshot.allows.contains(c)) {
            verdict.suspended = true;
        }
        verdict
    }

    /// [`Rules::reload`] after a change has committed: the change stands whatever happens
    /// here, so a failed read is logged (the next change or a restart reloads), not
    /// reported as the change's failure.
    async fn refresh(&self, db: &Pool) {
        if let Err(e) = self.reload(db).await {
            tracing::error!(error = %e, "reloading the domain rules failed");
        }
    }

    /// Whether nothing may be exchanged with `host`.
    pub fn refuses(&self, host: &str) -> bool {
        self.verdict(host).suspended
    }

    /// Reads the rules from the database (at start, and after every change).
    pub async fn reload(&self, db: &Pool) -> Result<(), DomainError> {
        let _one_at_a_time = self.reloading.lock().await;
        let blocks = db::domains::blocks(db).await?;
        let allows = db::domains::allows(db).await?;
        let snapshot = Snapshot {
            blocks: blocks
                .into_iter()
                .map(|b| {
                    let severity = Severity::parse(&b.severity).unwrap_or(Severity::Noop);
                    let verdict = Verdict {
                        suspended: severity == Severity::Suspend,
                        limited: severity == Severity::Silence,
                        reject_media: b.reject_media || severity == Severity::Suspend,
                        reject_reports: b.reject_reports || severity == Severity::Suspend,
                        since: Some(b.created_at),
                    };
                    (b.domain, verdict)
                })
                .collect(),
            allows: allows.into_iter().map(|a| a.domain).collect(),
        };
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = snapshot;
        Ok(())
    }
}

/// A newly known remote account of a limited domain arrives limited, marked with the
/// block's time (as the accounts known when the block was made are).
pub async fn admit(db: &Pool, rules: &Rules, account: Account) -> Result<Account, DomainError> {
    let verdict = rules.verdict(account.domain.as_deref().unwrap_or_default());
    match verdict.since {
        Some(since) if verdict.limited && account.silenced_at.is_none() => {
            let mut limited = account.clone();
            limited.silenced_at = Some(since);
            Ok(db::update(db, account, limited).await?)
        }
        _ => Ok(account),
    }
}

/// A domain as typed (`Example.COM`, `https://example.com/`, `münchen.de`) in the form it
/// is stored and matched: lower-case, punycode, no scheme, port or path.
pub fn normalize(domain: &str) -> Result<String, DomainError> {
    let trimmed = domain.trim().trim_end_matches('/');
    let bare = trimmed
        .split_once("://")
        .map_or(trimmed, |(_, rest)| rest)
        .trim_start_matches("*.");
    let invalid = || DomainError::Invalid(format!("`{domain}` is not a domain"));
    if bare.is_empty() || bare.len() > 253 || bare.contains(['/', '@', ' ']) {
        return Err(invalid());
    }
    // Parsed as a URL's authority: IDNA to punycode, case folded; an explicit port is kept
    // (a server is `host[:port]`, as its accounts' handles say).
    let url = url::Url::parse(&format!("http://{bare}/")).map_err(|_| invalid())?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) if d.contains('.') || d == "localhost" => d.to_string(),
        _ => return Err(invalid()),
    };
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// A domain partly hidden for the public list, as Mastodon hides it (`exa****.*om`).
pub fn obfuscated(domain: &str) -> String {
    let chars: Vec<char> = domain.chars().collect();
    let length = chars.len();
    let visible = length / 4;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i > visible && i < length - visible && *c != '.' {
                '*'
            } else {
                *c
            }
        })
        .collect()
}

/// The SHA-256 of a domain, published beside obfuscated ones so they can be checked.
pub fn digest(domain: &str) -> String {
    hex::encode(Sha256::digest(domain.as_bytes()))
}

/// A block as a moderator sets it.
#[derive(Debug, Clone)]
pub struct BlockChange {
    pub severity: Severity,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

const MAX_COMMENT_CHARS: usize = 1000;

fn comment(text: Option<String>) -> Result<Option<String>, DomainError> {
    let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(DomainError::Invalid(format!(
            "a comment is at most {MAX_COMMENT_CHARS} characters"
        )));
    }
    Ok(text)
}

/// Applies what a severity does to a domain's accounts and follows, or takes it back.
async fn apply<C: db::Conn>(
    db: &C,
    block: &DomainBlock,
    severity: Severity,
    on: bool,
) -> Result<(), DomainError> {
    if let Some(mark) = severity.mark() {
        if on {
            db::domains::mark_accounts(db, &block.domain, mark, block.created_at).await?;
        } else {
            db::domains::unmark_accounts(db, &block.domain, mark, block.created_at).await?;
        }
    }
    if on && severity == Severity::Suspend {
        db::domains::sever_follows(db, &block.domain).await?;
    }
    Ok(())
}

fn target(block: &DomainBlock) -> audit::Target<'_> {
    audit::Target::Domain {
        id: block.id,
        domain: &block.domain,
    }
}

/// Blocks a domain (and its subdomains). A suspension hides its accounts at once and ends
/// every follow with it; a limit limits its accounts. `Conflict` when it is blocked already.
pub async fn block(
    db: &Pool,
    rules: &Rules,
    by: Moderator<'_>,
    domain: &str,
    change: BlockChange,
) -> Result<DomainBlock, DomainError> {
    by.require(permission::MANAGE_FEDERATION)?;
    let domain = normalize(domain)?;
    if db::domains::blocks(db)
        .await?
        .iter()
        .any(|b| b.domain == domain)
    {
        return Err(DomainError::Conflict(format!(
            "{domain} is already blocked"
        )));
    }
    let now = chrono::Utc::now();
    let row = DomainBlock {
        id: 0,
        domain,
        severity: change.severity.name().to_string(),
        reject_media: change.reject_media,
        reject_reports: change.reject_reports,
        private_comment: comment(change.private_comment)?,
        public_comment: comment(change.public_comment)?,
        obfuscate: change.obfuscate,
        created_at: now,
        updated_at: now,
    };
    let txn = db::begin_write(db).await?;
    let block = match db::insert(&txn, row).await {
        Ok(b) => b,
        Err(db::StoreError::Conflict) => {
            return Err(DomainError::Conflict(
                "this domain is already blocked".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    apply(&txn, &block, change.severity, true).await?;
    audit::record(&txn, by, "create", target(&block), change.severity.name()).await?;
    db::commit(txn).await?;
    rules.refresh(db).await;
    Ok(block)
}

/// Changes a block; a new severity takes the old one's effects back first.
pub async fn update(
    db: &Pool,
    rules: &Rules,
    by: Moderator<'_>,
    id: i64,
    change: BlockChange,
) -> Result<DomainBlock, DomainError> {
    by.require(permission::MANAGE_FEDERATION)?;
    let before = get(db, by, id).await?;
    let old = Severity::parse(&before.severity).unwrap_or(Severity::Noop);
    let mut after = before.clone();
    after.severity = change.severity.name().to_string();
    after.reject_media = change.reject_media;
    after.reject_reports = change.reject_reports;
    after.private_comment = comment(change.private_comment)?;
    after.public_comment = comment(change.public_comment)?;
    after.obfuscate = change.obfuscate;
    after.updated_at = chrono::Utc::now();
    let txn = db::begin_write(db).await?;
    if old != change.severity {
        apply(&txn, &before, old, false).await?;
        apply(&txn, &before, change.severity, true).await?;
    }
    let after = db::update(&txn, before, after).await?;
    audit::record(&txn, by, "update", target(&after), change.severity.name()).await?;
    db::commit(txn).await?;
    rules.refresh(db).await;
    Ok(after)
}

/// Lifts a block: the accounts it suspended or limited are back (follows it ended are not).
pub async fn unblock(
    db: &Pool,
    rules: &Rules,
    by: Moderator<'_>,
    id: i64,
) -> Result<(), DomainError> {
    let block = get(db, by, id).await?;
    let severity = Severity::parse(&block.severity).unwrap_or(Severity::Noop);
    let txn = db::begin_write(db).await?;
    apply(&txn, &block, severity, false).await?;
    db::domains::delete_block(&txn, block.id).await?;
    audit::record(&txn, by, "destroy", target(&block), "").await?;
    db::commit(txn).await?;
    rules.refresh(db).await;
    Ok(())
}

/// Every block, for those who manage federation.
pub async fn blocks(db: &Pool, by: Moderator<'_>) -> Result<Vec<DomainBlock>, DomainError> {
    by.require(permission::MANAGE_FEDERATION)?;
    Ok(db::domains::blocks(db).await?)
}

/// One block.
pub async fn get(db: &Pool, by: Moderator<'_>, id: i64) -> Result<DomainBlock, DomainError> {
    by.require(permission::MANAGE_FEDERATION)?;
    db::domains::block(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

/// The public list (everyone may read it), obfuscated where a block says so.
pub async fn public_list(db: &Pool) -> Result<Vec<(String, DomainBlock)>, DomainError> {
    Ok(db::domains::blocks(db)
        .await?
        .into_iter()
        .map(|b| {
            let shown = if b.obfuscate {
                obfuscated(&b.domain)
            } else {
                b.domain.clone()
            };
            (shown, b)
        })
        .collect())
}

/// Allows a domain to federate in allowlist mode.
pub async fn allow(
    db: &Pool,
    rules: &Rules,
    by: Moderator<'_>,
    domain: &str,
) -> Result<DomainAllow, DomainError> {
    by.require(permission::MANAGE_FEDERATION)?;
    let domain = normalize(domain)?;
    if let Some(existing) = db::domains::allows(db)
        .await?
        .into_iter()
        .find(|a| a.domain == domain)
    {
        return Ok(existing);
    }
    let row = DomainAllow {
        id: 0,
        domain,
        created_at: chrono::Utc::now(),
    };
    let txn = db::begin_write(db).await?;
    let allowed = db::insert(&txn, row).await?;
    let t = audit::Target::Domain {
        id: allowed.id,
        domain: &allowed.domain,
    };
    audit::record(&txn, by, "allow", t, "").await?;
    db::commit(txn).await?;
    rules.refresh(db).await;
    Ok(allowed)
}

/// Takes a domain off the allowlist.
pub async fn disallow(
    db: &Pool,
    rules: &Rules,
    by: Moderator<'_>,
    id: i64,
) -> Result<(), DomainError> {
    let allowed = get_allow(db, by, id).await?;
    let txn = db::begin_write(db).await?;
    db::domains::delete_allow(&txn, allowed.id).await?;
    let t = audit::Target::Domain {
        id: allowed.id,
        domain: &allowed.domain,
    };
    audit::record(&txn, by, "disallow", t, "").await?;
    db::commit(txn).await?;
    rules.refresh(db).await;
    Ok(())
}

/// Every allowed domain.
pub async fn allows(db: &Pool, by: Moderator<'_>) -> Result<Vec<DomainAllow>, DomainError> {
    by.require(permission::MANAGE_FEDERATION)?;
    Ok(db::domains::allows(db).await?)
}

/// One allowed domain.
pub async fn get_allow(db: &Pool, by: Moderator<'_>, id: i64) -> Result<DomainAllow, DomainError> {
    by.require(permission::MANAGE_FEDERATION)?;
    db::domains::allow(db, id)
        .await?
        .ok_or_else(|| DomainError::NotFound("Record not found".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalized() {
        assert_eq!(normalize(" Example.COM ").unwrap(), "example.com");
        assert_eq!(normalize("https://example.com/").unwrap(), "example.com");
        assert_eq!(normalize("münchen.de").unwrap(), "xn--mnchen-3ya.de");
        assert_eq!(normalize("*.spam.example").unwrap(), "spam.example");
        assert_eq!(normalize("localhost:8081").unwrap(), "localhost:8081");
        for bad in [
            "",
            "nodot",
            "a b.com",
            "user@example.com",
            "example.com/path",
            "1.2.3.4",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subdomains_follow_their_parent_and_the_most_specific_rule_wins() {
        let rules = Rules::new(false, "here.example");
        {
            let mut s = rules.snapshot.write().unwrap();
            let suspend = Verdict {
                suspended: true,
                ..Verdict::default()
            };
            let limit = Verdict {
                limited: true,
                ..Verdict::default()
            };
            s.blocks.insert("bad.example".into(), suspend);
            s.blocks.insert("ok.bad.example".into(), limit);
        }
        assert!(rules.verdict("bad.example").suspended);
        assert!(rules.verdict("x.y.bad.example").suspended);
        assert!(rules.verdict("ok.bad.example").limited);
        assert!(!rules.verdict("ok.bad.example").suspended);
        assert!(!rules.verdict("notbad.example").suspended);
        assert!(!rules.verdict("example").suspended);
        assert!(
            rules.verdict("bad.example:8443").suspended,
            "any port of a blocked domain"
        );
        rules.snapshot.write().unwrap().blocks.insert(
            "localhost:9001".into(),
            Verdict {
                suspended: true,
                ..Verdict::default()
            },
        );
        assert!(rules.verdict("localhost:9001").suspended);
        assert!(!rules.verdict("localhost:9002").suspended, "only that port");
    }

    #[test]
    fn allowlist_refuses_everything_not_listed_but_ourselves() {
        let rules = Rules::new(true, "here.example");
        rules
            .snapshot
            .write()
            .unwrap()
            .allows
            .insert("friend.example".into());
        assert!(!rules.refuses("friend.example"));
        assert!(!rules.refuses("media.friend.example"));
        assert!(rules.refuses("stranger.example"));
        assert!(!rules.refuses("here.example"));
    }

    #[test]
    fn obfuscation_keeps_the_ends() {
        assert_eq!(obfuscated("example.com"), "exa****.*om");
        assert_eq!(digest("example.com").len(), 64);
    }
}
