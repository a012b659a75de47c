//! The statistics of the home page.

use crate::domain::Stats;
use crate::error::Result;
use crate::ports::{Clock, StatsRepository};

#[derive(Debug, Clone)]
pub struct Statistics<R, C> {
    repo: R,
    clock: C,
}

impl<R: StatsRepository, C: Clock> Statistics<R, C> {
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    /// The figures now; "active" agrees with the status rules at this moment.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn get(&self) -> Result<Stats> {
        Ok(self.repo.stats(self.clock.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::ports::clock::MockClock;
    use crate::ports::store::MockStatsRepository;

    #[tokio::test]
    async fn statistics_are_asked_for_at_the_clock_time() {
        let at = Utc
            .with_ymd_and_hms(2026, 11, 26, 10, 0, 0)
            .single()
            .expect("time");
        let mut clock = MockClock::new();
        clock.expect_now().return_const(at);
        let mut repo = MockStatsRepository::new();
        repo.expect_stats()
            .withf(move |now| *now == at)
            .returning(|_| {
                Ok(Stats {
                    mailings_total: 4,
                    mailings_active: 1,
                    unique_recipients: 3,
                    ..Stats::default()
                })
            });
        let stats = Statistics::new(repo, clock).get().await.expect("stats");
        assert_eq!(
            (
                stats.mailings_total,
                stats.mailings_active,
                stats.unique_recipients
            ),
            (4, 1, 3)
        );
    }
}
