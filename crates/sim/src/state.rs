//! Shared simulator state: the tenant with its indexes, issued tokens, the clock, faults and the
//! request log, behind one mutex (never held across an `.await`).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::{SignedDuration, Timestamp};

use super::control::{DeviceCodeState, FaultRule, LoggedRequest, StsSettings};
use super::tenant::{MethodDetail, SimMethod, SimUser, Tenant, role_templates as rt};

/// What the simulator remembers about a token it issued.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    /// User the token acts for.
    pub oid: String,
    /// Expiry, Unix seconds of the real clock.
    pub exp: i64,
    /// Granted permissions (the `scp` claim), e.g. `User.Read.All`.
    pub scopes: Vec<String>,
    /// Graph answers 401 with a claims challenge (continuous access evaluation) for this token.
    pub needs_claims: bool,
    /// An app-only token: `oid` is a service principal, `scopes` are application permissions
    /// (`roles`), and no directory role applies.
    pub app_only: bool,
    /// When the person signed in (with MFA), by the simulator's clock (Unix seconds): the mint
    /// time for a sign-in, carried over by a refresh (a refresh is no new MFA).
    pub auth_time: i64,
}

/// A refresh token the simulator issued (device-code and refresh grants).
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    /// User it acts for.
    pub oid: String,
    /// Client it was issued to.
    pub client_id: String,
    /// Permissions granted at sign-in (a refresh may ask for these or fewer).
    pub scopes: Vec<String>,
    /// When the person signed in (simulator clock, Unix seconds): kept by every refresh.
    pub auth_time: i64,
}

/// One device-code sign-in (`POST /{tenant}/oauth2/v2.0/devicecode`).
#[derive(Debug, Clone)]
pub(crate) struct DeviceCodeEntry {
    /// The secret the client polls with.
    pub device_code: String,
    /// The code the person types at the verification page.
    pub user_code: String,
    /// Client that asked.
    pub client_id: String,
    /// Scopes as requested (full strings, e.g. `https://graph.microsoft.com/User.Read.All`).
    pub scopes: Vec<String>,
    /// Expiry, Unix seconds of the real clock.
    pub expires_at: i64,
    /// Polling interval handed out, seconds.
    pub interval: u64,
    /// Real time of the last poll, milliseconds (for `slow_down`).
    pub last_poll_ms: Option<i64>,
    /// Where the sign-in stands.
    pub state: DeviceCodeState,
}

/// The simulated clock: real time shifted by `offset`, or frozen at a fixed instant.
#[derive(Debug, Clone, Default)]
pub(crate) struct Clock {
    pub offset: SignedDuration,
    pub frozen: Option<Timestamp>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        if let Some(t) = self.frozen {
            return t;
        }
        let real = Timestamp::now();
        real.checked_add(self.offset).unwrap_or(real)
    }
}

/// Everything mutable, guarded by [`Shared::world`].
pub(crate) struct World {
    pub tenant: Tenant,
    pub by_id: HashMap<String, usize>,
    pub by_upn: HashMap<String, usize>,
    /// member object id → indexes of groups that list it directly.
    pub parents: HashMap<String, Vec<usize>>,
    pub tokens: HashMap<String, TokenInfo>,
    pub clock: Clock,
    pub faults: Vec<FaultRule>,
    pub log: Vec<LoggedRequest>,
    /// Device-code sign-ins, newest last.
    pub device_codes: Vec<DeviceCodeEntry>,
    /// Refresh tokens by value.
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// Token endpoint behaviour.
    pub sts: StsSettings,
    /// While set, tokens issued without the `claims` parameter are challenged at once.
    pub claims_required: bool,
    /// Time `GET /users` takes per page (none by default).
    pub page_latency: Option<super::control::PageLatency>,
}

/// State shared by the server tasks, the handle and the control.
pub(crate) struct Shared {
    pub world: Mutex<World>,
    /// The bound address (fallback origin when a request has no `Host`).
    pub addr: SocketAddr,
}

impl Shared {
    pub fn new(tenant: Tenant, addr: SocketAddr) -> Arc<Shared> {
        let mut w = World {
            tenant,
            by_id: HashMap::new(),
            by_upn: HashMap::new(),
            parents: HashMap::new(),
            tokens: HashMap::new(),
            clock: Clock::default(),
            faults: Vec::new(),
            log: Vec::new(),
            device_codes: Vec::new(),
            refresh_tokens: HashMap::new(),
            sts: StsSettings::default(),
            claims_required: false,
            page_latency: None,
        };
        w.reindex();
        Arc::new(Shared { world: Mutex::new(w), addr })
    }

    /// Locks the world (a poisoned lock is recovered: the data stays usable for a simulator).
    pub fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Why a TAP is or is not usable now (`methodUsabilityReason`).
pub(crate) fn tap_usability(w: &World, user: usize, m: &SimMethod, now: Timestamp) -> (bool, &'static str) {
    let MethodDetail::TemporaryAccessPass { start_date_time, lifetime_in_minutes, is_usable_once, used } = &m.detail
    else {
        return (false, "DisabledByPolicy");
    };
    if !w.tap_policy_applies(user) {
        return (false, "DisabledByPolicy");
    }
    if *is_usable_once && *used {
        return (false, "OneTimeUsed");
    }
    if now < *start_date_time {
        return (false, "NotYetValid");
    }
    let end = start_date_time
        .checked_add(SignedDuration::from_mins(i64::from(*lifetime_in_minutes)))
        .unwrap_or(*start_date_time);
    if now >= end {
        return (false, "Expired");
    }
    (true, "EnabledByPolicy")
}

impl World {
    /// Rebuilds the id/UPN/membership indexes after the tenant changed.
    pub fn reindex(&mut self) {
        self.by_id.clear();
        self.by_upn.clear();
        self.parents.clear();
        for (i, u) in self.tenant.users.iter().enumerate() {
            self.by_id.insert(u.id.to_ascii_lowercase(), i);
            self.by_upn.insert(u.user_principal_name.to_lowercase(), i);
        }
        for (gi, g) in self.tenant.groups.iter().enumerate() {
            for m in &g.members {
                self.parents.entry(m.to_ascii_lowercase()).or_default().push(gi);
            }
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A user by object id or UPN (both case-insensitive).
    pub fn find_user(&self, key: &str) -> Option<usize> {
        self.by_id.get(&key.to_ascii_lowercase()).or_else(|| self.by_upn.get(&key.to_lowercase())).copied()
    }

    pub fn user(&self, i: usize) -> &SimUser {
        &self.tenant.users[i]
    }

    pub fn user_mut(&mut self, i: usize) -> &mut SimUser {
        &mut self.tenant.users[i]
    }

    /// Indexes of every group the object belongs to, directly or through nesting (in BFS order).
    pub fn transitive_groups(&self, object_id: &str) -> Vec<usize> {
        let mut seen = HashSet::new();
        let mut order = Vec::new();
        let mut queue = vec![object_id.to_ascii_lowercase()];
        while let Some(id) = queue.pop() {
            for &g in self.parents.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(g) {
                    order.push(g);
                    queue.push(self.tenant.groups[g].id.to_ascii_lowercase());
                }
            }
        }
        order
    }

    /// Indexes of the directory roles the user holds, directly or through a group.
    pub fn roles_of(&self, user_id: &str) -> Vec<usize> {
        let mut ids: HashSet<String> = self
            .transitive_groups(user_id)
            .into_iter()
            .map(|g| self.tenant.groups[g].id.to_ascii_lowercase())
            .collect();
        ids.insert(user_id.to_ascii_lowercase());
        (0..self.tenant.roles.len())
            .filter(|&r| self.tenant.roles[r].members.iter().any(|m| ids.contains(&m.to_ascii_lowercase())))
            .collect()
    }

    /// Role template ids the user holds.
    pub fn role_templates_of(&self, user_id: &str) -> Vec<String> {
        self.roles_of(user_id).into_iter().map(|r| self.tenant.roles[r].role_template_id.to_ascii_lowercase()).collect()
    }

    /// Whether an enabled TAP policy targets the user (include minus exclude, nested groups count).
    pub fn tap_policy_applies(&self, user: usize) -> bool {
        let p = &self.tenant.tap_policy;
        if !p.is_enabled() {
            return false;
        }
        let u = &self.tenant.users[user];
        let mut ids: HashSet<String> =
            self.transitive_groups(&u.id).into_iter().map(|g| self.tenant.groups[g].id.to_ascii_lowercase()).collect();
        ids.insert(u.id.to_ascii_lowercase());
        let hit = |t: &tapdesk_graph::types::PolicyTarget| {
            t.id.eq_ignore_ascii_case("all_users") || ids.contains(&t.id.to_ascii_lowercase())
        };
        p.include_targets.iter().any(hit) && !p.exclude_targets.iter().any(hit)
    }

    /// Whether the caller is an Authentication Administrator without a stronger role, i.e. sees
    /// masked phone numbers and may only manage non-privileged users.
    pub fn is_limited_auth_admin(&self, caller: &str) -> bool {
        let roles = self.role_templates_of(caller);
        roles.iter().any(|r| r == rt::AUTHENTICATION_ADMINISTRATOR)
            && !roles.iter().any(|r| r == rt::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR || r == rt::GLOBAL_ADMINISTRATOR)
    }
}
