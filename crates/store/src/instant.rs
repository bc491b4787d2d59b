//! The store's one rule for instants: every time it writes or compares is in UTC.
//!
//! PostgreSQL keeps `timestamptz` as an instant, but SQLite keeps an instant as RFC 3339 text
//! and compares and orders it as text: `2026-12-07T00:30:00+07:00` sorts after
//! `2026-12-06T20:00:00Z` though it is three and a half hours earlier. Instants that come from
//! people (a due date, a class start, an export's bound, all at Vietnam's +07:00 or whatever
//! offset an API client sent) therefore pass through [`utc`] before they are stored or bound,
//! and the server's clock gives UTC; existing rows were rewritten by migration
//! `m20261206_000025_instants_in_utc`.

use time::{OffsetDateTime, UtcOffset};

/// The same instant written in UTC. An instant whose UTC form the `time` crate cannot hold
/// (beyond year ±9999) is kept as it is rather than panicking; input checks refuse such dates
/// long before they reach the store.
pub(crate) fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.checked_to_offset(UtcOffset::UTC).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_instant_at_another_offset_is_written_in_utc() {
        let t = utc(datetime!(2026-12-07 00:30 +07:00));
        assert_eq!(t.offset(), UtcOffset::UTC);
        assert_eq!(t, datetime!(2026-12-06 17:30 UTC));
    }

    #[test]
    fn an_instant_out_of_range_in_utc_is_kept() {
        let t = datetime!(-9999-01-01 00:00 +07:00);
        assert_eq!(utc(t), t);
    }
}
