//! Keys and Graph answers of the lost-key recovery flow (see [`crate::app::recovery`]).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::super::recovery::{Key, Outcome, Recovery, Step};
use super::super::{Cmd, Model, StatusKind};
use super::actions::{self, describe_method, name_of};
use crate::app::preflight;
use tapdesk_graph::GraphError;
use tapdesk_graph::types::{AuthMethod, TapCreateRequest};

/// `F`: starts the flow for the selected user (their methods must be loaded).
pub(super) fn start(model: &mut Model) {
    let Some(sel) = &model.selected else {
        model.set_status(StatusKind::Info, "Select a user first: / to search, Enter to select.");
        return;
    };
    let Some(methods) = sel.methods.ready() else {
        model.set_status(StatusKind::Info, "Wait for the user's methods to load, then press F again.");
        return;
    };
    // The flow deletes and revokes before it issues the pass: it never starts when the pass is
    // known to fail, or the caller would be left with no way in.
    let name = name_of(&sel.user);
    match model.preflight() {
        None => {
            model.set_status(
                StatusKind::Info,
                "Wait for the caller card and its pre-flight to load, then press F again.",
            );
            return;
        }
        Some(findings) => {
            if let Some(b) = preflight::blocker(&findings) {
                // Shown as the flow's summary (drawn large, wrapped): nothing was or will be done.
                let mut r = Recovery::new(sel.user.clone(), Vec::new());
                r.log.push(Outcome::Failed(format!(
                    "Not started: {} Deleting a key or revoking sessions first would lock {name} out. To delete a \
                     lost key on its own: Esc, select the key in Methods, press d.",
                    b.text
                )));
                r.step = Step::Summary;
                model.recovery = Some(r);
                model.set_status(StatusKind::Error, format!("Recovery not started for {name}: see why in the flow."));
                return;
            }
        }
    }
    let keys = methods
        .iter()
        .filter(|m| matches!(m, AuthMethod::Fido2(_)))
        .map(|m| Key {
            id: m.id().to_owned(),
            description: describe_method(m, &model.tz),
            parameters: json!({"method": m.type_label(), "methodId": m.id(), "description": describe_method(m, &model.tz)}),
            recent_use: crate::app::last_use::recent_use_warning(m, model.now),
        })
        .collect();
    model.recovery = Some(Recovery::new(sel.user.clone(), keys));
}

/// Keys while the flow is open (the pass popup, when open, gets its keys first).
pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let Some(r) = &mut model.recovery else { return Vec::new() };
    let ctrl = key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if r.waiting.is_some() {
        return Vec::new();
    }
    if key.code == KeyCode::Esc {
        if r.step == Step::Summary {
            model.recovery = None;
            model.set_status(StatusKind::Info, "Recovery flow closed.");
        } else {
            r.log.push(Outcome::Skipped("Stopped by the operator.".into()));
            r.step = Step::Summary;
        }
        return Vec::new();
    }
    match r.step {
        Step::Verify => match key.code {
            KeyCode::Enter => {
                let required = model.settings.require_justification;
                if let Err(e) = model.just.check(required) {
                    r.error = Some(e);
                } else {
                    r.error = None;
                    r.step = if r.keys.is_empty() {
                        r.log.push(Outcome::Skipped("No FIDO2 key registered: nothing to delete.".into()));
                        Step::Revoke
                    } else {
                        Step::PickKey
                    };
                }
            }
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => r.on_ticket = !r.on_ticket,
            KeyCode::Left | KeyCode::Right if !r.on_ticket => model.just.cycle(key.code == KeyCode::Right),
            KeyCode::Backspace => {
                if r.on_ticket {
                    model.just.ticket.pop();
                } else {
                    model.just.other.pop();
                }
            }
            KeyCode::Char(' ')
                if !r.on_ticket && model.just.verification != Some(super::super::tap_form::Verification::Other) =>
            {
                model.just.cycle(true)
            }
            KeyCode::Char(c) if !ctrl && !crate::sanitize::is_unsafe(c) => {
                let t = if r.on_ticket {
                    Some(&mut model.just.ticket)
                } else if model.just.verification == Some(super::super::tap_form::Verification::Other) {
                    Some(&mut model.just.other)
                } else {
                    None
                };
                let name = if r.on_ticket { "Ticket" } else { "Verified" };
                let kept = t.is_none_or(|t| super::keys::push_typed(t, c));
                r.error = (!kept).then(|| super::keys::full_message(name));
            }
            _ => {}
        },
        Step::PickKey => match key.code {
            KeyCode::Char('j') | KeyCode::Down => r.key_row = (r.key_row + 1).min(r.keys.len().saturating_sub(1)),
            KeyCode::Char('k') | KeyCode::Up => r.key_row = r.key_row.saturating_sub(1),
            KeyCode::Char('s') => {
                r.log.push(Outcome::Skipped("Deleting a key: skipped.".into()));
                r.step = Step::Revoke;
            }
            KeyCode::Enter => {
                let Some(k) = r.keys.get(r.key_row).cloned() else { return Vec::new() };
                let user = r.user.clone();
                let cmd = actions::send_delete(model, &user, "fido2Methods".into(), k.id, &k.description, k.parameters);
                set_waiting(model, &cmd);
                return vec![cmd];
            }
            _ => {}
        },
        Step::Revoke => match key.code {
            KeyCode::Char('s') => {
                r.log.push(Outcome::Skipped("Revoking sessions: skipped.".into()));
                r.step = Step::Issue;
            }
            KeyCode::Enter => {
                // Checked again: the card or the policy may have changed since the flow started.
                let blocked = model.preflight().as_deref().and_then(preflight::blocker).map(|b| b.text.clone());
                let Some(r) = &mut model.recovery else { return Vec::new() };
                if let Some(b) = blocked {
                    r.log.push(Outcome::Failed(format!(
                        "Revoking sessions: not sent, since a pass cannot be issued afterwards. {b}"
                    )));
                    r.step = Step::Summary;
                    return Vec::new();
                }
                let user = r.user.clone();
                let cmd = actions::send_revoke(model, &user);
                set_waiting(model, &cmd);
                return vec![cmd];
            }
            _ => {}
        },
        Step::Issue => match key.code {
            KeyCode::Char('s') => {
                r.log.push(Outcome::Skipped("Issuing a pass: skipped.".into()));
                r.step = Step::Summary;
            }
            KeyCode::Enter => return issue(model),
            _ => {}
        },
        Step::Show => {}
        Step::Summary => {
            if key.code == KeyCode::Enter {
                model.recovery = None;
                model.set_status(StatusKind::Info, "Recovery flow closed.");
            }
        }
    }
    Vec::new()
}

fn set_waiting(model: &mut Model, cmd: &Cmd) {
    if let (Cmd::Graph(id, _) | Cmd::Write { id, .. }, Some(r)) = (cmd, &mut model.recovery) {
        r.waiting = Some(*id);
    }
}

fn issue(model: &mut Model) -> Vec<Cmd> {
    if model.creating.is_some() {
        return Vec::new();
    }
    let blocked = model.preflight().as_deref().and_then(preflight::blocker).map(|b| b.text.clone());
    let Some(r) = &mut model.recovery else { return Vec::new() };
    if let Some(b) = blocked {
        r.log.push(Outcome::Failed(format!("Issuing a pass: not sent. {b}")));
        r.step = Step::Summary;
        return Vec::new();
    }
    let minutes = model.policy.ready().map(|p| p.default_lifetime_in_minutes);
    let body = TapCreateRequest { start_date_time: None, lifetime_in_minutes: minutes, is_usable_once: Some(true) };
    let user = r.user.clone();
    let cmd = actions::send_tap(model, &user, body);
    set_waiting(model, &cmd);
    vec![cmd]
}

/// Moves the flow on when the answer to its request arrives: `what` says what was done.
pub(super) fn on_result(model: &mut Model, id: u64, result: Result<String, &GraphError>) {
    let name = model.recovery.as_ref().map(|r| name_of(&r.user)).unwrap_or_default();
    let Some(r) = &mut model.recovery else { return };
    if r.waiting != Some(id) {
        return;
    }
    r.waiting = None;
    match result {
        Ok(done) => {
            r.log.push(Outcome::Done(done));
            r.step = match r.step {
                Step::PickKey => Step::Revoke,
                Step::Revoke => Step::Issue,
                Step::Issue => Step::Show,
                other => other,
            };
        }
        Err(e) => {
            let line = actions::explain(e, &name).unwrap_or_else(|| e.to_string());
            r.log.push(Outcome::Failed(crate::sanitize::clean(&line).into_owned()));
            r.step = Step::Summary;
        }
    }
}

/// The pass popup closed: the flow shows its summary.
pub(super) fn pass_closed(model: &mut Model) {
    if let Some(r) = model.recovery.as_mut().filter(|r| r.step == Step::Show) {
        r.step = Step::Summary;
    }
}
