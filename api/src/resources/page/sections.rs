//! The page's statistics: reach, and the indicators.

use std::fmt::Write;

use super::chart::{reach_rate, Bar, BarChart, Figure, Measure};
use super::data::PageData;
use super::denominator;
use super::html::{esc, Lang};
use super::params::PageQuery;
use crate::resources::reach::wire::{Indicator, IndicatorReport, ReachRow};
use crate::store::reference::ReferenceData;

/// Reach per municipality for the year, ranked, with the county marked; then
/// the county per year.
pub fn reach(q: &PageQuery, d: &PageData, cat: &ReferenceData, out: &mut String) {
    let lang = q.lang;
    let county_name = county_name(cat, &q.county);
    let measure = Measure::for_rows(d.by_municipality.iter().chain(&d.county_total));
    let rate = |r| reach_rate(r, measure);
    let per = measure.per(lang);
    // Every municipality of the county gets a row: one without counted
    // sessions has no figure, which is said, not drawn as zero.
    let mut bars: Vec<Bar> = cat
        .county_members(&q.county)
        .unwrap_or_default()
        .into_iter()
        .map(|m| Bar {
            href: Some(municipality_href(lang, &m.code, q.year)),
            ..Bar::new(
                m.name.clone(),
                d.by_municipality
                    .iter()
                    .find(|r| r.municipality.as_deref() == Some(&m.code))
                    .map_or(Figure::Unknown, rate),
            )
        })
        .collect();
    bars.sort_by(|a, b| rank(b.figure).total_cmp(&rank(a.figure)));
    let reference = d.county_total.as_ref().and_then(|r| match rate(r) {
        Figure::Shown(v) => Some(v),
        _ => None,
    });
    let title = format!(
        "{} {per} {}, {}, {}",
        lang.t("Deltaganden", "Participations"),
        lang.t("per kommun", "by municipality"),
        q.year,
        county_name
    );
    let lead = if d.by_municipality.is_empty() {
        match lang {
            Lang::Sv => format!(
                "Inga omgångar är rapporterade för {} i {county_name}.",
                q.year
            ),
            Lang::En => format!("No sessions are reported for {} in {county_name}.", q.year),
        }
    } else {
        match measure {
            Measure::Children => lang.t(
                "Inskrivna deltaganden i pågående och avslutade omgångar per 1 000 barn i kommunens befolkning. En förälder som går två kurser räknas två gånger. Antalet inskrivna är exakt: varje omgång publicerar sitt eget.",
                "Participations enrolled in ongoing and completed sessions per 1,000 children of the municipality's population. A parent in two courses counts twice. Enrolment counts are exact: every session publishes its own."
            ),
            Measure::Inhabitants => lang.t(
                "Inskrivna deltaganden i pågående och avslutade omgångar per 1 000 invånare: i det här länet saknar någon kommun uppgift om antalet barn, men folkmängden finns för alla. En förälder som går två kurser räknas två gånger. Antalet inskrivna är exakt: varje omgång publicerar sitt eget.",
                "Participations enrolled in ongoing and completed sessions per 1,000 inhabitants: in this county some municipality has no figure for its children, while every one has its population. A parent in two courses counts twice. Enrolment counts are exact: every session publishes its own."
            ),
        }
        .to_owned()
    };
    let _ = write!(
        out,
        r#"<section aria-labelledby="reach-h"><h2 id="reach-h">{}</h2><p class="lead">{}</p>"#,
        lang.t(
            "Hur många nås av föräldraskapsstöd?",
            "How many does parenting support reach?"
        ),
        esc(&lead)
    );
    let county_label = lang.t("Länet", "County");
    if !d.by_municipality.is_empty() {
        BarChart {
            id: "reach-chart",
            title: &title,
            description: lang.t(
                "Stapeldiagram, rangordnat från högst till lägst. Den streckade linjen är länets värde.",
                "Bar chart, ranked from highest to lowest. The dashed line is the county's figure.",
            ),
            label_header: lang.t("Kommun", "Municipality"),
            value_header: per,
            bars: &bars,
            reference: reference.map(|v| (county_label, v)),
            compare_header: None,
        }
        .render(lang, out);
        let named: Vec<(String, &ReachRow)> = d
            .by_municipality
            .iter()
            .chain(&d.county_total)
            .map(|r| {
                let label = r.municipality_name.clone();
                (label.unwrap_or_else(|| county_label.to_owned()), r)
            })
            .collect();
        denominator::note(lang, measure, &named, out);
    }
    municipality_links(q, cat, out);
    let year_label = |r: &ReachRow, y: i32| {
        if r.complete {
            y.to_string()
        } else {
            format!("{y} ({})", lang.t("hittills i år", "year to date"))
        }
    };
    // The trend has its own measure: a year with no children figure at all
    // must not switch the county's chart, nor the county's switch the trend.
    let measure = Measure::for_rows(&d.by_year);
    let per = measure.per(lang);
    let trend: Vec<Bar> = d
        .by_year
        .iter()
        .filter_map(|r| {
            r.year
                .map(|y| Bar::new(year_label(r, y), reach_rate(r, measure)))
        })
        .collect();
    let trend_title = format!(
        "{} {per} {}, {}",
        lang.t("Deltaganden", "Participations"),
        lang.t("per år", "by year"),
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
            "Stapeldiagram med ett år per stapel. Ett år som inte är slut är märkt hittills i år.",
            "Bar chart with one bar per year. A year that is not over is marked year to date.",
        ),
        label_header: lang.t("År", "Year"),
        value_header: per,
        bars: &trend,
        reference: None,
        compare_header: None,
    }
    .render(lang, out);
    let by_year: Vec<(String, &ReachRow)> = d
        .by_year
        .iter()
        .filter_map(|r| r.year.map(|y| (y.to_string(), r)))
        .collect();
    denominator::note(lang, measure, &by_year, out);
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

pub fn county_name(cat: &ReferenceData, code: &str) -> String {
    cat.county_name(code).unwrap_or(code).to_owned()
}

/// The county's indicators for the year, with definitions and the change.
pub fn indicators(q: &PageQuery, d: &PageData, out: &mut String) {
    let lang = q.lang;
    let report = &d.indicators;
    let _ = write!(
        out,
        r#"<section aria-labelledby="ind-h"><h2 id="ind-h">{}</h2><p class="lead">{}</p>"#,
        lang.t("Inriktningsbeslutets indikatorer", "The decision's indicators"),
        lang.t(
            "Den regionala samlingens kortsiktiga effekter, mätta för länet. Varje indikator har sin definition under namnet.",
            "The regional collaboration's short-term effects, measured for the county. Each indicator's definition is below its name."
        ),
    );
    if !report.complete {
        let _ = write!(
            out,
            r#"<p class="note">{}</p>"#,
            esc(&match lang {
                Lang::Sv => format!(
                    "{} är inte slut: värdena gäller hittills i år och jämförs inte med {}.",
                    report.year, report.previous_year
                ),
                Lang::En => format!(
                    "{} is not over: the figures are so far this year and are not compared with {}.",
                    report.year, report.previous_year
                ),
            })
        );
    }
    let _ = write!(
        out,
        r#"<div class="table-wrap" tabindex="0" role="region" aria-labelledby="ind-caption"><table class="indicators"><caption id="ind-caption">{} {}, {}</caption><thead><tr><th scope="col">{}</th><th scope="col" class="num">{} {}</th><th scope="col" class="num">{} {}</th></tr></thead><tbody>"#,
        lang.t("Indikatorer", "Indicators"),
        report.year,
        esc(&report.county_name),
        lang.t("Indikator", "Indicator"),
        lang.t("Värde", "Value"),
        report.year,
        lang.t("Förändring från", "Change from"),
        report.previous_year,
    );
    let county = report.areas.iter().find(|a| a.level == "county");
    for i in county.iter().flat_map(|c| &c.indicators) {
        let (label, definition) = match lang {
            Lang::Sv => (&i.label.sv, &i.definition.sv),
            Lang::En => (&i.label.en, &i.definition.en),
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row"><span class="ind-label">{}</span><span class="ind-def">{}</span></th><td class="num">{}{}</td><td class="num">{}</td></tr>"#,
            esc(label),
            esc(definition),
            esc(&indicator_value(lang, i)),
            detail_html(lang, i),
            esc(&change_text(lang, report, i)),
        );
    }
    out.push_str("</tbody></table></div>");
    if let Some(p) = county.and_then(|c| c.population.as_ref()) {
        let _ = write!(
            out,
            r#"<p class="note denominator">{}</p>"#,
            esc(&format!(
                "{} {}.",
                lang.t(
                    "Indikatorerna per 1 000 barn delar med",
                    "The indicators per 1,000 children divide by"
                ),
                denominator::children(lang, p)
            ))
        );
    }
    disclosure_note(lang, report.suppression_threshold, out);
    out.push_str("</section>");
}

/// What a figure is made of, where it helps: the languages by name, and the
/// ages 0–17 as a strip that says in words which ages are covered.
fn detail_html(lang: Lang, i: &Indicator) -> String {
    let Some(detail) = i.detail.as_deref() else {
        return String::new();
    };
    match i.id.as_str() {
        "languages_offered" if !detail.is_empty() => {
            let names: Vec<String> = detail
                .split(',')
                .map(|code| super::html::language_name(lang, code))
                .collect();
            format!(r#"<span class="ind-def">{}</span>"#, esc(&names.join(", ")))
        }
        "age_coverage" => ages_strip(lang, detail),
        _ => String::new(),
    }
}

/// `age:sessions,…` as 18 cells (drawn, hidden from screen readers) and the
/// covered ages in words.
fn ages_strip(lang: Lang, detail: &str) -> String {
    let covered: Vec<i32> = detail
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .filter(|(_, n)| n.parse::<i64>().is_ok_and(|n| n > 0))
        .filter_map(|(age, _)| age.parse().ok())
        .collect();
    let mut cells = String::new();
    for age in 0..=17 {
        let class = if covered.contains(&age) { "on" } else { "off" };
        let _ = write!(cells, r#"<span class="{class}">{age}</span>"#);
    }
    let words = if covered.is_empty() {
        lang.t("Ingen ålder täcks.", "No age is covered.")
            .to_owned()
    } else {
        format!(
            "{} {}",
            lang.t("Åldrar som täcks:", "Ages covered:"),
            ranges(&covered)
        )
    };
    format!(
        r#"<span class="ages" aria-hidden="true">{cells}</span><span class="ind-def">{}</span>"#,
        esc(&words)
    )
}

/// Sorted ages as ranges: `0–12, 15, 17`.
fn ranges(ages: &[i32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ages.len() {
        let start = ages[i];
        while i + 1 < ages.len() && ages[i + 1] == ages[i] + 1 {
            i += 1;
        }
        out.push(if ages[i] == start {
            start.to_string()
        } else {
            format!("{start}–{}", ages[i])
        });
        i += 1;
    }
    out.join(", ")
}

/// The threshold and the method in one sentence each, and what a county
/// figure is, beside the figures they concern.
fn disclosure_note(lang: Lang, k: i64, out: &mut String) {
    let _ = write!(
        out,
        r#"<p class="note">{} {} {}</p>"#,
        match lang {
            Lang::Sv => format!("Inget publicerat antal personer ligger mellan 1 och {}, så att ingen kan identifieras.", k - 1),
            Lang::En => format!("No published count of people lies between 1 and {}, so that no one can be identified.", k - 1),
        },
        lang.t(
            "Antalen kvinnor, män, boende i utsatta områden och svarande får ett litet brus som alltid är detsamma för samma omgångar (cellnyckelmetoden, högst ±4 och ±2 från 50; antal under gränsen visas som 0 eller gränsen), och andelarna räknas från de publicerade antalen; antal inskrivna och fullföljda är exakta.",
            "The counts of women, men, residents of vulnerable areas and respondents carry a small noise that is always the same for the same sessions (the cell-key method, at most ±4, ±2 from 50 up; counts below the threshold show as 0 or the threshold), and shares are computed from the published counts; counts enrolled and completed are exact."
        ),
        lang.t(
            "Länets värde skyddas för sig och behöver inte vara summan av kommunernas.",
            "The county's figure is protected on its own and need not equal the sum of its municipalities'."
        ),
    );
}

/// An indicator's value as a person reads it: in its unit, or why there is none.
pub fn indicator_value(lang: Lang, i: &Indicator) -> String {
    match i.value {
        Some(v) => in_unit(lang, &i.unit, v),
        None if i
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with("suppressed")) =>
        {
            lang.too_few().to_owned()
        }
        None if i
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with("no sessions are reported")) =>
        {
            lang.t("inga omgångar rapporterade", "no sessions reported")
                .to_owned()
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

fn change_text(lang: Lang, report: &IndicatorReport, i: &Indicator) -> String {
    let Some(c) = i.change else {
        return if !report.complete {
            lang.t("– (året är inte slut)", "– (the year is not over)")
                .to_owned()
        } else if i.value.is_some() && i.previous_value.is_none() {
            match lang {
                Lang::Sv => format!("– (inget värde för {})", report.previous_year),
                Lang::En => format!("– (no figure for {})", report.previous_year),
            }
        } else {
            "–".to_owned()
        };
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

/// A link to each municipality's own page, named as on the charts.
fn municipality_links(q: &PageQuery, cat: &ReferenceData, out: &mut String) {
    let lang = q.lang;
    let label = lang.t("Kommunernas sidor", "The municipalities' pages");
    let _ = write!(
        out,
        r#"<nav class="municipalities" aria-label="{label}"><p>{label}:</p><ul>"#
    );
    for m in cat.county_members(&q.county).unwrap_or_default() {
        let _ = write!(
            out,
            r#"<li><a href="{}">{}</a></li>"#,
            esc(&municipality_href(lang, &m.code, q.year)),
            esc(&m.name)
        );
    }
    out.push_str("</ul></nav>");
}

/// The page of one municipality, in `lang`, for `year`.
pub fn municipality_href(lang: Lang, code: &str, year: i32) -> String {
    match lang {
        Lang::Sv => format!("/kommun/{code}?year={year}"),
        Lang::En => format!("/en/municipality/{code}?year={year}"),
    }
}
