//! What every request can reach: the store, the accepted content, the session keys, the clock.
//! The only thing that changes while serving is which catalog is current (a publish swaps it
//! whole); everything else a request needs is in the shared database, so several instances can
//! share one database.

use std::sync::{Arc, RwLock};

use hocvuso_course::Catalog;
use hocvuso_store::Store;

use crate::auth::keys::SessionKeys;
use crate::auth::password::Hasher;
use crate::clock::Clock;
use crate::issuer::Issuer;
use crate::page_cache::LessonCache;
use crate::settings::Settings;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The accepted content; read it with [`AppState::catalog`].
    pub catalogs: CatalogHandle,
    pub keys: SessionKeys,
    pub hasher: Hasher,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    /// Credential signing keys, the public base URL and the issuing unit.
    pub issuer: Arc<Issuer>,
    /// The search index of the catalog being served (`app::search`).
    pub search: crate::app::search::SearchHandle,
}

impl AppState {
    /// The catalog as it is now. A handler takes one snapshot and uses it to the end, so a
    /// request that overlaps a publish sees the old content or the new, never a mix of both.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalogs.current()
    }
}

/// The current catalog, replaceable while serving, with what lesson pages reuse from it
/// (`page_cache`). Cloning the handle shares it: every clone of the application state sees a
/// publish at once.
#[derive(Clone)]
pub struct CatalogHandle(Arc<RwLock<Current>>);

struct Current {
    catalog: Arc<Catalog>,
    lessons: Arc<LessonCache>,
}

impl CatalogHandle {
    pub fn new(catalog: Catalog) -> Self {
        Self(Arc::new(RwLock::new(Current {
            catalog: Arc::new(catalog),
            lessons: Arc::default(),
        })))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Current> {
        // The lock guards only a pointer swap, which cannot panic halfway: a poisoned lock
        // still holds a whole catalog.
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn current(&self) -> Arc<Catalog> {
        Arc::clone(&self.read().catalog)
    }

    /// The languages some content of the current catalog is translated into (every page's
    /// language switch lists them), worked out once per catalog.
    pub fn languages(&self) -> Vec<String> {
        let current = self.read();
        current
            .lessons
            .languages(|| current.catalog.languages())
            .to_vec()
    }

    /// The lesson cache made from `catalog` (a snapshot from [`Self::current`]); an empty one,
    /// dropped after use, if a publish has replaced that catalog since, so nothing made from
    /// old content is kept for the new.
    pub fn lessons(&self, catalog: &Arc<Catalog>) -> Arc<LessonCache> {
        let current = self.read();
        if Arc::ptr_eq(&current.catalog, catalog) {
            Arc::clone(&current.lessons)
        } else {
            Arc::default()
        }
    }

    /// Makes `catalog` the current one, with an empty lesson cache. Requests already holding
    /// the old snapshot finish with it; the old catalog is dropped when the last of them ends.
    pub fn replace(&self, catalog: Catalog) {
        let next = Current {
            catalog: Arc::new(catalog),
            lessons: Arc::default(),
        };
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
    }
}
