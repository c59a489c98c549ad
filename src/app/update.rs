//! [`update`]: the state transitions of tapdesk (see the module doc of [`crate::app`]).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;

use super::tap_form::{Field, TapForm};
use super::{
    Cmd, Focus, Loadable, Model, Msg, PassPopup, Popup, RESULT_LIMIT, Selected, StatusKind,
    error_line,
};
use crate::graph::GraphError;
use crate::graph::worker::{GraphRequest, GraphResponse, Reply};
use crate::keymap::{Action, action_for};
use crate::sanitize;

/// The commands to run at start: load the directory and the TAP policy.
pub fn init(model: &mut Model) -> Vec<Cmd> {
    let users = model.request_id();
    model.users_request = Some(users);
    let policy = model.request_id();
    model.policy = Loadable::Loading(policy);
    vec![
        Cmd::Graph(users, GraphRequest::LoadUsers),
        Cmd::Graph(policy, GraphRequest::GetTapPolicy),
    ]
}

/// Applies `msg` at time `now` and returns what the loop must do next.
pub fn update(model: &mut Model, msg: Msg, now: Timestamp) -> Vec<Cmd> {
    model.now = now;
    match msg {
        Msg::Tick => {
            if model.clipboard_clear_at.is_some_and(|t| t <= now) {
                model.clipboard_clear_at = None;
                return vec![Cmd::ClearClipboard];
            }
            Vec::new()
        }
        Msg::ClipboardCleared(outcome) => {
            let kind = if matches!(outcome, crate::clipboard::ClearOutcome::Failed(_)) {
                StatusKind::Error
            } else {
                StatusKind::Info
            };
            model.set_status(kind, outcome.message());
            Vec::new()
        }
        Msg::Key(key) => on_key(model, key),
        Msg::Paste(text) => {
            on_paste(model, &text);
            Vec::new()
        }
        Msg::Graph(reply) => on_graph(model, *reply),
        Msg::Copied(outcome) => {
            let kind = match outcome {
                crate::clipboard::CopyOutcome::Failed(_) => StatusKind::Error,
                _ => StatusKind::Ok,
            };
            if !matches!(outcome, crate::clipboard::CopyOutcome::Failed(_)) && model.settings.clipboard_clear_secs > 0 {
                let secs = i64::try_from(model.settings.clipboard_clear_secs).unwrap_or(i64::MAX);
                model.clipboard_clear_at = now.checked_add(jiff::SignedDuration::from_secs(secs)).ok();
            }
            model.set_status(kind, outcome.message());
            if let Popup::Pass(p) = &mut model.popup {
                p.copied = Some(outcome);
            }
            Vec::new()
        }
    }
}

fn on_paste(model: &mut Model, text: &str) {
    let clean: String = sanitize::clean(text)
        .chars()
        .filter(|c| *c != '\u{FFFD}')
        .collect();
    match model.focus {
        Focus::Users => {
            model.editing = true;
            model.query.push_str(clean.trim());
            rerank(model);
        }
        Focus::TapForm if model.form.field == Field::Lifetime => {
            model.form.lifetime.push_str(clean.trim())
        }
        _ => {}
    }
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return quit(model);
    }
    match &model.popup {
        Popup::Pass(_) => return on_pass_popup_key(model, key),
        Popup::Help => {
            if matches!(
                action_for(&key),
                Some(Action::Back | Action::Help | Action::Quit)
            ) {
                model.popup = Popup::None;
            }
            return Vec::new();
        }
        Popup::None => {}
    }
    if model.editing {
        return on_search_key(model, key);
    }
    if model.focus == Focus::TapForm
        && model.form.field == Field::Lifetime
        && on_lifetime_key(model, key)
    {
        return Vec::new();
    }
    let Some(action) = action_for(&key) else {
        return Vec::new();
    };
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
        Action::Toggle if model.focus == Focus::TapForm => toggle_one_time(model),
        Action::Back => match model.focus {
            Focus::TapForm | Focus::Methods => model.focus = Focus::Users,
            Focus::Users => {}
        },
        Action::Toggle | Action::Copy => {}
    }
    Vec::new()
}

/// Quits; a pass still on a clipboard is cleared first.
fn quit(model: &mut Model) -> Vec<Cmd> {
    model.quit = true;
    if model.clipboard_clear_at.take().is_some() { vec![Cmd::ClearClipboard] } else { Vec::new() }
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
        Focus::Users => step(&mut model.result_row, model.results.len(), down),
        Focus::Methods => {
            if let Some(sel) = &mut model.selected {
                let len = sel.methods.ready().map_or(0, Vec::len);
                step(&mut sel.method_row, len, down);
            }
        }
        Focus::TapForm => {
            model.form.field = if down {
                model.form.field.next()
            } else {
                model.form.field.prev()
            }
        }
    }
}

fn on_search_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => model.editing = false,
        KeyCode::Enter => {
            model.editing = false;
            return on_select(model);
        }
        KeyCode::Down => move_cursor(model, true),
        KeyCode::Up => move_cursor(model, false),
        KeyCode::Tab => {
            model.editing = false;
            model.focus = cycle(model.focus, true);
        }
        KeyCode::BackTab => {
            model.editing = false;
            model.focus = cycle(model.focus, false);
        }
        KeyCode::Backspace => {
            model.query.pop();
            rerank(model);
        }
        KeyCode::Char('u') if ctrl => {
            model.query.clear();
            rerank(model);
        }
        KeyCode::Char(c) if !ctrl && !c.is_control() => {
            model.query.push(c);
            rerank(model);
        }
        _ => {}
    }
    Vec::new()
}

/// Recomputes the results for the current query, keeping the cursor on the first row.
pub(crate) fn rerank(model: &mut Model) {
    model.results = model.index.rank(&model.query, RESULT_LIMIT);
    model.result_row = 0;
}

fn on_select(model: &mut Model) -> Vec<Cmd> {
    match model.focus {
        Focus::Users => {
            let Some(user) = model.highlighted_user().cloned() else {
                model.set_status(StatusKind::Info, "No user matches the search.");
                return Vec::new();
            };
            let id = model.request_id();
            let name = user.display_name.clone().unwrap_or_else(|| user.id.clone());
            model.selected = Some(Selected {
                user: user.clone(),
                methods: Loadable::Loading(id),
                method_row: 0,
            });
            model.form = TapForm::from_policy(model.policy.ready());
            model.focus = Focus::Methods;
            model.set_status(
                StatusKind::Info,
                format!("Loading the authentication methods of {name}…"),
            );
            vec![Cmd::Graph(
                id,
                GraphRequest::ListMethods { user_id: user.id },
            )]
        }
        Focus::Methods => open_tap_form(model),
        Focus::TapForm => submit_tap(model),
    }
}

fn open_tap_form(model: &mut Model) -> Vec<Cmd> {
    if model.selected.is_none() {
        model.set_status(
            StatusKind::Info,
            "Select a user first: / to search, Enter to select.",
        );
        return Vec::new();
    }
    if model.focus != Focus::TapForm {
        model.focus = Focus::TapForm;
        model.form.field = Field::Lifetime;
    }
    Vec::new()
}

fn toggle_one_time(model: &mut Model) {
    if model.form.field != Field::OneTime {
        return;
    }
    if model.policy.ready().is_some_and(|p| p.is_usable_once) {
        model.form.one_time = true;
        model.form.error = Some("The tenant's policy allows one-time passes only.".into());
        return;
    }
    model.form.one_time = !model.form.one_time;
    model.form.error = None;
}

/// Keys the lifetime field takes before the keymap: digits, units, spaces, Backspace.
fn on_lifetime_key(model: &mut Model, key: KeyEvent) -> bool {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return false;
    }
    match key.code {
        KeyCode::Char(c)
            if c.is_ascii_digit() || matches!(c, 'm' | 'h' | 'd' | 'M' | 'H' | 'D') =>
        {
            if model.form.lifetime.len() < 16 {
                model.form.lifetime.push(c);
            }
            model.form.error = None;
            true
        }
        KeyCode::Backspace => {
            model.form.lifetime.pop();
            model.form.error = None;
            true
        }
        _ => false,
    }
}

fn submit_tap(model: &mut Model) -> Vec<Cmd> {
    let Some(sel) = &model.selected else {
        return Vec::new();
    };
    if model.creating.is_some() {
        model.set_status(
            StatusKind::Info,
            "A pass is already being issued; wait for Graph's answer.",
        );
        return Vec::new();
    }
    let user_id = sel.user.id.clone();
    let name = sel
        .user
        .display_name
        .clone()
        .unwrap_or_else(|| user_id.clone());
    match model.form.request(model.policy.ready()) {
        Err(e) => {
            model.form.error = Some(e.clone());
            model.set_status(StatusKind::Error, format!("Not sent: {e}"));
            Vec::new()
        }
        Ok(body) => {
            model.form.error = None;
            let id = model.request_id();
            model.creating = Some((id, user_id.clone()));
            model.set_status(
                StatusKind::Info,
                format!("Issuing a Temporary Access Pass for {name}…"),
            );
            vec![Cmd::Graph(id, GraphRequest::CreateTap { user_id, body })]
        }
    }
}

fn on_pass_popup_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    match action_for(&key) {
        Some(Action::Copy) => vec![Cmd::CopyPass],
        Some(Action::Back) => {
            // Dropping the popup drops the SecretString, which zeroizes the pass.
            model.popup = Popup::None;
            model.set_status(StatusKind::Info, "Pass closed; tapdesk no longer holds it.");
            Vec::new()
        }
        Some(Action::Quit) => quit(model),
        _ => Vec::new(),
    }
}

fn on_graph(model: &mut Model, reply: Reply) -> Vec<Cmd> {
    let Reply { id, response } = reply;
    match response {
        GraphResponse::UsersPage {
            result,
            total,
            done,
        } => {
            if model.users_request != Some(id) {
                return Vec::new();
            }
            if total.is_some() {
                model.users_total = total;
            }
            match result {
                Ok(mut page) => {
                    page.iter_mut().for_each(sanitize::user);
                    model.index.extend(&page);
                    model.users.extend(page);
                    let keep = model.highlighted_user().map(|u| u.id.clone());
                    rerank(model);
                    if let Some(pos) = keep
                        .and_then(|k| model.results.iter().position(|&i| model.users[i].id == k))
                    {
                        model.result_row = pos;
                    }
                    if done {
                        model.users_request = None;
                        if model.selected.is_none() {
                            model.set_status(
                                StatusKind::Info,
                                format!(
                                    "{} users loaded. / to search, Enter to select, ? for keys.",
                                    model.users.len()
                                ),
                            );
                        }
                    }
                }
                Err(e) => {
                    model.users_request = None;
                    let line = error_line("Loading the directory failed", &e);
                    model.users_error = Some(line.clone());
                    model.set_status(StatusKind::Error, line);
                }
            }
            Vec::new()
        }
        GraphResponse::TapPolicy(result) => {
            if model.policy != Loadable::Loading(id) {
                return Vec::new();
            }
            match result {
                Ok(p) => {
                    if model.selected.is_some() && model.creating.is_none() {
                        model.form = TapForm {
                            field: model.form.field,
                            ..TapForm::from_policy(Some(&p))
                        };
                    }
                    model.policy = Loadable::Ready(p);
                }
                Err(e) => {
                    let line = error_line("Reading the TAP policy failed", &e);
                    model.set_status(StatusKind::Error, &line);
                    model.policy = Loadable::Failed(line);
                }
            }
            Vec::new()
        }
        GraphResponse::Methods { user_id, result } => {
            let Some(sel) = &mut model.selected else {
                return Vec::new();
            };
            if sel.methods != Loadable::Loading(id) || sel.user.id != user_id {
                return Vec::new();
            }
            let name = sel.user.display_name.clone().unwrap_or_default();
            match result {
                Ok(mut methods) => {
                    methods.iter_mut().for_each(sanitize::method);
                    let n = methods.len();
                    sel.method_row = sel.method_row.min(n.saturating_sub(1));
                    sel.methods = Loadable::Ready(methods);
                    if model.creating.is_none() && model.pass_popup().is_none() {
                        model.set_status(
                            StatusKind::Info,
                            format!("{name}: {n} method(s). t: Temporary Access Pass form."),
                        );
                    }
                }
                Err(e) => {
                    let line = error_line("Loading the methods failed", &e);
                    sel.methods = Loadable::Failed(line.clone());
                    model.set_status(StatusKind::Error, line);
                }
            }
            Vec::new()
        }
        GraphResponse::TapCreated { user_id, result } => {
            // Never dropped as stale: the pass exists only in this answer.
            if model.creating.as_ref().is_some_and(|(rid, _)| *rid == id) {
                model.creating = None;
            }
            let user = model
                .users
                .iter()
                .find(|u| u.id == user_id)
                .cloned()
                .or_else(|| {
                    model
                        .selected
                        .as_ref()
                        .filter(|s| s.user.id == user_id)
                        .map(|s| s.user.clone())
                });
            let name = user
                .as_ref()
                .and_then(|u| u.display_name.clone())
                .unwrap_or_else(|| user_id.clone());
            let upn = user
                .as_ref()
                .and_then(|u| u.user_principal_name.clone())
                .unwrap_or_default();
            match result {
                Ok(created) => {
                    let mut tap = created.method;
                    tap.method_usability_reason = tap
                        .method_usability_reason
                        .map(|r| sanitize::clean(&r).into_owned());
                    model.popup = Popup::Pass(Box::new(PassPopup {
                        pass: created.temporary_access_pass,
                        tap,
                        user_name: name.clone(),
                        user_upn: upn,
                        copied: None,
                    }));
                    model.set_status(
                        StatusKind::Ok,
                        format!("Temporary Access Pass issued for {name}."),
                    );
                    // Refresh the methods of that user, if still selected, to show the new pass.
                    refresh_methods(model, user_id)
                }
                Err(e @ GraphError::Uncertain(_)) => {
                    // Never retried blindly: look at what exists, then tell the operator.
                    let line = error_line(&format!("Issuing the pass for {name}"), &e);
                    model.set_status(
                        StatusKind::Error,
                        format!("{line} Checking the user's passes…"),
                    );
                    let rid = model.request_id();
                    model.checking_taps = Some(rid);
                    vec![Cmd::Graph(rid, GraphRequest::ListTaps { user_id })]
                }
                Err(e) => {
                    let line = error_line(&format!("Graph refused the pass for {name}"), &e);
                    model.form.error = Some(line.clone());
                    model.set_status(StatusKind::Error, line);
                    Vec::new()
                }
            }
        }
        GraphResponse::Taps { user_id, result } => {
            if model.checking_taps != Some(id) {
                return Vec::new();
            }
            model.checking_taps = None;
            let name = model
                .users
                .iter()
                .find(|u| u.id == user_id)
                .and_then(|u| u.display_name.clone())
                .unwrap_or_else(|| user_id.clone());
            let line = match result {
                Ok(taps) if taps.is_empty() => format!(
                    "Graph did not confirm the pass and {name} has none: nothing was created. Issue it again (Enter)."
                ),
                Ok(taps) => {
                    let when = taps[0]
                        .base
                        .created_date_time
                        .map(|t| crate::ui::local_time(t, &model.tz))
                        .unwrap_or_else(|| "an unknown time".into());
                    format!(
                        "A pass created {when} exists for {name}, but its code never reached tapdesk. Issue again (Enter) to replace it with a new code."
                    )
                }
                Err(e) => error_line(&format!("Could not check {name}'s passes either"), &e),
            };
            model.form.error = Some(line.clone());
            model.set_status(StatusKind::Error, line);
            // Refresh the methods pane too, if that user is shown.
            refresh_methods(model, user_id)
        }
        // Answers to requests this version of the UI does not send.
        GraphResponse::UsersFound { .. }
        | GraphResponse::User { .. }
        | GraphResponse::Me(_)
        | GraphResponse::MethodDeleted { .. }
        | GraphResponse::SessionsRevoked { .. } => Vec::new(),
    }
}

/// Reloads the methods of `user_id` if that user is the one shown.
fn refresh_methods(model: &mut Model, user_id: String) -> Vec<Cmd> {
    if model.selected.as_ref().is_none_or(|s| s.user.id != user_id) {
        return Vec::new();
    }
    let rid = model.request_id();
    if let Some(sel) = &mut model.selected {
        sel.methods = Loadable::Loading(rid);
    }
    vec![Cmd::Graph(rid, GraphRequest::ListMethods { user_id })]
}
