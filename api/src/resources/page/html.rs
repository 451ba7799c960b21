//! The small toolkit the page is written with: HTML escaping, the two
//! languages, and numbers and dates as each language writes them.

use std::fmt::Write;

use chrono::NaiveDate;

use crate::vocab::{Delivery, LANGUAGES};

/// The page's language. Swedish first: the page is for the county's residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Sv,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The path of the page in this language.
    pub fn home(self) -> &'static str {
        match self {
            Lang::Sv => "/",
            Lang::En => "/en/",
        }
    }

    /// The path of the finder for parents in this language.
    pub const fn finder(self) -> &'static str {
        match self {
            Lang::Sv => "/hitta-stod",
            Lang::En => "/en/find-support",
        }
    }

    /// Picks the text in this language.
    pub fn t<'a>(self, sv: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Sv => sv,
            Lang::En => en,
        }
    }

    /// What a suppressed figure reads as: never a zero, never blank.
    pub fn too_few(self) -> &'static str {
        self.t("för få", "too few")
    }

    /// A number with `decimals` decimals, grouped as the language does
    /// (Swedish: `1 234,5` with a no-break space; English: `1,234.5`).
    pub fn number(self, v: f64, decimals: usize) -> String {
        let s = format!("{:.*}", decimals, v.abs());
        let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
        let (group, point) = self.t_sep();
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push_str(group);
            }
            grouped.push(c);
        }
        let sign = if v < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
            "−"
        } else {
            ""
        };
        if frac.is_empty() {
            format!("{sign}{grouped}")
        } else {
            format!("{sign}{grouped}{point}{frac}")
        }
    }

    fn t_sep(self) -> (&'static str, &'static str) {
        match self {
            Lang::Sv => ("\u{a0}", ","),
            Lang::En => (",", "."),
        }
    }

    /// `3 feb. 2025` / `3 Feb 2025`.
    pub fn date(self, d: NaiveDate) -> String {
        const SV: [&str; 12] = [
            "jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.",
            "dec.",
        ];
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        use chrono::Datelike;
        let m = d.month0() as usize;
        let month = match self {
            Lang::Sv => SV[m],
            Lang::En => EN[m],
        };
        format!("{} {month} {}", d.day(), d.year())
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value (the finder's links carry user input).
pub fn url_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A download as a list item; a CSV download is offered as an Excel
/// workbook beside it, named for a screen reader by what it holds.
pub fn download_link(href: &str, text: &str, out: &mut String) {
    let _ = write!(out, r#"<li><a href="{}">{}</a>"#, esc(href), esc(text));
    if href.contains("format=csv") {
        let _ = write!(
            out,
            r#" · <a href="{}">Excel<span class="visually-hidden">: {}</span></a>"#,
            esc(&href.replace("format=csv", "format=xlsx")),
            esc(text)
        );
    }
    out.push_str("</li>");
}

/// A link that subscribes a calendar app to `feed` (a path and query under
/// `base`): `webcal:`, which calendar apps take as "subscribe", not "import
/// once". `data-feed` holds the web address, for the copy button.
pub fn subscribe_link(base: &str, feed: &str, text: &str) -> String {
    let host = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .unwrap_or(base);
    format!(
        r#"<a href="{}" data-feed="{}">{}</a>"#,
        esc(&format!("webcal://{host}{feed}")),
        esc(&format!("{base}{feed}")),
        esc(text)
    )
}

/// A way of delivery in words.
pub fn delivery_name(lang: Lang, d: Delivery) -> &'static str {
    match d {
        Delivery::InPerson => lang.t("på plats", "in person"),
        Delivery::Digital => lang.t("digitalt", "online"),
        Delivery::Hybrid => lang.t("på plats och digitalt", "in person and online"),
    }
}

/// A language by its ISO 639-1 code, in words (the code where unknown).
pub fn language_name(lang: Lang, code: &str) -> String {
    LANGUAGES
        .iter()
        .find(|l| l.0 == code)
        .map_or(code.to_owned(), |l| lang.t(l.1, l.2).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn numbers_are_written_as_each_language_does() {
        assert_eq!(Lang::Sv.number(1234.56, 1), "1\u{a0}234,6");
        assert_eq!(Lang::En.number(1234.56, 1), "1,234.6");
        assert_eq!(Lang::En.number(-0.04, 1), "0.0");
        assert_eq!(Lang::Sv.number(-2.5, 1), "−2,5");
        assert_eq!(Lang::En.number(999.0, 0), "999");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_value("a b&c=ö"), "a%20b%26c%3D%C3%B6");
    }
}
