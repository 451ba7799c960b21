//! Reading outcome measures (the catalogue joined with what was loaded) and
//! their values.

use std::collections::{BTreeMap, BTreeSet};

use entity::{outcome_kpi, outcome_value};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use super::catalogue::{self, Candidate, CANDIDATES, EFFECTS};
use super::wire::{OutcomeEffect, OutcomeList, OutcomeMeasure, OutcomeValue};
use crate::error::ApiError;
use crate::http::paging;
use crate::store::reference::ReferenceData;
use crate::vocab::{kolada_area, stored, AreaType, OutcomeGender};

/// "Källa: Kolada", as RKA's terms ask.
pub const KOLADA: &str = "Kolada (RKA)";

/// The measures' years held: one row per (kpi, year).
async fn years_held(db: &impl ConnectionTrait) -> Result<BTreeMap<String, Vec<i32>>, ApiError> {
    let rows: Vec<(String, i32)> = outcome_value::Entity::find()
        .select_only()
        .column(outcome_value::Column::Kpi)
        .column(outcome_value::Column::Year)
        .distinct()
        .order_by_asc(outcome_value::Column::Kpi)
        .order_by_asc(outcome_value::Column::Year)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for (kpi, year) in rows {
        out.entry(kpi).or_default().push(year);
    }
    Ok(out)
}

fn verification(c: Option<&Candidate>, meta: Option<&outcome_kpi::Model>) -> &'static str {
    match (c, meta) {
        (None, _) => "not_catalogued",
        (Some(_), None) => "to_verify",
        (Some(c), Some(m)) if catalogue::same_title(c.title_sv, &m.title) => "verified",
        (Some(_), Some(_)) => "title_differs",
    }
}

fn measure(
    id: &str,
    c: Option<&Candidate>,
    meta: Option<&outcome_kpi::Model>,
    years: Vec<i32>,
) -> OutcomeMeasure {
    let verification = verification(c, meta);
    OutcomeMeasure {
        id: id.to_owned(),
        title_sv: meta
            .map(|m| m.title.clone())
            .or(c.map(|c| c.title_sv.to_owned()))
            .unwrap_or_else(|| id.to_owned()),
        title_en: c.map_or_else(|| id.to_owned(), |c| c.title_en.to_owned()),
        definition_sv: meta.and_then(|m| m.description.clone()),
        definition_en: c.map(|c| c.definition_en.to_owned()),
        unit: c.map(|c| c.unit.to_owned()),
        effects: c.map(|c| c.effects.to_vec()).unwrap_or_default(),
        role: c.map_or("other", |c| c.role.as_str()).to_owned(),
        source: format!("{KOLADA}, KPI {id}"),
        gender_split: meta
            .and_then(|m| m.divided_by_gender)
            .or(c.and_then(|c| c.gender_split)),
        years,
        verified: verification == "verified",
        verification: verification.to_owned(),
        catalogue_title_sv: c.map(|c| c.title_sv.to_owned()),
        confidence: c.map(|c| c.confidence.to_owned()),
        read_in: c.map(|c| c.read_in.to_owned()),
        note: c.and_then(|c| c.note.map(str::to_owned)),
        metadata_retrieved_at: meta.map(|m| m.retrieved_at),
    }
}

/// The catalogue's candidates (with what a fetch confirmed), then every
/// other KPI that values or metadata were loaded for; and the six effects.
pub async fn list_outcomes(db: &impl ConnectionTrait) -> Result<OutcomeList, ApiError> {
    let metas: BTreeMap<String, outcome_kpi::Model> = outcome_kpi::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    let mut years = years_held(db).await?;
    let mut data: Vec<OutcomeMeasure> = CANDIDATES
        .iter()
        .map(|c| {
            measure(
                c.id,
                Some(c),
                metas.get(c.id),
                years.remove(c.id).unwrap_or_default(),
            )
        })
        .collect();
    let others: BTreeSet<String> = metas
        .keys()
        .chain(years.keys())
        .filter(|id| catalogue::candidate(id).is_none())
        .cloned()
        .collect();
    for id in others {
        let y = years.remove(&id).unwrap_or_default();
        data.push(measure(&id, None, metas.get(&id), y));
    }
    let effects = EFFECTS.iter().map(effect).collect();
    Ok(OutcomeList {
        effects,
        data,
        next_cursor: None,
        next: None,
    })
}

/// An effect with the catalogue's measures that serve it (directly or as a
/// proxy), or why there is none.
pub fn effect(e: &catalogue::Effect) -> OutcomeEffect {
    let serving = |role: catalogue::Role| {
        CANDIDATES
            .iter()
            .filter(move |c| c.role == role && c.effects.contains(&e.number))
    };
    let measures: Vec<String> = serving(catalogue::Role::Measure)
        .chain(serving(catalogue::Role::Proxy))
        .map(|c| c.id.to_owned())
        .collect();
    OutcomeEffect {
        number: e.number,
        title_sv: e.title_sv.to_owned(),
        title_en: e.title_en.to_owned(),
        origin: e.origin.map(str::to_owned),
        measures,
        municipal_measure: serving(catalogue::Role::Measure).next().is_some(),
        no_measure_sv: e.no_measure_sv.map(str::to_owned),
        no_measure_en: e.no_measure_en.map(str::to_owned),
        regional_survey: e.regional_survey.map(str::to_owned),
        unfound: if e.number == 5 {
            vec![catalogue::UNFOUND_EFFECT_5.to_owned()]
        } else {
            Vec::new()
        },
    }
}

/// Whether `kpi` is a measure this API knows: in the catalogue, or loaded.
pub async fn known_kpi(db: &impl ConnectionTrait, kpi: &str) -> Result<bool, ApiError> {
    if catalogue::candidate(kpi).is_some() {
        return Ok(true);
    }
    if outcome_kpi::Entity::find_by_id(kpi)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    let held = outcome_value::Entity::find()
        .filter(outcome_value::Column::Kpi.eq(kpi))
        .one(db)
        .await?;
    Ok(held.is_some())
}

/// The values asked for, validated.
#[derive(Debug, Clone)]
pub struct ValueFilter {
    pub kpi: String,
    /// Kolada area ids; none: every area.
    pub areas: Option<BTreeSet<String>>,
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub gender: Option<OutcomeGender>,
}

impl ValueFilter {
    pub fn canonical(&self) -> String {
        format!(
            "ov|{}|{:?}|{:?}|{:?}|{:?}",
            self.kpi, self.areas, self.from, self.to, self.gender
        )
    }
}

/// The areas a `municipality` and `county` filter cover: the municipalities,
/// their counties' own values and the country's, for comparison. Both
/// filters together intersect, as every other filter does: the named
/// municipalities that lie in the county.
pub fn areas_of(
    cat: &ReferenceData,
    municipalities: &[String],
    county: Option<&str>,
) -> Result<Option<BTreeSet<String>>, ApiError> {
    let mut areas = BTreeSet::new();
    if let Some(county) = county {
        let members = cat.county_members(county)?;
        if municipalities.is_empty() {
            areas.extend(members.iter().map(|m| m.code.clone()));
        }
        areas.insert(format!("00{county}"));
    }
    for code in municipalities {
        let m = cat.known_municipality(code)?;
        if county.is_some_and(|c| c != m.county_code) {
            continue;
        }
        areas.insert(m.code.clone());
        areas.insert(format!("00{}", m.county_code));
    }
    if areas.is_empty() {
        return Ok(None);
    }
    areas.insert("0000".to_owned());
    Ok(Some(areas))
}

/// The keyset of a values page: (area, year, gender), the primary key's order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValueKey(String, i32, String);

fn wire(cat: &ReferenceData, r: outcome_value::Model) -> Result<OutcomeValue, ApiError> {
    let gender = stored("outcome gender", &r.gender, OutcomeGender::parse)?;
    let kind = kolada_area(&r.area)
        .ok_or_else(|| ApiError::internal(format!("stored outcome area {:?}", r.area)))?;
    let county_name = |county: &str| {
        cat.municipalities
            .iter()
            .find(|m| m.county_code == county)
            .map(|m| m.county_name.clone())
    };
    let (municipality_code, county_code, area_name) = match kind {
        AreaType::Country => (None, None, Some("Sverige".to_owned())),
        AreaType::County => {
            let c = r.area[2..].to_owned();
            let name = county_name(&c);
            (None, Some(c), name)
        }
        AreaType::Municipality => {
            let m = cat.municipality(&r.area);
            (
                Some(r.area.clone()),
                m.map(|m| m.county_code.clone()),
                m.map(|m| m.name.clone()),
            )
        }
    };
    Ok(OutcomeValue {
        kpi: r.kpi,
        area_type: kind,
        area_name: area_name.unwrap_or_else(|| r.area.clone()),
        area_code: r.area,
        municipality_code,
        county_code,
        year: r.year,
        gender,
        value: r.value,
        status: r.status,
        count: r.count,
        source: r.source,
        retrieved_at: r.retrieved_at,
    })
}

/// One page of a measure's values in (area, year, gender) order: the
/// country first (`0000`), then counties (`00xx`), then municipalities.
pub async fn list_values(
    db: &impl ConnectionTrait,
    cat: &ReferenceData,
    f: &ValueFilter,
    after: Option<ValueKey>,
    limit: u64,
) -> Result<(Vec<OutcomeValue>, Option<ValueKey>), ApiError> {
    let mut cond = Condition::all().add(outcome_value::Column::Kpi.eq(f.kpi.as_str()));
    if let Some(areas) = &f.areas {
        cond = cond.add(outcome_value::Column::Area.is_in(areas.iter().cloned()));
    }
    if let Some(y) = f.from {
        cond = cond.add(outcome_value::Column::Year.gte(y));
    }
    if let Some(y) = f.to {
        cond = cond.add(outcome_value::Column::Year.lte(y));
    }
    if let Some(g) = f.gender {
        cond = cond.add(outcome_value::Column::Gender.eq(g.as_str()));
    }
    if let Some(ValueKey(area, year, gender)) = after {
        let cols = [
            outcome_value::Column::Area,
            outcome_value::Column::Year,
            outcome_value::Column::Gender,
        ];
        cond = cond.add(
            Expr::tuple(cols.map(|c| Expr::col(c).into())).gt(Expr::tuple([
                area.into(),
                year.into(),
                gender.into(),
            ])),
        );
    }
    let rows = outcome_value::Entity::find()
        .filter(cond)
        .order_by_asc(outcome_value::Column::Area)
        .order_by_asc(outcome_value::Column::Year)
        .order_by_asc(outcome_value::Column::Gender)
        .limit(limit + 1)
        .all(db)
        .await?;
    let (rows, last) = paging::split_page(rows, limit, |r| {
        ValueKey(r.area.clone(), r.year, r.gender.clone())
    });
    let data = rows
        .into_iter()
        .map(|r| wire(cat, r))
        .collect::<Result<_, _>>()?;
    Ok((data, last))
}

/// Every total (gender `T`) value of every measure for `areas` (Kolada
/// ids) in `years`, in (kpi, area, year) order: what `/v1/evaluation`
/// sets beside reach. The gender split stays in `/v1/outcomes/{id}/values`.
pub async fn totals_in(
    db: &impl ConnectionTrait,
    areas: &[String],
    years: std::ops::RangeInclusive<i32>,
) -> Result<Vec<outcome_value::Model>, ApiError> {
    Ok(outcome_value::Entity::find()
        .filter(outcome_value::Column::Area.is_in(areas.iter().cloned()))
        .filter(outcome_value::Column::Year.between(*years.start(), *years.end()))
        .filter(outcome_value::Column::Gender.eq(OutcomeGender::Total.as_str()))
        .order_by_asc(outcome_value::Column::Kpi)
        .order_by_asc(outcome_value::Column::Area)
        .order_by_asc(outcome_value::Column::Year)
        .all(db)
        .await?)
}

/// Effect 6, as the catalogue states it: the example shows no value, as
/// none ships with the API.
impl poem_openapi::types::Example for OutcomeEffect {
    fn example() -> Self {
        effect(&super::catalogue::EFFECTS[5])
    }
}
