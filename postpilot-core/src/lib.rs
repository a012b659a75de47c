//! postpilot's core: the domain of a mailing-campaign service, its status
//! rules, the ports it needs (repositories, mailer, clock) and the use cases.
//!
//! It knows no database, SMTP, HTTP or CLI crate: adapters implement the
//! [`ports`], front ends wire them into the [`usecases`].

pub mod csv;
pub mod domain;
pub mod error;
pub mod ports;
pub mod usecases;

#[cfg(any(test, feature = "mocks"))]
pub mod mocks;

pub use domain::*;
pub use error::{Error, Result};
