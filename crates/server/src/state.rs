//! What every request can reach: the store, the accepted content, the session keys, the clock.
//! Nothing here is per-instance mutable state, so several instances can share one database.

use std::sync::Arc;

use hocvuso_course::Catalog;
use hocvuso_store::Store;

use crate::auth::keys::SessionKeys;
use crate::auth::password::Hasher;
use crate::clock::Clock;
use crate::issuer::Issuer;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub keys: SessionKeys,
    pub hasher: Hasher,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    /// Credential signing keys, the public base URL and the issuing unit.
    pub issuer: Arc<Issuer>,
    /// The search index of the catalog being served (`app::search`).
    pub search: crate::app::search::SearchHandle,
}
