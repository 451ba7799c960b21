//! The evaluation view assembled from what already exists: each year's
//! reach and evidence share are `/v1/indicators`' own figures (one
//! indicators report per year, so no rule is computed twice), and the
//! outcome values are those `/v1/outcomes/{id}/values` serves.

use std::collections::{BTreeMap, BTreeSet};

use entity::outcome_value;
use sea_orm::ConnectionTrait;

use super::correlation::{self, ByYear};
use super::wire::{
    EvaluationEffect, EvaluationReport, EvaluationRow, EvaluationSeries, EvaluationValue,
    EvaluationYear,
};
use crate::error::ApiError;
use crate::http::workbook::AboutLine;
use crate::resources::outcomes::catalogue::EFFECTS;
use crate::resources::outcomes::store::{effect, list_outcomes, totals_in};
use crate::resources::programmes::LocalizedText;
use crate::resources::reach::download::{disclosure_lines, sessions_source};
use crate::resources::reach::indicators::{indicator_report, IndicatorsQuery, Terms};
use crate::resources::reach::wire::{IndicatorArea, IndicatorReport};
use crate::store::reference::ReferenceData;
use crate::store::rollup::Rollups;
use crate::vocab::{CountyCode, MunicipalityCode};

const REACH: &str = "reach_per_1000_children";
const EVIDENCE: &str = "evaluated_evidence_share";

/// A validated evaluation query: one area and a period of years.
#[derive(Debug, Clone)]
pub struct EvaluationQuery {
    /// The municipality, when the view is of one; else the county's view.
    pub municipality: Option<MunicipalityCode>,
    pub county: CountyCode,
    pub from: i32,
    pub to: i32,
}

pub const INTERPRETATION: (&str, &str) = (
    "Beskrivning, inte en skattning av orsakssamband. Siffrorna ställer räckvidden av \
     föräldraskapsstöd bredvid utfallsmått för samma område och år. Att de följs åt över tid, \
     eller att kommuner med högre räckvidd har bättre eller sämre utfall, visar inte att stödet \
     har orsakat utfallet: båda påverkas av mycket annat (befolkning, skola, ekonomi), och \
     effekterna av föräldraskapsstöd kan visa sig först efter många år.",
    "Description, not a causal estimate. The figures set the reach of parenting support beside \
     outcome measures for the same area and years. That they move together over time, or that \
     municipalities with higher reach have better or worse outcomes, does not show that the \
     support caused the outcome: both depend on much else (population, schools, the economy), \
     and the effects of parenting support may show only after many years.",
);

fn area<'a>(r: &'a IndicatorReport, code: &str) -> Option<&'a IndicatorArea> {
    r.areas.iter().find(|a| a.code == code)
}

fn figure(a: Option<&IndicatorArea>, id: &str) -> (Option<f64>, Option<String>) {
    a.and_then(|a| a.indicators.iter().find(|i| i.id == id))
        .map_or((None, Some("no indicator for the area".into())), |i| {
            (i.value, i.note.clone())
        })
}

/// The whole years' values of indicator `id` for area `code`.
fn whole_years(reports: &[IndicatorReport], code: &str, id: &str) -> ByYear {
    reports
        .iter()
        .filter(|r| r.complete)
        .filter_map(|r| figure(area(r, code), id).0.map(|v| (r.year, v)))
        .collect()
}

/// The evaluation view for `q` from the rollups of one data version.
pub async fn evaluation_report(
    db: &impl ConnectionTrait,
    rollups: &Rollups,
    q: &EvaluationQuery,
    terms: Terms,
    cat: &ReferenceData,
) -> Result<EvaluationReport, ApiError> {
    let members = cat.county_members(&q.county)?;
    let reports = (q.from..=q.to)
        .map(|year| {
            let iq = IndicatorsQuery {
                year,
                municipalities: vec![],
                county: Some(q.county.clone()),
            };
            indicator_report(rollups, &iq, terms, cat)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let county_name = members[0].county_name.clone();
    let (level, code, name, kolada) = match &q.municipality {
        Some(m) => {
            let m = cat.known_municipality(m)?;
            (
                "municipality",
                m.code.clone(),
                m.name.clone(),
                m.code.clone(),
            )
        }
        None => (
            "county",
            q.county.to_string(),
            county_name.clone(),
            format!("00{}", q.county),
        ),
    };
    let years: Vec<EvaluationYear> = reports
        .iter()
        .map(|r| {
            let a = area(r, &code);
            let (reach_per_1000_children, reach_note) = figure(a, REACH);
            let (evaluated_evidence_share, evidence_note) = figure(a, EVIDENCE);
            EvaluationYear {
                year: r.year,
                complete: r.complete,
                reach_per_1000_children,
                reach_note,
                evaluated_evidence_share,
                evidence_note,
                population: a.and_then(|a| a.population.clone()),
            }
        })
        .collect();
    let running: Vec<String> = reports
        .iter()
        .filter(|r| !r.complete)
        .map(|r| r.year.to_string())
        .collect();
    let left_out = (!running.is_empty()).then(|| {
        format!(
            "{} not over, so left out (figures so far)",
            running.join(", ")
        )
    });

    let mut areas: Vec<String> = members.iter().map(|m| m.code.clone()).collect();
    areas.push(format!("00{}", q.county));
    let mut by_kpi: BTreeMap<String, Vec<outcome_value::Model>> = BTreeMap::new();
    for row in totals_in(db, &areas, q.from..=q.to).await? {
        by_kpi.entry(row.kpi.clone()).or_default().push(row);
    }
    let reach_by_municipality: Vec<(String, ByYear)> = members
        .iter()
        .map(|m| (m.code.clone(), whole_years(&reports, &m.code, REACH)))
        .collect();
    let mut outcomes = Vec::new();
    // The catalogue's order, then any other measure loaded.
    for measure in list_outcomes(db).await?.data {
        let Some(rows) = by_kpi.get(&measure.id) else {
            continue;
        };
        let own: Vec<&outcome_value::Model> = rows.iter().filter(|r| r.area == kolada).collect();
        if own.is_empty() {
            continue;
        }
        let known = |rs: &mut dyn Iterator<Item = &outcome_value::Model>| -> ByYear {
            rs.filter_map(|r| r.value.map(|v| (r.year, v))).collect()
        };
        let per_municipality: Vec<ByYear> = reach_by_municipality
            .iter()
            .map(|(m, _)| known(&mut rows.iter().filter(|r| &r.area == m)))
            .collect();
        let pairs: Vec<(&ByYear, &ByYear)> = reach_by_municipality
            .iter()
            .zip(&per_municipality)
            .map(|((_, reach), measure)| (reach, measure))
            .collect();
        outcomes.push(EvaluationSeries {
            change: correlation::change(&known(&mut own.iter().copied()), 4, None),
            correlation: correlation::across(&pairs, &q.county, &measure.id, q.from..=q.to),
            values: own
                .iter()
                .map(|r| EvaluationValue {
                    year: r.year,
                    value: r.value,
                    status: r.status.clone(),
                    source: r.source.clone(),
                    retrieved_at: r.retrieved_at,
                })
                .collect(),
            id: measure.id,
            title_sv: measure.title_sv,
            title_en: measure.title_en,
            unit: measure.unit,
            effects: measure.effects,
            role: measure.role,
            verification: measure.verification,
        });
    }
    let held: BTreeSet<&str> = outcomes.iter().map(|o| o.id.as_str()).collect();
    let effects = effects(&held, (&name, q.from, q.to));
    Ok(EvaluationReport {
        level: level.into(),
        reach_change: correlation::change(
            &whole_years(&reports, &code, REACH),
            2,
            left_out.clone(),
        ),
        evidence_change: correlation::change(&whole_years(&reports, &code, EVIDENCE), 4, left_out),
        code,
        name,
        county_code: q.county.to_string(),
        county_name,
        from: q.from,
        to: q.to,
        interpretation: LocalizedText {
            sv: INTERPRETATION.0.into(),
            en: INTERPRETATION.1.into(),
        },
        years,
        outcomes,
        effects,
        suppression_threshold: terms.k,
    })
}

/// The six effects, each with the measures held that serve it, or why
/// there is none: the catalogue's reason, and that no candidate is loaded.
fn effects(held: &BTreeSet<&str>, (name, from, to): (&str, i32, i32)) -> Vec<EvaluationEffect> {
    EFFECTS
        .iter()
        .map(|e| {
            let e = effect(e);
            let measures_held: Vec<String> = e
                .measures
                .iter()
                .filter(|m| held.contains(m.as_str()))
                .cloned()
                .collect();
            let none_loaded = (measures_held.is_empty() && !e.measures.is_empty()).then(|| {
                let ids = e.measures.join(", ");
                (
                    format!("Inget av måtten {ids} är inläst för {name} {from}–{to}."),
                    format!("None of the measures {ids} is loaded for {name} {from}–{to}."),
                )
            });
            let join = |a: Option<String>, b: Option<String>| match (a, b) {
                (Some(a), Some(b)) => Some(format!("{a} {b}")),
                (a, b) => a.or(b),
            };
            EvaluationEffect {
                number: e.number,
                title_sv: e.title_sv,
                title_en: e.title_en,
                municipal_measure: e.municipal_measure,
                no_measure_sv: join(e.no_measure_sv, none_loaded.clone().map(|t| t.0)),
                no_measure_en: join(e.no_measure_en, none_loaded.map(|t| t.1)),
                regional_survey: e.regional_survey,
                measures_held,
            }
        })
        .collect()
}

/// The report as flat rows: every series in every year it has.
pub fn rows(r: &EvaluationReport) -> Vec<EvaluationRow> {
    let base = |series: &str, title: &str, unit: Option<&str>, year: i32| EvaluationRow {
        area_code: r.code.clone(),
        area_name: r.name.clone(),
        series: series.into(),
        title: title.into(),
        unit: unit.map(str::to_owned),
        year,
        value: None,
        note: None,
        source: String::new(),
        period_change: None,
        correlation: None,
        correlation_n: None,
        correlation_reason: None,
    };
    let mut out = Vec::new();
    for y in &r.years {
        let source = y.population.as_ref().map_or_else(
            || "sessions reported to this API".to_owned(),
            |p| format!("sessions reported to this API; children: {}", p.source),
        );
        out.push(EvaluationRow {
            value: y.reach_per_1000_children,
            note: y.reach_note.clone(),
            source: source.clone(),
            period_change: r.reach_change.change,
            ..base(
                REACH,
                "Reach per 1,000 children",
                Some("per_1000_children"),
                y.year,
            )
        });
        out.push(EvaluationRow {
            value: y.evaluated_evidence_share,
            note: y.evidence_note.clone(),
            source: "sessions reported to this API; programme ratings (/v1/programmes)".into(),
            period_change: r.evidence_change.change,
            ..base(
                EVIDENCE,
                "Share of sessions with evidence support",
                Some("share"),
                y.year,
            )
        });
    }
    for s in &r.outcomes {
        for v in &s.values {
            out.push(EvaluationRow {
                value: v.value,
                note: v.status.clone(),
                source: v.source.clone(),
                period_change: s.change.change,
                correlation: s.correlation.coefficient,
                correlation_n: Some(s.correlation.n),
                correlation_reason: s.correlation.reason.clone(),
                ..base(&s.id, &s.title_en, s.unit.as_deref(), v.year)
            });
        }
    }
    out
}

/// The `Om data` lines of an evaluation workbook.
pub fn about(k: i64, r: &EvaluationReport) -> Vec<AboutLine> {
    let mut lines = vec![
        AboutLine::new(
            "Innehåll / Contents",
            format!(
                "Utvärderingsvy för {} ({}), {}–{}: räckvidd per 1 000 barn och andel omgångar med evidensstöd per år, bredvid utfallsmåtten (Kolada) för samma område, med förändringen över perioden och korrelationen mellan länets kommuner.",
                r.name, r.code, r.from, r.to
            ),
            format!(
                "Evaluation view of {} ({}), {}–{}: reach per 1,000 children and the share of sessions with evidence support per year, beside the outcome measures (Kolada) for the same area, with the change over the period and the correlation across the county's municipalities.",
                r.name, r.code, r.from, r.to
            ),
        ),
        AboutLine::new("Tolkning / Interpretation", INTERPRETATION.0, INTERPRETATION.1),
        sessions_source(),
        AboutLine::new(
            "Utfall / Outcomes",
            "Utfallsmåtten som källan publicerade dem (kolumnen source på varje rad, Källa: Kolada); en lucka fylls aldrig i.",
            "The outcome measures as their source published them (column source on every row, Källa: Kolada); a gap is never filled in.",
        ),
    ];
    lines.extend(disclosure_lines(k));
    lines
}
