//! [`update`]: the state transitions of tapdesk (see the module doc of [`crate::app`]).
//!
//! - `keys`: what each key does, per popup, text field and pane;
//! - `actions`: issuing a pass, deleting a method, revoking sessions (with the confirmation and the
//!   ticket/verification they need) and the audit lines they leave;
//! - `graph`: what each Graph answer does to the model;
//! - `signin`: the in-TUI device-code sign-in (its popup's keys and the sign-in worker's events).

mod actions;
mod graph;
mod keys;
mod recovery;
mod signin;

pub use signin::start_sign_in;

use jiff::Timestamp;

use super::{Cmd, Loadable, Model, Msg, RESULT_LIMIT, StatusKind};
use crate::clipboard::outcome::{ClearOutcome, CopyOutcome};
use crate::search::protocol::{MatchReply, MatchRequest};
use tapdesk_graph::protocol::GraphRequest;

/// The commands to run at start: load the directory, the TAP policy and who the operator is, and
/// ask the matcher for the (blank) query so the list fills while pages arrive.
pub fn init(model: &mut Model) -> Vec<Cmd> {
    let first_query = query_cmd(model);
    let users = model.request_id();
    model.users_request = Some(users);
    let policy = model.request_id();
    model.policy = Loadable::Loading(policy);
    let me = model.request_id();
    vec![
        Cmd::Graph(users, GraphRequest::LoadUsers),
        Cmd::Graph(policy, GraphRequest::GetTapPolicy),
        Cmd::Graph(me, GraphRequest::GetMe),
        first_query,
    ]
}

/// After the `failures`-th failed directory load in a row with `e`: how long until tapdesk loads
/// again by itself (10 s, doubling, at most 5 min), or `None` when waiting does not cure the
/// failure (a refusal other than throttling, a bad answer, the operator's cancel).
pub(super) fn reload_backoff(e: &tapdesk_graph::GraphError, failures: u32) -> Option<jiff::SignedDuration> {
    use tapdesk_graph::GraphError as E;
    let transient = match e {
        E::Transport(_) | E::Timeout(_) | E::Throttled { .. } => true,
        E::Api { status, .. } => *status == 429 || *status >= 500,
        _ => false,
    };
    transient.then(|| {
        let secs = 10i64.saturating_mul(1 << failures.saturating_sub(1).min(10)).min(300);
        jiff::SignedDuration::from_secs(secs)
    })
}

/// Loads the directory again from its first page (after a failed load: `Ctrl-R`, or by itself
/// on the backoff): the cache and the matcher start empty, the query stays.
pub(super) fn reload_directory(model: &mut Model) -> Vec<Cmd> {
    if model.users_request.is_some() {
        model.set_status(StatusKind::Info, "The directory is loading already.");
        return Vec::new();
    }
    if let Some(r) = &mut model.users_retry {
        r.at = None;
    }
    let id = model.request_id();
    model.users_request = Some(id);
    model.users_error = None;
    model.users.clear();
    model.results.clear();
    model.matched = 0;
    model.indexed = 0;
    model.result_row = 0;
    model.set_status(StatusKind::Info, "Loading the directory again…");
    let mut cmds = vec![Cmd::Match(MatchRequest::Clear), Cmd::Graph(id, GraphRequest::LoadUsers)];
    cmds.push(query_cmd(model));
    cmds
}

/// Ends every throttling wait (`Ctrl-X`): each of those requests then fails as cancelled.
pub(super) fn cancel_waits(model: &mut Model) -> Vec<Cmd> {
    if model.waits.is_empty() {
        model.set_status(StatusKind::Info, "No request is waiting on Graph's throttling.");
        return Vec::new();
    }
    let targets: Vec<_> = model.waits.keys().copied().collect();
    model.waits.clear();
    model.set_status(StatusKind::Info, "Cancelling the wait…");
    targets
        .into_iter()
        .map(|target| {
            let id = model.request_id();
            Cmd::Graph(id, GraphRequest::CancelWait { target })
        })
        .collect()
}

/// Applies `msg` at time `now` and returns what the loop must do next.
pub fn update(model: &mut Model, msg: Msg, now: Timestamp) -> Vec<Cmd> {
    model.now = now;
    match msg {
        Msg::Tick => {
            let mut cmds = Vec::new();
            if model.clipboard_clear_at.is_some_and(|t| t <= now) {
                model.clipboard_clear_at = None;
                cmds.push(Cmd::ClearClipboard);
            }
            cmds.extend(recheck_pass(model, now));
            cmds.extend(recheck_methods(model, now));
            if model.users_request.is_none() && model.users_retry.as_ref().and_then(|r| r.at).is_some_and(|t| t <= now)
            {
                cmds.extend(reload_directory(model));
            }
            cmds
        }
        Msg::StopRequested => vec![Cmd::Suspend],
        Msg::Suspended { error, cleared } => {
            // Short enough for one 80-column status line.
            let back = match (&error, &cleared) {
                (Some(e), _) => format!("Could not suspend ({e}); tapdesk keeps running."),
                (None, None) => "Back from Ctrl-Z: everything is as it was.".to_owned(),
                (None, Some(ClearOutcome::Failed(_))) => "Back from Ctrl-Z.".to_owned(),
                (None, Some(_)) if model.pass_popup().is_some() => format!(
                    "Back from Ctrl-Z; the pass left the clipboard before the stop ({} copies again).",
                    crate::keymap::key_hint(crate::keymap::Action::Copy)
                ),
                (None, Some(_)) => "Back from Ctrl-Z; the copied pass left the clipboard before the stop.".to_owned(),
            };
            let failed_clear = match &cleared {
                Some(c @ ClearOutcome::Failed(_)) => format!(" Before the stop: {}", c.message()),
                _ => String::new(),
            };
            let kind = if error.is_some() || !failed_clear.is_empty() { StatusKind::Error } else { StatusKind::Info };
            if let Some(outcome) = cleared {
                cleared_now(model, outcome, now);
            }
            model.set_status(kind, format!("{back}{failed_clear}"));
            Vec::new()
        }
        Msg::Matched(reply) => on_matched(model, reply),
        Msg::Key(key) => keys::on_key(model, key),
        Msg::Paste(_) if signin::has_keys(model) => Vec::new(),
        Msg::Paste(text) => keys::on_paste(model, &text),
        Msg::Graph(reply) => graph::on_graph(model, *reply),
        Msg::SignIn(event) => signin::on_event(model, event),
        Msg::UserCodeCopied(outcome) => signin::on_code_copied(model, outcome),
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
            // The action's `attempt` line is in the log; only its outcome is missing. The next
            // action checks the log again before it is sent.
            model.set_status(
                StatusKind::Error,
                format!(
                    "The audit log did not take the result of the last action ({e}); its attempt is recorded. Note \
                     the outcome in your ticket. Every further action is checked against the log before it is sent."
                ),
            );
            model.audit_failed = Some(e);
            Vec::new()
        }
        Msg::ClipboardCleared(outcome) => {
            let kind = if matches!(outcome, ClearOutcome::Failed(_)) { StatusKind::Error } else { StatusKind::Info };
            model.set_status(kind, outcome.message());
            cleared_now(model, outcome, now);
            Vec::new()
        }
    }
}

/// The clipboard no longer holds the pass (or clearing it failed): no timer left, the popup no
/// longer says "copied", and the outcome is kept with its time for the exit line.
fn cleared_now(model: &mut Model, outcome: ClearOutcome, now: Timestamp) {
    model.clipboard_clear_at = None;
    if let super::Popup::Pass(p) = &mut model.popup {
        p.copied = None;
    }
    model.clipboard_cleared = Some((outcome, now));
}

/// While the pass popup or the recovery summary is open, lists the user's passes again when the
/// watch is due (every 15 s, slower after failures); once both are closed the watch ends, so a
/// console left open costs Graph nothing. An expired pass is not checked.
fn recheck_pass(model: &mut Model, now: Timestamp) -> Option<Cmd> {
    let popup_open = model.pass_popup().is_some();
    let summary_open = model
        .recovery
        .as_ref()
        .is_some_and(|r| matches!(r.step, super::recovery::Step::Show | super::recovery::Step::Summary));
    if !popup_open && !summary_open {
        model.pass_watch = None;
        return None;
    }
    let expired = model.pass_popup().and_then(|p| p.tap.end_date_time()).is_some_and(|e| e <= now);
    if expired || !model.pass_watch.as_ref().is_some_and(|w| w.due(now)) {
        return None;
    }
    let id = model.request_id();
    let w = model.pass_watch.as_mut()?;
    w.sent(id);
    Some(Cmd::Graph(id, GraphRequest::ListTaps { user_id: w.user_id.clone() }))
}

/// While a user is selected, lists their methods again when the methods watch is due (every
/// 15 s, slower after failures, paused 15 min after the last key); a watch on a user no longer
/// selected ends.
fn recheck_methods(model: &mut Model, now: Timestamp) -> Option<Cmd> {
    let w = model.methods_watch.as_ref()?;
    let Some(sel) = model.selected.as_ref().filter(|s| s.user.id == w.user_id) else {
        model.methods_watch = None;
        return None;
    };
    if sel.methods.ready().is_none() || !w.due(now) {
        return None;
    }
    let id = model.request_id();
    let w = model.methods_watch.as_mut()?;
    w.sent(id);
    Some(Cmd::Graph(id, GraphRequest::ListMethods { user_id: w.user_id.clone() }))
}

/// Quits; a pass still on a clipboard is cleared first.
fn quit(model: &mut Model) -> Vec<Cmd> {
    model.quit = true;
    if model.clipboard_clear_at.take().is_some() { vec![Cmd::ClearClipboard] } else { Vec::new() }
}

/// The query changed: a new generation goes to the matcher (which cancels the older one), and,
/// while the directory is still loading, to Graph's `$search` too so users on later pages are
/// found at once (one `$search` in flight; the newest text goes when it answers).
pub(crate) fn rerank(model: &mut Model) -> Vec<Cmd> {
    model.select_when_ready = false;
    let mut cmds = vec![query_cmd(model)];
    cmds.extend(remote_search(model));
    cmds
}

fn query_cmd(model: &mut Model) -> Cmd {
    model.query_generation += 1;
    Cmd::Match(MatchRequest::Query {
        generation: model.query_generation,
        text: model.query.clone(),
        limit: RESULT_LIMIT,
    })
}

/// A `$search` for the current query if the directory is incomplete (loading, or its load
/// failed) and none is in flight.
pub(crate) fn remote_search(model: &mut Model) -> Option<Cmd> {
    let text = model.query.trim().to_owned();
    if !model.directory_incomplete() || text.chars().count() < 2 || model.remote_search.is_some() {
        if text.is_empty() {
            model.remote_hits.clear();
        }
        return None;
    }
    let id = model.request_id();
    model.remote_search = Some((id, text.clone()));
    Some(Cmd::Graph(id, GraphRequest::SearchUsers { text, top: 25 }))
}

/// The matcher's answer: shown only if it answers the latest query.
fn on_matched(model: &mut Model, reply: MatchReply) -> Vec<Cmd> {
    if reply.generation != model.query_generation {
        return Vec::new();
    }
    let keep =
        (reply.query == model.results_query).then(|| model.highlighted_user().map(|u| u.id().to_owned())).flatten();
    let n = model.users.len();
    model.results = reply.hits.into_iter().filter(|&i| i < n).collect();
    model.matched = reply.matched;
    model.indexed = reply.indexed;
    model.results_query = reply.query;
    // A remote hit that the cache now holds shows once, from the cache.
    let cached: std::collections::HashSet<&str> = model.results.iter().map(|&i| model.users[i].id()).collect();
    model.remote_hits.retain(|u| !cached.contains(u.id()));
    model.highlight(keep.as_deref());
    if model.select_when_ready && model.results_query == model.query {
        model.select_when_ready = false;
        return actions::select_user(model);
    }
    Vec::new()
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
