//! `indicators`: the decision's short-term effects made measurable, per year,
//! for a county and each of its municipalities. Reads only the rollups
//! (`reach_rollup` for reach, `offer_rollup` and `offer_language_rollup` for
//! what is offered), two years at a time.

use std::collections::{BTreeMap, BTreeSet};

use entity::{municipality, programme};
use poem_openapi::Object;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::ConnectionTrait;

use super::disclosure::{disclose, round, RowCounts};
use super::wire::ReachPopulation;
use crate::error::ApiError;
use crate::http::formats::{opt, CsvRecord};
use crate::resources::programmes::LocalizedText;
use crate::store::catalogue::Catalogues;

/// A validated indicators query.
#[derive(Debug, Clone)]
pub struct IndicatorsQuery {
    pub year: i32,
    /// Only these municipalities in the per-municipality list (empty: all of the county's).
    pub municipalities: Vec<String>,
    /// Default: the county of the municipalities in the regional collaboration.
    pub county: Option<String>,
}

/// One indicator for one area and year.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Indicator {
    /// Stable id, e.g. `reach_per_1000_children`.
    pub id: String,
    pub label: LocalizedText,
    /// The short-term effect of the decision this indicator follows up, in its own words (sv) and in English.
    pub effect: LocalizedText,
    /// The value for the year; null with `note` when it cannot be stated.
    pub value: Option<f64>,
    /// `per_1000_children`, `share` (0–1), `ratio`, `count`.
    pub unit: String,
    /// The value for the previous year.
    pub previous_value: Option<f64>,
    /// `value − previous_value`, in `unit` (for shares: a difference of shares, not a percentage).
    pub change: Option<f64>,
    /// Why `value` is null, or a caveat.
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    /// Extra detail (e.g. the languages offered, ISO 639-1).
    #[oai(skip_serializing_if_is_none)]
    pub detail: Option<String>,
    pub definition: LocalizedText,
}

/// The indicators of the county or of one municipality.
#[derive(Debug, Clone, Object)]
pub struct IndicatorArea {
    /// `county` or `municipality`.
    pub level: String,
    /// SCB code: 2 digits for the county, 4 for a municipality.
    pub code: String,
    pub name: String,
    /// The reference population of rates per 1,000 children; null where none is sourced.
    pub population: Option<ReachPopulation>,
    pub indicators: Vec<Indicator>,
}

/// The indicators for one year.
#[derive(Debug, Clone, Object)]
pub struct IndicatorReport {
    pub year: i32,
    pub previous_year: i32,
    pub county_code: String,
    pub county_name: String,
    /// k: counts of people between 1 and k−1 are suppressed, and figures built on them.
    pub suppression_threshold: i64,
    /// The county first, then each municipality by code.
    pub areas: Vec<IndicatorArea>,
}

/// What one area did in one year, before disclosure control.
#[derive(Debug, Clone, Default)]
struct AreaYear {
    counted_sessions: i64,
    counts: RowCounts,
    offered: i64,
    digital: i64,
    collaborative: i64,
    /// Offered sessions of programmes whose evidence status is `evaluated`.
    evaluated: i64,
    /// Offered sessions of programmes with any evidence assessment recorded.
    assessed: i64,
    languages: BTreeSet<String>,
}

impl AreaYear {
    fn add(&mut self, o: &AreaYear) {
        self.counted_sessions += o.counted_sessions;
        self.counts.add(&o.counts);
        self.offered += o.offered;
        self.digital += o.digital;
        self.collaborative += o.collaborative;
        self.evaluated += o.evaluated;
        self.assessed += o.assessed;
        self.languages.extend(o.languages.iter().cloned());
    }
}

fn text(sv: &str, en: &str) -> LocalizedText {
    LocalizedText {
        sv: sv.into(),
        en: en.into(),
    }
}

struct Effect;
impl Effect {
    fn equal() -> LocalizedText {
        text(
            "En mer jämlik tillgång till föräldraskapsstöd i länet",
            "More equal access to parenting support in the county",
        )
    }
    fn accessible() -> LocalizedText {
        text(
            "Ett mer tillgängligt föräldraskapsstöd",
            "More accessible parenting support",
        )
    }
    fn satisfied() -> LocalizedText {
        text(
            "Fler föräldrar är nöjda med det föräldraskapsstöd de får",
            "More parents are satisfied with the parenting support they receive",
        )
    }
    fn vulnerable() -> LocalizedText {
        text(
            "Fler socioekonomiskt utsatta grupper använder sig av föräldraskapsstöd",
            "More socioeconomically vulnerable groups use parenting support",
        )
    }
    fn collaboration() -> LocalizedText {
        text(
            "Ökad samverkan och samarbete i länet kring föräldraskapsstöd",
            "More collaboration and cooperation in the county on parenting support",
        )
    }
}

/// A figure or the reason there is none.
type Figure = Result<f64, String>;

fn share(num: i64, den: i64, what: &str) -> Figure {
    if den > 0 {
        Ok(round(num as f64 / den as f64, 4))
    } else {
        Err(format!("no {what}"))
    }
}

fn per_1000(n: i64, children: Option<i64>) -> Figure {
    match children {
        Some(c) if c > 0 => Ok(round(n as f64 * 1000.0 / c as f64, 2)),
        _ => Err("no reference population is loaded".into()),
    }
}

fn suppressed_note(k: i64) -> String {
    format!(
        "suppressed: built on a count of people between 1 and {}",
        k.saturating_sub(1)
    )
}

/// Reach per 1,000 children under disclosure control.
fn reach_figure(a: &AreaYear, children: Option<i64>, k: i64) -> Figure {
    let d = disclose(&a.counts, k);
    match d.enrolled {
        None => Err(suppressed_note(k)),
        Some(e) => per_1000(e, children),
    }
}

/// The spread of municipalities' reach per 1,000 children: (min, max, max/min, CV).
/// Any municipality without a publishable rate makes the spread unstated: a
/// spread over the others would be biased, and with the rest published it could
/// give the hidden one back.
fn spread(rates: &[Figure]) -> [Figure; 4] {
    let mut values = Vec::with_capacity(rates.len());
    for r in rates {
        match r {
            Ok(v) => values.push(*v),
            Err(why) => {
                let e = Err(format!("a municipality's reach is not available ({why})"));
                return [e.clone(), e.clone(), e.clone(), e];
            }
        }
    }
    if values.len() < 2 {
        let e: Figure = Err("fewer than two municipalities".into());
        return [e.clone(), e.clone(), e.clone(), e];
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    [
        Ok(round(min, 2)),
        Ok(round(max, 2)),
        if min > 0.0 {
            Ok(round(max / min, 4))
        } else {
            Err("the lowest reach is 0".into())
        },
        if mean > 0.0 {
            Ok(round(var.sqrt() / mean, 4))
        } else {
            Err("mean reach is 0".into())
        },
    ]
}

struct Def {
    id: &'static str,
    label: LocalizedText,
    effect: LocalizedText,
    unit: &'static str,
    definition: LocalizedText,
}

fn indicator(def: Def, now: Figure, before: Figure, detail: Option<String>) -> Indicator {
    let change = match (&now, &before) {
        (Ok(a), Ok(b)) => Some(round(a - b, 4)),
        _ => None,
    };
    Indicator {
        id: def.id.into(),
        label: def.label,
        effect: def.effect,
        value: now.as_ref().ok().copied(),
        unit: def.unit.into(),
        previous_value: before.ok(),
        change,
        note: now.err(),
        detail,
        definition: def.definition,
    }
}

fn area_indicators(
    now: &AreaYear,
    before: &AreaYear,
    children: Option<i64>,
    k: i64,
) -> Vec<Indicator> {
    let dn = disclose(&now.counts, k);
    let db = disclose(&before.counts, k);
    let rate = |d: &super::disclosure::Disclosed,
                pick: fn(&super::disclosure::Disclosed) -> Option<f64>,
                parts_small: bool,
                what: &str|
     -> Figure {
        match pick(d) {
            Some(v) => Ok(v),
            None if parts_small => Err(suppressed_note(k)),
            None => Err(format!("no {what}")),
        }
    };
    let satisfaction = |d: &super::disclosure::Disclosed| {
        rate(
            d,
            |d| d.satisfaction_rate,
            d.suppressed.contains(&"satisfaction_rate"),
            "satisfaction respondents",
        )
    };
    let vulnerable = |d: &super::disclosure::Disclosed| {
        rate(
            d,
            |d| d.vulnerable_area_share,
            d.suppressed.contains(&"vulnerable_area_share"),
            "participations",
        )
    };
    let evidence = |a: &AreaYear| -> Figure {
        if a.offered == 0 {
            Err("no sessions offered".into())
        } else if a.assessed == 0 {
            Err("no programme offered has an evidence assessment recorded (all are `unassessed`); the share is not stated rather than claimed".into())
        } else {
            share(a.evaluated, a.offered, "sessions offered")
        }
    };
    let languages = |a: &AreaYear| -> Figure { Ok(a.languages.len() as f64) };
    vec![
        indicator(
            Def {
                id: "reach_per_1000_children",
                label: text("Räckvidd per 1 000 barn", "Reach per 1,000 children"),
                effect: Effect::equal(),
                unit: "per_1000_children",
                definition: text(
                    "Inskrivna deltaganden i räknade omgångar (pågående eller avslutade, efter startdatum) per 1 000 barn i referensbefolkningen. Deltaganden, inte unika personer.",
                    "Participations enrolled in counted sessions (ongoing or completed, by start date) per 1,000 children of the reference population. Participations, not unique people.",
                ),
            },
            reach_figure(now, children, k),
            reach_figure(before, children, k),
            None,
        ),
        indicator(
            Def {
                id: "sessions_offered_per_1000_children",
                label: text("Erbjudna omgångar per 1 000 barn", "Sessions offered per 1,000 children"),
                effect: Effect::accessible(),
                unit: "per_1000_children",
                definition: text(
                    "Omgångar som startar under året med någon status utom inställd (planerad, öppen, pågående, avslutad), per 1 000 barn i referensbefolkningen.",
                    "Sessions starting in the year with any status but cancelled (planned, open, ongoing, completed), per 1,000 children of the reference population.",
                ),
            },
            per_1000(now.offered, children),
            per_1000(before.offered, children),
            None,
        ),
        indicator(
            Def {
                id: "languages_offered",
                label: text("Erbjudna språk", "Languages offered"),
                effect: Effect::accessible(),
                unit: "count",
                definition: text(
                    "Antal olika språk (ISO 639-1) bland de erbjudna omgångarna under året; språken anges i detail.",
                    "Number of distinct languages (ISO 639-1) among the sessions offered in the year; the languages are listed in detail.",
                ),
            },
            languages(now),
            languages(before),
            Some(now.languages.iter().cloned().collect::<Vec<_>>().join(",")),
        ),
        indicator(
            Def {
                id: "digital_share",
                label: text("Andel digitala omgångar", "Digital share"),
                effect: Effect::accessible(),
                unit: "share",
                definition: text(
                    "Andel av de erbjudna omgångarna som ges digitalt eller hybrid (går att delta i utan att resa).",
                    "Share of the sessions offered that are delivered digitally or hybrid (can be attended without travelling).",
                ),
            },
            share(now.digital, now.offered, "sessions offered"),
            share(before.digital, before.offered, "sessions offered"),
            None,
        ),
        indicator(
            Def {
                id: "evaluated_evidence_share",
                label: text("Andel omgångar med utvärderade metoder", "Share of sessions using programmes with evaluated evidence"),
                effect: Effect::accessible(),
                unit: "share",
                definition: text(
                    "Andel av de erbjudna omgångarna vars program har evidensstatus `evaluated` med angiven källa. Anges inte så länge inget erbjudet program har en registrerad bedömning.",
                    "Share of the sessions offered whose programme's evidence status is `evaluated`, with a source. Not stated while no offered programme has an assessment recorded.",
                ),
            },
            evidence(now),
            evidence(before),
            None,
        ),
        indicator(
            Def {
                id: "satisfaction_rate",
                label: text("Andel nöjda", "Share satisfied"),
                effect: Effect::satisfied(),
                unit: "share",
                definition: text(
                    "Nöjda delat med antal som besvarat nöjdhetsfrågan, i räknade omgångar.",
                    "Satisfied divided by those who answered the satisfaction question, in counted sessions.",
                ),
            },
            satisfaction(&dn),
            satisfaction(&db),
            None,
        ),
        indicator(
            Def {
                id: "vulnerable_area_share",
                label: text("Andel deltaganden från socioekonomiskt utsatta områden", "Share of participations from socioeconomically vulnerable areas"),
                effect: Effect::vulnerable(),
                unit: "share",
                definition: text(
                    "Deltaganden av föräldrar boende i områden som kommunen klassar som socioekonomiskt utsatta, delat med inskrivna deltaganden, i räknade omgångar.",
                    "Participations by parents living in areas the municipality classes as socioeconomically vulnerable, divided by participations enrolled, in counted sessions.",
                ),
            },
            vulnerable(&dn),
            vulnerable(&db),
            None,
        ),
        indicator(
            Def {
                id: "collaboration_share",
                label: text("Andel omgångar i samverkan", "Share of sessions in collaboration"),
                effect: Effect::collaboration(),
                unit: "share",
                definition: text(
                    "Andel av de erbjudna omgångarna som har en medarrangerande kommun eller är öppna för invånare i andra kommuner.",
                    "Share of the sessions offered that are co-hosted with another municipality or open to residents of other municipalities.",
                ),
            },
            share(now.collaborative, now.offered, "sessions offered"),
            share(before.collaborative, before.offered, "sessions offered"),
            None,
        ),
    ]
}

fn spread_indicators(now: &[Figure], before: &[Figure]) -> Vec<Indicator> {
    let [n_min, n_max, n_ratio, n_cv] = spread(now);
    let [b_min, b_max, b_ratio, b_cv] = spread(before);
    let def = |id, sv, en, unit, dsv, den| Def {
        id,
        label: text(sv, en),
        effect: Effect::equal(),
        unit,
        definition: text(dsv, den),
    };
    vec![
        indicator(
            def("reach_spread_min", "Lägsta räckvidd per 1 000 barn bland kommunerna", "Lowest reach per 1,000 children among the municipalities", "per_1000_children",
                "Lägsta värdet av räckvidd per 1 000 barn bland länets kommuner.",
                "The lowest reach per 1,000 children among the county's municipalities."),
            n_min, b_min, None,
        ),
        indicator(
            def("reach_spread_max", "Högsta räckvidd per 1 000 barn bland kommunerna", "Highest reach per 1,000 children among the municipalities", "per_1000_children",
                "Högsta värdet av räckvidd per 1 000 barn bland länets kommuner.",
                "The highest reach per 1,000 children among the county's municipalities."),
            n_max, b_max, None,
        ),
        indicator(
            def("reach_spread_ratio", "Kvot högsta/lägsta räckvidd", "Ratio of highest to lowest reach", "ratio",
                "Högsta delat med lägsta räckvidd per 1 000 barn bland kommunerna; 1 betyder lika räckvidd. Lägre är mer jämlikt.",
                "Highest divided by lowest reach per 1,000 children among the municipalities; 1 means equal reach. Lower is more equal."),
            n_ratio, b_ratio, None,
        ),
        indicator(
            def("reach_spread_cv", "Variationskoefficient för räckvidd", "Coefficient of variation of reach", "ratio",
                "Standardavvikelse (populations-) delad med medelvärdet av kommunernas räckvidd per 1 000 barn, oviktat. Lägre är mer jämlikt.",
                "Population standard deviation divided by the mean of the municipalities' reach per 1,000 children, unweighted. Lower is more equal."),
            n_cv, b_cv, None,
        ),
    ]
}

/// Reads the rollups for the given years and municipalities, per (municipality, year).
async fn load_area_years(
    db: &impl ConnectionTrait,
    years: [i32; 2],
    codes: &[String],
    programmes: &[programme::Model],
) -> Result<BTreeMap<(String, i32), AreaYear>, ApiError> {
    let backend = db.get_database_backend();
    let mut out: BTreeMap<(String, i32), AreaYear> = BTreeMap::new();
    if codes.is_empty() {
        return Ok(out);
    }
    let base = |table: &str| {
        let mut s = Query::select();
        s.from(Alias::new(table))
            .column(Alias::new("municipality_code"))
            .column(Alias::new("year"))
            .and_where(Expr::col(Alias::new("year")).is_in(years))
            .and_where(Expr::col(Alias::new("municipality_code")).is_in(codes.iter().cloned()))
            .group_by_col(Alias::new("municipality_code"))
            .group_by_col(Alias::new("year"));
        s
    };
    let sum = |col: &str| Expr::cust(format!("CAST(COALESCE(SUM({col}), 0) AS BIGINT)"));

    let mut reach = base("reach_rollup");
    for col in [
        "sessions",
        "enrolled",
        "enrolled_finished",
        "completed",
        "women",
        "men",
        "vulnerable_area",
        "satisfaction_respondents",
        "satisfied",
    ] {
        reach.expr_as(sum(col), Alias::new(col));
    }
    for row in db.query_all(backend.build(&reach)).await? {
        let get = |c: &str| row.try_get::<i64>("", c);
        let a = out
            .entry((
                row.try_get("", "municipality_code")?,
                row.try_get("", "year")?,
            ))
            .or_default();
        a.counted_sessions += get("sessions")?;
        a.counts.enrolled += get("enrolled")?;
        a.counts.enrolled_finished += get("enrolled_finished")?;
        a.counts.completed += get("completed")?;
        a.counts.women += get("women")?;
        a.counts.men += get("men")?;
        a.counts.vulnerable_area += get("vulnerable_area")?;
        a.counts.satisfaction_respondents += get("satisfaction_respondents")?;
        a.counts.satisfied += get("satisfied")?;
    }

    let mut offer = base("offer_rollup");
    offer.column(Alias::new("programme"));
    offer.group_by_col(Alias::new("programme"));
    for col in ["sessions", "digital", "collaborative"] {
        offer.expr_as(sum(col), Alias::new(col));
    }
    let status: BTreeMap<&str, &str> = programmes
        .iter()
        .map(|p| (p.slug.as_str(), p.evidence_status.as_str()))
        .collect();
    for row in db.query_all(backend.build(&offer)).await? {
        let slug: String = row.try_get("", "programme")?;
        let sessions: i64 = row.try_get("", "sessions")?;
        let a = out
            .entry((
                row.try_get("", "municipality_code")?,
                row.try_get("", "year")?,
            ))
            .or_default();
        a.offered += sessions;
        a.digital += row.try_get::<i64>("", "digital")?;
        a.collaborative += row.try_get::<i64>("", "collaborative")?;
        match status.get(slug.as_str()).copied() {
            Some("evaluated") => {
                a.evaluated += sessions;
                a.assessed += sessions;
            }
            Some("unassessed") | None => {}
            Some(_) => a.assessed += sessions,
        }
    }

    let mut langs = Query::select();
    langs
        .from(Alias::new("offer_language_rollup"))
        .columns(["municipality_code", "year", "language"].map(Alias::new))
        .and_where(Expr::col(Alias::new("year")).is_in(years))
        .and_where(Expr::col(Alias::new("municipality_code")).is_in(codes.iter().cloned()))
        .and_where(Expr::col(Alias::new("sessions")).gt(0));
    for row in db.query_all(backend.build(&langs)).await? {
        out.entry((
            row.try_get("", "municipality_code")?,
            row.try_get("", "year")?,
        ))
        .or_default()
        .languages
        .insert(row.try_get("", "language")?);
    }
    Ok(out)
}

fn population_of(ms: &[&municipality::Model], cat: &Catalogues) -> Option<ReachPopulation> {
    let refs: Vec<_> = ms.iter().map(|m| cat.children_of(&m.code)).collect();
    let first = (*refs.first()?)?;
    let all_known = refs.iter().all(|p| {
        p.is_some_and(|p| {
            p.year == first.year
                && p.children_age_from == first.children_age_from
                && p.children_age_to == first.children_age_to
        })
    });
    all_known.then(|| ReachPopulation {
        year: first.year,
        children: refs.iter().flatten().map(|p| p.children.unwrap_or(0)).sum(),
        children_age_from: first.children_age_from.unwrap_or(0),
        children_age_to: first.children_age_to.unwrap_or(15),
    })
}

/// The indicators for `q` under suppression threshold `k`.
pub async fn indicators(
    db: &impl ConnectionTrait,
    q: &IndicatorsQuery,
    k: i64,
) -> Result<IndicatorReport, ApiError> {
    indicators_with(db, q, k, &Catalogues::load(db).await?).await
}

/// As `indicators`, with catalogues already at hand.
pub async fn indicators_with(
    db: &impl ConnectionTrait,
    q: &IndicatorsQuery,
    k: i64,
    cat: &Catalogues,
) -> Result<IndicatorReport, ApiError> {
    let county = match &q.county {
        Some(c) => c.clone(),
        None => cat
            .municipalities
            .iter()
            .find(|m| m.in_collaboration)
            .map(|m| m.county_code.clone())
            .unwrap_or_else(|| "19".into()),
    };
    let in_county: Vec<&municipality::Model> = cat
        .municipalities
        .iter()
        .filter(|m| m.county_code == county)
        .collect();
    let Some(first) = in_county.first() else {
        return Err(ApiError::invalid_parameter(
            "county",
            format!("no county with code {county}"),
        ));
    };
    for code in &q.municipalities {
        if !cat.municipalities.iter().any(|m| &m.code == code) {
            return Err(ApiError::invalid_parameter(
                "municipality",
                format!("no municipality with code {code}"),
            ));
        }
        if !in_county.iter().any(|m| &m.code == code) {
            return Err(ApiError::invalid_parameter(
                "municipality",
                format!("municipality {code} is not in county {county}"),
            ));
        }
    }
    let years = [q.year, q.year - 1];
    let codes: Vec<String> = in_county.iter().map(|m| m.code.clone()).collect();
    let data = load_area_years(db, years, &codes, &cat.programmes).await?;
    let empty = AreaYear::default();
    let of = |code: &str, year: i32| data.get(&(code.to_owned(), year)).unwrap_or(&empty);

    let mut county_now = AreaYear::default();
    let mut county_before = AreaYear::default();
    for m in &in_county {
        county_now.add(of(&m.code, q.year));
        county_before.add(of(&m.code, q.year - 1));
    }
    let county_population = population_of(&in_county, cat);
    let mut county_indicators = area_indicators(
        &county_now,
        &county_before,
        county_population.as_ref().map(|p| p.children),
        k,
    );
    let rates = |year: i32| -> Vec<Figure> {
        in_county
            .iter()
            .map(|m| {
                reach_figure(
                    of(&m.code, year),
                    cat.children_of(&m.code).and_then(|p| p.children),
                    k,
                )
            })
            .collect()
    };
    county_indicators.splice(1..1, spread_indicators(&rates(q.year), &rates(q.year - 1)));

    let mut areas = vec![IndicatorArea {
        level: "county".into(),
        code: county.clone(),
        name: first.county_name.clone(),
        population: county_population,
        indicators: county_indicators,
    }];
    for m in &in_county {
        if !q.municipalities.is_empty() && !q.municipalities.contains(&m.code) {
            continue;
        }
        let population = population_of(&[m], cat);
        areas.push(IndicatorArea {
            level: "municipality".into(),
            code: m.code.clone(),
            name: m.name.clone(),
            indicators: area_indicators(
                of(&m.code, q.year),
                of(&m.code, q.year - 1),
                population.as_ref().map(|p| p.children),
                k,
            ),
            population,
        });
    }
    Ok(IndicatorReport {
        year: q.year,
        previous_year: q.year - 1,
        county_code: county,
        county_name: first.county_name.clone(),
        suppression_threshold: k,
        areas,
    })
}

/// One CSV line: one indicator of one area.
pub struct IndicatorCsvRow {
    year: i32,
    level: String,
    code: String,
    name: String,
    indicator: Indicator,
}

pub fn csv_rows(report: &IndicatorReport) -> Vec<IndicatorCsvRow> {
    report
        .areas
        .iter()
        .flat_map(|a| {
            a.indicators.iter().map(|i| IndicatorCsvRow {
                year: report.year,
                level: a.level.clone(),
                code: a.code.clone(),
                name: a.name.clone(),
                indicator: i.clone(),
            })
        })
        .collect()
}

impl CsvRecord for IndicatorCsvRow {
    fn csv_header() -> &'static [&'static str] {
        &[
            "year",
            "level",
            "code",
            "name",
            "indicator",
            "label_sv",
            "label_en",
            "value",
            "unit",
            "previous_value",
            "change",
            "note",
            "detail",
        ]
    }
    fn csv_row(&self) -> Vec<String> {
        let i = &self.indicator;
        vec![
            self.year.to_string(),
            self.level.clone(),
            self.code.clone(),
            self.name.clone(),
            i.id.clone(),
            i.label.sv.clone(),
            i.label.en.clone(),
            opt(&i.value),
            i.unit.clone(),
            opt(&i.previous_value),
            opt(&i.change),
            opt(&i.note),
            opt(&i.detail),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_min_max_ratio_and_cv() {
        let [min, max, ratio, cv] = spread(&[Ok(10.0), Ok(20.0), Ok(30.0)]);
        assert_eq!(min, Ok(10.0));
        assert_eq!(max, Ok(30.0));
        assert_eq!(ratio, Ok(3.0));
        // sd = sqrt(200/3) = 8.165, mean 20
        assert_eq!(cv, Ok(0.4082));
    }

    #[test]
    fn a_hidden_municipality_hides_the_spread() {
        let [min, ..] = spread(&[Ok(10.0), Err("suppressed".into())]);
        assert!(min.is_err());
    }
}
