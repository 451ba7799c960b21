//! The synthetic sessions' details a parent needs (schedule, venue, sign-up,
//! cost, places, accessibility), filled the way municipal exports fill them:
//! for the sessions a parent can still join or is attending, often but not
//! always, and never for the history (older exports never had them).
//!
//! Places and contacts are plainly invented — `Exempelgatan`, `example.org`
//! — so nobody mistakes them for a real address; the whole data set is
//! flagged as synthetic in `/v1/api-info` and on the page.

use chrono::Duration;
use entity::session;
use rand::rngs::StdRng;
use rand::Rng;

use crate::resources::sessions::details::meetings::parse_time;
use crate::resources::sessions::details::{
    store, Accessibility, Cost, Registration, Schedule, Venue,
};
use crate::vocab::Weekday;

const WEEKDAYS: [Weekday; 4] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
];
const STARTS: [&str; 5] = ["09:30", "13:00", "17:00", "17:30", "18:00"];

/// Fills `s`'s details in place; `town` is its municipality's name. A weekly
/// rule from `start_date` fits the demo's span (`meetings` weeks) by design.
pub fn fill(rng: &mut StdRng, s: &mut session::Model, town: &str) {
    if !matches!(s.status.as_str(), "planned" | "open" | "ongoing") {
        return;
    }
    let digital = s.delivery == "digital";
    if rng.gen_bool(0.75) {
        let start = STARTS[rng.gen_range(0..STARTS.len())];
        let minutes = if rng.gen_bool(0.5) { 90 } else { 120 };
        // Read as the API reads a time; the starts above are all valid.
        let end = parse_time(start).map(|t| t + Duration::minutes(minutes));
        let schedule = Schedule {
            weekday: Some(WEEKDAYS[rng.gen_range(0..WEEKDAYS.len())]),
            dates: None,
            except_dates: None,
            start_time: Some(start.to_owned()),
            end_time: rng
                .gen_bool(0.9)
                .then(|| end.map(|t| t.format("%H:%M").to_string()))
                .flatten(),
            note: None,
        };
        s.schedule = Some(store(&schedule));
    }
    if !digital && rng.gen_bool(0.7) {
        s.venue = Some(store(&Venue {
            name: Some(format!("Familjecentralen {town}")),
            street_address: rng
                .gen_bool(0.8)
                .then(|| format!("Exempelgatan {}", rng.gen_range(1..=40))),
            postal_code: None,
            town: Some(town.to_owned()),
            latitude: None,
            longitude: None,
        }));
    }
    if rng.gen_bool(0.8) {
        let slug = s.programme.clone();
        s.registration = Some(store(&Registration {
            url: rng
                .gen_bool(0.7)
                .then(|| format!("https://example.org/{}/anmalan/{slug}", s.municipality_code)),
            email: None,
            phone: rng.gen_bool(0.5).then(|| "000-00 00 00".to_owned()),
            instructions: Some("Anmäl dig via länken eller ring familjecentralen.".to_owned()),
            deadline: (s.status != "ongoing" && rng.gen_bool(0.5))
                .then(|| s.start_date - Duration::days(7)),
        }));
    }
    if rng.gen_bool(0.85) {
        s.cost = Some(store(&Cost {
            free: true,
            amount_sek: None,
            note: None,
        }));
    }
    if s.status != "ongoing" && rng.gen_bool(0.3) {
        let taken = rng.gen_range(0..=2);
        s.places_left = s.capacity.map(|c| (c - s.enrolled - taken).max(0));
    }
    let other_language = s.languages.trim_matches(',') != "sv";
    if other_language || (!digital && rng.gen_bool(0.3)) {
        s.accessibility = Some(store(&Accessibility {
            interpreter_on_request: other_language.then_some(true),
            step_free_access: (!digital).then(|| rng.gen_bool(0.8)),
            note: None,
        }));
    }
}
