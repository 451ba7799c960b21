//! Each detail object's own rules — venue, registration, cost,
//! accessibility — read from the raw JSON at the object's pointer. The rules
//! that tie a detail to the session's other fields are in `validate`.

use chrono::NaiveDate;

use super::{Accessibility, Cost, Registration, Venue};
use crate::resources::fields::FieldReader;
use crate::vocab::limits::{
    LATITUDE, LONGITUDE, MAX_EMAIL, MAX_FEE_SEK, MAX_NOTE, MAX_TEXT, MAX_TOWN, MAX_URL, PHONE_CHARS,
};

const VENUE: &[&str] = &[
    "name",
    "street_address",
    "postal_code",
    "town",
    "latitude",
    "longitude",
];

pub fn venue(f: &mut FieldReader) -> Option<Venue> {
    f.reject_unknown(VENUE, "a venue");
    let name = f.text("name", false, MAX_TEXT);
    let street_address = f.text("street_address", false, MAX_TEXT);
    let postal_code = f.text("postal_code", false, 6);
    if let Some(p) = &postal_code {
        if !is_postal_code(p) {
            f.err(
                "postal_code",
                format!("'{p}' is not a Swedish postal code (NNN NN)"),
            );
        }
    }
    let town = f.text("town", false, MAX_TOWN);
    let latitude = coordinate(f, "latitude", LATITUDE);
    let longitude = coordinate(f, "longitude", LONGITUDE);
    if f.present("latitude").is_some() != f.present("longitude").is_some() {
        f.err("longitude", "latitude and longitude go together");
    }
    if f.present("name").is_none() && f.present("street_address").is_none() {
        f.err("name", "a venue needs name or street_address");
    }
    Some(Venue {
        name,
        street_address,
        postal_code,
        town,
        latitude,
        longitude,
    })
}

fn is_postal_code(p: &str) -> bool {
    let digits: Vec<u8> = p.bytes().filter(|b| *b != b' ').collect();
    digits.len() == 5
        && digits.iter().all(u8::is_ascii_digit)
        && (p.len() == 5 || (p.len() == 6 && p.as_bytes()[3] == b' '))
}

fn coordinate(f: &mut FieldReader, field: &str, (lo, hi): (f64, f64)) -> Option<f64> {
    let v = f.present(field)?;
    match v.as_f64() {
        Some(x) if (lo..=hi).contains(&x) => Some(x),
        Some(x) => {
            f.err(
                field,
                format!("{x} is outside Sweden ({lo}–{hi}); are latitude and longitude swapped?"),
            );
            None
        }
        None => {
            f.err(field, "must be a number (decimal degrees, WGS 84)");
            None
        }
    }
}

const REGISTRATION: &[&str] = &["url", "email", "phone", "instructions", "deadline"];

pub fn registration(f: &mut FieldReader, end_date: Option<NaiveDate>) -> Option<Registration> {
    f.reject_unknown(REGISTRATION, "a registration");
    let url = f.text("url", false, MAX_URL);
    if let Some(u) = &url {
        if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(is_space) {
            f.err(
                "url",
                format!("'{u}' is not an http:// or https:// address"),
            );
        }
    }
    let email = f.text("email", false, MAX_EMAIL);
    if let Some(e) = &email {
        if !is_email(e) {
            f.err("email", format!("'{e}' is not an e-mail address"));
        }
    }
    let phone = f.text("phone", false, *PHONE_CHARS.end());
    if let Some(p) = &phone {
        if !is_phone(p) {
            f.err("phone", format!("'{p}' is not a phone number (5–20 characters: digits, spaces, dashes and parentheses, an optional + first)"));
        }
    }
    let instructions = f.text("instructions", false, MAX_NOTE);
    let deadline = f.date("deadline", false);
    if let (Some(d), Some(e)) = (deadline, end_date) {
        if d > e {
            f.err(
                "deadline",
                format!("{d} is after the session's end_date {e}"),
            );
        }
    }
    if ["url", "email", "phone", "instructions"]
        .iter()
        .all(|k| f.present(k).is_none())
    {
        f.err(
            "url",
            "a registration needs url, email, phone or instructions",
        );
    }
    Some(Registration {
        url,
        email,
        phone,
        instructions,
        deadline,
    })
}

/// Whitespace as the document's patterns mean it (ECMAScript `\s`, which
/// also counts the byte-order mark).
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// The shape the document's pattern states: something@domain.tld, no spaces.
fn is_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !e.contains(is_space)
        && !domain.contains('@')
        && domain
            .split_once('.')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
}

/// As the document's pattern states: an optional `+`, then digits, spaces,
/// parentheses and dashes, starting and ending with a digit, 5–20 characters.
fn is_phone(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or(p).as_bytes();
    PHONE_CHARS.contains(&p.len())
        && digits.first().is_some_and(u8::is_ascii_digit)
        && digits.last().is_some_and(u8::is_ascii_digit)
        && digits
            .iter()
            .all(|b| b.is_ascii_digit() || b" ()-".contains(b))
}

const COST: &[&str] = &["free", "amount_sek", "note"];

pub fn cost(f: &mut FieldReader) -> Option<Cost> {
    f.reject_unknown(COST, "a cost");
    let free = f.flag("free");
    if f.present("free").is_none() {
        f.err("free", "is required (true or false)");
    }
    let amount = f.count("amount_sek");
    if let Some(a) = amount.filter(|a| *a > MAX_FEE_SEK) {
        f.err("amount_sek", format!("{a} is more than {MAX_FEE_SEK}"));
    }
    match (free, amount) {
        (Some(true), Some(_)) => f.err(
            "amount_sek",
            "a free session has no fee (leave amount_sek out)",
        ),
        (Some(false), None) if f.present("amount_sek").is_none() => {
            f.err("amount_sek", "is required when free is false")
        }
        (Some(false), Some(0)) => f.err("amount_sek", "a fee of 0 is free: send free: true"),
        _ => {}
    }
    let note = f.text("note", false, MAX_NOTE);
    Some(Cost {
        free: free?,
        amount_sek: amount,
        note,
    })
}

const ACCESSIBILITY: &[&str] = &["interpreter_on_request", "step_free_access", "note"];

pub fn accessibility(f: &mut FieldReader) -> Option<Accessibility> {
    f.reject_unknown(ACCESSIBILITY, "accessibility");
    let interpreter_on_request = f.flag("interpreter_on_request");
    let step_free_access = f.flag("step_free_access");
    let note = f.text("note", false, MAX_NOTE);
    if ACCESSIBILITY.iter().all(|k| f.present(k).is_none()) {
        f.err(
            "note",
            "accessibility needs at least one of its fields (or null)",
        );
    }
    Some(Accessibility {
        interpreter_on_request,
        step_free_access,
        note,
    })
}
