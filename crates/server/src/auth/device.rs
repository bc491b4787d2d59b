//! Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): after a
//! successful sign-in the browser gets a cookie that says "this browser signed in as this
//! account before". Sign-in attempts that carry one for the account they name are counted
//! apart from everyone else's, so a stranger hammering an account, or a neighbour on the same
//! ward Wi-Fi, cannot lock its owner out of a browser the owner used before.
//!
//! The cookie holds up to `MAX_ENTRIES` entries (a family shares one phone), each a random
//! nonce and an HMAC-SHA-256 tag over the account's username key and the nonce with the session
//! secret. No username is in it: an entry is recognised only when the sign-in names the same
//! account. An entry that collects too many failures is no longer trusted (`throttle`).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::keys::SessionKeys;

pub const DEVICE_COOKIE: &str = "hvs_device";
const MAX_ENTRIES: usize = 4;
const NONCE_HEX: usize = 32;
const TAG_HEX: usize = 32;
/// A device stays known for half a year after its last sign-in.
const LIFETIME_DAYS: i64 = 183;

/// A device entry that matches the account being signed in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The nonce, hex; throttling keys are derived from it.
    pub nonce: String,
}

fn tag(keys: &SessionKeys, username: &str, nonce: &str) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(keys.secret()).ok()?;
    mac.update(b"device-cookie\0");
    mac.update(username.to_lowercase().as_bytes());
    mac.update(b"\0");
    mac.update(nonce.as_bytes());
    let full = hex::encode(mac.finalize().into_bytes());
    Some(full[..TAG_HEX].to_owned())
}

fn entries(req: &HttpRequest) -> Vec<(String, String)> {
    let Some(c) = req.cookie(DEVICE_COOKIE) else {
        return Vec::new();
    };
    c.value()
        .split('.')
        .take(MAX_ENTRIES)
        .filter(|e| e.len() == NONCE_HEX + TAG_HEX && e.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|e| (e[..NONCE_HEX].to_owned(), e[NONCE_HEX..].to_owned()))
        .collect()
}

fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The request's device entry for `username`, if it carries a genuine one.
pub fn recognise(req: &HttpRequest, keys: &SessionKeys, username: &str) -> Option<Device> {
    entries(req).into_iter().find_map(|(nonce, t)| {
        let expected = tag(keys, username, &nonce)?;
        equal(&expected, &t).then_some(Device { nonce })
    })
}

/// The cookie to set after `username` signed in: their entry first (the existing one, or a new
/// one), then the browser's other entries, at most `MAX_ENTRIES` in all.
pub fn cookie_after_sign_in(
    req: &HttpRequest,
    keys: &SessionKeys,
    username: &str,
    secure: bool,
) -> Option<Cookie<'static>> {
    let mine = match recognise(req, keys, username) {
        Some(d) => d.nonce,
        None => {
            let mut bytes = [0u8; NONCE_HEX / 2];
            rand::thread_rng().fill_bytes(&mut bytes);
            hex::encode(bytes)
        }
    };
    let mut list = vec![format!("{mine}{}", tag(keys, username, &mine)?)];
    list.extend(
        entries(req)
            .into_iter()
            .filter(|(n, _)| *n != mine)
            .map(|(n, t)| format!("{n}{t}"))
            .take(MAX_ENTRIES - 1),
    );
    Some(
        Cookie::build(DEVICE_COOKIE, list.join("."))
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Strict)
            .max_age(time::Duration::days(LIFETIME_DAYS))
            .finish(),
    )
}
