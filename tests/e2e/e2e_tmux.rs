//! The real binary, `tapdesk --demo`, driven inside tmux at 80x24 like an operator would:
//! search, select, issue a pass, copy it (a named tmux paste buffer, deleted again), close, help, quit, and the
//! terminal left as it was. Needs `tmux` on PATH (.ci/run installs it).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use std::time::Duration;

use crate::tmux as tmux_support;

use tmux_support::Tmux;

/// A tmux server with an 80x24 window whose clipboard is on (OSC 52 lands in its paste buffer).
fn tmux(name: &str) -> Tmux {
    Tmux::start("e2e", name, (80, 24), "set -s set-clipboard on\n", Duration::from_secs(20))
}

/// The name of the tmux buffer tapdesk made (`tapdesk-PID-N`), if one exists.
pub(crate) fn tapdesk_buffer(t: &Tmux) -> Option<String> {
    let list = String::from_utf8_lossy(&t.raw(&["list-buffers", "-F", "#{buffer_name}"]).stdout).into_owned();
    list.lines().find(|n| n.starts_with("tapdesk-")).map(str::to_owned)
}

/// How many of tmux's paste buffers hold `text`.
pub(crate) fn buffers_holding(t: &Tmux, text: &str) -> usize {
    let list = String::from_utf8_lossy(&t.raw(&["list-buffers", "-F", "#{buffer_name}"]).stdout).into_owned();
    list.lines().filter(|n| String::from_utf8_lossy(&t.raw(&["show-buffer", "-b", n]).stdout).contains(text)).count()
}

/// Once the demo directory is loaded: selects Avery Quinn, issues a pass from the form with its
/// defaults, copies it with `c` into a tmux buffer (exactly one holds it), and returns the pass
/// read from the popup, which stays open.
pub(crate) fn issue_and_copy_for_avery(t: &Tmux) -> String {
    t.wait_for("the directory", |s| s.contains("users loaded"));
    t.keys(&["/"]);
    t.literal("avery");
    t.wait_for("the query", |s| s.contains("> Avery Quinn"));
    t.keys(&["Enter"]);
    t.wait_for("Avery's methods", |s| s.contains("YubiKey 5 NFC"));
    t.literal("t");
    t.wait_for("the form", |s| s.contains("Enter: issue the pass"));
    t.keys(&["Enter"]);
    let s = t.wait_for("the pass popup", |s| s.contains("Temporary Access Pass issued") && s.contains("Esc close"));
    let pass = pass_on(&s).expect("a pass on screen");
    t.literal("c");
    t.wait_for("the copy status", |s| s.contains("In tmux buffer tapdesk-"));
    assert_eq!(buffers_holding(t, &pass), 1);
    pass
}

/// The rows of the Users list (left pane) below the search line.
fn user_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip(2)
        .filter_map(|l| l.strip_prefix('┃').or_else(|| l.strip_prefix('│')))
        .map(|l| l.chars().take(30).collect::<String>().trim().to_owned())
        .filter(|l| !l.is_empty() && !l.starts_with('━') && !l.starts_with('─'))
        .collect()
}

/// The pass as shown: the text after `Pass` up to the popup border, groups joined (and any
/// continuation lines, which end in `↵`).
pub(crate) fn pass_on(screen: &str) -> Option<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines.iter().position(|l| l.contains("Pass   "))?;
    let col = lines[start].find("Pass   ")? + "Pass   ".len();
    let mut pass = String::new();
    for l in &lines[start..] {
        let rest: String = l.get(col..)?.chars().take_while(|c| *c != '║').collect();
        let cont = rest.trim_end().ends_with('↵');
        pass.extend(rest.chars().filter(|c| !c.is_whitespace() && *c != '↵'));
        if !cont {
            break;
        }
    }
    Some(pass)
}

fn launch(t: &Tmux, dir: &std::path::Path) {
    launch_with(t, dir, "");
}

/// [`launch`] with extra `NAME=value` settings for tapdesk's environment.
fn launch_with(t: &Tmux, dir: &std::path::Path, extra_env: &str) {
    let bin = env!("CARGO_BIN_EXE_tapdesk");
    let cmd = format!(
        "clear; stty -g > {d}/before; env -u DISPLAY -u WAYLAND_DISPLAY -u SSH_CONNECTION -u SSH_TTY TZ=UTC {extra_env} {bin} --demo --audit-log {d}/audit.jsonl; \
         echo \"exit=$?\"; stty -g > {d}/after; cmp -s {d}/before {d}/after && echo TERMINAL-RESTORED; echo END-OF-RUN",
        d = dir.display()
    );
    t.literal(&cmd);
    t.keys(&["Enter"]);
}

#[test]
fn operator_walks_the_whole_path_in_tmux() {
    let t = tmux("walk");
    let dir = t.dir.clone();
    launch(&t, &dir);

    // 1. Three panes and a status line at 80x24, directory loaded.
    let s = t.wait_for("the directory", |s| s.contains("users loaded"));
    assert!(s.contains("Users (") && s.contains("Methods") && s.contains("Temporary Access Pass"), "{s}");
    assert_eq!(s.lines().count(), 24);

    // 2. `/avery` narrows the list key by key and puts Avery Quinn first.
    t.keys(&["/"]);
    let mut counts = Vec::new();
    let mut typed = String::new();
    for c in ["a", "v", "e", "r", "y"] {
        t.literal(c);
        typed.push_str(c);
        let needle = format!("/ {typed}");
        let s = t.wait_for(&format!("query {typed}"), |s| s.contains(&needle));
        counts.push(user_rows(&s).len());
    }
    let s = t.screen();
    let rows = user_rows(&s);
    assert!(rows.first().is_some_and(|r| r.contains("Avery Quinn")), "first row: {rows:?}\n{s}");
    assert!(counts.windows(2).all(|w| w[1] <= w[0]), "the list narrows: {counts:?}");

    // 3. Enter selects her; her methods arrive from Graph.
    t.keys(&["Enter"]);
    let s = t.wait_for("Avery's methods", |s| s.contains("YubiKey 5 NFC"));
    assert!(s.contains("Password") && s.contains("Microsoft Authenticator") && s.contains("2024-05-01"), "{s}");

    // 4. t opens the prefilled form, Enter issues the pass.
    t.literal("t");
    t.wait_for("the form", |s| s.contains("Enter: issue the pass"));
    t.keys(&["Enter"]);
    let s = t.wait_for("the pass popup", |s| s.contains("Temporary Access Pass issued") && s.contains("Esc close"));
    assert!(s.contains("https://aka.ms/mysecurityinfo"), "{s}");
    assert!(s.contains("Valid"), "{s}");
    let pass = pass_on(&s).expect("a pass on screen");
    assert_eq!(pass.chars().count(), 8, "the demo policy's length: {pass:?}");

    // 5. c copies: inside tmux, into a tmux paste buffer tapdesk names (and tmux hands on to the
    //    terminal's clipboard); the status line says so truthfully.
    t.literal("c");
    let s = t.wait_for("the copy status", |s| s.contains("terminal's clipboard"));
    assert!(!s.contains("Copied the pass"), "{s}");
    let name = tapdesk_buffer(&t).expect("a tapdesk buffer");
    assert!(s.contains(&format!("In tmux buffer {name}")), "{s}");
    let buffer = String::from_utf8_lossy(&t.raw(&["show-buffer", "-b", &name]).stdout).into_owned();
    assert_eq!(buffer, pass, "tmux's paste buffer holds exactly the pass shown");
    assert_eq!(buffers_holding(&t, &pass), 1, "one buffer holds it (no unnamed copy from an OSC 52)");

    // 6. Esc closes the popup: the pass is gone from the screen; the Methods pane now shows one TAP.
    t.keys(&["Escape"]);
    let s = t.wait_for("the popup to close", |s| !s.contains("Temporary Access Pass issued"));
    assert!(!s.contains(&pass), "the pass is still on screen:\n{s}");
    let s = t.wait_for("the refreshed methods", |s| s.contains("active until"));
    assert_eq!(s.matches("Temporary Access Pass").count(), 2, "the form title and exactly one TAP row:\n{s}");

    // ? shows the keys.
    t.literal("?");
    t.wait_for("help", |s| s.contains("Keys") && s.contains("copy the pass"));
    t.keys(&["Escape"]);
    t.wait_for("help to close", |s| !s.contains("copy the pass"));

    // The audit log has the issue, and never the pass.
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).expect("audit log written");
    assert!(audit.contains("\"action\":\"createTemporaryAccessPass\""), "{audit}");
    assert!(audit.contains("avery.quinn@contoso.example"), "{audit}");
    assert!(!audit.contains(&pass), "the pass is in the audit log");
    assert!(audit.contains("\"requestId\":\""), "Graph's request-id is recorded: {audit}");

    // q quits and leaves the terminal as it was; after the copy, the normal screen says the
    // clipboard was cleared.
    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    assert!(s.contains("TERMINAL-RESTORED"), "stty settings differ after quit:\n{s}");
    // Cleared at quit, or earlier by the 30 s timer (the line then gives its time and wraps at
    // 80 columns): compared without whitespace.
    let squeezed = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert!(
        squeezed(&s).contains(&squeezed("tapdesk: Removed the pass from tmux's buffers and your terminal's clipboard")),
        "{s}"
    );
    assert_eq!(buffers_holding(&t, &pass), 0, "no tmux buffer holds the pass after quit");
    assert!(tapdesk_buffer(&t).is_none(), "tapdesk's buffer is gone");
    let alt = String::from_utf8_lossy(&t.raw(&["display", "-p", "-t", "e2e", "#{alternate_on}"]).stdout).into_owned();
    assert_eq!(alt.trim(), "0", "still on the alternate screen");
}

/// With tmux's default settings (`set-clipboard external`, no passthrough) a copy still reaches
/// tmux (its named buffer, handed on by `load-buffer -w`), and the clear removes it from tmux's
/// buffers while tapdesk keeps running; the popup then no longer says the pass was copied.
#[test]
fn a_copy_inside_default_tmux_leaves_no_buffer_after_the_clear() {
    let t = Tmux::start("e2e", "clear", (80, 24), "", Duration::from_secs(20));
    let dir = t.dir.clone();
    launch_with(&t, &dir, "TAPDESK_CLIPBOARD_CLEAR_SECONDS=2");
    let pass = issue_and_copy_for_avery(&t);
    let s = t.wait_for("the clear", |s| s.contains("Removed the pass from tmux's buffers"));
    assert_eq!(buffers_holding(&t, &pass), 0, "the pass left tmux's buffers at the clear");
    assert!(tapdesk_buffer(&t).is_none(), "{s}");
    assert!(!s.contains("In tmux buffer"), "the popup no longer says copied: {s}");
    t.keys(&["Escape"]);
    t.wait_for("the popup to close", |s| !s.contains("Temporary Access Pass issued"));
    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let t = tmux("ctrlc");
    let dir = t.dir.clone();
    launch(&t, &dir);
    t.wait_for("the directory", |s| s.contains("users loaded"));
    // The running console has core dumps off (soft and hard limit 0).
    let pid = t.child_pid("tapdesk").expect("tapdesk runs under the pane's shell");
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap();
    assert_eq!(core.split_whitespace().skip(4).take(2).collect::<Vec<_>>(), ["0", "0"], "{core}");
    t.keys(&["/"]);
    t.literal("noor");
    t.wait_for("the query", |s| s.contains("/ noor"));
    t.keys(&["C-c"]);
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    assert!(s.contains("TERMINAL-RESTORED"), "{s}");
}

#[test]
fn lost_key_recovery_for_avery_in_tmux() {
    let t = tmux("recover");
    let dir = t.dir.clone();
    launch(&t, &dir);
    t.wait_for("the directory", |s| s.contains("users loaded"));
    t.keys(&["/"]);
    t.literal("avery");
    t.wait_for("the query", |s| s.contains("/ avery"));
    t.keys(&["Enter"]);
    t.wait_for("Avery's methods and card", |s| s.contains("YubiKey 5 NFC") && s.contains("TAP-Users"));
    t.literal("F");
    t.wait_for("the flow", |s| s.contains("Lost-key recovery: Avery Quinn") && s.contains("Ticket"));
    t.literal("INC-4242");
    t.keys(&["Tab", "Right", "Enter"]);
    let s = t.wait_for("the key list", |s| s.contains("Which key did Avery Quinn lose?"));
    assert!(s.contains("FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("the delete", |s| s.contains("✓ Deleted FIDO2 security key"));
    t.keys(&["Enter"]);
    t.wait_for("the revoke", |s| s.contains("✓ Revoked all sign-in sessions"));
    t.keys(&["Enter"]);
    let s = t.wait_for("the pass", |s| s.contains("Temporary Access Pass issued") && s.contains("Esc close"));
    assert!(s.contains("one-time"), "{s}");
    let pass = pass_on(&s).expect("pass shown");
    t.literal("c");
    t.wait_for("the copy", |s| s.contains("terminal's clipboard"));
    let name = tapdesk_buffer(&t).expect("a tapdesk buffer");
    let buffer = String::from_utf8_lossy(&t.raw(&["show-buffer", "-b", &name]).stdout).into_owned();
    assert_eq!(buffer, pass);
    t.keys(&["Escape"]);
    let s = t.wait_for("the summary", |s| s.contains("Done."));
    assert!(!s.contains(&pass), "the pass is gone from the screen");
    assert!(s.contains("✓ Issued a one-time pass"), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("the methods without the key", |s| {
        !s.contains("YubiKey 5 NFC") && s.contains("Temporary Access Pass")
    });
    assert!(s.contains("Recovery flow closed") || s.contains("one-time"), "{s}");
    let audit = std::fs::read_to_string(dir.join("audit.jsonl")).expect("audit log");
    // Write-ahead: each of the three actions has its attempt line, then its result line.
    let lines: Vec<serde_json::Value> = audit.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(lines.len(), 6, "{audit}");
    for (pair, action) in
        lines.chunks(2).zip(["deleteAuthenticationMethod", "revokeSignInSessions", "createTemporaryAccessPass"])
    {
        assert_eq!(
            (pair[0]["phase"].as_str(), pair[0]["result"].as_str()),
            (Some("attempt"), Some("pending")),
            "{audit}"
        );
        assert_eq!(
            (pair[1]["phase"].as_str(), pair[1]["result"].as_str()),
            (Some("result"), Some("success")),
            "{audit}"
        );
        assert_eq!(pair[0]["actionId"], pair[1]["actionId"], "{audit}");
        assert!(pair.iter().all(|l| l["action"] == action && l["ticket"] == "INC-4242"), "{audit}");
    }
    assert!(!audit.contains(&pass));
    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("TERMINAL-RESTORED"), "{s}");
}

/// A burst of 5,000 typed keys (auto-type, a slow link catching up) is read to its end at once:
/// the last keys of the burst take effect without another key, and no stale key runs as a command
/// later. With crossterm's default reader the tail of a burst over ~1 KiB stayed unread until the
/// next key (the `use-dev-tty` feature in Cargo.toml).
#[test]
fn a_burst_of_five_thousand_keys_is_read_to_its_end() {
    // A debug build redraws after each key: give the burst time.
    let t = Tmux::start("e2e", "burst", (80, 24), "set -s set-clipboard on\n", Duration::from_secs(90));
    let dir = t.dir.clone();
    launch(&t, &dir);
    t.wait_for("the directory", |s| s.contains("users loaded"));
    t.keys(&["/"]);
    t.wait_for("the search box", |s| s.contains("┃/ "));
    // Typed and rubbed out again (Backspace is DEL, 0x7f), so only the burst's last five keys stay
    // in the query: if they are left unread, the list shows "q" matches, not Avery Quinn.
    let burst = format!("{}avery", "qqqq\x7f\x7f\x7f\x7f".repeat(624));
    assert_eq!(burst.len(), 4997);
    t.literal(&burst);
    let s = t.wait_for("the end of the burst", |s| {
        s.contains("┃/ avery ") && user_rows(s).first().is_some_and(|r| r.contains("Avery Quinn"))
    });
    assert!(s.contains("Users ("), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for("Avery's methods", |s| s.contains("YubiKey 5 NFC"));
    assert!(s.contains("Avery Quinn"), "{s}");
    // Nothing left over from the burst ran as a command (no form, no help).
    std::thread::sleep(Duration::from_millis(500));
    let s = t.screen();
    assert!(!s.contains("Enter: issue the pass") && !s.contains("copy the pass"), "{s}");
    assert!(s.contains("YubiKey 5 NFC"), "{s}");
    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0") && s.contains("TERMINAL-RESTORED"), "{s}");
}
