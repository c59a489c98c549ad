//! The device-code sign-in as the TUI sees it: which attempt is current, and what the popup shows
//! (asking for a code, the code with its countdown, cancelled, failed). The sign-in itself runs in
//! [`crate::auth::worker`]; `update` drives this state from its [`crate::auth::events::SignInEvent`]s
//! and the keys.

use jiff::Timestamp;

use crate::auth::events::Attempt;
use crate::auth::events::DeviceCodePrompt;
use crate::auth::events::FailureKind;
use crate::sanitize;

/// Longest user code shown (Entra's are 9 characters); a longer one is cut, never wrapped.
pub const USER_CODE_MAX: usize = 32;

/// Longest verification address shown (it wraps inside the popup).
pub const URI_MAX: usize = 200;

/// The code to enter, as drawn: every string from the STS sanitised ([`crate::sanitize`]) so that
/// it cannot send escape sequences or move the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodePrompt {
    /// `verification_uri`, e.g. `https://microsoft.com/devicelogin`.
    pub verification_uri: String,
    /// `user_code`, e.g. `FQK5HW3UF`.
    pub user_code: String,
    /// When the code stops working (from `expires_in`).
    pub expires_at: Timestamp,
}

impl CodePrompt {
    /// The sanitised copy of the credential's prompt.
    pub fn from_prompt(p: &DeviceCodePrompt) -> CodePrompt {
        let cut = |s: &str, max: usize| -> String {
            let clean = sanitize::clean(s);
            let mut out: String = clean.chars().filter(|c| !c.is_whitespace()).take(max).collect();
            if clean.chars().filter(|c| !c.is_whitespace()).count() > max {
                out.push('…');
            }
            out
        };
        CodePrompt {
            verification_uri: cut(&p.verification_uri, URI_MAX),
            user_code: cut(&p.user_code, USER_CODE_MAX),
            expires_at: p.expires_at,
        }
    }

    /// Whole seconds until the code expires at `now` (0 once it has).
    pub fn seconds_left(&self, now: Timestamp) -> i64 {
        now.duration_until(self.expires_at).as_secs().max(0)
    }
}

/// Where the sign-in stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Signed in; nothing to show.
    Done,
    /// Asking the STS for a code (`POST .../devicecode`).
    Starting,
    /// The code is shown; the worker polls the token endpoint every `interval`.
    Code(CodePrompt),
    /// Code accepted; reading the token.
    Finishing,
    /// The operator pressed Esc; `r` starts again.
    Cancelled,
    /// The sign-in failed (sanitised sentence with the AADSTS code when there is one).
    Failed {
        /// The sentence.
        text: String,
        /// What kind of failure ([`FailureKind::Expired`]: `r` gets a new code).
        kind: FailureKind,
    },
}

/// The sign-in state of the [`crate::app::Model`] (only with device-code sign-in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// The current attempt; events of other attempts are dropped.
    pub attempt: Attempt,
    /// Where it stands.
    pub phase: Phase,
    /// At least one attempt succeeded: the directory was loaded, so the popup covers the panes
    /// instead of replacing them, and Esc can close it.
    pub signed_in_once: bool,
    /// Tenant as configured (sanitised).
    pub tenant: String,
    /// Application name (sanitised).
    pub app_name: String,
    /// Application (client) id (sanitised).
    pub client_id: String,
    /// What `c` did with the code, when pressed.
    pub copied: Option<String>,
}

impl SignIn {
    /// State before the first attempt, for `tenant`, `app_name` and `client_id` (sanitised here).
    pub fn new(tenant: &str, app_name: &str, client_id: &str) -> SignIn {
        SignIn {
            attempt: 0,
            phase: Phase::Done,
            signed_in_once: false,
            tenant: sanitize::clean(tenant).into_owned(),
            app_name: sanitize::clean(app_name).into_owned(),
            client_id: sanitize::clean(client_id).into_owned(),
            copied: None,
        }
    }

    /// The popup is shown (anything but [`Phase::Done`]).
    pub fn active(&self) -> bool {
        self.phase != Phase::Done
    }

    /// The shown code, while it is shown.
    pub fn code(&self) -> Option<&CodePrompt> {
        match &self.phase {
            Phase::Code(c) => Some(c),
            _ => None,
        }
    }
}
