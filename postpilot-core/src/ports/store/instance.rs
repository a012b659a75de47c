//! What is made once per database.

use async_trait::async_trait;

use super::error::StoreError;
use crate::domain::{InstanceId, UnsubscribeSecret};

/// What is made once per database.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InstanceRepository: Send + Sync {
    /// The database's instance id: random, made when the database was
    /// created (by its migrations), the same on every call and for every
    /// process on the database, different in every other database.
    ///
    /// # Errors
    /// `Backend` only (a stored value that is not a valid id included).
    async fn instance_id(&self) -> Result<InstanceId, StoreError>;

    /// The database's unsubscribe secret: random, made with the database
    /// (by its migrations), the same on every call and for every process.
    ///
    /// # Errors
    /// `Backend` only (a stored value that is not a valid secret included).
    async fn unsubscribe_secret(&self) -> Result<UnsubscribeSecret, StoreError>;
}
