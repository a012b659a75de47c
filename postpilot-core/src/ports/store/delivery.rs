//! The delivery port: runs, the queue and the attempts, each its own
//! port so that each backend implements each in its own file
//! (ARCHITECTURE.md, "Store").

use super::attempts::AttemptRepository;
use super::queue::QueueRepository;
use super::runs::RunRepository;

/// Runs, the delivery queue and the attempt record (ARCHITECTURE.md,
/// "Delivery engine"): what a sender and a run's history need. Every type
/// with the three ports has it.
pub trait DeliveryRepository: RunRepository + QueueRepository + AttemptRepository {}

impl<T> DeliveryRepository for T where T: RunRepository + QueueRepository + AttemptRepository {}
