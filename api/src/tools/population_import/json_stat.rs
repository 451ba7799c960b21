//! JSON-stat 2.0, as PxWebApi 2.0 answers `outputFormat=json-stat2`: a
//! dataset whose `value` holds the cube in row-major order over the
//! dimensions listed in `id` (the last one varies fastest), with `size`
//! categories each, ordered by `dimension.<id>.category.index`. `value` and
//! `status` may be arrays or objects keyed by position; `null` is a missing
//! figure, whose symbol (such as "..") is in `status`.

use serde_json::{Map, Value};

use super::labels::{self, AgeClass, Contents, Count, Dim, Part, Region, CIVIL_STATUS, SEX};
use super::{Cell, Location, Problem};

/// PxWebApi caps a response far below this; a larger cube means a wrong
/// `size`, and looping over it would hang the import.
const MAX_CELLS: usize = 5_000_000;

pub(super) struct Read {
    pub cells: Vec<Cell>,
    /// The dataset's `updated` timestamp, for the figures' source.
    pub updated: Option<String>,
}

/// One category of one dimension, as the cells need it.
#[derive(Clone)]
enum Coord {
    Code(String),
    Age(AgeClass),
    Sex(Part),
    CivilStatus(Part),
    Year(i32),
    /// The content Folkmängd, or the one category of an unknown dimension.
    Any,
    /// The country, a county or another content: its cells are left out.
    Skip,
    /// Already reported.
    Bad,
}

/// An entry of `id` as the cells need it: `None` for an unknown dimension
/// with a single category, which narrows nothing.
type Axis = Option<(Dim, Vec<Coord>)>;

pub(super) fn read(text: &str, problems: &mut Vec<Problem>) -> Read {
    let mut read = Read {
        cells: Vec::new(),
        updated: None,
    };
    let doc: Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            problems.push(Problem::new(Location::File, format!("not valid JSON: {e}")));
            return read;
        }
    };
    let Some(ds) = dataset(&doc, problems) else {
        return read;
    };
    read.updated = ds.get("updated").and_then(Value::as_str).map(str::to_owned);
    let mut report = |path: &str, message: String| {
        problems.push(Problem::new(Location::Json(path.to_owned()), message));
    };
    if let Some((sizes, axes)) = axes(ds, &mut report) {
        read.cells = cells(ds, &sizes, &axes, &mut report);
    }
    read
}

/// The cube's shape: each dimension's size and categories, in `id` order.
fn axes(
    ds: &Map<String, Value>,
    report: &mut impl FnMut(&str, String),
) -> Option<(Vec<usize>, Vec<Axis>)> {
    let list = |key: &str| ds.get(key).and_then(Value::as_array);
    let ids: Option<Vec<&str>> = list("id").and_then(|a| a.iter().map(Value::as_str).collect());
    let size = |v: &Value| v.as_u64().and_then(|n| usize::try_from(n).ok());
    let sizes: Option<Vec<usize>> = list("size").and_then(|a| a.iter().map(size).collect());
    let (Some(ids), Some(sizes)) = (ids, sizes) else {
        report(
            "$.id",
            "'id' and 'size' must list dimension names and sizes".into(),
        );
        return None;
    };
    if ids.is_empty() || ids.len() != sizes.len() {
        report(
            "$.size",
            format!("has {} sizes for {} dimensions", sizes.len(), ids.len()),
        );
        return None;
    }
    let mut axes = Vec::new();
    for (&id, &size) in ids.iter().zip(&sizes) {
        let path = format!("$.dimension.{id}");
        let Some(json) = ds.get("dimension").and_then(|d| d.get(id)) else {
            report(&path, "is missing; 'id' lists it".into());
            return None;
        };
        let categories = categories(json, size, &path, report)?;
        let Some(dim) = dimension(ds, id, json) else {
            if size != 1 {
                let message = format!(
                    "has {size} categories, and this import does not know how to combine \
                     them; select one, or leave the dimension out"
                );
                report(&path, message);
                return None;
            }
            axes.push(None);
            continue;
        };
        let read = |(code, label, at): &(String, Option<String>, String)| {
            coord(dim, code, label.as_deref()).unwrap_or_else(|message| {
                report(at, message);
                Coord::Bad
            })
        };
        axes.push(Some((dim, categories.iter().map(read).collect())));
    }
    let mut complete = true;
    for (dim, name) in [(Dim::Region, "Region"), (Dim::Year, "Tid")] {
        if !axes.iter().flatten().any(|(d, _)| *d == dim) {
            report("$.id", format!("has no '{name}' dimension"));
            complete = false;
        }
    }
    complete.then_some((sizes, axes))
}

/// Every value of the cube that belongs to a municipality and Folkmängd.
fn cells(
    ds: &Map<String, Value>,
    sizes: &[usize],
    axes: &[Axis],
    report: &mut impl FnMut(&str, String),
) -> Vec<Cell> {
    let Some(total) = sizes.iter().try_fold(1usize, |n, &s| n.checked_mul(s)) else {
        report("$.size", "describes an impossibly large cube".into());
        return Vec::new();
    };
    if total > MAX_CELLS {
        report(
            "$.size",
            format!("describes {total} cells; PxWebApi sends far fewer"),
        );
        return Vec::new();
    }
    let values = ds.get("value");
    match values {
        Some(Value::Array(a)) if a.len() != total => {
            report(
                "$.value",
                format!("has {} values, but 'size' gives {total}", a.len()),
            );
            return Vec::new();
        }
        Some(Value::Array(_) | Value::Object(_)) => {}
        _ => {
            report("$.value", "must be an array or an object".into());
            return Vec::new();
        }
    }
    let status = ds.get("status");
    let mut cells = Vec::new();
    'values: for i in 0..total {
        let mut cell = Cell {
            code: String::new(),
            year: 0,
            age: AgeClass::TOTAL,
            sex: Part::Total,
            civil_status: Part::Total,
            count: Count::Known(0),
            at: Location::Json(format!("$.value[{i}]")),
        };
        // Row-major: the last dimension varies fastest.
        let mut rest = i;
        for (axis, size) in axes.iter().zip(sizes).rev() {
            let position = rest % size;
            rest /= size;
            let Some((_, coords)) = axis else { continue };
            match &coords[position] {
                Coord::Code(code) => cell.code.clone_from(code),
                Coord::Age(age) => cell.age = *age,
                Coord::Sex(sex) => cell.sex = *sex,
                Coord::CivilStatus(status) => cell.civil_status = *status,
                Coord::Year(year) => cell.year = *year,
                Coord::Any => {}
                Coord::Skip | Coord::Bad => continue 'values,
            }
        }
        let value = match values {
            Some(Value::Array(a)) => &a[i],
            Some(Value::Object(o)) => o.get(&i.to_string()).unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
        match count(value, status_at(status, i)) {
            Ok(count) => {
                cell.count = count;
                cells.push(cell);
            }
            Err(message) => {
                let (code, year, age) = (&cell.code, cell.year, cell.age);
                report(
                    &format!("$.value[{i}]"),
                    format!("{code}, {year}, {age}: {message}"),
                );
            }
        }
    }
    cells
}

fn dataset<'a>(doc: &'a Value, problems: &mut Vec<Problem>) -> Option<&'a Map<String, Value>> {
    let mut fail = |at: Location, message: &str| {
        problems.push(Problem::new(at, message));
        None
    };
    let Some(ds) = doc.as_object() else {
        return fail(Location::File, "a JSON-stat dataset is a JSON object");
    };
    let retry = "ask PxWebApi 2.0 for outputFormat=json-stat2";
    match ds.get("class").and_then(Value::as_str) {
        Some("dataset") => {}
        Some(_) => return fail(Location::Json("$.class".into()), "is not \"dataset\""),
        None if ds.contains_key("columns") && ds.contains_key("data") => {
            return fail(
                Location::File,
                &format!("this is PxWeb's own JSON format; {retry}"),
            );
        }
        None if ds.values().any(|v| v.get("dimension").is_some()) => {
            return fail(Location::File, &format!("this is JSON-stat 1.x; {retry}"));
        }
        None => {
            return fail(
                Location::File,
                "not a JSON-stat dataset: no \"class\": \"dataset\"",
            )
        }
    }
    match ds.get("version").and_then(Value::as_str) {
        Some(v) if v.starts_with("2.") => Some(ds),
        _ => fail(Location::Json("$.version".into()), "is not \"2.0\""),
    }
}

/// A dimension's categories in index order: code, label and the JSON path
/// to name in a problem.
fn categories(
    json: &Value,
    size: usize,
    path: &str,
    report: &mut impl FnMut(&str, String),
) -> Option<Vec<(String, Option<String>, String)>> {
    let Some(category) = json.get("category").and_then(Value::as_object) else {
        report(path, "has no 'category' object".into());
        return None;
    };
    let path = format!("{path}.category");
    let labels = category.get("label").and_then(Value::as_object);
    let codes: Vec<(String, String)> = match category.get("index") {
        Some(Value::Array(items)) => {
            let mut codes = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let Some(code) = item.as_str() else {
                    report(&format!("{path}.index[{i}]"), "is not a string".into());
                    return None;
                };
                codes.push((code.to_owned(), format!("{path}.index[{i}]")));
            }
            codes
        }
        Some(Value::Object(map)) => {
            let mut slots = vec![None; map.len()];
            for (code, position) in map {
                let at = format!("{path}.index[\"{code}\"]");
                let slot = position
                    .as_u64()
                    .and_then(|p| slots.get_mut(usize::try_from(p).ok()?));
                match slot {
                    Some(slot @ None) => *slot = Some((code.clone(), at)),
                    _ => {
                        report(&at, "is not a free position among the categories".into());
                        return None;
                    }
                }
            }
            slots.into_iter().flatten().collect()
        }
        // JSON-stat leaves out the index of a dimension with one category.
        None => match labels.map(|l| l.keys().collect::<Vec<_>>()).as_deref() {
            Some([code]) => vec![((*code).clone(), format!("{path}.label[\"{code}\"]"))],
            _ => {
                report(&path, "has no 'index', and not exactly one label".into());
                return None;
            }
        },
        Some(_) => {
            report(
                &format!("{path}.index"),
                "must be an array or an object".into(),
            );
            return None;
        }
    };
    if codes.len() != size {
        report(
            &format!("{path}.index"),
            format!("has {} categories, but 'size' gives {size}", codes.len()),
        );
        return None;
    }
    let label = |code: &str| labels?.get(code)?.as_str().map(str::to_owned);
    let with_labels = codes.into_iter().map(|(code, at)| {
        let label = label(&code);
        (code, label, at)
    });
    Some(with_labels.collect())
}

/// Which dimension of BE0101A/BefolkningNy this is: by id ("Alder"), by
/// label ("ålder"), or by the role JSON-stat gives time, place and content.
fn dimension(ds: &Map<String, Value>, id: &str, json: &Value) -> Option<Dim> {
    let by_label = || labels::dimension(json.get("label")?.as_str()?);
    let by_role = || {
        let role = ds.get("role")?.as_object()?;
        let has = |r: &str| {
            role.get(r)
                .and_then(Value::as_array)
                .is_some_and(|ids| ids.iter().any(|v| v.as_str() == Some(id)))
        };
        [
            ("time", Dim::Year),
            ("geo", Dim::Region),
            ("metric", Dim::Contents),
        ]
        .into_iter()
        .find_map(|(r, dim)| has(r).then_some(dim))
    };
    labels::dimension(id).or_else(by_label).or_else(by_role)
}

fn coord(dim: Dim, code: &str, label: Option<&str>) -> Result<Coord, String> {
    let named = match label {
        Some(label) => format!("'{code}' ('{label}')"),
        None => format!("'{code}'"),
    };
    let either = |read: &dyn Fn(&str) -> Option<Coord>| read(code).or_else(|| read(label?));
    let found = match dim {
        Dim::Region => {
            return match labels::region(code)? {
                Region::Municipality(code) => Ok(Coord::Code(code)),
                Region::Other => Ok(Coord::Skip),
            }
        }
        Dim::Age => either(&|s| labels::age(s).map(Coord::Age)),
        Dim::Sex => either(&|s| SEX.part(s).map(Coord::Sex)),
        Dim::CivilStatus => either(&|s| CIVIL_STATUS.part(s).map(Coord::CivilStatus)),
        Dim::Year => either(&|s| labels::year(s).map(Coord::Year)),
        Dim::Contents => either(&|s| match labels::contents(s)? {
            Contents::Population => Some(Coord::Any),
            Contents::Other => Some(Coord::Skip),
        }),
    };
    found.ok_or_else(|| match dim {
        Dim::Age => format!("age {named} is not an age or a band"),
        Dim::Sex => format!("kön {named} is not män, kvinnor or totalt"),
        Dim::CivilStatus => format!("civilstånd {named} is not one of SCB's"),
        Dim::Year => format!("year {named} is not a year"),
        _ => format!("{named} is not a content of BE0101A/BefolkningNy"),
    })
}

fn status_at(status: Option<&Value>, i: usize) -> Option<&str> {
    match status? {
        Value::String(s) => Some(s),
        Value::Array(a) => a.get(i)?.as_str(),
        Value::Object(o) => o.get(&i.to_string())?.as_str(),
        _ => None,
    }
}

fn count(value: &Value, status: Option<&str>) -> Result<Count, String> {
    match value {
        Value::Null => Ok(Count::Missing(status.unwrap_or("null").to_owned())),
        Value::String(s) => labels::count(s),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(k), _) => labels::count(&k.to_string()),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => {
                labels::count(&format!("{f:.0}"))
            }
            _ => Err(format!("{n} is not a whole number")),
        },
        other => Err(format!("{other} is not a count")),
    }
}
