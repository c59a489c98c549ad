//! The Temporary Access Pass form: start (now), lifetime in human units bounded by the tenant's
//! policy, one-time. Validation happens here, in the form; nothing is sent while a field is wrong.

use crate::graph::types::{TapCreateRequest, TapPolicy};

/// Graph's absolute lifetime bounds in minutes (10 minutes to 30 days), used when the policy could
/// not be read.
pub const ABSOLUTE_LIFETIME: (u32, u32) = (10, 43_200);

/// Which field of the form has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    /// Start time (now).
    #[default]
    Start,
    /// Lifetime text.
    Lifetime,
    /// One-time checkbox.
    OneTime,
}

impl Field {
    /// The next field down (stays on the last).
    pub fn next(self) -> Self {
        match self {
            Field::Start => Field::Lifetime,
            Field::Lifetime | Field::OneTime => Field::OneTime,
        }
    }
    /// The next field up (stays on the first).
    pub fn prev(self) -> Self {
        match self {
            Field::Start | Field::Lifetime => Field::Start,
            Field::OneTime => Field::Lifetime,
        }
    }
}

/// The form's state. Text the operator typed is kept as typed, also when it is invalid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TapForm {
    /// Focused field.
    pub field: Field,
    /// Lifetime as typed: `60`, `90m`, `8h`, `2d`, `1h30m`.
    pub lifetime: String,
    /// One-time pass.
    pub one_time: bool,
    /// Why the last submit was refused, shown next to the field.
    pub error: Option<String>,
}

impl TapForm {
    /// A form prefilled from the policy: lifetime = `defaultLifetimeInMinutes`, one-time =
    /// `isUsableOnce`. Without a policy: 60 minutes, one-time.
    pub fn from_policy(policy: Option<&TapPolicy>) -> Self {
        match policy {
            Some(p) => Self {
                lifetime: p.default_lifetime_in_minutes.to_string(),
                one_time: p.is_usable_once,
                ..Self::default()
            },
            None => Self {
                lifetime: "60".into(),
                one_time: true,
                ..Self::default()
            },
        }
    }

    /// Builds the create request, or says what is wrong (in words fit to show under the field).
    /// Start is "now": `startDateTime` is left out, so the pass is usable right after creation.
    pub fn request(&self, policy: Option<&TapPolicy>) -> Result<TapCreateRequest, String> {
        let minutes = parse_lifetime(&self.lifetime)?;
        let (min, max) = lifetime_bounds(policy);
        if minutes < min || minutes > max {
            return Err(format!(
                "Lifetime {} is outside the tenant's policy: {} to {}.",
                format_minutes(minutes),
                format_minutes(min),
                format_minutes(max)
            ));
        }
        if !self.one_time && policy.is_some_and(|p| p.is_usable_once) {
            return Err("The tenant's policy allows one-time passes only.".into());
        }
        Ok(TapCreateRequest {
            start_date_time: None,
            lifetime_in_minutes: Some(minutes),
            is_usable_once: Some(self.one_time),
        })
    }
}

/// Lifetime bounds in minutes: the policy's `minimumLifetimeInMinutes..=maximumLifetimeInMinutes`,
/// else Graph's absolute 10..=43,200.
pub fn lifetime_bounds(policy: Option<&TapPolicy>) -> (u32, u32) {
    policy.map_or(ABSOLUTE_LIFETIME, |p| {
        (p.minimum_lifetime_in_minutes, p.maximum_lifetime_in_minutes)
    })
}

/// Parses a lifetime typed by the operator into minutes: a bare number is minutes; otherwise one
/// or more `<n><unit>` parts with units `m`, `h`, `d` (`90m`, `8h`, `2d`, `1h30m`; spaces allowed).
///
/// # Errors
/// A sentence saying what is wrong, e.g. for an empty text, an unknown unit or an overflow.
pub fn parse_lifetime(text: &str) -> Result<u32, String> {
    let t: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
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
                return Err(format!(
                    "'{text}' is not a lifetime: use minutes, or m, h, d (e.g. 90m, 8h, 2d)."
                ));
            }
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("'{text}' is not a lifetime: a number must come before '{c}'."))?;
        total = total.saturating_add(n.saturating_mul(factor));
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "'{text}' is not a lifetime: add a unit after {digits} (m, h or d)."
        ));
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
        let r = f.request(Some(&p)).expect("valid");
        assert_eq!(r.lifetime_in_minutes, Some(60));
        assert_eq!(r.is_usable_once, Some(false));
        let f2 = TapForm {
            lifetime: "30".into(),
            ..f.clone()
        };
        assert_eq!(
            f2.request(Some(&p)).unwrap_err(),
            "Lifetime 30 min is outside the tenant's policy: 60 min (1h) to 480 min (8h)."
        );
        let f3 = TapForm {
            lifetime: "9h".into(),
            ..f.clone()
        };
        assert!(f3.request(Some(&p)).is_err());
        let p1 = policy(true);
        assert!(f.request(Some(&p1)).unwrap_err().contains("one-time"));
    }
}
