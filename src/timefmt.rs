//! Times for the operator: the few fixed shapes tapdesk writes a Graph timestamp (UTC) in, in the
//! operator's time zone and in UTC. Pure functions, shared by `app` (status lines, audit text) and
//! `ui` (panes, popups); neither owns them.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// `YYYY-MM-DD` in the operator's time zone.
pub fn date(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d").to_string()
}

/// `HH:MM` in the operator's zone, and the zone's abbreviation.
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
