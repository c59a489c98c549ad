//! Times for the operator: the few fixed shapes tapdesk writes a Graph timestamp (UTC) in, in the
//! operator's time zone and in UTC. Pure functions, shared by `app` (status lines, audit text) and
//! `ui` (panes, popups); neither owns them.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// `YYYY-MM-DD` in the operator's time zone.
pub fn date(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DD HH:MM ZONE` in the operator's zone.
pub fn local_time(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// `HH:MM ZONE` in the operator's zone, and ` · HH:MM UTC` after it when the zone is not UTC.
pub fn clock_both(ts: Timestamp, tz: &TimeZone) -> String {
    let local = ts.to_zoned_datetime(tz.clone()).strftime("%H:%M %Z").to_string();
    let utc = ts.to_zoned_datetime(TimeZone::UTC).strftime("%H:%M UTC").to_string();
    if local == utc { utc } else { format!("{local} · {utc}") }
}

/// `YYYY-MM-DD HH:MM UTC`.
pub fn utc_time(ts: Timestamp) -> String {
    ts.to_zoned_datetime(TimeZone::UTC).strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A time in words for lists and warnings, in the operator's zone with the zone's abbreviation:
/// `09:00 CET` when it falls on the operator's today, else with the date, `Mon 7 Dec 09:00 CET`
/// (so "from 09:00" never hides next Monday).
pub fn when(ts: Timestamp, now: Timestamp, tz: &TimeZone) -> String {
    let z = ts.to_zoned_datetime(tz.clone());
    if z.date() == now.to_zoned_datetime(tz.clone()).date() {
        z.strftime("%H:%M %Z").to_string()
    } else {
        z.strftime("%a %-d %b %H:%M %Z").to_string()
    }
}

/// How long ago `ts` was, roughly: `5 min`, `2 h`, `3 days` (`0 min` for the future).
pub fn ago(ts: Timestamp, now: Timestamp) -> String {
    let mins = now.as_second().saturating_sub(ts.as_second()).max(0) / 60;
    match mins {
        0..60 => format!("{mins} min"),
        60..2880 => format!("{} h", mins / 60),
        _ => format!("{} days", mins / 1440),
    }
}

/// A wait in words, for countdowns: `45 s`, `2 min 5 s`, `1 h 0 min` (whole seconds; negative
/// counts as 0).
pub fn span_words(secs: i64) -> String {
    tapdesk_graph::error::wait_words(u64::try_from(secs).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_names_the_day_unless_it_is_today() {
        let tz = TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC);
        let now: Timestamp = "2026-12-03T10:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let today: Timestamp = "2026-12-03T15:30:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        let monday: Timestamp = "2026-12-07T08:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(when(today, now, &tz), "16:30 CET");
        assert_eq!(when(monday, now, &tz), "Mon 7 Dec 09:00 CET");
        assert_eq!(ago("2026-12-03T08:00:00Z".parse().unwrap_or(now), now), "2 h");
        assert_eq!(ago("2026-12-03T09:55:00Z".parse().unwrap_or(now), now), "5 min");
    }

    #[test]
    fn spans_in_words() {
        assert_eq!(span_words(-3), "0 s");
        assert_eq!(span_words(7), "7 s");
        assert_eq!(span_words(125), "2 min 5 s");
        assert_eq!(span_words(3600), "1 h 0 min");
        assert_eq!(span_words(5400), "1 h 30 min");
    }
}
