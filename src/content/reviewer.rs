//! Who checked a section: `reviewed_by` is either the name of a team, or a person with
//! their role and credentials, for sites that have a named clinician:
//!
//! ```toml
//! reviewed_by = "The SMP Guide editorial team"
//! reviewed_by = { name = "A. Person", role = "Consultant dermatologist", credentials = "MBBS, FRCP" }
//! ```
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// The reviewer of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reviewer {
    /// A team or organisation, by name.
    Team(String),
    /// A named person, with what qualifies them.
    Person {
        name: String,
        role: String,
        credentials: Option<String>,
    },
}

impl Reviewer {
    pub fn name(&self) -> &str {
        match self {
            Self::Team(name) | Self::Person { name, .. } => name,
        }
    }
}

/// As readers see it: `A. Person, Consultant dermatologist (MBBS, FRCP)`.
impl fmt::Display for Reviewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Team(name) => f.write_str(name),
            Self::Person {
                name,
                role,
                credentials,
            } => {
                write!(f, "{name}, {role}")?;
                match credentials {
                    Some(credentials) => write!(f, " ({credentials})"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonFields {
    name: String,
    role: String,
    #[serde(default)]
    credentials: Option<String>,
}

impl<'de> Deserialize<'de> for Reviewer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ReviewerVisitor;

        impl<'de> Visitor<'de> for ReviewerVisitor {
            type Value = Reviewer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a team name in quotes, or a table such as { name = \"...\", role = \"...\", credentials = \"...\" }",
                )
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Reviewer, E> {
                Ok(Reviewer::Team(value.to_owned()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Reviewer, A::Error> {
                let fields = PersonFields::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Reviewer::Person {
                    name: fields.name,
                    role: fields.role,
                    credentials: fields.credentials,
                })
            }
        }

        deserializer.deserialize_any(ReviewerVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Front {
        reviewed_by: Reviewer,
    }

    fn parse(toml_text: &str) -> Result<Reviewer, String> {
        toml::from_str::<Front>(toml_text)
            .map(|front| front.reviewed_by)
            .map_err(|err| err.message().to_owned())
    }

    #[test]
    fn a_team_or_a_person_with_a_role() {
        assert_eq!(
            parse(r#"reviewed_by = "The editorial team""#),
            Ok(Reviewer::Team("The editorial team".into()))
        );
        let person = parse(
            r#"reviewed_by = { name = "A. Person", role = "Consultant dermatologist", credentials = "MBBS" }"#,
        )
        .unwrap();
        assert_eq!(
            person.to_string(),
            "A. Person, Consultant dermatologist (MBBS)"
        );
        let no_credentials =
            parse("[reviewed_by]\nname = \"B. Person\"\nrole = \"Nurse\"\n").unwrap();
        assert_eq!(no_credentials.to_string(), "B. Person, Nurse");
    }

    #[test]
    fn a_person_needs_a_role_and_no_unknown_keys() {
        let cases = [
            (r#"reviewed_by = { name = "A" }"#, "missing field `role`"),
            (
                r#"reviewed_by = { name = "A", role = "B", title = "Dr" }"#,
                "unknown field `title`",
            ),
            ("reviewed_by = 3", "a team name in quotes"),
        ];
        for (input, expected) in cases {
            let message = parse(input).unwrap_err();
            assert!(message.contains(expected), "{input}: {message}");
        }
    }
}
