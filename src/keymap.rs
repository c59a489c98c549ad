//! Keys are data: the [`Action`] vocabulary, the default bindings, and the help overlay's rows,
//! all from one table ([`BINDINGS`]). Making them configurable from a file is a later issue.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for. The focused pane decides what each action does there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Focus the search box of the Users pane and type a query.
    Search,
    /// Move down in the focused list or form.
    Down,
    /// Move up in the focused list or form.
    Up,
    /// Select the highlighted user; in the TAP form, issue the pass.
    Select,
    /// Next pane (Users → Methods → Temporary Access Pass).
    NextPane,
    /// Previous pane.
    PrevPane,
    /// Open the TAP form for the selected user.
    TapForm,
    /// Copy the pass shown in the popup.
    Copy,
    /// Close the popup or help; leave the search box; go back.
    Back,
    /// Toggle the help overlay.
    Help,
    /// Quit tapdesk.
    Quit,
    /// Toggle a checkbox or cycle a choice in the form (one-time, verification).
    Toggle,
    /// Delete the highlighted authentication method (after a confirmation).
    Delete,
    /// Revoke the selected user's sign-in sessions (after a confirmation).
    Revoke,
    /// Start the lost-key recovery flow for the selected user.
    Recover,
    /// Open the tenant's TAP policy.
    Policy,
}

/// One row of the key table: the action, the keys shown in help, and what it does.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The action.
    pub action: Action,
    /// Keys as shown to the operator.
    pub keys: &'static str,
    /// One line of help.
    pub help: &'static str,
}

/// The default bindings, in the order help shows them.
pub const BINDINGS: &[Binding] = &[
    Binding { action: Action::Search, keys: "/", help: "search users (type to narrow, Enter to select)" },
    Binding { action: Action::Down, keys: "j ↓", help: "move down" },
    Binding { action: Action::Up, keys: "k ↑", help: "move up" },
    Binding { action: Action::Select, keys: "Enter", help: "select user / issue the pass" },
    Binding { action: Action::NextPane, keys: "Tab", help: "next pane" },
    Binding { action: Action::PrevPane, keys: "Shift-Tab", help: "previous pane" },
    Binding { action: Action::TapForm, keys: "t", help: "Temporary Access Pass form" },
    Binding { action: Action::Toggle, keys: "Space ← →", help: "toggle one-time / change the verification (form)" },
    Binding { action: Action::Copy, keys: "c", help: "copy the pass (in its popup)" },
    Binding { action: Action::Delete, keys: "d", help: "delete the highlighted method (Methods pane)" },
    Binding { action: Action::Revoke, keys: "r", help: "revoke the selected user's sign-in sessions" },
    Binding { action: Action::Recover, keys: "F", help: "lost-key recovery flow" },
    Binding { action: Action::Policy, keys: "P", help: "the tenant's TAP policy" },
    Binding { action: Action::Back, keys: "Esc", help: "close popup / leave search / back" },
    Binding { action: Action::Help, keys: "?", help: "this help" },
    Binding { action: Action::Quit, keys: "q  Ctrl-C", help: "quit" },
];

/// The action bound to `key` by default, if any. Ctrl-C is handled before this (always quits).
pub fn action_for(key: &KeyEvent) -> Option<Action> {
    let plain = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
    if !plain {
        return None;
    }
    Some(match key.code {
        KeyCode::Char('/') => Action::Search,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Enter => Action::Select,
        KeyCode::Tab => Action::NextPane,
        KeyCode::BackTab => Action::PrevPane,
        KeyCode::Char('t') => Action::TapForm,
        KeyCode::Char(' ') => Action::Toggle,
        KeyCode::Char('c') => Action::Copy,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('d') => Action::Delete,
        KeyCode::Char('r') => Action::Revoke,
        KeyCode::Char('F') => Action::Recover,
        KeyCode::Char('P') => Action::Policy,
        _ => return None,
    })
}
