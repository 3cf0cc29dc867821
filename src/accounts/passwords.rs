//! Password hashing with Argon2id (the `argon2` crate's recommended parameters).
use std::sync::LazyLock;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

/// Shortest password `moderator add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|err| anyhow::anyhow!("no randomness for a salt: {err}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|err| anyhow::anyhow!("salt: {err}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("hashing a password: {err}"))
}

/// Checks a password against a stored hash. Without a stored hash (unknown user) it checks
/// against a dummy, so that both cases take the same time and reveal nothing.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    verify_password_in(&mut Vec::new(), password, stored)
}

/// Like [`verify_password`], with Argon2's working memory (about 19 MiB with the default
/// parameters) kept in `memory` and reused from one check to the next. A fresh block of
/// that size per check would be freed into whichever allocator arena the thread happened
/// to use, and under many sign-ins at once every arena ended up holding its own.
pub fn verify_password_in(memory: &mut Vec<Block>, password: &str, stored: Option<&str>) -> bool {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash_password("not a real password, only for timing").unwrap_or_default());
    let (hash, real) = match stored {
        Some(hash) => (hash, true),
        None => (DUMMY.as_str(), false),
    };
    matches_hash(memory, password, hash).unwrap_or(false) && real
}

/// Recomputes the hash of `password` with the stored hash's own algorithm, version,
/// parameters and salt, and compares the outputs in constant time.
fn matches_hash(memory: &mut Vec<Block>, password: &str, hash: &str) -> Option<bool> {
    let parsed = PasswordHash::new(hash).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
        .ok()?;
    let params = Params::try_from(&parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
    memory.resize(params.block_count(), Block::default());
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(expected.len(), |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .ok()?;
    // `Output` compares in constant time.
    Some(computed == expected)
}

/// Refuses passwords too short to resist guessing.
pub fn check_strength(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters (it has {chars})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("wrong horse battery", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
        assert!(!verify_password("x", Some("not a hash")));
        // One working memory, reused across checks, gives the same answers.
        let mut memory = Vec::new();
        for _ in 0..2 {
            assert!(verify_password_in(
                &mut memory,
                "correct horse battery",
                Some(&hash)
            ));
            assert!(!verify_password_in(
                &mut memory,
                "wrong horse battery",
                Some(&hash)
            ));
        }
        assert_eq!(memory.len(), Params::default().block_count());
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("elevenchars").is_err());
        assert!(check_strength("twelve chars").is_ok());
    }
}
