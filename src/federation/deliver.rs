//! The delivery worker: claims due rows from the queue, signs and POSTs them with bounded
//! concurrency (overall and per domain), retries with exponential backoff and jitter, buries
//! what cannot succeed, and pauses domains that keep failing (circuit breaker).

use crate::federation::Federation;
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use rand::Rng;
use tokio::{
    sync::{Semaphore, mpsc, watch},
    task::JoinSet,
};
use url::Url;

use super::client::FetchError;
use crate::db::{self, entities::deliveries::Model as Delivery};

/// How long the worker sleeps when the queue is empty and nobody wakes it (other processes,
/// such as `pinhole follow`, write to the queue too).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Delay before attempt `attempt + 1`: `base`, 3×, 9×, … capped at 12 h, ±20% jitter.
/// With the default 60 s base, ten attempts span about two and a half days.
pub fn backoff(base_seconds: u64, attempt: i32) -> Duration {
    let base = base_seconds as f64 * 3f64.powi((attempt - 1).clamp(0, 20));
    let capped = base.min(12.0 * 3600.0);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    Duration::from_secs_f64(capped * jitter)
}

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
        match db::deliveries::complete_many(&fed.db, &batch).await {
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
    let failing = db::deliveries::failing_domains(&fed.db)
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
            match db::deliveries::claim(&fed.db, free as u64, lease, chrono::Utc::now()).await {
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
                        if let Err(e) = db::deliveries::release(&fed.db, delivery.id).await {
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
    let now = chrono::Utc::now();
    let attempts = delivery.attempts + 1;
    let result = send(fed, &delivery).await;
    let db = &fed.db;
    let outcome = match &result {
        Ok(()) => {
            let was_failing = shared
                .failing
                .lock()
                .map(|mut f| f.remove(&delivery.domain))
                .unwrap_or(true);
            if was_failing {
                let _ = db::deliveries::domain_succeeded(db, &delivery.domain, now).await;
            }
            if shared.completed.send(delivery.id).is_err() {
                // The completer is gone (shutting down): remove the row directly.
                let _ = db::deliveries::complete(db, delivery.id).await;
            }
            Ok(())
        }
        Err(e) if e.is_transient() => {
            if let Ok(mut f) = shared.failing.lock() {
                f.insert(delivery.domain.clone());
            }
            note_domain_failure(fed, &delivery.domain).await;
            if attempts >= fed.config.federation.delivery_max_attempts {
                tracing::warn!(inbox = %delivery.inbox_url, error = %e, attempts, "delivery failed for good");
                db::deliveries::bury(db, delivery.id, attempts, &e.to_string(), now).await
            } else {
                let next = now
                    + chrono::Duration::from_std(backoff(
                        fed.config.federation.delivery_retry_base_seconds,
                        attempts,
                    ))
                    .unwrap_or_else(|_| chrono::Duration::hours(1));
                tracing::info!(inbox = %delivery.inbox_url, error = %e, attempts, next = %next, "delivery will be retried");
                db::deliveries::retry_later(db, delivery.id, attempts, next, &e.to_string(), now)
                    .await
            }
        }
        Err(e) => {
            tracing::warn!(inbox = %delivery.inbox_url, error = %e, "delivery refused; not retrying");
            db::deliveries::bury(db, delivery.id, attempts, &e.to_string(), now).await
        }
    };
    if let Err(e) = outcome {
        // The lease will expire and the row be retried; at worst a duplicate POST, which
        // receivers deduplicate by activity id.
        tracing::error!(error = %e, id = delivery.id, "recording a delivery result failed");
    }
}

async fn note_domain_failure(fed: &Federation, domain: &str) {
    let now = chrono::Utc::now();
    let cfg = &fed.config.federation;
    match db::deliveries::domain_failed(&fed.db, domain, now).await {
        Ok(failures) if failures >= cfg.circuit_breaker_failures => {
            let doublings = (failures - cfg.circuit_breaker_failures).clamp(0, 16) as u32;
            let pause = (cfg
                .circuit_breaker_pause_seconds
                .saturating_mul(1u64 << doublings))
            .min(6 * 3600);
            let until = now + chrono::Duration::seconds(pause as i64);
            tracing::warn!(%domain, failures, pause_seconds = pause, "pausing deliveries to an unreachable domain");
            let _ = db::deliveries::open_circuit(&fed.db, domain, until, now).await;
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "recording domain health failed"),
    }
}

async fn send(fed: &Federation, delivery: &Delivery) -> Result<(), FetchError> {
    let inbox = Url::parse(&delivery.inbox_url)
        .map_err(|_| FetchError::Forbidden(delivery.inbox_url.clone(), "invalid inbox URL"))?;
    let signer = match delivery.signer_account_id {
        None => fed.instance_signer(),
        Some(id) => match fed.cached_signer(id) {
            Some(signer) => Ok(signer),
            None => match db::accounts::find_by_id(&fed.db, id).await {
                Ok(Some(account)) => fed.signer_for(&account),
                Ok(None) => {
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

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_spans_days_over_ten_attempts() {
        let total: f64 = (1..10).map(|a| backoff(60, a).as_secs_f64()).sum();
        let days = total / 86400.0;
        assert!((1.5..3.5).contains(&days), "{days} days");
        assert!(backoff(60, 1).as_secs() >= 48 && backoff(60, 1).as_secs() <= 72);
        assert!(backoff(60, 30).as_secs() <= 12 * 3600 * 6 / 5);
    }
}
