//! The sign-in protocol: what the render loop and the sign-in worker say to each other
//! ([`SignInRequest`], [`SignInEvent`] tagged with an [`Attempt`]), the device-code prompt it
//! shows ([`DeviceCodePrompt`], [`PromptEvent`]), and who signed in or why not ([`SignedIn`],
//! [`SignInFailure`]). Plain data: this module spawns nothing and does no I/O, so `app` can take
//! its message types from here. The credentials that produce these live in [`super::device_code`],
//! [`super::signin`] and [`super::worker`] (and the constructors such as `SignedIn::from_token`
//! stay there, beside the code that calls them).

use super::AuthMode;
use super::capabilities::Capabilities;
use super::claims::Claims;
use super::sts::StsError;

/// Number of a sign-in attempt (1, 2, ... per process); answers of older attempts are dropped.
pub type Attempt = u64;

/// What the render loop asks of the sign-in worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInRequest {
    /// Start a device-code sign-in (stopping any older attempt's task).
    Start {
        /// This attempt's number.
        attempt: Attempt,
    },
    /// Forget the tokens and the refresh token, then sign in as [`SignInRequest::Start`] does:
    /// after Graph refused even a renewed token (`401`), only a new sign-in can help.
    SignInAgain {
        /// This attempt's number.
        attempt: Attempt,
    },
    /// Cancel the sign-in in progress (Esc) and stop polling.
    Cancel {
        /// The attempt cancelled.
        attempt: Attempt,
    },
}

/// What the sign-in worker tells the render loop.
#[derive(Debug)]
pub enum SignInEvent {
    /// The credential's prompt: the code to show ([`PromptEvent::Show`], untrusted STS strings,
    /// to sanitize before drawing), then [`PromptEvent::SignedIn`] or [`PromptEvent::Failed`].
    Prompt {
        /// The attempt whose prompt sink sent it.
        attempt: Attempt,
        /// What happened.
        event: PromptEvent,
    },
    /// The attempt's task ended: who signed in (boxed: the claims are large), or why not.
    Finished {
        /// The attempt.
        attempt: Attempt,
        /// Who signed in, or why not.
        result: Result<Box<SignedIn>, SignInFailure>,
    },
}

/// What the operator must see to sign in: where to go, the code, and which tenant and app they
/// are signing in to (device-code phishing is real: the operator checks these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// Where to enter the code, e.g. `https://microsoft.com/devicelogin`.
    pub verification_uri: String,
    /// The code to type there (short-lived, single use).
    pub user_code: String,
    /// The STS's own sentence (`message`), when it sent one.
    pub message: Option<String>,
    /// When the code stops working.
    pub expires_at: jiff::Timestamp,
    /// Tenant signed in to (as configured: id, domain or `organizations`).
    pub tenant: String,
    /// Application name shown to the operator.
    pub app_name: String,
    /// Application (client) id.
    pub client_id: String,
}

/// What happened to a prompt, for sinks that show it until it is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptEvent {
    /// Show this code.
    Show(DeviceCodePrompt),
    /// Signed in: hide the code.
    SignedIn,
    /// The sign-in ended without a token (the sentence says why).
    Failed(String),
}

/// Why a device-code sign-in or refresh failed. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceCodeError {
    /// The STS refused (declined, expired, Conditional Access, consent, public client flows off, ...).
    #[error("{0}")]
    Sts(StsError),
    /// The code expired while polling.
    #[error("the sign-in code expired before the sign-in finished. Get a new code and enter it within the time shown.")]
    Expired,
    /// The STS could not be reached, or timed out.
    #[error("cannot reach the sign-in service {0}")]
    Transport(String),
    /// The STS answered something unreadable.
    #[error("unexpected answer from the sign-in service: {0}")]
    BadAnswer(String),
    /// A new sign-in is needed but no prompt can be shown now.
    #[error("the sign-in session ended and a new sign-in is needed: quit tapdesk and start it again")]
    SignInNeeded,
    /// The operator cancelled the sign-in ([`super::device_code::DeviceCodeCredential::cancel_sign_in`]); no new one
    /// starts until [`super::device_code::DeviceCodeCredential::allow_sign_in`].
    #[error("the sign-in was cancelled: press r to sign in again")]
    Cancelled,
}

/// Who is signed in, for the status bar and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorIdentity {
    /// The operator's UPN (or name, or object id); for app-only, `{app name} (app-only)`.
    pub display: String,
    /// The tenant: its domain when known, else its id.
    pub tenant: String,
    /// Tokens act as the application, not a person.
    pub app_only: bool,
}

/// The result of signing in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Operator and tenant.
    pub identity: OperatorIdentity,
    /// The first token's claims.
    pub claims: Claims,
    /// What the token allows.
    pub capabilities: Capabilities,
    /// How.
    pub auth: AuthMode,
    /// Which cloud (`global`, `usgov`, ..., `custom`).
    pub cloud: String,
    /// When the credential says the first token expires (may differ from the `exp` claim, e.g. the
    /// Azure CLI's `expiresOn`); `None` when only the claims are known.
    pub expires_on: Option<jiff::Timestamp>,
}

/// What kind of failure ended a sign-in (what the TUI offers next).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The operator cancelled it ([`DeviceCodeError::Cancelled`]).
    Cancelled,
    /// The device code expired (`expires_in` passed, or the STS said `expired_token`): a new code
    /// is needed.
    Expired,
    /// Anything else: declined, Conditional Access, consent, configuration, network.
    Other,
}

/// A sign-in that ended without a token. Holds no token or device code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInFailure {
    /// One line for the operator: the STS description with its `AADSTSnnnnn` code and the fix
    /// when there is one ([`super::sts`]).
    pub text: String,
    /// What kind.
    pub kind: FailureKind,
}

impl std::fmt::Display for SignInFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}
