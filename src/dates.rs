//! "Now" and dates people type: RFC 3339, `2026-11-20 09:00`, `2026-11-20`, and natural
//! language (`yesterday 17:00`, `last friday`) through `interim`.

use anyhow::Result;
use chrono::{
    DateTime, FixedOffset, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike as _,
};

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
/// fixes the clock, in which case it takes `now`'s offset.
pub fn parse(text: &str, now: &DateTime<FixedOffset>) -> Result<DateTime<FixedOffset>> {
    parse_with(text, now, clock_is_fixed())
}

fn parse_with(
    text: &str,
    now: &DateTime<FixedOffset>,
    fixed: bool,
) -> Result<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Ok(dt);
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
            return Ok(local(naive, now, fixed));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(local(day.and_time(NaiveTime::MIN), now, fixed));
    }
    let parsed = interim::parse_date_string(text, *now, interim::Dialect::Uk).map_err(|e| {
        hinted(
            format!("cannot understand the date {text:?}: {e}"),
            "try e.g. \"yesterday 17:00\", \"last friday\", \"2026-11-20 09:00\" or RFC 3339",
        )
    })?;
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
    Ok(local(naive, now, fixed))
}

/// Parse a day a person typed (`2026-11-20`, `yesterday`, `last monday`).
pub fn parse_day(text: &str, now: &DateTime<FixedOffset>) -> Result<NaiveDate> {
    Ok(parse(text, now)?.date_naive())
}

/// `naive` in the local time zone (or in `now`'s offset when the clock is fixed).
fn local(naive: NaiveDateTime, now: &DateTime<FixedOffset>, fixed: bool) -> DateTime<FixedOffset> {
    let offset_of_now = || {
        now.offset()
            .from_local_datetime(&naive)
            .single()
            .expect("fixed offsets are unambiguous")
    };
    if fixed {
        return offset_of_now();
    }
    // In a summer-time gap or overlap, take the earlier reading, as most tools do.
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(offset_of_now, |dt| dt.fixed_offset())
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
}
