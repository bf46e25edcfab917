//! ActivityPub: wire types (`protocol`), our models as AS2 (`objects`), outgoing activities
//! (`activities`), signatures, the HTTP client, remote actor resolution, the inbox and the
//! delivery worker.

pub mod activities;
pub mod addresses;
pub mod c2s;
pub mod client;
pub mod deliver;
pub mod inbox;
pub mod lookup;
pub mod objects;
pub mod posts;
pub mod protocol;
pub mod resolve;
pub mod signatures;

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::{
    config::Config,
    db::entities::{accounts::Model as Account, instance_keys::Model as InstanceKeys},
    domain::media::MediaService,
};
use activities::{ActivityPublisher, actor_uri};
use client::{Client, FetchError, Signer};
use signatures::{KeyCache, SignatureError};

/// The media type ActivityPub documents are served with.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// Everything federation works with, handed to its functions by the api, the CLI and the
/// delivery worker: the database, the configuration, the HTTP client and key caches, the
/// publisher, media, and the worker's wake-up. It depends on nothing above federation.
pub struct Federation {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub media: Arc<MediaService>,
    pub client: Client,
    /// Domain blocks and the allowlist, as every delivery, fetch and inbox POST checks them.
    pub domains: Arc<crate::domain::domains::Rules>,
    /// Inbox deliveries per sending domain (`limits.inbox_per_domain` per 5 minutes).
    pub inbox_limit: crate::domain::limits::Window,
    pub keys: KeyCache,
    pub publisher: ActivityPublisher,
    /// Wakes the delivery worker when this process queued something.
    pub wake: Notify,
    instance_keys: InstanceKeys,
    /// Local signers by account id: a fan-out signs thousands of POSTs as one account.
    signers: std::sync::RwLock<std::collections::HashMap<i64, Signer>>,
}

impl Federation {
    pub fn new(
        db: DatabaseConnection,
        config: Arc<Config>,
        instance_keys: InstanceKeys,
        media: Arc<MediaService>,
    ) -> Result<Self, FetchError> {
        let domains = Arc::new(crate::domain::domains::Rules::new(
            config.federation.mode == crate::config::FederationMode::Allowlist,
            &config.domain(),
        ));
        Ok(Federation {
            db,
            media,
            client: Client::new(&config, domains.clone())?,
            domains,
            inbox_limit: crate::domain::limits::Window::new(
                match config.limits.inbox_per_domain {
                    0 => u32::MAX,
                    n => n,
                },
                std::time::Duration::from_secs(300),
            ),
            keys: KeyCache::default(),
            publisher: ActivityPublisher::new(config.clone()),
            wake: Notify::new(),
            instance_keys,
            config,
            signers: Default::default(),
        })
    }

    /// The instance actor signs fetches made on the server's own behalf.
    pub fn instance_signer(&self) -> Result<Signer, SignatureError> {
        let key = self.keys.signing(0, &self.instance_keys.private_key_pem)?;
        let mut key_id = objects::actor::instance_actor_id(&self.config);
        key_id.set_fragment(Some("main-key"));
        Ok(Signer {
            key_id: key_id.to_string(),
            key,
        })
    }

    /// A local account signs what it sends.
    pub fn signer_for(&self, account: &Account) -> Result<Signer, SignatureError> {
        let pem = account
            .private_key_pem
            .as_deref()
            .ok_or_else(|| SignatureError::Key("account has no private key".into()))?;
        let key = self.keys.signing(account.id, pem)?;
        let signer = Signer {
            key_id: format!("{}#main-key", actor_uri(&self.config, account)),
            key,
        };
        if let Ok(mut m) = self.signers.write() {
            m.insert(account.id, signer.clone());
        }
        Ok(signer)
    }

    /// The signer of a local account seen before, without a database read.
    pub fn cached_signer(&self, account_id: i64) -> Option<Signer> {
        self.signers.read().ok()?.get(&account_id).cloned()
    }
}
