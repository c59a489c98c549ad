//! `tapdesk doctor`: checks, line by line, everything a real-tenant start needs, and says how to
//! fix what is wrong. Exit status non-zero when a check fails.
//!
//! Checks, in order (later ones are skipped when sign-in fails):
//! 1. **Config**: the file found (or not: defaults) and valid.
//! 2. **Sign-in settings**: method, cloud, tenant, client id.
//! 3. **Credential**: a token is obtained (device code shown if needed) and it is for this cloud
//!    and tenant; how long it is valid.
//! 4. **Permissions**: the token's `scp`/`roles`, and each tapdesk feature they leave off.
//! 5. **Graph**: reachable with the token (`GET /me`, or `GET /users?$top=1` for app-only).
//! 6. **Operator roles** (delegated only): the directory roles from `/me/transitiveMemberOf`; one of
//!    Authentication Administrator, Privileged Authentication Administrator or Global
//!    Administrator is needed to issue passes.
//! 7. **TAP policy**: the tenant's Temporary Access Pass configuration is readable and enabled.

use std::fmt::Write as _;

use crate::auth::Cloud;
use crate::auth::signin::{BuildOptions, Session, SignedIn};
use crate::config::Config;
use crate::graph::client::GraphClient;
use tapdesk_graph::GraphError;

/// Role template ids (the same in every tenant).
pub mod roles {
    /// Global Administrator.
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    /// Privileged Authentication Administrator.
    pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
    /// Authentication Administrator.
    pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Fine.
    Ok,
    /// For information.
    Info,
    /// Works, with a limit worth knowing.
    Warn,
    /// Broken: tapdesk will not work (or not for this).
    Fail,
    /// Not checked because an earlier check failed.
    Skip,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Info => "info",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Outcome.
    pub status: Status,
    /// What was checked (`Config`, `Credential`, ...).
    pub check: &'static str,
    /// What was found.
    pub detail: String,
    /// What to do, for warnings and failures.
    pub fix: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Lines in check order.
    pub lines: Vec<Line>,
}

impl Report {
    fn push(&mut self, status: Status, check: &'static str, detail: impl Into<String>, fix: Option<String>) {
        self.lines.push(Line { status, check, detail: detail.into(), fix });
    }

    /// Whether any check failed (the exit status is then non-zero).
    pub fn failed(&self) -> bool {
        self.lines.iter().any(|l| l.status == Status::Fail)
    }

    /// The report as text: one line per check (`  ok    Credential      ...`), a `fix:` line under
    /// warnings and failures, and a summary.
    pub fn render(&self) -> String {
        let mut out = String::from("tapdesk doctor\n");
        for l in &self.lines {
            let _ = writeln!(out, "  {:<5} {:<16} {}", l.status.label(), l.check, l.detail);
            if let Some(fix) = &l.fix {
                let _ = writeln!(out, "        {:<16} fix: {fix}", "");
            }
        }
        let fails = self.lines.iter().filter(|l| l.status == Status::Fail).count();
        let warns = self.lines.iter().filter(|l| l.status == Status::Warn).count();
        let _ = writeln!(
            out,
            "{} problem{}, {} warning{}.",
            fails,
            if fails == 1 { "" } else { "s" },
            warns,
            if warns == 1 { "" } else { "s" }
        );
        out
    }
}

/// What the doctor works from: the settings (or why they could not be read), the cloud, and
/// credential knobs.
pub struct Setup {
    /// The resolved settings, or the configuration error.
    pub config: Result<Config, String>,
    /// The cloud (named or custom).
    pub cloud: Cloud,
    /// Credential knobs (prompt, retries, fake `az`).
    pub options: BuildOptions,
}

fn graph_fix(e: &GraphError) -> String {
    match e {
        GraphError::Api { status: 401, .. } => "the token was refused: sign in again; check --cloud".into(),
        GraphError::Api { status: 403, .. } => {
            "Graph refused: the token lacks a permission or the account lacks an Entra role (see the lines above)"
                .into()
        }
        GraphError::Timeout(_) | GraphError::Transport(_) => {
            "check the network path to Graph (proxy, firewall, DNS) and --cloud".into()
        }
        _ => "see the message; run with RUST_LOG=tapdesk=debug for details".into(),
    }
}

/// Runs every check (see the module doc).
pub async fn run(setup: Setup) -> Report {
    let mut r = Report::default();
    let config = match setup.config {
        Ok(c) => c,
        Err(e) => {
            r.push(Status::Fail, "Config", e, Some("fix the key named above, or move the file away".into()));
            return r;
        }
    };
    match (&config.source.path, config.source.found) {
        (Some(p), true) => r.push(Status::Ok, "Config", format!("{} (read)", p.display()), None),
        (Some(p), false) => r.push(
            Status::Info,
            "Config",
            format!("{} not found: defaults and TAPDESK_* apply", p.display()),
            Some("`tapdesk config init` writes a commented file".into()),
        ),
        (None, _) => r.push(Status::Info, "Config", "no config file in use: defaults and TAPDESK_* apply", None),
    }
    let cloud = setup.cloud.clone();
    r.push(
        Status::Info,
        "Sign-in settings",
        format!(
            "--auth {}, cloud {} (Graph {}, authority {}), tenant {}, client id {}",
            config.auth,
            cloud.label,
            cloud.graph_root,
            cloud.authority_host,
            config.tenant.as_deref().unwrap_or("(not set)"),
            config.client_id.as_deref().unwrap_or("(default)")
        ),
        None,
    );
    let session = match Session::build(&config, cloud.clone(), setup.options) {
        Ok(s) => s,
        Err(e) => {
            r.push(Status::Fail, "Credential", e, Some("set the missing setting and run doctor again".into()));
            skip_rest(&mut r);
            return r;
        }
    };
    let signed = match session.sign_in().await {
        Ok(s) => s,
        Err(e) => {
            r.push(Status::Fail, "Credential", e, Some(credential_fix(&config)));
            skip_rest(&mut r);
            return r;
        }
    };
    let valid = signed
        .expires_on
        .or(signed.claims.expires_at())
        .map(|t| {
            let mins = t.duration_since(jiff::Timestamp::now()).as_secs().max(0) / 60;
            format!("; token valid until {} UTC ({mins} min)", t.strftime("%Y-%m-%d %H:%M"))
        })
        .unwrap_or_default();
    r.push(
        Status::Ok,
        "Credential",
        format!(
            "signed in as {} (tenant {}{}){valid}",
            signed.identity.display,
            signed.identity.tenant,
            signed.claims.tid.as_deref().map(|t| format!(", id {t}")).unwrap_or_default()
        ),
        None,
    );
    permissions_lines(&mut r, &signed);

    let Ok(base) = url::Url::parse(&cloud.graph_base()) else {
        r.push(Status::Fail, "Graph", format!("{} is not a URL", cloud.graph_base()), None);
        return r;
    };
    let client = match GraphClient::new(base, session.credential.clone(), session.scopes.clone()) {
        Ok(c) => c,
        Err(e) => {
            r.push(Status::Fail, "Graph", e.to_string(), None);
            return r;
        }
    };
    let client = match &session.claims_handler {
        Some(h) => client.with_claims_handler(h.clone()),
        None => client,
    };
    let client = match &session.renewer {
        Some(r) => client.with_renewer(r.clone()),
        None => client,
    };
    let me = if signed.identity.app_only {
        match client.find_users_startswith("a", 1).await {
            Ok(_) => {
                r.push(Status::Ok, "Graph", format!("{} reachable (GET /users answered)", cloud.graph_root), None);
                None
            }
            Err(e) => {
                let fix = graph_fix(&e);
                r.push(Status::Fail, "Graph", e.to_string(), Some(fix));
                None
            }
        }
    } else {
        match client.get_me().await {
            Ok(me) => {
                r.push(
                    Status::Ok,
                    "Graph",
                    format!(
                        "{} reachable (GET /me: {})",
                        cloud.graph_root,
                        me.display_name.as_deref().unwrap_or(me.id.as_str())
                    ),
                    None,
                );
                Some(me)
            }
            Err(e) => {
                let fix = graph_fix(&e);
                r.push(Status::Fail, "Graph", e.to_string(), Some(fix));
                None
            }
        }
    };
    match (&me, signed.identity.app_only) {
        (_, true) => r.push(
            Status::Info,
            "Operator roles",
            "app-only: Graph checks the app's application permissions; the audit log names the app",
            None,
        ),
        (None, false) => r.push(Status::Skip, "Operator roles", "Graph not reachable", None),
        (Some(me), false) => role_line(&mut r, &client, &me.id).await,
    }
    policy_line(&mut r, &client).await;
    r
}

fn skip_rest(r: &mut Report) {
    for check in ["Permissions", "Graph", "Operator roles", "TAP policy"] {
        r.push(Status::Skip, check, "no token", None);
    }
}

fn credential_fix(config: &Config) -> String {
    use crate::auth::AuthMode;
    match config.auth {
        AuthMode::DeviceCode => {
            "see the message; other ways to sign in: --auth azure-cli, or an app-only method".into()
        }
        AuthMode::AzureCli => {
            "run `az login --use-device-code` (with --tenant) and `az account get-access-token` by hand".into()
        }
        AuthMode::ClientSecret => "check --tenant, --client-id and AZURE_CLIENT_SECRET".into(),
        AuthMode::ClientCertificate => "check --tenant, --client-id, the certificate file and its password".into(),
        AuthMode::ManagedIdentity => "run on an Azure VM or App Service with a managed identity".into(),
        AuthMode::WorkloadIdentity => {
            "set AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID (Kubernetes workload identity)".into()
        }
    }
}

fn permissions_lines(r: &mut Report, signed: &SignedIn) {
    let caps = &signed.capabilities;
    if !caps.is_known() {
        r.push(
            Status::Warn,
            "Permissions",
            "the token's permissions cannot be read (not a JWT); Graph will decide each request",
            None,
        );
        return;
    }
    let kind = if signed.identity.app_only { "application" } else { "delegated" };
    let perms = signed.claims.permissions().join(", ");
    r.push(Status::Ok, "Permissions", format!("{kind}: {perms}"), None);
    for (feature, why) in caps.missing() {
        let (sentence, fix) = match why.split_once("; ") {
            Some((s, f)) => (s.to_owned(), Some(f.trim_end_matches('.').to_owned())),
            None => (why.to_owned(), None),
        };
        // Changing the policy is for Authentication Policy Administrators, not everyday helpdesk work.
        let status = if feature == "change TAP policy" { Status::Info } else { Status::Warn };
        r.push(status, "Feature off", sentence, fix);
    }
}

async fn role_line(r: &mut Report, client: &GraphClient, me: &str) {
    match client.get_user_card(me).await {
        Ok(card) => {
            let roles: Vec<&tapdesk_graph::types::DirectoryObject> =
                card.member_of.iter().filter(|o| o.is_role()).collect();
            let names: Vec<String> =
                roles.iter().map(|o| o.display_name.clone().unwrap_or_else(|| o.id.clone())).collect();
            let holds = |t: &str| {
                roles.iter().any(|o| o.role_template_id.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(t)))
            };
            let can_issue = holds(roles::AUTHENTICATION_ADMINISTRATOR)
                || holds(roles::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR)
                || holds(roles::GLOBAL_ADMINISTRATOR);
            let list = if names.is_empty() { "no directory role".to_owned() } else { names.join(", ") };
            if can_issue {
                let limit =
                    if holds(roles::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR) || holds(roles::GLOBAL_ADMINISTRATOR) {
                        ""
                    } else {
                        " (not on administrators: that needs Privileged Authentication Administrator)"
                    };
                r.push(Status::Ok, "Operator roles", format!("{list}{limit}"), None);
            } else {
                r.push(
                    Status::Fail,
                    "Operator roles",
                    format!("{list}: none of them may issue passes or delete methods for others"),
                    Some(
                        "ask for Authentication Administrator (or activate it in Privileged Identity Management if \
                         you are eligible), then sign in again"
                            .into(),
                    ),
                );
            }
        }
        Err(e) => {
            let fix = graph_fix(&e);
            r.push(Status::Warn, "Operator roles", format!("cannot read them: {e}"), Some(fix));
        }
    }
}

async fn policy_line(r: &mut Report, client: &GraphClient) {
    match client.get_tap_policy().await {
        Ok(p) if p.is_enabled() => r.push(
            Status::Ok,
            "TAP policy",
            format!(
                "enabled; lifetime {} min by default ({}–{} allowed); length {}; {}",
                p.default_lifetime_in_minutes,
                p.minimum_lifetime_in_minutes,
                p.maximum_lifetime_in_minutes,
                p.default_length,
                if p.is_usable_once { "one-time passes only" } else { "one-time optional" }
            ),
            None,
        ),
        Ok(_) => r.push(
            Status::Fail,
            "TAP policy",
            "Temporary Access Pass is disabled in this tenant",
            Some(
                "an Authentication Policy Administrator enables it: Entra admin center > Protection > Authentication \
                 methods > Temporary Access Pass"
                    .into(),
            ),
        ),
        Err(GraphError::Api { status: 403, .. }) => r.push(
            Status::Warn,
            "TAP policy",
            "cannot read the policy (403); tapdesk then offers Graph's 10–43200 minute bounds",
            Some(
                "reading it needs Policy.Read.AuthenticationMethod and the Global Reader or Authentication Policy \
                 Administrator role"
                    .into(),
            ),
        ),
        Err(e) => {
            let fix = graph_fix(&e);
            r.push(Status::Fail, "TAP policy", e.to_string(), Some(fix));
        }
    }
}
