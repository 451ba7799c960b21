//! The decision's six long-term effects and the candidate measures that may
//! serve them, as read in public sources (`../shared/data/outcomes.md`
//! summarises them). Knowledge about the measures, never a value: values
//! come only from a source, through `outcomes import` or `outcomes fetch`.
//!
//! Every KPI id here is a candidate *to verify*: third-party KPI lists are
//! often wrong, so an id counts as verified only once a fetch has read its
//! metadata from Kolada and the title Kolada gives matches the one below
//! (`verification` in the wire type). Titles marked as paraphrases were not
//! seen verbatim and will read `title_differs` until an operator checks them.

/// What a measure is to the effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Measures the effect itself (or as near as a public municipal series goes).
    Measure,
    /// Stands in for an effect that has no direct municipal measure.
    Proxy,
    /// Describes the population the effects concern (e.g. low economic standard).
    Context,
    /// A denominator (inhabitants), for rates.
    Denominator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Measure => "measure",
            Role::Proxy => "proxy",
            Role::Context => "context",
            Role::Denominator => "denominator",
        }
    }
}

/// One long-term effect of the decision (*Effekter lång sikt*).
pub struct Effect {
    pub number: i32,
    /// The decision's own wording.
    pub title_sv: &'static str,
    /// Our translation.
    pub title_en: &'static str,
    /// The regional plan the decision names it from: `RUS` (regional
    /// development strategy), `RP` (regional plan), or none.
    pub origin: Option<&'static str>,
    /// Why no municipal measure is shown, when none is.
    pub no_measure_sv: Option<&'static str>,
    pub no_measure_en: Option<&'static str>,
    /// A survey that measures the effect outside Kolada, at regional level.
    pub regional_survey: Option<&'static str>,
}

pub const EFFECTS: [Effect; 6] = [
    Effect {
        number: 1,
        title_sv: "Bättre relation mellan barn och vårdnadshavare",
        title_en: "Better relations between children and guardians",
        origin: None,
        no_measure_sv: Some("Inget offentligt mått per kommun hittades."),
        no_measure_en: Some("No public measure per municipality was found."),
        regional_survey: None,
    },
    Effect {
        number: 2,
        title_sv: "Öka andelen barn och vuxna som anger att deras hälsa är bra eller mycket bra",
        title_en: "More children and adults who rate their health good or very good",
        origin: Some("RUS"),
        no_measure_sv: None,
        no_measure_en: None,
        regional_survey: None,
    },
    Effect {
        number: 3,
        title_sv: "Ökad trygghet",
        title_en: "More safety (trygghet)",
        origin: Some("RUS"),
        no_measure_sv: None,
        no_measure_en: None,
        regional_survey: None,
    },
    Effect {
        number: 4,
        title_sv: "Minskade skillnader i självupplevd hälsa mellan olika socioekonomiska grupper",
        title_en: "Smaller differences in self-rated health between socioeconomic groups",
        origin: Some("RP"),
        no_measure_sv: Some(
            "Inget offentligt mått per kommun på skillnader i självupplevd hälsa mellan \
             socioekonomiska grupper hittades.",
        ),
        no_measure_en: Some(
            "No public measure per municipality of differences in self-rated health between \
             socioeconomic groups was found.",
        ),
        regional_survey: None,
    },
    Effect {
        number: 5,
        title_sv: "Öka andelen elever som fullföljer sina studier med godkända resultat",
        title_en: "More pupils who complete school with passing grades",
        origin: Some("RUS"),
        no_measure_sv: None,
        no_measure_en: None,
        regional_survey: None,
    },
    Effect {
        number: 6,
        title_sv: "Öka andelen ungdomar med fullgod psykisk hälsa i årskurs 9 och år 2 i gymnasiet",
        title_en:
            "More young people with full mental health in school year 9 and upper-secondary year 2",
        origin: Some("RP"),
        no_measure_sv: Some(
            "Mäts i Region Västmanlands enkät Liv och hälsa ung (årskurs 7 och 9 och gymnasiets \
             år 2, vart tredje år), som inte finns i Kolada; ingen siffra per kommun för \
             \"fullgod psykisk hälsa\" och ingen definition av den hittades. N33820 visas som \
             närliggande mått, inte som effekten själv.",
        ),
        no_measure_en: Some(
            "Measured by Region Västmanland's survey Liv och hälsa ung (school years 7 and 9 and \
             upper-secondary year 2, every third year), which is not in Kolada; no \
             per-municipality figure for \"full mental health\" and no definition of it were \
             found. N33820 is shown as a proxy, not as the effect itself.",
        ),
        regional_survey: Some("Liv och hälsa ung (Region Västmanland)"),
    },
];

/// A candidate measure: a Kolada KPI id as read in a public source.
pub struct Candidate {
    pub id: &'static str,
    /// The title as published where the id was read (or a paraphrase: see `note`).
    pub title_sv: &'static str,
    /// Our translation.
    pub title_en: &'static str,
    /// What the value is, in our words.
    pub definition_en: &'static str,
    pub unit: &'static str,
    pub effects: &'static [i32],
    pub role: Role,
    /// Whether Kolada splits it by gender, as far as the sources say.
    pub gender_split: Option<bool>,
    /// `high` (two independent sources), `medium` or `lead` (one source of
    /// unknown origin).
    pub confidence: &'static str,
    /// Where the id was read.
    pub read_in: &'static str,
    pub note: Option<&'static str>,
}

const HALLAND_EDU: &str = "Analys-Region-Halland/grafbibliotek R/teman/utbildning/config.R";

pub const CANDIDATES: [Candidate; 12] = [
    Candidate {
        id: "N15428",
        title_sv: "Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)",
        title_en: "Pupils in year 9 eligible for vocational programmes, home municipality, share (%)",
        definition_en: "Share of pupils in school year 9, by home municipality, eligible for an upper-secondary vocational programme.",
        unit: "percent",
        effects: &[5],
        role: Role::Measure,
        gender_split: Some(true),
        confidence: "high",
        read_in: "Analys-Region-Halland/grafbibliotek R/teman/utbildning/config.R; aliusman851/Dashboard main.py",
        note: None,
    },
    Candidate {
        id: "N15507",
        title_sv: "Elever i åk 9, meritvärde, hemkommun, genomsnitt (17 ämnen)",
        title_en: "Pupils in year 9, merit rating, home municipality, mean (17 subjects)",
        definition_en: "Mean merit rating of pupils in school year 9, by home municipality, over 17 subjects.",
        unit: "points",
        effects: &[5],
        role: Role::Measure,
        gender_split: Some(true),
        confidence: "high",
        read_in: HALLAND_EDU,
        note: None,
    },
    Candidate {
        id: "N15508",
        title_sv: "Elever i åk 9 som uppnått kunskapskraven i alla ämnen",
        title_en: "Pupils in year 9 who reached the knowledge requirements in all subjects",
        definition_en: "Share of pupils in school year 9 who reached the knowledge requirements in all subjects.",
        unit: "percent",
        effects: &[5],
        role: Role::Measure,
        gender_split: None,
        confidence: "lead",
        read_in: "one source of unknown origin",
        note: Some("The published wording varies; the title is not Kolada's verbatim."),
    },
    Candidate {
        id: "U01405",
        title_sv: "Invånare med bra självskattat hälsotillstånd, andel (%)",
        title_en: "Inhabitants who rate their health as good, share (%)",
        definition_en: "Share of inhabitants who rate their own health as good or very good (Folkhälsomyndigheten's survey, via Kolada).",
        unit: "percent",
        effects: &[2],
        role: Role::Measure,
        gender_split: None,
        confidence: "lead",
        read_in: "municipal web pages citing \"Folkhälsomyndigheten … via Kolada\"",
        note: Some("Title is a paraphrase; adults only, not children."),
    },
    Candidate {
        id: "N07609",
        title_sv: "Otrygga vid utevistelse sen kväll i eget område, NTU (%)",
        title_en: "Feeling unsafe outdoors late in the evening in one's own area, NTU (%)",
        definition_en: "Share who feel unsafe outdoors late in the evening in their own area (the Swedish Crime Survey, NTU); lower is better.",
        unit: "percent",
        effects: &[3],
        role: Role::Measure,
        gender_split: None,
        confidence: "lead",
        read_in: "one source of unknown origin",
        note: Some("Title is a paraphrase."),
    },
    Candidate {
        id: "N33820",
        title_sv: "Psykisk ohälsa bland barn och unga (0–19), andel (%)",
        title_en: "Mental ill-health among children and young people (0–19), share (%)",
        definition_en: "Share of children and young people aged 0–19 with mental ill-health; a proxy for effect 6, not the survey's \"full mental health\".",
        unit: "percent",
        effects: &[6],
        role: Role::Proxy,
        gender_split: Some(true),
        confidence: "medium",
        read_in: "Analys-Region-Halland/grafbibliotek R/teman/socioekonomi/config.R",
        note: None,
    },
    Candidate {
        id: "U01413",
        title_sv: "Invånare 16-84 år med avsaknad av tillit till andra, andel (%)",
        title_en: "Inhabitants aged 16–84 lacking trust in others, share (%)",
        definition_en: "Share of inhabitants aged 16–84 who lack trust in others (RUS goal 4, trust); context, not one of the six effects.",
        unit: "percent",
        effects: &[],
        role: Role::Context,
        gender_split: None,
        confidence: "high",
        read_in: "Region-Dalarna/uppfoljning_dalastrategin Skript/tillit.R",
        note: None,
    },
    Candidate {
        id: "N66077",
        title_sv: "Invånare 0-19 år med låg ekonomisk standard, andel (%)",
        title_en: "Inhabitants aged 0–19 with low economic standard, share (%)",
        definition_en: "Share of inhabitants aged 0–19 in households with low economic standard: the socioeconomic vulnerability the decision's support is to reach.",
        unit: "percent",
        effects: &[],
        role: Role::Context,
        gender_split: None,
        confidence: "high",
        read_in: "Region-Dalarna/uppfoljning_dalastrategin Skript/utsatta.R",
        note: None,
    },
    Candidate {
        id: "N02904",
        title_sv: "Invånare 0-19 år i ekonomiskt utsatta hushåll, andel (%)",
        title_en: "Inhabitants aged 0–19 in economically vulnerable households, share (%)",
        definition_en: "Share of inhabitants aged 0–19 in economically vulnerable households; ended, replaced by N66077.",
        unit: "percent",
        effects: &[],
        role: Role::Context,
        gender_split: None,
        confidence: "high",
        read_in: "Region-Dalarna/uppfoljning_dalastrategin Skript/utsatta.R",
        note: Some("Ended; replaced by N66077."),
    },
    Candidate {
        id: "N01951",
        title_sv: "Invånare totalt, antal",
        title_en: "Inhabitants, total, number",
        definition_en: "All inhabitants on 31 December (SCB's population statistics, via Kolada).",
        unit: "count",
        effects: &[],
        role: Role::Denominator,
        gender_split: Some(true),
        confidence: "high",
        read_in: "matches SCB's 2024 totals exactly (migration/data/population-2024.csv)",
        note: None,
    },
    Candidate {
        id: "N01919",
        title_sv: "Invånare 0-19 år, antal",
        title_en: "Inhabitants aged 0–19, number",
        definition_en: "Inhabitants aged 0–19 on 31 December.",
        unit: "count",
        effects: &[],
        role: Role::Denominator,
        gender_split: Some(true),
        confidence: "high",
        read_in: "Analys-Region-Halland/grafbibliotek R/kap01-hamta-kolada.R",
        note: None,
    },
    Candidate {
        id: "N01994",
        title_sv: "Invånare 0-19 år, andel (%)",
        title_en: "Inhabitants aged 0–19, share (%)",
        definition_en: "Inhabitants aged 0–19 as a share of all inhabitants.",
        unit: "percent",
        effects: &[],
        role: Role::Denominator,
        gender_split: Some(true),
        confidence: "high",
        read_in: "Analys-Region-Halland/grafbibliotek R/kap01-hamta-kolada.R",
        note: None,
    },
];

/// What the sources say of effect 5's completion measure: its title is
/// known, its id was not found, so it is named but not held.
pub const UNFOUND_EFFECT_5: &str =
    "Gymnasieelever med examen inom 4 år, hemkommun, andel (%): title seen, Kolada id not found.";

pub fn candidate(id: &str) -> Option<&'static Candidate> {
    CANDIDATES.iter().find(|c| c.id == id)
}

/// Titles compared as Kolada may space and case them.
pub fn same_title(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace(['–', '—'], "-")
            .to_lowercase()
    };
    norm(a) == norm(b)
}
