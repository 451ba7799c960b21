//! A session as a parent needs it, on every page that lists sessions: what,
//! its status in one line, when (dates, weekday and times), where (the
//! venue), how, in which languages, places left, cost, how to sign up,
//! accessibility, who runs it, and a calendar link. What the municipality did
//! not send reads *uppgift saknas*, never a guess.

use std::fmt::Write;

use super::html::{delivery_name, esc, language_name, Lang};
use crate::resources::sessions::details::{Cost, Registration, Schedule};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::vocab::{SessionStatus, Weekday};

/// The page of one session, in `lang`.
pub fn href(lang: Lang, id: &uuid::Uuid) -> String {
    match lang {
        Lang::Sv => format!("/kurs/{id}"),
        Lang::En => format!("/en/course/{id}"),
    }
}

/// The page of one programme, in `lang`.
pub fn programme_href(lang: Lang, slug: &str) -> String {
    match lang {
        Lang::Sv => format!("/program/{slug}"),
        Lang::En => format!("/en/programme/{slug}"),
    }
}

/// A status in one line a parent understands.
pub fn status_text(lang: Lang, s: SessionStatus) -> &'static str {
    match s {
        SessionStatus::Open => lang.t(
            "Öppen för anmälan – du kan anmäla dig nu.",
            "Open for registration – you can sign up now.",
        ),
        SessionStatus::Planned => lang.t(
            "Planerad – anmälan har inte öppnat än.",
            "Planned – registration has not opened yet.",
        ),
        SessionStatus::Ongoing => lang.t(
            "Pågår – träffarna har börjat.",
            "Under way – the meetings have started.",
        ),
        SessionStatus::Completed => lang.t("Avslutad.", "Completed."),
        SessionStatus::Cancelled => lang.t(
            "Inställd – kursen blir inte av.",
            "Cancelled – the course will not take place.",
        ),
    }
}

fn weekdays(lang: Lang, d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => lang.t("måndagar", "Mondays"),
        Weekday::Tuesday => lang.t("tisdagar", "Tuesdays"),
        Weekday::Wednesday => lang.t("onsdagar", "Wednesdays"),
        Weekday::Thursday => lang.t("torsdagar", "Thursdays"),
        Weekday::Friday => lang.t("fredagar", "Fridays"),
        Weekday::Saturday => lang.t("lördagar", "Saturdays"),
        Weekday::Sunday => lang.t("söndagar", "Sundays"),
    }
}

/// The session's span and meetings: "3 mars – 21 apr. 2026, 8 träffar".
pub fn dates(lang: Lang, s: &Session) -> String {
    let span = match s.end_date {
        Some(e) if e != s.start_date => format!("{} – {}", lang.date(s.start_date), lang.date(e)),
        _ => lang.date(s.start_date),
    };
    match (s.meetings, lang) {
        (Some(m), Lang::Sv) => format!("{span}, {m} träffar"),
        (Some(m), Lang::En) => format!("{span}, {m} meetings"),
        (None, _) => span,
    }
}

/// "Tisdagar 17:30–19:00", or "kl. 17:30" for dated meetings, or nothing.
pub fn rhythm(lang: Lang, sc: &Schedule) -> Option<String> {
    let times = match (&sc.start_time, &sc.end_time) {
        (Some(a), Some(b)) => Some(format!("{a}–{b}")),
        (Some(a), None) => Some(format!("{} {a}", lang.t("kl.", "at"))),
        _ => None,
    };
    let day = sc.weekday.map(|d| weekdays(lang, d));
    let text = match (day, times) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        (Some(d), None) => d.to_owned(),
        (None, Some(t)) => t,
        (None, None) => return None,
    };
    let mut chars = text.chars();
    let first = chars.next()?.to_uppercase().collect::<String>();
    let mut out = first + chars.as_str();
    if let Some(n) = &sc.note {
        let _ = write!(out, " ({n})");
    }
    Some(out)
}

fn places(lang: Lang, s: &Session, unknown: &str) -> String {
    match (s.places_left, s.capacity) {
        (Some(0), _) => lang.t("Fullt", "Full").to_owned(),
        (Some(n), Some(c)) => format!("{n} {} {c}", lang.t("av", "of")),
        (Some(n), None) => n.to_string(),
        (None, _) => unknown.to_owned(),
    }
}

fn cost(lang: Lang, c: Option<&Cost>, unknown: &str) -> String {
    let Some(c) = c else {
        return unknown.to_owned();
    };
    let mut text = match (c.free, c.amount_sek) {
        (true, _) => lang.t("Gratis", "Free").to_owned(),
        (false, Some(a)) => format!("{} kr", lang.number(f64::from(a), 0)),
        (false, None) => lang.t("Avgift", "A fee").to_owned(),
    };
    if let Some(n) = &c.note {
        let _ = write!(text, " – {n}");
    }
    esc(&text)
}

/// How to sign up, as links a phone can follow; already HTML.
fn registration(lang: Lang, r: Option<&Registration>, unknown: &str) -> String {
    let Some(r) = r else {
        return esc(unknown);
    };
    let mut ways = Vec::new();
    if let Some(u) = &r.url {
        // Validated as http(s) when written, so it cannot be a script URL.
        ways.push(format!(
            r#"<a href="{}">{}</a>"#,
            esc(u),
            lang.t("Anmäl dig", "Sign up")
        ));
    }
    if let Some(e) = &r.email {
        ways.push(format!(r#"<a href="mailto:{0}">{0}</a>"#, esc(e)));
    }
    if let Some(p) = &r.phone {
        let dial: String = p
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        ways.push(format!(r#"<a href="tel:{}">{}</a>"#, esc(&dial), esc(p)));
    }
    if let Some(i) = &r.instructions {
        ways.push(esc(i));
    }
    let mut out = ways.join(" · ");
    if let Some(d) = r.deadline {
        let _ = write!(out, " ({} {})", lang.t("senast", "by"), esc(&lang.date(d)));
    }
    out
}

fn accessibility(lang: Lang, s: &Session) -> Option<String> {
    let a = s.accessibility.as_ref()?;
    let mut parts = Vec::new();
    match a.interpreter_on_request {
        Some(true) => parts.push(lang.t("Tolk kan bokas", "An interpreter can be booked")),
        Some(false) => parts.push(lang.t("Ingen tolk", "No interpreter")),
        None => {}
    }
    match a.step_free_access {
        Some(true) => parts.push(lang.t("lokalen nås utan trappsteg", "step-free venue")),
        Some(false) => parts.push(lang.t("lokalen har trappsteg", "the venue has steps")),
        None => {}
    }
    let mut text = parts.join(", ");
    if let Some(n) = &a.note {
        if !text.is_empty() {
            text.push_str(". ");
        }
        text.push_str(n);
    }
    Some(esc(&text))
}

/// How a card stands on its page.
pub struct Place<'a> {
    /// The level of its heading (the programme's name, linked to the programme's page).
    pub heading: &'a str,
    /// Held in another municipality than the reader's, and open to them.
    pub elsewhere: bool,
    /// Links to the session's own page (not on that page itself).
    pub to_course: bool,
}

/// The session's programme (in `lang`) and municipality, by name; the code
/// or slug where the catalogue has none.
pub fn names(lang: Lang, cat: &ReferenceData, s: &Session) -> (String, String) {
    let programme = cat
        .programme(&s.programme)
        .map_or(s.programme.clone(), |p| {
            lang.t(&p.name_sv, &p.name_en).to_owned()
        });
    let municipality = cat
        .municipality(&s.municipality_code)
        .map_or(s.municipality_code.clone(), |m| m.name.clone());
    (programme, municipality)
}

/// One session as a list item.
pub fn card(lang: Lang, cat: &ReferenceData, s: &Session, at: &Place, out: &mut String) {
    let unknown = lang.t("uppgift saknas", "not stated");
    let (programme, municipality) = names(lang, cat, s);
    let class = if s.status == SessionStatus::Open {
        "session open"
    } else {
        "session"
    };
    let heading = at.heading;
    let _ = write!(
        out,
        r#"<li class="{class}"><{heading}><a href="{}">{}</a></{heading}><p class="status">{}</p>"#,
        esc(&programme_href(lang, &s.programme)),
        esc(&programme),
        esc(status_text(lang, s.status)),
    );
    if at.elsewhere {
        let _ = write!(
            out,
            r#"<p class="elsewhere">{}</p>"#,
            esc(&match lang {
                Lang::Sv =>
                    format!("I {municipality} – öppen även för dig som bor i en annan kommun."),
                Lang::En =>
                    format!("In {municipality} – open to residents of other municipalities too."),
            })
        );
    }
    let when = dates(lang, s);
    let rhythm = s.schedule.as_ref().and_then(|sc| rhythm(lang, sc));
    let languages: Vec<String> = s.languages.iter().map(|l| language_name(lang, l)).collect();
    let mut rows: Vec<(&str, String)> = vec![
        (
            lang.t("När", "When"),
            match &rhythm {
                Some(r) => format!("{}<br>{}", esc(&when), esc(r)),
                None => esc(&when),
            },
        ),
        (
            lang.t("Var", "Where"),
            esc(&s.place(&municipality, lang.t("Digitalt", "Online"))),
        ),
        (
            lang.t("Form", "Delivery"),
            esc(delivery_name(lang, s.delivery)),
        ),
        (
            lang.t("Språk", "Languages"),
            esc(if languages.is_empty() {
                unknown.to_owned()
            } else {
                languages.join(", ")
            }
            .as_str()),
        ),
        (
            lang.t("Platser kvar", "Places left"),
            esc(&places(lang, s, unknown)),
        ),
        (
            lang.t("Kostnad", "Cost"),
            cost(lang, s.cost.as_ref(), unknown),
        ),
        (
            lang.t("Anmälan", "How to sign up"),
            registration(lang, s.registration.as_ref(), unknown),
        ),
    ];
    if let Some(a) = accessibility(lang, s) {
        rows.push((lang.t("Tillgänglighet", "Accessibility"), a));
    }
    rows.push((
        lang.t("Arrangör", "Provider"),
        esc(s.provider.as_deref().unwrap_or(unknown)),
    ));
    out.push_str("<dl>");
    for (term, value) in rows {
        let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", esc(term));
    }
    out.push_str("</dl>");
    // The link texts name the course for a screen reader's list of links.
    let named = format!(
        r#"<span class="visually-hidden">: {}, {}</span>"#,
        esc(&programme),
        esc(&when)
    );
    if at.to_course {
        let _ = write!(
            out,
            r#"<a class="course" href="{}">{}{named}</a> "#,
            esc(&href(lang, &s.id)),
            lang.t("Alla träffar och detaljer", "All meetings and details"),
        );
    }
    let _ = write!(
        out,
        r#"<a class="ics" href="/v1/sessions/{}/calendar.ics">{}{named}</a></li>"#,
        s.id,
        lang.t("Lägg till i kalendern", "Add to calendar"),
    );
}
