//! The catalogue as DCAT-AP-SE JSON-LD. The `@context` is inline, never a
//! remote URL, so a harvester (or a test) expands it offline and the meaning
//! of every term is fixed by this document alone.

use serde_json::{json, Value};

const CC0: &str = "http://creativecommons.org/publicdomain/zero/1.0/";
const DAILY: &str = "http://publications.europa.eu/resource/authority/frequency/DAILY";
const THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const SWEDEN: &str = "http://publications.europa.eu/resource/authority/country/SWE";
const MEDIA: &str = "https://www.iana.org/assignments/media-types/";

/// Who and what the catalogue describes, apart from the base URL.
pub struct CatalogInput<'a> {
    /// The API's origin, e.g. `https://api.example.org`.
    pub base: &'a str,
    pub contact_url: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    /// Whether the data is synthetic demo data (said in each description).
    pub synthetic: bool,
}

fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "locn": "http://www.w3.org/ns/locn#",
        "dct:license": { "@type": "@id" },
        "dct:accrualPeriodicity": { "@type": "@id" },
        "dct:conformsTo": { "@type": "@id" },
        "dcat:theme": { "@type": "@id" },
        "dcat:accessURL": { "@type": "@id" },
        "dcat:downloadURL": { "@type": "@id" },
        "dcat:mediaType": { "@type": "@id" },
        "dcat:landingPage": { "@type": "@id" },
        "foaf:homepage": { "@type": "@id" },
        "vcard:hasURL": { "@type": "@id" },
        "vcard:hasEmail": { "@type": "@id" },
        "dct:modified": { "@type": "xsd:date" }
    })
}

/// One dataset: its id (path segment), titles, descriptions, themes and the
/// API paths of its distributions with their formats.
struct Dataset {
    id: &'static str,
    title: (&'static str, &'static str),
    description: (&'static str, &'static str),
    themes: &'static [&'static str],
    path: &'static str,
    formats: &'static [Format],
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Csv,
    Ndjson,
    ICalendar,
}

impl Format {
    fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::Ndjson => "application/x-ndjson",
            Format::ICalendar => "text/calendar",
        }
    }
    /// The URL that returns this format (the JSON one is the API itself).
    fn url(self, base: &str, path: &str) -> String {
        match self {
            Format::Json => format!("{base}{path}"),
            Format::Csv => format!("{base}{path}?format=csv"),
            Format::Ndjson => format!("{base}{path}?format=ndjson"),
            Format::ICalendar => format!("{base}/v1/sessions.ics"),
        }
    }
}

use Format::{Csv, ICalendar, Json, Ndjson};

const DATASETS: &[Dataset] = &[
    Dataset {
        id: "sessions",
        title: ("Omgångar av föräldraskapsstöd", "Parenting-support sessions"),
        description: (
            "Varje omgång av ett föräldraskapsstödsprogram som en kommun planerar eller genomför: program, datum, arrangör, språk, form och antal deltagare.",
            "Every round of a parenting-support programme a municipality plans or delivers: programme, dates, provider, languages, delivery and participant counts.",
        ),
        themes: &["SOCI", "EDUC"],
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
        path: "/v1/reach",
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
        path: "/v1/municipalities",
        formats: &[Json, Csv, Ndjson],
    },
];

/// Sweden by the EU country authority, and the county by its SCB code and name
/// (a location node, not a made-up URI: no authority we cite names the county).
fn spatial() -> Value {
    json!([
        { "@id": SWEDEN },
        { "@type": "dct:Location", "dct:identifier": "19", "locn:geographicName": "Västmanlands län" }
    ])
}

fn lang(sv: &str, en: &str) -> Value {
    json!([{ "@value": sv, "@language": "sv" }, { "@value": en, "@language": "en" }])
}

/// The whole catalogue document.
pub fn catalog(input: &CatalogInput) -> Value {
    let base = input.base;
    let publisher = json!({
        "@id": format!("{base}/v1/catalog#publisher"),
        "@type": "foaf:Agent",
        "foaf:name": lang(
            "Regional samling för föräldraskapsstöd (Region Västmanland och Länsstyrelsen Västmanland)",
            "Regional collaboration on parenting support (Region Västmanland and the County Administrative Board of Västmanland)"
        ),
    });
    let mut contact = json!({
        "@id": format!("{base}/v1/catalog#contact"),
        "@type": "vcard:Organization",
        "vcard:fn": "Regional samling för föräldraskapsstöd",
    });
    if let Some(u) = input.contact_url {
        contact["vcard:hasURL"] = json!(u);
    }
    if let Some(e) = input.contact_email {
        contact["vcard:hasEmail"] = json!(format!("mailto:{e}"));
    }
    let note = if input.synthetic {
        (
            " OBS: syntetiska demonstrationsdata.",
            " NOTE: synthetic demo data.",
        )
    } else {
        ("", "")
    };
    let datasets: Vec<Value> = DATASETS.iter().map(|d| dataset(d, base, note)).collect();
    json!({
        "@context": context(),
        "@id": format!("{base}/v1/catalog"),
        "@type": "dcat:Catalog",
        "dct:title": lang("Öppna data om föräldraskapsstöd i Västmanland", "Open data on parenting support in Västmanland"),
        "dct:description": lang(
            "Program, kommuner, omgångar, räckvidd, indikatorer, utfallsmått och utvärderingsvy för Regional samling för föräldraskapsstöd.",
            "Programmes, municipalities, sessions, reach, indicators, outcome measures and the evaluation view of the regional collaboration on parenting support."
        ),
        "dct:publisher": publisher,
        "dcat:contactPoint": contact,
        "dct:license": CC0,
        "dct:language": [
            { "@id": "http://publications.europa.eu/resource/authority/language/SWE" },
            { "@id": "http://publications.europa.eu/resource/authority/language/ENG" }
        ],
        "dct:spatial": spatial(),
        "foaf:homepage": format!("{base}/"),
        "dcat:dataset": datasets,
    })
}

fn dataset(d: &Dataset, base: &str, note: (&str, &str)) -> Value {
    let distributions: Vec<Value> = d
        .formats
        .iter()
        .map(|f| {
            let url = f.url(base, d.path);
            json!({
                "@id": format!("{base}/v1/catalog#{}-{}", d.id, f.media_type().replace('/', "-")),
                "@type": "dcat:Distribution",
                "dct:title": format!("{} ({})", d.title.1, f.media_type()),
                "dcat:accessURL": url,
                "dcat:downloadURL": url,
                "dcat:mediaType": format!("{MEDIA}{}", f.media_type()),
                "dct:license": CC0,
                "dct:conformsTo": format!("{base}/openapi.json"),
            })
        })
        .collect();
    json!({
        "@id": format!("{base}/v1/catalog#{}", d.id),
        "@type": "dcat:Dataset",
        "dct:identifier": d.id,
        "dct:title": lang(d.title.0, d.title.1),
        "dct:description": lang(&format!("{}{}", d.description.0, note.0), &format!("{}{}", d.description.1, note.1)),
        "dct:publisher": { "@id": format!("{base}/v1/catalog#publisher") },
        "dcat:contactPoint": { "@id": format!("{base}/v1/catalog#contact") },
        "dct:license": CC0,
        "dct:accrualPeriodicity": DAILY,
        "dcat:theme": d.themes.iter().map(|t| format!("{THEME}{t}")).collect::<Vec<_>>(),
        "dct:spatial": spatial(),
        "dcat:landingPage": format!("{base}/"),
        "dct:conformsTo": format!("{base}/openapi.json"),
        "dcat:distribution": distributions,
    })
}
