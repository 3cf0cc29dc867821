//! Time as the database stores it (whole seconds since 1970, UTC), and its two printed
//! forms, shared by public pages, the admin and exports.
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The stored seconds as a date and time (the epoch for values out of range).
pub fn datetime(at: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-11-25T14:03:00Z`, for `<time datetime>`, JSON and CSV.
pub fn rfc3339(at: i64) -> String {
    datetime(at).format(&Rfc3339).unwrap_or_default()
}
