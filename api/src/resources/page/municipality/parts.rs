//! The municipality page's sections: reach per year beside the county's,
//! indicators, upcoming courses and downloads.

use std::collections::BTreeSet;
use std::fmt::Write;

use entity::municipality;

use super::MunicipalityData;
use crate::resources::page::chart::{reach_rate, Bar, BarChart, Figure, Measure};
use crate::resources::page::html::{download_link, esc, url_value, Lang};
use crate::resources::page::sections::{indicator_value, municipality_href};
use crate::resources::page::{denominator, finder};
use crate::resources::reach::wire::{Indicator, IndicatorArea, IndicatorReport, ReachRow};
use crate::store::reference::ReferenceData;

/// A GET form for the year of the indicators (no script needed).
pub(super) fn choose_year(
    lang: Lang,
    m: &municipality::Model,
    year: i32,
    d: &MunicipalityData,
    out: &mut String,
) {
    let mut years: BTreeSet<i32> = d
        .own
        .iter()
        .chain(&d.county)
        .filter_map(|r| r.year)
        .collect();
    years.insert(year);
    let _ = write!(
        out,
        r#"<form class="choose" method="get" action="{}"><div class="field"><label for="c-year">{}</label><select id="c-year" name="year">"#,
        esc(&municipality_href(lang, &m.code, year).replace(&format!("?year={year}"), "")),
        lang.t("År för indikatorerna", "Year of the indicators")
    );
    for y in years.into_iter().rev() {
        let sel = if y == year { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{y}"{sel}>{y}</option>"#);
    }
    let _ = write!(
        out,
        r#"</select></div><button type="submit">{}</button></form>"#,
        lang.t("Visa", "Show")
    );
}

fn of_year(rows: &[ReachRow], y: i32) -> Option<&ReachRow> {
    rows.iter().find(|r| r.year == Some(y))
}

/// The municipality's reach per year, each bar with the county's value of
/// the same year as a tick; both divide by the same kind of population.
pub(super) fn reach(lang: Lang, m: &municipality::Model, d: &MunicipalityData, out: &mut String) {
    let county_label = lang.t("Länet", "County");
    let measure = Measure::for_rows(d.own.iter().chain(&d.county));
    let per = measure.per(lang);
    let years: BTreeSet<i32> = d
        .own
        .iter()
        .chain(&d.county)
        .filter_map(|r| r.year)
        .collect();
    let bars: Vec<Bar> = years
        .iter()
        .map(|&y| {
            let own = of_year(&d.own, y);
            let running = own.or(of_year(&d.county, y)).is_some_and(|r| !r.complete);
            let label = if running {
                format!("{y} ({})", lang.t("hittills i år", "year to date"))
            } else {
                y.to_string()
            };
            Bar {
                compare: Some(
                    of_year(&d.county, y).map_or(Figure::Unknown, |r| reach_rate(r, measure)),
                ),
                ..Bar::new(
                    label,
                    own.map_or(Figure::Unknown, |r| reach_rate(r, measure)),
                )
            }
        })
        .collect();
    let title = format!(
        "{} {per} {}, {}",
        lang.t("Deltaganden", "Participations"),
        lang.t("per år", "by year"),
        m.name
    );
    let _ = write!(
        out,
        r#"<section aria-labelledby="reach-h"><h2 id="reach-h">{}</h2><p class="lead">{}</p>"#,
        lang.t("Hur många nås?", "How many are reached?"),
        esc(&match lang {
            Lang::Sv => format!("Inskrivna deltaganden i pågående och avslutade omgångar {per} i {}, år för år, med länets värde samma år som ett svart streck. En förälder som går två kurser räknas två gånger.", m.name),
            Lang::En => format!("Participations enrolled in ongoing and completed sessions {per} in {}, year by year, with the county's figure of the same year as a black tick. A parent in two courses counts twice.", m.name),
        })
    );
    if bars.is_empty() {
        let _ = write!(
            out,
            "<p>{}</p>",
            esc(&match lang {
                Lang::Sv => format!("Inga omgångar är rapporterade för {}.", m.name),
                Lang::En => format!("No sessions are reported for {}.", m.name),
            })
        );
    } else {
        BarChart {
            id: "trend-chart",
            title: &title,
            description: lang.t(
                "Stapeldiagram med ett år per stapel; det svarta strecket på varje stapel är länets värde samma år.",
                "Bar chart with one bar per year; the black tick on each bar is the county's figure of the same year.",
            ),
            label_header: lang.t("År", "Year"),
            value_header: &m.name,
            bars: &bars,
            reference: None,
            compare_header: Some(county_label),
        }
        .render(lang, out);
        let labelled = |rows: &[ReachRow], who: &str| -> Vec<(String, usize)> {
            rows.iter()
                .enumerate()
                .filter_map(|(i, r)| r.year.map(|y| (format!("{who} {y}"), i)))
                .collect()
        };
        let mut named: Vec<(String, &ReachRow)> = Vec::new();
        for (label, i) in labelled(&d.own, &m.name) {
            named.push((label, &d.own[i]));
        }
        for (label, i) in labelled(&d.county, county_label) {
            named.push((label, &d.county[i]));
        }
        denominator::note(lang, measure, &named, out);
    }
    out.push_str("</section>");
}

/// The municipality's indicators beside the county's and its own of last year.
pub(super) fn indicators(
    lang: Lang,
    m: &municipality::Model,
    report: &IndicatorReport,
    out: &mut String,
) {
    let area = |level: &str| report.areas.iter().find(|a| a.level == level);
    let (Some(own), county) = (area("municipality"), area("county")) else {
        return;
    };
    let _ = write!(
        out,
        r#"<section aria-labelledby="ind-h"><h2 id="ind-h">{}</h2>"#,
        lang.t(
            "Inriktningsbeslutets indikatorer",
            "The decision's indicators"
        ),
    );
    if !report.complete {
        let _ = write!(
            out,
            r#"<p class="note">{}</p>"#,
            esc(&match lang {
                Lang::Sv => format!(
                    "{} är inte slut: värdena gäller hittills i år.",
                    report.year
                ),
                Lang::En => format!(
                    "{} is not over: the figures are so far this year.",
                    report.year
                ),
            })
        );
    }
    let (y, prev) = (report.year, report.previous_year);
    let _ = write!(
        out,
        r#"<div class="table-wrap" tabindex="0" role="region" aria-labelledby="ind-caption"><table class="indicators"><caption id="ind-caption">{} {y}, {}</caption><thead><tr><th scope="col">{}</th><th scope="col" class="num">{} {y}</th><th scope="col" class="num">{} {y}</th><th scope="col" class="num">{} {prev}</th></tr></thead><tbody>"#,
        lang.t("Indikatorer", "Indicators"),
        esc(&m.name),
        lang.t("Indikator", "Indicator"),
        esc(&m.name),
        lang.t("Länet", "County"),
        esc(&m.name),
    );
    for i in &own.indicators {
        let (label, definition) = match lang {
            Lang::Sv => (&i.label.sv, &i.definition.sv),
            Lang::En => (&i.label.en, &i.definition.en),
        };
        let previous = Indicator {
            value: i.previous_value,
            note: None,
            ..i.clone()
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row"><span class="ind-label">{}</span><span class="ind-def">{}</span></th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(label),
            esc(definition),
            esc(&indicator_value(lang, i)),
            esc(&county_value(lang, county, i)),
            esc(&indicator_value(lang, &previous)),
        );
    }
    out.push_str("</tbody></table></div></section>");
}

fn county_value(lang: Lang, county: Option<&IndicatorArea>, i: &Indicator) -> String {
    county
        .and_then(|c| c.indicators.iter().find(|c| c.id == i.id))
        .map_or_else(
            || lang.t("uppgift saknas", "no figure").to_owned(),
            |c| indicator_value(lang, c),
        )
}

pub(super) fn courses(
    lang: Lang,
    m: &municipality::Model,
    d: &MunicipalityData,
    cat: &ReferenceData,
    out: &mut String,
) {
    let _ = write!(
        out,
        r#"<section aria-labelledby="courses-h"><h2 id="courses-h">{}</h2>"#,
        esc(&match lang {
            Lang::Sv => format!("Kommande kurser i {}", m.name),
            Lang::En => format!("Upcoming courses in {}", m.name),
        })
    );
    let count = match (d.sessions.len(), d.more_sessions) {
        (0, _) => lang
            .t("Inga kommande omgångar.", "No upcoming sessions.")
            .to_owned(),
        (n, true) => match lang {
            Lang::Sv => format!("De första {n} kommande omgångarna:"),
            Lang::En => format!("The first {n} upcoming sessions:"),
        },
        (n, false) => format!("{n} {}", lang.t("kommande omgångar", "upcoming sessions")),
    };
    let _ = write!(out, "<p>{}</p>", esc(&count));
    finder::session_list(lang, cat, &d.sessions, "h3", out);
    out.push_str("</section>");
}

pub(super) fn downloads(lang: Lang, m: &municipality::Model, year: i32, out: &mut String) {
    let c = url_value(&m.code);
    let name = &m.name;
    let links = [
        (
            format!("/v1/reach?group_by=year&municipality={c}&format=csv"),
            format!(
                "{} (CSV, {name})",
                lang.t("Räckvidd per år", "Reach by year")
            ),
        ),
        (
            format!(
                "/v1/indicators?year={year}&municipality={c}&county={}&format=csv",
                url_value(&m.county_code)
            ),
            format!(
                "{} (CSV, {name}, {year})",
                lang.t("Indikatorer", "Indicators")
            ),
        ),
        (
            format!("/v1/municipalities/{c}/population?format=csv"),
            format!("{} (CSV, {name})", lang.t("Befolkning", "Population")),
        ),
        (
            format!("/v1/sessions?municipality={c}&format=csv"),
            format!("{} (CSV, {name})", lang.t("Alla omgångar", "All sessions")),
        ),
        (
            format!("/v1/sessions.ics?municipality={c}"),
            format!(
                "{} ({name})",
                lang.t(
                    "Kommande kurser som kalender",
                    "Upcoming courses as a calendar"
                )
            ),
        ),
    ];
    let _ = write!(
        out,
        r#"<section aria-labelledby="data-h"><h2 id="data-h">{}</h2><ul class="links">"#,
        lang.t("Öppna data", "Open data")
    );
    for (href, text) in links {
        download_link(&href, &text, out);
    }
    out.push_str("</ul></section>");
}
