//! Is the pass on screen the pass that works? Graph keeps one Temporary Access Pass per user: a
//! second create (another console, the Entra admin center, a script) replaces the first, whose
//! code then stops working. After a create, tapdesk lists the user's passes
//! (`GET /users/{id}/authentication/temporaryAccessPassMethods`) and says "issued" only when the
//! new method id is the one Graph holds; while the pass popup or the recovery summary is open it
//! checks again every [`RECHECK`] and turns the popup into a warning the moment the pass is
//! replaced or deleted elsewhere.
//!
//! Plain data and pure transitions: time comes in as an argument, requests go out as ids the
//! caller sends (see `update::graph`).

use jiff::{SignedDuration, Timestamp};
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::RequestId;
use tapdesk_graph::types::TapMethod;

/// Time between two checks while the popup or summary is open (15 s: 4 requests a minute per
/// watched user, far under Graph's per-app limits for the authentication-method endpoints).
pub const RECHECK: SignedDuration = SignedDuration::from_secs(15);

/// Longest wait between checks after failures (doubling from [`RECHECK`]).
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(120);

/// What Graph's list of the user's passes says about the pass tapdesk issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchState {
    /// Created; the first list has not answered yet (the popup says "confirming", not "issued").
    Confirming,
    /// The new method id is the user's pass in Graph.
    Active,
    /// The pass is the user's and Graph says it was used (`methodUsabilityReason`
    /// `OneTimeUsed`): the user has signed in with it. Checks stop.
    Used,
    /// Graph holds another pass (created at `other_created`, UTC, when Graph said): this code no
    /// longer works.
    Replaced {
        /// `createdDateTime` of the pass that replaced it.
        other_created: Option<Timestamp>,
    },
    /// The user has no pass any more: deleted elsewhere (or expired and removed by Graph); this
    /// code no longer works.
    Gone,
}

/// The watch on one issued pass.
#[derive(Debug, Clone, PartialEq)]
pub struct PassWatch {
    /// Object id of the user the pass was issued for.
    pub user_id: String,
    /// Their display name (sanitised), for the warnings.
    pub user_name: String,
    /// The new method's id (from the create answer).
    pub method_id: String,
    /// Where the watch stands.
    pub state: WatchState,
    /// The `ListTaps` whose answer is awaited.
    pub in_flight: Option<RequestId>,
    /// When the next check is due (UTC).
    pub next_check: Timestamp,
    /// Failed checks in a row (each doubles the wait, up to [`MAX_BACKOFF`]).
    pub failures: u32,
    /// The last failure in words, while checks fail.
    pub last_error: Option<String>,
    /// When Graph last answered a check (UTC).
    pub last_checked: Option<Timestamp>,
}

impl PassWatch {
    /// A watch on method `method_id` of `user_id`, created at `now`; the first check is due at once.
    pub fn new(user_id: String, user_name: String, method_id: String, now: Timestamp) -> Self {
        Self {
            user_id,
            user_name,
            method_id,
            state: WatchState::Confirming,
            in_flight: None,
            next_check: now,
            failures: 0,
            last_error: None,
            last_checked: None,
        }
    }

    /// `true` when a check should be sent at `now`: none in flight, the wait is over, and the pass
    /// may still be the working one (a replaced or deleted pass never comes back).
    pub fn due(&self, now: Timestamp) -> bool {
        self.in_flight.is_none()
            && now >= self.next_check
            && matches!(self.state, WatchState::Confirming | WatchState::Active)
    }

    /// `true` once the pass is known not to work any more.
    pub fn dead(&self) -> bool {
        matches!(self.state, WatchState::Replaced { .. } | WatchState::Gone)
    }

    /// Records that the check `id` was sent.
    pub fn sent(&mut self, id: RequestId) {
        self.in_flight = Some(id);
    }

    /// Applies Graph's answer to a check, at `now`. Returns `true` when the state changed.
    ///
    /// A failed check keeps the state (the pass is not declared dead on a network error) and
    /// waits [`RECHECK`] × 2^failures, at most [`MAX_BACKOFF`]: throttling (429) and outages slow
    /// the watch down instead of adding load.
    pub fn on_list(&mut self, result: Result<&[TapMethod], &GraphError>, now: Timestamp) -> bool {
        self.in_flight = None;
        let before = self.state.clone();
        match result {
            Ok(taps) => {
                self.failures = 0;
                self.last_error = None;
                self.last_checked = Some(now);
                let mine = taps.iter().find(|t| t.base.id == self.method_id);
                self.state = if let Some(t) = mine {
                    if t.method_usability_reason.as_deref() == Some("OneTimeUsed") {
                        WatchState::Used
                    } else {
                        WatchState::Active
                    }
                } else if let Some(other) = taps.first() {
                    WatchState::Replaced { other_created: other.base.created_date_time }
                } else {
                    WatchState::Gone
                };
                self.next_check = now.checked_add(RECHECK).unwrap_or(now);
            }
            Err(e) => {
                self.failures = self.failures.saturating_add(1);
                self.last_error = Some(e.to_string());
                let wait = RECHECK.checked_mul(1_i32 << self.failures.min(4)).unwrap_or(MAX_BACKOFF).min(MAX_BACKOFF);
                self.next_check = now.checked_add(wait).unwrap_or(now);
            }
        }
        self.state != before
    }
}
