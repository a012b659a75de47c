//! An optional rate limit: hands out evenly spaced send times.

use std::num::NonZeroU32;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Spaces sends `1/rate` seconds apart. Per process: several workers each
/// keep their own pace.
#[derive(Debug)]
pub(crate) struct Pace {
    interval: Option<chrono::Duration>,
    next: Option<DateTime<Utc>>,
}

impl Pace {
    pub(crate) fn new(rate: Option<NonZeroU32>) -> Self {
        Self {
            interval: rate
                .map(|r| chrono::Duration::nanoseconds(1_000_000_000 / i64::from(r.get()))),
            next: None,
        }
    }

    /// How long the next send must wait from `now` to keep the pace.
    pub(crate) fn wait(&mut self, now: DateTime<Utc>) -> Duration {
        let Some(interval) = self.interval else {
            return Duration::ZERO;
        };
        let turn = self.next.map_or(now, |next| next.max(now));
        self.next = Some(turn + interval);
        (turn - now).to_std().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn unlimited_pace_never_waits() {
        let mut pace = Pace::new(None);
        let now = Utc::now();
        assert!((0..5).all(|_| pace.wait(now).is_zero()));
    }

    #[test]
    fn sends_are_spaced_one_interval_apart_and_idle_time_is_not_banked() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let mut pace = Pace::new(NonZeroU32::new(4));
        let waits: Vec<_> = (0..3).map(|_| pace.wait(t0)).collect();
        assert_eq!(
            waits,
            [
                Duration::ZERO,
                Duration::from_millis(250),
                Duration::from_millis(500)
            ]
        );
        // Long after: no burst to "catch up".
        let later = t0 + chrono::Duration::seconds(10);
        assert_eq!(pace.wait(later), Duration::ZERO);
        assert_eq!(pace.wait(later), Duration::from_millis(250));
    }
}
