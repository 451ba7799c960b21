//! `/program/{slug}` (`/en/programme/{slug}`): what a programme is, as far
//! as the catalogue's sources say — for whom (ages, prevention level), in
//! what form and how many meetings, how SBU rated its evidence and what the
//! sources say, who owns it, every source as a link — and its next courses
//! in the collaboration's county. Nothing the catalogue leaves unknown is
//! filled in: it reads *uppgift saknas*.

use std::fmt::Write;

use entity::programme;

use super::card::programme_href;
use super::finder;
use super::html::{esc, Lang};
use super::layout::{self, Frame, Site};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::vocab::{parse_list, EvidenceStatus, PreventionLevel, ProgrammeFormat};

fn level_text(lang: Lang, l: PreventionLevel) -> &'static str {
    match l {
        PreventionLevel::Universal => lang.t(
            "universell – för alla föräldrar",
            "universal – for all parents",
        ),
        PreventionLevel::Selective => lang.t(
            "selektiv – för grupper med förhöjd risk",
            "selective – for groups at raised risk",
        ),
        PreventionLevel::Indicated => lang.t(
            "indikerad – när svårigheter redan finns",
            "indicated – where difficulties are already present",
        ),
    }
}

fn format_text(lang: Lang, f: ProgrammeFormat) -> &'static str {
    match f {
        ProgrammeFormat::Group => lang.t("i grupp", "in a group"),
        ProgrammeFormat::Individual => lang.t("enskilt", "individually"),
        ProgrammeFormat::Digital => lang.t("digitalt", "online"),
    }
}

fn evidence_text(lang: Lang, status: &str) -> &'static str {
    match EvidenceStatus::parse(status) {
        Some(EvidenceStatus::Insufficient) => lang.t(
            "SBU har bedömt att det vetenskapliga stödet är otillräckligt för att bedöma effekterna.",
            "SBU rated the scientific support as insufficient to judge the effects.",
        ),
        Some(EvidenceStatus::Limited) => lang.t(
            "SBU har bedömt att programmet har begränsat vetenskapligt stöd.",
            "SBU rated the programme as having limited scientific support.",
        ),
        Some(EvidenceStatus::Moderate) => lang.t(
            "SBU har bedömt att programmet har måttligt starkt vetenskapligt stöd.",
            "SBU rated the programme as having moderately strong scientific support.",
        ),
        Some(EvidenceStatus::Strong) => lang.t(
            "SBU har bedömt att programmet har starkt vetenskapligt stöd.",
            "SBU rated the programme as having strong scientific support.",
        ),
        _ => lang.t(
            "Ingen bedömning av SBU eller annan svensk myndighet har hittats; inget påstås åt något håll.",
            "No rating by SBU or another Swedish authority was found; nothing is claimed either way.",
        ),
    }
}

/// The whole page of `p`, with its next courses `sessions` (`more`: there are more).
pub fn page(
    lang: Lang,
    p: &programme::Model,
    sessions: &[Session],
    more: bool,
    cat: &ReferenceData,
    site: &Site,
) -> String {
    let mut out = String::with_capacity(24 * 1024);
    let name = lang.t(&p.name_sv, &p.name_en);
    let unknown = lang.t("uppgift saknas", "not known");
    let description = match lang {
        Lang::Sv => {
            format!("Vad {name} är: för vem, hur, evidens och källor, och kommande kurser.")
        }
        Lang::En => {
            format!("What {name} is: for whom, how, evidence and sources, and upcoming courses.")
        }
    };
    let (sv_path, en_path) = (
        programme_href(Lang::Sv, &p.slug),
        programme_href(Lang::En, &p.slug),
    );
    layout::open(
        &Frame {
            lang,
            title: name,
            description: &description,
            sv_path: &sv_path,
            en_path: &en_path,
            shortcuts: &[
                ("#about-h", lang.t("Om programmet", "About")),
                ("#courses-h", lang.t("Kurser", "Courses")),
            ],
        },
        site,
        &mut out,
    );
    if lang == Lang::En && p.name_en_is_literal {
        let _ = write!(
            out,
            r#"<p class="note">{}</p>"#,
            esc(&format!(
                "The English name is our translation; the Swedish name is {}.",
                p.name_sv
            ))
        );
    }
    let ages = match (p.age_min, p.age_max) {
        (Some(a), Some(b)) => match lang {
            Lang::Sv => format!("föräldrar till barn {a}–{b} år"),
            Lang::En => format!("parents of children aged {a}–{b}"),
        },
        _ => unknown.to_owned(),
    };
    let levels: Vec<&str> = parse_list(&p.prevention_levels, PreventionLevel::parse)
        .into_iter()
        .map(|l| level_text(lang, l))
        .collect();
    let formats: Vec<&str> = parse_list(&p.formats, ProgrammeFormat::parse)
        .into_iter()
        .map(|f| format_text(lang, f))
        .collect();
    let or_unknown = |v: Vec<&str>| {
        if v.is_empty() {
            unknown.to_owned()
        } else {
            v.join(", ")
        }
    };
    let own_description = match lang {
        Lang::Sv => p.description_sv.as_deref(),
        Lang::En => p.description_en.as_deref(),
    };
    let _ = write!(
        out,
        r#"<section aria-labelledby="about-h"><h2 id="about-h">{}</h2>"#,
        lang.t("Om programmet", "About the programme")
    );
    if let Some(d) = own_description {
        let _ = write!(out, r#"<p class="lead">{}</p>"#, esc(d));
    }
    let _ = write!(
        out,
        r#"<dl class="facts"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>"#,
        lang.t("För", "For"),
        esc(&ages),
        lang.t("Form", "Form"),
        esc(&or_unknown(formats)),
        lang.t("Antal träffar (vanligen)", "Meetings (typically)"),
        esc(&p
            .typical_meetings
            .map_or(unknown.to_owned(), |m| m.to_string())),
        lang.t("Förebyggande nivå", "Prevention level"),
        esc(&or_unknown(levels)),
        lang.t("Ägare", "Owner"),
        esc(p.owner.as_deref().unwrap_or(unknown)),
        lang.t("Webbplats", "Website"),
        match &p.website {
            Some(w) => format!(r#"<a href="{}">{}</a>"#, esc(w), esc(w)),
            None => esc(unknown),
        },
    );
    let _ = write!(
        out,
        r#"<h3>{}</h3><p>{}</p>"#,
        lang.t("Evidens", "Evidence"),
        esc(evidence_text(lang, &p.evidence_status))
    );
    if let Some(summary) = &p.evidence_summary {
        let _ = write!(
            out,
            r#"<p>{} <span lang="en">{}</span></p>"#,
            esc(lang.t("Vad källorna säger (på engelska):", "What the sources say:")),
            esc(summary)
        );
    }
    let sources: Vec<&str> = p
        .evidence_sources
        .split(" | ")
        .filter(|s| !s.is_empty())
        .collect();
    let _ = write!(out, "<h3>{}</h3>", lang.t("Källor", "Sources"));
    if sources.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(unknown));
    } else {
        out.push_str(r#"<ul class="links">"#);
        for s in sources {
            let _ = write!(out, r#"<li><a href="{}">{}</a></li>"#, esc(s), esc(s));
        }
        out.push_str("</ul>");
    }
    if !p.verified {
        let _ = write!(
            out,
            r#"<p class="note">{}</p>"#,
            lang.t(
                "Uppgifterna om programmet är inte bekräftade i källorna, utom namnet.",
                "The facts about this programme are not confirmed in the sources, apart from its name."
            )
        );
    }
    out.push_str("</section>");
    let _ = write!(
        out,
        r#"<section aria-labelledby="courses-h"><h2 id="courses-h">{}</h2><p>{}</p>"#,
        lang.t("Kommande kurser", "Upcoming courses"),
        esc(&match (sessions.len(), more, lang) {
            (0, _, Lang::Sv) => "Inga kommande kurser i länet.".to_owned(),
            (0, _, Lang::En) => "No upcoming courses in the county.".to_owned(),
            (n, true, Lang::Sv) => format!("De första {n} kommande kurserna i länet:"),
            (n, true, Lang::En) => format!("The first {n} upcoming courses in the county:"),
            (n, false, Lang::Sv) => format!("{n} kommande kurser i länet:"),
            (n, false, Lang::En) => format!("{n} upcoming courses in the county:"),
        })
    );
    finder::session_list(lang, cat, sessions, "h3", &mut out);
    out.push_str("</section>");
    layout::close(lang, &mut out);
    out
}
