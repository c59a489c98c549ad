//! Closing the loop after a call: while a user's Methods pane is open (and so also under the pass
//! popup and the recovery flow), tapdesk lists their methods again every [`RECHECK`]
//! (`GET /users/{id}/authentication/methods`) and says in the card what changed since: a method
//! registered ("FIDO2 security key 'YubiKey 5C' registered 14:07 UTC"), removed, or signed in
//! with (`lastUsedDateTime` moved: a "lost" key still in use), and a pass used (`OneTimeUsed`) or
//! gone. Once a new method is registered while a pass remains, the card offers to delete the pass.
//!
//! Cost: one request per [`RECHECK`] (4 a minute) for the one open user, none for anyone else.
//! Failures (throttling included; the client already waited out any `Retry-After`) double the
//! wait up to [`MAX_BACKOFF`]; [`IDLE`] after the operator's last key the watch pauses, so a
//! console left open costs Graph nothing. Plain data and pure transitions: time comes in as an
//! argument.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tapdesk_graph::protocol::RequestId;
use tapdesk_graph::types::AuthMethod;

/// Time between two lists (15 s).
pub const RECHECK: SignedDuration = SignedDuration::from_secs(15);
/// Longest wait between lists after failures.
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(120);
/// The watch pauses this long (15 min) after the operator's last key; any key resumes it.
pub const IDLE: SignedDuration = SignedDuration::from_mins(15);

/// What the watch remembers of one method.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    id: String,
    is_tap: bool,
    reason: Option<String>,
    last_used: Option<Timestamp>,
    created: Option<Timestamp>,
    description: String,
}

/// One change the watch saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct News {
    /// In words, naming the method and the time.
    pub text: String,
    /// A method (not a pass) was registered.
    pub registered: bool,
}

/// The watch on one user's methods.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodsWatch {
    /// Object id of the watched user.
    pub user_id: String,
    seen: Vec<Seen>,
    /// The list whose answer is awaited.
    pub in_flight: Option<RequestId>,
    /// When the next list is due (UTC).
    pub next_check: Timestamp,
    /// Failed lists in a row.
    pub failures: u32,
    /// The operator's last key (UTC); the watch pauses [`IDLE`] after it.
    pub last_key: Timestamp,
    /// What changed since the watch started, oldest first.
    pub news: Vec<News>,
}

/// A method in words: its type as Entra names it and the name the user gave it, e.g.
/// `FIDO2 security key 'YubiKey 5C'` (names are sanitised before they reach the model).
pub fn describe(m: &AuthMethod) -> String {
    let name = match m {
        AuthMethod::Fido2(f) => f.display_name.clone(),
        AuthMethod::MicrosoftAuthenticator(a) => a.display_name.clone(),
        AuthMethod::WindowsHelloForBusiness(w) => w.display_name.clone(),
        AuthMethod::PlatformCredential(p) => p.display_name.clone(),
        AuthMethod::Phone(p) => p.phone_number.clone(),
        AuthMethod::Email(e) => e.email_address.clone(),
        _ => None,
    };
    match name.filter(|n| !n.is_empty()) {
        Some(n) => format!("{} '{n}'", m.type_label()),
        None => m.type_label(),
    }
}

fn seen(methods: &[AuthMethod]) -> Vec<Seen> {
    methods
        .iter()
        .map(|m| {
            let tap = match m {
                AuthMethod::TemporaryAccessPass(t) => Some(t),
                _ => None,
            };
            Seen {
                id: m.id().to_owned(),
                is_tap: tap.is_some(),
                reason: tap.and_then(|t| t.method_usability_reason.clone()),
                last_used: m.last_used(),
                created: m.created(),
                description: describe(m),
            }
        })
        .collect()
}

impl MethodsWatch {
    /// A watch on `user_id`, whose methods are `methods` at `now`; the first list is due after
    /// [`RECHECK`].
    pub fn new(user_id: String, methods: &[AuthMethod], now: Timestamp) -> Self {
        Self {
            user_id,
            seen: seen(methods),
            in_flight: None,
            next_check: now.checked_add(RECHECK).unwrap_or(now),
            failures: 0,
            last_key: now,
            news: Vec::new(),
        }
    }

    /// `true` while the operator was active within [`IDLE`].
    pub fn active(&self, now: Timestamp) -> bool {
        now.duration_since(self.last_key) < IDLE
    }

    /// `true` when a list should be sent at `now`.
    pub fn due(&self, now: Timestamp) -> bool {
        self.in_flight.is_none() && now >= self.next_check && self.active(now)
    }

    /// Records that the list `id` was sent.
    pub fn sent(&mut self, id: RequestId) {
        self.in_flight = Some(id);
    }

    /// A key at `now`: the watch goes on (or resumes at once after a pause).
    pub fn key(&mut self, now: Timestamp) {
        if !self.active(now) {
            self.next_check = now;
        }
        self.last_key = now;
    }

    /// Graph's answer to a list, at `now`: what changed is added to [`Self::news`] (and returned).
    /// Also used for lists tapdesk makes for other reasons (after a delete or a create), so the
    /// watch compares with what the operator last saw.
    /// `issued_here` holds the ids of passes this console created: their arrival is not news.
    pub fn on_list(
        &mut self,
        methods: &[AuthMethod],
        issued_here: &std::collections::HashSet<String>,
        now: Timestamp,
        tz: &TimeZone,
    ) -> Vec<News> {
        self.failures = 0;
        self.next_check = now.checked_add(RECHECK).unwrap_or(now);
        let new = seen(methods);
        let when = |t: Timestamp| crate::timefmt::when(t, now, tz);
        let mut news = Vec::new();
        let mut add = |text: String, registered: bool| news.push(News { text, registered });
        for n in &new {
            match self.seen.iter().find(|o| o.id == n.id) {
                None if !n.is_tap => {
                    add(format!("{} registered {}", n.description, when(n.created.unwrap_or(now))), true);
                }
                None if issued_here.contains(&n.id) => {}
                None => {
                    // A pass from elsewhere (another console, the admin center), replacing the
                    // one the operator saw or not.
                    let at = n.created.unwrap_or(now);
                    let replaced = self.seen.iter().any(|o| o.is_tap && !new.iter().any(|x| x.id == o.id));
                    let text = if replaced {
                        format!("Another pass replaced the earlier one (issued elsewhere at {})", when(at))
                    } else {
                        format!("A pass was issued elsewhere at {}", when(at))
                    };
                    add(text, false);
                }
                Some(o) if n.is_tap && o.reason != n.reason && n.reason.as_deref() == Some("OneTimeUsed") => {
                    add(format!("The pass was used to sign in (seen {})", when(now)), false);
                }
                Some(o) if n.last_used.is_some() && o.last_used != n.last_used => {
                    let at = n.last_used.unwrap_or(now);
                    let what = if n.is_tap { "The pass".to_owned() } else { n.description.clone() };
                    add(format!("{what} signed in {}", when(at)), false);
                }
                Some(_) => {}
            }
        }
        let tap_arrived = new.iter().any(|n| n.is_tap && !self.seen.iter().any(|o| o.id == n.id));
        // A pass replaced by another is said once, above.
        for o in self.seen.iter().filter(|o| !(new.iter().any(|n| n.id == o.id) || (o.is_tap && tap_arrived))) {
            let what = if o.is_tap { "The pass".to_owned() } else { o.description.clone() };
            add(format!("{what} is no longer listed (seen {})", when(now)), false);
        }
        self.seen = new;
        self.news.extend(news.iter().cloned());
        news
    }

    /// A list tapdesk made for its own reasons (the first load, the refresh after a delete or a
    /// create): the operator sees it, so it becomes what later lists are compared with, with no
    /// news.
    pub fn rebase(&mut self, methods: &[AuthMethod]) {
        self.seen = seen(methods);
    }

    /// A list failed at `now`: the next waits [`RECHECK`] × 2^failures, at most [`MAX_BACKOFF`].
    pub fn on_failure(&mut self, now: Timestamp) {
        self.in_flight = None;
        self.failures = self.failures.saturating_add(1);
        let wait = RECHECK.checked_mul(1_i32 << self.failures.min(4)).unwrap_or(MAX_BACKOFF).min(MAX_BACKOFF);
        self.next_check = now.checked_add(wait).unwrap_or(now);
    }

    /// `true` when a method was registered since the watch started.
    pub fn registered_since(&self) -> bool {
        self.news.iter().any(|n| n.registered)
    }
}
