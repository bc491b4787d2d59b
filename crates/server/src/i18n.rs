//! Translations. User-facing text lives in `web/locales/<lang>.toml` (nested tables, flattened
//! to dotted keys), never in Rust. Vietnamese is the first language and the reference: every
//! other locale file holds exactly its keys (a test checks, so CI catches a missing one). The
//! language of a request is chosen in `preferences`; `current()` is its translations. A missing
//! key shows the key itself so it is noticed, not hidden.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone)]
pub struct Translations {
    messages: HashMap<String, String>,
}

const VI: &str = include_str!("../../../web/locales/vi.toml");

/// The default language, and the one every page falls back to.
pub const DEFAULT_LANG: &str = "vi";

/// The interface languages: each a locale file embedded in the binary. Adding one is a file and
/// a line here; content can be translated into any language without either (`docs/content-format.md`).
pub const LOCALE_FILES: &[(&str, &str)] = &[
    (DEFAULT_LANG, VI),
    ("en", include_str!("../../../web/locales/en.toml")),
];

static LOCALES: OnceLock<Vec<(&'static str, Translations)>> = OnceLock::new();

fn locales() -> &'static [(&'static str, Translations)] {
    LOCALES.get_or_init(|| {
        LOCALE_FILES
            .iter()
            .map(|(code, src)| match Translations::parse(src) {
                Ok(t) => (*code, t),
                // Embedded at compile time and tested: failing here is a build defect.
                Err(e) => panic!("web/locales/{code}.toml is invalid: {e}"),
            })
            .collect()
    })
}

/// The interface language named `code`, if there is a locale file for it.
pub fn interface_language(code: &str) -> Option<&'static str> {
    LOCALE_FILES.iter().map(|(c, _)| *c).find(|c| *c == code)
}

/// The interface language for a chosen language: itself when it has a locale file, else the
/// default (a language only some content is translated into).
pub fn interface_lang(code: &str) -> &'static str {
    interface_language(code).unwrap_or(DEFAULT_LANG)
}

/// The interface languages, in the order the switch lists them.
pub fn interface_languages() -> impl Iterator<Item = &'static str> {
    LOCALE_FILES.iter().map(|(c, _)| *c)
}

/// The translations of an interface language (the default's for any other code).
pub fn for_lang(code: &str) -> &'static Translations {
    let all = locales();
    all.iter()
        .find(|(c, _)| *c == code)
        .or_else(|| all.first())
        .map(|(_, t)| t)
        .unwrap_or_else(|| crate::i18n_global())
}

/// The translations of the current request's language (Vietnamese outside a request).
pub fn current() -> &'static Translations {
    for_lang(&crate::preferences::current().lang)
}

impl Translations {
    pub fn vietnamese() -> Result<Self, toml::de::Error> {
        Self::parse(VI)
    }

    pub fn parse(src: &str) -> Result<Self, toml::de::Error> {
        let table: toml::Table = toml::from_str(src)?;
        let mut messages = HashMap::new();
        flatten("", &table, &mut messages);
        Ok(Self { messages })
    }

    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.messages.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.messages.contains_key(key)
    }

    /// The message for an error key (`errors.<key>`).
    pub fn error(&self, key: &str) -> String {
        self.get(&format!("errors.{key}")).to_owned()
    }

    /// A wait in words ("30 giây", "2 phút", "1 giờ"), rounded up.
    pub fn wait(&self, seconds: u64) -> String {
        let (n, key) = if seconds < 90 {
            (seconds, "wait.seconds")
        } else if seconds < 90 * 60 {
            (seconds.div_ceil(60), "wait.minutes")
        } else {
            (seconds.div_ceil(3600), "wait.hours")
        };
        self.get(key).replace("{n}", &n.to_string())
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.messages.keys()
    }
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn the_vietnamese_file_loads_and_is_nfc() {
        let t = Translations::vietnamese().expect("vi.toml parses");
        for key in t.keys() {
            let text = t.get(key);
            assert_eq!(text.nfc().collect::<String>(), text, "{key} is not NFC");
        }
        assert!(t.contains("errors.not_found"));
    }

    #[test]
    fn every_locale_has_exactly_the_vietnamese_keys() {
        let vi = Translations::vietnamese().expect("vi.toml parses");
        let reference: std::collections::BTreeSet<&String> = vi.keys().collect();
        for (code, src) in LOCALE_FILES {
            let t = Translations::parse(src).unwrap_or_else(|e| panic!("{code}.toml: {e}"));
            let keys: std::collections::BTreeSet<&String> = t.keys().collect();
            let missing: Vec<_> = reference.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&reference).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "web/locales/{code}.toml: missing {missing:?}, not in vi.toml {extra:?}"
            );
            for key in t.keys() {
                let text = t.get(key);
                assert_eq!(
                    text.nfc().collect::<String>(),
                    text,
                    "{code}: {key} is not NFC"
                );
                // Placeholders must survive translation, or a number silently disappears.
                assert_eq!(
                    placeholders(text),
                    placeholders(vi.get(key)),
                    "{code}: {key} has other placeholders than vi.toml"
                );
            }
        }
    }

    fn placeholders(text: &str) -> std::collections::BTreeSet<String> {
        text.split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(p, _)| p.to_owned()))
            .filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect()
    }

    #[test]
    fn an_unknown_language_falls_back_to_vietnamese() {
        assert_eq!(interface_lang("jra"), "vi");
        assert_eq!(interface_lang("en"), "en");
        assert_eq!(
            for_lang("jra").get("site.name"),
            for_lang("vi").get("site.name")
        );
    }

    #[test]
    fn a_missing_key_shows_itself() {
        let t = Translations::parse("[a]\nb = \"c\"").expect("parses");
        assert_eq!(t.get("a.b"), "c");
        assert_eq!(t.get("x.y"), "x.y");
    }
}
