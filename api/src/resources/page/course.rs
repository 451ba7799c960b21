//! `/kurs/{id}` (`/en/course/{id}`): one session as a parent needs it — the
//! card's facts, every meeting with its time, the programme it belongs to,
//! and how to add it to a calendar. The calendar's `URL` points here.

use std::fmt::Write;

use super::card::{self, href};
use super::html::{esc, Lang};
use super::layout::{self, Frame, Site};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;

/// The whole page of `s`, in `lang`.
pub fn page(lang: Lang, s: &Session, cat: &ReferenceData, site: &Site) -> String {
    let mut out = String::with_capacity(12 * 1024);
    let (programme, municipality) = card::names(lang, cat, s);
    let title = match lang {
        Lang::Sv => format!("{programme} i {municipality}, {}", lang.date(s.start_date)),
        Lang::En => format!("{programme} in {municipality}, {}", lang.date(s.start_date)),
    };
    let description = match lang {
        Lang::Sv => format!("När, var, kostnad och anmälan för {programme} i {municipality}."),
        Lang::En => {
            format!("When, where, cost and how to sign up for {programme} in {municipality}.")
        }
    };
    let (sv_path, en_path) = (href(Lang::Sv, &s.id), href(Lang::En, &s.id));
    layout::open(
        &Frame {
            lang,
            title: &title,
            description: &description,
            sv_path: &sv_path,
            en_path: &en_path,
            shortcuts: &[
                ("#course-h", lang.t("Kursen", "The course")),
                ("#meetings-h", lang.t("Träffar", "Meetings")),
            ],
        },
        site,
        &mut out,
    );
    let _ = write!(
        out,
        r#"<section aria-labelledby="course-h"><h2 id="course-h" class="visually-hidden">{}</h2><ul class="sessions">"#,
        lang.t("Kursen", "The course")
    );
    let at = card::Place {
        heading: "h3",
        elsewhere: false,
        to_course: false,
    };
    card::card(lang, cat, s, &at, &mut out);
    let _ = write!(
        out,
        r#"</ul><p class="more"><a href="{}">{}</a> · <a href="/v1/sessions/{}">{}</a></p></section>"#,
        esc(&super::card::programme_href(lang, &s.programme)),
        esc(&match lang {
            Lang::Sv => format!("Om programmet {programme}"),
            Lang::En => format!("About the programme {programme}"),
        }),
        s.id,
        lang.t("Kursen som data (JSON)", "This course as data (JSON)"),
    );
    meetings(lang, s, &mut out);
    layout::close(lang, &mut out);
    out
}

/// Every meeting the schedule gives, with its time of day.
fn meetings(lang: Lang, s: &Session, out: &mut String) {
    let _ = write!(
        out,
        r#"<section aria-labelledby="meetings-h"><h2 id="meetings-h">{}</h2>"#,
        lang.t("Träffar", "Meetings")
    );
    let dates = s
        .schedule
        .as_ref()
        .map(|sc| sc.meeting_dates(s.start_date, s.meetings))
        .unwrap_or_default();
    if dates.is_empty() {
        let _ = write!(
            out,
            "<p>{}</p></section>",
            lang.t(
                "Kommunen har inte angett datum för de enskilda träffarna.",
                "The municipality has not given the dates of the single meetings."
            )
        );
        return;
    }
    let times = s
        .schedule
        .as_ref()
        .and_then(|sc| match (&sc.start_time, &sc.end_time) {
            (Some(a), Some(b)) => Some(format!(" {a}–{b}")),
            (Some(a), None) => Some(format!(" {a}")),
            _ => None,
        });
    out.push_str(r#"<ol class="meetings">"#);
    for d in dates {
        let _ = write!(
            out,
            r#"<li><time datetime="{d}">{}</time>{}</li>"#,
            esc(&lang.date(d)),
            esc(times.as_deref().unwrap_or_default())
        );
    }
    out.push_str("</ol></section>");
}
