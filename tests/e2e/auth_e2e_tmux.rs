//! The real-tenant start path of the binary, in tmux, against the simulator standing in for
//! Entra ID and Graph: `tapdesk --tenant contoso.example --client-id tapdesk-device` starts the TUI
//! at once and signs in by device code inside it (the code is read off the TUI screen and approved
//! like an operator would on their phone), then shows the tenant's users. Esc at the code prompt
//! cancels (polling stops), `r` gets a new code, a Conditional Access block is explained in the
//! TUI, and `q`/Ctrl-C leave the terminal as it was. Needs `tmux` on PATH (.ci/run installs it).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use tapdesk_sim::{self as sim, SimHandle, StsSettings, Tenant, demo};

use crate::tmux as tmux_support;

use tmux_support::Tmux;

fn tmux(name: &str) -> Tmux {
    Tmux::start("auth-e2e", name, (100, 30), "", Duration::from_secs(30))
}

async fn simulator() -> SimHandle {
    let h = sim::start(Tenant::demo(200), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    h.control().set_sts(StsSettings { device_code_interval_seconds: 1, ..StsSettings::default() });
    h
}

fn launch(t: &Tmux, h: &SimHandle) {
    let bin = env!("CARGO_BIN_EXE_tapdesk");
    let d = t.dir.display();
    let cmd = format!(
        "clear; stty -g > {d}/before; env -u DISPLAY -u WAYLAND_DISPLAY XDG_CONFIG_HOME={d}/cfg XDG_DATA_HOME={d}/data \
         TZ=UTC {bin} --tenant {tenant} --client-id {client} --authority-host {auth} --graph-url {auth}; \
         echo \"exit=$?\"; stty -g > {d}/after; cmp -s {d}/before {d}/after && echo TERMINAL-RESTORED; echo END-OF-RUN",
        tenant = demo::DOMAIN,
        client = demo::PUBLIC_CLIENT_ID,
        auth = h.authority(),
    );
    t.send(&cmd, &["Enter"]);
}

/// The user code on the screen: the word after `2. Enter the code` in the sign-in popup.
fn code_on(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains("Enter the code"))?;
    let rest = &line[line.find("Enter the code")? + "Enter the code".len()..];
    rest.split_whitespace().next().filter(|w| w.chars().all(|c| c.is_ascii_alphanumeric())).map(str::to_owned)
}

/// Device-code polls the simulator has answered so far.
fn polls(h: &SimHandle) -> usize {
    h.control()
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token") && r.body.contains("device_code"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_sign_in_inside_the_tui_then_the_users() {
    let h = simulator().await;
    let t = tmux("signin");
    launch(&t, &h);
    let s = t.wait_for("the device code in the TUI", |s| code_on(s).is_some());
    assert!(s.contains("Sign in to Microsoft Entra ID"), "{s}");
    assert!(s.contains(&format!("1. On any device, open  {}/devicelogin", h.authority())), "{s}");
    assert!(s.contains("Tenant  contoso.example"), "{s}");
    assert!(s.contains("App     tapdesk (tapdesk-device)"), "{s}");
    assert!(s.contains("Esc cancel   c copy the code   q quit"), "{s}");
    // The popup is the whole screen: no pane is drawn behind it before the sign-in.
    assert!(!s.contains("Users (") && !s.contains("Methods"), "{s}");
    t.wait_for("the countdown", |s| s.contains("The code expires in 14:"));
    let code = code_on(&s).unwrap();
    assert!(h.control().approve_device_code(&code, demo::DANA_OKAFOR_ID));

    // The list fills once the matcher (its own thread) has ranked the last page.
    let s = t.wait_for("the directory", |s| s.contains("users loaded") && s.contains("Dana Okafor  dana.okafor@"));
    assert!(s.contains("Users (200)") && s.contains("Methods"), "{s}");
    assert!(!s.contains(&code), "the code is gone once signed in");

    t.send("q", &[]);
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    assert!(s.contains("TERMINAL-RESTORED"), "{s}");
    // The refresh token was asked for (offline_access) and never left the process.
    let dc = h.control().requests().into_iter().find(|r| r.path.ends_with("/devicecode")).unwrap();
    assert!(dc.body.contains("offline_access"));
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn esc_cancels_the_sign_in_then_q_quits_with_the_terminal_restored() {
    let h = simulator().await;
    let t = tmux("esc");
    launch(&t, &h);
    t.wait_for("the device code", |s| code_on(s).is_some());
    t.wait_for("a poll", |_| polls(&h) > 0);
    t.send("", &["Escape"]);
    let s = t.wait_for("the cancelled state", |s| s.contains("Sign-in cancelled"));
    assert!(s.contains("r sign in again (new code)   q quit"), "{s}");
    assert!(code_on(&s).is_none(), "{s}");
    // Nothing polls any more (the interval is 1 s).
    let after = polls(&h);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(polls(&h), after, "polling stopped after Esc");
    t.send("q", &[]);
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    assert!(s.contains("TERMINAL-RESTORED"), "{s}");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_gets_a_new_code_a_block_is_explained_in_the_tui_and_ctrl_c_quits() {
    let h = simulator().await;
    let t = tmux("block");
    launch(&t, &h);
    let first = code_on(&t.wait_for("the device code", |s| code_on(s).is_some())).unwrap();
    t.send("", &["Escape"]);
    t.wait_for("the cancelled state", |s| s.contains("Sign-in cancelled"));
    t.send("r", &[]);
    let s = t.wait_for("a new code", |s| code_on(s).is_some_and(|c| c != first));

    // Conditional Access: the operator signs in, the token is refused, the reason is shown.
    assert!(h.control().block_device_code_by_conditional_access(&code_on(&s).unwrap()));
    let s = t.wait_for("the failure", |s| s.contains("Sign-in failed."));
    assert!(s.contains("AADSTS53003"), "{s}");
    assert!(s.contains("r sign in again (new code)"), "{s}");
    t.send("", &["C-c"]);
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    assert!(s.contains("TERMINAL-RESTORED"), "{s}");
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_refresh_token_shows_the_code_again_in_the_tui() {
    let h = simulator().await;
    // Tokens shorter than the 5-minute refresh margin: each Graph call redeems the refresh token.
    h.control().set_sts(StsSettings {
        device_code_interval_seconds: 1,
        access_token_lifetime_seconds: 60,
        ..StsSettings::default()
    });
    let t = tmux("again");
    launch(&t, &h);
    let code = code_on(&t.wait_for("the device code", |s| code_on(s).is_some())).unwrap();
    assert!(h.control().approve_device_code(&code, demo::DANA_OKAFOR_ID));
    t.wait_for("the directory", |s| s.contains("users loaded") && s.contains("Dana Okafor  dana.okafor@"));

    // The session ends (an administrator revoked it); the next Graph call needs the operator:
    // Enter selects the highlighted user (or, if a call still in flight asks first, the popup
    // takes the key; either way a new code must show).
    h.control().revoke_refresh_tokens();
    t.send("", &["Enter"]);
    let s = t.wait_for("a new code over the panes", |s| code_on(s).is_some_and(|c| c != code));
    assert!(s.contains("The sign-in session ended: sign in again to continue."), "{s}");
    assert!(s.contains("Users ("), "the panes stay behind the popup: {s}");
    assert!(h.control().approve_device_code(&code_on(&s).unwrap(), demo::DANA_OKAFOR_ID));
    let s = t.wait_for("the popup gone", |s| !s.contains("Sign in to Microsoft Entra ID"));
    assert!(code_on(&s).is_none() && s.contains("Users ("), "{s}");
    t.send("q", &[]);
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0") && s.contains("TERMINAL-RESTORED"), "{s}");
    h.shutdown();
}
