//! The session finder ("hitta en kurs"): a plain GET form, and the upcoming
//! sessions it found rendered on the same page.

use std::fmt::Write;

use super::data::PageData;
use super::html::{delivery_name, esc, url_value, Lang};
use super::params::PageQuery;
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::vocab::{Delivery, LANGUAGES};

/// The child's ages 0–17 as options, `chosen` selected.
pub fn age_options(lang: Lang, chosen: Option<i32>, out: &mut String) {
    for age in 0..=17 {
        let label = format!(
            "{age} {}",
            lang.t("år", if age == 1 { "year" } else { "years" })
        );
        option(out, &age.to_string(), &label, chosen == Some(age));
    }
}

/// The languages courses are given in as options, by name, `chosen` selected.
pub fn language_options(lang: Lang, chosen: Option<&str>, out: &mut String) {
    for (code, sv, en) in LANGUAGES {
        option(out, code, lang.t(sv, en), chosen == Some(code));
    }
}

pub fn option(out: &mut String, value: &str, label: &str, selected: bool) {
    let sel = if selected { " selected" } else { "" };
    let _ = write!(
        out,
        r#"<option value="{}"{sel}>{}</option>"#,
        esc(value),
        esc(label)
    );
}

/// The finder: a plain GET form whose results render on the same page.
pub fn finder(q: &PageQuery, d: &PageData, cat: &ReferenceData, base: &str, out: &mut String) {
    let lang = q.lang;
    let f = &q.finder;
    let any = lang.t("Alla", "Any");
    let _ = write!(
        out,
        r#"<section aria-labelledby="finder-h"><h2 id="finder-h">{}</h2><p class="lead">{}</p><form class="finder" method="get" action="{}#finder-h"><input type="hidden" name="year" value="{}"><input type="hidden" name="county" value="{}"><div class="field"><label for="f-municipality">{}</label><select id="f-municipality" name="municipality">"#,
        lang.t("Hitta en kurs", "Find a course"),
        lang.t(
            "Kommande omgångar som startar i dag eller senare.",
            "Upcoming sessions that start today or later."
        ),
        lang.home(),
        q.year,
        esc(&q.county),
        lang.t("Kommun", "Municipality"),
    );
    option(out, "", any, f.municipality.is_none());
    for m in cat.county_members(&q.county).unwrap_or_default() {
        let chosen = f
            .municipality
            .as_ref()
            .is_some_and(|c| c.as_str() == m.code);
        option(out, &m.code, &m.name, chosen);
    }
    let _ = write!(
        out,
        r#"</select></div><div class="field"><label for="f-age">{}</label><select id="f-age" name="child_age">"#,
        lang.t("Barnets ålder", "Child's age")
    );
    option(out, "", any, f.child_age.is_none());
    age_options(lang, f.child_age, out);
    let _ = write!(
        out,
        r#"</select></div><div class="field"><label for="f-language">{}</label><select id="f-language" name="language">"#,
        lang.t("Språk", "Language")
    );
    option(out, "", any, f.language.is_none());
    language_options(lang, f.language.as_deref(), out);
    let _ = write!(
        out,
        r#"</select></div><div class="field"><label for="f-delivery">{}</label><select id="f-delivery" name="delivery">"#,
        lang.t("Form", "Delivery")
    );
    option(out, "", any, f.delivery.is_none());
    for d in Delivery::ALL {
        option(
            out,
            d.as_str(),
            delivery_name(lang, *d),
            f.delivery == Some(*d),
        );
    }
    let _ = write!(
        out,
        r#"</select></div><button type="submit">{}</button></form>"#,
        lang.t("Sök", "Search")
    );
    results(q, d, cat, base, out);
    out.push_str("</section>");
}

fn results(q: &PageQuery, d: &PageData, cat: &ReferenceData, base: &str, out: &mut String) {
    let lang = q.lang;
    let _ = write!(
        out,
        r#"<h3 id="results-h" aria-live="polite">{}</h3>"#,
        match (d.sessions.len(), d.more_sessions) {
            (0, _) => lang
                .t(
                    "Inga kommande omgångar matchar.",
                    "No upcoming sessions match."
                )
                .to_owned(),
            (n, true) => format!(
                "{} {n}:",
                lang.t(
                    "Fler kommande omgångar matchar än som visas här. De första",
                    "More upcoming sessions match than are shown here. The first"
                )
            ),
            (n, false) => format!("{n} {}", lang.t("kommande omgångar", "upcoming sessions")),
        }
    );
    if d.sessions.is_empty() {
        return;
    }
    session_list(lang, cat, &d.sessions, "h4", out);
    let feed = feed_query(q, cat);
    let _ = write!(
        out,
        r#"<p class="more">{} · <a href="{}">{}</a></p>"#,
        super::html::subscribe_link(
            base,
            &format!("/v1/sessions.ics{feed}"),
            lang.t(
                "Prenumerera på de här kurserna i din kalender",
                "Subscribe to these courses in your calendar"
            )
        ),
        esc(&format!("/v1/sessions{feed}")),
        lang.t("Alla träffar som data (JSON)", "All matches as data (JSON)"),
    );
}

/// The finder's filters as a query string for the API's lists: without a
/// chosen municipality, the county's, as the finder searched.
fn feed_query(q: &PageQuery, cat: &ReferenceData) -> String {
    let f = &q.finder;
    let mut parts = Vec::new();
    match &f.municipality {
        Some(m) => parts.push(format!("municipality={}", url_value(m.as_str()))),
        None => {
            for m in cat.county_members(&q.county).unwrap_or_default() {
                parts.push(format!("municipality={}", url_value(&m.code)));
            }
        }
    }
    if let Some(a) = f.child_age {
        parts.push(format!("child_age={a}"));
    }
    if let Some(l) = &f.language {
        parts.push(format!("language={}", url_value(l)));
    }
    if let Some(d) = f.delivery {
        parts.push(format!("delivery={}", d.as_str()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// Sessions as a list of cards (see [`super::card`]), each with its
/// programme as a heading of level `heading`.
pub fn session_list(
    lang: Lang,
    cat: &ReferenceData,
    sessions: &[Session],
    heading: &str,
    out: &mut String,
) {
    out.push_str(r#"<ul class="sessions">"#);
    for s in sessions {
        let at = super::card::Place {
            heading,
            elsewhere: false,
            to_course: true,
        };
        super::card::card(lang, cat, s, &at, out);
    }
    out.push_str("</ul>");
}
