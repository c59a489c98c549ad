//! The application state and the only code that changes it.
//!
//! One [`Model`] is owned by the render loop. Keys and worker answers arrive as [`Msg`];
//! [`update`] is synchronous and pure (no I/O, no clock: time comes in with the message) and returns
//! [`Cmd`]s for the loop to run. Graph requests carry a [`RequestId`]; an answer whose id is no
//! longer the current one is dropped, so a slow answer about user A never shows under user B. The
//! one exception is a created Temporary Access Pass: Graph returns the pass only once, so it is
//! always shown, whatever the operator did meanwhile.

pub mod last_use;
pub mod methods_watch;
pub mod pass_watch;
pub mod policy_editor;
pub mod preflight;
pub mod recovery;
pub mod signin;
pub mod tap_form;
mod update;

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::SecretString;

pub use update::{init, start_sign_in, update};

use crate::clipboard::outcome::{ClearOutcome, CopyOutcome};
use crate::directory::UserRow;
use tap_form::{Justification, TapForm};
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, Reply, RequestId};
use tapdesk_graph::types::{AuthMethod, TapCreateRequest, TapMethod, TapPolicy, User, UserCard};

/// Most users the Users pane lists for a query.
pub const RESULT_LIMIT: usize = 200;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    /// User search and results.
    #[default]
    Users,
    /// The selected user's authentication methods.
    Methods,
    /// The Temporary Access Pass form.
    TapForm,
}

/// Something fetched from Graph.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Loadable<T> {
    /// Not asked for.
    #[default]
    Idle,
    /// Asked for; the id of the request whose answer is awaited.
    Loading(RequestId),
    /// Arrived.
    Ready(T),
    /// Failed; one line for the operator.
    Failed(String),
}

impl<T> Loadable<T> {
    /// The value, when it arrived.
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loadable::Ready(v) => Some(v),
            _ => None,
        }
    }
}

/// The user whose methods are shown and for whom a pass would be issued.
#[derive(Debug, Clone, PartialEq)]
pub struct Selected {
    /// The user (sanitised).
    pub user: User,
    /// Their authentication methods.
    pub methods: Loadable<Vec<AuthMethod>>,
    /// Caller-verification card: profile, manager, groups and roles.
    pub card: Loadable<UserCard>,
    /// Highlighted row in the Methods pane.
    pub method_row: usize,
}

/// The pass popup. Holds the pass as a secret until the popup closes; dropping it wipes it.
#[derive(Debug)]
pub struct PassPopup {
    /// The pass (never printed by Debug).
    pub pass: SecretString,
    /// What Graph said about the new method (start, lifetime, one-time).
    pub tap: TapMethod,
    /// Display name of the user it was issued for (sanitised).
    pub user_name: String,
    /// UPN of that user (sanitised).
    pub user_upn: String,
    /// What the last copy did, if the operator copied.
    pub copied: Option<CopyOutcome>,
    /// The operator pressed quit (`q`, `Ctrl-C`) while the pass is shown: the popup asks first,
    /// since Graph never shows this pass again. A second quit quits; any other key keeps it.
    pub quit_asked: bool,
}

/// A TAP create as sent, remembered until the next one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreateSent {
    /// When the request was handed to the worker (UTC, this machine's clock).
    pub at: Timestamp,
    /// Ids of the user's passes the Methods pane listed when it was sent (those this console
    /// issued are in [`Model::issued_here`]).
    pub known_taps: std::collections::HashSet<String>,
}

/// An action that waits for the operator's confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingAction {
    /// `DELETE /users/{id}/authentication/{segment}/{method_id}`.
    DeleteMethod {
        /// The user (sanitised).
        user: User,
        /// Per-type collection, e.g. `fido2Methods`.
        segment: String,
        /// Method id.
        method_id: String,
        /// The method in words, e.g. `FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01`.
        description: String,
        /// Type, name and id for the audit log.
        parameters: serde_json::Value,
    },
    /// `POST /users/{id}/revokeSignInSessions`.
    RevokeSessions {
        /// The user (sanitised).
        user: User,
    },
    /// `POST /users/{id}/authentication/temporaryAccessPassMethods` for a user who has a pass
    /// that still works or will: the new one replaces it (a user has at most one).
    ReplaceTap {
        /// The user (sanitised).
        user: User,
        /// The new pass's start (UTC), lifetime (minutes) and one-time.
        body: TapCreateRequest,
    },
}

/// Which field of a confirmation has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfirmField {
    /// The ticket reference.
    #[default]
    Ticket,
    /// How the caller was verified.
    Verified,
}

/// A confirmation popup: the question, the shared ticket/verification fields, Enter or Esc.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// What happens on Enter.
    pub action: PendingAction,
    /// The question, naming the method and the user.
    pub question: String,
    /// A warning drawn under the question (yellow), e.g. that the key to delete signed in
    /// minutes ago ([`crate::app::last_use::recent_use_warning`]).
    pub warning: Option<String>,
    /// Focused field.
    pub field: ConfirmField,
    /// Why Enter was refused.
    pub error: Option<String>,
}

/// A popup over the panes.
#[derive(Debug, Default)]
pub enum Popup {
    /// None.
    #[default]
    None,
    /// Keys help.
    Help,
    /// The new pass.
    Pass(Box<PassPopup>),
    /// A confirmation.
    Confirm(Box<Confirm>),
    /// The TAP policy pane.
    Policy(Box<policy_editor::PolicyEditor>),
}

/// What was sent, kept until Graph answers, to write the audit line.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditDraft {
    /// The `actionId` its `attempt` and `result` lines share.
    pub action_id: String,
    /// `createTemporaryAccessPass`, `deleteAuthenticationMethod`, `revokeSignInSessions`.
    pub action: &'static str,
    /// Target user's object id.
    pub target_id: String,
    /// Target user's UPN.
    pub target_upn: String,
    /// What was asked for (never a secret).
    pub parameters: serde_json::Value,
    /// Ticket reference, if given.
    pub ticket: Option<String>,
    /// Verification, if given.
    pub verification: Option<String>,
}

/// A request waiting on Graph's throttling ([`tapdesk_graph::protocol::GraphResponse::Waiting`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// When the request is sent again (UTC).
    pub until: Timestamp,
    /// The HTTP status that asked for the wait (429, 503, 504).
    pub status: u16,
    /// What the request is about ([`GraphRequest::topic`]).
    pub topic: &'static str,
}

/// The plan after a failed directory load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsersRetry {
    /// Failed loads in a row (1 after the first).
    pub failures: u32,
    /// When tapdesk loads again by itself (UTC); `None`: only on `Ctrl-R`.
    pub at: Option<Timestamp>,
}

/// How the status line colours its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusKind {
    /// Neutral information.
    #[default]
    Info,
    /// Something worked.
    Ok,
    /// Something failed.
    Error,
}

/// The status line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    /// One line, sanitised.
    pub text: String,
    /// Colour.
    pub kind: StatusKind,
}

/// Operator settings that change behaviour (from the command line, the environment and the config file).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seconds after a copy at which the clipboard is cleared if it still holds the pass (0 = never).
    pub clipboard_clear_secs: u64,
    /// A ticket reference and the caller verification are required before a pass is issued or a
    /// method deleted.
    pub require_justification: bool,
    /// Tenant name or id for the status bar and the audit log.
    pub tenant: String,
    /// The tenant's own domains, left out of the text users are matched on (`contoso.example`).
    pub own_domains: Vec<String>,
    /// Who is signed in, for the status bar (`dana@contoso.example @ contoso.example`, or the app
    /// for app-only sign-in); empty when unknown.
    pub identity: String,
    /// `Some` for app-only sign-in: the audit log's operator is this app, not a person.
    pub app_only_operator: Option<String>,
    /// What the token's permissions allow (from its `scp`/`roles`); a feature whose entry is
    /// `Err` is refused with that sentence.
    pub capabilities: crate::auth::capabilities::Capabilities,
    /// What the TAP form starts with (the `[tap]` settings); unset parts come from the tenant's
    /// policy.
    pub tap_defaults: crate::config::TapDefaults,
    /// This console session's id in the audit log's `actionId`s (`{audit_session}.{n}`): random
    /// per process (the render loop sets it), so two consoles sharing one log never collide.
    pub audit_session: String,
}

impl Settings {
    /// Takes who signed in from `signed` (identity, tenant, own domains, capabilities), keeping
    /// the operator's other settings: what `main` does before the TUI for non-interactive sign-in,
    /// and `update` does when the in-TUI device-code sign-in succeeds.
    pub fn apply_sign_in(&mut self, signed: &crate::auth::events::SignedIn) {
        self.tenant = signed.identity.tenant.clone();
        self.own_domains = signed.own_domains();
        self.identity = signed.status_text();
        self.app_only_operator = signed.identity.app_only.then(|| signed.identity.display.clone());
        self.capabilities = signed.capabilities.clone();
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            clipboard_clear_secs: 30,
            require_justification: false,
            tenant: String::new(),
            own_domains: Vec::new(),
            identity: String::new(),
            app_only_operator: None,
            capabilities: crate::auth::capabilities::Capabilities::unknown(),
            tap_defaults: crate::config::TapDefaults::default(),
            audit_session: "session".into(),
        }
    }
}

/// The whole application state.
#[derive(Debug)]
pub struct Model {
    /// Focused pane.
    pub focus: Focus,
    /// The search box has the keyboard (printable keys go to the query).
    pub editing: bool,
    /// Search query as typed.
    pub query: String,
    /// Cached directory, in Graph's order (sanitised, compact: see [`UserRow`]).
    pub users: Vec<UserRow>,
    /// Generation of the latest query sent to the matcher worker (replies of older ones are dropped).
    pub query_generation: u64,
    /// Query text of the results shown (to keep the cursor when the same query is re-answered).
    pub results_query: String,
    /// Rows that matched the shown query (all of them, not only `results`).
    pub matched: usize,
    /// Users the matcher had indexed for the shown results.
    pub indexed: usize,
    /// Users found by Graph `$search` while the directory is still loading, not in `users` yet.
    pub remote_hits: Vec<UserRow>,
    /// Enter was pressed before the results of the typed query arrived: select the best match
    /// when they do (never the stale first row of an older query).
    pub select_when_ready: bool,
    /// The `$search` in flight: (request id, query text).
    pub remote_search: Option<(RequestId, String)>,
    /// `@odata.count` of the directory, when Graph said.
    pub users_total: Option<u64>,
    /// The directory load in flight, if any.
    pub users_request: Option<RequestId>,
    /// Why the directory load failed, if it did.
    pub users_error: Option<String>,
    /// After a failed directory load: how often it failed in a row and when tapdesk loads it again
    /// by itself (`None` when the failure is not one that waiting cures: a refusal, a bad answer).
    pub users_retry: Option<UsersRetry>,
    /// Requests waiting before a retry because Graph throttled them, by request id (shown on the
    /// status line with a countdown; `Ctrl-X` cancels).
    pub waits: std::collections::BTreeMap<RequestId, Wait>,
    /// Indices into `users`, best match first.
    pub results: Vec<usize>,
    /// Highlighted row in `results`.
    pub result_row: usize,
    /// The selected user.
    pub selected: Option<Selected>,
    /// The tenant's TAP policy.
    pub policy: Loadable<TapPolicy>,
    /// The TAP form.
    pub form: TapForm,
    /// Ticket and caller verification for the current call.
    pub just: Justification,
    /// The signed-in operator (`GET /me`), when known.
    pub operator: Option<User>,
    /// The operator's own card (their roles decide whom they may act on).
    pub operator_card: Option<UserCard>,
    /// The request for `operator_card` in flight.
    pub operator_card_request: Option<RequestId>,
    /// The audit log could not be written: further actions are refused until tapdesk restarts.
    pub audit_failed: Option<String>,
    /// Writes in flight, for their audit lines.
    pub in_flight: HashMap<RequestId, AuditDraft>,
    /// A TAP create in flight: (request id, user id).
    pub creating: Option<(RequestId, String)>,
    /// A `ListTaps` sent after an uncertain create, whose answer tells the operator what happened.
    pub checking_taps: Option<RequestId>,
    /// The last TAP create sent: when, and the passes known before it (to tell a pass that
    /// request created from an older one after an uncertain answer).
    pub create_sent: Option<CreateSent>,
    /// The watch on the pass this console issued last: confirmed, replaced or deleted elsewhere
    /// (rechecked while its popup or the recovery summary is open).
    pub pass_watch: Option<pass_watch::PassWatch>,
    /// The watch on the selected user's methods (see [`methods_watch`]).
    pub methods_watch: Option<methods_watch::MethodsWatch>,
    /// A TAP policy PATCH in flight.
    pub policy_saving: Option<RequestId>,
    /// The lost-key recovery flow, while it runs.
    pub recovery: Option<recovery::Recovery>,
    /// The popup.
    pub popup: Popup,
    /// Status line.
    pub status: Status,
    /// Operator's time zone for displayed times (Graph's are UTC).
    pub tz: TimeZone,
    /// Last known time (from messages).
    pub now: Timestamp,
    /// Set when the operator asked to quit.
    pub quit: bool,
    /// Settings.
    pub settings: Settings,
    /// When the copied pass is to be cleared from the clipboard (UTC), if a copy is pending.
    pub clipboard_clear_at: Option<Timestamp>,
    /// Ids of the Temporary Access Passes this console issued (from Graph's create answers), so
    /// the Methods pane can tell them from a pass issued elsewhere (another console, the portal).
    pub issued_here: std::collections::HashSet<String>,
    /// Ids of passes this console's creates made whose answer (with the code) never arrived, as
    /// told apart after an uncertain create.
    pub codes_lost_here: std::collections::HashSet<String>,
    /// What the last clipboard clear did this session, and when (UTC); said again, with the
    /// time, on the normal screen at exit.
    pub clipboard_cleared: Option<(ClearOutcome, Timestamp)>,
    /// The in-TUI device-code sign-in (`None` when tapdesk signed in before the TUI, or `--demo`).
    pub signin: Option<signin::SignIn>,
    next_id: RequestId,
}

impl Model {
    /// A fresh model. `tz` is the operator's time zone, `now` the current time.
    pub fn new(tz: TimeZone, now: Timestamp) -> Self {
        Self {
            focus: Focus::Users,
            editing: false,
            query: String::new(),
            users: Vec::new(),
            query_generation: 0,
            results_query: String::new(),
            matched: 0,
            indexed: 0,
            remote_hits: Vec::new(),
            remote_search: None,
            select_when_ready: false,
            users_total: None,
            users_request: None,
            users_error: None,
            users_retry: None,
            waits: std::collections::BTreeMap::new(),
            results: Vec::new(),
            result_row: 0,
            selected: None,
            policy: Loadable::Idle,
            form: TapForm::default(),
            just: Justification::default(),
            operator: None,
            operator_card: None,
            operator_card_request: None,
            in_flight: HashMap::new(),
            audit_failed: None,
            creating: None,
            checking_taps: None,
            create_sent: None,
            pass_watch: None,
            methods_watch: None,
            recovery: None,
            policy_saving: None,
            popup: Popup::None,
            status: Status { text: "Loading the directory…".into(), kind: StatusKind::Info },
            tz,
            now,
            quit: false,
            settings: Settings::default(),
            clipboard_clear_at: None,
            issued_here: std::collections::HashSet::new(),
            codes_lost_here: std::collections::HashSet::new(),
            clipboard_cleared: None,
            signin: None,
            next_id: 1,
        }
    }

    /// A new request id.
    fn request_id(&mut self) -> RequestId {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The rows of the Users pane: first the `$search` hits from Graph that the cache does not
    /// hold yet (while loading: Graph matches word starts, and these users cannot be reached any
    /// other way yet), then the matcher's hits in the cache, best first.
    pub fn result_users(&self) -> impl Iterator<Item = &UserRow> {
        self.remote_hits.iter().chain(self.results.iter().filter_map(|&i| self.users.get(i)))
    }

    /// The cache does not hold the whole directory yet: still loading, or the load failed part of
    /// the way (then Graph's `$search` keeps finding the users the cache lacks).
    pub fn directory_incomplete(&self) -> bool {
        self.users_request.is_some() || self.users_error.is_some()
    }

    /// Number of rows in the Users pane.
    pub fn result_len(&self) -> usize {
        self.results.len() + self.remote_hits.len()
    }

    /// Highlights the row of user `id` if the results hold them, else the first row.
    pub fn highlight(&mut self, id: Option<&str>) {
        self.result_row = id
            .and_then(|k| self.result_users().position(|u| u.id() == k))
            .unwrap_or(0)
            .min(self.result_len().saturating_sub(1));
    }

    /// The user highlighted in the results, if any.
    pub fn highlighted_user(&self) -> Option<&UserRow> {
        self.result_users().nth(self.result_row)
    }

    /// The pre-flight findings for the selected user, once their card has arrived.
    pub fn preflight(&self) -> Option<Vec<preflight::Finding>> {
        let sel = self.selected.as_ref()?;
        let card = sel.card.ready()?;
        Some(preflight::check(
            card,
            self.policy.ready(),
            self.operator_card.as_ref(),
            sel.methods.ready().map(Vec::as_slice),
            &self.tz,
            self.now,
        ))
    }

    /// The pass popup, when open.
    pub fn pass_popup(&self) -> Option<&PassPopup> {
        match &self.popup {
            Popup::Pass(p) => Some(p),
            _ => None,
        }
    }

    /// The status line's text while requests wait on Graph's throttling: the wait that ends last,
    /// counting down ("Throttled by Graph (429): retry in 7 s · Ctrl-X cancels · loading the
    /// directory"); a wait of a minute or more also says the time it ends. `None` when
    /// nothing waits.
    pub fn wait_line(&self) -> Option<String> {
        let w = self.waits.values().max_by_key(|w| w.until)?;
        let left = w.until.duration_since(self.now).max(jiff::SignedDuration::ZERO);
        let secs = left.as_secs() + i64::from(left.subsec_nanos() > 0);
        let when = if secs >= 60 {
            format!(
                "{} (at {})",
                crate::timefmt::span_words(secs),
                w.until.to_zoned_datetime(self.tz.clone()).strftime("%H:%M %Z")
            )
        } else {
            format!("{secs} s")
        };
        let more = match self.waits.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        let cancel = crate::keymap::key_hint(crate::keymap::Action::CancelWait);
        // The countdown and the key come first: at 80 columns the topic may be cut.
        Some(format!("Throttled by Graph ({}): retry in {when} · {cancel} cancels · {}{more}", w.status, w.topic))
    }

    /// The row of the selected user's Temporary Access Pass in the Methods pane, if they have one.
    pub fn pass_row(&self) -> Option<usize> {
        let methods = self.selected.as_ref()?.methods.ready()?;
        methods.iter().position(|m| matches!(m, tapdesk_graph::types::AuthMethod::TemporaryAccessPass(_)))
    }

    /// The latest change the methods watch saw for the selected user, in words; once a method
    /// was registered while a pass remains, with the offer to delete the pass
    /// ("… · X deletes the pass"; short, so the status line holds it whole at 80 columns).
    pub fn watch_news(&self) -> Option<String> {
        let w =
            self.methods_watch.as_ref().filter(|w| self.selected.as_ref().is_some_and(|s| s.user.id == w.user_id))?;
        let last = w.news.last()?;
        let offer = if w.registered_since() && self.pass_row().is_some() {
            format!(" · {} deletes the pass", crate::keymap::key_hint(crate::keymap::Action::DeletePass))
        } else {
            String::new()
        };
        Some(format!("{}{offer}", last.text))
    }

    pub(crate) fn set_status(&mut self, kind: StatusKind, text: impl AsRef<str>) {
        self.status = Status { text: crate::sanitize::clean(text.as_ref()).into_owned(), kind };
    }
}

/// Everything that can happen to the model.
#[derive(Debug)]
pub enum Msg {
    /// The matcher worker ranked the users for a query.
    Matched(crate::search::protocol::MatchReply),
    /// A key press (only `KeyEventKind::Press` reaches here).
    Key(crossterm::event::KeyEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// A Graph worker answer (boxed: answers are large, keys are small).
    Graph(Box<Reply>),
    /// The clipboard service did (or did not) copy the pass.
    Copied(CopyOutcome),
    /// The clipboard service cleared (or did not clear) the clipboard.
    ClipboardCleared(ClearOutcome),
    /// Writing the audit log failed (the I/O error in words).
    AuditFailed(String),
    /// The sign-in worker's news: the code to show, signed in, failed.
    SignIn(crate::auth::events::SignInEvent),
    /// The clipboard service did (or did not) copy the sign-in `user_code`.
    UserCodeCopied(CopyOutcome),
    /// `SIGTSTP` from outside (`kill -TSTP`, a terminal's suspend key without raw mode): suspend
    /// as `Ctrl-Z` does.
    StopRequested,
    /// Back from a suspend ([`Cmd::Suspend`]).
    Suspended {
        /// Why the terminal could not be given back, if it could not (tapdesk kept running).
        error: Option<String>,
        /// The clear of a copied pass made just before the stop, if one was on a clipboard.
        cleared: Option<ClearOutcome>,
    },
    /// Time passed.
    Tick,
}

/// What `update` asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Send a request to the Graph worker.
    Graph(RequestId, GraphRequest),
    /// A write (TAP create, method delete, revoke, policy `PATCH`): append and sync the audit
    /// `attempt` line, then send the request; if the line cannot be written, send nothing and
    /// answer the request as failed with `GraphError::NotSent`.
    Write {
        /// The request id.
        id: RequestId,
        /// The `attempt` line.
        attempt: Box<crate::audit::event::AuditEvent>,
        /// The write.
        request: GraphRequest,
    },
    /// Copy the pass of the open pass popup (the loop reads it from the model, so the secret is
    /// never cloned into a command), then answer [`Msg::Copied`].
    CopyPass,
    /// Clear what tapdesk copied, if the clipboard still holds it; answer [`Msg::ClipboardCleared`].
    ClearClipboard,
    /// Append one line to the audit log.
    Audit(Box<crate::audit::event::AuditEvent>),
    /// Send to the matcher worker (ranking runs there, never in `update`); it answers
    /// [`Msg::Matched`].
    Match(crate::search::protocol::MatchRequest),
    /// Send to the sign-in worker (start an attempt, or cancel it); it answers [`Msg::SignIn`].
    SignIn(crate::auth::events::SignInRequest),
    /// Clear a pass tapdesk copied (so it does not sit on a clipboard while tapdesk is stopped),
    /// give the terminal back to the shell and stop the process (`Ctrl-Z`); answered by
    /// [`Msg::Suspended`] once the shell continues it (`fg`).
    Suspend,
    /// Copy the `user_code` of the shown sign-in prompt (read from the model), then answer
    /// [`Msg::UserCodeCopied`].
    CopyUserCode,
}

/// One line for an error from Graph.
pub fn error_line(what: &str, e: &GraphError) -> String {
    crate::sanitize::clean(&format!("{what}: {e}")).into_owned()
}
