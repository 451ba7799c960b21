//! Errors for people: a page in the visitor's language that says what went
//! wrong and offers a way on, where the API would answer problem+json.

use std::fmt::Write;

use poem::http::StatusCode;

use super::html::{esc, Lang};
use super::layout::{self, Frame, Site};
use crate::config::Publisher;

/// A page for a person who asked for something that is not there, or gave a
/// parameter the page cannot read: what went wrong and a way on.
pub fn error_page(lang: Lang, heading: &str, message: &str, site: &Site) -> String {
    let mut out = String::new();
    layout::open(
        &Frame {
            lang,
            title: heading,
            description: message,
            sv_path: "/",
            en_path: "/en/",
            shortcuts: &[],
        },
        site,
        &mut out,
    );
    let _ = write!(
        out,
        r#"<p>{}</p><p><a href="{}">{}</a></p>"#,
        esc(message),
        lang.home(),
        lang.t("Till startsidan", "To the home page")
    );
    layout::close(lang, &mut out);
    out
}

/// Paths that belong to the API and its machinery: their errors stay
/// problem+json, whoever asks.
const API_PATHS: [&str; 5] = ["/v1/", "/openapi.", "/metrics", "/health", "/docs"];

/// The error of `path` as a page, when `path` is a page for people (any
/// path outside the API's); English under `/en/`.
pub fn people_error(
    path: &str,
    status: StatusCode,
    detail: &str,
    publisher: &Publisher,
) -> Option<String> {
    if API_PATHS.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let lang = if path == "/en" || path.starts_with("/en/") {
        Lang::En
    } else {
        Lang::Sv
    };
    let (heading, message) = match status {
        StatusCode::NOT_FOUND => (
            lang.t("Sidan finns inte", "There is no such page"),
            match lang {
                Lang::Sv => format!("Det finns ingen sida på adressen {path}."),
                Lang::En => format!("There is no page at {path}."),
            },
        ),
        StatusCode::BAD_REQUEST => (
            lang.t("Sidan kan inte visas", "The page cannot be shown"),
            match lang {
                Lang::Sv => format!("Något i adressen går inte att läsa: {detail}"),
                Lang::En => format!("Something in the address cannot be read: {detail}"),
            },
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            lang.t("Det går inte här", "Not possible here"),
            lang.t(
                "Sidan kan bara läsas, inte skickas till.",
                "This page can only be read, not sent to.",
            )
            .to_owned(),
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            lang.t("För många förfrågningar", "Too many requests"),
            lang.t(
                "Vänta en stund och försök igen.",
                "Please wait a moment and try again.",
            )
            .to_owned(),
        ),
        s if s.is_server_error() => (
            lang.t("Något gick fel hos oss", "Something went wrong on our side"),
            lang.t(
                "Sidan kan inte visas just nu. Försök igen om en stund.",
                "The page cannot be shown right now. Please try again in a moment.",
            )
            .to_owned(),
        ),
        _ => (
            lang.t("Sidan kan inte visas", "The page cannot be shown"),
            detail.to_owned(),
        ),
    };
    let site = Site {
        base: "",
        publisher,
    };
    Some(error_page(lang, heading, &message, &site))
}
