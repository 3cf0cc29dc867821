//! Signed links in moderators' email: one per action (approve, spam, trash) on each waiting
//! comment. A link is `ID.ACTION.EXPIRES.NONCE.SIGNATURE`, the signature an HMAC-SHA256
//! over the rest with a key kept in the database (`email-action-key`, shared by every
//! instance). A link only opens a confirmation page; the action needs a signed-in
//! moderator and happens on a POST, and the nonce, shared by the three links of one
//! comment in one email, is recorded when used, so that the links work once.
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::Action;

/// How long links stay valid unless `[notify] link_days` says otherwise.
pub const DEFAULT_LINK_DAYS: u32 = 7;

/// The actions an email offers.
pub const EMAIL_ACTIONS: [Action; 3] = [Action::Approve, Action::Spam, Action::Trash];

/// Signs and checks email action links. Shared, not copied: every request clones the
/// application state that holds it.
#[derive(Clone)]
pub struct EmailLinks {
    key: Arc<[u8]>,
}

impl std::fmt::Debug for EmailLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailLinks(..)")
    }
}

/// A genuine link, not yet known to be unused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailLink {
    pub comment_id: i64,
    pub action: Action,
    pub expires: i64,
    pub nonce: String,
}

/// Why a link does not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkProblem {
    /// Not a link this site made (or changed on the way).
    Invalid,
    /// Genuine, but too old.
    Expired { expired_at: i64 },
}

impl EmailLinks {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key: key.into() }
    }

    fn signature(&self, id: i64, action: Action, expires: i64, nonce: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any size");
        mac.update(format!("email-action:{id}:{action}:{expires}:{nonce}").as_bytes());
        hex(&mac.finalize().into_bytes()[..16])
    }

    /// A link's token for `action` on comment `id`, valid until `expires`.
    pub fn token(&self, id: i64, action: Action, expires: i64, nonce: &str) -> String {
        let signature = self.signature(id, action, expires, nonce);
        format!("{id}.{action}.{expires}.{nonce}.{signature}")
    }

    /// The link a token stands for, if genuine and not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<EmailLink, LinkProblem> {
        let parts: Vec<&str> = token.split('.').collect();
        let [id, action, expires, nonce, signature] = parts[..] else {
            return Err(LinkProblem::Invalid);
        };
        let id: i64 = id.parse().map_err(|_| LinkProblem::Invalid)?;
        let action = Action::parse(action)
            .filter(|a| EMAIL_ACTIONS.contains(a))
            .ok_or(LinkProblem::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| LinkProblem::Invalid)?;
        if nonce.is_empty() || nonce.len() > 64 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(LinkProblem::Invalid);
        }
        let expected = self.signature(id, action, expires, nonce);
        let genuine = signature.len() == expected.len()
            && signature
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !genuine {
            return Err(LinkProblem::Invalid);
        }
        if now > expires {
            return Err(LinkProblem::Expired {
                expired_at: expires,
            });
        }
        Ok(EmailLink {
            comment_id: id,
            action,
            expires,
            nonce: nonce.to_owned(),
        })
    }
}

/// 64 random bits, hex: one per comment per email.
pub fn new_nonce() -> anyhow::Result<String> {
    random_hex::<8>()
}

/// `N` random bytes from the operating system, hex.
pub(super) fn random_hex<const N: usize>() -> anyhow::Result<String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
    Ok(hex(&bytes))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_only_as_signed_and_only_until_they_expire() {
        let links = EmailLinks::new(b"key".to_vec());
        let token = links.token(12, Action::Approve, 1_000, "00ff");
        let link = links.verify(&token, 1_000).unwrap();
        assert_eq!((link.comment_id, link.action), (12, Action::Approve));
        assert_eq!(
            links.verify(&token, 1_001),
            Err(LinkProblem::Expired { expired_at: 1_000 })
        );
        for forged in [
            token.replacen("12.", "13.", 1),
            token.replacen("approve", "trash", 1),
            token.replacen("1000", "9000", 1),
            token.replacen("00ff", "00fe", 1),
            links.token(12, Action::Delete, 1_000, "00ff"),
        ] {
            assert_eq!(
                links.verify(&forged, 0),
                Err(LinkProblem::Invalid),
                "{forged}"
            );
        }
        assert_eq!(
            EmailLinks::new(b"other".to_vec()).verify(&token, 0),
            Err(LinkProblem::Invalid)
        );
        for junk in [
            "",
            "1.approve",
            "a.b.c.d.e",
            "1.approve.2.zz.00",
            "1.approve.2..00",
        ] {
            assert_eq!(links.verify(junk, 0), Err(LinkProblem::Invalid), "{junk}");
        }
    }
}
