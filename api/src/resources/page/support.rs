//! `/hitta-stod` (`/en/find-support`): the finder built for parents. It asks
//! where you live and your child's age, and lists every course a resident
//! can join — the home municipality's, and the county's others that are open
//! to residents of other municipalities, labelled so — open ones first,
//! each card saying when, where, in which languages, how many places are
//! left and what its status means. Paged by links, so it works without
//! JavaScript; the language switch keeps the search.

use std::fmt::Write;

use chrono::{Duration, NaiveDate, Utc};
use entity::municipality;
use sea_orm::ConnectionTrait;

use super::finder::{age_options, language_options, option};
use super::html::{esc, url_value, Lang};
use super::layout::{self, Frame, Site};
use crate::error::ApiError;
use crate::resources::calendar::upcoming::first_sessions;
use crate::resources::sessions::query::{SessionFilter, SessionQuery};
use crate::resources::sessions::wire::Session;
use crate::store::reference::ReferenceData;
use crate::vocab::{Delivery, MunicipalityCode, SessionStatus, LANGUAGES};

/// Cards on one page of results.
pub const PER_PAGE: usize = 20;

/// Most sessions read for one search: a county's courses of the next half
/// year are a few hundred.
const MAX_READ: u64 = 5_000;

/// The paths of the finder, Swedish and English.
pub const SV_PATH: &str = Lang::Sv.finder();
pub const EN_PATH: &str = Lang::En.finder();

/// The parameters as received; an empty value means "not given".
#[derive(Debug, Default, serde::Deserialize)]
pub struct SupportParams {
    pub municipality: Option<String>,
    pub child_age: Option<String>,
    pub language: Option<String>,
    pub digital: Option<String>,
    pub page: Option<String>,
}

/// A validated search.
#[derive(Debug, Clone, Default)]
pub struct SupportQuery {
    pub home: Option<MunicipalityCode>,
    pub child_age: Option<i32>,
    pub language: Option<String>,
    pub digital_only: bool,
    /// From 1.
    pub page: usize,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl SupportParams {
    pub fn parse(self) -> Result<SupportQuery, ApiError> {
        let bad = |name: &str, why: String| ApiError::invalid_parameter(name, why);
        let home = given(&self.municipality)
            .map(MunicipalityCode::parse)
            .transpose()
            .map_err(|e| bad("municipality", e))?;
        let child_age = given(&self.child_age)
            .map(|s| {
                s.parse::<i32>()
                    .ok()
                    .filter(|a| (0..=17).contains(a))
                    .ok_or_else(|| bad("child_age", format!("'{s}' is not an age from 0 to 17")))
            })
            .transpose()?;
        let language = given(&self.language)
            .map(|s| {
                LANGUAGES
                    .iter()
                    .find(|l| l.0 == s)
                    .map(|l| l.0.to_owned())
                    .ok_or_else(|| bad("language", format!("'{s}' is not a language offered")))
            })
            .transpose()?;
        let page = given(&self.page)
            .map(|s| {
                s.parse::<usize>()
                    .ok()
                    .filter(|p| (1..=1000).contains(p))
                    .ok_or_else(|| bad("page", format!("'{s}' is not a page from 1 to 1000")))
            })
            .transpose()?
            .unwrap_or(1);
        Ok(SupportQuery {
            home,
            child_age,
            language,
            digital_only: given(&self.digital).is_some(),
            page,
        })
    }
}

impl SupportQuery {
    /// The search as a query string (without `page`), for links that keep it.
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.home {
            parts.push(format!("municipality={}", url_value(m.as_str())));
        }
        if let Some(a) = self.child_age {
            parts.push(format!("child_age={a}"));
        }
        if let Some(l) = &self.language {
            parts.push(format!("language={}", url_value(l)));
        }
        if self.digital_only {
            parts.push("digital=1".to_owned());
        }
        parts.join("&")
    }
}

/// A course a resident of the home municipality can join.
pub struct Joinable {
    pub session: Session,
    /// Held by the home municipality (else open to other municipalities').
    pub home: bool,
}

/// Every course a resident of `home` can join, open ones first, then by start.
pub async fn joinable(
    db: &impl ConnectionTrait,
    cat: &ReferenceData,
    home: &municipality::Model,
    q: &SupportQuery,
    today: NaiveDate,
) -> Result<Vec<Joinable>, ApiError> {
    let county: Vec<MunicipalityCode> = cat
        .county_members(&home.county_code)?
        .into_iter()
        .filter_map(|m| MunicipalityCode::parse(&m.code).ok())
        .collect();
    let filter = |statuses: Vec<SessionStatus>, start_from, start_to| {
        let mut f = SessionFilter {
            municipalities: county.clone(),
            statuses,
            start_from,
            start_to,
            language: q.language.clone(),
            delivery: q.digital_only.then_some(Delivery::Digital),
            ..SessionFilter::default()
        };
        f.programme_filter.child_age = q.child_age;
        SessionQuery::resolve(f, cat)
    };
    // Open for sign-up though already started (a late joiner is welcome),
    // and everything ahead that is not cancelled.
    let started = filter(
        vec![SessionStatus::Open],
        None,
        Some(today - Duration::days(1)),
    )?;
    let ahead = filter(
        vec![SessionStatus::Open, SessionStatus::Planned],
        Some(today),
        None,
    )?;
    let mut out: Vec<Joinable> = Vec::new();
    for query in [started, ahead] {
        for s in first_sessions(db, &query, MAX_READ).await? {
            let at_home = s.municipality_code == home.code;
            if at_home || s.open_to_other_municipalities {
                out.push(Joinable {
                    session: s,
                    home: at_home,
                });
            }
        }
    }
    out.sort_by_key(|j| {
        (
            j.session.status != SessionStatus::Open,
            j.session.start_date,
        )
    });
    Ok(out)
}

/// Municipalities by name in Swedish alphabetical order (å, ä, ö last).
fn by_name(cat: &ReferenceData) -> Vec<&municipality::Model> {
    let key = |name: &str| -> String {
        name.to_lowercase()
            .chars()
            .map(|c| match c {
                'å' => '\u{7b}',
                'ä' => '\u{7c}',
                'ö' => '\u{7d}',
                'é' => 'e',
                'ü' => 'y',
                c => c,
            })
            .collect()
    };
    let mut all: Vec<&municipality::Model> = cat.municipalities.iter().collect();
    all.sort_by_key(|m| key(&m.name));
    all
}

/// The whole finder page: the form, then the results of `found` (none asked yet: `None`).
pub fn page(
    lang: Lang,
    q: &SupportQuery,
    found: Option<(&municipality::Model, &[Joinable])>,
    cat: &ReferenceData,
    site: &Site<'_>,
) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let title = lang.t("Hitta föräldraskapsstöd", "Find parenting support");
    let query = q.query();
    let with_query = |path: &str| {
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    };
    let (sv_path, en_path) = (with_query(SV_PATH), with_query(EN_PATH));
    layout::open(
        &Frame {
            lang,
            title,
            description: lang.t(
                "Kurser för föräldrar som du kan gå: i din kommun, och i andra kommuner i länet som tar emot deltagare utifrån.",
                "Courses for parents you can join: in your municipality, and in other municipalities of the county that welcome participants from elsewhere.",
            ),
            sv_path: &sv_path,
            en_path: &en_path,
            shortcuts: &[("#results-h", lang.t("Resultat", "Results"))],
        },
        site,
        &mut out,
    );
    form(lang, q, cat, &mut out);
    match found {
        None => {
            let _ = write!(
                out,
                r#"<h2 id="results-h">{}</h2><p>{}</p>"#,
                lang.t("Resultat", "Results"),
                lang.t(
                    "Välj var du bor, så visas kurserna du kan gå.",
                    "Choose where you live to see the courses you can join."
                )
            );
        }
        Some((home, all)) => results(lang, q, home, all, cat, &mut out),
    }
    layout::close(lang, &mut out);
    out
}

fn form(lang: Lang, q: &SupportQuery, cat: &ReferenceData, out: &mut String) {
    let action = match lang {
        Lang::Sv => SV_PATH,
        Lang::En => EN_PATH,
    };
    let _ = write!(
        out,
        r#"<form class="finder" method="get" action="{action}"><div class="field"><label for="s-home">{}</label><select id="s-home" name="municipality" required>"#,
        lang.t("Var bor du?", "Where do you live?"),
    );
    option(
        out,
        "",
        lang.t("Välj kommun", "Choose a municipality"),
        q.home.is_none(),
    );
    for m in by_name(cat) {
        let chosen = q.home.as_ref().is_some_and(|h| h.as_str() == m.code);
        option(out, &m.code, &m.name, chosen);
    }
    let _ = write!(
        out,
        r#"</select></div><div class="field"><label for="s-age">{}</label><select id="s-age" name="child_age">"#,
        lang.t("Barnets ålder (om du vill)", "Your child's age (optional)")
    );
    option(
        out,
        "",
        lang.t("Alla åldrar", "Any age"),
        q.child_age.is_none(),
    );
    age_options(lang, q.child_age, out);
    let _ = write!(
        out,
        r#"</select></div><div class="field"><label for="s-language">{}</label><select id="s-language" name="language">"#,
        lang.t("Språk", "Language")
    );
    option(
        out,
        "",
        lang.t("Alla språk", "Any language"),
        q.language.is_none(),
    );
    language_options(lang, q.language.as_deref(), out);
    let checked = if q.digital_only { " checked" } else { "" };
    let _ = write!(
        out,
        r#"</select></div><div class="field check"><input type="checkbox" id="s-digital" name="digital" value="1"{checked}><label for="s-digital">{}</label></div><button type="submit">{}</button></form>"#,
        lang.t("Bara digitala kurser", "Digital courses only"),
        lang.t("Visa kurser", "Show courses")
    );
}

fn results(
    lang: Lang,
    q: &SupportQuery,
    home: &municipality::Model,
    all: &[Joinable],
    cat: &ReferenceData,
    out: &mut String,
) {
    let pages = all.len().div_ceil(PER_PAGE).max(1);
    let page = q.page.min(pages);
    let shown = &all[((page - 1) * PER_PAGE).min(all.len())..(page * PER_PAGE).min(all.len())];
    let heading = match (lang, all.len()) {
        (Lang::Sv, 0) => format!("Inga kurser hittades för dig som bor i {}", home.name),
        (Lang::En, 0) => format!("No courses found for residents of {}", home.name),
        (Lang::Sv, n) => format!("{n} kurser du kan gå, för dig som bor i {}", home.name),
        (Lang::En, n) => format!("{n} courses you can join, for residents of {}", home.name),
    };
    let _ = write!(out, r#"<h2 id="results-h">{}</h2>"#, esc(&heading));
    let _ = write!(
        out,
        r#"<p class="lead">{}</p>"#,
        lang.t(
            "Kurser i din kommun och i länets andra kommuner som tar emot deltagare som bor någon annanstans. Öppna för anmälan först, sedan efter startdatum.",
            "Courses in your municipality and in the county's other municipalities that welcome participants who live elsewhere. Open for registration first, then by start date."
        )
    );
    if shown.is_empty() {
        return;
    }
    out.push_str(r#"<ul class="sessions">"#);
    for j in shown {
        let at = super::card::Place {
            heading: "h3",
            elsewhere: !j.home,
            to_course: true,
        };
        super::card::card(lang, cat, &j.session, &at, out);
    }
    out.push_str("</ul>");
    if pages > 1 {
        let path = match lang {
            Lang::Sv => SV_PATH,
            Lang::En => EN_PATH,
        };
        let query = q.query();
        let link = |p: usize| format!("{path}?{query}&page={p}#results-h");
        let _ = write!(
            out,
            r#"<nav class="pages" aria-label="{}"><p>{}</p><ul>"#,
            lang.t("Sidor", "Pages"),
            esc(&match lang {
                Lang::Sv => format!("Sida {page} av {pages}"),
                Lang::En => format!("Page {page} of {pages}"),
            })
        );
        if page > 1 {
            let _ = write!(
                out,
                r#"<li><a href="{}" rel="prev">{}</a></li>"#,
                esc(&link(page - 1)),
                lang.t("Föregående", "Previous")
            );
        }
        for p in 1..=pages {
            if p == page {
                let _ = write!(
                    out,
                    r#"<li><a href="{}" aria-current="page">{p}</a></li>"#,
                    esc(&link(p))
                );
            } else {
                let _ = write!(out, r#"<li><a href="{}">{p}</a></li>"#, esc(&link(p)));
            }
        }
        if page < pages {
            let _ = write!(
                out,
                r#"<li><a href="{}" rel="next">{}</a></li>"#,
                esc(&link(page + 1)),
                lang.t("Nästa", "Next")
            );
        }
        out.push_str("</ul></nav>");
    }
}

/// The finder for `lang`: reads the search and its results.
pub async fn render(
    db: &impl ConnectionTrait,
    cat: &ReferenceData,
    lang: Lang,
    q: &SupportQuery,
    site: &Site<'_>,
) -> Result<String, ApiError> {
    let Some(home) = &q.home else {
        return Ok(page(lang, q, None, cat, site));
    };
    let home = cat.known_municipality(home.as_str())?;
    let all = joinable(db, cat, home, q, Utc::now().date_naive()).await?;
    Ok(page(lang, q, Some((home, &all)), cat, site))
}
