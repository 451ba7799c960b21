//! The domain's closed vocabularies and well-formed codes, parsed once at the edge.

pub mod constraints;
pub mod limits;

use poem_openapi::Enum;

use crate::error::ApiError;

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Enum)]
        #[oai(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
            pub fn expected() -> String {
                [$($text),+].join(", ")
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!("'{s}' is not one of {}", Self::expected()))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum!(
    /// The kind of write a record describes.
    AuditOperation {
        /// `PUT /v1/municipalities/{code}/sessions/{external_id}`.
        PutSession = "put_session",
        /// `DELETE /v1/municipalities/{code}/sessions/{external_id}`.
        DeleteSession = "delete_session",
        /// `POST …/sessions/batch` with `mode: upsert`.
        BatchUpsert = "batch_upsert",
        /// `POST …/sessions/batch` with `mode: replace`.
        BatchReplace = "batch_replace",
        /// `PUT /v1/programmes/{slug}`.
        PutProgramme = "put_programme",
        /// `PUT /v1/municipalities/{code}/population/{year}`.
        PutPopulation = "put_population",
        /// The CLI's `population import` (one record per municipality it wrote).
        ImportPopulation = "import_population",
        /// The CLI's `outcomes import` and `outcomes fetch` (one record per KPI written).
        ImportOutcomes = "import_outcomes",
    }
);

stored_enum!(
    /// Where a session is in its life. `open` means open for registration.
    SessionStatus {
        /// Decided, not yet open for registration.
        Planned = "planned",
        /// Open for registration.
        Open = "open",
        /// Meetings are under way.
        Ongoing = "ongoing",
        /// All meetings held.
        Completed = "completed",
        /// Will not be (fully) held.
        Cancelled = "cancelled",
    }
);

stored_enum!(
    /// How the meetings are held.
    Delivery {
        InPerson = "in_person",
        Digital = "digital",
        Hybrid = "hybrid",
    }
);

/// The languages sessions are most often given in here (ISO 639-1), with
/// their Swedish and English names: what the finder offers and the calendar
/// and the page name. Other codes are shown as given.
pub const LANGUAGES: &[(&str, &str, &str)] = &[
    ("sv", "svenska", "Swedish"),
    ("en", "engelska", "English"),
    ("ar", "arabiska", "Arabic"),
    ("so", "somaliska", "Somali"),
    ("ti", "tigrinja", "Tigrinya"),
    ("fa", "persiska", "Persian"),
    ("pl", "polska", "Polish"),
    ("uk", "ukrainska", "Ukrainian"),
    ("bs", "bosniska", "Bosnian"),
];

stored_enum!(
    /// A day of the week, for a weekly schedule.
    Weekday {
        Monday = "monday",
        Tuesday = "tuesday",
        Wednesday = "wednesday",
        Thursday = "thursday",
        Friday = "friday",
        Saturday = "saturday",
        Sunday = "sunday",
    }
);

impl Weekday {
    pub fn to_chrono(self) -> chrono::Weekday {
        match self {
            Weekday::Monday => chrono::Weekday::Mon,
            Weekday::Tuesday => chrono::Weekday::Tue,
            Weekday::Wednesday => chrono::Weekday::Wed,
            Weekday::Thursday => chrono::Weekday::Thu,
            Weekday::Friday => chrono::Weekday::Fri,
            Weekday::Saturday => chrono::Weekday::Sat,
            Weekday::Sunday => chrono::Weekday::Sun,
        }
    }
}

stored_enum!(
    /// Universal (all parents), selective (groups at raised risk) or indicated (present difficulties).
    PreventionLevel {
        Universal = "universal",
        Selective = "selective",
        Indicated = "indicated",
    }
);

stored_enum!(
    /// The forms a programme can be given in.
    ProgrammeFormat {
        Group = "group",
        Individual = "individual",
        Digital = "digital",
    }
);

stored_enum!(
    /// The strength of the scientific support for a programme's effects, on
    /// SBU's (Statens beredning för medicinsk och social utvärdering) scale,
    /// as SBU rated it; `unassessed` where no rating was found.
    EvidenceStatus {
        /// No rating by SBU (or another Swedish authority) was found: nothing is claimed either way.
        Unassessed = "unassessed",
        /// Rated: the scientific support is insufficient to judge the effects.
        Insufficient = "insufficient",
        /// Rated: limited scientific support.
        Limited = "limited",
        /// Rated: moderately strong scientific support.
        Moderate = "moderate",
        /// Rated: strong scientific support.
        Strong = "strong",
    }
);

stored_enum!(
    /// Whose value an outcome is: Kolada's genders `T` (total), `K` (kvinnor,
    /// women) and `M` (män, men).
    OutcomeGender {
        /// Everyone (Kolada's `T`).
        Total = "total",
        /// Women or girls (Kolada's `K`).
        Women = "women",
        /// Men or boys (Kolada's `M`).
        Men = "men",
    }
);

stored_enum!(
    /// What an outcome value describes: the country (Kolada's `0000`), a county
    /// (`00` + county code, e.g. `0019`) or a municipality (its SCB code).
    AreaType {
        Country = "country",
        County = "county",
        Municipality = "municipality",
    }
);

/// A Kolada KPI id: one capital letter and five digits, such as `N15428`.
pub fn parse_kpi(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    if b.len() == 6 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit) {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "'{s}' is not a Kolada KPI id (a capital letter and five digits, e.g. N15428)"
        ))
    }
}

/// A Kolada area id read as what it names: `0000` the country, `00` + a
/// county code a county, else a 4-digit municipality code. Groups (`G…`)
/// and anything else are not areas held here.
pub fn kolada_area(id: &str) -> Option<AreaType> {
    if !digits(id, 4) {
        return None;
    }
    Some(match id {
        "0000" => AreaType::Country,
        _ if id.starts_with("00") => AreaType::County,
        _ => AreaType::Municipality,
    })
}

/// A stored comma-joined list back into its values, skipping unknown ones.
pub fn parse_list<T>(stored: &str, parse: fn(&str) -> Option<T>) -> Vec<T> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .filter_map(parse)
        .collect()
}

/// A stored vocabulary value read back. One that does not parse is corrupt
/// data: an internal error, logged inside the request's span (so with its
/// request id), never published as a guess.
pub fn stored<T>(column: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| {
        ApiError::internal(format!("stored {column} {value:?} is not a known value"))
    })
}

/// A code checked once where it enters, then carried typed through the
/// queries, the writes and the store: a `String` could be anything.
macro_rules! code {
    ($(#[$meta:meta])* $name:ident, $valid:expr, $not:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, String> {
                let valid: fn(&str) -> bool = $valid;
                if valid(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(format!("'{s}' {}", $not))
                }
            }
            /// A code read back from the database or the reference data:
            /// only parsed codes are ever written there.
            pub fn of_stored(s: &str) -> Self {
                Self(s.to_owned())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Compared with what is stored (a model's code column).
        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        /// Read as the text it is wherever text is taken (a lookup, a URL,
        /// a column); only `parse` and `of_stored` make one.
        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Codes joined by `sep` (`1980_1984`), as in a file name.
pub fn join_codes<T: std::ops::Deref<Target = str>>(codes: &[T], sep: &str) -> String {
    codes.iter().map(|c| &**c).collect::<Vec<&str>>().join(sep)
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

code!(
    /// A 4-digit SCB municipality code such as `1980` (Västerås).
    MunicipalityCode,
    |s| digits(s, 4),
    "is not a 4-digit SCB municipality code"
);

code!(
    /// A 2-digit SCB county code such as `19` (Västmanlands län).
    CountyCode,
    |s| digits(s, 2),
    "is not a 2-digit SCB county code"
);

code!(
    /// A programme slug: lowercase letters, digits and single hyphens inside,
    /// at most 64 characters.
    ProgrammeSlug,
    |s| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
    },
    "is not a programme slug (lowercase letters, digits and hyphens)"
);

/// A county as said in a sentence ("i Västmanland", "in Örebro"): its
/// name without " län" and without the genitive s that "län" asks for
/// ("Västmanlands län" → "Västmanland", "Dalarnas län" → "Dalarna", "Örebro
/// län" → "Örebro"). No county's own name ends in s.
pub fn county_in_words(county_name: &str) -> &str {
    match county_name.strip_suffix(" län") {
        Some(name) => name.strip_suffix('s').unwrap_or(name),
        None => county_name,
    }
}

/// An ISO 639-1 language code: two lowercase letters.
pub fn parse_language(s: &str) -> Result<String, String> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "'{s}' is not an ISO 639-1 language code (two lowercase letters, e.g. sv)"
        ))
    }
}

/// Parses a query parameter's values, naming the parameter in the 400 problem.
pub fn parse_param<T>(
    name: &str,
    values: &[String],
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, ApiError> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .map(|v| parse(v).map_err(|e| ApiError::invalid_parameter(name, e)))
        .collect()
}

/// The years a date may fall in, everywhere: PostgreSQL's `date` cannot
/// hold year 0 (a 500 before this rule), and nothing this API records
/// happened before 1900 or is planned after 2100.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// A date as the API writes it (`YYYY-MM-DD`) in [`DATE_YEARS`].
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    use chrono::Datelike;
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) if s.len() == 10 && DATE_YEARS.contains(&d.year()) => Ok(d),
        Ok(_) if s.len() == 10 => Err(format!(
            "'{s}' is outside the years {} to {}",
            DATE_YEARS.start(),
            DATE_YEARS.end()
        )),
        _ => Err(format!("'{s}' is not a date (YYYY-MM-DD)")),
    }
}

/// An optional single-valued parameter, parsed.
pub fn parse_opt<T>(
    name: &str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ApiError> {
    value
        .map(|v| parse(v).map_err(|e| ApiError::invalid_parameter(name, e)))
        .transpose()
}

pub fn parse_enum_param<T>(
    name: &str,
    values: &[String],
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<Vec<T>, ApiError> {
    parse_param(name, values, |v| {
        parse(v).ok_or_else(|| format!("'{v}' is not one of {}", expected()))
    })
}

/// A language's Swedish name, or its code when it has none here.
pub fn language_name_sv(code: &str) -> &str {
    LANGUAGES.iter().find(|l| l.0 == code).map_or(code, |l| l.1)
}

#[cfg(test)]
mod county_words {
    use super::county_in_words;

    #[test]
    fn a_county_in_words_drops_lan_and_its_genitive() {
        assert_eq!(county_in_words("Västmanlands län"), "Västmanland");
        assert_eq!(county_in_words("Örebro län"), "Örebro");
        assert_eq!(county_in_words("Dalarnas län"), "Dalarna");
        assert_eq!(county_in_words("Västra Götalands län"), "Västra Götaland");
        assert_eq!(county_in_words("Riket"), "Riket");
    }
}
