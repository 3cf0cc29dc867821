//! The current time, in the unit the database stores: whole seconds since 1970, UTC.

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
