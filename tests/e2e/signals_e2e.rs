//! Job control and signals on the real binary (`--demo`) in tmux, run by an interactive bash with
//! job control, as an operator's shell would: `Ctrl-Z` and `kill -TSTP` give the terminal back
//! and `fg` takes it again with everything redrawn and what was typed kept; `kill -STOP` /
//! `kill -CONT` from outside while the shell holds the terminal leaves it alone until `fg`; a
//! `SIGTERM` ends tapdesk with the terminal restored and the exit status 143; ending the tmux
//! session (`SIGHUP`) after a suspend leaves no core file.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use crate::tmux::Tmux;

/// The process's state letter from `/proc/PID/stat` (`S` sleeping, `T` stopped), `None` once gone.
fn state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(") ")?.1.chars().next()
}

fn wait_state(pid: u32, want: char) {
    for _ in 0..50 {
        if state(pid) == Some(want) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("tapdesk {pid} is in state {:?}, not {want}", state(pid));
}

/// Waits (up to 5 s) for the process to be gone.
fn wait_gone(pid: u32) {
    for _ in 0..50 {
        if state(pid).is_none() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// After tapdesk ended: the shell reports `status` and its terminal settings are those recorded
/// before the start; returns the screen.
fn exit_status_and_modes(t: &Tmux, status: u32) -> String {
    let d = t.dir.display();
    t.send(&format!("echo \"exit=$?\"; stty -g > {d}/after"), &["Enter"]);
    let s = t.wait_for("the exit status", |s| s.contains("exit="));
    assert!(s.contains(&format!("exit={status}")), "{s}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        std::fs::read_to_string(t.dir.join("before")).unwrap(),
        std::fs::read_to_string(t.dir.join("after")).unwrap(),
        "stty settings restored"
    );
    s
}

fn kill(sig: &str, pid: u32) {
    let ok = std::process::Command::new("kill").args([sig, &pid.to_string()]).status().unwrap().success();
    assert!(ok, "kill {sig} {pid}");
}

/// The binary under test: this build's, or `TEST_TAPDESK_BIN` (e.g. `target/release/tapdesk`, to
/// check the release binary by hand).
fn bin() -> String {
    std::env::var("TEST_TAPDESK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_tapdesk").to_owned())
}

/// Starts bash with job control in the pane, records `stty -g`, and runs the demo; returns its pid
/// once "/ noor" is typed into its search box.
fn start(t: &Tmux) -> u32 {
    let d = t.dir.display();
    t.send("exec bash --norc --noprofile -i", &["Enter"]);
    t.send(&format!("PS1='$ '; stty -g > {d}/before"), &["Enter"]);
    t.send(
        &format!("env -u DISPLAY -u WAYLAND_DISPLAY TZ=UTC {} --demo --audit-log {d}/audit.jsonl", bin()),
        &["Enter"],
    );
    t.wait_for("the directory", |s| s.contains("users loaded"));
    t.keys(&["/"]);
    t.literal("noor");
    t.wait_for("the query", |s| s.contains("/ noor"));
    t.child_pid("tapdesk").expect("tapdesk runs under the pane's shell")
}

fn alternate_on(t: &Tmux) -> String {
    String::from_utf8_lossy(&t.raw(&["display", "-p", "-t", "e2e", "#{alternate_on}"]).stdout).trim().to_owned()
}

/// `fg`, then the console is back, redrawn, with the query kept.
fn fg_back(t: &Tmux, pid: u32) {
    t.send("fg", &["Enter"]);
    let s = t.wait_for("the console again", |s| s.contains("/ noor") && s.contains("> Noor Haddad"));
    assert!(s.contains("Users (2000)"), "fully redrawn: {s}");
    wait_state(pid, 'S');
    assert_eq!(alternate_on(t), "1");
}

#[test]
fn ctrl_z_tstp_stop_cont_and_term_as_a_shell_sees_them() {
    let t = Tmux::start("signals-e2e", "job", (80, 24), "", Duration::from_secs(20));
    let d = t.dir.clone();
    let pid = start(&t);

    // Ctrl-Z: the normal screen, the shell's own terminal settings, tapdesk stopped.
    t.keys(&["C-z"]);
    t.wait_for("the shell", |s| s.contains("Stopped"));
    wait_state(pid, 'T');
    assert_eq!(alternate_on(&t), "0", "the alternate screen is left");
    t.send(&format!("stty -g > {}/suspended", d.display()), &["Enter"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        std::fs::read_to_string(d.join("before")).unwrap(),
        std::fs::read_to_string(d.join("suspended")).unwrap(),
        "the terminal is the shell's again while tapdesk is stopped"
    );
    fg_back(&t, pid);

    // kill -TSTP from outside: the same, and the console says it is back.
    kill("-TSTP", pid);
    wait_state(pid, 'T');
    t.wait_for("the shell", |s| s.lines().any(|l| l.starts_with("$ ")));
    assert_eq!(alternate_on(&t), "0");
    fg_back(&t, pid);
    t.wait_for("the status line", |s| s.contains("Back from Ctrl-Z: everything is as it was."));

    // kill -STOP (cannot be caught: the shell takes the terminal as it is) and kill -CONT from
    // outside, while the shell holds the terminal: tapdesk leaves the terminal alone (it does
    // not draw over the shell) until `fg` brings it to the front again.
    kill("-STOP", pid);
    wait_state(pid, 'T');
    kill("-CONT", pid);
    std::thread::sleep(Duration::from_millis(1500));
    assert_ne!(state(pid), None, "still running after a plain SIGCONT");
    t.keys(&["C-l"]);
    fg_back(&t, pid);
    // The keys reach tapdesk again: the terminal is in raw mode, not the shell's cooked mode
    // (which would echo the key and hold it until Enter).
    t.keys(&["BSpace"]);
    t.wait_for("the key to reach the search box", |s| s.contains("/ noo ") || s.contains("/ noo│"));
    t.literal("r");
    t.wait_for("the query again", |s| s.contains("/ noor"));

    // SIGTERM: the terminal restored, exit status 128 + 15.
    kill("-TERM", pid);
    wait_gone(pid);
    assert_eq!(state(pid), None, "SIGTERM ended tapdesk");
    t.wait_for("the prompt", |s| s.lines().rfind(|l| !l.trim().is_empty()) == Some("$"));
    exit_status_and_modes(&t, 143);
    assert_eq!(alternate_on(&t), "0");
}

/// Any `core*` file in `dir`.
fn cores(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("core"))
        .collect()
}

/// The reported crash: suspended, resumed, then ended with its tmux session. With cores allowed
/// in the shell (`ulimit -c unlimited`, and a control process that does dump one here), tapdesk
/// leaves none: its own core limit is 0 and it is not dumpable.
#[test]
fn ending_the_session_after_a_suspend_leaves_no_core() {
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default();
    if pattern.trim() != "core" && !pattern.trim().starts_with("core.") {
        println!("skipped: core_pattern is {pattern:?}, so cores do not land in the working directory");
        return;
    }
    let t = Tmux::start("signals-e2e", "core", (80, 24), "", Duration::from_secs(20));
    let d = t.dir.clone();
    t.send(&format!("cd {}; ulimit -c unlimited", d.display()), &["Enter"]);
    // The control: a process that crashes here does leave a core.
    t.send("bash -c 'kill -SEGV $$'; echo control-done", &["Enter"]);
    t.wait_for("the control", |s| s.contains("control-done"));
    std::thread::sleep(Duration::from_millis(500));
    let control = cores(&d);
    assert!(!control.is_empty(), "the control crash left no core, so this check would prove nothing");
    for c in &control {
        std::fs::remove_file(d.join(c)).unwrap();
    }
    let pid = start(&t);
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits.lines().find(|l| l.starts_with("Max core file size")).unwrap();
    assert_eq!(core.split_whitespace().skip(4).take(2).collect::<Vec<_>>(), ["0", "0"], "{core}");
    t.keys(&["C-z"]);
    wait_state(pid, 'T');
    fg_back(&t, pid);
    // End the session: the shell and tapdesk get SIGHUP.
    let _ = t.raw(&["kill-session", "-t", "e2e"]);
    wait_gone(pid);
    assert_eq!(state(pid), None, "SIGHUP ended tapdesk");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(cores(&d), Vec::<String>::new(), "tapdesk left a core file");
}

/// A pass copied inside tmux does not wait in tmux's buffers while tapdesk is stopped: `Ctrl-Z`
/// clears it first, `fg` says so, and the exit line later says when it was cleared.
#[test]
fn a_copied_pass_leaves_tmux_before_ctrl_z_stops_tapdesk() {
    use crate::e2e_tmux::{buffers_holding, issue_and_copy_for_avery, tapdesk_buffer};
    let t = Tmux::start("signals-e2e", "copy", (80, 24), "", Duration::from_secs(20));
    let d = t.dir.display().to_string();
    t.send("exec bash --norc --noprofile -i", &["Enter"]);
    t.send("PS1='$ '", &["Enter"]);
    t.send(
        &format!(
            "env -u DISPLAY -u WAYLAND_DISPLAY -u SSH_CONNECTION -u SSH_TTY TZ=UTC {} --demo --audit-log {d}/audit.jsonl",
            bin()
        ),
        &["Enter"],
    );
    let pass = issue_and_copy_for_avery(&t);
    let pid = t.child_pid("tapdesk").expect("tapdesk runs under the pane's shell");

    t.keys(&["C-z"]);
    t.wait_for("the shell", |s| s.contains("Stopped"));
    wait_state(pid, 'T');
    assert_eq!(buffers_holding(&t, &pass), 0, "the pass left tmux's buffers before the stop");
    assert!(tapdesk_buffer(&t).is_none());

    t.send("fg", &["Enter"]);
    let s =
        t.wait_for("the console again", |s| s.contains("the pass left the clipboard before the stop (c copies again)"));
    assert!(s.contains("Temporary Access Pass issued"), "the pass is still on screen: {s}");
    assert!(!s.contains("In tmux buffer"), "the popup no longer says copied: {s}");
    t.keys(&["Escape"]);
    t.wait_for("the popup to close", |s| !s.contains("Temporary Access Pass issued"));
    t.literal("q");
    // The pane wraps at 80 columns: compared without whitespace.
    let squeezed = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let s = t.wait_for("the exit line", |s| squeezed(s).contains("nothingwascopiedsince)"));
    let line = squeezed("tapdesk: Removed the pass from tmux's buffers and your terminal's clipboard (at ");
    assert!(squeezed(&s).contains(&line), "{s}");
    assert_eq!(buffers_holding(&t, &pass), 0);
}

/// `SIGABRT` (what `abort()` and an out-of-memory abort raise; here sent from outside, which runs
/// the same handler) gives the terminal back: the shell's own modes, the normal screen, a line
/// saying what happened, and the exit status 128 + 6, as a shell reports a death by the signal.
#[test]
fn sigabrt_gives_the_terminal_back_and_ends_with_134() {
    let t = Tmux::start("signals-e2e", "abrt", (80, 24), "", Duration::from_secs(20));
    let pid = start(&t);
    assert_eq!(alternate_on(&t), "1");
    kill("-ABRT", pid);
    wait_gone(pid);
    assert_eq!(state(pid), None, "SIGABRT ended tapdesk");
    let s = exit_status_and_modes(&t, 134);
    assert!(s.contains("tapdesk: aborted (SIGABRT); the terminal was given back."), "{s}");
    assert_eq!(alternate_on(&t), "0", "the alternate screen is left");
}
