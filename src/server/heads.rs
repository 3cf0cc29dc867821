//! Line endings in request heads, checked as the bytes arrive.
//!
//! hyper reads request heads with httparse, which accepts a bare LF as the end of a line
//! (RFC 9112 section 2.2 lets a recipient do so) and has no setting to refuse it. A proxy
//! in front that reads the same bytes differently (a bare LF as part of a header value,
//! say) would then see other requests than this server does: the root of request
//! smuggling. So every byte hyper reads passes through [`HeadScanner`] first, which
//! follows the message framing (head, then a body of the length the head announced) and
//! notes the first head that holds a bare LF or a bare CR; that request is answered 400
//! and the connection closed.
//!
//! The scanner finds where a head ends itself (the first empty line), but the length of
//! the body that follows comes from hyper's own reading of the head, told by the service
//! ([`HeadScanner::request`]), so both always agree on where the next head begins. A
//! chunked request body ends the checks: the service closes the connection after that
//! request, so no head follows it.

/// Where the scanner stands in the byte stream of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Inside a head: whether the last byte was a CR, whether the current line is still
    /// empty, and whether a non-empty line (the request line) was seen.
    Head {
        after_cr: bool,
        line_empty: bool,
        started: bool,
    },
    /// A head has ended; the body's length is not known yet (bytes are kept meanwhile).
    AwaitingLength,
    /// Skipping the body: this many bytes are left.
    Body(u64),
    /// No more checks: the connection closes after the current request.
    Done,
}

const NEW_HEAD: State = State::Head {
    after_cr: false,
    line_empty: true,
    started: false,
};

/// Follows one connection's requests and remembers the first head with a bare line ending.
#[derive(Debug)]
pub struct HeadScanner {
    state: State,
    /// Bytes read while the current body's length was not known yet (pipelined requests).
    held: Vec<u8>,
    /// Heads completed so far.
    heads: u64,
    /// Requests the service has seen so far.
    requests: u64,
    /// The index of the first head with a bare LF or CR.
    first_bad: Option<u64>,
}

impl Default for HeadScanner {
    fn default() -> Self {
        Self {
            state: NEW_HEAD,
            held: Vec::new(),
            heads: 0,
            requests: 0,
            first_bad: None,
        }
    }
}

impl HeadScanner {
    /// Takes the bytes just read from the client, before hyper parses them.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match &mut self.state {
                State::Done => return,
                State::AwaitingLength => {
                    self.held.extend_from_slice(bytes);
                    return;
                }
                State::Body(left) => {
                    let skip = (*left).min(bytes.len() as u64);
                    *left -= skip;
                    if *left == 0 {
                        self.state = NEW_HEAD;
                    }
                    bytes = &bytes[skip as usize..];
                }
                State::Head { .. } => {
                    let used = self.scan_head(bytes);
                    bytes = &bytes[used..];
                }
            }
        }
    }

    /// Scans head bytes up to the end of the head; returns how many it used. Only CR and
    /// LF matter, so it jumps from one to the next.
    fn scan_head(&mut self, bytes: &[u8]) -> usize {
        let State::Head {
            mut after_cr,
            mut line_empty,
            mut started,
        } = self.state
        else {
            return 0;
        };
        let mut at = 0;
        loop {
            let next = memchr::memchr2(b'\r', b'\n', &bytes[at..]);
            let ordinary = next.unwrap_or(bytes.len() - at);
            if ordinary > 0 {
                if after_cr {
                    return self.bad(bytes.len());
                }
                line_empty = false;
                started = true;
            }
            let Some(offset) = next else {
                break;
            };
            at += offset;
            if bytes[at] == b'\r' {
                if after_cr {
                    return self.bad(bytes.len());
                }
                after_cr = true;
            } else if !after_cr {
                return self.bad(bytes.len());
            } else if line_empty && started {
                self.heads += 1;
                self.state = State::AwaitingLength;
                return at + 1;
            } else {
                after_cr = false;
                line_empty = true;
            }
            at += 1;
        }
        self.state = State::Head {
            after_cr,
            line_empty,
            started,
        };
        bytes.len()
    }

    fn bad(&mut self, used: usize) -> usize {
        self.first_bad.get_or_insert(self.heads);
        self.state = State::Done;
        used
    }

    /// Called by the service for each request, in order, with its body's length as hyper
    /// read it (`None` for a chunked body). Returns whether that request's head held a
    /// bare line ending.
    pub fn request(&mut self, body_length: Option<u64>) -> bool {
        let index = self.requests;
        self.requests += 1;
        if self.state == State::AwaitingLength && self.heads == index + 1 {
            self.state = match body_length {
                Some(0) => NEW_HEAD,
                Some(length) => State::Body(length),
                None => State::Done,
            };
            let held = std::mem::take(&mut self.held);
            self.feed(&held);
            if self.held.is_empty() {
                // Keep the allocation for the next pipelined batch.
                self.held = held;
                self.held.clear();
            }
        }
        self.first_bad == Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `bytes` in pieces of `step`, telling the scanner each request's body length
    /// once its head is complete, as hyper's service would; returns the verdicts.
    fn verdicts(bytes: &[u8], lengths: &[Option<u64>], step: usize) -> Vec<bool> {
        let mut scanner = HeadScanner::default();
        let mut seen = Vec::new();
        for piece in bytes.chunks(step) {
            scanner.feed(piece);
            loop {
                // hyper parses a head with a bare LF too: that one reaches the service.
                let parsed = scanner.heads + u64::from(scanner.first_bad == Some(scanner.heads));
                if seen.len() == lengths.len() || seen.len() as u64 >= parsed {
                    break;
                }
                seen.push(scanner.request(lengths[seen.len()]));
            }
        }
        seen
    }

    #[test]
    fn crlf_heads_pass_and_bare_line_endings_are_caught_wherever_they_are() {
        let get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".as_slice();
        type Case<'a> = (&'a [u8], &'a [Option<u64>], &'a [bool]);
        let cases: [Case; 8] = [
            (get, &[Some(0)], &[false]),
            (b"GET / HTTP/1.1\nHost: x\r\n\r\n", &[Some(0)], &[true]),
            (b"GET / HTTP/1.1\r\nHost: x\n\r\n", &[Some(0)], &[true]),
            (b"GET / HTTP/1.1\r\nHost: x\r\n\n", &[Some(0)], &[true]),
            (b"GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", &[Some(0)], &[true]),
            // Empty lines before the request line are allowed (RFC 9112 section 2.2).
            (
                b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
                &[Some(0)],
                &[false],
            ),
            // A body may hold bare LFs: it is skipped by the length hyper read.
            (
                b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\na\nbGET / HTTP/1.1\r\n\r\n",
                &[Some(3), Some(0)],
                &[false, false],
            ),
            // The second of two pipelined requests is the bad one.
            (
                b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\nHost: x\n\n",
                &[Some(0), Some(0)],
                &[false, true],
            ),
        ];
        for (bytes, lengths, expected) in cases {
            for step in [1, 3, bytes.len()] {
                assert_eq!(
                    verdicts(bytes, lengths, step),
                    expected,
                    "{:?} in pieces of {step}",
                    String::from_utf8_lossy(bytes)
                );
            }
        }
    }

    #[test]
    fn a_chunked_body_ends_the_checks() {
        let mut scanner = HeadScanner::default();
        scanner.feed(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n\n\r\n");
        assert!(!scanner.request(None));
        assert_eq!(scanner.state, State::Done);
    }
}
