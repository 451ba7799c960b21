//! "Långsiktiga effekter" / "Long-term effects": the decision's six
//! long-term effects on the county and municipality pages, each with the
//! measure that serves it and its trend beside reach, or why there is none.
//! Read from `/v1/evaluation`'s own report, so the page and the API agree.

use std::fmt::Write;

use super::html::download_link;
use super::html::{esc, url_value, Lang};
use crate::resources::evaluation::report::EvaluationQuery;
use crate::resources::evaluation::wire::{EvaluationReport, EvaluationSeries, EvaluationValue};
use crate::vocab::{CountyCode, MunicipalityCode};

/// The years a page looks back over, the page's year included: outcome
/// statistics move slowly and are published a year or more late.
const PAGE_YEARS: i32 = 10;

/// The evaluation a page shows: the area over the ten years up to `year`.
pub fn query(county: &str, municipality: Option<&str>, year: i32) -> EvaluationQuery {
    EvaluationQuery {
        municipality: municipality.map(MunicipalityCode::of_stored),
        county: CountyCode::of_stored(county),
        from: year - (PAGE_YEARS - 1),
        to: year,
    }
}

fn value_in_unit(lang: Lang, unit: Option<&str>, v: f64) -> String {
    match unit {
        Some("percent") => format!("{}\u{a0}%", lang.number(v, 1)),
        Some("points") => format!("{} {}", lang.number(v, 1), lang.t("poäng", "points")),
        Some("count") => lang.number(v, 0),
        _ => lang.number(v, 2),
    }
}

/// The first and last values the source gave (a gap is skipped, not filled).
fn ends(s: &EvaluationSeries) -> Option<(&EvaluationValue, &EvaluationValue)> {
    let mut known = s.values.iter().filter(|v| v.value.is_some());
    let first = known.next()?;
    Some((first, known.next_back().unwrap_or(first)))
}

/// `2019: 12,3` — the reach of the same year as an outcome value.
fn reach_in(lang: Lang, r: &EvaluationReport, year: i32) -> String {
    let value = r
        .years
        .iter()
        .find(|y| y.year == year)
        .and_then(|y| y.reach_per_1000_children)
        .map_or_else(
            || lang.t("uppgift saknas", "no figure").to_owned(),
            |v| lang.number(v, 1),
        );
    format!("{year}: {value}")
}

/// The first and the latest year, one per line.
fn two_years(first: &str, last: &str) -> String {
    format!(
        r#"<span class="trend">{}</span><span class="trend">{}</span>"#,
        esc(first),
        esc(last)
    )
}

/// One row per measure held for an effect; one row saying why, when none is.
fn effect_rows(lang: Lang, r: &EvaluationReport, out: &mut String) {
    for e in &r.effects {
        let title = format!("{}. {}", e.number, lang.t(&e.title_sv, &e.title_en));
        let why = match lang {
            Lang::Sv => e.no_measure_sv.as_deref(),
            Lang::En => e.no_measure_en.as_deref(),
        };
        let held: Vec<&EvaluationSeries> = r
            .outcomes
            .iter()
            .filter(|o| e.measures_held.contains(&o.id))
            .collect();
        if held.is_empty() {
            let survey = e.regional_survey.as_deref().map_or(String::new(), |s| {
                format!(" {} {s}.", lang.t("Regional enkät:", "Regional survey:"))
            });
            let _ = write!(
                out,
                r#"<tr><th scope="row">{}</th><td colspan="4"><strong>{}</strong> {}{}</td></tr>"#,
                esc(&title),
                lang.t("Inget mått.", "No measure."),
                esc(why.unwrap_or_default()),
                esc(&survey),
            );
            continue;
        }
        for s in held {
            let measure = format!("{} ({})", lang.t(&s.title_sv, &s.title_en), s.id);
            let proxy = match (s.role.as_str(), why) {
                ("proxy", Some(w)) => format!(r#"<span class="ind-def">{}</span>"#, esc(w)),
                _ => String::new(),
            };
            let _ = write!(
                out,
                r#"<tr><th scope="row">{}</th><td class="measure">{}{proxy}</td>"#,
                esc(&title),
                esc(&measure),
            );
            match ends(s) {
                Some((first, last)) => {
                    let shown = |v: &EvaluationValue| {
                        let value = v.value.unwrap_or_default();
                        format!(
                            "{}: {}",
                            v.year,
                            value_in_unit(lang, s.unit.as_deref(), value)
                        )
                    };
                    let _ = write!(
                        out,
                        r#"<td class="num">{}</td><td class="num">{}</td><td class="source">{}</td></tr>"#,
                        two_years(&shown(first), &shown(last)),
                        two_years(
                            &reach_in(lang, r, first.year),
                            &reach_in(lang, r, last.year)
                        ),
                        esc(&format!(
                            "{}, {} {}",
                            last.source,
                            lang.t("hämtad", "retrieved"),
                            lang.date(last.retrieved_at.date_naive())
                        )),
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        r#"<td colspan="3">{}</td></tr>"#,
                        lang.t(
                            "Källan anger inget värde för perioden.",
                            "The source gives no value for the period."
                        ),
                    );
                }
            }
        }
    }
}

/// The section, for the county (`r.level == "county"`) or a municipality.
pub fn section(lang: Lang, r: &EvaluationReport, out: &mut String) {
    let _ = write!(
        out,
        r#"<section aria-labelledby="effects-h"><h2 id="effects-h">{}</h2><p class="lead">{}</p><p class="note">{}</p>"#,
        lang.t("Långsiktiga effekter", "Long-term effects"),
        esc(&match lang {
            Lang::Sv => format!(
                "Inriktningsbeslutets sex långsiktiga effekter och det offentliga mått som följer upp var och en för {}, med första och senaste år som källan har värden för {}–{}, bredvid räckvidden per 1 000 barn samma år. Där inget mått finns står det varför.",
                r.name, r.from, r.to
            ),
            Lang::En => format!(
                "The decision's six long-term effects and the public measure that follows up each for {}, with the first and latest year the source has values for in {}–{}, beside the reach per 1,000 children in the same years. Where there is no measure, the table says why.",
                r.name, r.from, r.to
            ),
        }),
        esc(lang.t(&r.interpretation.sv, &r.interpretation.en)),
    );
    let _ = write!(
        out,
        r#"<div class="table-wrap" tabindex="0" role="region" aria-labelledby="effects-caption"><table class="effects"><caption id="effects-caption">{}, {}, {}–{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col" class="num">{}</th><th scope="col" class="num">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        lang.t("Långsiktiga effekter", "Long-term effects"),
        esc(&r.name),
        r.from,
        r.to,
        lang.t("Effekt", "Effect"),
        lang.t("Mått", "Measure"),
        lang.t("Första och senaste år", "First and latest year"),
        lang.t(
            "Räckvidd per 1 000 barn samma år",
            "Reach per 1,000 children, same years"
        ),
        lang.t("Källa", "Source"),
    );
    effect_rows(lang, r, out);
    out.push_str("</tbody></table></div><ul class=\"links\">");
    let area = match r.level.as_str() {
        "municipality" => format!("municipality={}", url_value(&r.code)),
        _ => format!("county={}", url_value(&r.code)),
    };
    download_link(
        &format!(
            "/v1/evaluation?{area}&from={}&to={}&format=csv",
            r.from, r.to
        ),
        &format!(
            "{} (CSV, {}, {}–{})",
            lang.t("Utvärderingsvy", "Evaluation view"),
            r.name,
            r.from,
            r.to
        ),
        out,
    );
    out.push_str("</ul></section>");
}
