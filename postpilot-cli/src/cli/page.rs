//! `--offset` and `--limit` of the commands that list.

use clap::Args;

#[derive(Debug, Args, Clone, Copy)]
pub struct PageArgs {
    /// Show at most this many rows.
    #[arg(long, allow_negative_numbers = true)]
    pub limit: Option<u64>,
    /// Skip this many rows first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub offset: u64,
}

impl PageArgs {
    pub fn page(self) -> postpilot_core::Page {
        postpilot_core::Page::new(self.offset, self.limit.unwrap_or(i64::MAX as u64))
    }
}
