//! postpilot store
