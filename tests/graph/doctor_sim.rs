//! `tapdesk doctor` against the simulator, in process: a healthy setup, an operator without a
//! role, a disabled TAP policy, missing permissions, a Conditional Access block and a bad config.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use tapdesk::auth::AuthMode;
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::device_code::{DeviceCodeOptions, PromptEvent, PromptSink};
use tapdesk::auth::signin::BuildOptions;
use tapdesk::config::{self, ConfigSource, Overrides};
use tapdesk::doctor::{self, Report, Setup, Status};
use tapdesk_sim::{self as sim, SimControl, SimHandle, StsSettings, Tenant, demo};

async fn start() -> SimHandle {
    let h = sim::start(Tenant::demo(30), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    h.control().set_sts(StsSettings { device_code_interval_seconds: 0, ..StsSettings::default() });
    h
}

fn setup(h: &SimHandle, scopes: Option<Vec<&str>>, act: impl Fn(&SimControl, &str) + Send + Sync + 'static) -> Setup {
    let c = h.control();
    let prompt = PromptSink::Callback(Arc::new(move |e| {
        if let PromptEvent::Show(p) = e {
            act(&c, &p.user_code);
        }
    }));
    let cfg = config::resolve(
        Overrides {
            auth: Some(AuthMode::DeviceCode),
            tenant: Some(demo::DOMAIN.into()),
            client_id: Some(demo::PUBLIC_CLIENT_ID.into()),
            scopes: scopes.map(|v| v.into_iter().map(String::from).collect()),
            ..Overrides::default()
        },
        Overrides::default(),
        Overrides::default(),
        ConfigSource { path: Some("/nowhere/config.toml".into()), found: false },
    );
    Setup {
        config: Ok(cfg),
        cloud: Cloud::custom(&h.authority(), sim::GRAPH_RESOURCE, &h.authority()),
        options: BuildOptions {
            prompt: Some(prompt),
            device_code: DeviceCodeOptions {
                min_poll_interval: Duration::from_millis(10),
                ..DeviceCodeOptions::default()
            },
            ..BuildOptions::default()
        },
    }
}

fn line<'a>(r: &'a Report, check: &str) -> &'a doctor::Line {
    r.lines.iter().find(|l| l.check == check).unwrap_or_else(|| panic!("no {check} line in\n{}", r.render()))
}

fn approve(user: &'static str) -> impl Fn(&SimControl, &str) + Send + Sync + 'static {
    move |c: &SimControl, code: &str| assert!(c.approve_device_code(code, user))
}

#[tokio::test]
async fn healthy_setup_passes_line_by_line() {
    let h = start().await;
    let r = doctor::run(setup(&h, None, approve(demo::DANA_OKAFOR_ID))).await;
    let text = r.render();
    assert!(!r.failed(), "{text}");
    let checks: Vec<&str> = r.lines.iter().map(|l| l.check).collect();
    assert_eq!(
        checks,
        [
            "Config",
            "Sign-in settings",
            "Credential",
            "Permissions",
            "Feature off",
            "Graph",
            "Operator roles",
            "TAP policy"
        ],
        "{text}"
    );
    assert_eq!(line(&r, "Config").status, Status::Info);
    assert!(line(&r, "Config").fix.as_deref().unwrap().contains("tapdesk config init"));
    let cred = line(&r, "Credential");
    assert_eq!(cred.status, Status::Ok);
    assert!(cred.detail.starts_with("signed in as dana.okafor@contoso.example (tenant contoso.example"), "{text}");
    assert!(cred.detail.contains("(59 min)"), "{text}");
    assert_eq!(line(&r, "Feature off").status, Status::Info, "policy changes are optional");
    assert_eq!(line(&r, "Operator roles").status, Status::Ok);
    assert!(line(&r, "Operator roles").detail.starts_with("Authentication Administrator, Global Reader"), "{text}");
    assert!(
        line(&r, "TAP policy").detail.starts_with("enabled; lifetime 60 min by default (60–480 allowed)"),
        "{text}"
    );
    assert!(text.ends_with("0 problems, 0 warnings.\n"), "{text}");
    assert!(text.contains("\n  ok    Graph            http://127.0.0.1:"), "{text}");
}

#[tokio::test]
async fn operator_without_a_role_fails_with_a_fix() {
    let h = start().await;
    let r = doctor::run(setup(&h, None, approve(demo::AVERY_QUINN_ID))).await;
    assert!(r.failed());
    let roles = line(&r, "Operator roles");
    assert_eq!(roles.status, Status::Fail);
    assert!(roles.detail.starts_with("no directory role: none of them may issue passes"), "{}", r.render());
    assert!(roles.fix.as_deref().unwrap().contains("Privileged Identity Management"));
    // Avery has no Global Reader either: the policy cannot be read.
    assert_eq!(line(&r, "TAP policy").status, Status::Warn);
}

#[tokio::test]
async fn disabled_policy_fails() {
    let h = start().await;
    let mut p = h.control().tap_policy();
    p.state = "disabled".into();
    h.control().set_tap_policy(p);
    let r = doctor::run(setup(&h, None, approve(demo::DANA_OKAFOR_ID))).await;
    let l = line(&r, "TAP policy");
    assert_eq!(l.status, Status::Fail, "{}", r.render());
    assert!(l.fix.as_deref().unwrap().contains("Authentication methods > Temporary Access Pass"));
    assert!(r.failed());
}

#[tokio::test]
async fn missing_permissions_are_listed_per_feature() {
    let h = start().await;
    let r = doctor::run(setup(
        &h,
        Some(vec!["User.Read.All", "UserAuthenticationMethod.Read.All"]),
        approve(demo::DANA_OKAFOR_ID),
    ))
    .await;
    let text = r.render();
    let off: Vec<&str> = r.lines.iter().filter(|l| l.check == "Feature off").map(|l| l.detail.as_str()).collect();
    assert!(off.iter().any(|d| d.starts_with("Issuing a Temporary Access Pass is off")), "{text}");
    assert!(off.iter().any(|d| d.starts_with("Revoking sign-in sessions is off")), "{text}");
    assert!(off.iter().any(|d| d.starts_with("Reading the Temporary Access Pass policy is off")), "{text}");
    // Graph agrees on the policy: 403, a warning with the fix.
    assert_eq!(line(&r, "TAP policy").status, Status::Warn, "{text}");
    assert!(!r.failed(), "{text}");
    assert!(text.contains("warn  Feature off      Issuing a Temporary Access Pass is off: the token lacks"), "{text}");
}

#[tokio::test]
async fn conditional_access_block_fails_sign_in_and_skips_the_rest() {
    let h = start().await;
    let r = doctor::run(setup(&h, None, |c: &SimControl, code: &str| {
        assert!(c.block_device_code_by_conditional_access(code));
    }))
    .await;
    let cred = line(&r, "Credential");
    assert_eq!(cred.status, Status::Fail);
    assert!(cred.detail.contains("AADSTS53003"), "{}", r.render());
    for check in ["Permissions", "Graph", "Operator roles", "TAP policy"] {
        assert_eq!(line(&r, check).status, Status::Skip);
    }
}

#[tokio::test]
async fn bad_config_fails_first() {
    let h = start().await;
    let mut s = setup(&h, None, approve(demo::DANA_OKAFOR_ID));
    s.config = Err("config file /x.toml, line 2, key `colour`: unknown field `colour`".into());
    let r = doctor::run(s).await;
    assert_eq!(r.lines.len(), 1);
    assert_eq!(r.lines[0].status, Status::Fail);
    assert!(r.render().contains("FAIL  Config           config file /x.toml, line 2, key `colour`"));
}
