//! The indicators as CSV: one line per area and indicator.

use crate::http::formats::{opt, CsvRecord};
use crate::resources::reach::wire::{Indicator, IndicatorReport};

/// One CSV line: one indicator of one area.
pub struct IndicatorCsvRow {
    year: i32,
    complete: bool,
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
                complete: report.complete,
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
            "complete",
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
            "change_note",
            "note",
            "detail",
        ]
    }
    fn csv_row(&self) -> Vec<String> {
        let i = &self.indicator;
        vec![
            self.year.to_string(),
            self.complete.to_string(),
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
            opt(&i.change_note),
            opt(&i.note),
            opt(&i.detail),
        ]
    }
}
