//! The parser against `tests/fixtures/scb/` (its README describes each
//! file): one synthetic population in six shapes, edge cases, broken files.

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/scb/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn band(s: &str) -> ChildBand {
    s.parse().unwrap()
}

fn read(name: &str, children: &str) -> Vec<PopulationFigure> {
    parse(&fixture(name), name, band(children)).unwrap_or_else(|e| panic!("{e}"))
}

fn read_text(text: &str) -> Result<Vec<PopulationFigure>, ImportError> {
    parse(text.as_bytes(), "inline.csv", band("0-17"))
}

fn rejected(name: &str) -> ImportError {
    match parse(&fixture(name), name, band("0-17")) {
        Ok(figures) => panic!("{name} was accepted: {figures:?}"),
        Err(e) => e,
    }
}

type Row = (String, i32, Option<i64>, Option<i64>);

fn rows(figures: &[PopulationFigure]) -> Vec<Row> {
    let row = |f: &PopulationFigure| (f.code.clone(), f.year, f.total, f.children);
    figures.iter().map(row).collect()
}

/// Code, year, total, children: summed by hand from `be0101-long.csv`.
fn expected(children: [i64; 4]) -> Vec<Row> {
    let totals = [152_300, 152_892, 11_969, 12_538];
    let keys = [
        ("1980", 2023),
        ("1980", 2024),
        ("1984", 2023),
        ("1984", 2024),
    ];
    (keys.iter().zip(totals).zip(children))
        .map(|(((code, year), total), children)| {
            ((*code).to_owned(), *year, Some(total), Some(children))
        })
        .collect()
}

const AGED_0_17: [i64; 4] = [34_197, 34_310, 2_685, 2_775];
const AGED_6_15: [i64; 4] = [18_991, 19_064, 1_492, 1_542];

const SAME_POPULATION: [&str; 6] = [
    "be0101-long.csv",
    "be0101-wide.csv",
    "be0101-semicolon-latin1.csv",
    "be0101-wide-ages.tsv",
    "be0101-v2-codes-texts.csv",
    "be0101.jsonstat2.json",
];

#[test]
fn the_long_csv_sums_sexes_and_ages_and_skips_county_and_country() {
    let figures = read("be0101-long.csv", "0-17");
    assert_eq!(rows(&figures), expected(AGED_0_17));
    for figure in &figures {
        assert_eq!(figure.band, band("0-17"));
        assert_eq!(figure.source, "SCB BE0101A/BefolkningNy, be0101-long.csv");
        assert!(figure.notes.is_empty(), "{:?}", figure.notes);
    }
}

#[test]
fn every_shape_of_the_same_population_gives_the_same_figures() {
    for name in SAME_POPULATION {
        assert_eq!(rows(&read(name, "0-17")), expected(AGED_0_17), "{name}");
        assert_eq!(rows(&read(name, "6-15")), expected(AGED_6_15), "{name}");
    }
}

#[test]
fn the_source_names_the_file_and_when_scb_updated_it() {
    let figures = read("be0101.jsonstat2.json", "0-17");
    assert_eq!(
        figures[0].source,
        "SCB BE0101A/BefolkningNy, be0101.jsonstat2.json (updated 2025-02-21T07:00:00Z)"
    );
}

#[test]
fn a_band_past_the_files_ages_has_no_children_figure_and_says_why() {
    // The file has single ages 0–17 and the total only.
    let figures = read("be0101-v2-codes-texts.csv", "0-19");
    let first = &figures[0];
    assert_eq!((first.total, first.children), (Some(152_300), None));
    assert_eq!(
        first.notes,
        ["children 0-19: the file has no figure for 18 år"]
    );
}

#[test]
fn a_missing_marker_empties_only_the_figures_that_need_it() {
    let figures = read("missing-markers.tsv", "0-17");
    assert_eq!(
        rows(&figures),
        [
            ("1980".to_owned(), 2024, Some(152_892), None),
            ("1984".to_owned(), 2024, None, Some(2_493)),
        ]
    );
    assert_eq!(
        figures[0].notes,
        ["children 0-17: 5 år is marked missing ('..', line 7)"]
    );
    assert_eq!(
        figures[1].notes,
        ["total: 18+ år is marked missing ('..', line 40)"]
    );
    // Outside the band and with a total given, Västerås' '-' costs nothing.
    let older = read("missing-markers.tsv", "6-17");
    assert_eq!(older[0].children, Some((6..=17).map(|a| 1700 + a).sum()));
}

#[test]
fn broken_cells_are_all_reported_with_their_lines() {
    let e = rejected("broken-cells.csv");
    assert_eq!(e.lines(), (3..=11).collect::<Vec<_>>(), "{e}");
    let text = e.to_string();
    for expected in [
        "line 3: age '1x år' is not an age or a band",
        "line 4: '-5' is negative",
        "line 5: '17O4' is not a count",
        "line 6: the value is empty",
        "line 7: region 'Västerås' has no SCB code",
        "line 8: year '20x4' is not a year",
        "line 9: region code '9980' is not a municipality",
        "line 10: 5 fields, but the header on line 1 has 4",
        "line 11: '1699.5' is not a count",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    assert!(text.starts_with("broken-cells.csv: 9 problems, nothing imported"));
}

#[test]
fn figures_that_do_not_add_up_are_reported_with_their_lines() {
    let e = rejected("broken-totals.csv");
    let mut lines = e.lines();
    lines.sort_unstable();
    assert_eq!(lines, [4, 7, 8, 13], "{e}");
    let text = e.to_string();
    for expected in [
        "line 7: repeats line 2 (1984, 2024, 0 år, män)",
        "line 4: 1984, 2024, 1 år: kön 'män' without 'kvinnor' and without a total",
        "line 8: 1984, 2023, 0 år: kön 'totalt' is 130, but 'män', 'kvinnor' add up to 129",
        "line 13: 1984, 2023: 'totalt ålder' is 12280, but the ages it spans add up to 12270",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
}

#[test]
fn broken_json_stat_is_reported_by_json_path() {
    let e = rejected("broken.jsonstat2.json");
    let at: Vec<String> = e.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        at,
        [
            "$.dimension.Alder.category.index[1]: age '1x' ('1x år') is not an age or a band",
            "$.value[6]: 1980, 2024, 2 år: 'abc' is not a count (a whole number, or '..' \
             for a missing figure)",
            "$.value[7]: 1980, 2024, totalt ålder: '-5' is negative",
        ]
    );
}

#[test]
fn other_json_is_named_for_what_it_is() {
    let cases = [
        (r#"{"columns": [], "data": []}"#, "PxWeb's own JSON format"),
        (r#"{"dataset": {"dimension": {}}}"#, "JSON-stat 1.x"),
        (r#"{"class": "dataset", "version": "1.0"}"#, "$.version"),
        (
            r#"{"class": "dataset", "version": "2.0"}"#,
            "$.id: 'id' and 'size' must list",
        ),
        (r#"{"class": "dataset", "version": "2.0"#, "not valid JSON"),
        (r#"[1, 2]"#, "a JSON object"),
    ];
    for (json, says) in cases {
        let e = parse(json.as_bytes(), "x.json", band("0-17")).unwrap_err();
        assert!(e.to_string().contains(says), "{json}: {e}");
    }
}

#[test]
fn json_stat_value_objects_nulls_and_statuses() {
    let json = r#"{
        "version": "2.0", "class": "dataset",
        "id": ["Region", "Alder", "Tid"], "size": [1, 3, 1],
        "dimension": {
            "Region": {"category": {"index": ["1984"]}},
            "Alder": {"category": {"index": {"18+": 2, "0-17": 0, "tot": 1}}},
            "Tid": {"category": {"label": {"2024": "2024"}}}
        },
        "value": {"0": 2493, "2": null},
        "status": {"1": "..", "2": ".."}
    }"#;
    let figures = parse(json.as_bytes(), "x.json", band("0-17")).unwrap();
    assert_eq!(
        rows(&figures),
        [("1984".to_owned(), 2024, None, Some(2493))]
    );
    assert!(figures[0].notes[0].contains("marked missing ('..', $.value[2])"));
}

#[test]
fn marital_status_and_sex_are_summed_when_no_total_is_given() {
    let mut csv =
        String::from("\"region\",\"civilstånd\",\"kön\",\"ålder\",\"år\",\"Folkmängd\"\n");
    for status in ["ogifta", "gifta", "skilda", "änkor/änklingar"] {
        for sex in ["män", "kvinnor"] {
            csv.push_str(&format!(
                "\"1984 Arboga\",\"{status}\",\"{sex}\",\"totalt ålder\",2024,10\n"
            ));
        }
    }
    assert_eq!(rows(&read_text(&csv).unwrap())[0].2, Some(80));
    let without_widows = csv
        .lines()
        .filter(|l| !l.contains("änk"))
        .collect::<Vec<_>>();
    let e = read_text(&without_widows.join("\n")).unwrap_err();
    assert!(e
        .to_string()
        .contains("civilstånd 'ogifta', 'gifta', 'skilda' without"));
}

#[test]
fn a_total_given_beside_its_parts_is_counted_once() {
    let csv = "region,kön,år,Folkmängd\n1984 Arboga,män,2024,6000\n\
               1984 Arboga,kvinnor,2024,6538\n1984 Arboga,totalt,2024,12538\n";
    assert_eq!(rows(&read_text(csv).unwrap())[0].2, Some(12_538));
}

#[test]
fn sexes_and_totals_may_also_be_column_headers() {
    let csv = "\"region\",\"ålder\",\"män 2024\",\"kvinnor 2024\",\"Folkökning 2024\"\n\
               \"1984 Arboga\",\"totalt ålder\",6000,6538,-12\n";
    assert_eq!(rows(&read_text(csv).unwrap())[0].2, Some(12_538));
    // A bare "totalt" is the sex total here, since ålder has its own column.
    let csv = "\"region\",\"ålder\",\"totalt 2024\"\n\"1984 Arboga\",\"totalt ålder\",12538\n";
    assert_eq!(rows(&read_text(csv).unwrap())[0].2, Some(12_538));
}

#[test]
fn a_table_without_ages_gives_totals_only() {
    let csv = "region;2023;2024\n1980 Västerås;152300;152892\n1984 Arboga;11969;12538\n";
    let figures = read_text(csv).unwrap();
    assert_eq!(
        rows(&figures)[3],
        ("1984".to_owned(), 2024, Some(12_538), None)
    );
    assert_eq!(
        figures[3].notes,
        ["children 0-17: the file has no figure for 0 år"]
    );
}

#[test]
fn layout_problems_name_the_header_or_the_file() {
    let cases = [
        ("just one line\n", "no header line found"),
        (
            "\"ålder\",\"2024\"\n\"0 år\",1\n",
            "line 1: no region column",
        ),
        (
            "\"region\",\"ålder\",\"Folkmängd\"\n\"1984 A\",\"0 år\",1\n",
            "has no year",
        ),
        (
            "\"region\",\"år\",\"åldersgrupp\"\n\"1984 A\",2024,1\n",
            "cannot tell what",
        ),
        (
            "\"region\",\"år\",\"2024\"\n\"1984 A\",2024,1\n",
            "names a year, and so does",
        ),
        (
            "\"region\",\"2024\"\n\"19 Västmanlands län\",1\n",
            "the file has no municipality",
        ),
    ];
    for (csv, says) in cases {
        let e = read_text(csv).unwrap_err();
        assert!(e.to_string().contains(says), "{csv}: {e}");
    }
}

#[test]
fn footnotes_after_the_table_are_not_rows() {
    let csv = "\"region\",\"ålder\",\"2024\"\n\"1984 Arboga\",\"tot\",12538\n\n\"Källa: SCB\"\n";
    assert_eq!(rows(&read_text(csv).unwrap())[0].2, Some(12_538));
}

#[test]
fn child_bands_read_from_the_command_line() {
    assert_eq!(band("0-17"), ChildBand::new(0, 17).unwrap());
    assert_eq!(band("0–17"), ChildBand::new(0, 17).unwrap());
    assert_eq!(band("6"), ChildBand::new(6, 6).unwrap());
    assert_eq!(band("0-17").to_string(), "0-17");
    for bad in ["17-0", "0-", "100+", "tot", "a-b", "0-200"] {
        assert!(bad.parse::<ChildBand>().is_err(), "{bad}");
    }
    assert!(ChildBand::new(5, 4).is_err());
}

#[test]
fn a_long_list_of_problems_is_cut_short() {
    let mut csv = String::from("\"region\",\"år\",\"Folkmängd\"\n");
    for _ in 0..60 {
        csv.push_str("\"1984 Arboga\",2024,x\n");
    }
    let e = read_text(&csv).unwrap_err();
    assert_eq!(e.problems.len(), 60);
    assert!(e.to_string().ends_with("… and 10 more"));
}
