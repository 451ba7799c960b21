//! The query parameters of `/v1/reach` and `/v1/indicators`, parsed into
//! their queries: every malformed value is a 400 that names its parameter.

use chrono::Datelike;

use super::indicators::IndicatorsQuery;
use super::period::parse_period;
use super::query::{parse_group_by, ReachQuery};
use crate::error::ApiError;
use crate::http::formats::Format;
use crate::vocab::{
    parse_enum_param, parse_opt, parse_param, CountyCode, MunicipalityCode, PreventionLevel,
    ProgrammeSlug,
};

/// `/v1/reach`'s parameters as received.
pub struct ReachParams {
    pub group_by: Vec<String>,
    /// Shorthand for `from` = `to` = this year.
    pub year: Option<i32>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub municipality: Vec<String>,
    pub programme: Vec<String>,
    pub prevention_level: Vec<String>,
    pub county: Option<String>,
}

impl ReachParams {
    pub fn parse(mut self) -> Result<ReachQuery, ApiError> {
        if let Some(y) = self.year {
            if self.from.is_some() || self.to.is_some() {
                return Err(ApiError::invalid_parameter(
                    "year",
                    "is a shorthand for from and to: give either year, or from and to",
                ));
            }
            // Read as the years of `from`/`to` are, so the two spellings agree.
            (self.from, self.to) = (Some(y.to_string()), Some(y.to_string()));
        }
        let year_name = if self.year.is_some() { "year" } else { "from" };
        Ok(ReachQuery {
            group_by: parse_group_by(&self.group_by)?,
            from: self
                .from
                .as_deref()
                .map(|s| parse_period(year_name, s, false))
                .transpose()?,
            to: self
                .to
                .as_deref()
                .map(|s| parse_period("to", s, true))
                .transpose()?,
            municipalities: parse_municipalities(&self.municipality)?,
            programmes: parse_param("programme", &self.programme, ProgrammeSlug::parse)?,
            prevention_levels: parse_enum_param(
                "prevention_level",
                &self.prevention_level,
                PreventionLevel::parse,
                PreventionLevel::expected,
            )?,
            county: parse_opt("county", self.county.as_deref(), CountyCode::parse)?,
            max_rows: None,
        })
    }
}

/// `/v1/indicators`' parameters as received.
pub struct IndicatorParams {
    pub year: Option<i32>,
    pub municipality: Vec<String>,
    pub county: Option<String>,
    pub format: Option<Format>,
}

impl IndicatorParams {
    pub fn parse(self) -> Result<IndicatorsQuery, ApiError> {
        let year = match self.year {
            Some(y) if !(1900..=2100).contains(&y) => {
                return Err(ApiError::invalid_parameter(
                    "year",
                    format!("'{y}' is not a year from 1900 to 2100"),
                ))
            }
            Some(y) => y,
            // The last whole year: the current one is still being reported.
            None => chrono::Utc::now().year() - 1,
        };
        let q = IndicatorsQuery {
            year,
            municipalities: parse_municipalities(&self.municipality)?,
            county: parse_opt("county", self.county.as_deref(), CountyCode::parse)?,
        };
        if self.format == Some(Format::Ndjson) {
            return Err(ApiError::invalid_parameter(
                "format",
                "indicators are offered as json, csv or xlsx",
            ));
        }
        Ok(q)
    }
}

/// `municipality`: 4-digit SCB codes, comma-separated or repeated.
fn parse_municipalities(values: &[String]) -> Result<Vec<MunicipalityCode>, ApiError> {
    parse_param("municipality", values, MunicipalityCode::parse)
}
