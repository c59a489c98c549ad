//! Faults the operator sees and recovers from, on the real binary in tmux at 80x24 (client-secret
//! sign-in against a simulator in this process, whose faults the test sets): Graph throttles the
//! directory load with `Retry-After: 3600`; the status line counts down and says how to cancel;
//! `Ctrl-X` cancels (nothing more is sent); the Users pane says how to load again; `Ctrl-R` loads
//! the whole directory.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use reqwest::Method;
use tapdesk_sim::{self as sim, Fault, FaultRule, Tenant};

use crate::client_console;
use crate::tmux::Tmux;

fn user_lists(h: &sim::SimHandle) -> Vec<u16> {
    h.control().requests().iter().filter(|r| r.method == "GET" && r.path == "/v1.0/users").map(|r| r.status).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttled_load_counts_down_is_cancelled_with_ctrl_x_and_loads_on_ctrl_r() {
    let h = sim::start(Tenant::demo(300), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    h.control().inject(
        FaultRule::new(Some(Method::GET), "/v1.0/users", Fault::Throttle { retry_after: Some("3600".into()) })
            .exact()
            .times(1),
    );
    let t = Tmux::start("faults-e2e", "throttle", (80, 24), "", Duration::from_secs(30));
    client_console::start(&t, &h, None);

    let s = t.wait_for("the countdown", |s| s.contains("Throttled by Graph (429): retry in 59 min"));
    let status = s.lines().last().unwrap_or_default().to_owned();
    assert!(status.contains("Ctrl-X cancels"), "the way out fits at 80 columns: {status:?}");
    assert!(status.contains("(at ") && status.contains("UTC)"), "a long wait says when it ends: {status:?}");
    assert_eq!(user_lists(&h), [429]);

    t.keys(&["C-x"]);
    let s = t.wait_for("the cancel", |s| s.contains("Ctrl-R: load again"));
    assert!(s.contains("Users (load failed)"), "{s}");
    assert!(s.contains("Loading the directory failed: you cancelled the wait"), "{s}");
    assert!(!s.contains("Throttled by Graph"), "the countdown is gone: {s}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(user_lists(&h), [429], "nothing more was sent after the cancel");

    t.keys(&["C-r"]);
    let s = t.wait_for("the reload", |s| s.contains("users loaded"));
    assert!(s.contains("Users (300)"), "{s}");
    assert_eq!(user_lists(&h), [429, 200]);
    println!("{s}");
    t.literal("q");
    t.wait_for("the exit", |s| s.contains("END-OF-RUN"));
}

/// Graph stops accepting the console's token before it expires (the simulator expires every
/// token it issued): the next action still works, on a new token, and nothing says it failed.
#[tokio::test(flavor = "multi_thread")]
async fn a_token_refused_mid_session_is_renewed_and_the_action_works() {
    let h = sim::start(Tenant::demo(300), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let t = Tmux::start("faults-e2e", "renew", (80, 24), "", Duration::from_secs(30));
    client_console::launch(&t, &h, None);
    let tokens = |h: &sim::SimHandle| h.control().requests().iter().filter(|r| r.path.ends_with("/token")).count();
    let before = tokens(&h);
    h.control().expire_tokens();
    client_console::open_avery_form(&t);
    let s = t.screen();
    assert!(!s.contains("401") && !s.contains("refused"), "{s}");
    assert_eq!(tokens(&h), before + 1, "one new token");
    // The requests sent with the old token were refused, and each was answered on its retry.
    let log = h.control().requests();
    let refused: Vec<_> = log.iter().filter(|r| r.status == 401).collect();
    assert!(!refused.is_empty(), "the old token was refused");
    for r in refused {
        assert!(
            log.iter().any(|later| later.seq > r.seq && later.path == r.path && later.status < 300),
            "{} was answered after its 401: {log:?}",
            r.path
        );
    }
    t.keys(&["Escape"]);
    t.literal("q");
    t.wait_for("the exit", |s| s.contains("END-OF-RUN"));
}

/// The operator deletes a method of their own account more than 10 minutes after signing in:
/// the confirmation warns of Entra's MFA rule, Graph refuses (the simulator models the rule), the
/// status line says to sign in again with MFA (Graph's words follow it, and are in the audit
/// line), and the method stays listed.
#[tokio::test(flavor = "multi_thread")]
async fn deleting_ones_own_method_without_a_fresh_mfa_is_explained() {
    let h = sim::start(Tenant::demo(300), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let t = Tmux::start("faults-e2e", "own-mfa", (100, 30), "", Duration::from_secs(30));
    client_console::launch(&t, &h, None);
    t.keys(&["/"]);
    t.literal("dana okafor");
    t.wait_for("the query", |s| s.contains("> Dana Okafor"));
    t.keys(&["Enter"]);
    t.wait_for("Dana's methods", |s| s.contains("iPhone 15 Pro"));
    h.control().advance(jiff::SignedDuration::from_mins(11));
    t.literal("j");
    t.literal("d");
    let s = t.wait_for("the confirmation", |s| s.contains("from your own account?"));
    assert!(s.contains("multi-factor sign-in within"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("the refusal", |s| s.contains("Sign in to tapdesk again with MFA, then retry"));
    assert!(s.contains("iPhone 15 Pro"), "the method is still listed: {s}");
    let audit = std::fs::read_to_string(t.dir.join("audit.jsonl")).unwrap();
    let last = audit.lines().last().unwrap();
    assert!(last.contains("\"result\":\"refused\""), "{audit}");
    assert!(last.contains("MFA is required for a 'RemoveKey' operation"), "Graph's words are kept: {last}");
    t.literal("q");
    t.wait_for("the exit", |s| s.contains("END-OF-RUN"));
}

/// `kill -9` while a TAP create is on its way (the simulator holds its answer back): the audit
/// log already holds the create's whole `attempt` line, synced before the request left, and no
/// `result` line; Graph did get the create. (After a `kill -9` nothing can restore the terminal;
/// the test does not look at it.)
#[tokio::test(flavor = "multi_thread")]
async fn kill_9_between_send_and_answer_leaves_the_attempt_line() {
    let h = sim::start(Tenant::demo(300), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let taps = "/temporaryAccessPassMethods";
    h.control().inject(FaultRule::new(Some(Method::POST), taps, Fault::Latency(Duration::from_secs(3))).times(1));
    let t = Tmux::start("faults-e2e", "kill9", (80, 24), "", Duration::from_secs(30));
    client_console::launch(&t, &h, None);
    let pid = t.child_pid("tapdesk").expect("tapdesk runs in the pane");
    client_console::open_avery_form(&t);
    t.keys(&["Enter"]);
    let posted = || h.control().requests().iter().any(|r| r.method == "POST" && r.path.ends_with(taps));
    for _ in 0..100 {
        if posted() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(posted(), "the create reached the simulator");
    let killed = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    assert!(killed.success());

    let raw = std::fs::read_to_string(t.dir.join("audit.jsonl")).unwrap();
    assert!(raw.ends_with('\n'), "whole lines only: {raw:?}");
    let lines: Vec<serde_json::Value> =
        raw.lines().map(|l| serde_json::from_str(l).expect("a whole JSON line")).collect();
    let attempt = lines.last().expect("an attempt line");
    assert_eq!(attempt["phase"], "attempt", "{raw}");
    assert_eq!(attempt["action"], "createTemporaryAccessPass");
    assert_eq!(attempt["targetUpn"], "avery.quinn@contoso.example");
    assert_eq!(attempt["result"], "pending");
    let id = attempt["actionId"].as_str().unwrap();
    assert!(!lines.iter().any(|l| l["phase"] == "result" && l["actionId"] == id), "no result line: {raw}");

    // The create reached Graph (the simulator logged it before its delay). Whether Graph then
    // carries it out cannot be told from here: the simulator, like any axum server, drops a
    // request whose client is gone; real Graph may well finish it, which is why the attempt line
    // (and, in the next session, a look at the user's passes) is what the operator has.
    assert_eq!(h.control().requests().iter().filter(|r| r.method == "POST" && r.path.ends_with(taps)).count(), 1);
}
