//! Translations. User-facing text lives in `web/locales/<lang>.toml` (nested tables, flattened
//! to dotted keys), never in Rust. Vietnamese is the first and, for now, only language; a
//! missing key shows the key itself so it is noticed, not hidden.

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Translations {
    messages: HashMap<String, String>,
}

const VI: &str = include_str!("../../../web/locales/vi.toml");

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
    fn a_missing_key_shows_itself() {
        let t = Translations::parse("[a]\nb = \"c\"").expect("parses");
        assert_eq!(t.get("a.b"), "c");
        assert_eq!(t.get("x.y"), "x.y");
    }
}
