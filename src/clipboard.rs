//! Copying the pass: the desktop clipboard through arboard when a display is reachable and the
//! session is local, otherwise an OSC 52 escape sequence written to the operator's terminal (what
//! works over SSH and inside tmux).
//!
//! OSC 52 is `ESC ] 52 ; c ; <base64> ESC \` (crossterm's `CopyToClipboard`). Terminals never
//! acknowledge it, so tapdesk says "sent", never "copied", on that route. Inside tmux the plain
//! sequence is stored as a paste buffer and forwarded when tmux has `set -s set-clipboard on`;
//! tapdesk also writes the DCS-wrapped form that `set -g allow-passthrough on` forwards verbatim.
//! Inside GNU screen the sequence is wrapped in screen's `ESC P ... ESC \` passthrough.

use std::io::Write;

use crossterm::Command;
use crossterm::clipboard::CopyToClipboard;

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

/// What happened when the pass was copied (the status line says exactly this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    /// The desktop clipboard (arboard) took the text.
    Native,
    /// The OSC 52 sequence was written to the terminal; whether the terminal honoured it cannot be
    /// known. `fallback_reason` says why the desktop clipboard was not used when it was tried.
    Osc52 {
        /// Why arboard was tried and failed, if it was.
        fallback_reason: Option<String>,
    },
    /// Nothing was copied.
    Failed(String),
}

impl CopyOutcome {
    /// One line for the status bar.
    pub fn message(&self) -> String {
        match self {
            CopyOutcome::Native => "Copied the pass to the desktop clipboard.".into(),
            CopyOutcome::Osc52 {
                fallback_reason: None,
            } => "Sent to your terminal's clipboard (OSC 52); cannot confirm.".into(),
            CopyOutcome::Osc52 {
                fallback_reason: Some(r),
            } => format!(
                "Desktop clipboard unavailable ({r}); sent to your terminal's clipboard (OSC 52) instead; cannot confirm."
            ),
            CopyOutcome::Failed(e) => {
                format!("Could not copy the pass: {e}. Read it from the screen.")
            }
        }
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

/// The clipboard service owned by the render loop (the only writer to the terminal).
pub struct Clipboard {
    env: Environment,
    native: Option<arboard::Clipboard>,
}

impl std::fmt::Debug for Clipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clipboard")
            .field("env", &self.env)
            .field("native", &self.native.is_some())
            .finish()
    }
}

impl Clipboard {
    /// A clipboard service for the given environment. The arboard handle is opened on first use
    /// and then kept for the whole session (on X11 the owner must stay alive).
    pub fn new(env: Environment) -> Self {
        Self { env, native: None }
    }

    /// Copies `text`: arboard when [`Environment::native_usable`], else (or when arboard fails)
    /// OSC 52 written to `terminal`.
    pub fn copy(&mut self, text: &str, terminal: &mut impl Write) -> CopyOutcome {
        let mut fallback_reason = None;
        if self.env.native_usable() {
            match self.native_copy(text) {
                Ok(()) => return CopyOutcome::Native,
                Err(e) => fallback_reason = Some(e),
            }
        }
        let bytes = osc52_bytes(text, &self.env);
        match terminal
            .write_all(bytes.as_bytes())
            .and_then(|()| terminal.flush())
        {
            Ok(()) => CopyOutcome::Osc52 { fallback_reason },
            Err(e) => CopyOutcome::Failed(e.to_string()),
        }
    }

    fn native_copy(&mut self, text: &str) -> Result<(), String> {
        if self.native.is_none() {
            self.native = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        let cb = self
            .native
            .as_mut()
            .ok_or_else(|| "no clipboard".to_owned())?;
        #[cfg(target_os = "linux")]
        {
            use arboard::SetExtLinux;
            cb.set()
                .exclude_from_history()
                .text(text)
                .map_err(|e| e.to_string())
        }
        #[cfg(not(target_os = "linux"))]
        {
            cb.set()
                .exclude_from_history()
                .text(text)
                .map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_plain_and_tmux_wrapped() {
        let env = Environment {
            tmux: true,
            ..Default::default()
        };
        let b = osc52_bytes("+drkzqAD", &env);
        // base64("+drkzqAD") = "K2Rya3pxQUQ="
        assert!(b.starts_with("\x1b]52;c;K2Rya3pxQUQ=\x1b\\"), "{b:?}");
        assert!(
            b.ends_with("\x1bPtmux;\x1b\x1b]52;c;K2Rya3pxQUQ=\x1b\x1b\\\x1b\\"),
            "{b:?}"
        );
        let plain = osc52_bytes("+drkzqAD", &Environment::default());
        assert_eq!(plain, "\x1b]52;c;K2Rya3pxQUQ=\x1b\\");
        let screen = osc52_bytes(
            "x",
            &Environment {
                screen: true,
                ..Default::default()
            },
        );
        assert!(screen.starts_with("\x1bP\x1b]52;c;eA==") && screen.ends_with("\x1b\\\x1b\\"));
    }

    #[test]
    fn ssh_without_display_uses_osc52_and_says_sent() {
        let env = Environment::from_vars(|k| {
            (k == "SSH_CONNECTION").then(|| "10.0.0.1 5 10.0.0.2 22".into())
        });
        assert!(env.remote && !env.native_usable());
        let mut cb = Clipboard::new(env);
        let mut out = Vec::new();
        let o = cb.copy("abc", &mut out);
        assert_eq!(
            o,
            CopyOutcome::Osc52 {
                fallback_reason: None
            }
        );
        assert_eq!(out, b"\x1b]52;c;YWJj\x1b\\");
        assert!(o.message().contains("cannot confirm"));
        assert!(!o.message().contains("Copied"));
    }
}
