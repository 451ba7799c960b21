//! Bar charts drawn as SVG on the server, each with the table it is drawn
//! from: the table is the chart's text alternative and what a screen reader
//! or a copy-paste reads. Nothing is said by colour alone: the county line is
//! dashed and labelled, a hidden figure is written out.

use std::fmt::Write;

use super::html::{esc, Lang};
use crate::resources::reach::wire::ReachRow;

/// A charted figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    Shown(f64),
    /// Hidden by disclosure control: never drawn as zero.
    TooFew,
    /// No figure (no sourced population, or no counted sessions).
    Unknown,
}

/// What a reach chart divides by. One unit per chart: bars per 1,000
/// children beside bars per 1,000 inhabitants would not compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Children,
    Inhabitants,
}

impl Measure {
    /// Per 1,000 children where every charted row has a children figure;
    /// else per 1,000 inhabitants, which every municipality has.
    pub fn for_rows<'a>(rows: impl IntoIterator<Item = &'a ReachRow>) -> Self {
        if rows.into_iter().all(|r| r.population.is_some()) {
            Measure::Children
        } else {
            Measure::Inhabitants
        }
    }

    /// "per 1 000 barn" / "per 1,000 children", and the like.
    pub fn per(self, lang: Lang) -> &'static str {
        match self {
            Measure::Children => lang.t("per 1 000 barn", "per 1,000 children"),
            Measure::Inhabitants => lang.t("per 1 000 invånare", "per 1,000 inhabitants"),
        }
    }
}

/// The rate a reach row is charted by, in `measure`.
pub fn reach_rate(row: &ReachRow, measure: Measure) -> Figure {
    let value = match measure {
        Measure::Children => row.reach_per_1000_children,
        Measure::Inhabitants => row.reach_per_1000_inhabitants,
    };
    match value {
        Some(v) => Figure::Shown(v),
        None if row.suppressed.iter().any(|s| s == "enrolled") => Figure::TooFew,
        None => Figure::Unknown,
    }
}

impl Figure {
    pub fn text(self, lang: Lang) -> String {
        match self {
            Figure::Shown(v) => lang.number(v, 1),
            Figure::TooFew => lang.too_few().to_owned(),
            Figure::Unknown => lang.t("uppgift saknas", "no figure").to_owned(),
        }
    }
}

/// One bar: its label, figure, the figure it is compared with (drawn as a
/// tick across the bar), and where its label links to in the table.
pub struct Bar {
    pub label: String,
    pub figure: Figure,
    pub compare: Option<Figure>,
    pub href: Option<String>,
}

impl Bar {
    pub fn new(label: String, figure: Figure) -> Self {
        Self {
            label,
            figure,
            compare: None,
            href: None,
        }
    }
}

/// A horizontal bar chart (ranked by the caller) with an optional reference
/// line, plus its data table in a `<details>`.
pub struct BarChart<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub label_header: &'a str,
    pub value_header: &'a str,
    pub bars: &'a [Bar],
    /// The reference line's label and value (the county figure).
    pub reference: Option<(&'a str, f64)>,
    /// The header of the bars' `compare` figures (a column of the table),
    /// when they have them.
    pub compare_header: Option<&'a str>,
}

/// The geometry of one drawing. A phone gets its own narrow drawing (label
/// and value above each bar) rather than the wide one shrunk to unreadable
/// type; CSS shows one of the two, and the hidden one is hidden from screen
/// readers too (`display: none`).
struct Layout {
    class: &'static str,
    width: f64,
    /// Where bars start; 0 when labels sit above the bars.
    bar_x: f64,
    /// Room right of the longest bar for its value.
    value_w: f64,
    row_h: f64,
    bar_h: f64,
    /// Offset of the bar in its row, and of the label's baseline.
    bar_y: f64,
    text_y: f64,
}

const WIDE: Layout = Layout {
    class: "wide",
    width: 720.0,
    bar_x: 150.0,
    value_w: 110.0,
    row_h: 30.0,
    bar_h: 20.0,
    bar_y: 5.0,
    text_y: 19.0,
};

const NARROW: Layout = Layout {
    class: "narrow",
    width: 340.0,
    bar_x: 0.0,
    value_w: 0.0,
    row_h: 44.0,
    bar_h: 14.0,
    bar_y: 24.0,
    text_y: 17.0,
};

/// Room above the bars for the reference line's label.
const TOP_WITH_REFERENCE: f64 = 34.0;
const TOP: f64 = 6.0;

impl BarChart<'_> {
    pub fn render(&self, lang: Lang, out: &mut String) {
        out.push_str(r#"<figure class="chart">"#);
        self.svg(lang, &WIDE, out);
        self.svg(lang, &NARROW, out);
        self.table(lang, out);
        out.push_str("</figure>");
    }

    fn svg(&self, lang: Lang, l: &Layout, out: &mut String) {
        let max = self
            .bars
            .iter()
            .flat_map(|b| [Some(b.figure), b.compare])
            .filter_map(|f| match f {
                Some(Figure::Shown(v)) => Some(v),
                _ => None,
            })
            .chain(self.reference.map(|r| r.1))
            .fold(0.0_f64, f64::max)
            .max(1.0);
        let plot = l.width - l.bar_x - l.value_w;
        let x_of = |v: f64| l.bar_x + plot * (v / max);
        let top = if self.reference.is_some() {
            TOP_WITH_REFERENCE
        } else {
            TOP
        };
        let height = top + l.row_h * self.bars.len() as f64 + 10.0;
        let (id, class, width) = (format!("{}-{}", self.id, l.class), l.class, l.width);
        let _ = write!(
            out,
            r#"<svg class="{class}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            esc(self.title),
            esc(self.description)
        );
        let stacked = l.bar_x == 0.0;
        // Values are written after the county line, so it never crosses them.
        let mut values = String::new();
        for (i, bar) in self.bars.iter().enumerate() {
            let y = top + l.row_h * i as f64;
            let (label_x, anchor) = if stacked {
                (0.0, "start")
            } else {
                (l.bar_x - 10.0, "end")
            };
            let _ = write!(
                out,
                r#"<text class="label" x="{label_x}" y="{}" text-anchor="{anchor}">{}</text>"#,
                y + l.text_y,
                esc(&bar.label)
            );
            let shown = matches!(bar.figure, Figure::Shown(_));
            if let Figure::Shown(v) = bar.figure {
                let w = (x_of(v) - l.bar_x).max(1.0);
                let _ = write!(
                    out,
                    r#"<rect class="bar" x="{}" y="{}" width="{w:.1}" height="{}"/>"#,
                    l.bar_x,
                    y + l.bar_y,
                    l.bar_h,
                );
            }
            if let Some(Figure::Shown(c)) = bar.compare {
                let x = x_of(c);
                let _ = write!(
                    out,
                    r#"<line class="compare" x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}"/>"#,
                    y + l.bar_y - 3.0,
                    y + l.bar_y + l.bar_h + 3.0,
                );
            }
            let class = if shown { "value" } else { "value muted" };
            let (x, anchor) = match bar.figure {
                _ if stacked => (l.width, "end"),
                Figure::Shown(v) => (x_of(v).max(l.bar_x + 1.0) + 6.0, "start"),
                _ => (l.bar_x + 4.0, "start"),
            };
            let _ = write!(
                values,
                r#"<text class="{class}" x="{x:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
                y + l.text_y,
                esc(&bar.figure.text(lang))
            );
        }
        if let Some((label, v)) = self.reference {
            let x = x_of(v);
            let anchor = if stacked { "end" } else { "middle" };
            let label_x = if stacked { l.width } else { x };
            let _ = write!(
                out,
                r#"<line class="reference" x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}"/><text class="reference-label" x="{label_x:.1}" y="16" text-anchor="{anchor}">{}: {}</text>"#,
                top - 8.0,
                height - 6.0,
                esc(label),
                esc(&lang.number(v, 1))
            );
        }
        out.push_str(&values);
        out.push_str("</svg>");
    }

    fn table(&self, lang: Lang, out: &mut String) {
        let _ = write!(
            out,
            r#"<details><summary>{}</summary><table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col" class="num">{}</th>"#,
            lang.t("Visa som tabell", "Show as a table"),
            esc(self.title),
            esc(self.label_header),
            esc(self.value_header)
        );
        if let Some(h) = self.compare_header {
            let _ = write!(out, r#"<th scope="col" class="num">{}</th>"#, esc(h));
        }
        out.push_str("</tr></thead><tbody>");
        for bar in self.bars {
            let label = match &bar.href {
                Some(href) => format!(r#"<a href="{}">{}</a>"#, esc(href), esc(&bar.label)),
                None => esc(&bar.label),
            };
            let _ = write!(
                out,
                r#"<tr><th scope="row">{label}</th><td class="num">{}</td>"#,
                esc(&bar.figure.text(lang))
            );
            if self.compare_header.is_some() {
                let compare = bar.compare.unwrap_or(Figure::Unknown);
                let _ = write!(out, r#"<td class="num">{}</td>"#, esc(&compare.text(lang)));
            }
            out.push_str("</tr>");
        }
        if let Some((label, v)) = self.reference {
            let _ = write!(
                out,
                r#"<tr class="total"><th scope="row">{}</th><td class="num">{}</td>{}</tr>"#,
                esc(label),
                esc(&lang.number(v, 1)),
                if self.compare_header.is_some() {
                    "<td></td>"
                } else {
                    ""
                }
            );
        }
        out.push_str("</tbody></table></details>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart_of(bars: &[Bar]) -> String {
        let mut out = String::new();
        BarChart {
            id: "c",
            title: "T",
            description: "D",
            label_header: "Kommun",
            value_header: "Per 1 000 barn",
            bars,
            reference: Some(("Länet", 10.0)),
            compare_header: None,
        }
        .render(Lang::Sv, &mut out);
        out
    }

    #[test]
    fn a_suppressed_figure_is_written_out_and_draws_no_bar() {
        let out = chart_of(&[
            Bar::new("A".into(), Figure::Shown(12.0)),
            Bar::new("B".into(), Figure::TooFew),
        ]);
        assert_eq!(out.matches("<rect").count(), 2, "one bar in each drawing");
        assert_eq!(
            out.matches("för få").count(),
            3,
            "in both drawings and the table"
        );
        assert!(out.contains("Länet: 10,0"));
    }
}
