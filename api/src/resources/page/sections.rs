//! The page's statistics: reach, and the indicators.

use std::fmt::Write;

use super::chart::{reach_rate, Bar, BarChart, Figure, Measure};
use super::data::PageData;
use super::html::{esc, Lang};
use super::params::PageQuery;
use crate::resources::reach::wire::Indicator;
use crate::store::catalogue::Catalogues;

/// Reach per municipality for the year, ranked, with the county marked; then
/// the county per year.
pub fn reach(q: &PageQuery, d: &PageData, cat: &Catalogues, out: &mut String) {
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
            label: m.name.clone(),
            figure: d
                .by_municipality
                .iter()
                .find(|r| r.municipality.as_deref() == Some(&m.code))
                .map_or(Figure::Unknown, rate),
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
    let _ = write!(
        out,
        r#"<section aria-labelledby="reach-h"><h2 id="reach-h">{}</h2><p class="lead">{}</p>"#,
        lang.t("Hur många nås av föräldraskapsstöd?", "How many does parenting support reach?"),
        match measure {
            Measure::Children => lang.t(
                "Inskrivna deltaganden i pågående och avslutade omgångar per 1 000 barn i kommunens referensbefolkning. En förälder som går två kurser räknas två gånger. Antalet inskrivna är exakt: varje omgång publicerar sitt eget.",
                "Participations enrolled in ongoing and completed sessions per 1,000 children of the municipality's reference population. A parent in two courses counts twice. Enrolment counts are exact: every session publishes its own."
            ),
            Measure::Inhabitants => lang.t(
                "Inskrivna deltaganden i pågående och avslutade omgångar per 1 000 invånare: i det här länet saknar någon kommun uppgift om antalet barn, men folkmängden finns för alla. En förälder som går två kurser räknas två gånger. Antalet inskrivna är exakt: varje omgång publicerar sitt eget.",
                "Participations enrolled in ongoing and completed sessions per 1,000 inhabitants: in this county some municipality has no figure for its children, while every one has its population. A parent in two courses counts twice. Enrolment counts are exact: every session publishes its own."
            ),
        }
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
        value_header: per,
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
                figure: rate(r),
            })
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
            "Stapeldiagram med ett år per stapel. Innevarande år är inte avslutat.",
            "Bar chart with one bar per year. The current year is not over.",
        ),
        label_header: lang.t("År", "Year"),
        value_header: per,
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
    out.push_str("</tbody></table></div>");
    disclosure_note(lang, report.suppression_threshold, out);
    out.push_str("</section>");
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
            "Antalen kvinnor, män, boende i utsatta områden och svarande får ett litet brus som alltid är detsamma för samma omgångar (cellnyckelmetoden, högst ±2; antal under gränsen visas som 0 eller gränsen), och andelarna räknas från de publicerade antalen; antal inskrivna och fullföljda är exakta.",
            "The counts of women, men, residents of vulnerable areas and respondents carry a small noise that is always the same for the same sessions (the cell-key method, at most ±2; counts below the threshold show as 0 or the threshold), and shares are computed from the published counts; counts enrolled and completed are exact."
        ),
        lang.t(
            "Länets värde skyddas för sig och behöver inte vara summan av kommunernas.",
            "The county's figure is protected on its own and need not equal the sum of its municipalities'."
        ),
    );
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
