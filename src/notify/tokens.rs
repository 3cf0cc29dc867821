//! The tokens in the links of readers' email (confirm, unsubscribe): 256 random bits as
//! hex. A token exists only in the email that carries it; the database keeps its SHA-256,
//! so that a copy of the database cannot confirm or end anyone's subscription.
use sha2::{Digest, Sha256};

use super::links::{hex, random_hex};

/// A token's length in hex digits.
pub const TOKEN_LEN: usize = 64;

/// A new token, for one link in one email.
pub fn new_token() -> anyhow::Result<String> {
    random_hex::<32>()
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `text` has a token's shape (so that junk is refused before any lookup).
pub fn is_token(text: &str) -> bool {
    text.len() == TOKEN_LEN && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_stored_only_as_hashes() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert!(is_token(&a) && is_token(&b));
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash(&a).len(), 64);
        for junk in [
            "",
            "abc",
            &a.to_uppercase(),
            &format!("{a}0"),
            &a.replace(&a[..1], "g"),
        ] {
            assert!(!is_token(junk), "{junk}");
        }
    }
}
