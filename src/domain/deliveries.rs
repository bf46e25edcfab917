//! The delivery queue's rules: how rows are claimed and leased, when a failed POST is
//! retried (backoff) or given up (dead letter), and when a domain is paused (circuit
//! breaker). The worker in `federation::deliver` does the sending and asks here.

use crate::db::Pool;
use std::time::Duration;

use rand::Rng;

use super::DomainError;
use crate::db::{self, entities::deliveries::Model as Delivery};

type Time = chrono::DateTime<chrono::Utc>;

/// The retry and pause limits (from `[federation]` in the configuration).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_attempts: i32,
    pub retry_base_seconds: u64,
    pub breaker_failures: i32,
    pub breaker_pause_seconds: u64,
}

/// Delay before attempt `attempt + 1`: `base`, 3×, 9×, … capped at 12 h, ±20% jitter.
/// With the default 60 s base, ten attempts span about two and a half days.
pub fn backoff(base_seconds: u64, attempt: i32) -> Duration {
    let base = base_seconds as f64 * 3f64.powi((attempt - 1).clamp(0, 20));
    let capped = base.min(12.0 * 3600.0);
    let jitter = rand::thread_rng().gen_range(0.8..1.2);
    Duration::from_secs_f64(capped * jitter)
}

/// How long a domain with `failures` consecutive failures is paused: nothing below the
/// threshold, then the base pause doubling with each further failure, at most 6 h.
pub fn pause_after(policy: &Policy, failures: i32) -> Option<Duration> {
    if failures < policy.breaker_failures {
        return None;
    }
    let doublings = (failures - policy.breaker_failures).clamp(0, 16) as u32;
    let seconds = policy
        .breaker_pause_seconds
        .saturating_mul(1u64 << doublings)
        .min(6 * 3600);
    Some(Duration::from_secs(seconds))
}

/// Leases up to `limit` due rows for `lease`.
pub async fn claim(
    db: &Pool,
    limit: u64,
    lease: chrono::Duration,
    now: Time,
) -> Result<Vec<Delivery>, DomainError> {
    Ok(db::deliveries::claim(db, limit, lease, now).await?)
}

/// Hands a leased row back unsent (shutting down), so it goes at the next start.
pub async fn release(db: &Pool, id: i64) -> Result<(), DomainError> {
    Ok(db::deliveries::release(db, id).await?)
}

/// Removes sent rows.
pub async fn sent(db: &Pool, ids: &[i64]) -> Result<(), DomainError> {
    Ok(db::deliveries::complete_many(db, ids).await?)
}

/// Domains with recorded failures.
pub async fn failing_domains(db: &Pool) -> Result<Vec<String>, DomainError> {
    Ok(db::deliveries::failing_domains(db).await?)
}

/// A POST to `domain` went through: its failure count starts again.
pub async fn domain_recovered(db: &Pool, domain: &str, now: Time) -> Result<(), DomainError> {
    Ok(db::deliveries::domain_succeeded(db, domain, now).await?)
}

/// What became of a failed delivery.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Failed {
    /// Tried again at this time.
    Retry(Time),
    /// Given up: kept as a dead letter.
    Buried,
}

/// Records a failed POST: a transient failure (timeout, 5xx, 429) counts against its
/// domain (pausing it past the threshold, returned for the log) and is retried with
/// backoff until `max_attempts`; a refusal is buried at once.
pub async fn failed(
    db: &Pool,
    policy: &Policy,
    delivery: &Delivery,
    transient: bool,
    error: &str,
    now: Time,
) -> Result<(Failed, Option<Duration>), DomainError> {
    let attempts = delivery.attempts + 1;
    let mut paused = None;
    if transient {
        // The domain's health is bookkeeping: when it cannot be written, the delivery's own
        // result still is.
        match db::deliveries::domain_failed(db, &delivery.domain, now).await {
            Ok(failures) => {
                if let Some(pause) = pause_after(policy, failures) {
                    let until = now + chrono::Duration::seconds(pause.as_secs() as i64);
                    match db::deliveries::open_circuit(db, &delivery.domain, until, now).await {
                        Ok(()) => paused = Some(pause),
                        Err(e) => tracing::error!(error = %e, "pausing a domain failed"),
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "recording domain health failed"),
        }
    }
    if !transient || attempts >= policy.max_attempts {
        db::deliveries::bury(db, delivery.id, attempts, error, now).await?;
        return Ok((Failed::Buried, paused));
    }
    let next = now
        + chrono::Duration::from_std(backoff(policy.retry_base_seconds, attempts))
            .unwrap_or_else(|_| chrono::Duration::hours(1));
    db::deliveries::retry_later(db, delivery.id, attempts, next, error, now).await?;
    Ok((Failed::Retry(next), paused))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_spans_days_over_ten_attempts() {
        let total: f64 = (1..10).map(|a| backoff(60, a).as_secs_f64()).sum();
        let days = total / 86400.0;
        assert!((1.5..3.5).contains(&days), "{days} days");
        assert!(backoff(60, 1).as_secs() >= 48 && backoff(60, 1).as_secs() <= 72);
        assert!(backoff(60, 30).as_secs() <= 12 * 3600 * 6 / 5);
    }

    #[test]
    fn pauses_double_past_the_threshold_up_to_six_hours() {
        let policy = Policy {
            max_attempts: 10,
            retry_base_seconds: 60,
            breaker_failures: 5,
            breaker_pause_seconds: 300,
        };
        assert_eq!(pause_after(&policy, 4), None);
        assert_eq!(pause_after(&policy, 5), Some(Duration::from_secs(300)));
        assert_eq!(pause_after(&policy, 6), Some(Duration::from_secs(600)));
        assert_eq!(
            pause_after(&policy, 40),
            Some(Duration::from_secs(6 * 3600))
        );
    }
}
