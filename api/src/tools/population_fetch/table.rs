//! What to ask a BE0101A/BefolkningNy table for, read from its metadata
//! (`GET /tables/{id}/metadata`, JSON-stat 2.0 without values): which codes
//! its dimensions use for municipalities, ages, Folkmängd and years, and
//! which dimensions may be left out.
//!
//! Only the band's single ages and the age total are asked for, never all
//! ages: children come from the single ages and everyone from the total, so
//! no figure depends on a total agreeing with a sum of its parts, which SCB
//! notes its population tables no longer promise from reference year 2025.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::tools::population::AgeBand;

/// The content the series stores: Folkmängd, the population on 31 December.
const POPULATION_CONTENT: &str = "BE0101N1";

/// One dimension as the selection needs it: its id and its codes, in order.
struct Dimension {
    id: String,
    /// (code, label) in the table's order.
    categories: Vec<(String, String)>,
    /// PxWebApi's `elimination`: the dimension may be left out of a
    /// selection, and the server then sums over it.
    eliminable: bool,
}

pub struct Table {
    region: String,
    age: String,
    contents: String,
    time: String,
    /// The 4-digit municipality codes the table has.
    pub municipalities: BTreeSet<String>,
    /// Codes of the band's single ages, then of the age total.
    age_codes: Vec<String>,
    contents_code: String,
    /// Each year the table has, with its code.
    pub years: BTreeMap<i32, String>,
    /// Dimensions that may not be left out, with every code: the parser sums
    /// or checks them (men and women, say) as it does for a file.
    others: Vec<(String, Vec<String>)>,
}

impl Table {
    /// The table's shape, or every reason it cannot give the series' figures.
    pub fn read(bytes: &[u8], band: AgeBand) -> Result<Self, Vec<String>> {
        let doc: Value = serde_json::from_slice(bytes)
            .map_err(|e| vec![format!("the table's metadata is not JSON: {e}")])?;
        let dimensions = dimensions(&doc)?;
        let mut problems = Vec::new();
        let role = |r: &str| -> Option<String> {
            let ids = doc.get("role")?.get(r)?.as_array()?;
            ids.first()?.as_str().map(str::to_owned)
        };
        let mut find = |id: &str, role: Option<String>| -> Option<&Dimension> {
            let found = dimensions
                .iter()
                .find(|d| d.id.eq_ignore_ascii_case(id))
                .or_else(|| dimensions.iter().find(|d| Some(&d.id) == role.as_ref()));
            if found.is_none() {
                problems.push(format!("the table has no dimension '{id}'"));
            }
            found
        };
        let (region, age) = (find("Region", role("geo")), find("Alder", None));
        let (contents, time) = (
            find("ContentsCode", role("metric")),
            find("Tid", role("time")),
        );
        let (Some(region), Some(age), Some(contents), Some(time)) = (region, age, contents, time)
        else {
            return Err(problems);
        };

        let municipalities: BTreeSet<String> = region
            .categories
            .iter()
            .map(|(code, _)| code.trim())
            .filter(|c| c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned)
            .collect();
        if municipalities.is_empty() {
            problems.push(format!(
                "dimension '{}' has no municipality (a 4-digit code such as 1980)",
                region.id
            ));
        }

        let mut age_codes = Vec::new();
        for year_of_age in band.from..=band.to {
            let single = age.categories.iter().find(|(code, label)| {
                code.trim() == year_of_age.to_string()
                    || label.trim() == format!("{year_of_age} år")
            });
            match single {
                Some((code, _)) => age_codes.push(code.clone()),
                None => problems.push(format!(
                    "dimension '{}' has no single age {year_of_age} for the band {band}",
                    age.id
                )),
            }
        }
        let total = age.categories.iter().find(|(code, label)| {
            code.trim().to_lowercase().starts_with("tot")
                || label.trim().to_lowercase().starts_with("totalt")
        });
        match total {
            Some((code, _)) => age_codes.push(code.clone()),
            None => problems.push(format!(
                "dimension '{}' has no age total ('tot', 'totalt ålder'): \
                 the population as a whole could not be read",
                age.id
            )),
        }

        let folkmangd = contents.categories.iter().find(|(code, label)| {
            code.eq_ignore_ascii_case(POPULATION_CONTENT)
                || label.trim().to_lowercase().starts_with("folkmängd")
        });
        let contents_code = match folkmangd {
            Some((code, _)) => code.clone(),
            None => {
                problems.push(format!(
                    "dimension '{}' has no Folkmängd ({POPULATION_CONTENT}): \
                     is this table BE0101A/BefolkningNy?",
                    contents.id
                ));
                String::new()
            }
        };

        let years: BTreeMap<i32, String> = time
            .categories
            .iter()
            .filter_map(|(code, _)| {
                let year = code.trim().parse::<i32>().ok()?;
                (code.trim().len() == 4).then(|| (year, code.clone()))
            })
            .collect();
        if years.is_empty() {
            problems.push(format!("dimension '{}' has no year", time.id));
        }

        let named = [&region.id, &age.id, &contents.id, &time.id];
        let others = dimensions
            .iter()
            .filter(|d| !named.contains(&&d.id) && !d.eliminable)
            .map(|d| {
                let codes = d.categories.iter().map(|(c, _)| c.clone()).collect();
                (d.id.clone(), codes)
            })
            .collect();

        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            region: region.id.clone(),
            age: age.id.clone(),
            contents: contents.id.clone(),
            time: time.id.clone(),
            municipalities,
            age_codes,
            contents_code,
            years,
            others,
        })
    }

    /// The cells one municipality adds to a request for `years` years.
    pub fn cells_per_municipality(&self, years: usize) -> u64 {
        let others: usize = self.others.iter().map(|(_, codes)| codes.len()).product();
        (self.age_codes.len() * years * others) as u64
    }

    /// The body of `POST /tables/{id}/data`: these municipalities and years.
    pub fn selection(&self, municipalities: &[String], years: &[i32]) -> Value {
        let pick = |id: &str, codes: Vec<String>| json!({"variableCode": id, "valueCodes": codes});
        let year_codes = years
            .iter()
            .filter_map(|y| self.years.get(y).cloned())
            .collect();
        let mut selection = vec![
            pick(&self.region, municipalities.to_vec()),
            pick(&self.age, self.age_codes.clone()),
            pick(&self.contents, vec![self.contents_code.clone()]),
            pick(&self.time, year_codes),
        ];
        for (id, codes) in &self.others {
            selection.push(pick(id, codes.clone()));
        }
        json!({ "selection": selection })
    }
}

/// The dimensions listed in `id`, with their categories in index order.
fn dimensions(doc: &Value) -> Result<Vec<Dimension>, Vec<String>> {
    let fail = |m: String| Err(vec![m]);
    if doc.get("class").and_then(Value::as_str) != Some("dataset") {
        return fail("the table's metadata is not a JSON-stat 2.0 dataset".into());
    }
    let Some(ids) = doc.get("id").and_then(Value::as_array) else {
        return fail("the table's metadata lists no dimensions ('id')".into());
    };
    let mut out = Vec::new();
    for id in ids {
        let Some(id) = id.as_str() else {
            return fail("the table's metadata has a dimension id that is not text".into());
        };
        let Some(dim) = doc.get("dimension").and_then(|d| d.get(id)) else {
            return fail(format!("the table's metadata lacks dimension '{id}'"));
        };
        let category = dim.get("category");
        let labels = category
            .and_then(|c| c.get("label"))
            .and_then(Value::as_object);
        let codes = match category.and_then(|c| c.get("index")) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::Object(map)) => by_position(map),
            // JSON-stat leaves out the index of a dimension with one category.
            _ => labels
                .map(|l| l.keys().cloned().collect())
                .unwrap_or_default(),
        };
        if codes.is_empty() {
            return fail(format!("dimension '{id}' has no categories"));
        }
        let label = |code: &str| {
            labels
                .and_then(|l| l.get(code))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let eliminable = dim
            .get("extension")
            .and_then(|e| e.get("elimination"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        out.push(Dimension {
            id: id.to_owned(),
            categories: codes
                .into_iter()
                .map(|c| {
                    let l = label(&c);
                    (c, l)
                })
                .collect(),
            eliminable,
        });
    }
    Ok(out)
}

fn by_position(map: &Map<String, Value>) -> Vec<String> {
    let mut codes: Vec<(u64, &String)> = map
        .iter()
        .filter_map(|(code, p)| Some((p.as_u64()?, code)))
        .collect();
    codes.sort();
    codes.into_iter().map(|(_, c)| c.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../../tests/fixtures/scb/be0101.jsonstat2.json");

    #[test]
    fn population_fetch_asks_for_the_bands_single_ages_and_the_total() {
        let band = AgeBand { from: 0, to: 17 };
        let table = Table::read(FIXTURE.as_bytes(), band).expect("the fixture reads");
        assert_eq!(
            table.municipalities.iter().collect::<Vec<_>>(),
            ["1980", "1984"]
        );
        assert_eq!(
            table.years.keys().copied().collect::<Vec<_>>(),
            [2023, 2024]
        );
        // Kon has no `elimination` in the fixture: both sexes are asked for.
        assert_eq!(table.cells_per_municipality(2), 19 * 2 * 2);
        let body = table.selection(&["1980".into()], &[2024]);
        let ages = &body["selection"][1];
        assert_eq!(ages["variableCode"], "Alder");
        let codes: Vec<&str> = ages["valueCodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(codes.len(), 19);
        assert_eq!((codes[0], codes[17], codes[18]), ("0", "17", "tot"));
        assert_eq!(body["selection"][2]["valueCodes"][0], "BE0101N1");
        assert_eq!(body["selection"][3]["valueCodes"][0], "2024");
        assert_eq!(body["selection"][4]["variableCode"], "Kon");
    }

    #[test]
    fn population_fetch_names_what_a_table_lacks() {
        let mut doc: Value = serde_json::from_str(FIXTURE).unwrap();
        let contents = &mut doc["dimension"]["ContentsCode"]["category"];
        contents["index"] = json!({"BE0101N2": 0});
        contents["label"] = json!({"BE0101N2": "Folkökning"});
        let bytes = serde_json::to_vec(&doc).unwrap();
        let problems = Table::read(&bytes, AgeBand { from: 0, to: 17 })
            .err()
            .expect("no Folkmängd");
        assert!(problems[0].contains("Folkmängd"), "{problems:?}");
        let far = Table::read(FIXTURE.as_bytes(), AgeBand { from: 0, to: 20 });
        assert!(far.is_ok(), "single ages up to 20 are in the fixture");
    }
}
