//! `/kommun/{code}` and `/en/municipality/{code}`: one municipality as its
//! coordinator presents it — its reach per year beside the county's, its
//! indicators beside the county's and last year's, its population with the
//! source, its upcoming courses and its downloads. Read with the same
//! functions as the API and the county page, so every figure here is one
//! `/v1/reach`, `/v1/indicators` or `/v1/municipalities/{code}/population`
//! answers too.

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use entity::municipality;
use sea_orm::ConnectionTrait;

use super::chart::{reach_rate, Bar, BarChart, Figure, Measure};
use super::data::{finder_query, latest_update, FINDER_LIMIT};
use super::html::{download_link, esc, url_value, Lang};
use super::layout::{self, Frame, Site};
use super::params::PageQuery;
use super::sections::{indicator_value, municipality_href};
use super::{denominator, finder};
use crate::error::ApiError;
use crate::resources::calendar::upcoming::first_sessions;
use crate::resources::evaluation::report::evaluation_report;
use crate::resources::evaluation::wire::EvaluationReport;
use crate::resources::reach::indicators::{indicator_report, IndicatorsQuery, Terms};
use crate::resources::reach::query::{reach_rows, GroupField, ReachQuery};
use crate::resources::reach::wire::{Indicator, IndicatorArea, IndicatorReport, ReachRow};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::store::rollup::Rollups;
use crate::vocab::MunicipalityCode;

/// Everything one municipality's page shows.
pub struct MunicipalityData {
    /// The municipality per year, all years.
    pub own: Vec<ReachRow>,
    /// Its county per year, all years.
    pub county: Vec<ReachRow>,
    /// The county's and the municipality's indicators for the year.
    pub indicators: IndicatorReport,
    /// Its long-term effects beside its reach, over the years up to the year.
    pub evaluation: EvaluationReport,
    pub sessions: Vec<Session>,
    pub more_sessions: bool,
    pub synthetic: bool,
    pub updated: Option<DateTime<Utc>>,
}

fn by_year(municipalities: Vec<String>, county: Option<String>) -> ReachQuery {
    ReachQuery {
        group_by: BTreeSet::from([GroupField::Year]),
        municipalities,
        county,
        ..ReachQuery::default()
    }
}

/// Reads the page's figures for `m` and the year of `q`.
pub async fn load(
    db: &impl ConnectionTrait,
    rollups: &Rollups,
    m: &municipality::Model,
    q: &PageQuery,
    k: i64,
    cat: &ReferenceData,
    synthetic: bool,
) -> Result<MunicipalityData, ApiError> {
    let today = Utc::now().date_naive();
    let terms = Terms { k, today };
    let table = &rollups.reach;
    let own = reach_rows(table, &by_year(vec![m.code.clone()], None), k, cat)?;
    let county = reach_rows(table, &by_year(vec![], Some(m.county_code.clone())), k, cat)?;
    let indicators = indicator_report(
        rollups,
        &IndicatorsQuery {
            year: q.year,
            municipalities: vec![m.code.clone()],
            county: Some(m.county_code.clone()),
        },
        terms,
        cat,
    )?;
    let evaluation = evaluation_report(
        db,
        rollups,
        &super::effects::query(&m.county_code, Some(&m.code), q.year),
        terms,
        cat,
    )
    .await?;
    let mut finder = q.clone();
    finder.finder.municipality = MunicipalityCode::parse(&m.code).ok();
    let mut sessions =
        first_sessions(db, &finder_query(&finder, cat, today)?, FINDER_LIMIT + 1).await?;
    let more_sessions = sessions.len() as u64 > FINDER_LIMIT;
    sessions.truncate(FINDER_LIMIT as usize);
    Ok(MunicipalityData {
        own,
        county,
        indicators,
        evaluation,
        sessions,
        more_sessions,
        synthetic,
        updated: latest_update(db).await?,
    })
}

/// The whole page of `m`.
pub fn page(
    m: &municipality::Model,
    q: &PageQuery,
    d: &MunicipalityData,
    cat: &ReferenceData,
    site: &Site,
) -> String {
    let lang = q.lang;
    let mut out = String::with_capacity(48 * 1024);
    let title = match lang {
        Lang::Sv => format!("Föräldraskapsstöd i {}", m.name),
        Lang::En => format!("Parenting support in {}", m.name),
    };
    let description = match lang {
        Lang::Sv => format!(
            "Räckvidd, indikatorer, befolkning och kommande kurser i föräldraskapsstöd i {}.",
            m.name
        ),
        Lang::En => format!(
            "Reach, indicators, population and upcoming parenting-support courses in {}.",
            m.name
        ),
    };
    let shortcuts = [
        ("#reach-h", lang.t("Räckvidd", "Reach")),
        ("#ind-h", lang.t("Indikatorer", "Indicators")),
        ("#effects-h", lang.t("Effekter", "Effects")),
        ("#pop-h", lang.t("Befolkning", "Population")),
        ("#courses-h", lang.t("Kurser", "Courses")),
        ("#data-h", lang.t("Öppna data", "Open data")),
    ];
    let (sv_path, en_path) = (
        format!("/kommun/{}", m.code),
        format!("/en/municipality/{}", m.code),
    );
    layout::open(
        &Frame {
            lang,
            title: &title,
            description: &description,
            sv_path: &sv_path,
            en_path: &en_path,
            shortcuts: &shortcuts,
        },
        site,
        &mut out,
    );
    let _ = write!(
        out,
        r#"<p class="crumbs"><a href="{}?county={}&amp;year={}">{} {}</a></p>"#,
        lang.home(),
        url_value(&m.county_code),
        q.year,
        lang.t("Hela", "All of"),
        esc(&m.county_name),
    );
    layout::notice(lang, d.synthetic, d.updated, &mut out);
    choose_year(lang, m, q.year, d, &mut out);
    reach(lang, m, d, &mut out);
    indicators(lang, m, &d.indicators, &mut out);
    super::effects::section(lang, &d.evaluation, &mut out);
    super::population::table(lang, m, cat, &mut out);
    courses(lang, m, d, cat, &mut out);
    downloads(lang, m, q.year, &mut out);
    layout::close(lang, &mut out);
    out
}

/// A GET form for the year of the indicators (no script needed).
fn choose_year(
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
fn reach(lang: Lang, m: &municipality::Model, d: &MunicipalityData, out: &mut String) {
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
fn indicators(lang: Lang, m: &municipality::Model, report: &IndicatorReport, out: &mut String) {
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

fn courses(
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

fn downloads(lang: Lang, m: &municipality::Model, year: i32, out: &mut String) {
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
