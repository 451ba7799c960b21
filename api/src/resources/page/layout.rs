//! The page around the sections: head, header with the language switch, the
//! year and county choice, the open-data links, and the footer.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::assets;
use super::data::PageData;
use super::html::{download_link, esc, url_value, Lang};
use super::params::PageQuery;
use super::{finder, sections};
use crate::config::Publisher;
use crate::store::reference::ReferenceData;

/// What every page of this deployment shares: the origin its links start
/// with, and who publishes it (the header names them).
pub struct Site<'a> {
    pub base: &'a str,
    pub publisher: &'a Publisher,
}

/// What the frame of a page needs: its language, title and description, its
/// path in each language (for `hreflang` and the language switch), and the
/// shortcuts its header offers (fragment, label).
pub struct Frame<'a> {
    pub lang: Lang,
    pub title: &'a str,
    pub description: &'a str,
    pub sv_path: &'a str,
    pub en_path: &'a str,
    pub shortcuts: &'a [(&'a str, &'a str)],
}

/// Everything before the page's own content: head, header, the start of
/// `main` and its `h1`.
pub fn open(f: &Frame, site: &Site, out: &mut String) {
    let base = site.base;
    let lang = f.lang;
    let (sv, en) = (f.sv_path, f.en_path);
    // Escaped although `http::origin` lets only a clean host through: a
    // link is HTML, whatever built it.
    let (href_sv, href_en) = (esc(&format!("{base}{sv}")), esc(&format!("{base}{en}")));
    let _ = write!(
        out,
        r#"<!doctype html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{}</title><meta name="description" content="{}"><link rel="alternate" hreflang="sv" href="{href_sv}"><link rel="alternate" hreflang="en" href="{href_en}"><link rel="alternate" hreflang="x-default" href="{href_sv}"><link rel="alternate" type="application/ld+json" title="DCAT-AP-SE" href="/v1/catalog"><link rel="stylesheet" href="{}"><script src="{}" defer></script></head><body>"#,
        lang.code(),
        esc(f.title),
        esc(f.description),
        assets::CSS_URL.as_str(),
        assets::JS_URL.as_str(),
    );
    let other = match lang {
        Lang::Sv => (Lang::En, "English", en),
        Lang::En => (Lang::Sv, "Svenska", sv),
    };
    let _ = write!(
        out,
        r##"<a class="skip" href="#main">{}</a><header class="site"><div class="wrap"><p class="org">{}</p><nav aria-label="{}"><ul>"##,
        lang.t("Hoppa till innehållet", "Skip to content"),
        esc(lang.t(&site.publisher.name_sv, &site.publisher.name_en)),
        lang.t("Genvägar", "Shortcuts"),
    );
    for (href, label) in f.shortcuts {
        let _ = write!(
            out,
            r#"<li><a href="{}">{}</a></li>"#,
            esc(href),
            esc(label)
        );
    }
    let _ = write!(
        out,
        r#"<li><a href="{}" hreflang="{}" lang="{}">{}</a></li></ul></nav></div></header><main id="main" tabindex="-1"><div class="wrap"><h1>{}</h1>"#,
        esc(other.2),
        other.0.code(),
        other.0.code(),
        other.1,
        esc(f.title)
    );
}

/// Everything after the page's own content: the end of `main` and the footer.
pub fn close(lang: Lang, out: &mut String) {
    let _ = write!(
        out,
        r#"</div></main><footer class="site"><div class="wrap"><p>{} <a href="https://creativecommons.org/publicdomain/zero/1.0/deed.{}" rel="license">CC0 1.0</a>. {}</p></div></footer></body></html>"#,
        lang.t("Data får användas fritt:", "The data may be used freely:"),
        lang.code(),
        lang.t(
            "Sidan byggs av samma funktioner som API:et och fungerar utan JavaScript.",
            "This page is built by the same functions as the API and works without JavaScript."
        ),
    );
}

/// The whole page.
pub fn page(q: &PageQuery, d: &PageData, cat: &ReferenceData, site: &Site) -> String {
    let lang = q.lang;
    let mut out = String::with_capacity(64 * 1024);
    let county = sections::county_name(cat, &q.county);
    // The home county's page says what its publisher configured, if anything.
    let publisher = site.publisher;
    let home = q.county == publisher.home_county;
    let configured = |sv: &Option<String>, en: &Option<String>| {
        let text = match lang {
            Lang::Sv => sv,
            Lang::En => en,
        };
        text.clone().filter(|_| home)
    };
    let title = configured(&publisher.site_title_sv, &publisher.site_title_en).unwrap_or_else(
        || match lang {
            Lang::Sv => format!("Föräldraskapsstöd i {county} – öppna data"),
            Lang::En => format!("Parenting support in {county} – open data"),
        },
    );
    let description = configured(&publisher.site_description_sv, &publisher.site_description_en).unwrap_or_else(|| match lang {
        Lang::Sv => format!("Räckvidd, indikatorer och kommande kurser i föräldraskapsstöd i kommunerna i {county}."),
        Lang::En => format!("Reach, indicators and upcoming parenting-support courses in the municipalities of {county}."),
    });
    let finder_path = lang.finder();
    let shortcuts = [
        (finder_path, lang.t("Hitta stöd", "Find support")),
        ("#reach-h", lang.t("Räckvidd", "Reach")),
        ("#ind-h", lang.t("Indikatorer", "Indicators")),
        ("#effects-h", lang.t("Effekter", "Effects")),
        ("#finder-h", lang.t("Hitta en kurs", "Find a course")),
        ("#data-h", lang.t("Öppna data", "Open data")),
    ];
    let frame = Frame {
        lang,
        title: &title,
        description: &description,
        sv_path: "/",
        en_path: "/en/",
        shortcuts: &shortcuts,
    };
    open(&frame, site, &mut out);
    // A parent comes for a course: the way to one is the first thing on a phone.
    let _ = write!(
        out,
        r#"<p class="find"><a class="button" href="{finder_path}">{}</a></p>"#,
        lang.t(
            "Hitta en föräldrakurs du kan gå →",
            "Find a parenting course you can join →"
        )
    );
    notice(lang, d.notice.synthetic, d.updated, &mut out);
    choose_year(q, d, cat, &mut out);
    sections::reach(q, d, cat, &mut out);
    sections::indicators(q, d, &mut out);
    super::effects::section(lang, &d.evaluation, &mut out);
    finder::finder(q, d, cat, site.base, &mut out);
    let members: Vec<String> = cat
        .county_members(&q.county)
        .unwrap_or_default()
        .iter()
        .map(|m| m.code.clone())
        .collect();
    open_data(q, (&county, &members.join(",")), &mut out);
    close(lang, &mut out);
    out
}

/// The data's date and whether it is synthetic, in plain words.
pub fn notice(lang: Lang, synthetic: bool, updated: Option<DateTime<Utc>>, out: &mut String) {
    let date = updated
        .map(|t| lang.date(t.date_naive()))
        .unwrap_or_else(|| {
            lang.t("ingen uppgift ännu", "nothing reported yet")
                .to_owned()
        });
    let _ = write!(
        out,
        r#"<p class="updated">{} {}.</p>"#,
        lang.t("Senast ändrad uppgift:", "Latest change to the data:"),
        esc(&date)
    );
    if synthetic {
        let _ = write!(
            out,
            r#"<p class="notice" role="note"><strong>{}</strong> {}</p>"#,
            lang.t("Påhittade exempeldata.", "Made-up example data."),
            lang.t(
                "Siffrorna på den här sidan är genererade för att visa hur tjänsten fungerar. De kommer inte från någon kommun.",
                "The figures on this page are generated to show how the service works. They do not come from any municipality."
            )
        );
    }
}

/// A GET form for the statistics' year and county (no script needed).
fn choose_year(q: &PageQuery, d: &PageData, cat: &ReferenceData, out: &mut String) {
    let lang = q.lang;
    let mut years: Vec<i32> = d.by_year.iter().filter_map(|r| r.year).collect();
    if !years.contains(&q.year) {
        years.push(q.year);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let _ = write!(
        out,
        r#"<form class="choose" method="get" action="{}"><div class="field"><label for="c-year">{}</label><select id="c-year" name="year">"#,
        lang.home(),
        lang.t("År", "Year")
    );
    for y in years {
        let sel = if y == q.year { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{y}"{sel}>{y}</option>"#);
    }
    let _ = write!(
        out,
        r#"</select></div><div class="field"><label for="c-county">{}</label><select id="c-county" name="county">"#,
        lang.t("Län", "County")
    );
    let mut counties: Vec<(&str, &str)> = cat
        .municipalities
        .iter()
        .map(|m| (m.county_code.as_str(), m.county_name.as_str()))
        .collect();
    counties.sort_unstable();
    counties.dedup();
    for (code, name) in counties {
        let sel = if code == q.county { " selected" } else { "" };
        let _ = write!(
            out,
            r#"<option value="{}"{sel}>{}</option>"#,
            esc(code),
            esc(name)
        );
    }
    let _ = write!(
        out,
        r#"</select></div><button type="submit">{}</button></form>"#,
        lang.t("Visa", "Show")
    );
}

/// The downloads of what the page shows: the county and year on screen.
fn open_data(q: &PageQuery, (county, members): (&str, &str), out: &mut String) {
    let lang = q.lang;
    let (c, y) = (url_value(&q.county), q.year);
    let on_screen = format!("{county}, {y}");
    let links = [
        (
            "/docs".to_owned(),
            lang.t(
                "API-dokumentation för utvecklare",
                "API documentation for developers",
            )
            .to_owned(),
        ),
        (
            format!("/v1/sessions?municipality={members}&format=csv"),
            format!(
                "{} (CSV, {county})",
                lang.t("Alla omgångar", "All sessions")
            ),
        ),
        (
            format!("/v1/reach?group_by=municipality&county={c}&from={y}&to={y}&format=csv"),
            format!(
                "{} (CSV, {on_screen})",
                lang.t("Räckvidd per kommun", "Reach by municipality")
            ),
        ),
        (
            format!("/v1/reach?group_by=year&county={c}&format=csv"),
            format!(
                "{} (CSV, {county})",
                lang.t("Länets räckvidd per år", "The county's reach by year")
            ),
        ),
        (
            format!("/v1/indicators?year={y}&county={c}&format=csv"),
            format!("{} (CSV, {on_screen})", lang.t("Indikatorer", "Indicators")),
        ),
        (
            "/v1/sessions.ics".to_owned(),
            lang.t(
                "Kommande kurser som kalender (iCalendar)",
                "Upcoming courses as a calendar (iCalendar)",
            )
            .to_owned(),
        ),
        (
            "/v1/catalog".to_owned(),
            lang.t("Datakatalog (DCAT-AP-SE)", "Data catalogue (DCAT-AP-SE)")
                .to_owned(),
        ),
        (
            "/v1/api-info".to_owned(),
            lang.t(
                "Om API:et, gränser och röjandekontroll",
                "About the API, limits and disclosure control",
            )
            .to_owned(),
        ),
    ];
    let _ = write!(
        out,
        r#"<section aria-labelledby="data-h"><h2 id="data-h">{}</h2><p class="lead">{}</p><ul class="links">"#,
        lang.t("Öppna data", "Open data"),
        lang.t(
            "Allt på sidan finns som öppna data under licensen CC0: fritt att använda, utan villkor.",
            "Everything on this page is open data under CC0: free to use, without conditions."
        )
    );
    for (href, text) in links {
        download_link(&href, &text, out);
    }
    out.push_str("</ul></section>");
}
