//! Calendar dates in front matter: bare TOML dates such as `updated = 2026-11-20`.
use serde::{Deserialize, Deserializer, de};
use time::{Date, Month};

/// A calendar day, deserialized from a TOML local date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(pub Date);

impl Day {
    /// `2026-11-20`, for `<time datetime>`, sitemaps and JSON-LD.
    pub fn iso(&self) -> String {
        let d = self.0;
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    /// Midnight UTC in RFC 3339, as Atom wants it.
    pub fn rfc3339(&self) -> String {
        format!("{}T00:00:00Z", self.iso())
    }

    /// `20 November 2026`, for readers.
    pub fn human(&self) -> String {
        human_date(self.0)
    }
}

/// `20 November 2026`.
pub fn human_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::value::Datetime::deserialize(deserializer)?;
        let (Some(date), None, None) = (value.date, value.time, value.offset) else {
            return Err(de::Error::custom(
                "expected a date such as 2026-11-20 (no time of day, no quotes)",
            ));
        };
        let month = Month::try_from(date.month)
            .map_err(|_| de::Error::custom(format!("{} is not a month", date.month)))?;
        Date::from_calendar_date(i32::from(date.year), month, date.day)
            .map(Day)
            .map_err(|_| de::Error::custom(format!("{value} is not a real date")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Doc {
        day: Day,
    }

    #[test]
    fn dates_parse_and_format_for_readers_and_machines() {
        let doc: Doc = toml::from_str("day = 2026-03-07").unwrap();
        assert_eq!(doc.day.iso(), "2026-03-07");
        assert_eq!(doc.day.human(), "7 March 2026");
        assert_eq!(doc.day.rfc3339(), "2026-03-07T00:00:00Z");
    }

    #[test]
    fn strings_and_datetimes_are_refused() {
        for input in [
            "day = \"2026-03-07\"",
            "day = 2026-03-07T10:00:00Z",
            "day = 2026-02-30",
        ] {
            assert!(toml::from_str::<Doc>(input).is_err(), "{input}");
        }
    }
}
