//! Parsed keys, kept so a burst of deliveries from one server costs one PEM parse, and
//! per-key fetch records, so a bad signature cannot make us refetch a key again and again.

use super::*;

/// Parsed keys, so each is decoded once: local signing keys by account id, remote
/// verification keys by key id (with the owner they were fetched for).
#[derive(Default, Clone)]
pub struct KeyCache {
    signing: Arc<RwLock<HashMap<i64, Arc<SigningKey>>>>,
    verifying: Arc<RwLock<HashMap<String, (String, VerifyingKey)>>>,
    fetches: Arc<std::sync::Mutex<HashMap<String, FetchSlot>>>,
}

/// The last fetch of one key id, behind an async lock so that concurrent requests naming
/// the key wait for one fetch instead of each making their own.
pub type FetchSlot = Arc<tokio::sync::Mutex<Option<FetchRecord>>>;

/// When a key id was last fetched and what came of it: its owner and key, or why not.
pub struct FetchRecord {
    pub at: std::time::Instant,
    pub outcome: Result<(crate::db::accounts::RemoteActor, VerifyingKey), String>,
}

/// Key ids whose last fetch is remembered at most (each record holds an actor document,
/// bounded in size when parsed); expired records go first.
pub(super) const MAX_FETCH_RECORDS: usize = 1024;
/// How long any fetch record is worth keeping.
pub(super) const FETCH_RECORD_LIFETIME: std::time::Duration = std::time::Duration::from_secs(300);

impl KeyCache {
    /// The signing key for `id` (an account id; the instance actor uses 0), parsed from
    /// `pem` on first use.
    pub fn signing(&self, id: i64, pem: &str) -> Result<Arc<SigningKey>, SignatureError> {
        if let Some(k) = self.signing.read().ok().and_then(|m| m.get(&id).cloned()) {
            return Ok(k);
        }
        let key = Arc::new(SigningKey::from_pkcs8_pem(pem)?);
        if let Ok(mut m) = self.signing.write() {
            m.insert(id, key.clone());
        }
        Ok(key)
    }

    /// A cached verification key and its owner, if seen before.
    pub fn verifying(&self, key_id: &str) -> Option<(String, VerifyingKey)> {
        self.verifying.read().ok()?.get(key_id).cloned()
    }

    /// Remembers a verification key.
    pub fn remember(&self, key_id: &str, owner: &str, key: VerifyingKey) {
        if let Ok(mut m) = self.verifying.write() {
            // Bounded: a flood of distinct keys must not grow memory without limit.
            if m.len() >= 50_000 {
                m.clear();
            }
            m.insert(key_id.to_string(), (owner.to_string(), key));
        }
    }

    /// The fetch record of `key_id`, created empty on first use. Bounded like the key map.
    pub fn fetch_slot(&self, key_id: &str) -> FetchSlot {
        let Ok(mut m) = self.fetches.lock() else {
            return FetchSlot::default();
        };
        if m.len() >= MAX_FETCH_RECORDS && !m.contains_key(key_id) {
            // Drop expired records (and empty slots nobody holds); if all are fresh, the
            // oldest half goes. A slot being fetched right now is kept by its holder.
            m.retain(|_, slot| match slot.try_lock() {
                Ok(record) => record
                    .as_ref()
                    .is_some_and(|r| r.at.elapsed() < FETCH_RECORD_LIFETIME),
                Err(_) => true,
            });
            if m.len() >= MAX_FETCH_RECORDS {
                let mut ages: Vec<(String, std::time::Instant)> = m
                    .iter()
                    .filter_map(|(k, slot)| Some((k.clone(), slot.try_lock().ok()?.as_ref()?.at)))
                    .collect();
                ages.sort_by_key(|(_, at)| *at);
                for (k, _) in ages.into_iter().take(MAX_FETCH_RECORDS / 2) {
                    m.remove(&k);
                }
            }
        }
        m.entry(key_id.to_string()).or_default().clone()
    }

    /// Drops the fetch record of `key_id` (its key verified and is now stored).
    pub fn forget_fetch(&self, key_id: &str) {
        if let Ok(mut m) = self.fetches.lock() {
            m.remove(key_id);
        }
    }

    /// Forgets a verification key (after a failed check, before refetching).
    pub fn forget(&self, key_id: &str) {
        if let Ok(mut m) = self.verifying.write() {
            m.remove(key_id);
        }
    }
}
