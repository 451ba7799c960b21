//! Validation of the details a parent needs, walked from the raw JSON like
//! the rest of a session so that every problem is named with its pointer.
//!
//! A write that leaves a detail out keeps the stored one (an older client
//! knows nothing of them); `null` clears it. So each detail is read as
//! omitted, cleared or set.

use chrono::{Datelike, NaiveDate};
use entity::session;
use serde_json::{Map, Value};

use super::meetings::{parse_time, MAX_WEEKLY_MEETINGS};
use super::objects::{accessibility, cost, registration, venue};
use super::{store, Schedule};
use crate::resources::fields::FieldReader;
use crate::vocab::limits::{MAX_EXCEPT_DATES, MAX_MEETING_DATES, MAX_NOTE};
use crate::vocab::{Delivery, Weekday};

/// The session fields the details are checked against (each `None` when
/// absent or itself invalid: then the rule that needs it is not checked).
#[derive(Debug, Clone, Copy, Default)]
pub struct Around {
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub meetings: Option<i32>,
    pub delivery: Option<Delivery>,
    pub capacity: Option<i32>,
}

/// Which details a write left out: those are kept from the stored session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    schedule: bool,
    venue: bool,
    registration: bool,
    cost: bool,
    places_left: bool,
    accessibility: bool,
}

impl Omitted {
    /// `new` with every left-out detail taken from `old`.
    pub fn keep(&self, new: &mut session::Model, old: &session::Model) {
        let keep = |omitted: bool, new: &mut Option<String>, old: &Option<String>| {
            if omitted {
                new.clone_from(old);
            }
        };
        keep(self.schedule, &mut new.schedule, &old.schedule);
        keep(self.venue, &mut new.venue, &old.venue);
        keep(self.registration, &mut new.registration, &old.registration);
        keep(self.cost, &mut new.cost, &old.cost);
        keep(
            self.accessibility,
            &mut new.accessibility,
            &old.accessibility,
        );
        if self.places_left {
            new.places_left = old.places_left;
        }
    }
}

/// The details as stored columns, and which were left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    pub schedule: Option<String>,
    pub venue: Option<String>,
    pub registration: Option<String>,
    pub cost: Option<String>,
    pub places_left: Option<i32>,
    pub accessibility: Option<String>,
    pub omitted: Omitted,
}

/// Reads the details of the session object `it` walks.
pub fn details(it: &mut FieldReader, around: &Around) -> Details {
    let mut omitted = Omitted::default();
    let schedule = nested(it, "schedule", &mut omitted.schedule, |f| {
        schedule(f, around)
    });
    let venue = nested(it, "venue", &mut omitted.venue, venue);
    if it.present("venue").is_some() && around.delivery == Some(Delivery::Digital) {
        it.err(
            "venue",
            "a digital session has no venue (leave it out or null)",
        );
    }
    let registration = nested(it, "registration", &mut omitted.registration, |f| {
        registration(f, around.end_date)
    });
    let cost = nested(it, "cost", &mut omitted.cost, cost);
    let accessibility = nested(
        it,
        "accessibility",
        &mut omitted.accessibility,
        accessibility,
    );
    omitted.places_left = !it.obj.contains_key("places_left");
    let places_left = it.count("places_left");
    if let (Some(p), Some(c)) = (places_left, around.capacity) {
        if p > c {
            it.err("places_left", format!("{p} is more than capacity ({c})"));
        }
    }
    Details {
        schedule,
        venue,
        registration,
        cost,
        places_left,
        accessibility,
        omitted,
    }
}

/// One nested object: left out (`omitted`), `null`, or validated by `read`
/// at its own pointer and returned in its stored form.
fn nested<T: serde::Serialize>(
    it: &mut FieldReader,
    field: &str,
    omitted: &mut bool,
    read: impl FnOnce(&mut FieldReader) -> Option<T>,
) -> Option<String> {
    let obj: &Map<String, Value> = match it.obj.get(field) {
        None => {
            *omitted = true;
            return None;
        }
        Some(Value::Null) => return None,
        Some(Value::Object(obj)) => obj,
        Some(_) => {
            it.err(field, "must be a JSON object or null");
            return None;
        }
    };
    let mut inner = FieldReader {
        obj,
        at: format!("{}/{field}", it.at),
        errors: &mut *it.errors,
    };
    let before = inner.errors.len();
    let value = read(&mut inner);
    (inner.errors.len() == before)
        .then(|| value.map(|v| store(&v)))
        .flatten()
}

const SCHEDULE: &[&str] = &[
    "weekday",
    "dates",
    "except_dates",
    "start_time",
    "end_time",
    "note",
];

fn schedule(f: &mut FieldReader, around: &Around) -> Option<Schedule> {
    let before = f.errors.len();
    f.reject_unknown(SCHEDULE, "a schedule");
    let weekday = f
        .present("weekday")
        .is_some()
        .then(|| f.choice("weekday", Weekday::parse, Weekday::expected));
    let weekday = weekday.flatten();
    let dates = f
        .present("dates")
        .is_some()
        .then(|| date_list(f, "dates", MAX_MEETING_DATES));
    let except = f
        .present("except_dates")
        .is_some()
        .then(|| date_list(f, "except_dates", MAX_EXCEPT_DATES));
    let start_time = time(f, "start_time");
    let end_time = time(f, "end_time");
    let note = f.text("note", false, MAX_NOTE);
    match (f.present("weekday").is_some(), &dates) {
        (true, Some(_)) => f.err(
            "dates",
            "give either weekday (a weekly rule) or dates, not both",
        ),
        (false, None) => f.err(
            "weekday",
            "a schedule needs weekday (a weekly rule) or dates",
        ),
        _ => {}
    }
    if let (Some(d), Some(n)) = (&dates, around.meetings) {
        if d.len() != n as usize {
            f.err(
                "dates",
                format!("{} dates, but the session has {n} meetings", d.len()),
            );
        }
    }
    for (i, d) in dates.iter().flatten().enumerate() {
        within(f, &format!("dates/{i}"), *d, around);
    }
    if except.is_some() && f.present("weekday").is_none() {
        f.err(
            "except_dates",
            "only a weekly rule (weekday) has exceptions",
        );
    }
    if let Some(day) = weekday {
        match around.meetings {
            None => f.err("weekday", "a weekly rule needs the session's meetings (how many)"),
            Some(n) if n == 0 || n > MAX_WEEKLY_MEETINGS => f.err(
                "weekday",
                format!("a weekly rule has 1–{MAX_WEEKLY_MEETINGS} meetings; the session has {n} (list dates instead)"),
            ),
            _ => {}
        }
        for (i, d) in except.iter().flatten().enumerate() {
            if d.weekday() != day.to_chrono() {
                f.err(&format!("except_dates/{i}"), format!("{d} is not a {day}"));
            }
        }
    }
    if let (Some(s), Some(e)) = (&start_time, &end_time) {
        if e <= s {
            f.err("end_time", format!("{e} is not after start_time {s}"));
        }
    }
    if end_time.is_some() && f.present("start_time").is_none() {
        f.err("end_time", "needs start_time");
    }
    let schedule = Schedule {
        weekday,
        dates,
        except_dates: except,
        start_time,
        end_time,
        note,
    };
    // The whole rule must fit the session: its last meeting not after end_date.
    if let (Some(start), Some(end)) = (around.start_date, around.end_date) {
        if weekday.is_some() && f.errors.len() == before {
            if let Some(last) = schedule.meeting_dates(start, around.meetings).last() {
                if *last > end {
                    f.err(
                        "weekday",
                        format!("the last meeting falls on {last}, after end_date {end}"),
                    );
                }
            }
        }
    }
    Some(schedule)
}

/// A date inside the session's span.
fn within(f: &mut FieldReader, at: &str, d: NaiveDate, around: &Around) {
    if around.start_date.is_some_and(|s| d < s) {
        f.err(at, format!("{d} is before the session's start_date"));
    } else if around.end_date.is_some_and(|e| d > e) {
        f.err(at, format!("{d} is after the session's end_date"));
    }
}

/// A list of distinct dates, returned in order.
fn date_list(f: &mut FieldReader, field: &str, max: usize) -> Vec<NaiveDate> {
    let listed = f.list(field, max, |s| {
        crate::vocab::parse_date(s).map(|_| s.to_owned())
    });
    if f.present(field)
        .is_some_and(|v| v.as_array().is_some_and(Vec::is_empty))
    {
        f.err(field, "must list at least one date (or leave it out)");
    }
    let mut out: Vec<NaiveDate> = listed.iter().filter_map(|s| s.parse().ok()).collect();
    out.sort_unstable();
    out
}

fn time(f: &mut FieldReader, field: &str) -> Option<String> {
    let s = f.text(field, false, 5)?;
    if parse_time(&s).is_none() {
        f.err(
            field,
            format!("'{s}' is not a time of day (HH:MM, 00:00–23:59)"),
        );
        return None;
    }
    Some(s)
}
