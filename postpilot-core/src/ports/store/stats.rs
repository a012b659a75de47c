//! The statistics port.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::error::StoreError;
use crate::domain::Stats;

/// Statistics for the home page.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StatsRepository: Send + Sync {
    /// The figures at `now` ("active" means Running at `now`) of what the
    /// handle sees (`Scoped`): everyone's, or one owner's.
    ///
    /// # Errors
    /// `Backend` only.
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError>;
}
