//! Pre-flight: will a Temporary Access Pass work for this user, and may this operator issue it?
//!
//! Answered in words from what Graph says, before the operator presses issue: the tenant's TAP
//! policy (state, include and exclude targets), the user's groups (nested membership counted,
//! `transitiveMemberOf`) and directory roles, the operator's own roles, and the user's existing
//! pass. Findings that make the pass useless or that Graph would refuse [`Severity::Blocks`] the
//! issue button; the others warn.
//!
//! Role rules (Entra "who can perform sensitive actions"): an Authentication Administrator may act
//! on users with no admin role or only a short list of low-privilege roles, and not on members of
//! role-assignable groups; a Privileged Authentication Administrator or Global Administrator may
//! act on anyone; nobody may issue a pass for themselves.

use jiff::Timestamp;

use tapdesk_graph::types::{AuthMethod, DirectoryObject, TapPolicy, UserCard};

/// Role template ids (the same in every tenant).
pub mod roles {
    /// Global Administrator.
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    /// Privileged Authentication Administrator.
    pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
    /// Authentication Administrator.
    pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
}

/// Roles an Authentication Administrator may still manage (by display name).
const LOW_PRIVILEGE_ROLES: [&str; 8] = [
    "Authentication Administrator",
    "Directory Readers",
    "Guest Inviter",
    "Message Center Reader",
    "Password Administrator",
    "Reports Reader",
    "User Experience Success Manager",
    "Usage Summary Reports Reader",
];

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The pass would not work, or Graph would refuse it: issuing is disabled.
    Blocks,
    /// Worth knowing before issuing.
    Warns,
    /// Good news (e.g. "in TAP-Users").
    Fine,
}

/// One sentence of the pre-flight check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How much it matters.
    pub severity: Severity,
    /// The sentence.
    pub text: String,
}

fn finding(severity: Severity, text: impl Into<String>) -> Finding {
    Finding { severity, text: text.into() }
}

fn has_role(objs: &[DirectoryObject], template: &str, name: &str) -> bool {
    objs.iter().any(|o| {
        o.is_role() && (o.role_template_id.as_deref() == Some(template) || o.display_name.as_deref() == Some(name))
    })
}

/// The pre-flight findings, most serious first.
///
/// `policy`: `None` when the policy could not be read. `operator`: the operator's own card (for
/// their roles), `None` when unknown or app-only. `methods`: the target's methods, if loaded.
pub fn check(
    target: &UserCard,
    policy: Option<&TapPolicy>,
    operator: Option<&UserCard>,
    methods: Option<&[AuthMethod]>,
    tz: &jiff::tz::TimeZone,
    now: Timestamp,
) -> Vec<Finding> {
    let u = &target.user;
    let name = u.display_name.clone().unwrap_or_else(|| u.id.clone());
    let mut out = Vec::new();

    if operator.is_some_and(|o| o.user.id == u.id) {
        out.push(finding(Severity::Blocks, "This is you: nobody may issue a pass for themselves."));
    }
    let upn = u.user_principal_name.as_deref().unwrap_or("");
    if u.user_type.as_deref() == Some("Guest") && upn.contains("#EXT#") {
        out.push(finding(
            Severity::Blocks,
            format!("{name} is an external guest: passes cannot be added to external guests."),
        ));
    }

    match policy {
        None => out.push(finding(Severity::Warns, "TAP policy unreadable with your role: Graph will decide.")),
        Some(p) if !p.is_enabled() => out.push(finding(
            Severity::Blocks,
            "Temporary Access Pass is disabled in this tenant (Entra: Authentication methods).",
        )),
        Some(p) => {
            let groups: Vec<&DirectoryObject> = target.member_of.iter().filter(|o| o.is_group()).collect();
            let matches = |id: &str| id == u.id || groups.iter().any(|g| g.id == id);
            let group_name = |id: &str| {
                groups.iter().find(|g| g.id == id).and_then(|g| g.display_name.clone()).unwrap_or_else(|| id.to_owned())
            };
            let all = p.include_targets.iter().any(|t| t.id == "all_users");
            let included: Vec<String> =
                p.include_targets.iter().filter(|t| matches(&t.id)).map(|t| group_name(&t.id)).collect();
            if all {
                out.push(finding(Severity::Fine, "TAP policy targets all users."));
            } else if included.is_empty() {
                out.push(finding(
                    Severity::Blocks,
                    format!("{name} is not in a group the TAP policy targets: the pass would not work."),
                ));
            } else {
                out.push(finding(Severity::Fine, format!("In {} (TAP policy target).", included.join(", "))));
            }
            for t in p.exclude_targets.iter().filter(|t| matches(&t.id)) {
                out.push(finding(
                    Severity::Blocks,
                    format!("{name} is in {}, which the TAP policy excludes.", group_name(&t.id)),
                ));
            }
        }
    }

    // Privileged targets.
    let target_roles: Vec<String> =
        target.member_of.iter().filter(|o| o.is_role()).filter_map(|o| o.display_name.clone()).collect();
    let privileged: Vec<&String> = target_roles.iter().filter(|r| !LOW_PRIVILEGE_ROLES.contains(&r.as_str())).collect();
    let role_group = target
        .member_of
        .iter()
        .find(|o| o.is_group() && o.is_assignable_to_role == Some(true))
        .and_then(|g| g.display_name.clone());
    if !privileged.is_empty() || role_group.is_some() {
        let what = match (privileged.first(), &role_group) {
            (Some(r), _) => format!("holds {r}"),
            (None, Some(g)) => format!("is in the role-assignable group {g}"),
            (None, None) => String::new(),
        };
        match operator.map(|o| &o.member_of[..]) {
            Some(mine)
                if has_role(mine, roles::GLOBAL_ADMINISTRATOR, "Global Administrator")
                    || has_role(
                        mine,
                        roles::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                        "Privileged Authentication Administrator",
                    ) =>
            {
                out.push(finding(Severity::Warns, format!("{name} {what}: a privileged account, act with care.")))
            }
            Some(_) => out.push(finding(
                Severity::Blocks,
                format!(
                    "{name} {what}: only a Privileged Authentication Administrator may issue them a pass, and your \
                     role may not."
                ),
            )),
            None => out.push(finding(
                Severity::Warns,
                format!("{name} {what}: your role may not be allowed to issue them a pass."),
            )),
        }
    }

    if u.account_enabled == Some(false) {
        out.push(finding(
            Severity::Warns,
            format!("{name}'s account is disabled: no method works until it is enabled."),
        ));
    }
    if let Some(tap) = methods.into_iter().flatten().find_map(|m| match m {
        AuthMethod::TemporaryAccessPass(t) => Some(t),
        _ => None,
    }) {
        let live = tap.end_date_time().is_none_or(|e| e > now)
            && !matches!(tap.method_usability_reason.as_deref(), Some("Expired" | "OneTimeUsed"));
        if live {
            let until = tap
                .end_date_time()
                .map(|e| format!(" (until {})", crate::timefmt::when(e, now, tz)))
                .unwrap_or_default();
            out.push(finding(Severity::Warns, format!("{name} already has a pass{until}: issuing replaces it.")));
        }
    }
    out.sort_by_key(|f| f.severity);
    out
}

/// The first blocking finding, if any: why issuing is disabled.
pub fn blocker(findings: &[Finding]) -> Option<&Finding> {
    findings.iter().find(|f| f.severity == Severity::Blocks)
}
