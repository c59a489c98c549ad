//! Copying the pass: the desktop clipboard through arboard when a display is reachable and the
//! session is local, otherwise an OSC 52 escape sequence written to the operator's terminal (what
//! works over SSH and inside tmux).
//!
//! OSC 52 is `ESC ] 52 ; c ; <base64> ESC \` (crossterm's `CopyToClipboard`). Terminals never
//! acknowledge it, so tapdesk says "sent", never "copied", on that route.
//!
//! Inside tmux (`TMUX` set, tmux 3.2 or later) tapdesk writes no escape sequence: it runs
//! `tmux load-buffer -b tapdesk-PID-N -w -` with the pass on standard input (never in the
//! arguments, which `ps` shows). The pass lands in a tmux paste buffer with a name tapdesk knows,
//! and `-w` hands it to the outer terminal's clipboard the way tmux's own copy mode does, which
//! works with tmux's default `set-clipboard external` (an application's OSC 52 goes nowhere
//! there). At the clear and on quit tapdesk overwrites the outer clipboard with a space the same
//! way and runs `tmux delete-buffer -b NAME`, so `tmux list-buffers` no longer holds the pass. An
//! OSC 52 written by the application instead would be kept by tmux as an unnamed buffer that
//! tapdesk could not find again. This also covers GNU screen inside tmux (`STY` and `TMUX`
//! set): the tmux server is reached through `TMUX`, and nothing passes through screen. When the
//! tmux command fails, tapdesk falls back to OSC 52 and says why.
//!
//! Without tmux: inside GNU screen the sequence is wrapped in screen's `ESC P ... ESC \`
//! passthrough; when tmux is the innermost multiplexer but its command cannot be used (older
//! than 3.2), the plain sequence is written (stored by tmux as a buffer and forwarded with
//! `set -s set-clipboard on`) plus the DCS-wrapped form that `set -g allow-passthrough on`
//! forwards verbatim.

pub mod outcome;

pub use outcome::{ClearOutcome, CopyOutcome};

use std::io::Write;

use crossterm::Command;
use crossterm::clipboard::CopyToClipboard;

pub use crate::config::ClipboardMode;

/// What the process can see of where it runs (read once from the environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// `SSH_CONNECTION` or `SSH_TTY` is set: the operator's desktop is on the far side.
    pub remote: bool,
    /// `DISPLAY` or `WAYLAND_DISPLAY` is set.
    pub display: bool,
    /// `TMUX` is set.
    pub tmux: bool,
    /// `STY` is set (GNU screen).
    pub screen: bool,
    /// Both `TMUX` and `STY` are set and GNU screen is the nearer of the two (screen inside
    /// tmux): an escape sequence must take screen's wrapping. Found from the process's ancestors
    /// on Linux (the first `screen` or `tmux` among them); where that cannot be read, both set
    /// counts as screen inside tmux.
    pub screen_inside_tmux: bool,
}

impl Environment {
    /// Reads the environment through `var` (e.g. `|k| std::env::var(k).ok()`); empty values count
    /// as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
        let (tmux, screen) = (set("TMUX"), set("STY"));
        Self {
            remote: set("SSH_CONNECTION") || set("SSH_TTY"),
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            tmux,
            screen,
            screen_inside_tmux: tmux && screen,
        }
    }

    /// The process environment; with both `TMUX` and `STY` set, the nearer multiplexer is looked
    /// up among the process's ancestors ([`nearest_multiplexer`]).
    pub fn from_process() -> Self {
        let mut env = Self::from_vars(|k| std::env::var(k).ok());
        if env.tmux && env.screen {
            env.screen_inside_tmux = nearest_multiplexer(&ancestors_comm()) != Some(Multiplexer::Tmux);
        }
        env
    }

    /// The native clipboard is worth trying: a display is set and the session is not remote.
    pub fn native_usable(&self) -> bool {
        self.display && !self.remote
    }
}

/// A terminal multiplexer tapdesk may run inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multiplexer {
    /// tmux.
    Tmux,
    /// GNU screen.
    Screen,
}

/// The first multiplexer among process names listed from the parent upwards (Linux `comm`
/// values: `tmux: server`, `tmux`, `screen`, `SCREEN`), if any.
pub fn nearest_multiplexer(names: &[String]) -> Option<Multiplexer> {
    names.iter().find_map(|n| {
        let n = n.trim();
        if n.starts_with("tmux") {
            Some(Multiplexer::Tmux)
        } else if n.eq_ignore_ascii_case("screen") {
            Some(Multiplexer::Screen)
        } else {
            None
        }
    })
}

/// The `comm` of each ancestor of this process, parent first (Linux `/proc`; empty elsewhere or
/// when unreadable). At most 64 steps.
fn ancestors_comm() -> Vec<String> {
    let mut out = Vec::new();
    let mut pid = std::process::id();
    for _ in 0..64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { break };
        // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so split at the last ')'.
        let Some(ppid) = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)) else { break };
        let Ok(ppid) = ppid.parse::<u32>() else { break };
        if ppid <= 1 {
            break;
        }
        match std::fs::read_to_string(format!("/proc/{ppid}/comm")) {
            Ok(c) => out.push(c.trim().to_owned()),
            Err(_) => break,
        }
        pid = ppid;
    }
    out
}

/// The arguments of the tmux command that puts standard input into buffer `name` and hands it to
/// the outer terminal's clipboard (`-w`, tmux 3.2+).
pub fn tmux_load_args(name: &str) -> [&str; 5] {
    ["load-buffer", "-b", name, "-w", "-"]
}

/// The arguments of the tmux command that deletes buffer `name`.
pub fn tmux_delete_args(name: &str) -> [&str; 3] {
    ["delete-buffer", "-b", name]
}

/// `tmux -V` output (`tmux 3.3a`, `tmux next-3.4`) → whether `load-buffer -w` exists (3.2+).
pub fn tmux_supports_load_w(version: &str) -> bool {
    let digits: String = version
        .trim()
        .trim_start_matches("tmux")
        .trim()
        .trim_start_matches("next-")
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = digits.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (3, 2)
}

/// Runs `tmux ARGS` with `input` on standard input; `Err` says what failed (never the input).
fn run_tmux(args: &[&str], input: &[u8]) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("tmux")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tmux ({e})"))?;
    // A tmux that cannot reach its server exits before reading: its own words then say why
    // better than the broken pipe.
    let written = child.stdin.take().map_or(Ok(()), |mut stdin| stdin.write_all(input));
    let out = child.wait_with_output().map_err(|e| format!("tmux {}: {e}", args[0]))?;
    if out.status.success() {
        return written.map_err(|e| format!("tmux {}: {e}", args[0]));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let err = crate::sanitize::clean_to(err.trim(), 120).into_owned();
    Err(format!("tmux {} failed ({})", args[0], if err.is_empty() { out.status.to_string() } else { err }))
}

/// The bytes to write to the terminal to put `text` on its clipboard: the plain OSC 52 sequence,
/// plus the tmux DCS-wrapped copy inside tmux, or only the screen-wrapped copy inside GNU screen
/// (also when screen runs inside tmux).
pub fn osc52_bytes(text: &str, env: &Environment) -> String {
    let mut plain = String::new();
    // Writing into a String cannot fail.
    let _ = CopyToClipboard::to_clipboard_from(text.as_bytes()).write_ansi(&mut plain);
    if env.screen && (!env.tmux || env.screen_inside_tmux) {
        // screen limits one string to 768 bytes; a pass (<= 48 chars) is far below that.
        return format!("\x1bP{plain}\x1b\\");
    }
    let mut out = plain.clone();
    if env.tmux {
        out.push_str("\x1bPtmux;");
        out.push_str(&plain.replace('\x1b', "\x1b\x1b"));
        out.push_str("\x1b\\");
    }
    out
}

/// Which route the last copy took (what a later clear must undo).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Native,
    Osc52,
    /// The tmux buffer of that name.
    Tmux(String),
}

/// The clipboard service owned by the render loop (the only writer to the terminal).
///
/// It remembers a keyed hash of what it copied (never the text) so that clearing can check that
/// the desktop clipboard still holds the pass before emptying it.
pub struct Clipboard {
    env: Environment,
    mode: ClipboardMode,
    native: Option<arboard::Clipboard>,
    copied: Option<(Route, u64)>,
    hasher: std::collections::hash_map::RandomState,
    /// `tmux -V` allows `load-buffer -w` (asked once, inside tmux only).
    tmux_w: Option<bool>,
    /// Copies made through tmux (for unique buffer names).
    tmux_copies: u32,
}

impl std::fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clipboard")
            .field("env", &self.env)
            .field("mode", &self.mode)
            .field("native", &self.native.is_some())
            .finish_non_exhaustive()
    }
}

impl Clipboard {
    /// A clipboard service for the given environment and mode. The arboard handle is opened on
    /// first use and then kept for the whole session (on X11 the owner must stay alive).
    pub fn new(env: Environment, mode: ClipboardMode) -> Self {
        Self { env, mode, native: None, copied: None, hasher: Default::default(), tmux_w: None, tmux_copies: 0 }
    }

    fn digest(&self, text: &str) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(text)
    }

    /// Copies `text` by the configured mode: arboard when the mode allows it and (in `auto`)
    /// [`Environment::native_usable`]; otherwise, or in `auto` when arboard fails, OSC 52 written
    /// to `terminal`.
    pub fn copy(&mut self, text: &str, terminal: &mut impl Write) -> CopyOutcome {
        let mut fallback_reason = None;
        match self.mode {
            ClipboardMode::Off => {
                return CopyOutcome::Failed("copying is turned off (clipboard = off)".into());
            }
            ClipboardMode::Native => {
                return match self.native_copy(text) {
                    Ok(()) => {
                        self.copied = Some((Route::Native, self.digest(text)));
                        CopyOutcome::Native
                    }
                    Err(e) => CopyOutcome::Failed(format!("desktop clipboard: {e}")),
                };
            }
            ClipboardMode::Auto if self.env.native_usable() => match self.native_copy(text) {
                Ok(()) => {
                    self.copied = Some((Route::Native, self.digest(text)));
                    return CopyOutcome::Native;
                }
                Err(e) => fallback_reason = Some(format!("Desktop clipboard unavailable ({e})")),
            },
            ClipboardMode::Auto | ClipboardMode::Osc52 => {}
        }
        if self.mode == ClipboardMode::Auto && self.tmux_usable() {
            // A buffer left by an earlier copy goes first: only one is ever held.
            if let Some((Route::Tmux(old), _)) = self.copied.take() {
                let _ = run_tmux(&tmux_delete_args(&old), b"");
            }
            self.tmux_copies += 1;
            let name = format!("tapdesk-{}-{}", std::process::id(), self.tmux_copies);
            match run_tmux(&tmux_load_args(&name), text.as_bytes()) {
                Ok(()) => {
                    self.copied = Some((Route::Tmux(name.clone()), self.digest(text)));
                    return CopyOutcome::Tmux { buffer: name };
                }
                Err(e) => fallback_reason = Some(format!("tmux did not take it ({e})")),
            }
        }
        let bytes = osc52_bytes(text, &self.env);
        match terminal.write_all(bytes.as_bytes()).and_then(|()| terminal.flush()) {
            Ok(()) => {
                self.copied = Some((Route::Osc52, self.digest(text)));
                CopyOutcome::Osc52 { fallback_reason }
            }
            Err(e) => CopyOutcome::Failed(e.to_string()),
        }
    }

    /// Inside tmux with `load-buffer -w` (tmux 3.2+), asked of `tmux -V` once.
    fn tmux_usable(&mut self) -> bool {
        if !self.env.tmux {
            return false;
        }
        *self.tmux_w.get_or_insert_with(|| {
            std::process::Command::new("tmux")
                .arg("-V")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .is_some_and(|o| tmux_supports_load_w(&String::from_utf8_lossy(&o.stdout)))
        })
    }

    /// `true` while something tapdesk copied may still be on a clipboard.
    pub fn holds_copy(&self) -> bool {
        self.copied.is_some()
    }

    /// Removes what tapdesk copied: the desktop clipboard is emptied only if it still holds the
    /// same text; the terminal's clipboard is overwritten with a space. `None` when nothing was
    /// copied.
    pub fn clear(&mut self, terminal: &mut impl Write) -> Option<ClearOutcome> {
        let (route, digest) = self.copied.take()?;
        Some(match route {
            Route::Native => {
                let current = self.native.as_mut().map(|cb| cb.get_text());
                match current {
                    Some(Ok(t)) if self.digest(&t) == digest => match self.native.as_mut().map(|cb| cb.clear()) {
                        Some(Ok(())) => ClearOutcome::Cleared,
                        Some(Err(e)) => ClearOutcome::Failed(e.to_string()),
                        None => ClearOutcome::Failed("no clipboard".into()),
                    },
                    Some(Ok(_)) => ClearOutcome::LeftAlone,
                    // Nothing readable (another owner, or empty): nothing of ours to clear.
                    Some(Err(_)) => ClearOutcome::LeftAlone,
                    None => ClearOutcome::Failed("no clipboard".into()),
                }
            }
            Route::Tmux(name) => {
                // Overwrite the outer clipboard the way the copy reached it, then delete the buffer.
                let overwrite = run_tmux(&tmux_load_args(&name), b" ");
                match run_tmux(&tmux_delete_args(&name), b"").and(overwrite) {
                    Ok(()) => ClearOutcome::TmuxDeleted,
                    Err(e) => ClearOutcome::Failed(format!(
                        "{e}; delete it with `tmux delete-buffer -b {name}` and check `tmux list-buffers`"
                    )),
                }
            }
            Route::Osc52 => {
                let bytes = osc52_bytes(" ", &self.env);
                match terminal.write_all(bytes.as_bytes()).and_then(|()| terminal.flush()) {
                    Ok(()) => ClearOutcome::Overwritten,
                    Err(e) => ClearOutcome::Failed(e.to_string()),
                }
            }
        })
    }

    fn native_copy(&mut self, text: &str) -> Result<(), String> {
        if self.native.is_none() {
            self.native = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        let cb = self.native.as_mut().ok_or_else(|| "no clipboard".to_owned())?;
        #[cfg(target_os = "linux")]
        {
            use arboard::SetExtLinux;
            cb.set().exclude_from_history().text(text).map_err(|e| e.to_string())
        }
        #[cfg(not(target_os = "linux"))]
        {
            cb.set().exclude_from_history().text(text).map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_plain_and_tmux_wrapped() {
        let env = Environment { tmux: true, ..Default::default() };
        let b = osc52_bytes("+drkzqAD", &env);
        // base64("+drkzqAD") = "K2Rya3pxQUQ="
        assert!(b.starts_with("\x1b]52;c;K2Rya3pxQUQ=\x1b\\"), "{b:?}");
        assert!(b.ends_with("\x1bPtmux;\x1b\x1b]52;c;K2Rya3pxQUQ=\x1b\x1b\\\x1b\\"), "{b:?}");
        let plain = osc52_bytes("+drkzqAD", &Environment::default());
        assert_eq!(plain, "\x1b]52;c;K2Rya3pxQUQ=\x1b\\");
        let screen = osc52_bytes("x", &Environment { screen: true, ..Default::default() });
        assert!(screen.starts_with("\x1bP\x1b]52;c;eA==") && screen.ends_with("\x1b\\\x1b\\"));
    }

    #[test]
    fn screen_inside_tmux_takes_the_screen_wrapping() {
        let both = Environment { tmux: true, screen: true, screen_inside_tmux: true, ..Default::default() };
        let b = osc52_bytes("x", &both);
        assert_eq!(b, "\x1bP\x1b]52;c;eA==\x1b\\\x1b\\", "screen's wrapping only, no tmux form: {b:?}");
        let tmux_in_screen = Environment { tmux: true, screen: true, screen_inside_tmux: false, ..Default::default() };
        assert!(osc52_bytes("x", &tmux_in_screen).contains("\x1bPtmux;"));
        // From the environment alone, both set counts as screen inside tmux.
        let env = Environment::from_vars(|k| matches!(k, "TMUX" | "STY").then(|| "set".into()));
        assert!(env.screen_inside_tmux);
    }

    #[test]
    fn the_nearest_multiplexer_is_the_first_among_the_ancestors() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(nearest_multiplexer(&names(&["bash", "screen", "bash", "tmux: server"])), Some(Multiplexer::Screen));
        assert_eq!(nearest_multiplexer(&names(&["bash", "tmux: server", "bash", "SCREEN"])), Some(Multiplexer::Tmux));
        assert_eq!(nearest_multiplexer(&names(&["bash", "sshd"])), None);
    }

    #[test]
    fn a_fallback_names_the_route_that_failed() {
        let tmux = CopyOutcome::Osc52 { fallback_reason: Some("tmux did not take it (no server)".into()) };
        assert_eq!(
            tmux.message(),
            "tmux did not take it (no server); sent to your terminal's clipboard (OSC 52) instead; cannot confirm."
        );
        let desktop = CopyOutcome::Osc52 { fallback_reason: Some("Desktop clipboard unavailable (no X)".into()) };
        assert!(desktop.message().starts_with("Desktop clipboard unavailable (no X); sent"));
    }

    #[test]
    fn tmux_commands_and_versions() {
        assert_eq!(tmux_load_args("tapdesk-7-1"), ["load-buffer", "-b", "tapdesk-7-1", "-w", "-"]);
        assert_eq!(tmux_delete_args("tapdesk-7-1"), ["delete-buffer", "-b", "tapdesk-7-1"]);
        for (v, ok) in [
            ("tmux 3.3a", true),
            ("tmux 3.2", true),
            ("tmux 3.1c", false),
            ("tmux 2.9", false),
            ("tmux next-3.4", true),
            ("tmux 10.0", true),
            ("", false),
        ] {
            assert_eq!(tmux_supports_load_w(v), ok, "{v}");
        }
    }

    #[test]
    fn ssh_without_display_uses_osc52_and_says_sent() {
        let env = Environment::from_vars(|k| (k == "SSH_CONNECTION").then(|| "10.0.0.1 5 10.0.0.2 22".into()));
        assert!(env.remote && !env.native_usable());
        let mut cb = Clipboard::new(env, ClipboardMode::Auto);
        let mut out = Vec::new();
        let o = cb.copy("abc", &mut out);
        assert_eq!(o, CopyOutcome::Osc52 { fallback_reason: None });
        assert_eq!(out, b"\x1b]52;c;YWJj\x1b\\");
        assert!(o.message().contains("cannot confirm"));
        assert!(!o.message().contains("Copied"));
        assert!(cb.holds_copy());
        out.clear();
        assert_eq!(cb.clear(&mut out), Some(ClearOutcome::Overwritten));
        assert_eq!(out, b"\x1b]52;c;IA==\x1b\\", "overwritten with a space");
        assert_eq!(cb.clear(&mut out), None, "cleared once");
    }

    #[test]
    fn off_never_copies_and_native_never_falls_back() {
        let mut out = Vec::new();
        let mut off = Clipboard::new(Environment::default(), ClipboardMode::Off);
        assert!(matches!(off.copy("abc", &mut out), CopyOutcome::Failed(m) if m.contains("off")));
        assert!(out.is_empty());
        // No display here: native fails and says so, nothing is written to the terminal.
        let mut native = Clipboard::new(Environment::default(), ClipboardMode::Native);
        assert!(matches!(native.copy("abc", &mut out), CopyOutcome::Failed(_)));
        assert!(out.is_empty());
        assert!(!native.holds_copy());
    }
}
