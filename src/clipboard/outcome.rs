//! What a copy or a clear did ([`CopyOutcome`], [`ClearOutcome`]) and the status line for each:
//! plain data the render loop sends to `app` as a `Msg` (the clipboard I/O is in [`super`]).

/// What happened when the pass was copied (the status line says exactly this).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    /// The desktop clipboard (arboard) took the text.
    Native,
    /// The OSC 52 sequence was written to the terminal; whether the terminal honoured it cannot be
    /// known. `fallback_reason` says, as a sentence start, why the route tried first (the desktop
    /// clipboard, or tmux's buffer) was not used ("Desktop clipboard unavailable (…)").
    Osc52 {
        /// Why the desktop clipboard or tmux was tried and failed, if one was.
        fallback_reason: Option<String>,
    },
    /// tapdesk runs inside tmux: the text went into tmux's own paste buffer `buffer` (named, so
    /// tapdesk deletes it at the clear and on quit) with `load-buffer -w`, which also hands it to
    /// the outer terminal's clipboard the way tmux's `set-clipboard` does; whether the terminal
    /// took it cannot be known.
    Tmux {
        /// The tmux buffer's name (`tapdesk-PID-N`).
        buffer: String,
    },
    /// Nothing was copied.
    Failed(String),
}

impl CopyOutcome {
    /// One line for the status bar.
    pub fn message(&self) -> String {
        match self {
            CopyOutcome::Native => "Copied the pass to the desktop clipboard.".into(),
            CopyOutcome::Osc52 { fallback_reason: None } => {
                "Sent to your terminal's clipboard (OSC 52); cannot confirm.".into()
            }
            CopyOutcome::Osc52 { fallback_reason: Some(r) } => {
                format!("{r}; sent to your terminal's clipboard (OSC 52) instead; cannot confirm.")
            }
            CopyOutcome::Tmux { buffer } => format!(
                "In tmux buffer {buffer} (paste with prefix ]) and sent to your terminal's clipboard by tmux; cannot confirm."
            ),
            CopyOutcome::Failed(e) => {
                format!("Could not copy the pass: {e}. Read it from the screen.")
            }
        }
    }
}

/// What clearing the clipboard did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearOutcome {
    /// The desktop clipboard still held the pass and is now empty.
    Cleared,
    /// The desktop clipboard holds something else now; left alone.
    LeftAlone,
    /// The terminal's clipboard was overwritten with a single space (OSC 52 cannot read back, and
    /// tmux drops an empty payload).
    Overwritten,
    /// tapdesk's tmux buffer was deleted, and the outer terminal's clipboard overwritten with a
    /// space through tmux.
    TmuxDeleted,
    /// Clearing failed.
    Failed(String),
}

impl ClearOutcome {
    /// One line for the status bar.
    pub fn message(&self) -> String {
        match self {
            ClearOutcome::Cleared => "Cleared the pass from the desktop clipboard.".into(),
            ClearOutcome::LeftAlone => "The desktop clipboard holds something else now; left it alone.".into(),
            ClearOutcome::Overwritten => "Overwrote your terminal's clipboard to remove the pass.".into(),
            ClearOutcome::TmuxDeleted => "Removed the pass from tmux's buffers and your terminal's clipboard.".into(),
            ClearOutcome::Failed(e) => format!("Could not clear the clipboard: {e}. Clear it yourself."),
        }
    }
}
