//! A schedule's meetings as dates and times of day: what the calendar turns
//! into events and the page lists, and what validation checks against the
//! session's dates.

use chrono::{Datelike, Days, NaiveDate, NaiveTime};

use super::Schedule;

/// The most meetings a weekly rule may expand to: two years of weeks. A
/// programme of more is not a course but a standing offer, which `dates` or
/// a `note` describes better than a rule a calendar would repeat for years.
pub const MAX_WEEKLY_MEETINGS: i32 = 104;

/// `HH:MM` on a 24-hour clock, exactly as the document's pattern says.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    let digits = [0, 1, 3, 4]
        .iter()
        .all(|&i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() != 5 || b[2] != b':' || !digits {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

/// The first `day` on or after `from`.
fn first_on_or_after(from: NaiveDate, day: chrono::Weekday) -> NaiveDate {
    let ahead = (7 + day.num_days_from_monday() - from.weekday().num_days_from_monday()) % 7;
    from + Days::new(u64::from(ahead))
}

impl Schedule {
    /// The meeting dates, in order. A weekly rule needs the session's number
    /// of meetings; without it (a kept schedule whose session lost its count)
    /// there are no dates to give, and readers fall back to the session's span.
    pub fn meeting_dates(&self, start: NaiveDate, meetings: Option<i32>) -> Vec<NaiveDate> {
        if let Some(dates) = &self.dates {
            return dates.clone();
        }
        let (Some(day), Some(n)) = (self.weekday, meetings) else {
            return vec![];
        };
        let wanted = n.clamp(0, MAX_WEEKLY_MEETINGS) as usize;
        let except = self.except_dates.as_deref().unwrap_or_default();
        let mut date = first_on_or_after(start, day.to_chrono());
        let mut out = Vec::with_capacity(wanted);
        // Ends: every week either adds a meeting or is one of finitely many exceptions.
        while out.len() < wanted {
            if !except.contains(&date) {
                out.push(date);
            }
            date = date + Days::new(7);
        }
        out
    }

    /// The times of day, when the schedule gives a start.
    pub fn times(&self) -> Option<(NaiveTime, Option<NaiveTime>)> {
        let start = parse_time(self.start_time.as_deref()?)?;
        Some((start, self.end_time.as_deref().and_then(parse_time)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Weekday;

    fn weekly(day: Weekday, except: &[&str]) -> Schedule {
        Schedule {
            weekday: Some(day),
            dates: None,
            except_dates: Some(except.iter().map(|d| d.parse().unwrap()).collect()),
            start_time: Some("17:30".into()),
            end_time: Some("19:00".into()),
            note: None,
        }
    }

    #[test]
    fn a_weekly_rule_starts_on_the_first_such_day_and_skips_its_exceptions() {
        // 2026-03-02 is a Monday; the first Tuesday is the 3rd.
        let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let dates = weekly(Weekday::Tuesday, &["2026-03-10"]).meeting_dates(start, Some(3));
        let want: Vec<NaiveDate> = ["2026-03-03", "2026-03-17", "2026-03-24"]
            .iter()
            .map(|d| d.parse().unwrap())
            .collect();
        assert_eq!(dates, want);
        // Starting on the weekday itself counts that day.
        let dates = weekly(Weekday::Monday, &[]).meeting_dates(start, Some(1));
        assert_eq!(dates, vec![start]);
    }

    #[test]
    fn a_weekly_rule_without_a_count_has_no_dates_and_a_huge_count_is_capped() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert!(weekly(Weekday::Friday, &[])
            .meeting_dates(start, None)
            .is_empty());
        assert_eq!(
            weekly(Weekday::Friday, &[])
                .meeting_dates(start, Some(i32::MAX))
                .len(),
            MAX_WEEKLY_MEETINGS as usize
        );
    }

    #[test]
    fn times_are_hh_mm_only() {
        assert!(parse_time("17:30").is_some());
        for bad in [
            "7:30", " 7:30", "17:30:00", "24:00", "17.30", "1730", "17:60",
        ] {
            assert!(parse_time(bad).is_none(), "{bad}");
        }
    }
}
