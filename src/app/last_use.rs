//! Is the "lost" method really lost? Graph reports when each method last signed in
//! (`lastUsedDateTime`, UTC, inherited from `microsoft.graph.authenticationMethod`). A key that
//! signed in minutes before the call that reports it lost may not be lost at all, or someone
//! else has it (the pattern of social-engineering calls to helpdesks): before such a key is
//! deleted, in the delete confirmation and in the recovery flow's verify step, tapdesk says so in
//! words. Pure functions; time comes in as an argument.

use jiff::{SignedDuration, Timestamp};
use tapdesk_graph::types::AuthMethod;

/// A last use younger than this (24 h) is warned about before the method is deleted.
pub const RECENT: SignedDuration = SignedDuration::from_hours(24);

/// What the method is called in the warning: `this key` (FIDO2), `this device` (Authenticator,
/// Windows Hello, platform credential), else `this method`.
fn what(m: &AuthMethod) -> &'static str {
    match m {
        AuthMethod::Fido2(_) => "This key",
        AuthMethod::MicrosoftAuthenticator(_)
        | AuthMethod::WindowsHelloForBusiness(_)
        | AuthMethod::PlatformCredential(_) => "This device",
        _ => "This method",
    }
}

/// The warning for deleting (or calling lost) `m` when Graph says it signed in less than
/// [`RECENT`] before `now`: "This key signed in 12 min ago: it may not be lost, or someone else
/// has it. Verify the caller again before deleting it." `None` when it was not used recently,
/// Graph does not say, or the time is in the future (clock skew counts as now).
pub fn recent_use_warning(m: &AuthMethod, now: Timestamp) -> Option<String> {
    if !is_recent(m, now) {
        return None;
    }
    let used = m.last_used()?;
    let age = now.duration_since(used);
    let ago = if age <= SignedDuration::ZERO {
        "just now".to_owned()
    } else {
        format!("{} ago", crate::timefmt::ago(used, now))
    };
    Some(format!(
        "{} signed in {ago}: it may not be lost, or someone else has it. Verify the caller again before deleting it.",
        what(m)
    ))
}

/// `true` when Graph says `m` signed in less than [`RECENT`] before `now` (a time ahead of
/// `now` counts as now).
pub fn is_recent(m: &AuthMethod, now: Timestamp) -> bool {
    m.last_used().is_some_and(|used| now.duration_since(used) < RECENT)
}

/// The last use for the Methods pane: `used 12 min ago` within [`RECENT`], else `last used`
/// and the date in the operator's zone; `None` when Graph does not say.
pub fn last_used_words(m: &AuthMethod, now: Timestamp, tz: &jiff::tz::TimeZone) -> Option<String> {
    let used = m.last_used()?;
    Some(if is_recent(m, now) {
        format!("used {} ago", crate::timefmt::ago(used, now))
    } else {
        format!("last used {}", crate::timefmt::date(used, tz))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tapdesk_graph::types::{Fido2Method, MethodBase, PhoneMethod};

    fn key(last_used: Option<&str>) -> AuthMethod {
        AuthMethod::Fido2(Fido2Method {
            base: MethodBase {
                id: "k".into(),
                created_date_time: None,
                last_used_date_time: last_used.map(|t| t.parse().unwrap_or(Timestamp::UNIX_EPOCH)),
            },
            ..Default::default()
        })
    }

    fn now() -> Timestamp {
        "2026-12-04T14:19:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn a_key_used_within_a_day_is_warned_about_in_words() {
        assert_eq!(
            recent_use_warning(&key(Some("2026-12-04T14:07:00Z")), now()).as_deref(),
            Some(
                "This key signed in 12 min ago: it may not be lost, or someone else has it. Verify the caller again \
                 before deleting it."
            )
        );
        let w = recent_use_warning(&key(Some("2026-12-03T15:00:00Z")), now()).unwrap_or_default();
        assert!(w.starts_with("This key signed in 23 h ago:"), "{w}");
        // A clock ahead of ours: "just now", never a negative age.
        let w = recent_use_warning(&key(Some("2026-12-04T14:20:00Z")), now()).unwrap_or_default();
        assert!(w.starts_with("This key signed in just now:"), "{w}");
    }

    #[test]
    fn an_old_or_unknown_last_use_is_not_warned_about() {
        assert_eq!(recent_use_warning(&key(Some("2026-12-03T14:19:00Z")), now()), None, "exactly 24 h");
        assert_eq!(recent_use_warning(&key(None), now()), None);
        let phone = AuthMethod::Phone(PhoneMethod {
            base: MethodBase { id: "p".into(), created_date_time: None, last_used_date_time: Some(now()) },
            ..Default::default()
        });
        assert!(recent_use_warning(&phone, now()).unwrap_or_default().starts_with("This method signed in just now"));
    }

    #[test]
    fn the_methods_pane_words_for_the_last_use() {
        let tz = jiff::tz::TimeZone::UTC;
        assert_eq!(last_used_words(&key(Some("2026-12-04T12:19:00Z")), now(), &tz).as_deref(), Some("used 2 h ago"));
        assert_eq!(
            last_used_words(&key(Some("2026-11-25T09:00:00Z")), now(), &tz).as_deref(),
            Some("last used 2026-11-25")
        );
        assert_eq!(last_used_words(&key(None), now(), &tz), None);
    }
}
