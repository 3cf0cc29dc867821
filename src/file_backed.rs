//! Stored response bodies that the kernel can send without copying them.
//!
//! A stored page is written to the socket with `writev`, which copies every byte of it
//! into the socket's buffers: under load that copy was a fifth of the server's time
//! (docs/PERFORMANCE.md, "Sending stored bodies"), and nginx, which sends files with
//! `sendfile`, does not pay it. So each large stored body is also written once, when it
//! is made, into its own sealed memory file (`memfd_create`, then sealed against any
//! change), and [`stored`] returns `Bytes` whose owner keeps that file. When hyper hands
//! the connection a slice of such bytes, [`find`] names the file and the offset, and the
//! connection sends it with `sendfile` (`server::io`): the kernel passes the file's pages
//! to the socket by reference.
//!
//! The file and the bytes live and die together: the registry entry is made with the
//! owner and removed when the owner drops, which is only once no `Bytes` points into it.
//! So an address found here can never belong to other memory. The file is sealed, so it
//! always holds what the bytes hold. Where memory files do not exist, or one cannot be
//! made, the bytes are plain `Bytes` and are written as before.
use axum::body::Bytes;

/// Bodies smaller than this are cheaper to copy than to send with a second system call.
pub const MIN_FILE_BACKED_BYTES: usize = 8 * 1024;

/// `bytes` as a body, backed by a sealed memory file when it is large enough to gain.
pub fn stored(bytes: Vec<u8>) -> Bytes {
    if bytes.len() < MIN_FILE_BACKED_BYTES {
        return Bytes::from(bytes);
    }
    imp::stored(bytes)
}

#[cfg(target_os = "linux")]
pub use imp::{SendFrom, find};

#[cfg(target_os = "linux")]
mod imp {
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::os::fd::OwnedFd;
    use std::sync::{Arc, PoisonError, RwLock};

    use axum::body::Bytes;
    use rustix::fs::{MemfdFlags, SealFlags};

    /// Where a slice of stored bytes lies in its memory file.
    #[derive(Debug, Clone)]
    pub struct SendFrom {
        pub file: Arc<OwnedFd>,
        pub offset: u64,
    }

    struct Entry {
        end: usize,
        file: Arc<OwnedFd>,
    }

    /// Stored bodies by the address of their first byte.
    static REGISTRY: RwLock<BTreeMap<usize, Entry>> = RwLock::new(BTreeMap::new());

    /// The owner of a file-backed body: the bytes, and the file that holds a copy.
    struct Owner {
        bytes: Vec<u8>,
    }

    impl AsRef<[u8]> for Owner {
        fn as_ref(&self) -> &[u8] {
            &self.bytes
        }
    }

    impl Drop for Owner {
        fn drop(&mut self) {
            REGISTRY
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&(self.bytes.as_ptr() as usize));
        }
    }

    pub fn stored(bytes: Vec<u8>) -> Bytes {
        match sealed_file(&bytes) {
            Ok(file) => {
                let start = bytes.as_ptr() as usize;
                let entry = Entry {
                    end: start + bytes.len(),
                    file: Arc::new(file),
                };
                // The Vec's buffer does not move when the Vec moves into its owner.
                let owner = Owner { bytes };
                REGISTRY
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(start, entry);
                Bytes::from_owner(owner)
            }
            Err(err) => {
                tracing::debug!("no memory file for a stored body ({err}): it will be copied");
                Bytes::from(bytes)
            }
        }
    }

    fn sealed_file(bytes: &[u8]) -> std::io::Result<OwnedFd> {
        let fd = rustix::fs::memfd_create(
            "smp-guide-body",
            MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
        )?;
        let mut file = std::fs::File::from(fd);
        file.write_all(bytes)?;
        let fd = OwnedFd::from(file);
        rustix::fs::fcntl_add_seals(
            &fd,
            SealFlags::WRITE | SealFlags::SHRINK | SealFlags::GROW | SealFlags::SEAL,
        )?;
        Ok(fd)
    }

    /// The memory file and offset of `slice`, when it lies wholly within a stored body.
    pub fn find(slice: &[u8]) -> Option<SendFrom> {
        let at = slice.as_ptr() as usize;
        let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
        let (start, entry) = registry.range(..=at).next_back()?;
        (at + slice.len() <= entry.end).then(|| SendFrom {
            file: entry.file.clone(),
            offset: (at - start) as u64,
        })
    }

    #[cfg(test)]
    pub fn registered(start: usize) -> bool {
        REGISTRY
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&start)
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use axum::body::Bytes;

    pub fn stored(bytes: Vec<u8>) -> Bytes {
        Bytes::from(bytes)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::Read;

    use super::*;

    fn file_contents(from: &SendFrom, len: usize) -> Vec<u8> {
        let mut out = vec![0; len];
        let file = std::fs::File::from(from.file.try_clone().unwrap());
        let read = rustix::io::pread(&file, &mut out, from.offset).unwrap();
        assert_eq!(read, len);
        out
    }

    #[test]
    fn a_large_body_is_found_in_its_file_at_any_offset() {
        let body: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let bytes = stored(body.clone());
        assert_eq!(&bytes[..], &body[..]);

        let whole = find(&bytes).expect("a file-backed body");
        assert_eq!(whole.offset, 0);
        assert_eq!(file_contents(&whole, body.len()), body);

        let tail = bytes.slice(12_345..);
        let from = find(&tail).expect("a slice of it");
        assert_eq!(from.offset, 12_345);
        assert_eq!(file_contents(&from, tail.len()), &body[12_345..]);
    }

    #[test]
    fn the_file_cannot_be_changed() {
        let bytes = stored(vec![7; MIN_FILE_BACKED_BYTES]);
        let from = find(&bytes).unwrap();
        let mut file = std::fs::File::from(from.file.try_clone().unwrap());
        assert!(std::io::Write::write_all(&mut file, b"changed").is_err());
        let mut all = Vec::new();
        std::io::Seek::rewind(&mut file).unwrap();
        file.read_to_end(&mut all).unwrap();
        assert_eq!(all, vec![7; MIN_FILE_BACKED_BYTES]);
    }

    #[test]
    fn small_bodies_and_other_memory_are_not_found() {
        let small = stored(vec![1; MIN_FILE_BACKED_BYTES - 1]);
        assert!(find(&small).is_none());
        let other = vec![2u8; 50_000];
        assert!(find(&other).is_none());
    }

    #[test]
    fn a_dropped_body_leaves_nothing_behind() {
        let bytes = stored(vec![3; 30_000]);
        let at = bytes.as_ptr() as usize;
        let copy = bytes.clone();
        drop(bytes);
        // A clone still points into it: still there.
        assert!(find(&copy).is_some());
        drop(copy);
        // Only the address is looked up: memory that may reuse it is never claimed.
        assert!(!imp::registered(at));
    }
}
