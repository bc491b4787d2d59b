//! Session tokens: HS256 JWTs with issuer, audience, expiry and algorithm checked on every use.
//! The token names the user and the server-side session (`sid`, a row of `sessions`); roles and
//! the session's state are read from the database on each request, so a role change, a deleted
//! account or a session ended by signing out takes effect at once.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::SessionKeys;

pub const ISSUER: &str = "hocvuso";
pub const AUDIENCE: &str = "hocvuso-session";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The session this token belongs to.
    pub sid: String,
}

pub struct Issued {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// A new session id: 128 random bits, hex.
pub fn new_session_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn issue(
    keys: &SessionKeys,
    user_id: i64,
    sid: &str,
    now: OffsetDateTime,
    minutes: i64,
) -> Result<Issued, jsonwebtoken::errors::Error> {
    let expires_at = now + time::Duration::minutes(minutes);
    let claims = Claims {
        sub: user_id.to_string(),
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now.unix_timestamp(),
        exp: expires_at.unix_timestamp(),
        sid: sid.to_owned(),
    };
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(keys.secret()),
    )?;
    Ok(Issued { token, expires_at })
}

/// The user id a valid token names, with its claims; None for any invalid token.
pub fn verify(keys: &SessionKeys, token: &str, now: OffsetDateTime) -> Option<(i64, Claims)> {
    let mut v = Validation::new(Algorithm::HS256);
    v.set_issuer(&[ISSUER]);
    v.set_audience(&[AUDIENCE]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    // A token without `sid` (issued before sessions were kept) fails to decode: its holder
    // signs in again once.
    // Expiry is checked against our clock below, not the library's, so tests can fix time.
    v.validate_exp = false;
    v.leeway = 0;
    let data = decode::<Claims>(token, &DecodingKey::from_secret(keys.secret()), &v).ok()?;
    if data.claims.exp <= now.unix_timestamp() || data.claims.sid.is_empty() {
        return None;
    }
    let id = data.claims.sub.parse().ok()?;
    Some((id, data.claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_fresh_token_names_its_user() -> Result<(), jsonwebtoken::errors::Error> {
        let keys = SessionKeys::from_secret(&[7; 32]);
        let now = datetime!(2026-01-01 10:00 UTC);
        let t = issue(&keys, 42, "s1", now, 60)?;
        assert_eq!(
            verify(&keys, &t.token, now).map(|(id, c)| (id, c.sid)),
            Some((42, "s1".to_owned()))
        );
        Ok(())
    }

    #[test]
    fn expired_or_foreign_tokens_are_refused() -> Result<(), jsonwebtoken::errors::Error> {
        let keys = SessionKeys::from_secret(&[7; 32]);
        let other = SessionKeys::from_secret(&[8; 32]);
        let now = datetime!(2026-01-01 10:00 UTC);
        let t = issue(&keys, 42, "s1", now, 60)?;
        assert!(verify(&keys, &t.token, now + time::Duration::minutes(61)).is_none());
        assert!(verify(&other, &t.token, now).is_none());
        Ok(())
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let keys = SessionKeys::from_secret(&[7; 32]);
        // {"alg":"none"} header with a valid-looking payload.
        let token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI0MiIsImlzcyI6ImhvY3Z1c28iLCJhdWQiOiJob2N2dXNvLXNlc3Npb24iLCJpYXQiOjAsImV4cCI6OTk5OTk5OTk5OX0.";
        assert!(verify(&keys, token, datetime!(2026-01-01 10:00 UTC)).is_none());
    }
}
