//! RFC 5545 iCalendar text, written by hand: the format is small, and a
//! calendar app rejects a whole feed for one badly folded or escaped line, so
//! the two rules that matter (escaping TEXT, folding at 75 octets) are spelled
//! out here and unit-tested.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// The time zone of every timed event: sessions give local times of day.
pub const TZID: &str = "Europe/Stockholm";

/// When an event starts or ends: a whole day, or a local time in [`TZID`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// For an end, exclusive, as RFC 5545 wants for `DTEND;VALUE=DATE`.
    Day(NaiveDate),
    Local(NaiveDateTime),
}

impl When {
    fn property(&self, name: &str) -> String {
        match self {
            When::Day(d) => format!("{name};VALUE=DATE:{}", d.format("%Y%m%d")),
            When::Local(t) => format!("{name};TZID={TZID}:{}", t.format("%Y%m%dT%H%M%S")),
        }
    }
}

/// One event: a meeting, or a whole session when its meetings are not known.
#[derive(Debug, Clone)]
pub struct Event {
    pub uid: String,
    /// When the information last changed (the session's `updated_at`).
    pub stamp: DateTime<Utc>,
    pub start: When,
    /// None for a meeting whose end time is not known (an instant, RFC 5545 §3.6.1).
    pub end: Option<When>,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub url: String,
    pub status: EventStatus,
}

/// RFC 5545 `STATUS` of an event, as truthful as the session's: a planned
/// course may still move or not happen, so it is tentative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Tentative,
    Confirmed,
    Cancelled,
}

/// A whole `VCALENDAR` with CRLF line endings.
pub fn calendar(name: &str, events: &[Event]) -> String {
    let mut out = String::with_capacity(256 + events.len() * 400);
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Regional samling för föräldraskapsstöd//Öppna data//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push(&mut out, line);
    }
    push(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    if events.iter().any(|e| matches!(e.start, When::Local(_))) {
        for line in STOCKHOLM {
            push(&mut out, line);
        }
    }
    for e in events {
        push_event(&mut out, e);
    }
    push(&mut out, "END:VCALENDAR");
    out
}

fn push_event(out: &mut String, e: &Event) {
    push(out, "BEGIN:VEVENT");
    push(out, &format!("UID:{}", escape_text(&e.uid)));
    push(
        out,
        &format!("DTSTAMP:{}", e.stamp.format("%Y%m%dT%H%M%SZ")),
    );
    push(out, &e.start.property("DTSTART"));
    if let Some(end) = &e.end {
        push(out, &end.property("DTEND"));
    }
    push(out, &format!("SUMMARY:{}", escape_text(&e.summary)));
    if let Some(l) = &e.location {
        push(out, &format!("LOCATION:{}", escape_text(l)));
    }
    if let Some(d) = &e.description {
        push(out, &format!("DESCRIPTION:{}", escape_text(d)));
    }
    // URL is a URI value, not TEXT: it is not escaped.
    push(out, &format!("URL:{}", e.url));
    push(
        out,
        match e.status {
            EventStatus::Tentative => "STATUS:TENTATIVE",
            EventStatus::Confirmed => "STATUS:CONFIRMED",
            EventStatus::Cancelled => "STATUS:CANCELLED",
        },
    );
    push(out, "TRANSP:TRANSPARENT");
    push(out, "END:VEVENT");
}

/// RFC 5545 wants a `VTIMEZONE` for every `TZID` used. Sweden's rule since
/// 1996 (EU summer time: last Sunday of March 02:00 to last Sunday of October
/// 03:00); calendar apps that know the zone by name use their own data.
const STOCKHOLM: [&str; 17] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Stockholm",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

fn push(out: &mut String, line: &str) {
    out.push_str(&fold(line));
    out.push_str("\r\n");
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and
/// newlines; other control characters are not allowed in TEXT and are dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line so that no physical line exceeds 75 octets (§3.1),
/// breaking only between characters: a split UTF-8 sequence would corrupt
/// the name of every session in Swedish (å, ä, ö are two octets each).
pub fn fold(line: &str) -> String {
    const MAX: usize = 75;
    if line.len() <= MAX {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > MAX {
            out.push_str("\r\n ");
            // The leading space of a continuation line counts.
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_newlines() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf"),
            "a\\\\b\\;c\\,d\\ne\\nf".to_string()
        );
    }

    #[test]
    fn short_lines_are_not_folded() {
        let line = "SUMMARY:".to_string() + &"x".repeat(67);
        assert_eq!(line.len(), 75);
        assert_eq!(fold(&line), line);
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_unfold_to_the_original() {
        let line = "DESCRIPTION:".to_string() + &"åäö abc ".repeat(40);
        let folded = fold(&line);
        for physical in folded.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        assert!(folded.split("\r\n").skip(1).all(|l| l.starts_with(' ')));
        assert_eq!(folded.replace("\r\n ", ""), line);
    }

    #[test]
    fn folding_never_splits_a_multibyte_character() {
        // 74 ASCII octets, then a two-octet å that does not fit on the line.
        let line = "X".repeat(74) + "åå";
        let folded = fold(&line);
        let first = folded.split("\r\n").next().unwrap();
        assert_eq!(first.len(), 74);
        assert_eq!(folded.replace("\r\n ", ""), line);
    }

    #[test]
    fn a_calendar_has_crlf_lines_and_one_event_per_session() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let event = Event {
            uid: "u1@x".into(),
            stamp: "2026-11-01T08:00:00Z".parse().unwrap(),
            start: When::Day(day),
            end: Some(When::Day(day.succ_opt().unwrap())),
            summary: "ABC, föräldrar".into(),
            location: Some("Västerås; Bäckby".into()),
            description: None,
            url: "http://h/v1/sessions/1".into(),
            status: EventStatus::Cancelled,
        };
        let text = calendar("Kurser", &[event]);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(text.contains("SUMMARY:ABC\\, föräldrar\r\n"));
        assert!(text.contains("LOCATION:Västerås\\; Bäckby\r\n"));
        assert!(text.contains("DTSTART;VALUE=DATE:20261201\r\n"));
        assert!(text.contains("DTEND;VALUE=DATE:20261202\r\n"));
        assert!(text.contains("DTSTAMP:20261101T080000Z\r\n"));
        assert!(text.contains("STATUS:CANCELLED\r\n"));
    }
}
