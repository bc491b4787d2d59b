//! The small shared types the modules speak: where the platform lives, who the learner is (without
//! saying it), and what was achieved.

use std::fmt;

use rand::Rng;

use crate::{CertificateId, Error};

/// The platform's public base URL (`HOCVUSO_PUBLIC_URL`), checked once. Every URL a credential,
/// a PDF or an xAPI statement carries is built here, so this list is also the list of routes the
/// server serves for those URLs to resolve:
///
/// | method | URL | what the server answers |
/// |---|---|---|
/// | [`issuer_id`](Self::issuer_id) | `/issuer` | the issuer `Profile` ([`crate::openbadges::issuer_profile`]) |
/// | [`verify_url`](Self::verify_url) | `/verify/{certificate id}` | the public verification page; also the credential's `id` (`jti`) |
/// | [`jwks_url`](Self::jwks_url) | `/.well-known/jwks.json` | [`crate::KeyRing::jwks`] |
/// | [`key_url`](Self::key_url) | `/keys/{thumbprint}` | one bare JWK ([`crate::KeyRing::jwk`]); the JWT header's `kid` |
/// | [`achievement_url`](Self::achievement_url) | `/courses/{id}`, `/paths/{group id}` | the course page; the group's path |
/// | [`competence_url`](Self::competence_url) | `/framework/competences/{code}` | (identifier; a framework page may serve it) |
/// | [`level_url`](Self::level_url) | `/framework/levels/{n}` | (identifier) |
/// | [`quiz_url`](Self::quiz_url) | `/courses/{course}/quizzes/{quiz}` | (xAPI activity id) |
/// | [`status_list_url`](Self::status_list_url) | `/credentials/status/{n}` | the signed revocation list ([`crate::status_list`]) |
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// Accepts `http://` or `https://` URLs without query or fragment; a trailing `/` is dropped.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let trimmed = s.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"));
        let ok = match rest {
            Some(rest) => {
                let host = rest.split('/').next().unwrap_or_default();
                !host.is_empty()
                    && !trimmed
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
            }
            None => false,
        };
        if ok {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(Error::PublicUrl(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn join(&self, parts: &[&str]) -> String {
        let mut url = self.0.clone();
        for part in parts {
            url.push('/');
            url.push_str(&segment(part));
        }
        url
    }

    /// The issuer `Profile` id (and `iss` of every credential).
    pub fn issuer_id(&self) -> String {
        self.join(&["issuer"])
    }

    /// The public verification page of a certificate; also its credential's `id`.
    pub fn verify_url(&self, id: &CertificateId) -> String {
        self.join(&["verify", id.as_str()])
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.0)
    }

    /// A key's `kid`: a URL that dereferences to the public JWK, as Open Badges 3.0 asks.
    pub fn key_url(&self, thumbprint: &str) -> String {
        self.join(&["keys", thumbprint])
    }

    pub fn achievement_url(&self, achievement: &AchievementRef) -> String {
        match achievement.kind {
            AchievementKind::Course => self.join(&["courses", &achievement.id]),
            AchievementKind::Path => self.join(&["paths", &achievement.id]),
        }
    }

    pub fn competence_url(&self, code: &str) -> String {
        self.join(&["framework", "competences", code])
    }

    pub fn level_url(&self, number: u8) -> String {
        self.join(&["framework", "levels", &number.to_string()])
    }

    pub fn quiz_url(&self, course_id: &str, quiz_id: &str) -> String {
        self.join(&["courses", course_id, "quizzes", quiz_id])
    }

    /// The `BitstringStatusListCredential` of list `n` (1, 2, …).
    pub fn status_list_url(&self, n: u32) -> String {
        self.join(&["credentials", "status", &n.to_string()])
    }

    /// The list number at the end of a [`status_list_url`](Self::status_list_url) of any base.
    pub fn status_list_in(url: &str) -> Option<u32> {
        let (base, n) = url.rsplit_once('/')?;
        if !base.ends_with("/credentials/status") || n.starts_with('+') {
            return None;
        }
        n.parse().ok().filter(|&n| n >= 1)
    }

    /// An IRI for one of our xAPI extensions.
    pub fn xapi_extension(&self, name: &str) -> String {
        self.join(&["xapi", "extensions", name])
    }

    /// The certificate id at the end of a [`verify_url`](Self::verify_url) of any base: what a
    /// credential's `jti` names.
    pub fn certificate_id_in(url: &str) -> Option<CertificateId> {
        let (base, id) = url.rsplit_once('/')?;
        base.ends_with("/verify")
            .then(|| CertificateId::parse(id))?
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so a content id can never
/// change the shape of a URL.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An opaque, stable name for a learner in documents that leave the platform (credential
/// subject, xAPI actor): a random UUID kept with the user, never the username or the database
/// id, so a credential or an export cannot be joined back to an account by anyone but us.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LearnerRef(String);

impl LearnerRef {
    /// A random (version 4) UUID.
    pub fn generate(rng: &mut impl Rng) -> Self {
        let mut bytes: [u8; 16] = rng.gen();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(format_uuid(&bytes))
    }

    /// Accepts a hyphenated UUID in either case.
    pub fn parse(s: &str) -> Option<Self> {
        is_uuid(s).then(|| Self(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `urn:uuid:…`, the credential subject's `id` (and the JWT's `sub`).
    pub fn subject_id(&self) -> String {
        format!("urn:uuid:{}", self.0)
    }
}

impl fmt::Display for LearnerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn format_uuid(b: &[u8; 16]) -> String {
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub(crate) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Which kind of thing a learner achieved: a course, or a learner group's whole path (passed by
/// its final quiz).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AchievementKind {
    Course,
    Path,
}

/// A course (`id` = course id) or a group's path (`id` = group id), with its Vietnamese title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AchievementRef {
    pub kind: AchievementKind,
    pub id: String,
    pub title: String,
}

/// A competence of the framework (`code` such as `1.1`, Vietnamese `title` from the content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Competence {
    pub code: String,
    pub title: String,
}

/// A proficiency level (1–8) and how it is shown, e.g. `Bậc 3 – Trung cấp`: the server composes
/// `name` from its translations and the framework's band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub number: u8,
    pub name: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn public_urls_are_checked_and_normalised() {
        let url = PublicUrl::parse(" https://hocvuso.example.vn/ ").unwrap();
        assert_eq!(url.as_str(), "https://hocvuso.example.vn");
        assert_eq!(url.issuer_id(), "https://hocvuso.example.vn/issuer");
        for bad in [
            "ftp://x",
            "https://",
            "https://a b",
            "https://x/?q",
            "x",
            "",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn content_ids_cannot_reshape_urls() {
        let url = PublicUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            url.quiz_url("../a b", "q/1"),
            "http://127.0.0.1:8080/courses/..%2Fa%20b/quizzes/q%2F1"
        );
    }

    #[test]
    fn the_certificate_id_is_read_back_from_a_verify_url() {
        let url = PublicUrl::parse("https://x.vn/sub").unwrap();
        let id = CertificateId::parse("0123456789ABCDEFGHJK").unwrap();
        assert_eq!(PublicUrl::certificate_id_in(&url.verify_url(&id)), Some(id));
        assert_eq!(PublicUrl::certificate_id_in("https://x.vn/keys/abc"), None);
    }

    #[test]
    fn learner_refs_are_version_4_uuids() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let r = LearnerRef::generate(&mut rng);
        assert!(is_uuid(r.as_str()));
        assert_eq!(&r.as_str()[14..15], "4");
        assert_eq!(
            LearnerRef::parse(&r.as_str().to_uppercase()),
            Some(r.clone())
        );
        assert!(r.subject_id().starts_with("urn:uuid:"));
        assert_eq!(LearnerRef::parse("not-a-uuid"), None);
    }
}
