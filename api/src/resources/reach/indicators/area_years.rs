//! What each municipality did per year, from the rollups held in memory: the
//! reach table and the offer table of the same data version.

use std::collections::BTreeMap;

use entity::programme;

use super::{AreaYear, CHILD_AGES};
use crate::store::rollup::offers::OfferTable;
use crate::store::rollup::table::{ReachTable, Selection};
use crate::vocab::EvidenceStatus;

type ByAreaYear = BTreeMap<(String, i32), AreaYear>;

/// What the given municipalities did in the given years, per (municipality, year).
pub(super) fn area_years(
    reach: &ReachTable,
    offers: &OfferTable,
    years: [i32; 2],
    codes: &[String],
    programmes: &[programme::Model],
) -> ByAreaYear {
    let mut out = ByAreaYear::new();
    let wanted: Vec<&str> = codes.iter().map(String::as_str).collect();
    let (first, last) = (years[0].min(years[1]), years[0].max(years[1]));
    let counted = reach.sum(&Selection {
        municipalities: Some(&wanted),
        programmes: None,
        from: Some(first * 4),
        to: Some(last * 4 + 3),
        by_municipality: true,
        by_programme: false,
        by_year: true,
        by_quarter: false,
    });
    for group in counted {
        if let (Some(code), Some(year)) = (group.municipality, group.year) {
            if years.contains(&year) {
                let a = out.entry((code.to_owned(), year)).or_default();
                a.counted.add(&group.sums);
            }
        }
    }
    let by_slug: BTreeMap<&str, &programme::Model> =
        programmes.iter().map(|p| (p.slug.as_str(), p)).collect();
    for code in codes {
        for year in years {
            let key = (code.clone(), year);
            for (slug, sums) in offers.programmes(&key) {
                let a = out.entry(key.clone()).or_default();
                add_offer(a, by_slug.get(slug.as_str()).copied(), *sums);
            }
            for language in offers.languages(&key) {
                out.entry(key.clone())
                    .or_default()
                    .languages
                    .insert(language.clone());
            }
        }
    }
    out
}

/// Counts one programme's offer (`Offer::COLUMNS`) into `a`; `programme` is
/// none when the slug is not in the catalogue.
fn add_offer(
    a: &mut AreaYear,
    programme: Option<&programme::Model>,
    [sessions, digital, collaborative]: [i64; 3],
) {
    a.offered += sessions;
    a.digital += digital;
    a.collaborative += collaborative;
    if sessions > 0 {
        // Unknown ages cover no age: coverage is never claimed on a guess.
        if let Some((lo, hi)) = programme.and_then(|p| p.age_min.zip(p.age_max)) {
            for age in CHILD_AGES.filter(|age| (lo..=hi).contains(age)) {
                *a.ages.entry(age).or_default() += sessions;
            }
        }
    }
    // A status the vocabulary does not know still counts as assessed:
    // only `unassessed`, or no programme at all, says nothing was.
    let status = programme.map(|p| p.evidence_status.as_str());
    // `insufficient` is a rating too: assessed, without support.
    let supported = [
        EvidenceStatus::Limited,
        EvidenceStatus::Moderate,
        EvidenceStatus::Strong,
    ];
    if supported.iter().any(|s| status == Some(s.as_str())) {
        a.evaluated += sessions;
    }
    if status.is_some_and(|s| s != EvidenceStatus::Unassessed.as_str()) {
        a.assessed += sessions;
    }
}
