//! "Now" and dates people type: RFC 3339, `2026-11-20 09:00`, `2026-11-20`, and natural
//! language (`yesterday 17:00`, `last friday`) through `interim`.
//!
//! A weekday named alone (`friday`, `Fri`, `friday 17:00`) is the most recent such day:
//! today when today is one, else the one before, as a journal speaks of the past.
//! `interim` reads it as the coming one, which filed `--date friday` in the future and
//! made `--since monday` empty. `next friday`, `last friday` and `this friday` keep
//! interim's meaning.
//!
//! A typed date means one instant or is an error: a clock time past 23:59 (`25:00`,
//! which `interim` would roll into the next day) and a local time the clocks skip when
//! summer time starts are refused with a hint. A local time that happens twice, when
//! summer time ends, means the first of the two.

use std::sync::LazyLock;

use anyhow::Result;
use chrono::{
    DateTime, Duration, FixedOffset, Local, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Timelike as _,
};
use regex::Regex;

use crate::error::hinted;

/// The current time: `$WOL_NOW` (RFC 3339) when set, so tests and reproducible runs have a
/// fixed clock; else the local clock with the local offset.
pub fn now() -> Result<DateTime<FixedOffset>> {
    match std::env::var("WOL_NOW") {
        Ok(text) if !text.is_empty() => DateTime::parse_from_rfc3339(text.trim()).map_err(|e| {
            hinted(
                format!("WOL_NOW={text:?} is not an RFC 3339 time: {e}"),
                "use e.g. WOL_NOW=2026-11-22T14:32:05+01:00, or unset it",
            )
        }),
        // Whole seconds: entry dates are written to the second.
        _ => Ok(Local::now()
            .fixed_offset()
            .with_nanosecond(0)
            .unwrap_or_else(|| Local::now().fixed_offset())),
    }
}

/// Parse a date/time a person typed, relative to `now`. A time without an offset takes
/// the local time zone's offset *on that date* (summer time in July), unless `$WOL_NOW`
/// fixes the clock, in which case it takes `now`'s offset. Errors on a clock time out of
/// range and on a local time the clocks skip; see the module doc.
pub fn parse(text: &str, now: &DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>> {
    parse_with(text, now, clock_is_fixed())
}

fn parse_with(
    text: &str,
    now: &DateTime<FixedOffset>,
    fixed: bool,
) -> Result<DateTime<FixedOffset>> {
    let typed = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(typed) {
        return Ok(dt);
    }
    // With a numeric offset after the time: Jekyll's and Hugo's front matter
    // (`2020-05-01 10:00:00 +0200`), and git's dates.
    for fmt in [
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%d %H:%M %z",
        "%Y-%m-%dT%H:%M:%S%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(typed, fmt) {
            return Ok(dt);
        }
    }
    let (text, times) = clock_times(typed)?;
    let text = text.as_str();
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
            return local(naive, now, fixed);
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return local(day.and_time(NaiveTime::MIN), now, fixed);
    }
    let not_understood = |e: &dyn std::fmt::Display| {
        hinted(
            format!("cannot understand the date {typed:?}: {e}"),
            "try e.g. \"yesterday 17:00\", \"last friday\", \"2026-11-20 09:00\" or RFC 3339",
        )
    };
    let mut parsed = interim::parse_date_string(text, *now, interim::Dialect::Uk)
        .map_err(|e| not_understood(&e))?;
    if is_bare_weekday(text) {
        parsed = on_or_before(parsed, now.date_naive());
    }
    // On the day itself, interim reads "last sunday" as today and "this sunday" as next
    // week's: a person means a week ago, and today ("next sunday" is then a week on, as
    // "next friday" is a week after "this friday").
    let ahead = parsed.date_naive() - now.date_naive();
    match weekday_with(text) {
        Some("last") if ahead.num_days() >= 0 => parsed -= Duration::weeks(1),
        Some("this") if ahead == Duration::weeks(1) => parsed -= Duration::weeks(1),
        Some("next") if ahead == Duration::weeks(2) => parsed -= Duration::weeks(1),
        _ => {}
    }
    // What interim read must be the time of day the text names, never a neighbour of it.
    if let [(hour, minute, second)] = times[..]
        && (parsed.hour(), parsed.minute(), parsed.second()) != (hour, minute, second)
    {
        return Err(not_understood(&format!(
            "it reads as {}",
            parsed.format("%Y-%m-%d %H:%M:%S")
        )));
    }
    // A day named without a time of day ("last friday") means 09:00, as in jrnl; "now"
    // and "3 hours ago" keep theirs.
    let naive = if parsed.time() == NaiveTime::MIN && !names_a_time(text) {
        parsed
            .date_naive()
            .and_hms_opt(9, 0, 0)
            .expect("valid time")
    } else {
        parsed.naive_local()
    };
    if naive == now.naive_local() {
        return Ok(*now);
    }
    local(naive, now, fixed)
}

/// Whether `text` names a weekday and nothing else but clock times: `friday`, `Fri`,
/// `friday 17:00` (interim takes a weekday's name from its first three letters on). Not
/// `last friday`, `next fri`, `this friday`.
fn is_bare_weekday(text: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let mut words = words_but_times(text);
    let day = |w: &str| {
        let w = w.to_ascii_lowercase();
        w.len() >= 3 && DAYS.iter().any(|d| d.starts_with(&w))
    };
    words.next().is_some_and(day) && words.next().is_none()
}

/// The words of `text` (split at spaces and commas) other than clock times (`17:00`).
fn words_but_times(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty() && !w.contains(':'))
}

/// The word before the weekday of `last friday`, `this fri 17:00` (lowercase).
fn weekday_with(text: &str) -> Option<&'static str> {
    let mut words = words_but_times(text);
    let first = words.next()?.to_ascii_lowercase();
    let which = ["last", "this", "next"].into_iter().find(|w| *w == first)?;
    let rest: Vec<&str> = words.collect();
    (rest.len() == 1 && is_bare_weekday(rest[0])).then_some(which)
}

/// `parsed`, a day that interim placed after `today`, moved back whole weeks to the last
/// such weekday on or before `today`; its time of day stays.
fn on_or_before(parsed: DateTime<FixedOffset>, today: NaiveDate) -> DateTime<FixedOffset> {
    let ahead = (parsed.date_naive() - today).num_days();
    if ahead <= 0 {
        return parsed;
    }
    let weeks = (ahead + 6) / 7;
    parsed - Duration::weeks(weeks)
}

/// A time of day as typed: hour (0–23), minute, second.
type Clock = (u32, u32, u32);

/// `text` with its clock times checked and written in 24-hour form (`5:30pm` → `17:30`,
/// `12am` → `00:00`), and the times found as (hour, minute, second).
///
/// `interim` does not refuse "25:00" or "13pm" but rolls them over into the next day,
/// reads "yesterday 12pm" as midnight, and chrono takes `:60` seconds for a leap second:
/// each would silently log a time nobody meant. So a time past its range is an error
/// here, and `interim` only ever sees 24-hour times.
fn clock_times(text: &str) -> Result<(String, Vec<Clock>)> {
    // Not preceded by a digit or colon, so the year and month of `2026-01-01T25:00`
    // are not read as hours, nor the minutes of `9:00:00` as the hour of `00:00`.
    static CLOCK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|[^0-9:])(?:(\d+):(\d+)(?::(\d+))?|(\d+))(?:\s*([ap])m\b)?")
            .expect("valid regex")
    });
    let mut out = String::with_capacity(text.len());
    let mut times = Vec::new();
    let mut copied = 0;
    for caps in CLOCK.captures_iter(text) {
        let meridiem = caps.get(5).map(|m| m.as_str().to_ascii_lowercase());
        // A lone number is a time only with am/pm ("5pm"); else it is a count or a day.
        if caps.get(4).is_some() && meridiem.is_none() {
            continue;
        }
        let number = |i: usize| {
            caps.get(i)
                .map_or(Some(0), |m| m.as_str().parse::<u32>().ok())
                .unwrap_or(u32::MAX)
        };
        let hour = if caps.get(4).is_some() {
            number(4)
        } else {
            number(1)
        };
        let (minute, second) = (number(2), number(3));
        let max_hour = if meridiem.is_some() { 12 } else { 23 };
        let start = caps.get(1).or(caps.get(4)).expect("an hour").start();
        let end = caps.get(0).expect("the match").end();
        if hour > max_hour || minute > 59 || second > 59 {
            return Err(hinted(
                format!(
                    "{:?} in the date {text:?} is not a time of day",
                    &text[start..end]
                ),
                "hours go from 0 to 23 (1 to 12 with am/pm), minutes and seconds from 0 to 59; \
                 for a time after midnight name the next day, e.g. \"2026-11-21 01:00\"",
            ));
        }
        let hour = match meridiem.as_deref() {
            Some("a") => hour % 12,
            Some(_) => hour % 12 + 12,
            None => hour,
        };
        times.push((hour, minute, second));
        if meridiem.is_some() {
            out.push_str(&text[copied..start]);
            out.push_str(&format!("{hour:02}:{minute:02}"));
            if caps.get(3).is_some() {
                out.push_str(&format!(":{second:02}"));
            }
            copied = end;
        }
    }
    out.push_str(&text[copied..]);
    Ok((out, times))
}

/// Parse a day a person typed (`2026-11-20`, `yesterday`, `last monday`).
pub fn parse_day(text: &str, now: &DateTime<FixedOffset>) -> Result<NaiveDate> {
    Ok(parse(text, now)?.date_naive())
}

/// `naive` in the local time zone (or in `now`'s offset when the clock is fixed).
fn local(
    naive: NaiveDateTime,
    now: &DateTime<FixedOffset>,
    fixed: bool,
) -> Result<DateTime<FixedOffset>> {
    if fixed {
        return in_zone(now.offset(), naive);
    }
    in_zone(&Local, naive)
}

/// `naive` as a time in `zone`. A time the clocks pass twice (summer time ends) is the
/// earlier of the two instants, the first time the clock shows it, as in most tools; a
/// time they skip (summer time starts) is an error that suggests the same clock time an
/// hour later, rather than any time silently shifted.
fn in_zone<Tz: TimeZone>(zone: &Tz, naive: NaiveDateTime) -> Result<DateTime<FixedOffset>> {
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Ok(dt.fixed_offset()),
        // Compared, not taken first: chrono's `Local` hands the two over in the wrong
        // order (chronotope/chrono#1625), so `earliest()` would be the later one.
        LocalResult::Ambiguous(a, b) => Ok(a.fixed_offset().min(b.fixed_offset())),
        LocalResult::None => {
            let later = naive + Duration::hours(1);
            Err(hinted(
                format!(
                    "{} does not exist in the local time zone: the clocks skip it when summer time starts",
                    naive.format("%Y-%m-%d %H:%M")
                ),
                format!(
                    "give a time after the change, e.g. \"{}\", or a time with a UTC offset (RFC 3339)",
                    later.format("%Y-%m-%d %H:%M"),
                ),
            ))
        }
    }
}

fn clock_is_fixed() -> bool {
    std::env::var_os("WOL_NOW").is_some_and(|v| !v.is_empty())
}

fn names_a_time(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains(':') || t.contains("midnight") || t.contains("am") || t.contains("pm")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_with_an_offset_after_the_time_keep_it() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T18:00:00+01:00").unwrap();
        for (text, want) in [
            ("2020-05-01 10:00:00 +0200", "2020-05-01T10:00:00+02:00"),
            ("2020-05-01 10:00 -0500", "2020-05-01T10:00:00-05:00"),
            ("2020-05-01T10:00:00+0200", "2020-05-01T10:00:00+02:00"),
        ] {
            assert_eq!(
                super::parse(text, &now).unwrap().to_rfc3339(),
                want,
                "{text}"
            );
        }
    }

    use super::*;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T14:32:05+01:00").unwrap()
    }

    #[test]
    fn natural_dates_are_relative_to_now() {
        let p = |s| parse_with(s, &now(), true).unwrap().to_rfc3339();
        assert_eq!(p("yesterday 17:00"), "2026-11-21T17:00:00+01:00");
        assert_eq!(p("last friday"), "2026-11-20T09:00:00+01:00");
        assert_eq!(p("yesterday 00:00"), "2026-11-21T00:00:00+01:00");
        assert_eq!(p("2026-11-20 09:00"), "2026-11-20T09:00:00+01:00");
        assert_eq!(p("2026-11-20T09:00:00+02:00"), "2026-11-20T09:00:00+02:00");
        assert_eq!(p("2026-11-20"), "2026-11-20T00:00:00+01:00");
        assert!(parse_with("someday maybe", &now(), true).is_err());
    }

    #[test]
    fn a_weekday_alone_is_the_last_one_on_or_before_today() {
        // now() is Sunday 22 November 2026, 14:32.
        let p = |s| parse_with(s, &now(), true).unwrap().to_rfc3339();
        for text in ["friday", "Friday", "FRIDAY", "fri", "Fri", "frid"] {
            assert_eq!(p(text), "2026-11-20T09:00:00+01:00", "{text}");
        }
        assert_eq!(p("monday"), "2026-11-16T09:00:00+01:00");
        assert_eq!(p("sat"), "2026-11-21T09:00:00+01:00");
        assert_eq!(p("friday 17:00"), "2026-11-20T17:00:00+01:00");
        assert_eq!(p("friday 5pm"), "2026-11-20T17:00:00+01:00");
        // Today's weekday is today, at any time of day (interim put 10:00 in next week).
        assert_eq!(p("sunday"), "2026-11-22T09:00:00+01:00");
        assert_eq!(p("sunday 10:00"), "2026-11-22T10:00:00+01:00");
        assert_eq!(p("Sun 16:00"), "2026-11-22T16:00:00+01:00");
        // The explicit forms keep interim's meaning (UK: next = of next week).
        assert_eq!(p("last friday"), "2026-11-20T09:00:00+01:00");
        assert_eq!(p("next friday"), "2026-12-04T09:00:00+01:00");
        assert_eq!(p("this friday"), "2026-11-27T09:00:00+01:00");
        // On the weekday itself: "last" is a week ago, "this" is today.
        assert_eq!(p("last sunday"), "2026-11-15T09:00:00+01:00");
        assert_eq!(p("Last Sun 17:00"), "2026-11-15T17:00:00+01:00");
        assert_eq!(p("this sunday"), "2026-11-22T09:00:00+01:00");
        assert_eq!(p("next sunday"), "2026-11-29T09:00:00+01:00");
        assert_eq!(p("last saturday"), "2026-11-21T09:00:00+01:00");
        assert_eq!(p("this saturday"), "2026-11-28T09:00:00+01:00");
        // Days, as --since and --until take them.
        let d = |s| parse_day(s, &now()).unwrap().to_string();
        assert_eq!(d("friday"), "2026-11-20");
        assert_eq!(d("mon"), "2026-11-16");
    }

    #[test]
    fn clock_times_past_their_range_are_errors_not_the_next_day() {
        for text in [
            "2026-01-01 25:00",
            "2026-01-01 24:00",
            "2026-01-01T25:00",
            "2026-01-01 25:00:00",
            "2026-01-01 10:00:60",
            "2026-01-01 99:00",
            "yesterday 25:00",
            "monday 24:00",
            "25:00",
            "13pm",
            "yesterday 13:30pm",
        ] {
            let err = parse_with(text, &now(), true)
                .map(|d| d.to_rfc3339())
                .expect_err(text);
            assert!(
                err.to_string().contains("not a time of day"),
                "{text}: {err}"
            );
        }
        let p = |s| parse_with(s, &now(), true).unwrap().to_rfc3339();
        assert_eq!(p("2026-01-01 23:59:59"), "2026-01-01T23:59:59+01:00");
        assert_eq!(p("2026-01-01 0:00"), "2026-01-01T00:00:00+01:00");
        assert_eq!(p("yesterday 5:30pm"), "2026-11-21T17:30:00+01:00");
        // interim alone reads these two as midnight and noon.
        assert_eq!(p("yesterday 12pm"), "2026-11-21T12:00:00+01:00");
        assert_eq!(p("yesterday 12am"), "2026-11-21T00:00:00+01:00");
        assert_eq!(p("friday 12:15pm"), "2026-11-20T12:15:00+01:00");
        assert_eq!(p("2 days ago 5 PM"), "2026-11-20T17:00:00+01:00");
        // An offset is not a clock time, and RFC 3339 is taken as it is.
        assert_eq!(p("2026-11-20T23:00:00-23:00"), "2026-11-20T23:00:00-23:00");
    }
}
