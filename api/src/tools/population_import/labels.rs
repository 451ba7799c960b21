//! The words SCB writes into a BE0101A/BefolkningNy download, read the same
//! way whether they come from a CSV cell, a CSV header or a JSON-stat
//! category: regions, ages, sexes, marital statuses, years, contents and
//! counts.

use std::fmt;

use crate::vocab::MunicipalityCode;

/// The end of an open age class such as "100+ år" or "totalt ålder".
pub(super) const OPEN: u16 = u16::MAX;
/// No one is older; a larger number in an age label is a misread column.
pub(super) const MAX_AGE: u16 = 130;
/// Sweden has about 10.6 million inhabitants; a larger count is a misread
/// cell (say, two numbers run together), and the bound keeps every sum far
/// from overflowing.
const MAX_COUNT: i64 = 20_000_000;

/// The ages a figure counts: `start..end`, `end` exclusive or [`OPEN`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct AgeClass {
    pub start: u16,
    pub end: u16,
}

impl AgeClass {
    pub const TOTAL: AgeClass = AgeClass {
        start: 0,
        end: OPEN,
    };

    fn band(first: u16, last: u16) -> Self {
        Self {
            start: first,
            end: last + 1,
        }
    }
}

impl fmt::Display for AgeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.start, self.end) {
            (0, OPEN) => f.write_str("totalt ålder"),
            (start, OPEN) => write!(f, "{start}+ år"),
            (start, end) if end == start + 1 => write!(f, "{start} år"),
            (start, end) => write!(f, "{start}–{} år", end - 1),
        }
    }
}

/// Which category of a breakdown (sex, marital status) a figure belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Part {
    Total,
    Of(usize),
}

/// A breakdown whose categories add up to the whole population, so its
/// figures are summed when no total is given.
pub(super) struct Partition {
    pub name: &'static str,
    /// Per category, the spellings SCB uses: text first, then codes.
    pub parts: &'static [&'static [&'static str]],
    pub totals: &'static [&'static str],
}

pub(super) const SEX: Partition = Partition {
    name: "kön",
    parts: &[
        &["män", "1", "man", "men"],
        &["kvinnor", "2", "kvinna", "women"],
    ],
    totals: &[
        "totalt",
        "tot",
        "1+2",
        "män och kvinnor",
        "kvinnor och män",
        "båda könen",
        "total",
    ],
};

pub(super) const CIVIL_STATUS: Partition = Partition {
    name: "civilstånd",
    parts: &[
        &["ogifta", "og"],
        &["gifta", "g"],
        &["skilda", "sk"],
        &["änkor/änklingar", "änkl", "änklingar/änkor"],
    ],
    totals: &["totalt", "tot", "samtliga", "total"],
};

impl Partition {
    pub fn part(&self, label: &str) -> Option<Part> {
        let s = normalise(label);
        let exact = |s: &str| {
            if self.totals.contains(&s) {
                return Some(Part::Total);
            }
            self.parts
                .iter()
                .position(|spellings| spellings.contains(&s))
                .map(Part::Of)
        };
        // Code and text together: "1 - män" (PxWebApi 2.0) or "1 män".
        exact(&s)
            .or_else(|| both_agree(&s, " - ", exact))
            .or_else(|| both_agree(&s, " ", exact))
    }

    pub fn part_name(&self, part: Part) -> &'static str {
        match part {
            Part::Total => "totalt",
            Part::Of(i) => self.parts[i][0],
        }
    }
}

/// The dimensions of BE0101A/BefolkningNy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dim {
    Region,
    Age,
    Sex,
    CivilStatus,
    Year,
    Contents,
}

/// A dimension by its code ("Alder") or Swedish text ("ålder"); PxWebApi
/// 2.0 writes both as "Alder - ålder".
pub(super) fn dimension(name: &str) -> Option<Dim> {
    let exact = |s: &str| match s {
        "region" => Some(Dim::Region),
        "ålder" | "alder" | "age" => Some(Dim::Age),
        "kön" | "kon" | "sex" => Some(Dim::Sex),
        "civilstånd" | "civilstand" => Some(Dim::CivilStatus),
        "år" | "tid" | "year" => Some(Dim::Year),
        "tabellinnehåll" | "contentscode" | "innehåll" => Some(Dim::Contents),
        _ => None,
    };
    let s = normalise(name);
    exact(&s).or_else(|| both_agree(&s, " - ", exact))
}

pub(super) enum Region {
    Municipality(String),
    /// The whole country or a county: not what the import stores.
    Other,
}

/// The county prefixes of today's municipality codes.
const COUNTIES: [&str; 21] = [
    "01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20",
    "21", "22", "23", "24", "25",
];

/// A region cell: "1980 Västerås", "1980 - Västerås", "1980", "19
/// Västmanlands län", "00 Riket" or "0000 Riket".
pub(super) fn region(label: &str) -> Result<Region, String> {
    let s = label.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (code, rest) = s.split_at(digits);
    if code.is_empty() {
        return Err(format!(
            "region '{s}' has no SCB code; download the table with codes \
             ('kod och text' in PxWeb, UseCodesAndTexts in PxWebApi 2.0)"
        ));
    }
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return Err(format!("region '{s}' does not start with an SCB code"));
    }
    match code.len() {
        2 => Ok(Region::Other),
        4 if code.starts_with("00") => Ok(Region::Other),
        4 if COUNTIES.contains(&&code[..2]) => {
            MunicipalityCode::parse(code).map(|c| Region::Municipality(c.as_str().to_owned()))
        }
        4 => Err(format!(
            "region code '{code}' is not a municipality: its first two digits name no county"
        )),
        _ => Err(format!(
            "region code '{code}' is neither a county (2 digits) nor a municipality (4 digits)"
        )),
    }
}

/// An age label: "17 år", "17", "100+ år", "totalt ålder", "tot", a band
/// such as "0-17 år" or "0–17", or PxWebApi 2.0's "17 - 17 år".
pub(super) fn age(label: &str) -> Option<AgeClass> {
    let s = normalise(label);
    age_text(&s).or_else(|| both_agree(&s, " - ", age_text))
}

fn age_text(s: &str) -> Option<AgeClass> {
    if matches!(
        s,
        "tot" | "totalt" | "totalt ålder" | "total" | "alla åldrar" | "samtliga åldrar"
    ) {
        return Some(AgeClass::TOTAL);
    }
    let s = s.strip_suffix("år").unwrap_or(s).trim_end();
    let number = |t: &str| {
        let t = t.trim();
        let ok = (1..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| t.parse::<u16>().ok())
            .flatten()
            .filter(|n| *n <= MAX_AGE)
    };
    if let Some(first) = s.strip_suffix('+') {
        return number(first).map(|start| AgeClass { start, end: OPEN });
    }
    if let Some(first) = s
        .strip_suffix("år och äldre")
        .or(s.strip_suffix("och äldre"))
    {
        return number(first).map(|start| AgeClass { start, end: OPEN });
    }
    match s.split_once('-') {
        Some((first, last)) => {
            let (first, last) = (number(first)?, number(last)?);
            (first <= last).then(|| AgeClass::band(first, last))
        }
        None => number(s).map(|a| AgeClass::band(a, a)),
    }
}

/// A year as the `Tid` dimension writes it: "2024", or "2024 - 2024".
pub(super) fn year(label: &str) -> Option<i32> {
    let exact = |s: &str| {
        let ok = s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
        // The table starts in 1968; a four-digit number far outside this
        // range is a municipality code or a count, not a year.
        ok.then(|| s.parse().ok())
            .flatten()
            .filter(|y| (1900..=2100).contains(y))
    };
    let s = normalise(label);
    exact(&s).or_else(|| both_agree(&s, " - ", exact))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Contents {
    /// Folkmängd (BE0101N1), the one this import reads.
    Population,
    /// Another content of the same table, such as Folkökning (BE0101N2).
    Other,
}

pub(super) fn contents(label: &str) -> Option<Contents> {
    let s = normalise(label);
    if s.contains("folkmängd") || s.contains("be0101n1") {
        Some(Contents::Population)
    } else if s.contains("folkökning") || s.starts_with("be0101n") {
        Some(Contents::Other)
    } else {
        None
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Count {
    Known(i64),
    /// SCB's marker for a figure it does not publish, such as "..".
    Missing(String),
}

/// A count cell: digits (a space, NBSP or narrow NBSP may group
/// thousands), or one of SCB's missing-value markers.
pub(super) fn count(cell: &str) -> Result<Count, String> {
    let s = cell.trim();
    if s.is_empty() {
        return Err("the value is empty; SCB marks a missing figure with '..'".into());
    }
    // "." to "......" are the PX format's data symbols and "-" its nil
    // symbol. All are read as missing rather than guessed at: no figure is
    // better than a wrong one.
    if (s.len() <= 6 && s.bytes().all(|b| b == b'.')) || matches!(s, "-" | "–") {
        return Ok(Count::Missing(s.to_owned()));
    }
    let digits = ungroup(s).ok_or_else(|| {
        if s.starts_with('-') && s[1..].bytes().all(|b| b.is_ascii_digit()) {
            format!("'{s}' is negative")
        } else {
            format!("'{s}' is not a count (a whole number, or '..' for a missing figure)")
        }
    })?;
    match digits.parse::<i64>() {
        Ok(n) if n <= MAX_COUNT => Ok(Count::Known(n)),
        _ => Err(format!("'{s}' is larger than Sweden's population")),
    }
}

fn ungroup(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split([' ', '\u{a0}', '\u{202f}']).collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let grouped =
        groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    (grouped && groups.iter().all(|g| digits(g))).then(|| groups.concat())
}

/// Lower case, one space between words, and a plain hyphen for the dashes
/// a spreadsheet may have put into "0–17".
pub(super) fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace(['–', '—', '−'], "-")
}

/// "code<sep>text" where both halves read as the same thing.
fn both_agree<T: PartialEq>(s: &str, sep: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
    let (code, text) = s.split_once(sep)?;
    let code = read(code.trim())?;
    (read(text.trim())? == code).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(first: u16, last: u16) -> Option<AgeClass> {
        Some(AgeClass::band(first, last))
    }

    #[test]
    fn ages_in_every_spelling_scb_uses() {
        assert_eq!(age("17 år"), band(17, 17));
        assert_eq!(age("17"), band(17, 17));
        assert_eq!(age(" 0 år "), band(0, 0));
        assert_eq!(age("17 - 17 år"), band(17, 17));
        assert_eq!(age("0-17 år"), band(0, 17));
        assert_eq!(age("0–17"), band(0, 17));
        assert_eq!(age("0 - 17 år"), band(0, 17));
        let open = Some(AgeClass {
            start: 100,
            end: OPEN,
        });
        assert_eq!(age("100+ år"), open);
        assert_eq!(age("100+"), open);
        assert_eq!(age("100+ - 100+ år"), open);
        assert_eq!(age("100 år och äldre"), open);
        for total in ["totalt ålder", "Totalt", "tot", "tot - totalt ålder"] {
            assert_eq!(age(total), Some(AgeClass::TOTAL), "{total}");
        }
        for bad in ["1x år", "", "år", "17-5 år", "200 år", "-4", "1980"] {
            assert_eq!(age(bad), None, "{bad}");
        }
    }

    #[test]
    fn age_classes_print_as_scb_writes_them() {
        assert_eq!(band(17, 17).unwrap().to_string(), "17 år");
        assert_eq!(band(0, 17).unwrap().to_string(), "0–17 år");
        assert_eq!(age("100+").unwrap().to_string(), "100+ år");
        assert_eq!(AgeClass::TOTAL.to_string(), "totalt ålder");
    }

    #[test]
    fn regions_keep_municipalities_and_skip_the_rest() {
        let code = |s| match region(s) {
            Ok(Region::Municipality(c)) => Ok(Some(c)),
            Ok(Region::Other) => Ok(None),
            Err(e) => Err(e),
        };
        assert_eq!(code("1980 Västerås"), Ok(Some("1980".into())));
        assert_eq!(code("1980 - Västerås"), Ok(Some("1980".into())));
        assert_eq!(code("0114"), Ok(Some("0114".into())));
        assert_eq!(code("19 Västmanlands län"), Ok(None));
        assert_eq!(code("00 Riket"), Ok(None));
        assert_eq!(code("0000 Riket"), Ok(None));
        assert!(code("Västerås").unwrap_err().contains("no SCB code"));
        assert!(code("1980x").is_err());
        assert!(code("9980 Okänd").unwrap_err().contains("no county"));
        assert!(code("19801 Västerås").is_err());
    }

    #[test]
    fn sexes_by_text_code_or_both() {
        assert_eq!(SEX.part("män"), Some(Part::Of(0)));
        assert_eq!(SEX.part("1 - män"), Some(Part::Of(0)));
        assert_eq!(SEX.part("2 kvinnor"), Some(Part::Of(1)));
        assert_eq!(SEX.part("Kvinnor"), Some(Part::Of(1)));
        assert_eq!(SEX.part("totalt"), Some(Part::Total));
        assert_eq!(SEX.part("1 - kvinnor"), None);
        assert_eq!(
            CIVIL_STATUS.part("ÄNKL - änkor/änklingar"),
            Some(Part::Of(3))
        );
    }

    #[test]
    fn counts_and_missing_markers() {
        assert_eq!(count("1650"), Ok(Count::Known(1650)));
        assert_eq!(count(" 0 "), Ok(Count::Known(0)));
        assert_eq!(count("152 300"), Ok(Count::Known(152_300)));
        assert_eq!(count("152\u{a0}300"), Ok(Count::Known(152_300)));
        assert_eq!(count(".."), Ok(Count::Missing("..".into())));
        assert_eq!(count("-"), Ok(Count::Missing("-".into())));
        assert!(count("-5").unwrap_err().contains("negative"));
        assert!(count("12 34").is_err());
        assert!(count("17O4").unwrap_err().contains("not a count"));
        assert!(count("1699.5").unwrap_err().contains("not a count"));
        assert!(count("").unwrap_err().contains("empty"));
        assert!(count("99999999999999999999")
            .unwrap_err()
            .contains("larger"));
    }

    #[test]
    fn years_dimensions_and_contents() {
        assert_eq!(year("2024"), Some(2024));
        assert_eq!(year("2024 - 2024"), Some(2024));
        assert_eq!(year("1980"), Some(1980));
        assert_eq!(year("20x4"), None);
        assert_eq!(year("2024M12"), None);
        assert_eq!(dimension("Alder - ålder"), Some(Dim::Age));
        assert_eq!(dimension("ålder"), Some(Dim::Age));
        assert_eq!(dimension("Tid"), Some(Dim::Year));
        assert_eq!(dimension("Folkmängd"), None);
        assert_eq!(contents("BE0101N1 - Folkmängd"), Some(Contents::Population));
        assert_eq!(contents("Folkökning"), Some(Contents::Other));
        assert_eq!(contents("Antal"), None);
    }
}
