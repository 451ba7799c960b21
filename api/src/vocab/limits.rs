//! The limits a write is held to, stated once: the validators enforce them
//! and the OpenAPI document states them (`constraints::body_constraints`).
//! Lengths count characters, not bytes.

use std::ops::RangeInclusive;

/// A short text: a provider, an area, a programme's name or owner, a venue's
/// name or street.
pub const MAX_TEXT: usize = 200;
/// A session's id in the municipality's own system.
pub const MAX_EXTERNAL_ID: usize = 128;
/// A slug (a programme's).
pub const MAX_SLUG: usize = 64;
/// A note or instructions.
pub const MAX_NOTE: usize = 500;
/// A URL (a web site, a sign-up page, an evidence source).
pub const MAX_URL: usize = 500;
/// An e-mail address: RFC 5321's limit on a path.
pub const MAX_EMAIL: usize = 254;
/// A phone number's length, `+` and spaces included.
pub const PHONE_CHARS: RangeInclusive<usize> = 5..=20;
/// A town's name.
pub const MAX_TOWN: usize = 100;
/// The languages of one session.
pub const MAX_LANGUAGES: usize = 20;
/// The municipalities co-hosting one session.
pub const MAX_CO_HOSTS: usize = 50;
/// A programme's description, per language.
pub const MAX_DESCRIPTION: usize = 5000;
/// The summary of a programme's evidence rating.
pub const MAX_SUMMARY: usize = 2000;
/// The sources of a programme's evidence rating.
pub const MAX_SOURCES: usize = 20;
/// Programme ages in years. Up to 20, not 18: parenting support reaches
/// parents of young people living at home, and the sourced catalogue has a
/// programme for ages 10–20 (Trygga föräldrar).
pub const MAX_PROGRAMME_AGE: i32 = 20;
/// The oldest age a children's band may reach. Children are 0–17, but SCB
/// publishes five-year classes, and 0–19 (four of them) is a common band.
pub const MAX_CHILD_AGE: i32 = 20;
/// The source text of a population figure.
pub const MAX_SOURCE_CHARS: usize = 500;
/// The meeting dates of a session that is not weekly.
pub const MAX_MEETING_DATES: usize = 100;
/// The weeks off in a weekly rule: one a week of a year.
pub const MAX_EXCEPT_DATES: usize = 52;
/// Sweden's extent in WGS 84, with a margin: a point outside it is almost
/// always latitude and longitude swapped.
pub const LATITUDE: (f64, f64) = (55.0, 69.1);
pub const LONGITUDE: (f64, f64) = (10.9, 24.2);
/// A course fee in SEK.
pub const MAX_FEE_SEK: i32 = 100_000;
