//! The client key: a secret kept outside the database, in a file of its own, that keys
//! every hash which must not be reversible from a copy of the database (the client hash
//! of a comment's network address, the sign-in throttle's account key) and signs the
//! returning-commenter cookie.
//!
//! A salt stored in the same database as the hashes protects nothing: IPv4 has only four
//! billion addresses, so whoever holds a copy can hash them all in minutes. With the key in
//! a file of its own (mode 0600, outside the database and its backups), a copy of the
//! database alone does not give the addresses back. Rotation: stop the server, replace
//! the file (or delete it, for SQLite, and a new one is made), start it; comments from
//! before no longer share a hash with new ones, and every hash is cleared after
//! `client_hash_days` anyway (docs/SECURITY.md).
use std::io::Write as _;
use std::net::{IpAddr, Ipv6Addr};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of key; the file holds them hex-encoded.
const KEY_BYTES: usize = 32;

#[derive(Clone)]
pub struct ClientKey {
    key: [u8; KEY_BYTES],
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKey(..)")
    }
}

impl ClientKey {
    /// Reads the key file, or creates it (with a fresh random key, readable by this user
    /// only) when `create` is set and it does not exist yet.
    pub fn load(path: &Path, create: bool) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(text.trim())
                .with_context(|| format!("the client key file {} is not valid", path.display())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && create => Self::create(path),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!(
                "the client key file {} does not exist: create it with 64 random hex digits \
                 (for example `openssl rand -hex 32 > {}`), the same file on every instance",
                path.display(),
                path.display()
            ),
            Err(err) => Err(err)
                .with_context(|| format!("cannot read the client key file {}", path.display())),
        }
    }

    fn parse(hex: &str) -> anyhow::Result<Self> {
        if hex.len() != KEY_BYTES * 2 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("it must hold {} hex digits", KEY_BYTES * 2);
        }
        let mut key = [0u8; KEY_BYTES];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)?;
        }
        Ok(Self { key })
    }

    fn create(path: &Path) -> anyhow::Result<Self> {
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key)
            .map_err(|err| anyhow::anyhow!("no randomness for a key: {err}"))?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the folder {}", parent.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let written = options.open(path).and_then(|mut file| {
            file.write_all(format!("{hex}\n").as_bytes())?;
            file.sync_all()
        });
        match written {
            Ok(()) => {
                tracing::info!("created the client key file {}", path.display());
                Ok(Self { key })
            }
            // Another process made it first: use theirs.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path, false),
            Err(err) => Err(err)
                .with_context(|| format!("cannot create the client key file {}", path.display())),
        }
    }

    /// A key for tests and tools that need no file.
    pub fn from_bytes(key: [u8; KEY_BYTES]) -> Self {
        Self { key }
    }

    /// The tag of `data` for one `purpose`, so that a tag made for one use is never
    /// accepted for another.
    pub fn tag(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(b"\n");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The client hash of a network address: lets moderators see that two comments came
    /// from the same client, without the address. IPv6 clients are one /64 network, as
    /// one household or one server usually holds a whole /64.
    pub fn client_hash(&self, address: IpAddr) -> String {
        let network = client_network(address);
        hex(&self.tag("client", network.to_string().as_bytes())[..12])
    }

    /// The sign-in throttle's key for a typed username: a keyed hash, so that nothing a
    /// person types into the username box (a password, by mistake) is ever stored.
    pub fn account_key(&self, username: &str) -> String {
        let folded = caseless::default_case_fold_str(username.trim());
        hex(&self.tag("sign-in", folded.as_bytes())[..16])
    }
}

/// The network a client address stands for: itself for IPv4, its /64 for IPv6 (IPv4
/// mapped into IPv6 counts as IPv4).
pub fn client_network(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            IpAddr::V6(Ipv6Addr::new(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                0,
                0,
                0,
                0,
            ))
        }
    }
}

/// Where the client key lives when the configuration names no file: beside the SQLite
/// database (`data/smp-guide.db` -> `data/smp-guide.db.key`). PostgreSQL has no file of
/// its own, and several instances must share one key, so there it must be configured.
pub fn default_path(database_file: &Path) -> PathBuf {
    let mut name = database_file.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_created_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/smp.key");
        let first = ClientKey::load(&path, true).unwrap();
        let again = ClientKey::load(&path, true).unwrap();
        assert_eq!(first.key, again.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only its owner may read it: {mode:o}");
        }
        assert!(ClientKey::load(&dir.path().join("missing.key"), false).is_err());
        std::fs::write(&path, "not hex\n").unwrap();
        let message = format!("{:#}", ClientKey::load(&path, true).unwrap_err());
        assert!(message.contains("64 hex digits"), "{message}");
    }

    #[test]
    fn hashes_depend_on_the_key_and_ipv6_clients_are_their_64() {
        let a = ClientKey::from_bytes([1; 32]);
        let b = ClientKey::from_bytes([2; 32]);
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert_ne!(a.client_hash(v4), b.client_hash(v4));
        assert_eq!(a.client_hash(v4).len(), 24);
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:ffff:1:2:3".parse().unwrap();
        let next_net: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(a.client_hash(one), a.client_hash(other));
        assert_ne!(a.client_hash(one), a.client_hash(next_net));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(a.client_hash(mapped), a.client_hash(v4));
    }

    #[test]
    fn account_keys_ignore_case_and_hide_what_was_typed() {
        let key = ClientKey::from_bytes([7; 32]);
        assert_eq!(key.account_key("Alice"), key.account_key(" alice "));
        assert_ne!(key.account_key("alice"), key.account_key("bob"));
        assert!(!key.account_key("hunter2-password").contains("hunter2"));
        assert_ne!(key.tag("a", b"x"), key.tag("b", b"x"), "purposes differ");
    }
}
