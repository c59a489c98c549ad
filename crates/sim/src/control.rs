//! Test control of a running simulator: the clock, fault injection, the request log, tokens and
//! direct access to the tenant.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use jiff::{SignedDuration, Timestamp};

use super::state::Shared;
use super::tenant::{MethodDetail, SimSettings, Tenant};
use tapdesk_graph::types::TapPolicy;

/// A failure the simulator injects instead of (or around) the normal answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429 `TooManyRequests` with the body of `error-throttled-429.json`; `retry_after` is the
    /// `Retry-After` header value in seconds (`"3"`, `"2.128"`) or `None` for no header.
    Throttle {
        /// `Retry-After` header value, verbatim.
        retry_after: Option<String>,
    },
    /// 503 `serviceNotAvailable`, optionally with `Retry-After` (seconds).
    Unavailable {
        /// `Retry-After` header value, verbatim.
        retry_after: Option<String>,
    },
    /// 504 `GatewayTimeout`.
    GatewayTimeout,
    /// Answer normally after this extra delay.
    Latency(Duration),
    /// Perform the request (e.g. create the TAP), then close the connection without answering.
    DropAfterCommit,
    /// Close the connection without performing the request or answering.
    DropBeforeCommit,
}

/// How long `GET /users` takes to answer one page, as on a real tenant: `per_page` plus
/// `per_user` for each user in the page. Applies to the directory list and its next-page links
/// (not to `$search`, `$filter` lookups or single users).
///
/// Microsoft publishes no figure; [`PageLatency::REALISTIC`] (150 ms + 0.25 ms per user, about
/// 400 ms for a page of 999, a 300,000-user directory in about two minutes) is an assumption
/// chosen to make the demo feel like a large tenant: the gauge fills over time and search must
/// work before the cache is complete. Off (`None`) by default in [`crate::start`]; the
/// `--demo` and `tapdesk simulate` commands turn it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLatency {
    /// Fixed time per page.
    pub per_page: Duration,
    /// Extra time per user in the page.
    pub per_user: Duration,
}

impl PageLatency {
    /// 150 ms + 0.25 ms per user (≈ 400 ms for 999 users).
    pub const REALISTIC: PageLatency =
        PageLatency { per_page: Duration::from_millis(150), per_user: Duration::from_micros(250) };

    /// The delay for a page of `users` users.
    pub fn for_page(&self, users: usize) -> Duration {
        self.per_page + self.per_user.saturating_mul(u32::try_from(users).unwrap_or(u32::MAX))
    }
}

/// Where and how often a [`Fault`] applies.
///
/// A request matches when its method equals `method` (or `method` is `None`) and `route` equals
/// the matched route pattern (e.g. `/v1.0/users/{id}/authentication/{kind}`) or is a substring of
/// the request path (e.g. `/temporaryAccessPassMethods`). The first matching rule wins.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// HTTP method to match; `None` = any.
    pub method: Option<Method>,
    /// Route pattern or path substring.
    pub route: String,
    /// What to do.
    pub fault: Fault,
    /// How many more requests it applies to; `None` = until cleared.
    pub times: Option<u32>,
    /// Match only a request whose path equals `route` (not one that merely contains it), e.g.
    /// the directory listing `/v1.0/users` and not `/v1.0/users/{id}`.
    pub exact: bool,
}

impl FaultRule {
    /// A rule for `method` (None = any) requests whose path contains/equals `route`, applying
    /// until cleared.
    pub fn new(method: Option<Method>, route: impl Into<String>, fault: Fault) -> Self {
        FaultRule { method, route: route.into(), fault, times: None, exact: false }
    }

    /// Limits the rule to requests whose path is exactly `route`.
    pub fn exact(mut self) -> Self {
        self.exact = true;
        self
    }

    /// Limits the rule to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    pub(crate) fn matches(&self, method: &Method, matched: Option<&str>, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method)
            && if self.exact {
                path == self.route
            } else {
                matched == Some(self.route.as_str()) || path.contains(&self.route)
            }
    }
}

/// One request as the simulator received it (recorded before any fault or auth check).
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// Sequence number (1-based, per simulator).
    pub seq: u64,
    /// `GET`, `POST`, ...
    pub method: String,
    /// Raw path as sent (still percent-encoded).
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// All request headers (names lower-case), in arrival order.
    pub headers: Vec<(String, String)>,
    /// Request body as UTF-8 (lossy).
    pub body: String,
    /// Response status; 0 while in flight or when the connection was dropped.
    pub status: u16,
}

impl LoggedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Where a device-code sign-in stands (see [`SimControl::device_codes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceCodeState {
    /// Waiting for the person to enter the code: polls answer `authorization_pending` (AADSTS70016).
    Pending,
    /// Signed in as this user: the next poll gets the tokens.
    Approved {
        /// Object id of the user who signed in.
        user_id: String,
    },
    /// The person declined: polls answer `authorization_declined`.
    Declined,
    /// The sign-in failed after the person signed in, e.g. Conditional Access:
    /// polls answer `{error}` with `AADSTS{code}: {description}`.
    Failed {
        /// OAuth error code (`invalid_grant`, `interaction_required`, ...).
        error: String,
        /// AADSTS number.
        code: u32,
        /// Description after `AADSTSnnn: `.
        description: String,
    },
    /// Tokens were issued; further polls answer `invalid_grant` (AADSTS54005).
    Redeemed,
}

/// A device-code sign-in as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeView {
    /// The code the person types (e.g. `FRWQDE7YL`).
    pub user_code: String,
    /// Client that asked.
    pub client_id: String,
    /// Scopes as requested.
    pub scopes: Vec<String>,
    /// Where it stands (an expired code keeps its state; polls then answer `expired_token`).
    pub state: DeviceCodeState,
    /// Whether it has expired.
    pub expired: bool,
}

/// Token endpoint behaviour ([`SimControl::set_sts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsSettings {
    /// `expires_in` of access tokens, seconds (default 3599).
    pub access_token_lifetime_seconds: i64,
    /// `interval` handed out with device codes, seconds (default 5); polling sooner gets `slow_down`.
    pub device_code_interval_seconds: u64,
    /// `expires_in` of device codes, seconds (default 900).
    pub device_code_lifetime_seconds: i64,
    /// The next this-many device-code polls answer `slow_down` (default 0).
    pub slow_down_polls: u32,
}

impl Default for StsSettings {
    fn default() -> Self {
        StsSettings {
            access_token_lifetime_seconds: super::auth::TOKEN_LIFETIME,
            device_code_interval_seconds: 5,
            device_code_lifetime_seconds: 900,
            slow_down_polls: 0,
        }
    }
}

/// Control of a running simulator for tests (cheap to clone; all methods are synchronous).
#[derive(Clone)]
pub struct SimControl {
    pub(crate) shared: Arc<Shared>,
}

impl SimControl {
    /// The simulator's current time (UTC); drives TAP usability, `createdDateTime`, `Date` and
    /// `innerError.date`. Starts equal to real time.
    pub fn now(&self) -> Timestamp {
        self.shared.lock().now()
    }

    /// Jumps the clock to `t`; it keeps running from there (unless frozen).
    pub fn set_now(&self, t: Timestamp) {
        let mut w = self.shared.lock();
        if w.clock.frozen.is_some() {
            w.clock.frozen = Some(t);
        } else {
            w.clock.offset = t.duration_since(Timestamp::now());
        }
    }

    /// Stops the clock at `t` (`None` lets it run again from the frozen instant).
    pub fn freeze(&self, t: Option<Timestamp>) {
        let mut w = self.shared.lock();
        match t {
            Some(t) => w.clock.frozen = Some(t),
            None => {
                if let Some(f) = w.clock.frozen.take() {
                    w.clock.offset = f.duration_since(Timestamp::now());
                }
            }
        }
    }

    /// Moves the clock forward (or back, if negative) by `d`.
    pub fn advance(&self, d: SignedDuration) {
        let mut w = self.shared.lock();
        if let Some(f) = w.clock.frozen {
            w.clock.frozen = Some(f.checked_add(d).unwrap_or(f));
        } else {
            w.clock.offset = w.clock.offset.checked_add(d).unwrap_or(w.clock.offset);
        }
    }

    /// Adds a fault rule (after the existing ones).
    pub fn inject(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Sets (or, with `None`, removes) the time `GET /users` takes per page.
    pub fn set_page_latency(&self, latency: Option<PageLatency>) {
        self.shared.lock().page_latency = latency;
    }

    /// A copy of the request log, oldest first (the last 10,000 requests at most).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Makes every token issued so far expire now (Graph then answers 401
    /// "Lifetime validation failed, the token is expired.").
    pub fn expire_tokens(&self) {
        for t in self.shared.lock().tokens.values_mut() {
            t.exp = 0;
        }
    }

    /// Every device-code sign-in so far, oldest first.
    pub fn device_codes(&self) -> Vec<DeviceCodeView> {
        let w = self.shared.lock();
        let now = Timestamp::now().as_second();
        w.device_codes
            .iter()
            .map(|d| DeviceCodeView {
                user_code: d.user_code.clone(),
                client_id: d.client_id.clone(),
                scopes: d.scopes.clone(),
                state: d.state.clone(),
                expired: d.expires_at <= now,
            })
            .collect()
    }

    fn set_device_code_state(&self, user_code: &str, state: DeviceCodeState) -> bool {
        let mut w = self.shared.lock();
        match w.device_codes.iter_mut().find(|d| d.user_code.eq_ignore_ascii_case(user_code)) {
            Some(d) if d.state == DeviceCodeState::Pending => {
                d.state = state;
                true
            }
            _ => false,
        }
    }

    /// The person signs in as `user_id` at the verification page. False if the code is unknown or
    /// no longer pending, or the user does not exist.
    pub fn approve_device_code(&self, user_code: &str, user_id: &str) -> bool {
        let exists = {
            let w = self.shared.lock();
            w.find_user(user_id).map(|i| w.user(i).id.clone())
        };
        match exists {
            Some(id) => self.set_device_code_state(user_code, DeviceCodeState::Approved { user_id: id }),
            None => false,
        }
    }

    /// The person declines at the verification page. False if unknown or not pending.
    pub fn decline_device_code(&self, user_code: &str) -> bool {
        self.set_device_code_state(user_code, DeviceCodeState::Declined)
    }

    /// The person signs in but Conditional Access blocks the token: polls answer `invalid_grant`
    /// with AADSTS53003 ("Access has been blocked by Conditional Access policies. ...").
    pub fn block_device_code_by_conditional_access(&self, user_code: &str) -> bool {
        self.fail_device_code(
            user_code,
            "invalid_grant",
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        )
    }

    /// The sign-in fails after the person signed in, with any OAuth error and AADSTS code.
    pub fn fail_device_code(&self, user_code: &str, error: &str, code: u32, description: &str) -> bool {
        self.set_device_code_state(
            user_code,
            DeviceCodeState::Failed { error: error.to_owned(), code, description: description.to_owned() },
        )
    }

    /// Makes the device code expire now (polls answer `expired_token`, AADSTS70019).
    pub fn expire_device_code(&self, user_code: &str) -> bool {
        let mut w = self.shared.lock();
        match w.device_codes.iter_mut().find(|d| d.user_code.eq_ignore_ascii_case(user_code)) {
            Some(d) => {
                d.expires_at = 0;
                true
            }
            None => false,
        }
    }

    /// The token endpoint's settings.
    pub fn sts(&self) -> StsSettings {
        self.shared.lock().sts.clone()
    }

    /// Changes the token endpoint's settings (applies to the next request).
    pub fn set_sts(&self, sts: StsSettings) {
        self.shared.lock().sts = sts;
    }

    /// Continuous access evaluation: every access token issued so far is now refused with a 401
    /// claims challenge (`WWW-Authenticate: Bearer ..., error="insufficient_claims", claims="..."`),
    /// and new tokens are challenged too until one is requested with the `claims` parameter.
    pub fn require_claims_challenge(&self) {
        let mut w = self.shared.lock();
        w.claims_required = true;
        for t in w.tokens.values_mut() {
            t.needs_claims = true;
        }
    }

    /// Revokes every refresh token (as `revokeSignInSessions` or an admin would): refresh grants
    /// then answer `invalid_grant` (AADSTS50173).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.lock().refresh_tokens.clear();
    }

    /// How many refresh tokens are currently valid.
    pub fn refresh_token_count(&self) -> usize {
        self.shared.lock().refresh_tokens.len()
    }

    /// Marks the user's one-time TAP as used (`OneTimeUsed`). Returns false if the user has no
    /// one-time TAP.
    pub fn use_tap(&self, user_id: &str) -> bool {
        let mut w = self.shared.lock();
        let Some(i) = w.find_user(user_id) else {
            return false;
        };
        for m in &mut w.user_mut(i).methods {
            if let MethodDetail::TemporaryAccessPass { is_usable_once: true, used, .. } = &mut m.detail {
                *used = true;
                return true;
            }
        }
        false
    }

    /// Acts as the user signing in with method `method_id`: its `lastUsedDateTime` becomes the
    /// simulator's clock. Returns false if the user or the method is not there.
    pub fn sign_in_with(&self, user_id: &str, method_id: &str) -> bool {
        let now = self.now();
        let mut w = self.shared.lock();
        let Some(i) = w.find_user(user_id) else {
            return false;
        };
        match w.user_mut(i).methods.iter_mut().find(|m| m.id == method_id) {
            Some(m) => {
                m.last_used_date_time = Some(now);
                true
            }
            None => false,
        }
    }

    /// Acts as the user registering a FIDO2 security key named `display_name` (at
    /// https://aka.ms/mysecurityinfo, with their pass): a new `fido2AuthenticationMethod` with a
    /// fresh id, `createdDateTime` the simulator's clock, a YubiKey 5 series `aaGuid`. Returns
    /// its id, or `None` if there is no such user.
    pub fn register_fido2(&self, user_id: &str, display_name: &str) -> Option<String> {
        let now = self.now();
        let mut w = self.shared.lock();
        let i = w.find_user(user_id)?;
        let id = format!("sim-{}", uuid::Uuid::new_v4().simple());
        w.user_mut(i).methods.push(super::tenant::SimMethod {
            id: id.clone(),
            created_date_time: Some(now),
            last_used_date_time: None,
            detail: MethodDetail::Fido2 {
                display_name: Some(display_name.into()),
                aa_guid: Some("cb69481e-8ff7-4039-93ec-0a2729a154a8".into()),
                model: Some("YubiKey 5 Series with NFC".into()),
                attestation_level: Some("attested".into()),
                attestation_certificates: Vec::new(),
                passkey_type: Some("deviceBound".into()),
            },
        });
        Some(id)
    }

    /// The current TAP policy.
    pub fn tap_policy(&self) -> TapPolicy {
        self.shared.lock().tenant.tap_policy.clone()
    }

    /// Replaces the TAP policy (applies to the next request).
    pub fn set_tap_policy(&self, policy: TapPolicy) {
        self.shared.lock().tenant.tap_policy = policy;
    }

    /// Changes the simulator switches.
    pub fn set_settings(&self, settings: SimSettings) {
        self.shared.lock().tenant.settings = settings;
    }

    /// Reads the tenant.
    pub fn with_tenant<R>(&self, f: impl FnOnce(&Tenant) -> R) -> R {
        f(&self.shared.lock().tenant)
    }

    /// Changes the tenant (users, groups, roles, ...); indexes are rebuilt afterwards.
    pub fn with_tenant_mut<R>(&self, f: impl FnOnce(&mut Tenant) -> R) -> R {
        let mut w = self.shared.lock();
        let r = f(&mut w.tenant);
        w.reindex();
        r
    }
}
