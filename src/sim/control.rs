//! Test control of a running simulator: the clock, fault injection, the request log, tokens and
//! direct access to the tenant.

use std::sync::Arc;
use std::time::Duration;

use axum::http::Method;
use jiff::{SignedDuration, Timestamp};

use super::state::Shared;
use super::tenant::{MethodDetail, SimSettings, Tenant};
use crate::graph::types::TapPolicy;

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
}

impl FaultRule {
    /// A rule for `method` (None = any) requests whose path contains/equals `route`, applying
    /// until cleared.
    pub fn new(method: Option<Method>, route: impl Into<String>, fault: Fault) -> Self {
        FaultRule { method, route: route.into(), fault, times: None }
    }

    /// Limits the rule to the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    pub(crate) fn matches(&self, method: &Method, matched: Option<&str>, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method)
            && (matched == Some(self.route.as_str()) || path.contains(&self.route))
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
