//! [`update`]: the state transitions of tapdesk (see the module doc of [`crate::app`]).
//!
//! - `keys`: what each key does, per popup, text field and pane;
//! - `actions`: issuing a pass, deleting a method, revoking sessions (with the confirmation and the
//!   ticket/verification they need) and the audit lines they leave;
//! - `graph`: what each Graph answer does to the model.

mod actions;
mod graph;
mod keys;
mod recovery;

use jiff::Timestamp;

use super::{Cmd, Loadable, Model, Msg, RESULT_LIMIT, StatusKind};
use crate::clipboard::{ClearOutcome, CopyOutcome};
use crate::graph::worker::GraphRequest;

/// The commands to run at start: load the directory, the TAP policy and who the operator is.
pub fn init(model: &mut Model) -> Vec<Cmd> {
    let users = model.request_id();
    model.users_request = Some(users);
    let policy = model.request_id();
    model.policy = Loadable::Loading(policy);
    let me = model.request_id();
    vec![
        Cmd::Graph(users, GraphRequest::LoadUsers),
        Cmd::Graph(policy, GraphRequest::GetTapPolicy),
        Cmd::Graph(me, GraphRequest::GetMe),
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
        Msg::Key(key) => keys::on_key(model, key),
        Msg::Paste(text) => {
            keys::on_paste(model, &text);
            Vec::new()
        }
        Msg::Graph(reply) => graph::on_graph(model, *reply),
        Msg::Copied(outcome) => {
            let failed = matches!(outcome, CopyOutcome::Failed(_));
            if !failed && model.settings.clipboard_clear_secs > 0 {
                let secs = i64::try_from(model.settings.clipboard_clear_secs).unwrap_or(i64::MAX);
                model.clipboard_clear_at = now.checked_add(jiff::SignedDuration::from_secs(secs)).ok();
            }
            model.set_status(if failed { StatusKind::Error } else { StatusKind::Ok }, outcome.message());
            if let super::Popup::Pass(p) = &mut model.popup {
                p.copied = Some(outcome);
            }
            Vec::new()
        }
        Msg::AuditFailed(e) => {
            model.set_status(
                StatusKind::Error,
                format!("Could not write the audit log: {e}. Note this action yourself."),
            );
            Vec::new()
        }
        Msg::ClipboardCleared(outcome) => {
            let kind = if matches!(outcome, ClearOutcome::Failed(_)) { StatusKind::Error } else { StatusKind::Info };
            model.set_status(kind, outcome.message());
            Vec::new()
        }
    }
}

/// Quits; a pass still on a clipboard is cleared first.
fn quit(model: &mut Model) -> Vec<Cmd> {
    model.quit = true;
    if model.clipboard_clear_at.take().is_some() { vec![Cmd::ClearClipboard] } else { Vec::new() }
}

/// Recomputes the results for the current query, keeping the cursor on the first row.
pub(crate) fn rerank(model: &mut Model) {
    model.results = model.index.rank(&model.query, RESULT_LIMIT);
    model.result_row = 0;
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
