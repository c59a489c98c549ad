//! What each key does: popups first, then a focused text field, then the keymap's actions.
//! Printable keys go to the focused text field (search box, start, ticket, "other" verification);
//! the lifetime field keeps what is typed (and says what is wrong with it), but `j`/`k` still move
//! there.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::tap_form::{Field, Verification};
use super::super::{Cmd, ConfirmField, Focus, Model, Popup, StatusKind};
use super::{actions, quit, rerank};
use crate::keymap::{Action, action_for};
use crate::sanitize;

/// Longest text a form field keeps (more is ignored, never an error).
const FIELD_MAX: usize = 64;

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    // The operator is here: the methods watch goes on (or resumes after a pause).
    if let Some(w) = &mut model.methods_watch {
        w.key(model.now);
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return quit_unless_a_pass_is_shown(model);
    }
    // Suspending, cancelling a throttling wait and reloading a failed directory work whatever has
    // the keys (control keys are never text). Ctrl-Z arrives as a key in raw mode, not as
    // SIGTSTP; what was typed and any pass on screen stay in the model for `fg`.
    match action_for(&key) {
        Some(Action::Suspend) => return vec![Cmd::Suspend],
        Some(Action::CancelWait) => return super::cancel_waits(model),
        Some(Action::Reload) if !super::signin::has_keys(model) => {
            if model.users_error.is_some() {
                return super::reload_directory(model);
            }
            let (n, key) = (model.users.len(), crate::keymap::key_hint(Action::Reload));
            model.set_status(
                StatusKind::Info,
                if model.users_request.is_some() {
                    format!("The directory is still loading ({n} users so far); {key} is for a load that failed.")
                } else {
                    format!("The directory is loaded ({n} users); {key} is for a load that failed.")
                },
            );
            return Vec::new();
        }
        _ => {}
    }
    // The sign-in popup is drawn over everything, so it takes the keys first.
    if super::signin::has_keys(model) {
        return super::signin::on_key(model, key);
    }
    match &model.popup {
        Popup::Pass(_) => return on_pass_popup_key(model, key),
        Popup::Confirm(_) => return on_confirm_key(model, key),
        Popup::Policy(_) => return on_policy_key(model, key),
        Popup::Help => {
            if matches!(action_for(&key), Some(Action::Back | Action::Help | Action::Quit)) {
                model.popup = Popup::None;
            }
            return Vec::new();
        }
        Popup::None => {}
    }
    if model.recovery.is_some() {
        return super::recovery::on_key(model, key);
    }
    if model.editing {
        return on_search_key(model, key);
    }
    if model.focus == Focus::TapForm
        && let Some(cmds) = on_form_key(model, key)
    {
        return cmds;
    }
    let Some(action) = action_for(&key) else { return Vec::new() };
    match action {
        Action::Quit => return quit(model),
        Action::Help => model.popup = Popup::Help,
        Action::Search => {
            model.focus = Focus::Users;
            model.editing = true;
        }
        Action::NextPane => model.focus = cycle(model.focus, true),
        Action::PrevPane => model.focus = cycle(model.focus, false),
        Action::Down | Action::Up => move_cursor(model, action == Action::Down),
        Action::Select => return on_select(model),
        Action::TapForm => return open_tap_form(model),
        Action::Toggle if model.focus == Focus::TapForm => toggle(model),
        Action::Delete if model.focus == Focus::Methods => actions::start_delete(model),
        Action::Revoke => actions::start_revoke(model),
        Action::DeletePass => match model.pass_row() {
            Some(row) => {
                if let Some(sel) = &mut model.selected {
                    sel.method_row = row;
                }
                model.focus = Focus::Methods;
                actions::start_delete(model);
            }
            None => model.set_status(StatusKind::Info, "The selected user has no Temporary Access Pass to delete."),
        },
        Action::Recover => super::recovery::start(model),
        Action::Policy => match model.policy.ready() {
            Some(p) => {
                let mut editor = crate::app::policy_editor::PolicyEditor::new(p, model.operator_card.as_ref());
                if let Err(why) = &model.settings.capabilities.write_policy {
                    editor.read_only = Some(format!("Read-only: {why}"));
                }
                model.popup = Popup::Policy(Box::new(editor));
            }
            None => model.set_status(StatusKind::Info, "The TAP policy has not been read (yet); see the status line."),
        },
        Action::Back => match model.focus {
            Focus::TapForm | Focus::Methods => model.focus = Focus::Users,
            Focus::Users => {}
        },
        Action::Toggle
        | Action::Copy
        | Action::Delete
        | Action::CancelWait
        | Action::Reload
        | Action::Suspend
        | Action::ClearQuery => {}
    }
    Vec::new()
}

pub(super) fn on_paste(model: &mut Model, text: &str) -> Vec<Cmd> {
    let clean: String = sanitize::clean(text).chars().filter(|c| *c != sanitize::REPLACEMENT).collect();
    let clean = clean.trim();
    if let Popup::Confirm(c) = &model.popup {
        if c.field == ConfirmField::Ticket {
            let dropped = push_limited(&mut model.just.ticket, clean);
            say_dropped(model, "Ticket", dropped);
        }
        return Vec::new();
    }
    if let Some(r) = &model.recovery {
        if r.step == crate::app::recovery::Step::Verify && r.on_ticket {
            let dropped = push_limited(&mut model.just.ticket, clean);
            say_dropped(model, "Ticket", dropped);
        }
        return Vec::new();
    }
    if !matches!(model.popup, Popup::None) {
        return Vec::new();
    }
    let (name, dropped) = match model.focus {
        Focus::Users => {
            model.editing = true;
            let dropped = push_limited(&mut model.query, clean);
            let cmds = rerank(model);
            say_dropped(model, "The search box", dropped);
            return cmds;
        }
        Focus::TapForm => match model.form.field {
            Field::Lifetime => {
                let dropped = push_limited(&mut model.form.lifetime, clean);
                lifetime_feedback(model);
                ("Lifetime", dropped)
            }
            Field::Start => ("Start", push_limited(&mut model.form.start, clean)),
            Field::Ticket => ("Ticket", push_limited(&mut model.just.ticket, clean)),
            Field::Verified if model.just.verification == Some(Verification::Other) => {
                ("Verified", push_limited(&mut model.just.other, clean))
            }
            _ => ("", 0),
        },
        Focus::Methods => ("", 0),
    };
    say_dropped(model, name, dropped);
    Vec::new()
}

/// Appends `text` to `field` up to [`FIELD_MAX`] characters; returns how many did not fit.
fn push_limited(field: &mut String, text: &str) -> usize {
    let room = FIELD_MAX.saturating_sub(field.chars().count());
    let total = text.chars().count();
    field.extend(text.chars().take(room));
    total.saturating_sub(room)
}

/// Appends one typed character to `field` if it has room ([`FIELD_MAX`]); `false` when it was
/// full and the key was not kept (the caller says so with [`say_full`]).
pub(super) fn push_typed(field: &mut String, c: char) -> bool {
    let room = field.chars().count() < FIELD_MAX;
    if room {
        field.push(c);
    }
    room
}

/// A typed key that did not fit says so: nothing the operator typed vanishes silently.
pub(super) fn say_full(model: &mut Model, field: &str) {
    model.set_status(StatusKind::Error, full_message(field));
}

/// "Ticket takes at most 64 characters: …".
pub(super) fn full_message(field: &str) -> String {
    format!("{field} takes at most {FIELD_MAX} characters: the keys typed after that were not kept.")
}

/// A paste that did not fit says so (nothing the operator pasted vanishes silently).
fn say_dropped(model: &mut Model, field: &str, dropped: usize) {
    if dropped > 0 {
        model.set_status(
            StatusKind::Error,
            format!("{field} takes at most {FIELD_MAX} characters: the last {dropped} of the paste were not kept."),
        );
    }
}

fn cycle(f: Focus, forward: bool) -> Focus {
    match (f, forward) {
        (Focus::Users, true) | (Focus::TapForm, false) => Focus::Methods,
        (Focus::Methods, true) | (Focus::Users, false) => Focus::TapForm,
        (Focus::TapForm, true) | (Focus::Methods, false) => Focus::Users,
    }
}

fn move_cursor(model: &mut Model, down: bool) {
    fn step(v: &mut usize, len: usize, down: bool) {
        if len == 0 {
            *v = 0;
        } else if down {
            *v = (*v + 1).min(len - 1);
        } else {
            *v = v.saturating_sub(1);
        }
    }
    match model.focus {
        Focus::Users => {
            let len = model.result_len();
            step(&mut model.result_row, len, down);
        }
        Focus::Methods => {
            if let Some(sel) = &mut model.selected {
                let len = sel.methods.ready().map_or(0, Vec::len);
                step(&mut sel.method_row, len, down);
            }
        }
        Focus::TapForm => model.form.field = if down { model.form.field.next() } else { model.form.field.prev() },
    }
}

fn on_search_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => model.editing = false,
        KeyCode::Enter => {
            model.editing = false;
            if model.results_query != model.query {
                // The list still shows an older query's matches: wait for this one's.
                model.select_when_ready = true;
                model.set_status(StatusKind::Info, "Searching…");
                return Vec::new();
            }
            return on_select(model);
        }
        KeyCode::Down => move_cursor(model, true),
        KeyCode::Up => move_cursor(model, false),
        KeyCode::Tab | KeyCode::BackTab => {
            model.editing = false;
            model.focus = cycle(model.focus, key.code == KeyCode::Tab);
        }
        KeyCode::Backspace if model.query.pop().is_some() => return rerank(model),
        _ if action_for(&key) == Some(Action::ClearQuery) => {
            model.query.clear();
            return rerank(model);
        }
        KeyCode::Char(c) if !ctrl && !crate::sanitize::is_unsafe(c) => {
            if !push_typed(&mut model.query, c) {
                say_full(model, "The search box");
                return Vec::new();
            }
            return rerank(model);
        }
        _ => {}
    }
    Vec::new()
}

fn on_select(model: &mut Model) -> Vec<Cmd> {
    match model.focus {
        Focus::Users => actions::select_user(model),
        Focus::Methods => open_tap_form(model),
        Focus::TapForm => actions::submit_tap(model),
    }
}

pub(super) fn open_tap_form(model: &mut Model) -> Vec<Cmd> {
    if model.selected.is_none() {
        model.set_status(StatusKind::Info, "Select a user first: / to search, Enter to select.");
        return Vec::new();
    }
    if model.focus != Focus::TapForm {
        model.focus = Focus::TapForm;
        model.form.field = Field::Lifetime;
    }
    Vec::new()
}

fn toggle(model: &mut Model) {
    match model.form.field {
        Field::OneTime => {
            if model.policy.ready().is_some_and(|p| p.is_usable_once) {
                model.form.one_time = true;
                model.form.error = Some("The tenant's policy allows one-time passes only.".into());
                model.form.error_field = Some(Field::OneTime);
                return;
            }
            model.form.one_time = !model.form.one_time;
            model.form.error = None;
        }
        Field::Verified => model.just.cycle(true),
        _ => {}
    }
}

/// Keys a focused form field takes before the keymap. `None` = not taken.
fn on_form_key(model: &mut Model, key: KeyEvent) -> Option<Vec<Cmd>> {
    if key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) {
        return None;
    }
    let field = model.form.field;
    let text: Option<&mut String> = match field {
        Field::Start => Some(&mut model.form.start),
        Field::Lifetime => Some(&mut model.form.lifetime),
        Field::Ticket => Some(&mut model.just.ticket),
        Field::Verified if model.just.verification == Some(Verification::Other) => Some(&mut model.just.other),
        _ => None,
    };
    let accepts = |c: char| match field {
        // Anything typed is kept (and said to be wrong until it reads as a lifetime: `1e9` never
        // quietly becomes `19`), except the keys that move and toggle in the form.
        Field::Lifetime => !sanitize::is_unsafe(c) && !matches!(c, 'j' | 'k' | '?'),
        Field::Start => c.is_ascii_digit() || matches!(c, '-' | ':' | ' ' | 'T' | 'n' | 'o' | 'w'),
        _ => !sanitize::is_unsafe(c),
    };
    match (key.code, text) {
        (KeyCode::Char(c), Some(t)) if accepts(c) && !(field == Field::Verified && c == ' ' && t.is_empty()) => {
            if !push_typed(t, c) {
                say_full(
                    model,
                    match field {
                        Field::Start => "Start",
                        Field::Lifetime => "Lifetime",
                        Field::Ticket => "Ticket",
                        _ => "Verified",
                    },
                );
            }
        }
        (KeyCode::Backspace, Some(t)) => {
            t.pop();
        }
        (KeyCode::Left | KeyCode::Right, _) if field == Field::Verified => {
            model.just.cycle(key.code == KeyCode::Right);
        }
        // Moving, help and toggling keep their keys outside free-text fields.
        (KeyCode::Char('j' | 'k' | '?' | ' '), _) => return None,
        // Any other printable key is the operator typing into the form: it never reaches a global
        // action (no `r` revoking someone's sessions from inside the Start field), and a key the
        // field refuses says what the field takes.
        (KeyCode::Char(c), _) => {
            let hint = match field {
                Field::Start => format!("'{c}': Start takes YYYY-MM-DD HH:MM or HH:MM (your time zone); empty is now."),
                Field::Lifetime => format!("'{c}': Lifetime takes minutes, or m, h, d (90m, 8h, 2d)."),
                _ => "Esc leaves the form; the letter keys work outside it.".to_owned(),
            };
            model.form.error = Some(hint);
            model.form.error_field = Some(field);
            return Some(Vec::new());
        }
        _ => return None,
    }
    if field == Field::Lifetime {
        lifetime_feedback(model);
    } else if model.form.error_field == Some(field) {
        model.form.error = None;
        model.form.error_field = None;
    }
    Some(Vec::new())
}

/// Quits, except while a pass is on screen: then the first quit only asks (the pass popup says
/// that Graph never shows this pass again), and a second one quits.
fn quit_unless_a_pass_is_shown(model: &mut Model) -> Vec<Cmd> {
    // A pass Graph no longer holds is worth nothing: quitting need not ask.
    let dead = model.pass_watch.as_ref().is_some_and(crate::app::pass_watch::PassWatch::dead);
    match &mut model.popup {
        Popup::Pass(p) if !p.quit_asked && !dead => {
            p.quit_asked = true;
            model.set_status(
                StatusKind::Error,
                "Graph never shows this pass again: quit again to quit, any other key keeps it.",
            );
            Vec::new()
        }
        _ => quit(model),
    }
}

fn on_pass_popup_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let action = action_for(&key);
    if let Popup::Pass(p) = &mut model.popup
        && p.quit_asked
        && action != Some(Action::Quit)
    {
        // Any other key keeps the pass (and does nothing else).
        p.quit_asked = false;
        model.set_status(StatusKind::Info, "Kept the pass on screen.");
        return Vec::new();
    }
    match action {
        Some(Action::Copy) if model.pass_watch.as_ref().is_some_and(crate::app::pass_watch::PassWatch::dead) => {
            model.set_status(
                StatusKind::Error,
                "Not copied: this pass no longer works (see the popup). Issue a new one.",
            );
            Vec::new()
        }
        Some(Action::Copy) => vec![Cmd::CopyPass],
        Some(Action::Back) => {
            // Dropping the popup drops the SecretString, which zeroizes the pass.
            model.popup = Popup::None;
            model.set_status(StatusKind::Info, "Pass closed; tapdesk no longer holds it.");
            super::recovery::pass_closed(model);
            // Back to the Methods pane, where the new pass now shows.
            if model.selected.is_some() {
                model.focus = Focus::Methods;
            }
            Vec::new()
        }
        Some(Action::Quit) => quit_unless_a_pass_is_shown(model),
        _ => Vec::new(),
    }
}

fn on_confirm_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let Popup::Confirm(c) = &mut model.popup else { return Vec::new() };
    let ctrl = key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Esc => {
            model.popup = Popup::None;
            model.set_status(StatusKind::Info, "Cancelled; nothing was changed.");
        }
        KeyCode::Enter => return actions::confirm(model),
        KeyCode::Tab | KeyCode::Down | KeyCode::BackTab | KeyCode::Up => {
            c.field = match c.field {
                ConfirmField::Ticket => ConfirmField::Verified,
                ConfirmField::Verified => ConfirmField::Ticket,
            };
        }
        KeyCode::Left | KeyCode::Right if c.field == ConfirmField::Verified => {
            model.just.cycle(key.code == KeyCode::Right);
            c.error = None;
        }
        KeyCode::Backspace => {
            match c.field {
                ConfirmField::Ticket => model.just.ticket.pop(),
                ConfirmField::Verified => model.just.other.pop(),
            };
        }
        KeyCode::Char(ch) if !ctrl && !crate::sanitize::is_unsafe(ch) => {
            let target = match c.field {
                ConfirmField::Ticket => Some(&mut model.just.ticket),
                ConfirmField::Verified if model.just.verification == Some(Verification::Other) => {
                    Some(&mut model.just.other)
                }
                ConfirmField::Verified => {
                    if ch == ' ' {
                        model.just.cycle(true);
                    }
                    None
                }
            };
            let name = if c.field == ConfirmField::Ticket { "Ticket" } else { "Verified" };
            let kept = target.is_none_or(|t| push_typed(t, ch));
            c.error = (!kept).then(|| full_message(name));
        }
        _ => {}
    }
    Vec::new()
}

fn on_policy_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    use crate::app::policy_editor::PolicyField;
    let Popup::Policy(e) = &mut model.popup else { return Vec::new() };
    let ctrl = key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if key.code == KeyCode::Esc {
        model.popup = Popup::None;
        return Vec::new();
    }
    if e.read_only.is_some() || e.saving {
        return Vec::new();
    }
    let f = e.focused();
    match key.code {
        KeyCode::Down | KeyCode::Tab => e.field = (e.field + 1).min(PolicyField::ALL.len() - 1),
        KeyCode::Up | KeyCode::BackTab => e.field = e.field.saturating_sub(1),
        KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right if f == PolicyField::State => e.enabled = !e.enabled,
        KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right if f == PolicyField::OneTime => e.one_time = !e.one_time,
        KeyCode::Backspace => {
            if let Some(t) = e.text_mut(f) {
                t.pop();
            }
        }
        KeyCode::Char(c) if !ctrl && (c.is_ascii_digit() || matches!(c, 'm' | 'h' | 'd')) => {
            if let Some(t) = e.text_mut(f).filter(|t| t.len() < 12) {
                t.push(c);
            }
        }
        KeyCode::Enter => match e.patch() {
            Err(msg) => e.error = Some(msg),
            Ok(patch) => {
                e.error = None;
                e.saving = true;
                let id = model.request_id();
                model.policy_saving = Some(id);
                let parameters = serde_json::to_value(&patch).unwrap_or_default();
                let draft = crate::app::AuditDraft {
                    action_id: String::new(),
                    action: "updateTemporaryAccessPassPolicy",
                    target_id: "TemporaryAccessPass".into(),
                    target_upn: String::new(),
                    parameters,
                    ticket: model.just.ticket_text(),
                    verification: model.just.verification_text(),
                };
                model.set_status(StatusKind::Info, "Saving the TAP policy…");
                let request = tapdesk_graph::protocol::GraphRequest::UpdateTapPolicy { patch };
                return vec![super::actions::write(model, id, draft, request)];
            }
        },
        _ => {}
    }
    if let Popup::Policy(e) = &mut model.popup
        && key.code != KeyCode::Enter
    {
        e.error = None;
    }
    Vec::new()
}

/// While the Lifetime text holds something no lifetime has (a letter other than m, h, d, a sign,
/// a dot), the form says so next to the field and keeps the text; the message goes once the text
/// could be a lifetime again (range and policy are checked on Enter).
fn lifetime_feedback(model: &mut Model) {
    let text = model.form.lifetime.clone();
    let usable = text
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c.to_ascii_lowercase(), 'm' | 'h' | 'd'));
    if usable {
        if model.form.error_field == Some(Field::Lifetime) {
            model.form.error = None;
            model.form.error_field = None;
        }
        return;
    }
    let shown = crate::sanitize::clean(&text).into_owned();
    let why = if text.trim_start().starts_with('-') {
        format!("'{shown}' is not a lifetime: it cannot be negative; use minutes, or m, h, d (90m, 8h, 2d).")
    } else {
        format!("'{shown}' is not a lifetime: use whole minutes, or m, h, d (90m, 8h, 2d).")
    };
    model.form.error = Some(why);
    model.form.error_field = Some(Field::Lifetime);
}
