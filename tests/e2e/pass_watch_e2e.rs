//! Two operators, one user: the real binary (client-secret sign-in against a simulator in this
//! process) issues a pass for Avery Quinn in tmux at 80x24; a second console (plain HTTP with
//! another token, as the admin center or a script would) then issues another one, and Graph keeps
//! only the second. Within 30 s the first console's popup must say that its code no longer works,
//! refuse to copy it, and its Methods pane must show the other pass as issued elsewhere.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use tapdesk_sim::{self as sim, Tenant};

use crate::client_console;
use crate::tmux::Tmux;

/// `GET .../temporaryAccessPassMethods` requests the simulator has answered.
fn tap_lists(h: &sim::SimHandle) -> usize {
    h.control()
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/temporaryAccessPassMethods"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_replaced_by_another_console_is_said_within_30_s() {
    let h = sim::start(Tenant::demo(200), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let t = Tmux::start("watch-e2e", "replaced", (80, 24), "", Duration::from_secs(40));
    client_console::launch(&t, &h, None);
    client_console::open_avery_form(&t);
    let lists_before = tap_lists(&h);
    t.keys(&["Enter"]);

    // "Issued" only once Graph lists the new method id as Avery's pass.
    let s =
        t.wait_for("the confirmed pass", |s| s.contains("Temporary Access Pass issued") && s.contains("✓ Graph holds"));
    assert!(s.contains("✓ Graph holds this pass for Avery Quinn (checked"), "{s}");
    assert!(tap_lists(&h) > lists_before, "the console listed Avery's passes after the create");

    // The second console issues another pass for Avery: Graph keeps one per user.
    let http = reqwest::Client::new();
    let other = http
        .post(format!("{}/users/avery.quinn@contoso.example/authentication/temporaryAccessPassMethods", h.graph_base()))
        .bearer_auth(h.mint_token())
        .json(&serde_json::json!({"lifetimeInMinutes": 60, "isUsableOnce": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
    let replaced_at = Instant::now();

    let s = t.wait_for("the warning", |s| s.contains("Pass REPLACED: this code no longer works"));
    let took = replaced_at.elapsed();
    assert!(took <= Duration::from_secs(30), "the warning came after {took:?}");
    assert!(s.contains("✗ Another pass for Avery Quinn was issued at"), "{s}");
    assert!(s.contains("Do not read it out."), "{s}");
    assert!(s.contains("Esc close, then issue a new pass from the form"), "{s}");
    assert!(!s.contains("c copy"), "a dead code offers no copy: {s}");
    t.literal("c");
    t.wait_for("the refusal", |s| s.contains("Not copied: this pass no longer works"));

    // After closing, the Methods pane shows the other console's pass as issued elsewhere.
    t.keys(&["Escape"]);
    let s = t.wait_for("the methods", |s| !s.contains("REPLACED") && s.contains("issued elsewhere at"));
    assert!(!s.contains("issued here"), "{s}");
    assert!(s.contains("· one-time"), "the other console's pass (one-time; ours was multi-use): {s}");

    // The watch costs one list per 15 s while the popup was open; none after it closed.
    let lists = tap_lists(&h);
    std::thread::sleep(Duration::from_secs(16));
    assert_eq!(tap_lists(&h), lists, "no checks once the popup is closed");
    eprintln!(
        "pass watch: {} list request(s) in {took:?} between the other create and the warning",
        lists - lists_before
    );

    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    h.shutdown();
}

/// After a create whose answer never came (the connection dropped), the console lists Avery's
/// passes and tells apart a pass that request created (its code is lost: issue again) from her
/// older pass, which still works (issuing again would replace a code she may already have).
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_is_told_apart_from_an_older_pass() {
    use tapdesk_sim::{Fault, FaultRule};
    let h = sim::start(Tenant::demo(200), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let t = Tmux::start("watch-e2e", "uncertain", (100, 30), "", Duration::from_secs(40));
    client_console::launch(&t, &h, None);

    // A first pass, confirmed, then closed.
    client_console::open_avery_form(&t);
    t.keys(&["Enter"]);
    t.wait_for("the confirmed pass", |s| s.contains("✓ Graph holds this pass"));
    t.keys(&["Escape"]);
    t.wait_for("the methods", |s| s.contains("issued here"));

    // The connection drops before Graph acts: Avery's first pass still works.
    h.control().inject(
        FaultRule::new(Some(reqwest::Method::POST), "/temporaryAccessPassMethods", Fault::DropBeforeCommit).times(1),
    );
    t.literal("t");
    t.wait_for("the form", |s| s.contains("Enter: issue the pass"));
    t.keys(&["Enter"]);
    t.wait_for("the replace question", |s| s.contains("Replace it?"));
    t.keys(&["Enter"]);
    let s = t.wait_for("the verdict", |s| s.contains("No new pass was created."));
    assert!(s.contains("(issued by this console) still works"), "{s}");
    assert!(!s.contains("never reached tapdesk"), "an older pass is not reported lost: {s}");

    // The connection drops after Graph created the pass: that code is lost.
    h.control().inject(
        FaultRule::new(Some(reqwest::Method::POST), "/temporaryAccessPassMethods", Fault::DropAfterCommit).times(1),
    );
    t.keys(&["Enter"]);
    t.wait_for("the replace question", |s| s.contains("Replace it?"));
    t.keys(&["Enter"]);
    let s = t.wait_for("the verdict", |s| s.contains("never reached tapdesk"));
    assert!(s.contains("Graph created a pass for Avery Quinn at"), "{s}");
    assert!(s.contains("with this request"), "{s}");
    let s = t.wait_for("the methods", |s| s.contains("issued here, its code never arrived"));
    assert!(!s.contains("issued elsewhere"), "{s}");

    t.keys(&["Escape"]);
    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    h.shutdown();
}

/// Closing the loop: after the pass is issued and its popup closed, the user registers a FIDO2
/// key with it (acted through the simulator). Within 30 s the console says so, and `X` offers to
/// delete the pass that is no longer needed (confirmation first).
#[tokio::test(flavor = "multi_thread")]
async fn a_key_the_user_registers_shows_in_the_card_within_30_s() {
    let h = sim::start(Tenant::demo(200), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let t = Tmux::start("watch-e2e", "registered", (80, 24), "", Duration::from_secs(40));
    client_console::launch(&t, &h, None);
    client_console::open_avery_form(&t);
    t.keys(&["Enter"]);
    t.wait_for("the confirmed pass", |s| s.contains("Temporary Access Pass issued") && s.contains("✓ Graph holds"));
    t.keys(&["Escape"]);
    t.wait_for("the methods", |s| !s.contains("Temporary Access Pass issued") && s.contains("issued here"));

    let id = h.control().register_fido2(tapdesk_sim::demo::AVERY_QUINN_ID, "YubiKey 5C");
    assert!(id.is_some());
    let registered_at = Instant::now();
    let squeezed = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != '┃' && *c != '│').collect::<String>();
    // In the card where the pane has room, and on the status line in any case (at 80x24 with five
    // methods the card leaves it to the status line rather than push a method out of the pane).
    let s = t.wait_for("the news", |s| squeezed(s).contains("FIDO2securitykey'YubiKey5C'registered"));
    let took = registered_at.elapsed();
    assert!(took <= Duration::from_secs(30), "the card changed after {took:?}");
    assert!(squeezed(&s).contains("Xdeletesthepass"), "{s}");
    eprintln!("methods watch: the new key was in the card {took:?} after it was registered");

    t.literal("X");
    let s = t.wait_for("the confirmation", |s| s.contains("Delete Temporary Access Pass"));
    assert!(s.contains("from Avery Quinn?"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("the confirmation to close", |s| !s.contains("Delete Temporary Access Pass"));
    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    h.shutdown();
}
