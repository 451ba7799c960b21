//! A municipality's population series on its page: the figures its reach
//! divides by, year by year, each with its source.

use std::fmt::Write;

use entity::municipality;

use super::html::{esc, Lang};
use crate::store::reference::ReferenceData;

/// The population series, each year with its source; unknown is said, not 0.
pub fn table(lang: Lang, m: &municipality::Model, cat: &ReferenceData, out: &mut String) {
    let unknown = lang.t("uppgift saknas", "no figure");
    let _ = write!(
        out,
        r#"<section aria-labelledby="pop-h"><h2 id="pop-h">{}</h2><p class="lead">{}</p>"#,
        lang.t("Befolkning", "Population"),
        lang.t(
            "Befolkningen som räckvidden delas med, den 31 december varje år, med källa.",
            "The population reach is divided by, on 31 December of each year, with its source."
        )
    );
    let rows = cat
        .population
        .get(&m.code)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if rows.is_empty() {
        let _ = write!(out, "<p>{}</p></section>", esc(unknown));
        return;
    }
    let _ = write!(
        out,
        r#"<div class="table-wrap" tabindex="0" role="region" aria-labelledby="pop-caption"><table><caption id="pop-caption">{} {}</caption><thead><tr><th scope="col">{}</th><th scope="col" class="num">{}</th><th scope="col" class="num">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        lang.t("Befolkning,", "Population,"),
        esc(&m.name),
        lang.t("År", "Year"),
        lang.t("Invånare", "Inhabitants"),
        lang.t("Barn", "Children"),
        lang.t("Källa", "Source"),
    );
    for p in rows.iter().rev() {
        let total = p
            .total
            .map_or(unknown.to_owned(), |t| lang.number(t as f64, 0));
        let children = match (p.children, p.children_age_from, p.children_age_to) {
            (Some(c), Some(from), Some(to)) => {
                format!(
                    "{} ({from}–{to} {})",
                    lang.number(c as f64, 0),
                    lang.t("år", "years")
                )
            }
            _ => unknown.to_owned(),
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            p.year,
            esc(&total),
            esc(&children),
            esc(&p.source)
        );
    }
    out.push_str("</tbody></table></div></section>");
}
