//! Keys are data: the [`Action`] vocabulary and the default bindings, read from
//! `assets/keymap.toml` (compiled in). One table ([`Keymap`]) answers both "what does this key
//! do" ([`action_for`]) and "which keys do what" (the help overlay, [`bindings`], and the key
//! hints elsewhere on screen, [`key_hint`]). Loading a user's own keymap file is a later issue.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// The default keymap as shipped: `assets/keymap.toml`.
pub const DEFAULT_TOML: &str = include_str!("../assets/keymap.toml");

/// What a key asks for. The focused pane decides what each action does there.
///
/// In the keymap file an action is named in snake_case (`next_pane`, `tap_form`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// End the waits of requests Graph is throttling (they fail as cancelled).
    CancelWait,
    /// Load the directory again after a failed load.
    Reload,
    /// Give the terminal back to the shell and stop, as any terminal program does (`fg` resumes).
    Suspend,
    /// Empty the search box (while typing in it).
    ClearQuery,
    /// Delete the selected user's remaining Temporary Access Pass (after a confirmation), e.g.
    /// once the watch saw a new method registered.
    DeletePass,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 21] = [
        Action::Search,
        Action::Down,
        Action::Up,
        Action::Select,
        Action::NextPane,
        Action::PrevPane,
        Action::TapForm,
        Action::Copy,
        Action::Back,
        Action::Help,
        Action::Quit,
        Action::Toggle,
        Action::Delete,
        Action::Revoke,
        Action::Recover,
        Action::Policy,
        Action::CancelWait,
        Action::Reload,
        Action::Suspend,
        Action::ClearQuery,
        Action::DeletePass,
    ];

    /// The action's name in the keymap file (snake_case).
    pub fn name(self) -> &'static str {
        match self {
            Action::Search => "search",
            Action::Down => "down",
            Action::Up => "up",
            Action::Select => "select",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::TapForm => "tap_form",
            Action::Copy => "copy",
            Action::Back => "back",
            Action::Help => "help",
            Action::Quit => "quit",
            Action::Toggle => "toggle",
            Action::Delete => "delete",
            Action::Revoke => "revoke",
            Action::Recover => "recover",
            Action::Policy => "policy",
            Action::CancelWait => "cancel_wait",
            Action::Reload => "reload",
            Action::Suspend => "suspend",
            Action::ClearQuery => "clear_query",
            Action::DeletePass => "delete_pass",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One key as the keymap matches it: a key code and the modifiers other than Shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key (`Char('F')` for Shift-F: Shift is in the character).
    pub code: KeyCode,
    /// Ctrl, Alt, …; never Shift.
    pub modifiers: KeyModifiers,
}

impl Key {
    /// The key as the keymap matches a terminal's key event: Shift is dropped (it is in the
    /// character, or in `BackTab`, and terminals differ in reporting it).
    pub fn from_event(key: &KeyEvent) -> Key {
        Key { code: key.code, modifiers: key.modifiers.difference(KeyModifiers::SHIFT) }
    }

    /// How the key is shown to the operator: `j`, `↓`, `Enter`, `Shift-Tab`, `Space`, `Ctrl-C`.
    pub fn label(&self) -> String {
        let mut out = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        let ctrl_or_alt = self.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match self.code {
            KeyCode::Char(' ') => out.push_str("Space"),
            KeyCode::Char(c) if ctrl_or_alt => out.extend(c.to_uppercase()),
            KeyCode::Char(c) => out.push(c),
            KeyCode::Enter => out.push_str("Enter"),
            KeyCode::Tab => out.push_str("Tab"),
            KeyCode::BackTab => out.push_str("Shift-Tab"),
            KeyCode::Esc => out.push_str("Esc"),
            KeyCode::Up => out.push('↑'),
            KeyCode::Down => out.push('↓'),
            KeyCode::Left => out.push('←'),
            KeyCode::Right => out.push('→'),
            KeyCode::Backspace => out.push_str("Backspace"),
            KeyCode::Delete => out.push_str("Del"),
            KeyCode::Insert => out.push_str("Ins"),
            KeyCode::Home => out.push_str("Home"),
            KeyCode::End => out.push_str("End"),
            KeyCode::PageUp => out.push_str("PgUp"),
            KeyCode::PageDown => out.push_str("PgDn"),
            KeyCode::F(n) => out.push_str(&format!("F{n}")),
            other => out.push_str(&format!("{other:?}")),
        }
        out
    }
}

/// Why a key in the keymap notation could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key {key:?}: {reason}")]
pub struct KeyError {
    /// The key as written.
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Reads one key in the keymap notation: `"j"`, `"F"`, `"?"`, `"down"`, `"enter"`, `"tab"`,
/// `"shift-tab"`/`"backtab"`, `"space"`, `"esc"`, `"ctrl-c"`, `"alt-x"`, `"f5"`, …
pub fn parse_key(text: &str) -> Result<Key, KeyError> {
    let err = |reason: &str| KeyError { key: text.to_owned(), reason: reason.to_owned() };
    let mut modifiers = KeyModifiers::NONE;
    let mut shift = false;
    let mut rest = text;
    // Modifier prefixes; a lone "-" (or "ctrl--") is the minus key itself.
    while let Some((prefix, tail)) = rest.split_once('-')
        && !tail.is_empty()
    {
        match prefix.to_ascii_lowercase().as_str() {
            "ctrl" => modifiers |= KeyModifiers::CONTROL,
            "alt" => modifiers |= KeyModifiers::ALT,
            "shift" => shift = true,
            "" => break,
            _ => return Err(err(&format!("unknown modifier {prefix:?} (ctrl-, alt-, shift-tab)"))),
        }
        rest = tail;
    }
    if rest.is_empty() {
        return Err(err("no key"));
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => {
            if c.is_control() {
                return Err(err("a control character; write e.g. \"ctrl-x\", \"tab\" or \"enter\""));
            }
            if shift {
                return Err(err("Shift is in the character: write \"F\", not \"shift-f\""));
            }
            // Terminals report Ctrl with a letter as the lower-case letter.
            if modifiers.contains(KeyModifiers::CONTROL) {
                KeyCode::Char(c.to_ascii_lowercase())
            } else {
                KeyCode::Char(c)
            }
        }
        _ => {
            let named = match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "tab" if shift => KeyCode::BackTab,
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "esc" | "escape" => KeyCode::Esc,
                "space" => KeyCode::Char(' '),
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                f if f.len() > 1 && f.starts_with('f') => match f[1..].parse::<u8>() {
                    Ok(n @ 1..=24) => KeyCode::F(n),
                    _ => return Err(err("unknown key name")),
                },
                _ => return Err(err("unknown key name")),
            };
            if shift && named != KeyCode::BackTab {
                return Err(err("shift- only goes with tab (\"shift-tab\"); Shift is ignored otherwise"));
            }
            named
        }
    };
    Ok(Key { code, modifiers })
}

/// One row of the key table: the action, its keys, how help shows them, and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The action.
    pub action: Action,
    /// The keys bound to it; the first is the one hints name.
    pub keys: Vec<Key>,
    /// Keys as the help overlay shows them (`j ↓`).
    pub display: String,
    /// The first key's label, for hints elsewhere on screen (`Esc`, `c`).
    pub hint: String,
    /// One line of help.
    pub help: String,
}

/// Why a keymap file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// Not TOML, or not the keymap's shape (unknown action, missing `help`, …).
    #[error("keymap: {0}")]
    Toml(String),
    /// A key in unknown notation.
    #[error("keymap: action {action}: {error}")]
    BadKey {
        /// The action the key was given for.
        action: Action,
        /// What is wrong with the key.
        error: KeyError,
    },
    /// The same key given to two actions (or twice to one).
    #[error("keymap: key {key:?} is bound to both {first} and {second}")]
    Duplicate {
        /// The key as written the second time.
        key: String,
        /// The action it was bound to first.
        first: Action,
        /// The action it was bound to again.
        second: Action,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    keys: Modes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Modes {
    global: Vec<RawBinding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    action: Action,
    keys: Vec<String>,
    display: Option<String>,
    help: String,
}

/// The key table: the bindings in help order, and the key → action lookup built from them.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: Vec<Binding>,
    lookup: HashMap<Key, Action>,
}

impl Keymap {
    /// Reads a keymap file (the format of `assets/keymap.toml`).
    pub fn parse(text: &str) -> Result<Keymap, KeymapError> {
        let file: KeymapFile = toml::from_str(text).map_err(|e| KeymapError::Toml(e.to_string()))?;
        let mut map = Keymap::default();
        for raw in file.keys.global {
            let mut keys = Vec::with_capacity(raw.keys.len());
            for written in &raw.keys {
                let key = parse_key(written).map_err(|error| KeymapError::BadKey { action: raw.action, error })?;
                if let Some(first) = map.lookup.insert(key, raw.action) {
                    return Err(KeymapError::Duplicate { key: written.clone(), first, second: raw.action });
                }
                keys.push(key);
            }
            let labels: Vec<String> = keys.iter().map(Key::label).collect();
            let hint = labels.first().cloned().unwrap_or_default();
            let display = raw.display.unwrap_or_else(|| labels.join(" "));
            map.bindings.push(Binding { action: raw.action, keys, display, hint, help: raw.help });
        }
        Ok(map)
    }

    /// The action `key` is bound to, if any.
    pub fn action_for(&self, key: &KeyEvent) -> Option<Action> {
        self.lookup.get(&Key::from_event(key)).copied()
    }

    /// The bindings, in the order help shows them.
    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The label of the first key bound to `action` (`"Esc"` for [`Action::Back`]); empty if
    /// none is.
    pub fn key_hint(&self, action: Action) -> &str {
        self.bindings.iter().find(|b| b.action == action).map_or("", |b| b.hint.as_str())
    }
}

static DEFAULT: LazyLock<Result<Keymap, KeymapError>> = LazyLock::new(|| Keymap::parse(DEFAULT_TOML));
static EMPTY: LazyLock<Keymap> = LazyLock::new(Keymap::default);

/// The default keymap. If the embedded file does not parse (a bug the tests catch) this is an
/// empty table — only Ctrl-C works — and [`default_error`] says why.
pub fn default_keymap() -> &'static Keymap {
    match &*DEFAULT {
        Ok(map) => map,
        Err(_) => &EMPTY,
    }
}

/// Why the embedded default keymap could not be read, if it could not (the console reports
/// this at start instead of running without keys).
pub fn default_error() -> Option<&'static KeymapError> {
    DEFAULT.as_ref().err()
}

/// The action bound to `key` by default, if any. Ctrl-C is handled before this (always quits).
pub fn action_for(key: &KeyEvent) -> Option<Action> {
    default_keymap().action_for(key)
}

/// The default bindings, in the order help shows them.
pub fn bindings() -> &'static [Binding] {
    default_keymap().bindings()
}

/// The label of the first default key for `action`, for on-screen hints (`"c"` for
/// [`Action::Copy`]).
pub fn key_hint(action: Action) -> &'static str {
    default_keymap().key_hint(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyEventKind;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Key {
        Key { code, modifiers }
    }

    fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn notation_reads_characters_named_keys_and_modifiers() {
        let none = KeyModifiers::NONE;
        let cases = [
            ("j", key(KeyCode::Char('j'), none)),
            ("F", key(KeyCode::Char('F'), none)),
            ("?", key(KeyCode::Char('?'), none)),
            ("/", key(KeyCode::Char('/'), none)),
            ("-", key(KeyCode::Char('-'), none)),
            ("down", key(KeyCode::Down, none)),
            ("Up", key(KeyCode::Up, none)),
            ("enter", key(KeyCode::Enter, none)),
            ("tab", key(KeyCode::Tab, none)),
            ("shift-tab", key(KeyCode::BackTab, none)),
            ("backtab", key(KeyCode::BackTab, none)),
            ("space", key(KeyCode::Char(' '), none)),
            ("esc", key(KeyCode::Esc, none)),
            ("f5", key(KeyCode::F(5), none)),
            ("ctrl-c", key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            ("Ctrl-C", key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            ("ctrl--", key(KeyCode::Char('-'), KeyModifiers::CONTROL)),
            ("alt-x", key(KeyCode::Char('x'), KeyModifiers::ALT)),
            ("ctrl-alt-left", key(KeyCode::Left, KeyModifiers::CONTROL | KeyModifiers::ALT)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_key(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn bad_notation_names_the_key() {
        for bad in ["", "jk", "hyper-x", "shift-f", "shift-down", "f0", "f99", "ctrl-", "\t"] {
            let e = parse_key(bad).err();
            assert!(e.as_ref().is_some_and(|e| e.key == bad), "{bad:?}: {e:?}");
        }
    }

    #[test]
    fn bad_key_in_a_file_names_the_key_and_the_action() {
        let text = "[[keys.global]]\naction = \"tap_form\"\nkeys = [\"ctl-t\"]\nhelp = \"x\"\n";
        let e = Keymap::parse(text).err();
        let msg = e.as_ref().map(ToString::to_string).unwrap_or_default();
        assert!(matches!(e, Some(KeymapError::BadKey { action: Action::TapForm, .. })), "{e:?}");
        assert!(msg.contains("\"ctl-t\"") && msg.contains("tap_form"), "{msg}");
    }

    #[test]
    fn a_file_binding_a_key_twice_or_naming_an_unknown_action_is_refused() {
        let twice = "[[keys.global]]\naction = \"copy\"\nkeys = [\"c\"]\nhelp = \"x\"\n\
                     [[keys.global]]\naction = \"quit\"\nkeys = [\"q\", \"c\"]\nhelp = \"y\"\n";
        assert!(matches!(
            Keymap::parse(twice),
            Err(KeymapError::Duplicate { first: Action::Copy, second: Action::Quit, .. })
        ));
        let unknown = "[[keys.global]]\naction = \"fly\"\nkeys = [\"x\"]\nhelp = \"x\"\n";
        assert!(matches!(Keymap::parse(unknown), Err(KeymapError::Toml(m)) if m.contains("fly")));
    }

    #[test]
    fn the_embedded_keymap_parses_binds_every_action_and_no_key_twice() {
        let map = match Keymap::parse(DEFAULT_TOML) {
            Ok(m) => m,
            Err(e) => panic!("assets/keymap.toml: {e}"),
        };
        assert!(default_error().is_none());
        for action in Action::ALL {
            let rows: Vec<_> = map.bindings().iter().filter(|b| b.action == action).collect();
            assert_eq!(rows.len(), 1, "{action}: one row in help");
            assert!(!rows[0].keys.is_empty(), "{action}: no key");
        }
        let all_keys: Vec<Key> = map.bindings().iter().flat_map(|b| b.keys.iter().copied()).collect();
        assert_eq!(map.lookup.len(), all_keys.len(), "a key is bound twice");
    }

    #[test]
    fn action_names_match_serde() {
        for action in Action::ALL {
            let text = format!("a = {:?}", action.name());
            #[derive(Deserialize)]
            struct One {
                a: Action,
            }
            let got: Result<One, _> = toml::from_str(&text);
            assert_eq!(got.ok().map(|o| o.a), Some(action), "{action}");
        }
    }

    /// Every key the hard-coded match bound before the keymap became data, and what it did.
    #[test]
    fn default_keys_are_the_keys_of_before() {
        let none = KeyModifiers::NONE;
        let shift = KeyModifiers::SHIFT;
        let cases = [
            (KeyCode::Char('/'), none, Action::Search),
            (KeyCode::Char('j'), none, Action::Down),
            (KeyCode::Down, none, Action::Down),
            (KeyCode::Down, shift, Action::Down),
            (KeyCode::Char('k'), none, Action::Up),
            (KeyCode::Up, none, Action::Up),
            (KeyCode::Enter, none, Action::Select),
            (KeyCode::Tab, none, Action::NextPane),
            (KeyCode::BackTab, shift, Action::PrevPane),
            (KeyCode::BackTab, none, Action::PrevPane),
            (KeyCode::Char('t'), none, Action::TapForm),
            (KeyCode::Char(' '), none, Action::Toggle),
            (KeyCode::Char('c'), none, Action::Copy),
            (KeyCode::Esc, none, Action::Back),
            (KeyCode::Char('?'), shift, Action::Help),
            (KeyCode::Char('?'), none, Action::Help),
            (KeyCode::Char('q'), none, Action::Quit),
            (KeyCode::Char('d'), none, Action::Delete),
            (KeyCode::Char('r'), none, Action::Revoke),
            (KeyCode::Char('F'), shift, Action::Recover),
            (KeyCode::Char('F'), none, Action::Recover),
            (KeyCode::Char('P'), shift, Action::Policy),
            (KeyCode::Char('P'), none, Action::Policy),
            (KeyCode::Char('c'), KeyModifiers::CONTROL, Action::Quit),
            (KeyCode::Char('x'), KeyModifiers::CONTROL, Action::CancelWait),
            (KeyCode::Char('r'), KeyModifiers::CONTROL, Action::Reload),
            (KeyCode::Char('z'), KeyModifiers::CONTROL, Action::Suspend),
            (KeyCode::Char('u'), KeyModifiers::CONTROL, Action::ClearQuery),
            (KeyCode::Char('X'), shift, Action::DeletePass),
        ];
        for (code, mods, want) in cases {
            assert_eq!(action_for(&event(code, mods)), Some(want), "{code:?} {mods:?}");
        }
        let unbound = [
            (KeyCode::Char('x'), none),
            (KeyCode::Char('f'), none),
            (KeyCode::Char('p'), none),
            (KeyCode::Left, none),
            (KeyCode::Right, none),
            (KeyCode::Backspace, none),
            (KeyCode::Char('j'), KeyModifiers::CONTROL),
            (KeyCode::Char('q'), KeyModifiers::ALT),
            (KeyCode::Enter, KeyModifiers::CONTROL),
            (KeyCode::Char('C'), KeyModifiers::CONTROL | shift),
        ];
        for (code, mods) in unbound {
            assert_eq!(action_for(&event(code, mods)), None, "{code:?} {mods:?}");
        }
        // The event kind is not looked at (as before).
        let mut release = event(KeyCode::Char('j'), none);
        release.kind = KeyEventKind::Release;
        assert_eq!(action_for(&release), Some(Action::Down));
    }

    #[test]
    fn help_rows_and_hints_read_as_before() {
        let rows: Vec<(&str, &str)> = bindings().iter().map(|b| (b.display.as_str(), b.help.as_str())).collect();
        assert_eq!(
            rows,
            [
                ("/", "search users (type to narrow, Enter to select)"),
                ("j ↓", "move down"),
                ("k ↑", "move up"),
                ("Enter", "select user / issue the pass"),
                ("Tab", "next pane"),
                ("Shift-Tab", "previous pane"),
                ("t", "Temporary Access Pass form"),
                ("Space ← →", "toggle one-time / change the verification (form)"),
                ("c", "copy the pass (in its popup)"),
                ("d", "delete the highlighted method (Methods pane)"),
                ("r", "revoke the selected user's sign-in sessions"),
                ("X", "delete the selected user's remaining pass"),
                ("F", "lost-key recovery flow"),
                ("P", "the tenant's TAP policy"),
                ("Ctrl-X", "cancel a request waiting on Graph's throttling"),
                ("Ctrl-R", "load the directory again (after a failed load)"),
                ("Ctrl-Z", "suspend to the shell (fg comes back)"),
                ("Ctrl-U", "empty the search box (while typing)"),
                ("Esc", "close popup / leave search / back"),
                ("?", "this help"),
                ("q  Ctrl-C", "quit"),
            ]
        );
        let hints: Vec<&str> =
            [Action::Back, Action::Copy, Action::Help, Action::Quit, Action::Select, Action::TapForm]
                .into_iter()
                .map(key_hint)
                .collect();
        assert_eq!(hints, ["Esc", "c", "?", "q", "Enter", "t"]);
        assert_eq!(parse_key("ctrl-c").map(|k| k.label()), Ok("Ctrl-C".to_owned()));
        assert_eq!(parse_key("shift-tab").map(|k| k.label()), Ok("Shift-Tab".to_owned()));
    }
}
