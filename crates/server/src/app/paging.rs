//! Paging, clamped in one place. A page number comes from a query string, where anyone can
//! write 184467440737095517: multiplied by the page size it overflowed the database driver's
//! signed offset and panicked a worker. Every paged list takes a `Paging` instead.

/// The last page anyone may ask for; beyond it lists are empty anyway.
pub const MAX_PAGE: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 0, at most `MAX_PAGE`.
    pub page: u64,
    /// At least 1, at most the list's own maximum.
    pub per_page: u64,
}

impl Paging {
    /// The page asked for (default 0), and the page size asked for (default `default`,
    /// at most `max`), both clamped.
    pub fn new(page: Option<u64>, per_page: Option<u64>, default: u64, max: u64) -> Self {
        let max = max.max(1);
        Self {
            page: page.unwrap_or(0).min(MAX_PAGE),
            per_page: per_page.unwrap_or(default).clamp(1, max),
        }
    }

    /// Rows to skip: at most `MAX_PAGE × max`, far inside the database's signed 64 bits.
    pub fn offset(&self) -> u64 {
        self.page.saturating_mul(self.per_page)
    }

    /// How many pages `total` rows make.
    pub fn pages(&self, total: u64) -> u64 {
        total.div_ceil(self.per_page)
    }
}
