//! postpilot smtp
