//! Signed, expiring links that let a reader see their own pending comment, and nobody else.
//!
//! The token is `ID.EXPIRES.SIGNATURE` where the signature is an HMAC-SHA256 over the id and
//! expiry with a secret kept in the database (shared by every instance, stable across
//! restarts). Guessing another reader's token means forging the HMAC.
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a reader may see their own pending comment.
pub const PREVIEW_LIFETIME_SECS: i64 = 10 * 60;

#[derive(Clone)]
pub struct PreviewSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for PreviewSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreviewSigner(..)")
    }
}

impl PreviewSigner {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn signature(&self, id: i64, expires: i64) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any size");
        mac.update(format!("pending-comment:{id}:{expires}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A token for comment `id`, valid until `now + 10 minutes`.
    pub fn token(&self, id: i64, now: i64) -> String {
        let expires = now + PREVIEW_LIFETIME_SECS;
        format!("{id}.{expires}.{}", self.signature(id, expires))
    }

    /// The comment id, if the token is genuine and not expired.
    pub fn verify(&self, token: &str, now: i64) -> Option<i64> {
        let mut parts = token.splitn(3, '.');
        let id: i64 = parts.next()?.parse().ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        let signature = parts.next()?;
        let expected = self.signature(id, expires);
        let genuine = signature.len() == expected.len()
            && signature
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        (genuine && now <= expires).then_some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_only_their_own_comment_and_only_for_ten_minutes() {
        let signer = PreviewSigner::new(b"secret".to_vec());
        let token = signer.token(42, 1_000);
        assert_eq!(signer.verify(&token, 1_000), Some(42));
        assert_eq!(
            signer.verify(&token, 1_000 + PREVIEW_LIFETIME_SECS),
            Some(42)
        );
        assert_eq!(
            signer.verify(&token, 1_001 + PREVIEW_LIFETIME_SECS),
            None,
            "expired"
        );
        let forged = token.replacen("42.", "43.", 1);
        assert_eq!(signer.verify(&forged, 1_000), None, "another id");
        let extended = token.replacen("1600", "9600", 1);
        assert_eq!(signer.verify(&extended, 1_000), None, "a later expiry");
        assert_eq!(
            PreviewSigner::new(b"other".to_vec()).verify(&token, 1_000),
            None
        );
        for junk in ["", "1", "1.2", "a.b.c", "1.2.zz"] {
            assert_eq!(signer.verify(junk, 0), None, "{junk}");
        }
    }
}
