//! The datasets the catalogue describes: titles, descriptions, themes and
//! keywords in Swedish and English, what each holds, and the API paths and
//! formats of its distributions.

use crate::store::holdings::{Holding, Holdings};

/// One dataset: its id (path segment), titles, descriptions, themes,
/// keywords (sv, en), what it holds, and the API path of its distributions
/// with their formats.
pub struct Dataset {
    pub id: &'static str,
    pub title: (&'static str, &'static str),
    pub description: (&'static str, &'static str),
    pub themes: &'static [&'static str],
    pub keywords: &'static [(&'static str, &'static str)],
    pub holding: fn(&Holdings) -> Holding,
    pub path: &'static str,
    pub formats: &'static [Format],
}

#[derive(Clone, Copy)]
pub enum Format {
    Json,
    Csv,
    Ndjson,
    Xlsx,
    ICalendar,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::Ndjson => "application/x-ndjson",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::ICalendar => "text/calendar",
        }
    }
    pub fn name(self) -> (&'static str, &'static str) {
        match self {
            Format::Json => (
                "JSON genom API:t, sida för sida",
                "JSON through the API, page by page",
            ),
            Format::Csv => ("Hela datamängden som CSV", "The whole dataset as CSV"),
            Format::Ndjson => ("Hela datamängden som NDJSON", "The whole dataset as NDJSON"),
            Format::Xlsx => (
                "Hela datamängden som Excel-arbetsbok",
                "The whole dataset as an Excel workbook",
            ),
            Format::ICalendar => (
                "Kommande omgångar som kalender (iCalendar)",
                "Upcoming sessions as a calendar (iCalendar)",
            ),
        }
    }
    /// The URL that returns this format (the JSON one is the API itself).
    pub fn url(self, base: &str, path: &str) -> String {
        let join = if path.contains('?') { '&' } else { '?' };
        match self {
            Format::Json => format!("{base}{path}"),
            Format::Csv => format!("{base}{path}{join}format=csv"),
            Format::Ndjson => format!("{base}{path}{join}format=ndjson"),
            Format::Xlsx => format!("{base}{path}{join}format=xlsx"),
            Format::ICalendar => format!("{base}/v1/sessions.ics"),
        }
    }
    /// A file to download whole, or the API to call (JSON is paged).
    pub fn is_download(self) -> bool {
        !matches!(self, Format::Json)
    }
}

use Format::{Csv, ICalendar, Json, Ndjson, Xlsx};

pub const DATASETS: &[Dataset] = &[
    Dataset {
        id: "sessions",
        title: ("Omgångar av föräldraskapsstöd", "Parenting-support sessions"),
        description: (
            "Varje omgång av ett föräldraskapsstödsprogram som en kommun planerar eller genomför: program, datum, arrangör, språk, form och antal deltagare.",
            "Every round of a parenting-support programme a municipality plans or delivers: programme, dates, provider, languages, delivery and participant counts.",
        ),
        themes: &["SOCI", "EDUC"],
        keywords: &[("föräldraskapsstöd", "parenting support"), ("föräldrakurs", "parenting course"), ("kalender", "calendar"), ("kommun", "municipality")],
        holding: |h| h.sessions,
        path: "/v1/sessions",
        formats: &[Json, Csv, Ndjson, ICalendar],
    },
    Dataset {
        id: "reach",
        title: ("Räckvidd för föräldraskapsstöd", "Reach of parenting support"),
        description: (
            "Deltaganden per kommun, program, år och kvartal, per 1 000 barn, efter röjandekontroll.",
            "Participations per municipality, programme, year and quarter, per 1,000 children, after disclosure control.",
        ),
        themes: &["SOCI", "HEAL"],
        keywords: &[("föräldraskapsstöd", "parenting support"), ("räckvidd", "reach"), ("statistik", "statistics"), ("röjandekontroll", "disclosure control")],
        holding: |h| h.sessions.whole_years().changed_with(h.population),
        path: "/v1/reach?group_by=municipality&group_by=year",
        formats: &[Json, Csv, Ndjson],
    },
    Dataset {
        id: "indicators",
        title: ("Indikatorer för den regionala samlingen", "Indicators of the regional collaboration"),
        description: (
            "Inriktningsbeslutets kortsiktiga effekter som mätbara indikatorer per år för länet och varje kommun.",
            "The decision's short-term effects as measurable indicators per year for the county and each municipality.",
        ),
        themes: &["SOCI", "HEAL"],
        keywords: &[("föräldraskapsstöd", "parenting support"), ("indikator", "indicator"), ("uppföljning", "follow-up")],
        holding: |h| h.sessions.whole_years().changed_with(h.population),
        path: "/v1/indicators",
        formats: &[Json, Csv],
    },
    Dataset {
        id: "outcomes",
        title: ("Utfallsmått för de långsiktiga effekterna", "Outcome measures of the long-term effects"),
        description: (
            "Inriktningsbeslutets sex långsiktiga effekter och de offentliga mått (Kolada) som kan följa upp dem, med de år som finns; värdena per kommun, län och år under /v1/outcomes/{id}/values, med källa och hämtningstid. Källa: Kolada.",
            "The decision's six long-term effects and the public measures (Kolada) that may follow them up, with the years held; the values per municipality, county and year under /v1/outcomes/{id}/values, with source and retrieval time. Source: Kolada.",
        ),
        themes: &["SOCI", "HEAL", "EDUC"],
        keywords: &[("folkhälsa", "public health"), ("uppföljning", "follow-up"), ("kolada", "kolada")],
        holding: |h| h.outcomes,
        path: "/v1/outcomes",
        formats: &[Json, Csv, Ndjson],
    },
    Dataset {
        id: "evaluation",
        title: ("Utvärderingsvy: räckvidd bredvid utfall", "Evaluation view: reach beside outcomes"),
        description: (
            "Per år räckvidd per 1 000 barn och andel omgångar med evidensstöd bredvid utfallsmåtten för ett län eller en kommun, med förändring över perioden och korrelation mellan kommunerna. Beskrivning, inte en skattning av orsakssamband.",
            "Per year, reach per 1,000 children and the share of sessions with evidence support beside the outcome measures for a county or a municipality, with the change over the period and the correlation across municipalities. Description, not a causal estimate.",
        ),
        themes: &["SOCI", "HEAL"],
        keywords: &[("utvärdering", "evaluation"), ("föräldraskapsstöd", "parenting support"), ("folkhälsa", "public health")],
        holding: |h| h.sessions.whole_years().and(h.outcomes).changed_with(h.population),
        path: "/v1/evaluation",
        formats: &[Json, Csv],
    },
    Dataset {
        id: "programmes",
        title: ("Program för föräldraskapsstöd", "Parenting-support programmes"),
        description: (
            "Katalog över föräldraskapsstödsprogram: åldrar, preventionsnivåer, former och evidensläge med källor.",
            "Catalogue of parenting-support programmes: ages, prevention levels, formats and evidence with sources.",
        ),
        themes: &["SOCI", "EDUC", "HEAL"],
        keywords: &[("föräldraskapsstöd", "parenting support"), ("program", "programme"), ("evidens", "evidence")],
        holding: |h| h.programmes,
        path: "/v1/programmes",
        formats: &[Json, Csv, Ndjson],
    },
    Dataset {
        id: "municipalities",
        title: ("Kommuner", "Municipalities"),
        description: (
            "Sveriges 290 kommuner med SCB-kod, län och deltagande i den regionala samlingen.",
            "Sweden's 290 municipalities with SCB code, county and participation in the regional collaboration.",
        ),
        themes: &["GOVE", "REGI"],
        keywords: &[("kommun", "municipality"), ("län", "county")],
        holding: |h| h.municipalities,
        path: "/v1/municipalities",
        formats: &[Json, Csv, Ndjson],
    },
    Dataset {
        id: "population",
        title: ("Referensbefolkning", "Reference population"),
        description: (
            "Befolkning och antal barn per kommun (SCB) som räckvidden per 1 000 barn räknas på, i fältet population.",
            "Population and children per municipality (SCB) that reach per 1,000 children is a rate of, in the population field.",
        ),
        themes: &["SOCI", "REGI"],
        keywords: &[("befolkning", "population"), ("barn", "children"), ("kommun", "municipality")],
        holding: |h| h.population,
        path: "/v1/population",
        formats: &[Json, Csv, Ndjson, Xlsx],
    },
];
