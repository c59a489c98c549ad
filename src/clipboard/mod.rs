//! Copying the pass: the desktop clipboard through arboard when a display is reachable and the
//! session is local, otherwise an OSC 52 escape sequence written to the operator's terminal (what
//! works over SSH and inside tmux).
//!
//! OSC 52 is `ESC ] 52 ; c ; <base64> ESC \` (crossterm's `CopyToClipboard`). Terminals never
//! acknowledge it, so tapdesk says "sent", never "copied", on that route. Inside tmux the plain
//! sequence is stored as a paste buffer and forwarded when tmux has `set -s set-clipboard on`;
//! tapdesk also writes the DCS-wrapped form that `set -g allow-passthrough on` forwards verbatim.
//! Inside GNU screen the sequence is wrapped in screen's `ESC P ... ESC \` passthrough.

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
}

impl Environment {
    /// Reads the environment through `var` (e.g. `|k| std::env::var(k).ok()`); empty values count
    /// as unset.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |k: &str| var(k).is_some_and(|v| !v.is_empty());
        Self {
            remote: set("SSH_CONNECTION") || set("SSH_TTY"),
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            tmux: set("TMUX"),
            screen: set("STY"),
        }
    }

    /// The process environment.
    pub fn from_process() -> Self {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    /// The native clipboard is worth trying: a display is set and the session is not remote.
    pub fn native_usable(&self) -> bool {
        self.display && !self.remote
    }
}

/// The bytes to write to the terminal to put `text` on its clipboard: the plain OSC 52 sequence,
/// plus the tmux DCS-wrapped copy inside tmux, or only the screen-wrapped copy inside GNU screen.
pub fn osc52_bytes(text: &str, env: &Environment) -> String {
    let mut plain = String::new();
    // Writing into a String cannot fail.
    let _ = CopyToClipboard::to_clipboard_from(text.as_bytes()).write_ansi(&mut plain);
    if env.screen && !env.tmux {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Native,
    Osc52,
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
        Self { env, mode, native: None, copied: None, hasher: Default::default() }
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
                Err(e) => fallback_reason = Some(e),
            },
            ClipboardMode::Auto | ClipboardMode::Osc52 => {}
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
