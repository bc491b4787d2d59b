//! What a password and a display name must be.
//!
//! Passwords (NIST SP 800-63B §5.1.1.2): at least 8 characters, at most 1024 bytes, not only
//! spaces, not the username (nor the username with a few characters added), and not on the list
//! of common passwords shipped in `crates/server/data/` (the most common passwords of leaked
//! lists, and ones common in Vietnam; `SOURCES.md` there says where they come from). No rules
//! about character classes: a long phrase a person can remember is what we want.
//!
//! Display names are printed on certificates: NFC, trimmed, runs of white space made one
//! space, at most 120 characters, and refused when they hold control characters, bidirectional
//! controls (U+202A–U+202E, U+2066–U+2069, marks) or invisible characters (zero-width, soft
//! hyphen, fillers, variation selectors, tags), which could make a printed name read otherwise
//! than it is stored.

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::error::AppError;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_BYTES: usize = 1024;
pub const MAX_DISPLAY_NAME_CHARS: usize = 120;

const COMMON: &str = include_str!("../../data/common-passwords.txt");
const COMMON_VI: &str = include_str!("../../data/common-passwords-vi.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .chain(COMMON_VI.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `password` is on the shipped list of common passwords (letter case ignored).
pub fn is_common(password: &str) -> bool {
    common().contains(password.trim().to_lowercase().as_str())
}

/// Checks a new password for the account `username`; the first problem found, with its key.
pub fn check_password(password: &str, username: &str) -> Result<(), AppError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::unprocessable("password_too_short"));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::unprocessable("password_too_long"));
    }
    if password.trim().is_empty() {
        return Err(AppError::unprocessable("password_blank"));
    }
    let lower = password.trim().to_lowercase();
    let user = username.trim().to_lowercase();
    // The username itself, or the username with a short prefix or suffix ("ba.lan123").
    if !user.is_empty() && lower.contains(&user) && lower.chars().count() < user.chars().count() + 4
    {
        return Err(AppError::unprocessable("password_is_username"));
    }
    if is_common(&lower) {
        return Err(AppError::unprocessable("password_common"));
    }
    Ok(())
}

/// Characters that change how text is laid out or hide in it.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                    // soft hyphen
        | '\u{034F}'                  // combining grapheme joiner
        | '\u{061C}'                  // Arabic letter mark
        | '\u{115F}' | '\u{1160}'     // Hangul fillers
        | '\u{17B4}' | '\u{17B5}'     // Khmer inherent vowels
        | '\u{180B}'..='\u{180F}'     // Mongolian selectors and separator
        | '\u{200B}'..='\u{200F}'     // zero-width space, joiners, LRM, RLM
        | '\u{2028}' | '\u{2029}'     // line and paragraph separators
        | '\u{202A}'..='\u{202E}'     // bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'     // word joiner, invisible operators, bidi isolates
        | '\u{3164}' | '\u{FFA0}'     // Hangul fillers
        | '\u{FE00}'..='\u{FE0F}'     // variation selectors
        | '\u{FEFF}'                  // zero-width no-break space
        | '\u{FFF0}'..='\u{FFFB}'     // specials, interlinear annotation
        | '\u{E0000}'..='\u{E0FFF}'   // tags, variation selectors supplement
    )
}

/// The display name as it will be stored and printed, or why it cannot be.
pub fn display_name(raw: &str) -> Result<String, AppError> {
    let nfc: String = raw.nfc().collect();
    // Control characters include tabs and line breaks: a name is one line.
    if nfc.chars().any(|c| c.is_control() || invisible(c)) {
        return Err(AppError::unprocessable("display_name_invisible"));
    }
    let name = nfc.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = name.chars().count();
    if len == 0 || len > MAX_DISPLAY_NAME_CHARS {
        return Err(AppError::unprocessable("invalid_display_name"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_hold_the_passwords_people_use_most() {
        for p in [
            "12345678",
            "iloveyou",
            "password",
            "matkhau123",
            "anhyeuem",
            "Matkhau123",
        ] {
            assert!(is_common(p), "{p}");
        }
        assert!(!is_common("ba con mèo trèo cây cau"));
    }

    #[test]
    fn a_name_is_tidied_and_invisible_characters_are_refused() {
        assert_eq!(
            display_name("  Nguye\u{0302}\u{0303}n   Văn\u{00A0}An ")
                .ok()
                .as_deref(),
            Some("Nguyễn Văn An")
        );
        for bad in [
            "An\u{202E}nA",
            "A\u{200B}n",
            "An\u{2066}",
            "A\u{0007}n",
            "A\nn",
        ] {
            assert!(display_name(bad).is_err(), "{bad:?}");
        }
    }
}
