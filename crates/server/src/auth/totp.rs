//! Two-factor sign-in with an authenticator app: time-based one-time passwords (RFC 6238,
//! HMAC-SHA-1, 6 digits, 30-second steps, one step of clock drift either way) computed by the
//! `totp-rs` crate; single-use recovery codes kept as SHA-256; and the short-lived, signed
//! "password was right" ticket that carries a sign-in from the password to the code.

use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle_eq::eq as ct_eq;
use totp_rs::{Algorithm, Secret, TOTP};

use super::keys::SessionKeys;

/// Seconds per code (RFC 6238's default, what every authenticator app uses).
pub const STEP: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// How many recovery codes are issued at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// How long the ticket between the password and the code lasts.
pub const TICKET_SECONDS: i64 = 300;

mod subtle_eq {
    /// Constant-time equality of two byte strings of the same length.
    pub fn eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// A new shared secret: 160 random bits (RFC 4226's recommended length), base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_b32: &str) -> Option<TOTP> {
    let raw = Secret::Encoded(secret_b32.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP, raw).ok()
}

/// The code for a Unix time (what the phone shows then).
pub fn code_at(secret_b32: &str, unix: u64) -> Option<String> {
    totp(secret_b32).map(|t| t.generate(unix))
}

/// The time step a typed code matches (now, or one step before or after), if any. Spaces the
/// person typed are ignored.
pub fn matching_step(secret_b32: &str, typed: &str, unix: u64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32)?;
    let now = unix / STEP;
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        // Every candidate is computed and compared, so the time taken says nothing.
        if ct_eq(t.generate(step * STEP).as_bytes(), typed.as_bytes()) {
            found = i64::try_from(step).ok();
        }
    }
    found
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(secret_b32: &str, issuer: &str, account: &str) -> String {
    let enc = |s: &str| -> String {
        form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The QR code of `uri`, as inline SVG.
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

/// New recovery codes, `xxxx-xxxx` from an alphabet without look-alike characters.
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut s = String::with_capacity(9);
            for i in 0..8 {
                if i == 4 {
                    s.push('-');
                }
                s.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
            }
            s
        })
        .collect()
}

/// What is stored of a recovery code: SHA-256 of its letters and digits, lower case (the
/// codes carry 40 bits of randomness each and work once, so a fast hash is enough).
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(norm.as_bytes()))
}

/// Constant-time equality of two hashes.
pub fn same(a: &str, b: &str) -> bool {
    ct_eq(a.as_bytes(), b.as_bytes())
}

/// Whether what was typed looks like a recovery code rather than a six-digit code.
pub fn looks_like_recovery(typed: &str) -> bool {
    typed.chars().filter(char::is_ascii_alphanumeric).count() == 8
        && typed.chars().any(|c| c.is_ascii_alphabetic())
}

/// A ticket saying the password of `user_id` was right, valid until `expires` (Unix time):
/// `user.expires.nonce.tag`, the tag a keyed hash of the rest.
pub fn ticket(keys: &SessionKeys, user_id: i64, expires: i64) -> String {
    let mut nonce = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    let body = format!("{user_id}.{expires}.{}", hex::encode(nonce));
    let tag = keys.keyed_hash("totp-ticket", &body);
    format!("{body}.{tag}")
}

/// The account a ticket names, if it is genuine and not expired at `now` (Unix time).
pub fn check_ticket(keys: &SessionKeys, ticket: &str, now: i64) -> Option<i64> {
    let (body, tag) = ticket.rsplit_once('.')?;
    let expected = keys.keyed_hash("totp-ticket", body);
    if !ct_eq(expected.as_bytes(), tag.as_bytes()) {
        return None;
    }
    let mut parts = body.split('.');
    let user_id: i64 = parts.next()?.parse().ok()?;
    let expires: i64 = parts.next()?.parse().ok()?;
    (now < expires).then_some(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 key "12345678901234567890" at T = 59 s gives
    /// 94287082 (8 digits); its last six are the 6-digit code.
    #[test]
    fn rfc_6238_test_vector() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(&secret, 1_111_111_109).as_deref(), Some("081804"));
        assert_eq!(matching_step(&secret, "287 082", 59), Some(1));
        assert_eq!(matching_step(&secret, "287082", 59 + 3 * 30), None);
    }

    #[test]
    fn a_ticket_is_refused_when_changed_or_late() {
        let keys = SessionKeys::random();
        let t = ticket(&keys, 7, 1000);
        assert_eq!(check_ticket(&keys, &t, 999), Some(7));
        assert_eq!(check_ticket(&keys, &t, 1000), None);
        assert_eq!(check_ticket(&keys, &t.replacen('7', "8", 1), 999), None);
        assert_eq!(check_ticket(&SessionKeys::random(), &t, 999), None);
    }

    #[test]
    fn recovery_codes_are_matched_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let c = &codes[0];
        assert!(looks_like_recovery(c));
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
    }
}
