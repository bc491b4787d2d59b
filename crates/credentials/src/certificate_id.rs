//! Certificate ids: 20 characters of Crockford base32 (100 random bits). Upper-case letters and
//! digits keep QR codes small and are easy to read aloud over the phone; the alphabet has no
//! I, L, O or U, so no character can be mistaken for another.

use std::fmt;

use rand::Rng;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LEN: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateId(String);

impl CertificateId {
    pub fn generate(rng: &mut impl Rng) -> Self {
        let id = (0..LEN)
            .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
            .collect();
        Self(id)
    }

    /// Accepts what a person may type: any case, with the easily confused letters mapped the
    /// way Crockford's base32 does (O → 0, I and L → 1).
    pub fn parse(s: &str) -> Option<Self> {
        let normalised: String = s
            .trim()
            .chars()
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        (normalised.len() == LEN && normalised.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CertificateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generated_ids_parse_back() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..100 {
            let id = CertificateId::generate(&mut rng);
            assert_eq!(CertificateId::parse(id.as_str()), Some(id.clone()));
            assert_eq!(CertificateId::parse(&id.as_str().to_lowercase()), Some(id));
        }
    }

    #[test]
    fn two_ids_differ() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_ne!(
            CertificateId::generate(&mut rng),
            CertificateId::generate(&mut rng)
        );
    }

    #[test]
    fn malformed_ids_are_refused() {
        assert_eq!(CertificateId::parse("short"), None);
        assert_eq!(CertificateId::parse("UUUUUUUUUUUUUUUUUUUU"), None);
        assert_eq!(CertificateId::parse("../../../etc/passwd00"), None);
    }
}
