//! Reading comfort and language (issue #14): text size (three steps), high contrast, wider line
//! spacing and the language, for every page, with no JavaScript.
//!
//! Where they come from, per request: the `hv_prefs` cookie (set by the settings page and the
//! language switch; at sign-in it is restored from the learner's profile, so settings follow the
//! learner to a new phone without a database read on every page), then `Accept-Language` for the
//! language, then the defaults (Vietnamese, normal text). A middleware (`scope`) reads them once
//! and makes them the request's *current* preferences (a task-local), so the templates' `t()`
//! and the error pages, which have no access to the request, speak the learner's language.

use std::future::Future;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::ServiceRequest;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest};
use serde::Serialize;

use hocvuso_store::ReadingPreferences;

/// The cookie holding the preferences: `size-contrast-spacing-lang`, e.g. `2-1-0-en`.
pub const COOKIE: &str = "hv_prefs";

/// The largest text-size step (0 normal, 1 large, 2 larger).
pub const MAX_TEXT_SIZE: u8 = 2;

/// The preferences a request is served with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prefs {
    pub text_size: u8,
    pub high_contrast: bool,
    pub wide_spacing: bool,
    /// The chosen language: an interface language, or a language only some content is
    /// translated into (the interface then falls back to Vietnamese, the content per lesson).
    pub lang: String,
    /// Whether the language came from a choice (cookie) rather than the browser's header.
    #[serde(skip)]
    pub chosen: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            text_size: 0,
            high_contrast: false,
            wide_spacing: false,
            lang: crate::i18n::DEFAULT_LANG.to_owned(),
            chosen: false,
        }
    }
}

/// A language code as authors name content files (`01-bai.en.md`): 2–8 lowercase ASCII letters
/// (ISO 639-1 or 639-3, e.g. `en`, `jra` for Jrai, `bdq` for Bahnar).
pub fn is_language_code(code: &str) -> bool {
    (2..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase())
}

impl Prefs {
    /// The preferences a request carries: its cookie, else `Accept-Language`, else defaults.
    pub fn of(req: &HttpRequest) -> Self {
        let mut prefs = req
            .cookie(COOKIE)
            .and_then(|c| Self::parse(c.value()))
            .unwrap_or_default();
        if !prefs.chosen {
            let header = req
                .headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            prefs.lang = negotiate(header).to_owned();
        }
        prefs
    }

    /// Reads the cookie's value; None when it is not ours (a tampered cookie is ignored, never
    /// an error). An empty language part means "not chosen".
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.splitn(4, '-');
        let size: u8 = parts.next()?.parse().ok()?;
        let flag = |p: Option<&str>| match p {
            Some("1") => Some(true),
            Some("0") => Some(false),
            _ => None,
        };
        let high_contrast = flag(parts.next())?;
        let wide_spacing = flag(parts.next())?;
        let lang = parts.next().unwrap_or("");
        if size > MAX_TEXT_SIZE || !(lang.is_empty() || is_language_code(lang)) {
            return None;
        }
        Some(Self {
            text_size: size,
            high_contrast,
            wide_spacing,
            chosen: !lang.is_empty(),
            lang: if lang.is_empty() {
                crate::i18n::DEFAULT_LANG.to_owned()
            } else {
                lang.to_owned()
            },
        })
    }

    /// The cookie's value (the language only when it was chosen, so a browser whose language
    /// changes is still followed).
    pub fn cookie_value(&self) -> String {
        format!(
            "{}-{}-{}-{}",
            self.text_size.min(MAX_TEXT_SIZE),
            u8::from(self.high_contrast),
            u8::from(self.wide_spacing),
            if self.chosen { self.lang.as_str() } else { "" }
        )
    }

    /// The cookie remembering these preferences on this browser for a year. Not `HttpOnly`
    /// would be harmless, but nothing reads it from script: it stays `HttpOnly`.
    pub fn cookie(&self, secure: bool) -> Cookie<'static> {
        Cookie::build(COOKIE, self.cookie_value())
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish()
    }

    /// The classes `<html>` carries so the stylesheet applies the preferences.
    pub fn classes(&self) -> String {
        let mut c = vec![format!("text-{}", self.text_size)];
        if self.high_contrast {
            c.push("contrast".to_owned());
        }
        if self.wide_spacing {
            c.push("spacious".to_owned());
        }
        c.join(" ")
    }

    /// The `lang` of the interface: the chosen language when it has a locale file, else the
    /// default.
    pub fn interface_lang(&self) -> &'static str {
        crate::i18n::interface_lang(&self.lang)
    }

    pub fn from_profile(saved: &ReadingPreferences) -> Self {
        let lang = saved.language.as_deref().filter(|l| is_language_code(l));
        Self {
            text_size: u8::try_from(saved.text_size)
                .unwrap_or(0)
                .min(MAX_TEXT_SIZE),
            high_contrast: saved.high_contrast,
            wide_spacing: saved.wide_spacing,
            chosen: lang.is_some(),
            lang: lang.unwrap_or(crate::i18n::DEFAULT_LANG).to_owned(),
        }
    }

    pub fn to_profile(&self) -> ReadingPreferences {
        ReadingPreferences {
            text_size: i16::from(self.text_size),
            high_contrast: self.high_contrast,
            wide_spacing: self.wide_spacing,
            language: self.chosen.then(|| self.lang.clone()),
        }
    }
}

/// The interface language best matching an `Accept-Language` header (highest q first, then
/// header order; `en-US` matches `en`), or the default.
pub fn negotiate(header: &str) -> &'static str {
    let mut best: Option<(f32, &'static str)> = None;
    for item in header.split(',').take(16) {
        let mut parts = item.trim().split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        if let Some(lang) = crate::i18n::interface_language(primary) {
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
    }
    best.map_or(crate::i18n::DEFAULT_LANG, |(_, l)| l)
}

tokio::task_local! {
    static CURRENT: Prefs;
}

/// The current request's preferences (defaults outside a request: e-mails, background work).
pub fn current() -> Prefs {
    CURRENT.try_with(Clone::clone).unwrap_or_default()
}

/// Runs `fut` with `prefs` as the current preferences.
pub fn with<F: Future>(prefs: Prefs, fut: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(prefs, fut)
}

/// The middleware's first half: the request's preferences, put in its extensions, to be made
/// the current ones (`with`) while it is served. The JSON API keeps Vietnamese messages (its
/// contract), whatever the browser asks.
pub fn attach(req: &ServiceRequest) -> Prefs {
    let prefs = if crate::error::is_api_path(req.path()) {
        Prefs::default()
    } else {
        Prefs::of(req.request())
    };
    req.extensions_mut().insert(prefs.clone());
    prefs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_reads_back_what_it_wrote() {
        let p = Prefs {
            text_size: 2,
            high_contrast: true,
            wide_spacing: false,
            lang: "en".into(),
            chosen: true,
        };
        assert_eq!(p.cookie_value(), "2-1-0-en");
        assert_eq!(Prefs::parse(&p.cookie_value()), Some(p));
        let unchosen = Prefs::parse("1-0-1-").expect("parses");
        assert!(!unchosen.chosen && unchosen.wide_spacing && unchosen.text_size == 1);
    }

    #[test]
    fn a_cookie_that_is_not_ours_is_ignored() {
        for bad in [
            "",
            "9-0-0-en",
            "1-2-0-en",
            "1-0-0-EN",
            "1-0-0-e",
            "x",
            "1-0-0-en-x",
        ] {
            assert_eq!(Prefs::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn accept_language_picks_the_best_interface_language() {
        assert_eq!(negotiate("en-US,en;q=0.9"), "en");
        assert_eq!(negotiate("fr, en;q=0.5, vi;q=0.8"), "vi");
        assert_eq!(negotiate("fr, de"), "vi");
        assert_eq!(negotiate(""), "vi");
        assert_eq!(negotiate("en;q=0"), "vi");
    }

    #[test]
    fn the_classes_name_each_setting() {
        let p = Prefs {
            text_size: 1,
            high_contrast: true,
            wide_spacing: true,
            ..Prefs::default()
        };
        assert_eq!(p.classes(), "text-1 contrast spacious");
    }
}
