//! The only place the server reads the time. Domain code gets time passed in; tests fix it.

use std::sync::Arc;

use time::OffsetDateTime;

#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        #[allow(clippy::disallowed_methods)]
        Self(Arc::new(OffsetDateTime::now_utc))
    }

    pub fn fixed(at: OffsetDateTime) -> Self {
        Self(Arc::new(move || at))
    }

    /// A clock driven by a function (tests move time forward with it).
    pub fn from_fn(f: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Now, in UTC whatever offset a test's fixed clock was written with: the store keeps and
    /// compares instants in UTC (SQLite compares them as text).
    pub fn now(&self) -> OffsetDateTime {
        let t = (self.0)();
        t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t)
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// A clock tests can move forward.
#[derive(Clone, Debug)]
pub struct ClockHand(Arc<std::sync::Mutex<OffsetDateTime>>);

impl ClockHand {
    pub fn advance(&self, by: time::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock {
    /// A clock that stands still at `at` until its hand moves it.
    pub fn settable(at: OffsetDateTime) -> (Self, ClockHand) {
        let hand = ClockHand(Arc::new(std::sync::Mutex::new(at)));
        let inner = hand.0.clone();
        let clock = Self(Arc::new(move || {
            *inner.lock().unwrap_or_else(|e| e.into_inner())
        }));
        (clock, hand)
    }
}
