//! The indicator catalogue: what each indicator follows up and how it is
//! defined, in Swedish and English, and how its figure is computed from an
//! area's year.

use super::figures::{
    evidence, per_1000, reach_figure, response_rate, satisfaction, share, spread, vulnerable,
    Figure, OFFERED,
};
use super::{AreaYear, CHILD_AGES};
use crate::resources::programmes::LocalizedText;
use crate::resources::reach::disclosure::round;
use crate::resources::reach::wire::Indicator;

/// A text in Swedish and English: (sv, en).
type Text = (&'static str, &'static str);

fn text((sv, en): Text) -> LocalizedText {
    LocalizedText {
        sv: sv.into(),
        en: en.into(),
    }
}

// The decision's short-term effects, in its own words and in English.
const EQUAL_ACCESS: Text = (
    "En mer jämlik tillgång till föräldraskapsstöd i länet",
    "More equal access to parenting support in the county",
);
const ACCESSIBLE: Text = (
    "Ett mer tillgängligt föräldraskapsstöd",
    "More accessible parenting support",
);
const SATISFIED: Text = (
    "Fler föräldrar är nöjda med det föräldraskapsstöd de får",
    "More parents are satisfied with the parenting support they receive",
);
const VULNERABLE: Text = (
    "Fler socioekonomiskt utsatta grupper använder sig av föräldraskapsstöd",
    "More socioeconomically vulnerable groups use parenting support",
);
const COLLABORATION: Text = (
    "Ökad samverkan och samarbete i länet kring föräldraskapsstöd",
    "More collaboration and cooperation in the county on parenting support",
);

/// What an indicator is, apart from its figures.
struct Def {
    id: &'static str,
    label: Text,
    effect: Text,
    unit: &'static str,
    definition: Text,
}

const REACH: Def = Def {
    id: "reach_per_1000_children",
    label: ("Räckvidd per 1 000 barn", "Reach per 1,000 children"),
    effect: EQUAL_ACCESS,
    unit: "per_1000_children",
    definition: (
        "Inskrivna deltaganden i omgångar som pågår eller har avslutats, räknade efter \
         startdatum, per 1 000 barn i befolkningen: årets siffror, annars det senaste tidigare \
         året med siffror. År, åldersspann och källa anges med värdet. Deltaganden, inte unika \
         personer.",
        "Participations enrolled in sessions that are ongoing or completed, by start date, per \
         1,000 children of the population: the year's figures, else those of the latest earlier \
         year that has them. Year, age band and source are given with the figure. \
         Participations, not unique people.",
    ),
};

const SESSIONS_OFFERED: Def = Def {
    id: "sessions_offered_per_1000_children",
    label: (
        "Erbjudna omgångar per 1 000 barn",
        "Sessions offered per 1,000 children",
    ),
    effect: ACCESSIBLE,
    unit: "per_1000_children",
    definition: (
        "Omgångar som startar under året och inte är inställda (planerade, öppna, pågående, \
         avslutade), per 1 000 barn i befolkningen, räknat som räckvidden.",
        "Sessions starting in the year that are not cancelled (planned, open, ongoing, \
         completed), per 1,000 children of the population, counted as for reach.",
    ),
};

const LANGUAGES: Def = Def {
    id: "languages_offered",
    label: ("Erbjudna språk", "Languages offered"),
    effect: ACCESSIBLE,
    unit: "count",
    definition: (
        "Antal olika språk bland omgångarna som erbjöds under året (alla utom inställda). \
         Vilka språk det är står bredvid värdet.",
        "Number of different languages among the sessions offered in the year (all but \
         cancelled ones). Which languages they are is listed beside the figure.",
    ),
};

const AGE_COVERAGE: Def = Def {
    id: "age_coverage",
    label: (
        "Andel av barnets åldrar 0–17 år som täcks",
        "Share of a child's ages 0–17 covered",
    ),
    effect: ACCESSIBLE,
    unit: "share",
    definition: (
        "Andel av åldrarna 0–17 år där kommunen erbjöd minst en omgång under året (alla utom \
         inställda) av ett program som riktar sig till föräldrar till barn i den åldern. Program \
         utan känt åldersspann räknas inte. Beslutets mål: stöd genom hela uppväxten. För länet: \
         medelvärdet över de kommuner som rapporterat året. Hur många omgångar som erbjöds för \
         varje ålder står bredvid värdet.",
        "Share of the ages 0–17 for which the municipality offered at least one session in the \
         year (all but cancelled ones) of a programme for parents of children that age. \
         Programmes without a known age range are not counted. The decision's aim: support \
         through the whole upbringing. For the county: the mean over the municipalities that \
         reported the year. How many sessions were offered for each age is listed beside the \
         figure.",
    ),
};

const DIGITAL: Def = Def {
    id: "digital_share",
    label: ("Andel digitala omgångar", "Digital share"),
    effect: ACCESSIBLE,
    unit: "share",
    definition: (
        "Andel av de erbjudna omgångarna som ges digitalt eller hybrid \
         (går att delta i utan att resa).",
        "Share of the sessions offered that are delivered digitally or hybrid \
         (can be attended without travelling).",
    ),
};

const EVIDENCE: Def = Def {
    id: "evaluated_evidence_share",
    label: (
        "Andel omgångar med evidensstöd (SBU: begränsat, måttligt eller starkt stöd)",
        "Share of sessions with evidence support (SBU: limited, moderate or strong)",
    ),
    effect: ACCESSIBLE,
    unit: "share",
    definition: (
        "Andel av de erbjudna omgångarna vars program Statens beredning för medicinsk och social \
         utvärdering (SBU) har bedömt ha åtminstone begränsat vetenskapligt stöd. Program som SBU \
         inte har bedömt räknas som utan stöd. Anges inte så länge inget erbjudet program har \
         bedömts.",
        "Share of the sessions offered whose programme the Swedish Agency for Health Technology \
         Assessment and Assessment of Social Services (SBU) rated as having at least limited \
         scientific support. Programmes SBU has not rated count as without support. Not stated \
         while no programme offered has been rated.",
    ),
};

const SATISFACTION: Def = Def {
    id: "satisfaction_rate",
    label: ("Andel nöjda", "Share satisfied"),
    effect: SATISFIED,
    unit: "share",
    definition: (
        "Andel nöjda bland de deltagare som besvarade frågan om nöjdhet, i pågående och \
         avslutade omgångar. Läs den tillsammans med svarsfrekvensen.",
        "Share satisfied among the participants who answered the satisfaction question, in \
         ongoing and completed sessions. Read it together with the response rate.",
    ),
};

const SATISFACTION_RESPONSE: Def = Def {
    id: "satisfaction_response_rate",
    label: (
        "Svarsfrekvens för nöjdhetsfrågan",
        "Response rate of the satisfaction question",
    ),
    effect: SATISFIED,
    unit: "share",
    definition: (
        "Andel av de inskrivna deltagandena i pågående och avslutade omgångar där frågan om \
         nöjdhet besvarades. En låg svarsfrekvens gör andelen nöjda osäker.",
        "Share of the participations enrolled in ongoing and completed sessions in which the \
         satisfaction question was answered. A low response rate makes the share satisfied \
         uncertain.",
    ),
};

const VULNERABLE_AREA: Def = Def {
    id: "vulnerable_area_share",
    label: (
        "Andel deltaganden från socioekonomiskt utsatta områden",
        "Share of participations from socioeconomically vulnerable areas",
    ),
    effect: VULNERABLE,
    unit: "share",
    definition: (
        "Deltaganden av föräldrar boende i områden som kommunen klassar som socioekonomiskt \
         utsatta, delat med inskrivna deltaganden, i pågående och avslutade omgångar.",
        "Participations by parents living in areas the municipality classes as socioeconomically \
         vulnerable, divided by participations enrolled, in ongoing and completed sessions.",
    ),
};

const COLLABORATION_SHARE: Def = Def {
    id: "collaboration_share",
    label: (
        "Andel omgångar i samverkan",
        "Share of sessions in collaboration",
    ),
    effect: COLLABORATION,
    unit: "share",
    definition: (
        "Andel av de erbjudna omgångarna som har en medarrangerande kommun eller är öppna \
         för invånare i andra kommuner.",
        "Share of the sessions offered that are co-hosted with another municipality \
         or open to residents of other municipalities.",
    ),
};

/// The spread of the municipalities' reach, in `spread` order.
const SPREAD: [Def; 4] = [
    Def {
        id: "reach_spread_min",
        label: (
            "Lägsta räckvidd per 1 000 barn bland kommunerna",
            "Lowest reach per 1,000 children among the municipalities",
        ),
        effect: EQUAL_ACCESS,
        unit: "per_1000_children",
        definition: (
            "Lägsta värdet av räckvidd per 1 000 barn bland länets kommuner.",
            "The lowest reach per 1,000 children among the county's municipalities.",
        ),
    },
    Def {
        id: "reach_spread_max",
        label: (
            "Högsta räckvidd per 1 000 barn bland kommunerna",
            "Highest reach per 1,000 children among the municipalities",
        ),
        effect: EQUAL_ACCESS,
        unit: "per_1000_children",
        definition: (
            "Högsta värdet av räckvidd per 1 000 barn bland länets kommuner.",
            "The highest reach per 1,000 children among the county's municipalities.",
        ),
    },
    Def {
        id: "reach_spread_ratio",
        label: (
            "Kvot högsta/lägsta räckvidd",
            "Ratio of highest to lowest reach",
        ),
        effect: EQUAL_ACCESS,
        unit: "ratio",
        definition: (
            "Högsta delat med lägsta räckvidd per 1 000 barn bland kommunerna; \
             1 betyder lika räckvidd. Lägre är mer jämlikt.",
            "Highest divided by lowest reach per 1,000 children among the municipalities; \
             1 means equal reach. Lower is more equal.",
        ),
    },
    Def {
        id: "reach_spread_cv",
        label: (
            "Variationskoefficient för räckvidd",
            "Coefficient of variation of reach",
        ),
        effect: EQUAL_ACCESS,
        unit: "ratio",
        definition: (
            "Standardavvikelse (populations-) delad med medelvärdet av kommunernas räckvidd \
             per 1 000 barn, oviktat. Lägre är mer jämlikt.",
            "Population standard deviation divided by the mean of the municipalities' reach \
             per 1,000 children, unweighted. Lower is more equal.",
        ),
    },
];

/// The year an indicator is stated for, and the one it is compared with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Years {
    pub year: i32,
    /// The year is over by the server's date: figures of a running year are
    /// "so far", and no change is computed from them.
    pub complete: bool,
}

/// A figure of a year in which no session was reported is unknown, whatever
/// the formula would give: never a zero to compare with.
fn of_reported(a: &AreaYear, year: i32, figure: &dyn Fn(&AreaYear) -> Figure) -> Figure {
    if a.reported() {
        figure(a)
    } else {
        Err(format!("no sessions are reported for {year}"))
    }
}

fn indicator(
    def: &Def,
    (now, before): (Figure, Figure),
    years: Years,
    detail: Option<String>,
) -> Indicator {
    let previous = years.year - 1;
    let (change, change_note) = match (&now, &before) {
        _ if !years.complete => (
            None,
            Some(format!(
                "{} is not over: a change is computed between whole years",
                years.year
            )),
        ),
        (Ok(a), Ok(b)) => (Some(round(a - b, 4)), None),
        (Err(_), _) => (None, Some(format!("no value for {}", years.year))),
        (Ok(_), Err(why)) => (None, Some(format!("no value for {previous}: {why}"))),
    };
    Indicator {
        id: def.id.into(),
        label: text(def.label),
        effect: text(def.effect),
        value: now.as_ref().ok().copied(),
        unit: def.unit.into(),
        previous_value: before.ok(),
        change,
        change_note,
        note: now.err(),
        detail,
        definition: text(def.definition),
    }
}

/// `age:sessions` for every age of `CHILD_AGES`, e.g. `0:12,1:12,…,17:0`.
fn ages_detail(a: &AreaYear) -> String {
    CHILD_AGES
        .map(|age| format!("{age}:{}", a.ages.get(&age).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The indicators of one area (the county, or a municipality), `now` against
/// `before`, each year's rates per 1,000 of that year's children.
pub(super) fn area_indicators(
    now: &AreaYear,
    before: &AreaYear,
    years: Years,
    k: i64,
) -> Vec<Indicator> {
    let both = |figure: &dyn Fn(&AreaYear) -> Figure| {
        (
            of_reported(now, years.year, figure),
            of_reported(before, years.year - 1, figure),
        )
    };
    let of =
        |def: &Def, figure: &dyn Fn(&AreaYear) -> Figure| indicator(def, both(figure), years, None);
    let reported = |detail: String| now.reported().then_some(detail);
    let languages = now.languages.iter().cloned().collect::<Vec<_>>().join(",");
    vec![
        of(&REACH, &|a| reach_figure(a, k)),
        of(&SESSIONS_OFFERED, &|a| per_1000(a.offered, a.children)),
        indicator(
            &LANGUAGES,
            both(&|a| Ok(a.languages.len() as f64)),
            years,
            reported(languages),
        ),
        indicator(
            &AGE_COVERAGE,
            both(&|a| {
                a.age_coverage
                    .map(|c| round(c, 4))
                    .ok_or_else(|| "no municipality reported the year".to_owned())
            }),
            years,
            reported(ages_detail(now)),
        ),
        of(&DIGITAL, &|a| share(a.digital, a.offered, OFFERED)),
        of(&EVIDENCE, &evidence),
        of(&SATISFACTION, &|a| satisfaction(a, k)),
        of(&SATISFACTION_RESPONSE, &|a| response_rate(a, k)),
        of(&VULNERABLE_AREA, &|a| vulnerable(a, k)),
        of(&COLLABORATION_SHARE, &|a| {
            share(a.collaborative, a.offered, OFFERED)
        }),
    ]
}

/// The spread of the municipalities' reach per 1,000 children, `now` against `before`.
pub(super) fn spread_indicators(now: &[Figure], before: &[Figure], years: Years) -> Vec<Indicator> {
    SPREAD
        .iter()
        .zip(spread(now).into_iter().zip(spread(before)))
        .map(|(def, figures)| indicator(def, figures, years, None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_min_max_ratio_and_cv() {
        let [min, max, ratio, cv] = spread(&[Ok(10.0), Ok(20.0), Ok(30.0)]);
        assert_eq!(min, Ok(10.0));
        assert_eq!(max, Ok(30.0));
        assert_eq!(ratio, Ok(3.0));
        // sd = sqrt(200/3) = 8.165, mean 20
        assert_eq!(cv, Ok(0.4082));
    }

    #[test]
    fn a_hidden_municipality_hides_the_spread() {
        let [min, ..] = spread(&[Ok(10.0), Err("suppressed".into())]);
        assert!(min.is_err());
    }
}
