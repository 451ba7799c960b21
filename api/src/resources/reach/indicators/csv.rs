//! The indicators as CSV: one line per area and indicator.

use crate::http::formats::{Cell, FlatRecord};
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

impl FlatRecord for IndicatorCsvRow {
    fn columns() -> &'static [&'static str] {
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
    fn cells(&self) -> Vec<Cell> {
        let i = &self.indicator;
        vec![
            self.year.into(),
            self.complete.into(),
            (&self.level).into(),
            (&self.code).into(),
            (&self.name).into(),
            (&i.id).into(),
            (&i.label.sv).into(),
            (&i.label.en).into(),
            i.value.into(),
            (&i.unit).into(),
            i.previous_value.into(),
            i.change.into(),
            i.change_note.as_ref().into(),
            i.note.as_ref().into(),
            i.detail.as_ref().into(),
        ]
    }
}
