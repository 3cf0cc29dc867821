//! Returning commenters (`trust_returning`): a reader whose earlier comment was approved
//! may be published at once, if they prove that they wrote it. The proof is a cookie that
//! the server signs with the client key when it stores their comment, naming that comment;
//! when they comment again with the same email address, the store checks that the named
//! comment is approved and from that address.
//!
//! Trusting a name and an email address alone would let anyone who knows both (names are
//! public; many emails are guessable) publish as that person, and learn that the guess was
//! right. A signed cookie is something only the commenter's own browser holds.
use crate::client_key::ClientKey;

/// The cookie's name. It holds `{comment id}.{tag}`: nothing private.
pub const RETURNING_COOKIE: &str = "smp_returning";
/// How long a browser keeps it: a year, renewed with every comment.
pub const RETURNING_COOKIE_DAYS: i64 = 365;

const PURPOSE: &str = "returning-commenter";
const TAG_BYTES: usize = 16;

/// The cookie value for a stored comment.
pub fn returning_token(key: &ClientKey, comment_id: i64) -> String {
    let tag = key.tag(PURPOSE, comment_id.to_string().as_bytes());
    let hex: String = tag[..TAG_BYTES]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{comment_id}.{hex}")
}

/// The comment a genuine cookie value names; `None` for anything else.
pub fn verify_returning(key: &ClientKey, value: &str) -> Option<i64> {
    let (id, _) = value.split_once('.')?;
    let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
    let expected = returning_token(key, id);
    // Compared in constant time: a mismatch says nothing about how much matched.
    let same = expected.len() == value.len()
        && expected
            .bytes()
            .zip(value.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_genuine_token_names_its_comment() {
        let key = ClientKey::from_bytes([3; 32]);
        let token = returning_token(&key, 42);
        assert_eq!(verify_returning(&key, &token), Some(42));
        assert_eq!(
            verify_returning(&ClientKey::from_bytes([4; 32]), &token),
            None,
            "another key"
        );
        let forged = token.replacen("42.", "43.", 1);
        assert_eq!(verify_returning(&key, &forged), None, "another comment");
        for junk in ["", "42", "42.", "x.y", "-1.00", &token[..token.len() - 1]] {
            assert_eq!(verify_returning(&key, junk), None, "{junk:?}");
        }
    }
}
