//! A response body prepared once in every encoding a browser may ask for: identity,
//! gzip (best compression) and brotli (quality 11), each with its own strong ETag, so that
//! serving a page is a lookup and a reference-count increment.
use std::io::Write;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};

use crate::file_backed;

/// Content codings, in the order the server prefers them when a client accepts several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    pub fn header_value(self) -> Option<HeaderValue> {
        match self {
            Coding::Brotli => Some(HeaderValue::from_static("br")),
            Coding::Gzip => Some(HeaderValue::from_static("gzip")),
            Coding::Identity => None,
        }
    }
}

/// A body in up to three encodings. Compressed variants are kept only when they save
/// something worth having.
#[derive(Debug, Clone)]
pub struct Encoded {
    identity: Variant,
    gzip: Option<Variant>,
    brotli: Option<Variant>,
    hash: String,
    /// Worth compressing, and not compressed yet.
    pending: bool,
}

#[derive(Debug, Clone)]
struct Variant {
    bytes: Bytes,
    etag: HeaderValue,
}

/// Bodies smaller than this are not worth compressing (a TCP packet holds more).
const MIN_COMPRESS_BYTES: usize = 512;

impl Encoded {
    /// Prepares `bytes` in every encoding; `compressible` is false for formats that are
    /// already compressed (PNG, JPEG, WebP, WOFF2).
    pub fn new(bytes: Vec<u8>, hash: &str, compressible: bool) -> Self {
        let identity = Self::identity_only(bytes, hash, compressible);
        identity.compressed().unwrap_or(identity)
    }

    /// Only the identity bytes for now. Brotli at quality 11 is slow (tens of
    /// milliseconds for a page), so pages go live at once and [`Encoded::compressed`]
    /// adds the variants afterwards, off the request path.
    pub fn identity_only(bytes: Vec<u8>, hash: &str, compressible: bool) -> Self {
        let pending = compressible && bytes.len() >= MIN_COMPRESS_BYTES;
        Self {
            identity: variant(file_backed::stored(bytes), hash, ""),
            gzip: None,
            brotli: None,
            hash: hash.to_owned(),
            pending,
        }
    }

    /// Whether [`Encoded::compressed`] would add anything.
    pub fn needs_compression(&self) -> bool {
        self.pending
    }

    /// A copy with gzip and brotli variants, or `None` when there is nothing to add.
    pub fn compressed(&self) -> Option<Self> {
        if !self.pending {
            return None;
        }
        let original = &self.identity.bytes;
        let worth = |compressed: Vec<u8>| {
            (compressed.len() * 100 < original.len() * 95).then_some(compressed)
        };
        Some(Self {
            identity: self.identity.clone(),
            gzip: worth(gzip(original)).map(|b| variant(file_backed::stored(b), &self.hash, "-gz")),
            brotli: worth(brotli(original))
                .map(|b| variant(file_backed::stored(b), &self.hash, "-br")),
            hash: self.hash.clone(),
            pending: false,
        })
    }

    /// The identity bytes (for tests and for templates that embed them).
    pub fn identity(&self) -> &Bytes {
        &self.identity.bytes
    }

    /// Whether any compressed variant exists (so `Vary: Accept-Encoding` matters).
    pub fn varies(&self) -> bool {
        self.gzip.is_some() || self.brotli.is_some()
    }

    /// The best variant the request accepts: its coding, bytes and ETag.
    pub fn select(&self, request: &HeaderMap) -> (Coding, &Bytes, &HeaderValue) {
        let accepted = Accepted::parse(request);
        let choice = [(Coding::Brotli, &self.brotli), (Coding::Gzip, &self.gzip)]
            .into_iter()
            .filter_map(|(coding, variant)| variant.as_ref().map(|v| (coding, v)))
            .filter(|(coding, _)| accepted.q(*coding) > 0)
            .max_by_key(|(coding, _)| (accepted.q(*coding), matches!(coding, Coding::Brotli)));
        match choice {
            Some((coding, v)) if accepted.q(coding) >= accepted.q(Coding::Identity) => {
                (coding, &v.bytes, &v.etag)
            }
            _ => (Coding::Identity, &self.identity.bytes, &self.identity.etag),
        }
    }
}

fn variant(bytes: Bytes, hash: &str, suffix: &str) -> Variant {
    Variant {
        bytes,
        etag: HeaderValue::from_str(&format!("\"{hash}{suffix}\"")).expect("hex ETag"),
    }
}

/// q-values (in thousandths) from `Accept-Encoding`, per RFC 9110 section 12.5.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Accepted {
    brotli: u16,
    gzip: u16,
    identity: u16,
}

impl Accepted {
    fn parse(headers: &HeaderMap) -> Self {
        let (mut brotli, mut gzip, mut identity, mut star) = (None, None, None, None);
        let mut seen = false;
        for value in headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                if name.is_empty() {
                    continue;
                }
                seen = true;
                let q = parts
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .or_else(|| p.trim().strip_prefix("Q="))
                    })
                    .map_or(1000, parse_q);
                let is = |known: &str| name.eq_ignore_ascii_case(known);
                let slot = if is("br") {
                    &mut brotli
                } else if is("gzip") || is("x-gzip") {
                    &mut gzip
                } else if is("identity") {
                    &mut identity
                } else if name == "*" {
                    &mut star
                } else {
                    continue;
                };
                *slot = Some(q);
            }
        }
        if !seen {
            // No header (or an empty one): identity only.
            return Self {
                brotli: 0,
                gzip: 0,
                identity: 1000,
            };
        }
        Self {
            brotli: brotli.or(star).unwrap_or(0),
            gzip: gzip.or(star).unwrap_or(0),
            // Identity is acceptable unless refused outright (identity;q=0, or *;q=0
            // without an identity entry).
            identity: identity.or(star.filter(|q| *q == 0)).unwrap_or(1),
        }
    }

    fn q(&self, coding: Coding) -> u16 {
        match coding {
            Coding::Brotli => self.brotli,
            Coding::Gzip => self.gzip,
            Coding::Identity => self.identity,
        }
    }
}

/// `0.8` -> 800; anything unreadable counts as 0 (not acceptable), values above 1 as 1.
fn parse_q(text: &str) -> u16 {
    let text = text.trim();
    let Some((whole, fraction)) = text.split_once('.').or(Some((text, ""))) else {
        return 0;
    };
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return 0,
    };
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let digits = format!("{fraction:0<3}");
    (whole * 1000 + digits.parse::<u16>().unwrap_or(0)).min(1000)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        // A window just larger than the body compresses it as well as the largest one
        // (nothing lies further back: `/guide` and `/guide/risks` came out the same size)
        // and needs a fraction of the encoder's memory: at quality 11 its match finder
        // holds two 32-bit entries per window position, 32 MiB for the 4 MiB window of before.
        let window = (usize::BITS - (bytes.len() + 16).leading_zeros()).clamp(10, 22);
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, window);
        writer.write_all(bytes).expect("writing to memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(accept: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(accept).unwrap(),
            );
        }
        headers
    }

    fn body() -> Encoded {
        Encoded::new(
            "<p>hello world, hello pigment</p>\n"
                .repeat(100)
                .into_bytes(),
            "abc",
            true,
        )
    }

    #[test]
    fn negotiation_honours_q_values() {
        let encoded = body();
        let cases = [
            (None, Coding::Identity),
            (Some(""), Coding::Identity),
            (Some("gzip"), Coding::Gzip),
            (Some("gzip, deflate, br"), Coding::Brotli),
            (Some("br;q=0.5, gzip;q=0.8"), Coding::Gzip),
            (Some("br;q=0, gzip"), Coding::Gzip),
            (Some("gzip;q=0, br;q=0"), Coding::Identity),
            (Some("*"), Coding::Brotli),
            (Some("*;q=0.5, br;q=0"), Coding::Gzip),
            (Some("deflate"), Coding::Identity),
            (Some("identity"), Coding::Identity),
            (Some("GZIP;Q=1.0"), Coding::Gzip),
            (Some("gzip;q=nonsense"), Coding::Identity),
            (Some("gzip;q=0.001"), Coding::Gzip),
            (Some(" , ,br"), Coding::Brotli),
        ];
        for (accept, expected) in cases {
            assert_eq!(encoded.select(&request(accept)).0, expected, "{accept:?}");
        }
    }

    #[test]
    fn each_variant_has_its_own_etag_and_decodes_to_the_original() {
        let encoded = body();
        let (_, gz, gz_tag) = encoded.select(&request(Some("gzip")));
        let (_, br, br_tag) = encoded.select(&request(Some("br")));
        let (_, id, id_tag) = encoded.select(&request(None));
        assert_eq!(id_tag, "\"abc\"");
        assert_eq!(gz_tag, "\"abc-gz\"");
        assert_eq!(br_tag, "\"abc-br\"");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, id.as_ref());
        let mut unbrotli = Vec::new();
        std::io::Read::read_to_end(&mut brotli::Decompressor::new(&br[..], 4096), &mut unbrotli)
            .unwrap();
        assert_eq!(unbrotli, id.as_ref());
        assert!(br.len() < id.len() / 4);
    }

    #[test]
    fn small_or_incompressible_bodies_stay_identity_only() {
        assert!(!Encoded::new(b"tiny".to_vec(), "a", true).varies());
        assert!(!Encoded::new(vec![7; 4096], "a", false).varies());
    }

    #[test]
    fn q_values_parse_strictly() {
        for (text, q) in [
            ("1", 1000),
            ("1.0", 1000),
            ("0.5", 500),
            ("0.25", 250),
            ("0", 0),
            ("2", 0),
            ("0.1234", 0),
            ("-1", 0),
        ] {
            assert_eq!(parse_q(text), q, "{text}");
        }
    }
}
