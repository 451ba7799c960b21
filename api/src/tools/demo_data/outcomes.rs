//! Synthetic outcome values for the demo: the catalogue's candidate measures
//! of the effects, per municipality, its county and the country, over the
//! demo's whole years, so the evaluation view and the page's "Långsiktiga
//! effekter" show trends. Plausible in range (`../shared/data/outcomes.md`
//! lists published values), made up in every figure, and flagged the way
//! the demo's sessions are: written with the demo (`app_meta`'s note, so
//! `/v1/api-info` says `synthetic`) and with a source that says so on every
//! value. A value already held, from a real import, is never overwritten.

use std::collections::BTreeMap;

use chrono::{Datelike, Utc};
use entity::{municipality, outcome_value};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::error::ApiError;
use crate::resources::outcomes::catalogue::{Role, CANDIDATES};
use crate::vocab::OutcomeGender;

/// The source every synthetic value carries.
pub const SYNTHETIC_SOURCE: &str = "SYNTHETIC DEMO DATA (demo-data), not from Kolada";

/// A measure's plausible level, the spread between municipalities and the
/// drift per year, in its unit.
fn shape(id: &str) -> Option<(f64, f64, f64)> {
    Some(match id {
        "N15428" => (82.0, 5.0, 0.3),
        "N15507" => (225.0, 12.0, 0.8),
        "N15508" => (72.0, 7.0, 0.2),
        "U01405" => (71.0, 3.0, -0.2),
        "N07609" => (24.0, 5.0, -0.3),
        "N33820" => (9.0, 2.0, 0.25),
        "N66077" => (13.0, 5.0, -0.2),
        _ => return None,
    })
}

/// Writes the values in `txn` for `municipalities` over `years`; returns how
/// many were new.
pub async fn write(
    txn: &impl ConnectionTrait,
    municipalities: &[municipality::Model],
    years: std::ops::RangeInclusive<i32>,
    seed: u64,
) -> Result<u64, ApiError> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x6f75_7463);
    let now = Utc::now();
    let mut rows = Vec::new();
    let first = *years.start();
    for c in CANDIDATES
        .iter()
        .filter(|c| matches!(c.role, Role::Measure | Role::Proxy) || c.id == "N66077")
    {
        let Some((level, spread, drift)) = shape(c.id) else {
            continue;
        };
        let clamp = |v: f64| {
            if c.unit == "percent" {
                v.clamp(0.0, 100.0)
            } else {
                v.max(0.0)
            }
        };
        let mut counties: BTreeMap<(String, i32), Vec<f64>> = BTreeMap::new();
        for m in municipalities {
            let offset = rng.gen_range(-spread..=spread);
            for year in years.clone() {
                let noise = rng.gen_range(-spread / 4.0..=spread / 4.0);
                let v = clamp(level + offset + drift * f64::from(year - first) + noise);
                let v = (v * 10.0).round() / 10.0;
                counties
                    .entry((m.county_code.clone(), year))
                    .or_default()
                    .push(v);
                rows.push((c.id, m.code.clone(), year, v));
            }
        }
        for ((county, year), vs) in counties {
            let mean = vs.iter().sum::<f64>() / vs.len() as f64;
            rows.push((
                c.id,
                format!("00{county}"),
                year,
                (mean * 10.0).round() / 10.0,
            ));
        }
        for year in years.clone() {
            let v = clamp(level + drift * f64::from(year - first));
            rows.push((c.id, "0000".to_owned(), year, (v * 10.0).round() / 10.0));
        }
    }
    let mut written = 0;
    for chunk in rows.chunks(500) {
        let models = chunk.iter().map(|(kpi, area, year, v)| {
            outcome_value::ActiveModel::from(outcome_value::Model {
                kpi: (*kpi).to_owned(),
                area: area.clone(),
                year: *year,
                gender: OutcomeGender::Total.as_str().to_owned(),
                value: Some(*v),
                status: None,
                count: Some(1),
                source: SYNTHETIC_SOURCE.to_owned(),
                retrieved_at: now,
                updated_at: now,
            })
        });
        written += outcome_value::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([
                    outcome_value::Column::Kpi,
                    outcome_value::Column::Area,
                    outcome_value::Column::Year,
                    outcome_value::Column::Gender,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(written)
}

/// The demo's whole years: the sessions' history, up to last year.
pub fn years(today: chrono::NaiveDate) -> std::ops::RangeInclusive<i32> {
    today.year() - 7..=today.year() - 1
}

/// Removes the synthetic values a demo wrote (on `--replace`), and only those.
pub async fn remove(txn: &impl ConnectionTrait) -> Result<(), ApiError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    outcome_value::Entity::delete_many()
        .filter(outcome_value::Column::Source.eq(SYNTHETIC_SOURCE))
        .exec(txn)
        .await?;
    Ok(())
}
