//! The delivery worker: claims due rows from the queue, signs and POSTs them with bounded
//! concurrency (overall and per domain), retries with exponential backoff and jitter, buries
//! what cannot succeed, and pauses domains that keep failing (circuit breaker).

use crate::federation::Federation;
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    sync::{Semaphore, mpsc, watch},
    task::JoinSet,
};
use url::Url;

use super::client::FetchError;
use crate::{
    db::entities::deliveries::Model as Delivery,
    domain::{
        self,
        deliveries::{Failed, Policy},
    },
};

/// How long the worker sleeps when the queue is empty and nobody wakes it (other processes,
/// such as `pinhole follow`, write to the queue too).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Runs until `shutdown` holds the time shutdown began; then stops claiming and waits for in-flight sends.
/// State shared by the sending tasks of one worker.
struct Shared {
    /// Ids of sent deliveries, removed from the queue in batches by one task: one write
    /// per batch instead of one per POST (SQLite has a single writer).
    completed: mpsc::UnboundedSender<i64>,
    /// Domains with recorded failures, so a success only writes when there is something to
    /// reset.
    failing: Mutex<HashSet<String>>,
}

async fn complete_in_batches(fed: Arc<Federation>, mut ids: mpsc::UnboundedReceiver<i64>) {
    let mut batch = Vec::with_capacity(256);
    while ids.recv_many(&mut batch, 256).await > 0 {
        match domain::deliveries::sent(&fed.db, &batch).await {
            // The next delivery of each chain may go now: tell the claiming loop.
            Ok(()) => fed.wake.notify_one(),
            // The rows keep their lease and are sent again after it; receivers drop the
            // duplicate by activity id.
            Err(e) => {
                tracing::error!(error = %e, count = batch.len(), "removing sent deliveries failed")
            }
        }
        batch.clear();
    }
}

pub async fn run(
    fed: Arc<Federation>,
    mut shutdown: watch::Receiver<Option<tokio::time::Instant>>,
) {
    let config = fed.config.federation.clone();
    let (completed, completed_rx) = mpsc::unbounded_channel();
    let completer = tokio::spawn(complete_in_batches(fed.clone(), completed_rx));
    let failing = domain::deliveries::failing_domains(&fed.db)
        .await
        .unwrap_or_default();
    let shared = Arc::new(Shared {
        completed,
        failing: Mutex::new(failing.into_iter().collect()),
    });
    let global = Arc::new(Semaphore::new(config.delivery_concurrency));
    let mut per_domain: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let lease = chrono::Duration::seconds(config.delivery_lease_seconds as i64);
    let mut tasks = JoinSet::new();
    loop {
        if shutdown.borrow().is_some() {
            break;
        }
        while tasks.try_join_next().is_some() {}
        // Claim in batches: while most senders are busy, wait (briefly) for more of them to
        // finish rather than paying one claim query per completed POST. An eighth: with slow
        // servers (long round trips) every idle sender is throughput lost, and half the
        // senders idle on average (a batch of a half) cost a quarter of it.
        let batch = (config.delivery_concurrency / 8).max(1);
        if !tasks.is_empty() && global.available_permits() < batch {
            tokio::select! {
                _ = shutdown.changed() => {}
                Some(_) = tasks.join_next() => {}
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
            }
            continue;
        }
        let free = global.available_permits();
        let mut claimed = Vec::new();
        if free > 0 {
            match domain::deliveries::claim(&fed.db, free as u64, lease, chrono::Utc::now()).await {
                Ok(rows) => claimed = rows,
                Err(e) => tracing::error!(error = %e, "claiming deliveries failed"),
            }
        }
        if claimed.is_empty() {
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = fed.wake.notified() => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
            continue;
        }
        for delivery in claimed {
            let Ok(global_permit) = global.clone().acquire_owned().await else {
                break;
            };
            let domain_sem = per_domain
                .entry(delivery.domain.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(config.delivery_concurrency_per_domain)))
                .clone();
            let fed = fed.clone();
            let shared = shared.clone();
            let mut stopping = shutdown.clone();
            tasks.spawn(async move {
                let _global = global_permit;
                // Waiting for the domain's turn; if shutdown comes first, hand the row back
                // so the next start sends it at once instead of after the lease.
                let permit = tokio::select! {
                    p = domain_sem.acquire_owned() => p.ok(),
                    _ = stopping.wait_for(|s| s.is_some()) => None,
                };
                match permit {
                    Some(_domain) => deliver_one(&fed, &shared, delivery).await,
                    None => {
                        if let Err(e) = domain::deliveries::release(&fed.db, delivery.id).await {
                            tracing::warn!(error = %e, "releasing a delivery failed; it waits for its lease");
                        }
                    }
                }
            });
        }
        if per_domain.len() > 10_000 {
            per_domain.retain(|_, s| Arc::strong_count(s) > 1);
        }
    }
    // Let in-flight sends finish; the caller bounds this with the shutdown grace period.
    while tasks.join_next().await.is_some() {}
    // All senders are gone once `shared` is: the completer flushes the last batch and ends.
    drop(shared);
    let _ = completer.await;
}

async fn deliver_one(fed: &Federation, shared: &Shared, delivery: Delivery) {
    let result = send(fed, &delivery).await;
    let now = chrono::Utc::now();
    let db = &fed.db;
    let outcome = match &result {
        Ok(()) => {
            let was_failing = shared
                .failing
                .lock()
                .map(|mut f| f.remove(&delivery.domain))
                .unwrap_or(true);
            if was_failing {
                let _ = domain::deliveries::domain_recovered(db, &delivery.domain, now).await;
            }
            if shared.completed.send(delivery.id).is_err() {
                // The completer is gone (shutting down): remove the row directly.
                let _ = domain::deliveries::sent(db, &[delivery.id]).await;
            }
            Ok(())
        }
        Err(e) => {
            let transient = e.is_transient();
            if transient && let Ok(mut f) = shared.failing.lock() {
                f.insert(delivery.domain.clone());
            }
            let cfg = &fed.config.federation;
            let policy = Policy {
                max_attempts: cfg.delivery_max_attempts,
                retry_base_seconds: cfg.delivery_retry_base_seconds,
                breaker_failures: cfg.circuit_breaker_failures,
                breaker_pause_seconds: cfg.circuit_breaker_pause_seconds,
            };
            let error = e.to_string();
            let recorded =
                domain::deliveries::failed(db, &policy, &delivery, transient, &error, now).await;
            let (inbox, attempts) = (&delivery.inbox_url, delivery.attempts + 1);
            if let Ok((outcome, paused)) = &recorded {
                if let Some(pause) = paused {
                    tracing::warn!(domain = %delivery.domain, pause_seconds = pause.as_secs(), "pausing deliveries to an unreachable domain");
                }
                match outcome {
                    Failed::Retry(next) => {
                        tracing::info!(%inbox, %error, attempts, next = %next, "delivery will be retried")
                    }
                    Failed::Buried if transient => {
                        tracing::warn!(%inbox, %error, attempts, "delivery failed for good")
                    }
                    Failed::Buried => {
                        tracing::warn!(%inbox, %error, "delivery refused; not retrying")
                    }
                }
            }
            recorded.map(|_| ())
        }
    };
    if let Err(e) = outcome {
        // The lease will expire and the row be retried; at worst a duplicate POST, which
        // receivers deduplicate by activity id.
        tracing::error!(error = %e, id = delivery.id, "recording a delivery result failed");
    }
}

async fn send(fed: &Federation, delivery: &Delivery) -> Result<(), FetchError> {
    let inbox = Url::parse(&delivery.inbox_url)
        .map_err(|_| FetchError::Forbidden(delivery.inbox_url.clone(), "invalid inbox URL"))?;
    let signer = match delivery.signer_account_id {
        None => fed.instance_signer(),
        Some(id) => match fed.cached_signer(id) {
            Some(signer) => Ok(signer),
            None => match domain::accounts::get(&fed.db, id).await {
                Ok(account) => fed.signer_for(&account),
                Err(domain::DomainError::NotFound(_)) => {
                    return Err(FetchError::Signing(
                        "the signing account no longer exists".into(),
                    ));
                }
                Err(e) => return Err(FetchError::Network("database".into(), e.to_string())),
            },
        },
    }
    .map_err(|e| FetchError::Signing(e.to_string()))?;
    fed.client
        .post_activity(&inbox, &delivery.body, &signer)
        .await
        .map(|_| ())
}
