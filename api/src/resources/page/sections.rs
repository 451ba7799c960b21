//! The page's sections: reach, the indicators, the session finder.

use std::fmt::Write;

use super::chart::{reach_rate, Bar, BarChart, Figure};
use super::data::PageData;
use super::html::{esc, url_value, Lang};
use super::params::PageQuery;
use crate::resources::reach::wire::Indicator;
use crate::store::catalogue::Catalogues;
use crate::vocab::{Delivery, SessionStatus};

/// Reach per municipality for the year, ranked, with the county marked; then
/// the county per year.
pub fn reach(q: &PageQuery, d: &PageData, cat: &Catalogues, out: &mut String) {
    let lang = q.lang;
    let county_name = county_name(cat, &q.county);
    // Every municipality of the county gets a row: one without counted
    // sessions has no figure, which is said, not drawn as zero.
    let mut bars: Vec<Bar> = cat
        .county_members(&q.county)
        .unwrap_or_default()
        .into_iter()
        .map(|m| Bar {
            label: m.name.clone(),
            figure: d
                .by_municipality
                .iter()
                .find(|r| r.municipality.as_deref() == Some(&m.code))
                .map_or(Figure::Unknown, reach_rate),
        })
        .collect();
    bars.sort_by(|a, b| rank(b.figure).total_cmp(&rank(a.figure)));
    let reference = d.county_total.as_ref().and_then(|r| match reach_rate(r) {
        Figure::Shown(v) => Some(v),
        _ => None,
    });
    let title = format!(
        "{} {}, {}",
        lang.t(
            "Deltaganden per 1 000 barn per kommun",
            "Participations per 1,000 children by municipality"
        ),
        q.year,
        county_name
    );
    let _ = write!(
        out,
        r#"<section aria-labelledby="reach-h"><h2 id="reach-h">{}</h2><p class="lead">{}</p>"#,
        lang.t("Hur många nås av föräldraskapsstöd?", "How many does parenting support reach?"),
        lang.t(
            "Inskrivna deltaganden i pågående och avslutade omgångar per 1 000 barn i kommunens referensbefolkning. En förälder som går två kurser räknas två gånger. Små antal döljs för att ingen ska kunna identifieras.",
            "Participations enrolled in ongoing and completed sessions per 1,000 children of the municipality's reference population. A parent in two courses counts twice. Small counts are hidden so that no one can be identified."
        )
    );
    let county_label = lang.t("Länet", "County");
    BarChart {
        id: "reach-chart",
        title: &title,
        description: lang.t(
            "Stapeldiagram, rangordnat från högst till lägst. Den streckade linjen är länets värde.",
            "Bar chart, ranked from highest to lowest. The dashed line is the county's figure.",
        ),
        label_header: lang.t("Kommun", "Municipality"),
        value_header: lang.t("Per 1 000 barn", "Per 1,000 children"),
        bars: &bars,
        reference: reference.map(|v| (county_label, v)),
    }
    .render(lang, out);
    let trend: Vec<Bar> = d
        .by_year
        .iter()
        .filter_map(|r| {
            r.year.map(|y| Bar {
                label: y.to_string(),
                figure: reach_rate(r),
            })
        })
        .collect();
    let trend_title = format!(
        "{}, {}",
        lang.t(
            "Deltaganden per 1 000 barn per år",
            "Participations per 1,000 children per year"
        ),
        county_name
    );
    let _ = write!(
        out,
        "<h3>{}</h3>",
        lang.t("Utvecklingen över åren", "The trend over the years")
    );
    BarChart {
        id: "trend-chart",
        title: &trend_title,
        description: lang.t(
            "Stapeldiagram med ett år per stapel. Innevarande år är inte avslutat.",
            "Bar chart with one bar per year. The current year is not over.",
        ),
        label_header: lang.t("År", "Year"),
        value_header: lang.t("Per 1 000 barn", "Per 1,000 children"),
        bars: &trend,
        reference: None,
    }
    .render(lang, out);
    out.push_str("</section>");
}

/// Shown figures first, highest first; hidden and missing ones last.
fn rank(f: Figure) -> f64 {
    match f {
        Figure::Shown(v) => v,
        Figure::TooFew => -1.0,
        Figure::Unknown => -2.0,
    }
}

fn county_name(cat: &Catalogues, code: &str) -> String {
    cat.municipalities
        .iter()
        .find(|m| m.county_code == code)
        .map_or(code.to_owned(), |m| m.county_name.clone())
}

/// The county's indicators for the year, with definitions and the change.
pub fn indicators(q: &PageQuery, d: &PageData, out: &mut String) {
    let lang = q.lang;
    let report = &d.indicators;
    let _ = write!(
        out,
        r#"<section aria-labelledby="ind-h"><h2 id="ind-h">{}</h2><p class="lead">{}</p><div class="table-wrap"><table class="indicators"><caption>{} {}, {}</caption><thead><tr><th scope="col">{}</th><th scope="col" class="num">{} {}</th><th scope="col" class="num">{} {}</th></tr></thead><tbody>"#,
        lang.t("Inriktningsbeslutets indikatorer", "The decision's indicators"),
        lang.t(
            "Den regionala samlingens kortsiktiga effekter, mätta för länet. Varje indikator har sin definition under namnet.",
            "The regional collaboration's short-term effects, measured for the county. Each indicator's definition is below its name."
        ),
        lang.t("Indikatorer", "Indicators"),
        report.year,
        esc(&report.county_name),
        lang.t("Indikator", "Indicator"),
        lang.t("Värde", "Value"),
        report.year,
        lang.t("Förändring från", "Change from"),
        report.previous_year,
    );
    if let Some(county) = report.areas.iter().find(|a| a.level == "county") {
        for i in &county.indicators {
            let (label, definition) = match lang {
                Lang::Sv => (&i.label.sv, &i.definition.sv),
                Lang::En => (&i.label.en, &i.definition.en),
            };
            let _ = write!(
                out,
                r#"<tr><th scope="row"><span class="ind-label">{}</span><span class="ind-def">{}</span></th><td class="num">{}</td><td class="num">{}</td></tr>"#,
                esc(label),
                esc(definition),
                esc(&value_text(lang, i)),
                esc(&change_text(lang, i)),
            );
        }
    }
    out.push_str("</tbody></table></div></section>");
}

fn value_text(lang: Lang, i: &Indicator) -> String {
    match i.value {
        Some(v) => in_unit(lang, &i.unit, v),
        None if i
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with("suppressed")) =>
        {
            lang.too_few().to_owned()
        }
        None => lang.t("uppgift saknas", "no figure").to_owned(),
    }
}

fn in_unit(lang: Lang, unit: &str, v: f64) -> String {
    match unit {
        "share" => format!("{}\u{a0}%", lang.number(v * 100.0, 1)),
        "ratio" => lang.number(v, 2),
        "count" => lang.number(v, 0),
        _ => lang.number(v, 1),
    }
}

fn change_text(lang: Lang, i: &Indicator) -> String {
    let Some(c) = i.change else {
        return "–".to_owned();
    };
    let sign = if c > 0.0 { "+" } else { "" };
    match i.unit.as_str() {
        "share" => format!(
            "{sign}{} {}",
            lang.number(c * 100.0, 1),
            lang.t("procentenheter", "percentage points")
        ),
        unit => format!("{sign}{}", in_unit(lang, unit, c)),
    }
}

/// Languages the finder offers (ISO 639-1), with their names.
const LANGUAGES: &[(&str, &str, &str)] = &[
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

pub fn delivery_name(lang: Lang, d: Delivery) -> &'static str {
    match d {
        Delivery::InPerson => lang.t("på plats", "in person"),
        Delivery::Digital => lang.t("digitalt", "online"),
        Delivery::Hybrid => lang.t("på plats och digitalt", "in person and online"),
    }
}

fn language_name(lang: Lang, code: &str) -> String {
    LANGUAGES
        .iter()
        .find(|l| l.0 == code)
        .map_or(code.to_owned(), |l| lang.t(l.1, l.2).to_owned())
}

fn option(out: &mut String, value: &str, label: &str, selected: bool) {
    let sel = if selected { " selected" } else { "" };
    let _ = write!(
        out,
        r#"<option value="{}"{sel}>{}</option>"#,
        esc(value),
        esc(label)
    );
}

/// The finder: a plain GET form whose results render on the same page.
pub fn finder(q: &PageQuery, d: &PageData, cat: &Catalogues, out: &mut String) {
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
    for age in 0..=17 {
        let label = format!(
            "{age} {}",
            lang.t("år", if age == 1 { "year" } else { "years" })
        );
        option(out, &age.to_string(), &label, f.child_age == Some(age));
    }
    let _ = write!(
        out,
        r#"</select></div><div class="field"><label for="f-language">{}</label><select id="f-language" name="language">"#,
        lang.t("Språk", "Language")
    );
    option(out, "", any, f.language.is_none());
    for (code, sv, en) in LANGUAGES {
        option(
            out,
            code,
            lang.t(sv, en),
            f.language.as_deref() == Some(code),
        );
    }
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
    results(q, d, cat, out);
    out.push_str("</section>");
}

fn results(q: &PageQuery, d: &PageData, cat: &Catalogues, out: &mut String) {
    let lang = q.lang;
    let _ = write!(
        out,
        r#"<h3 id="results-h" aria-live="polite">{}</h3>"#,
        match d.sessions.len() {
            0 => lang
                .t(
                    "Inga kommande omgångar matchar.",
                    "No upcoming sessions match."
                )
                .to_owned(),
            n => format!("{n} {}", lang.t("kommande omgångar", "upcoming sessions")),
        }
    );
    if d.sessions.is_empty() {
        return;
    }
    out.push_str(r#"<ul class="sessions">"#);
    for s in &d.sessions {
        let programme = cat
            .programme(&s.programme)
            .map_or(s.programme.clone(), |p| {
                lang.t(&p.name_sv, &p.name_en).to_owned()
            });
        let municipality = cat
            .municipality(&s.municipality_code)
            .map_or(s.municipality_code.clone(), |m| m.name.clone());
        let place = match &s.area {
            Some(a) => format!("{municipality}, {a}"),
            None => municipality,
        };
        let dates = match s.end_date {
            Some(e) if e != s.start_date => {
                format!("{} – {}", lang.date(s.start_date), lang.date(e))
            }
            _ => lang.date(s.start_date),
        };
        let languages: Vec<String> = s.languages.iter().map(|l| language_name(lang, l)).collect();
        let status = match s.status {
            SessionStatus::Open => lang.t("Öppen för anmälan", "Open for registration"),
            SessionStatus::Cancelled => lang.t("Inställd", "Cancelled"),
            _ => lang.t("Planerad", "Planned"),
        };
        let _ = write!(
            out,
            r#"<li class="session"><h4>{}</h4><p class="status">{}</p><dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}, {}</dd></dl><a class="ics" href="/v1/sessions/{}/calendar.ics">{}<span class="visually-hidden">: {}, {}</span></a></li>"#,
            esc(&programme),
            esc(status),
            lang.t("Datum", "Dates"),
            esc(&dates),
            lang.t("Plats", "Place"),
            esc(&place),
            lang.t("Arrangör", "Provider"),
            esc(s.provider.as_deref().unwrap_or("–")),
            lang.t("Språk och form", "Language and delivery"),
            esc(&languages.join(", ")),
            delivery_name(lang, s.delivery),
            s.id,
            lang.t("Lägg till i kalendern", "Add to calendar"),
            esc(&programme),
            esc(&dates),
        );
    }
    out.push_str("</ul>");
    let feed = feed_query(q);
    let _ = write!(
        out,
        r#"<p class="more"><a href="/v1/sessions.ics{feed}">{}</a> · <a href="/v1/sessions{feed}">{}</a></p>"#,
        lang.t(
            "Prenumerera på de här kurserna i din kalender",
            "Subscribe to these courses in your calendar"
        ),
        lang.t("Alla träffar som data (JSON)", "All matches as data (JSON)"),
    );
}

/// The finder's filters as a query string for the API's lists.
fn feed_query(q: &PageQuery) -> String {
    let f = &q.finder;
    let mut parts = Vec::new();
    if let Some(m) = &f.municipality {
        parts.push(format!("municipality={}", url_value(m.as_str())));
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
        esc(&format!("?{}", parts.join("&")))
    }
}
