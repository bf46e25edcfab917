//! Fixed-window rate limits (Mastodon's rack-attack rules count the same way): so many
//! hits per key per window, bounded memory whatever the number of keys.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Keys remembered at most. When that many are live, a new key is refused until some
/// expire: a flood from many addresses must not reset everyone's count (which would lift
/// the limit for the flood itself), nor grow memory.
const MAX_KEYS: usize = 100_000;

/// Every rate limit of the server, each per key (a client address or an access token).
pub struct Limits {
    pub sign_ups: Window,
    pub api: Window,
    pub media_uploads: Window,
    pub deletions: Window,
}

impl Limits {
    /// The limits of the configuration; 0 means none.
    pub fn new(sign_ups: u32, api: u32, media_uploads: u32, deletions: u32) -> Limits {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        let max = |n: u32| if n == 0 { u32::MAX } else { n };
        Limits {
            sign_ups: Window::new(max(sign_ups), minutes(30)),
            api: Window::new(max(api), minutes(5)),
            media_uploads: Window::new(max(media_uploads), minutes(30)),
            deletions: Window::new(max(deletions), minutes(30)),
        }
    }
}

/// A limit of `max` hits per `window` for each key.
pub struct Window {
    max: u32,
    window: Duration,
    max_keys: usize,
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Where a key stands after a hit that was let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowed {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window starts over.
    pub reset_in: u64,
}

/// A refused hit: come back after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub limit: u32,
    pub retry_after: u64,
}

impl Window {
    /// Whether the window limits anything (`u32::MAX` hits means no limit).
    pub fn limits(&self) -> bool {
        self.max != u32::MAX
    }

    /// `max` hits per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Window {
            max,
            window,
            max_keys: MAX_KEYS,
            counts: Mutex::default(),
        }
    }

    /// Counts a hit for `key`, or refuses it when the key has used up its window.
    pub fn hit(&self, key: &str) -> Result<Allowed, Refused> {
        let mut map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.max_keys && !map.contains_key(key) {
            let window = self.window;
            map.retain(|_, (_, since)| since.elapsed() < window);
            if map.len() >= self.max_keys {
                tracing::warn!(
                    keys = map.len(),
                    "rate limit table full; refusing new clients until entries expire"
                );
                return Err(Refused {
                    limit: self.max,
                    retry_after: window.as_secs().max(1),
                });
            }
        }
        let entry = map.entry(key.to_string()).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= self.window {
            *entry = (0, Instant::now());
        }
        let reset_in = self
            .window
            .saturating_sub(entry.1.elapsed())
            .as_secs()
            .max(1);
        if entry.0 >= self.max {
            return Err(Refused {
                limit: self.max,
                retry_after: reset_in,
            });
        }
        entry.0 += 1;
        Ok(Allowed {
            limit: self.max,
            remaining: self.max - entry.0,
            reset_in,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_refuses_past_the_limit() {
        let w = Window::new(2, Duration::from_secs(60));
        assert_eq!(w.hit("a").unwrap().remaining, 1);
        assert_eq!(w.hit("a").unwrap().remaining, 0);
        let refused = w.hit("a").unwrap_err();
        assert_eq!(refused.limit, 2);
        assert!(refused.retry_after > 0 && refused.retry_after <= 60);
        assert!(w.hit("b").is_ok(), "another key has its own count");
    }

    #[test]
    fn a_full_table_refuses_new_keys_and_keeps_counting_old_ones() {
        let mut w = Window::new(1, Duration::from_secs(60));
        w.max_keys = 2;
        assert!(w.hit("a").is_ok());
        assert!(w.hit("b").is_ok());
        assert!(w.hit("c").is_err(), "no room: refused, nothing reset");
        assert!(w.hit("a").is_err(), "a's count survived the flood");
    }

    #[test]
    fn a_new_window_starts_over() {
        let w = Window::new(1, Duration::from_millis(20));
        assert!(w.hit("a").is_ok());
        assert!(w.hit("a").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(w.hit("a").is_ok());
    }
}
