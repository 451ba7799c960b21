//! The catalogue as DCAT-AP-SE JSON-LD. The `@context` is inline, never a
//! remote URL, so a harvester (or a test) expands it offline and the meaning
//! of every term is fixed by this document alone.

use serde_json::{json, Value};

use super::datasets::{Dataset, Format, DATASETS};
use crate::resources::meta::api_info::PublisherInfo;
use crate::store::holdings::{Holding, Holdings};
use crate::vocab::county_in_words;

const CC0: &str = "http://creativecommons.org/publicdomain/zero/1.0/";
const DAILY: &str = "http://publications.europa.eu/resource/authority/frequency/DAILY";
const THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const SWEDEN: &str = "http://publications.europa.eu/resource/authority/country/SWE";
const MEDIA: &str = "https://www.iana.org/assignments/media-types/";
const PUBLIC: &str = "http://publications.europa.eu/resource/authority/access-right/PUBLIC";
const THEMES: &str = "http://publications.europa.eu/resource/authority/data-theme";
const REGIONAL_AUTHORITY: &str = "http://purl.org/adms/publishertype/RegionalAuthority";
const AVAILABILITY: &str = "http://publications.europa.eu/resource/authority/planned-availability/";

/// Who and what the catalogue describes, apart from the base URL.
pub struct CatalogInput<'a> {
    /// The API's origin, e.g. `https://api.example.org`.
    pub base: &'a str,
    /// Who publishes, for which county (`/v1/api-info`'s `publisher`).
    pub publisher: &'a PublisherInfo,
    pub contact_url: Option<&'a str>,
    pub contact_email: Option<&'a str>,
    /// Whether the data is synthetic demo data (said in each description,
    /// and the distributions are then experimental).
    pub synthetic: bool,
    /// What the tables hold: the datasets' dates and periods.
    pub holdings: &'a Holdings,
}

fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "locn": "http://www.w3.org/ns/locn#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "skos": "http://www.w3.org/2004/02/skos/core#",
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
        "dcatap": "http://data.europa.eu/r5r/",
        "dct:issued": { "@type": "xsd:dateTime" },
        "dct:modified": { "@type": "xsd:dateTime" },
        "dcat:startDate": { "@type": "xsd:date" },
        "dcat:endDate": { "@type": "xsd:date" },
        "dcat:endpointURL": { "@type": "@id" },
        "dcat:endpointDescription": { "@type": "@id" }
    })
}

/// Sweden by the EU country authority, and the home county by its SCB code
/// and name (a location node, not a made-up URI: no authority we cite names
/// the county).
fn spatial(p: &PublisherInfo) -> Value {
    json!([
        { "@id": SWEDEN, "@type": "dct:Location" },
        { "@type": "dct:Location", "dct:identifier": p.home_county, "locn:geographicName": p.home_county_name }
    ])
}

/// A text in one language.
fn text(value: &str, language: &str) -> Value {
    json!({ "@value": value, "@language": language })
}

fn lang(sv: &str, en: &str) -> Value {
    json!([text(sv, "sv"), text(en, "en")])
}

/// A concept of an EU authority table, with its label as the table gives it
/// (DCAT-AP's shapes ask every concept for a `skos:prefLabel`).
fn concept(iri: &str, label: Value) -> Value {
    json!({ "@id": iri, "@type": "skos:Concept", "skos:prefLabel": label })
}

/// The EU data theme `code` with its labels (Publications Office, data-theme).
fn theme(code: &str) -> Value {
    let (sv, en) = match code {
        "SOCI" => ("Befolkning och samhälle", "Population and society"),
        "EDUC" => (
            "Utbildning, kultur och sport",
            "Education, culture and sport",
        ),
        "HEAL" => ("Hälsa", "Health"),
        "GOVE" => (
            "Regeringen och den offentliga sektorn",
            "Government and public sector",
        ),
        "REGI" => ("Regioner och städer", "Regions and cities"),
        _ => (code, code),
    };
    concept(&format!("{THEME}{code}"), lang(sv, en))
}

/// An authority's IRI with the class DCAT-AP's shapes expect of it.
fn typed(iri: &str, class: &str) -> Value {
    json!({ "@id": iri, "@type": class })
}

/// The OpenAPI document, the standard every distribution conforms to.
fn contract(base: &str) -> Value {
    typed(&format!("{base}/openapi.json"), "dct:Standard")
}

fn licence() -> Value {
    typed(CC0, "dct:LicenseDocument")
}

fn public() -> Value {
    typed(PUBLIC, "dct:RightsStatement")
}

fn keywords(pairs: &[(&str, &str)]) -> Vec<Value> {
    pairs
        .iter()
        .flat_map(|(sv, en)| [text(sv, "sv"), text(en, "en")])
        .collect()
}

/// Adds `dct:issued`, `dct:modified` and `dct:temporal` where the data gives them.
fn dates(node: &mut Value, h: &Holding) {
    if let Some(first) = h.first {
        node["dct:issued"] = json!(first.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    if let Some(last) = h.last {
        node["dct:modified"] = json!(last.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    if let Some((from, to)) = h.span {
        node["dct:temporal"] = json!({
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": from.to_string(),
            "dcat:endDate": to.to_string(),
        });
    }
}

/// The whole catalogue document.
pub fn catalog(input: &CatalogInput) -> Value {
    let base = input.base;
    let (publisher, contact) = parties(input);
    let note = if input.synthetic {
        (
            " OBS: syntetiska demonstrationsdata.",
            " NOTE: synthetic demo data.",
        )
    } else {
        ("", "")
    };
    let service_id = format!("{base}/v1/catalog#api");
    let county = county_in_words(&input.publisher.home_county_name);
    let datasets: Vec<Value> = DATASETS
        .iter()
        .map(|d| dataset(d, input, note, &service_id))
        .collect();
    let all = DATASETS
        .iter()
        .map(|d| (d.holding)(input.holdings))
        .fold(Holding::default(), Holding::and);
    let service = data_service(base, &service_id);
    let mut catalog = json!({
        "@context": context(),
        "@id": format!("{base}/v1/catalog"),
        "@type": "dcat:Catalog",
        "dct:title": lang(
            &format!("Öppna data om föräldraskapsstöd i {county}"),
            &format!("Open data on parenting support in {county}")
        ),
        "dct:description": lang(
            "Program, kommuner, omgångar, räckvidd, indikatorer, utfallsmått och utvärderingsvy för Regional samling för föräldraskapsstöd.",
            "Programmes, municipalities, sessions, reach, indicators, outcome measures and the evaluation view of the regional collaboration on parenting support."
        ),
        "dct:publisher": publisher,
        "dcat:contactPoint": contact,
        "dct:license": licence(),
        "dct:language": [
            typed("http://publications.europa.eu/resource/authority/language/SWE", "dct:LinguisticSystem"),
            typed("http://publications.europa.eu/resource/authority/language/ENG", "dct:LinguisticSystem")
        ],
        "dct:spatial": spatial(input.publisher),
        "foaf:homepage": typed(&format!("{base}/"), "foaf:Document"),
        "dcat:themeTaxonomy": { "@id": THEMES, "@type": "skos:ConceptScheme", "dct:title": text("Data theme", "en") },
        "dcat:service": service,
        "dcat:dataset": datasets,
    });
    dates(&mut catalog, &Holding { span: None, ..all });
    catalog
}

/// The publisher and the contact point (with what is configured of it).
fn parties(input: &CatalogInput) -> (Value, Value) {
    let base = input.base;
    let mut publisher = json!({
        "@id": format!("{base}/v1/catalog#publisher"),
        "@type": "foaf:Agent",
        "foaf:name": lang(&input.publisher.name_sv, &input.publisher.name_en),
        "dct:type": concept(REGIONAL_AUTHORITY, text("Regional authority", "en")),
    });
    let mut contact = json!({
        "@id": format!("{base}/v1/catalog#contact"),
        "@type": ["vcard:Organization", "vcard:Kind"],
        "vcard:fn": input.publisher.name_sv,
    });
    if let Some(u) = &input.publisher.url {
        publisher["foaf:homepage"] = typed(u, "foaf:Document");
    }
    if let Some(u) = input.contact_url {
        contact["vcard:hasURL"] = json!(u);
    }
    if let Some(e) = input.contact_email {
        contact["vcard:hasEmail"] = json!(format!("mailto:{e}"));
    }
    (publisher, contact)
}

/// The API itself, the service every distribution is reached through.
fn data_service(base: &str, service_id: &str) -> Value {
    json!({
        "@id": service_id,
        "@type": "dcat:DataService",
        "dct:title": lang("Öppet API för föräldraskapsstöd", "Open API for parenting support"),
        "dct:description": lang(
            "REST-API med JSON, CSV, NDJSON, XLSX och iCalendar; kontraktet är OpenAPI-dokumentet.",
            "REST API with JSON, CSV, NDJSON, XLSX and iCalendar; the contract is the OpenAPI document."
        ),
        "dcat:endpointURL": typed(&format!("{base}/"), "rdfs:Resource"),
        "dcat:endpointDescription": typed(&format!("{base}/openapi.json"), "rdfs:Resource"),
        "dcat:servesDataset": DATASETS.iter().map(|d| json!({ "@id": format!("{base}/v1/catalog#{}", d.id) })).collect::<Vec<_>>(),
        "dct:publisher": { "@id": format!("{base}/v1/catalog#publisher") },
        "dcat:contactPoint": { "@id": format!("{base}/v1/catalog#contact") },
        "dcat:keyword": keywords(&[("föräldraskapsstöd", "parenting support"), ("öppna data", "open data"), ("api", "api")]),
        "dcat:landingPage": typed(&format!("{base}/docs"), "foaf:Document"),
        "dct:license": licence(),
        "dct:accessRights": public(),
        "dct:conformsTo": contract(base),
    })
}

fn dataset(d: &Dataset, input: &CatalogInput, note: (&str, &str), service: &str) -> Value {
    let base = input.base;
    let distributions: Vec<Value> = d
        .formats
        .iter()
        .map(|f| distribution(d, *f, input, service))
        .collect();
    let mut node = json!({
        "@id": format!("{base}/v1/catalog#{}", d.id),
        "@type": "dcat:Dataset",
        "dct:identifier": d.id,
        "dct:title": lang(d.title.0, d.title.1),
        "dct:description": lang(&format!("{}{}", d.description.0, note.0), &format!("{}{}", d.description.1, note.1)),
        "dct:publisher": { "@id": format!("{base}/v1/catalog#publisher") },
        "dcat:contactPoint": { "@id": format!("{base}/v1/catalog#contact") },
        "dct:license": licence(),
        "dct:accessRights": public(),
        "dct:accrualPeriodicity": typed(DAILY, "dct:Frequency"),
        "dcat:theme": d.themes.iter().map(|t| theme(t)).collect::<Vec<_>>(),
        "dcat:keyword": keywords(d.keywords),
        "dct:spatial": spatial(input.publisher),
        "dcat:landingPage": typed(&format!("{base}/"), "foaf:Document"),
        "dct:conformsTo": contract(base),
        "dcat:distribution": distributions,
    });
    dates(&mut node, &(d.holding)(input.holdings));
    node
}

fn distribution(d: &Dataset, f: Format, input: &CatalogInput, service: &str) -> Value {
    let base = input.base;
    let availability = if input.synthetic {
        ("EXPERIMENTAL", "Experimental")
    } else {
        ("STABLE", "Stable")
    };
    let url = f.url(base, d.path);
    let media = format!("{MEDIA}{}", f.media_type());
    let (sv, en) = f.name();
    let mut dist = json!({
        "@id": format!("{base}/v1/catalog#{}-{}", d.id, f.media_type().replace('/', "-")),
        "@type": "dcat:Distribution",
        "dct:title": lang(&format!("{} ({})", d.title.0, f.media_type()), &format!("{} ({})", d.title.1, f.media_type())),
        "dct:description": lang(sv, en),
        "dcat:accessURL": typed(&url, "rdfs:Resource"),
        "dcat:accessService": { "@id": service },
        "dcat:mediaType": typed(&media, "dct:MediaType"),
        "dct:format": typed(&media, "dct:MediaTypeOrExtent"),
        "dct:license": licence(),
        "dct:accessRights": public(),
        "dcatap:availability": concept(&format!("{AVAILABILITY}{}", availability.0), text(availability.1, "en")),
        "dct:conformsTo": contract(base),
    });
    if f.is_download() {
        dist["dcat:downloadURL"] = typed(&url, "rdfs:Resource");
    }
    dist
}
