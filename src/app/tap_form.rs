//! The Temporary Access Pass form: start (now or a local date and time), lifetime in human units
//! bounded by the tenant's policy, one-time, and the ticket and caller verification. Validation
//! happens here, in the form; nothing is sent while a field is wrong.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::TapDefaults;
use tapdesk_graph::types::{TapCreateRequest, TapPolicy};

/// Graph's absolute lifetime bounds in minutes (10 minutes to 30 days), used when the policy could
/// not be read.
pub const ABSOLUTE_LIFETIME: (u32, u32) = (10, 43_200);

/// Which field of the form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    /// Start: empty = now, or a local date and time.
    #[default]
    Start,
    /// Lifetime text.
    Lifetime,
    /// One-time checkbox.
    OneTime,
    /// Ticket reference (shared with delete confirmations).
    Ticket,
    /// How the caller was verified.
    Verified,
}

impl Field {
    const ORDER: [Field; 5] = [Field::Start, Field::Lifetime, Field::OneTime, Field::Ticket, Field::Verified];

    /// The next field down (stays on the last).
    pub fn next(self) -> Self {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[(i + 1).min(Self::ORDER.len() - 1)]
    }
    /// The next field up (stays on the first).
    pub fn prev(self) -> Self {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[i.saturating_sub(1)]
    }
}

/// How the operator verified the caller before acting (recorded in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Called back the number on file.
    CallBack,
    /// The user's manager confirmed.
    Manager,
    /// In person, photo ID checked.
    InPerson,
    /// Video call, photo ID checked.
    Video,
    /// Something else, described in text.
    Other,
}

impl Verification {
    /// All choices, in the order the form cycles through them.
    pub const ALL: [Verification; 5] = [
        Verification::CallBack,
        Verification::Manager,
        Verification::InPerson,
        Verification::Video,
        Verification::Other,
    ];

    /// Words for the form and the audit log.
    pub fn label(self) -> &'static str {
        match self {
            Verification::CallBack => "call-back to the number on file",
            Verification::Manager => "manager confirmed",
            Verification::InPerson => "in person with ID",
            Verification::Video => "video call with ID",
            Verification::Other => "other",
        }
    }
}

/// Ticket reference and caller verification, typed once per call and used for every action on
/// that caller (TAP, delete, revoke).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Justification {
    /// Ticket reference as typed (e.g. `INC0012345`).
    pub ticket: String,
    /// How the caller was verified, if chosen.
    pub verification: Option<Verification>,
    /// The description when `verification` is `Other`.
    pub other: String,
}

impl Justification {
    /// Next (`forward`) or previous choice; from none, the first or last.
    pub fn cycle(&mut self, forward: bool) {
        let all = Verification::ALL;
        let n = all.len();
        self.verification = Some(match self.verification.and_then(|v| all.iter().position(|x| *x == v)) {
            None => all[if forward { 0 } else { n - 1 }],
            Some(i) => all[if forward { (i + 1) % n } else { (i + n - 1) % n }],
        });
    }

    /// The verification in words (with the description for "other").
    pub fn verification_text(&self) -> Option<String> {
        self.verification.map(|v| match v {
            Verification::Other if !self.other.trim().is_empty() => format!("other: {}", self.other.trim()),
            v => v.label().to_owned(),
        })
    }

    /// The verification as the choice widget shows it: `◂ call-back to the number on file ▸`,
    /// `◂ other ▸ {description}`, or `◂ not recorded ▸`.
    pub fn choice_label(&self) -> String {
        match self.verification {
            None => "◂ not recorded ▸".to_owned(),
            Some(Verification::Other) => format!("◂ other ▸ {}", self.other),
            Some(v) => format!("◂ {} ▸", v.label()),
        }
    }

    /// The ticket, trimmed, if any.
    pub fn ticket_text(&self) -> Option<String> {
        Some(self.ticket.trim().to_owned()).filter(|t| !t.is_empty())
    }

    /// Checks the justification when the setting makes it mandatory.
    ///
    /// # Errors
    /// What is missing, in words.
    pub fn check(&self, required: bool) -> Result<(), String> {
        if !required {
            return Ok(());
        }
        if self.ticket_text().is_none() {
            return Err("Enter the ticket reference first (required by your settings).".into());
        }
        match self.verification {
            None => Err("Pick how you verified the caller (required by your settings).".into()),
            Some(Verification::Other) if self.other.trim().is_empty() => {
                Err("Describe how you verified the caller (you picked \"other\").".into())
            }
            Some(_) => Ok(()),
        }
    }
}

/// The form's state. Text the operator typed is kept as typed, also when it is invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TapForm {
    /// Focused field.
    pub field: Field,
    /// Start as typed: empty for now, or `YYYY-MM-DD HH:MM` / `HH:MM` in the operator's zone.
    pub start: String,
    /// Lifetime as typed: `60`, `90m`, `8h`, `2d`, `1h30m`.
    pub lifetime: String,
    /// One-time pass.
    pub one_time: bool,
    /// Why the last submit was refused, and which field it is about.
    pub error: Option<String>,
    /// The field the error is about.
    pub error_field: Option<Field>,
    /// The `[tap]` settings the form was prefilled with (kept to say when the tenant's policy
    /// does not allow them: [`TapForm::lifetime_note`], [`TapForm::one_time_note`]).
    pub configured: TapDefaults,
}

impl TapForm {
    /// A form prefilled from the policy: start now, lifetime = `defaultLifetimeInMinutes`,
    /// one-time = `isUsableOnce`. Without a policy: 60 minutes, one-time.
    pub fn from_policy(policy: Option<&TapPolicy>) -> Self {
        Self::prefilled(policy, TapDefaults::default())
    }

    /// A form prefilled from the `[tap]` settings where they are set, else from the policy as
    /// [`TapForm::from_policy`]: start now, lifetime in minutes, one-time. A configured value the
    /// policy does not allow is kept as configured (never clamped); the form says so next to the
    /// field and refuses to submit it.
    pub fn prefilled(policy: Option<&TapPolicy>, configured: TapDefaults) -> Self {
        let (lifetime, one_time) = policy.map_or((60, true), |p| (p.default_lifetime_in_minutes, p.is_usable_once));
        Self {
            lifetime: configured.lifetime_minutes.unwrap_or(lifetime).to_string(),
            one_time: configured.one_time.unwrap_or(one_time),
            configured,
            ..Self::default()
        }
    }

    /// A note for next to the Lifetime field when it still holds the configured
    /// `tap.lifetime_minutes` and the tenant's policy (once known) does not allow it, e.g.
    /// `tap.lifetime_minutes 12h is outside the policy's 1h–8h`. `None` otherwise.
    pub fn lifetime_note(&self, policy: Option<&TapPolicy>) -> Option<String> {
        let configured = self.configured.lifetime_minutes?;
        policy?;
        if parse_lifetime(&self.lifetime).ok() != Some(configured) {
            return None;
        }
        let (min, max) = lifetime_bounds(policy);
        (configured < min || configured > max).then(|| {
            format!(
                "tap.lifetime_minutes {} is outside the policy's {}–{}",
                compact_minutes(configured),
                compact_minutes(min),
                compact_minutes(max)
            )
        })
    }

    /// A note for next to the One-time field when `tap.one_time = false` was configured, the box
    /// is still unticked and the tenant's policy allows one-time passes only. `None` otherwise.
    pub fn one_time_note(&self, policy: Option<&TapPolicy>) -> Option<String> {
        (self.configured.one_time == Some(false) && !self.one_time && policy.is_some_and(|p| p.is_usable_once))
            .then(|| "tap.one_time = false, but the policy allows one-time passes only".to_owned())
    }

    /// Builds the create request, or says which field is wrong and why (in words fit to show
    /// next to the field). `now` and `tz` resolve the start: empty means now (`startDateTime` left
    /// out); otherwise the local wall time in `tz`, sent as UTC.
    pub fn request(
        &self,
        policy: Option<&TapPolicy>,
        now: Timestamp,
        tz: &TimeZone,
    ) -> Result<TapCreateRequest, (Field, String)> {
        let start = parse_start(&self.start, now, tz).map_err(|e| (Field::Start, e))?;
        let minutes = parse_lifetime(&self.lifetime).map_err(|e| (Field::Lifetime, e))?;
        let (min, max) = lifetime_bounds(policy);
        if minutes < min || minutes > max {
            return Err((
                Field::Lifetime,
                format!(
                    "Lifetime {} is outside the tenant's policy: {} to {}.",
                    format_minutes(minutes),
                    format_minutes(min),
                    format_minutes(max)
                ),
            ));
        }
        if !self.one_time && policy.is_some_and(|p| p.is_usable_once) {
            return Err((Field::OneTime, "The tenant's policy allows one-time passes only.".into()));
        }
        Ok(TapCreateRequest {
            start_date_time: start,
            lifetime_in_minutes: Some(minutes),
            is_usable_once: Some(self.one_time),
        })
    }
}

/// Parses the start typed in the form. Empty or `now` → `None` (usable right after creation).
/// Otherwise `YYYY-MM-DD HH:MM` (or with `T`), or `HH:MM` for today, as a wall time in `tz`.
///
/// # Errors
/// Unreadable text; a wall time that does not exist in `tz` (the clocks jump over it); one that
/// happens twice (the clocks fall back) is taken at its first occurrence; a start in the past.
pub fn parse_start(text: &str, now: Timestamp, tz: &TimeZone) -> Result<Option<Timestamp>, String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("now") {
        return Ok(None);
    }
    let dt: jiff::civil::DateTime = if t.len() <= 5 && t.contains(':') {
        let time: jiff::civil::Time =
            t.parse().map_err(|_| format!("'{t}' is not a time: use HH:MM or YYYY-MM-DD HH:MM."))?;
        now.to_zoned_datetime(tz.clone()).date().to_datetime(time)
    } else {
        t.replacen(' ', "T", 1)
            .parse()
            .map_err(|_| format!("'{t}' is not a date and time: use YYYY-MM-DD HH:MM (your time zone)."))?
    };
    let amb = tz.to_ambiguous_timestamp(dt);
    let ts = match amb.offset() {
        jiff::tz::AmbiguousOffset::Gap { .. } => {
            return Err(format!(
                "{} does not exist in your time zone (the clocks skip it for daylight saving): pick another time.",
                dt.strftime("%Y-%m-%d %H:%M")
            ));
        }
        _ => amb.earlier().map_err(|e| format!("'{t}': {e}"))?,
    };
    if ts < now {
        return Err(format!("{} is in the past: leave Start empty for now.", dt.strftime("%Y-%m-%d %H:%M")));
    }
    Ok(Some(ts))
}

/// Lifetime bounds in minutes: the policy's `minimumLifetimeInMinutes..=maximumLifetimeInMinutes`,
/// else Graph's absolute 10..=43,200.
pub fn lifetime_bounds(policy: Option<&TapPolicy>) -> (u32, u32) {
    policy.map_or(ABSOLUTE_LIFETIME, |p| (p.minimum_lifetime_in_minutes, p.maximum_lifetime_in_minutes))
}

/// Parses a lifetime typed by the operator into minutes: a bare number is minutes; otherwise one
/// or more `<n><unit>` parts with units `m`, `h`, `d` (`90m`, `8h`, `2d`, `1h30m`; spaces allowed).
///
/// # Errors
/// A sentence saying what is wrong, e.g. for an empty text, an unknown unit or an overflow.
pub fn parse_lifetime(text: &str) -> Result<u32, String> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
    if t.is_empty() {
        return Err("Enter a lifetime, e.g. 60, 90m, 8h or 2d.".into());
    }
    if let Ok(n) = t.parse::<u32>() {
        return Ok(n);
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let factor = match c {
            'm' => 1,
            'h' => 60,
            'd' => 1440,
            _ => {
                return Err(format!("'{text}' is not a lifetime: use minutes, or m, h, d (e.g. 90m, 8h, 2d)."));
            }
        };
        let n: u64 =
            digits.parse().map_err(|_| format!("'{text}' is not a lifetime: a number must come before '{c}'."))?;
        total = total.saturating_add(n.saturating_mul(factor));
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("'{text}' is not a lifetime: add a unit after {digits} (m, h or d)."));
    }
    u32::try_from(total).map_err(|_| format!("'{text}' is far too long."))
}

/// Minutes in the form's own units: `45m`, `1h`, `1h30m`, `8h`, `2d`.
pub fn compact_minutes(m: u32) -> String {
    if m == 0 {
        return "0m".into();
    }
    let (d, h, mm) = (m / 1440, (m % 1440) / 60, m % 60);
    let mut s = String::new();
    if d > 0 {
        s.push_str(&format!("{d}d"));
    }
    if h > 0 {
        s.push_str(&format!("{h}h"));
    }
    if mm > 0 {
        s.push_str(&format!("{mm}m"));
    }
    s
}

/// Minutes in words: `60 min (1h)`, `480 min (8h)`, `90 min (1h30m)`, `45 min`.
pub fn format_minutes(m: u32) -> String {
    if m < 60 {
        return format!("{m} min");
    }
    format!("{m} min ({})", compact_minutes(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(once: bool) -> TapPolicy {
        TapPolicy {
            id: "TemporaryAccessPass".into(),
            state: "enabled".into(),
            default_lifetime_in_minutes: 60,
            default_length: 8,
            minimum_lifetime_in_minutes: 60,
            maximum_lifetime_in_minutes: 480,
            is_usable_once: once,
            include_targets: vec![],
            exclude_targets: vec![],
        }
    }

    #[test]
    fn lifetimes_parse_in_human_units() {
        assert_eq!(parse_lifetime("60"), Ok(60));
        assert_eq!(parse_lifetime("90m"), Ok(90));
        assert_eq!(parse_lifetime("8h"), Ok(480));
        assert_eq!(parse_lifetime("2d"), Ok(2880));
        assert_eq!(parse_lifetime(" 1h 30m "), Ok(90));
        assert!(parse_lifetime("").is_err());
        assert!(parse_lifetime("8x").is_err());
        assert!(parse_lifetime("h").is_err());
        assert!(parse_lifetime("12").is_ok());
        assert!(parse_lifetime("99999999999d").is_err());
    }

    #[test]
    fn request_respects_policy_bounds_and_one_time() {
        let p = policy(false);
        let f = TapForm::from_policy(Some(&p));
        assert_eq!(f.lifetime, "60");
        assert!(!f.one_time);
        let now: Timestamp = "2026-11-30T09:00:00Z".parse().expect("ts");
        let tz = TimeZone::UTC;
        let r = f.request(Some(&p), now, &tz).expect("valid");
        assert_eq!(r.lifetime_in_minutes, Some(60));
        assert_eq!(r.is_usable_once, Some(false));
        let f2 = TapForm { lifetime: "30".into(), ..f.clone() };
        assert_eq!(
            f2.request(Some(&p), now, &tz).unwrap_err(),
            (
                Field::Lifetime,
                "Lifetime 30 min is outside the tenant's policy: 60 min (1h) to 480 min (8h).".to_owned()
            )
        );
        let f3 = TapForm { lifetime: "9h".into(), ..f.clone() };
        assert!(f3.request(Some(&p), now, &tz).is_err());
        let p1 = policy(true);
        assert!(f.request(Some(&p1), now, &tz).unwrap_err().1.contains("one-time"));
    }

    #[test]
    fn configured_defaults_win_over_the_policy_and_are_never_clamped() {
        let p = policy(false);
        let configured = TapDefaults { lifetime_minutes: Some(720), one_time: Some(true) };
        let f = TapForm::prefilled(Some(&p), configured);
        assert_eq!((f.lifetime.as_str(), f.one_time), ("720", true));
        assert_eq!(
            f.lifetime_note(Some(&p)).as_deref(),
            Some("tap.lifetime_minutes 12h is outside the policy's 1h–8h")
        );
        assert_eq!(f.lifetime_note(None), None, "no note before the policy is known");
        let edited = TapForm { lifetime: "2h".into(), ..f.clone() };
        assert_eq!(edited.lifetime_note(Some(&p)), None, "the note is about the configured value only");
        let ok = TapForm::prefilled(Some(&p), TapDefaults { lifetime_minutes: Some(120), one_time: None });
        assert_eq!((ok.lifetime.as_str(), ok.one_time, ok.lifetime_note(Some(&p))), ("120", false, None));
        let multi =
            TapForm::prefilled(Some(&policy(true)), TapDefaults { lifetime_minutes: None, one_time: Some(false) });
        assert!(!multi.one_time);
        assert!(multi.one_time_note(Some(&policy(true))).is_some_and(|n| n.contains("one-time passes only")));
        assert_eq!(TapForm::prefilled(None, TapDefaults::default()), TapForm::from_policy(None));
    }

    #[test]
    fn start_in_local_time_is_sent_as_utc() {
        let now: Timestamp = "2026-11-30T09:00:00Z".parse().expect("ts");
        let chicago = TimeZone::get("America/Chicago").expect("tz");
        let tokyo = TimeZone::get("Asia/Tokyo").expect("tz");
        assert_eq!(parse_start("", now, &chicago), Ok(None));
        assert_eq!(parse_start("now", now, &chicago), Ok(None));
        let s = parse_start("2026-12-07 09:00", now, &chicago).expect("ok").expect("some");
        assert_eq!(s.to_string(), "2026-12-07T15:00:00Z");
        let s = parse_start("2026-12-07T09:00", now, &tokyo).expect("ok").expect("some");
        assert_eq!(s.to_string(), "2026-12-07T00:00:00Z");
        // 09:00 UTC is 18:00 in Tokyo: 20:30 today is ahead, 08:00 today has passed.
        assert_eq!(parse_start("20:30", now, &tokyo).expect("ok").expect("some").to_string(), "2026-11-30T11:30:00Z");
        assert!(parse_start("08:00", now, &tokyo).unwrap_err().contains("in the past"));
        assert!(parse_start("next monday", now, &tokyo).unwrap_err().contains("YYYY-MM-DD"));
    }

    #[test]
    fn a_wall_time_in_the_dst_gap_is_refused() {
        let now: Timestamp = "2026-01-05T09:00:00Z".parse().expect("ts");
        let chicago = TimeZone::get("America/Chicago").expect("tz");
        // 2026-03-08 02:30 does not exist in Chicago (02:00 → 03:00).
        let e = parse_start("2026-03-08 02:30", now, &chicago).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
        // 01:30 on 2026-11-01 happens twice: the first (CDT, UTC-5) is taken.
        let s = parse_start("2026-11-01 01:30", now, &chicago).expect("ok").expect("some");
        assert_eq!(s.to_string(), "2026-11-01T06:30:00Z");
    }

    #[test]
    fn justification_rules() {
        let mut j = Justification::default();
        assert!(j.check(false).is_ok());
        assert!(j.check(true).unwrap_err().contains("ticket"));
        j.ticket = " INC-42 ".into();
        assert!(j.check(true).unwrap_err().contains("verified"));
        j.cycle(true);
        assert_eq!(j.verification, Some(Verification::CallBack));
        j.cycle(false);
        j.cycle(false);
        assert_eq!(j.verification, Some(Verification::Video));
        j.cycle(true);
        assert_eq!(j.verification, Some(Verification::Other));
        assert!(j.check(true).unwrap_err().contains("Describe"));
        j.other = "badge photo".into();
        assert!(j.check(true).is_ok());
        assert_eq!(j.verification_text().as_deref(), Some("other: badge photo"));
        assert_eq!(j.ticket_text().as_deref(), Some("INC-42"));
    }
}
