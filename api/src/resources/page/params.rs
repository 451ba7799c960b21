//! The page's query parameters. A form sends an empty value for "any", so an
//! empty parameter means "not given"; anything else malformed is a 400 that
//! names the parameter, as everywhere in the API.

use chrono::Datelike;

use super::html::Lang;
use crate::error::ApiError;
use crate::vocab::{parse_language, CountyCode, Delivery, MunicipalityCode};

/// The parameters as received.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageParams {
    pub lang: Option<String>,
    pub year: Option<String>,
    pub county: Option<String>,
    pub municipality: Option<String>,
    pub child_age: Option<String>,
    pub language: Option<String>,
    pub delivery: Option<String>,
}

/// What the page shows: the statistics' year and county, and the finder's filters.
#[derive(Debug, Clone)]
pub struct PageQuery {
    pub lang: Lang,
    pub year: i32,
    pub county: CountyCode,
    pub finder: Finder,
}

#[derive(Debug, Clone, Default)]
pub struct Finder {
    pub municipality: Option<MunicipalityCode>,
    pub child_age: Option<i32>,
    pub language: Option<String>,
    pub delivery: Option<Delivery>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn bad(name: &str) -> impl Fn(String) -> ApiError + '_ {
    move |detail| ApiError::invalid_parameter(name, detail)
}

impl PageParams {
    /// `path_lang` is the language of the path (`/en/` is English); `?lang=`
    /// overrides it. Without `?county=`, the county is `home` (the
    /// deployment's home county).
    pub fn parse(self, path_lang: Lang, home: &str) -> Result<PageQuery, ApiError> {
        let lang = match given(&self.lang) {
            None => path_lang,
            Some("sv") => Lang::Sv,
            Some("en") => Lang::En,
            Some(other) => return Err(bad("lang")(format!("'{other}' is not sv or en"))),
        };
        let year = match given(&self.year) {
            None => chrono::Utc::now().year() - 1,
            Some(s) => s
                .parse::<i32>()
                .ok()
                .filter(|y| (1900..=2100).contains(y))
                .ok_or_else(|| bad("year")(format!("'{s}' is not a year from 1900 to 2100")))?,
        };
        let county = given(&self.county)
            .map(CountyCode::parse)
            .transpose()
            .map_err(bad("county"))?
            .unwrap_or_else(|| CountyCode::of_stored(home));
        let finder = Finder {
            municipality: given(&self.municipality)
                .map(MunicipalityCode::parse)
                .transpose()
                .map_err(bad("municipality"))?,
            child_age: given(&self.child_age)
                .map(|s| {
                    s.parse::<i32>()
                        .ok()
                        .filter(|a| (0..=18).contains(a))
                        .ok_or_else(|| format!("'{s}' is not an age from 0 to 18"))
                })
                .transpose()
                .map_err(bad("child_age"))?,
            language: given(&self.language)
                .map(parse_language)
                .transpose()
                .map_err(bad("language"))?,
            delivery: given(&self.delivery)
                .map(|s| {
                    Delivery::parse(s)
                        .ok_or_else(|| format!("'{s}' is not one of {}", Delivery::expected()))
                })
                .transpose()
                .map_err(bad("delivery"))?,
        };
        Ok(PageQuery {
            lang,
            year,
            county,
            finder,
        })
    }
}
