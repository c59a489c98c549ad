//! What each Graph answer does. Answers whose request id is no longer current are dropped, except
//! a created pass (Graph returns it once) and the results of writes (their audit line is written
//! whatever the operator did meanwhile).

use super::super::pass_watch::{PassWatch, WatchState};
use super::super::tap_form::TapForm;
use super::super::{Cmd, Loadable, Model, PassPopup, Popup, StatusKind, error_line};
use super::{actions, refresh_methods, remote_search};
use crate::directory::UserRow;
use crate::sanitize;
use crate::search::protocol::MatchRequest;
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse, Reply};
use tapdesk_graph::types::User;

/// The user `user_id` as tapdesk knows them: the selected user, else their cached row.
fn known_user(model: &Model, user_id: &str) -> Option<User> {
    model
        .selected
        .as_ref()
        .filter(|s| s.user.id == user_id)
        .map(|s| s.user.clone())
        .or_else(|| model.users.iter().find(|u| u.id() == user_id).map(UserRow::to_user))
}

fn display_name(model: &Model, user_id: &str) -> String {
    known_user(model, user_id).and_then(|u| u.display_name).unwrap_or_else(|| user_id.to_owned())
}

pub(super) fn on_graph(model: &mut Model, reply: Reply) -> Vec<Cmd> {
    // The client already tried a new token once: a 401 here means the sign-in itself is refused.
    let refused = reply.response.error().filter(|e| e.status() == Some(401)).cloned();
    let mut cmds = on_answer(model, reply);
    if let Some(e) = refused {
        cmds.extend(super::signin::token_refused(model, &e));
    }
    cmds
}

fn on_answer(model: &mut Model, reply: Reply) -> Vec<Cmd> {
    let Reply { id, response } = reply;
    if let GraphResponse::Waiting { wait_ms, status, topic } = response {
        if wait_ms == 0 {
            model.waits.remove(&id);
        } else {
            let wait = jiff::SignedDuration::from_millis(i64::try_from(wait_ms).unwrap_or(i64::MAX));
            let until = model.now.checked_add(wait).unwrap_or(jiff::Timestamp::MAX);
            model.waits.insert(id, crate::app::Wait { until, status, topic });
        }
        return Vec::new();
    }
    // Any answer ends the request's wait.
    model.waits.remove(&id);
    match response {
        // Handled above.
        GraphResponse::Waiting { .. } => Vec::new(),
        GraphResponse::UsersPage { result, total, done } => {
            if model.users_request != Some(id) {
                return Vec::new();
            }
            if total.is_some() {
                model.users_total = total;
            }
            match result {
                Ok(mut page) => {
                    page.iter_mut().for_each(sanitize::user);
                    let rows = UserRow::page(&page);
                    drop(page);
                    // The matcher indexes the page and re-answers the current query.
                    let cmds = vec![Cmd::Match(MatchRequest::Extend(rows.clone()))];
                    model.users.extend(rows);
                    if done {
                        model.users_request = None;
                        model.users_retry = None;
                        if model.selected.is_none() {
                            model.set_status(
                                StatusKind::Info,
                                format!(
                                    "{} users loaded. / to search, Enter to select, ? for keys.",
                                    model.users.len()
                                ),
                            );
                        }
                        model.remote_hits.clear();
                    }
                    return cmds;
                }
                Err(e) => {
                    model.users_request = None;
                    let failures = model.users_retry.as_ref().map_or(0, |r| r.failures) + 1;
                    let at = super::reload_backoff(&e, failures).and_then(|d| model.now.checked_add(d).ok());
                    let reload = crate::keymap::key_hint(crate::keymap::Action::Reload);
                    let next = match at {
                        Some(t) => format!(
                            " Loading again in {} by itself; {reload} now.",
                            crate::timefmt::span_words(t.duration_since(model.now).as_secs())
                        ),
                        None => format!(" {reload} loads it again."),
                    };
                    let line = error_line("Loading the directory failed", &e);
                    model.users_error = Some(line.clone());
                    model.users_retry = Some(crate::app::UsersRetry { failures, at });
                    model.set_status(StatusKind::Error, format!("{line}.{next}"));
                }
            }
            Vec::new()
        }
        GraphResponse::TapPolicy(result) => {
            if model.policy != Loadable::Loading(id) {
                return Vec::new();
            }
            match result {
                Ok(mut p) => {
                    sanitize::policy(&mut p);
                    if model.selected.is_some() && model.creating.is_none() {
                        let field = model.form.field;
                        model.form = TapForm { field, ..TapForm::prefilled(Some(&p), model.settings.tap_defaults) };
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
        GraphResponse::Me(result) => match result {
            Ok(mut me) => {
                sanitize::user(&mut me);
                let rid = model.request_id();
                model.operator_card_request = Some(rid);
                let user_id = me.id.clone();
                model.operator = Some(me);
                vec![Cmd::Graph(rid, GraphRequest::GetUserCard { user_id })]
            }
            Err(e) => {
                model.set_status(StatusKind::Error, error_line("Reading who you are (/me) failed", &e));
                Vec::new()
            }
        },
        GraphResponse::UserCard { user_id, result } => {
            let mut result = result;
            if let Ok(card) = &mut result {
                sanitize::card(card);
            }
            if model.operator_card_request == Some(id) {
                model.operator_card_request = None;
                // Without their own roles, the privileged-target check only warns.
                model.operator_card = result.ok().map(|c| *c);
                return Vec::new();
            }
            let Some(sel) = &mut model.selected else { return Vec::new() };
            if sel.card != Loadable::Loading(id) || sel.user.id != user_id {
                return Vec::new();
            }
            sel.card = match result {
                Ok(card) => Loadable::Ready(*card),
                Err(e) => Loadable::Failed(error_line("Reading the user card failed", &e)),
            };
            Vec::new()
        }
        GraphResponse::Methods { user_id, result }
            if model.methods_watch.as_ref().is_some_and(|w| w.in_flight == Some(id)) =>
        {
            on_methods_watch(model, &user_id, result)
        }
        GraphResponse::Methods { user_id, result } => {
            let Some(sel) = &mut model.selected else { return Vec::new() };
            if sel.methods != Loadable::Loading(id) || sel.user.id != user_id {
                return Vec::new();
            }
            let name = sel.user.display_name.clone().unwrap_or_default();
            match result {
                Ok(mut methods) => {
                    methods.iter_mut().for_each(sanitize::method);
                    let n = methods.len();
                    sel.method_row = sel.method_row.min(n.saturating_sub(1));
                    // What the operator now sees is what the watch compares later lists with.
                    match &mut model.methods_watch {
                        Some(w) if w.user_id == user_id => w.rebase(&methods),
                        _ => {
                            model.methods_watch = Some(crate::app::methods_watch::MethodsWatch::new(
                                user_id.clone(),
                                &methods,
                                model.now,
                            ));
                        }
                    }
                    sel.methods = Loadable::Ready(methods);
                    // Only replace the "Loading…" line: a result just reported (deleted, refused,
                    // revoked) must stay readable.
                    if model.creating.is_none()
                        && matches!(model.popup, Popup::None)
                        && model.status.text.starts_with("Loading the authentication methods")
                    {
                        model.set_status(
                            StatusKind::Info,
                            format!("{name}: {n} method(s). t: Temporary Access Pass form, d: delete, r: revoke."),
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
        GraphResponse::TapCreated { user_id, result } => on_tap_created(model, id, user_id, result),
        GraphResponse::Taps { user_id, result } => {
            if model.pass_watch.as_ref().is_some_and(|w| w.in_flight == Some(id)) {
                return on_watch_answer(model, user_id, result);
            }
            if model.checking_taps != Some(id) {
                return Vec::new();
            }
            model.checking_taps = None;
            let name = display_name(model, &user_id);
            let line = match result {
                Ok(taps) if taps.is_empty() => format!(
                    "Graph did not confirm the pass and {name} has none: nothing was created. Issue it again (Enter)."
                ),
                Ok(taps) => {
                    let (line, made_here) = uncertain_verdict(model, &name, &taps[0]);
                    if made_here {
                        model.codes_lost_here.insert(taps[0].base.id.clone());
                    }
                    line
                }
                Err(e) => error_line(&format!("Could not check {name}'s passes either"), &e),
            };
            model.form.error = Some(line.clone());
            model.set_status(StatusKind::Error, line);
            refresh_methods(model, user_id)
        }
        GraphResponse::MethodDeleted { user_id, method_id: _, result } => {
            let name = display_name(model, &user_id);
            let description = model
                .in_flight
                .get(&id)
                .and_then(|d| d.parameters.get("description").and_then(|v| v.as_str()).map(str::to_owned))
                .unwrap_or_else(|| "the method".into());
            let mut cmds: Vec<Cmd> = actions::audit(model, id, result.as_ref().cloned()).into_iter().collect();
            super::recovery::on_result(model, id, result.as_ref().map(|_| format!("Deleted {description}.")));
            match result {
                Ok(_) => model.set_status(StatusKind::Ok, format!("Deleted {description} from {name}.")),
                Err(e) => {
                    let line = actions::explain(&e, &name)
                        .unwrap_or_else(|| error_line(&format!("Deleting {description} failed"), &e));
                    model.set_status(StatusKind::Error, line);
                    let own = model.operator.as_ref().is_some_and(|o| o.id == user_id);
                    if own && actions::mfa_demanded(&e) {
                        cmds.extend(super::signin::sign_in_for_mfa(model));
                    }
                }
            }
            cmds.extend(refresh_methods(model, user_id));
            cmds
        }
        GraphResponse::SessionsRevoked { user_id, result } => {
            let name = display_name(model, &user_id);
            let cmds: Vec<Cmd> = actions::audit(model, id, result.as_ref().cloned()).into_iter().collect();
            super::recovery::on_result(model, id, result.as_ref().map(|_| "Revoked all sign-in sessions.".to_owned()));
            match result {
                Ok(_) => model.set_status(
                    StatusKind::Ok,
                    format!("Revoked {name}'s sign-in sessions; they must sign in again (may take a few minutes)."),
                ),
                Err(e) => {
                    let line = actions::explain(&e, &name)
                        .unwrap_or_else(|| error_line(&format!("Revoking {name}'s sessions failed"), &e));
                    model.set_status(StatusKind::Error, line);
                }
            }
            cmds
        }
        GraphResponse::PolicyUpdated(result) => {
            if model.policy_saving != Some(id) {
                return Vec::new();
            }
            model.policy_saving = None;
            let audit: Vec<Cmd> = actions::audit(model, id, result.as_ref().map(|()| None)).into_iter().collect();
            let mut cmds = audit;
            match result {
                Ok(()) => {
                    if matches!(model.popup, Popup::Policy(_)) {
                        model.popup = Popup::None;
                    }
                    model.set_status(StatusKind::Ok, "TAP policy saved; reading it back…");
                    let rid = model.request_id();
                    model.policy = Loadable::Loading(rid);
                    cmds.push(Cmd::Graph(rid, GraphRequest::GetTapPolicy));
                    cmds
                }
                Err(e) => {
                    let line = error_line("Graph refused the policy change", &e);
                    if let Popup::Policy(ed) = &mut model.popup {
                        ed.saving = false;
                        ed.error = Some(line.clone());
                    }
                    model.set_status(StatusKind::Error, line);
                    cmds
                }
            }
        }
        GraphResponse::UsersFound { text, result } => {
            if model.remote_search.as_ref().is_none_or(|(rid, _)| *rid != id) {
                return Vec::new();
            }
            model.remote_search = None;
            if let Ok(mut found) = result
                && text == model.query.trim()
                && model.directory_incomplete()
            {
                {
                    found.iter_mut().for_each(sanitize::user);
                    let cached: std::collections::HashSet<&str> =
                        model.results.iter().map(|&i| model.users[i].id()).collect();
                    found.retain(|u| !cached.contains(u.id.as_str()));
                    // The highlighted user stays highlighted when Graph's hits appear above.
                    let keep = model.highlighted_user().map(|u| u.id().to_owned());
                    model.remote_hits = UserRow::page(&found);
                    model.highlight(keep.as_deref());
                }
            }
            // The operator typed on meanwhile: search the newest text.
            if text != model.query.trim() { remote_search(model).into_iter().collect() } else { Vec::new() }
        }
        // Answers to requests this version of the UI does not send.
        GraphResponse::User { .. } => Vec::new(),
    }
}

fn on_tap_created(
    model: &mut Model,
    id: u64,
    user_id: String,
    result: Result<tapdesk_graph::types::CreatedTap, GraphError>,
) -> Vec<Cmd> {
    // Never dropped as stale: the pass exists only in this answer.
    if model.creating.as_ref().is_some_and(|(rid, _)| *rid == id) {
        model.creating = None;
    }
    let user = known_user(model, &user_id);
    let name = user.as_ref().and_then(|u| u.display_name.clone()).unwrap_or_else(|| user_id.clone());
    let upn = user.as_ref().and_then(|u| u.user_principal_name.clone()).unwrap_or_default();
    let mut cmds: Vec<Cmd> =
        actions::audit(model, id, result.as_ref().map(|c| c.request_id.clone())).into_iter().collect();
    let done = result.as_ref().map(|c| {
        let until =
            c.method.end_date_time().map(|e| format!(", valid until {}", crate::timefmt::local_time(e, &model.tz)));
        format!("Issued a one-time pass{}.", until.unwrap_or_default())
    });
    super::recovery::on_result(model, id, done);
    match result {
        Ok(created) => {
            model.issued_here.insert(created.method.base.id.clone());
            let mut tap = created.method;
            tap.method_usability_reason = tap.method_usability_reason.map(|r| sanitize::clean(&r).into_owned());
            let disabled = tap.method_usability_reason.as_deref() == Some("DisabledByPolicy");
            let mut watch = PassWatch::new(user_id.clone(), name.clone(), tap.base.id.clone(), model.now);
            model.popup = Popup::Pass(Box::new(PassPopup {
                pass: created.temporary_access_pass,
                tap,
                user_name: name.clone(),
                user_upn: upn,
                copied: None,
                quit_asked: false,
            }));
            if disabled {
                model.set_status(
                    StatusKind::Error,
                    format!("Pass created for {name}, but Graph says it is disabled by policy: {name} cannot sign in with it."),
                );
            } else {
                model.set_status(
                    StatusKind::Info,
                    format!("Pass created for {name}; confirming with Graph that it is the active one…"),
                );
            }
            // "Issued" only once Graph lists this method id as the user's pass.
            let rid = model.request_id();
            watch.sent(rid);
            model.pass_watch = Some(watch);
            cmds.push(Cmd::Graph(rid, GraphRequest::ListTaps { user_id: user_id.clone() }));
            cmds.extend(refresh_methods(model, user_id));
        }
        Err(e @ GraphError::Uncertain(_)) => {
            // Never retried blindly: look at what exists, then tell the operator.
            let line = error_line(&format!("Issuing the pass for {name}"), &e);
            model.set_status(StatusKind::Error, format!("{line} Checking the user's passes…"));
            let rid = model.request_id();
            model.checking_taps = Some(rid);
            cmds.push(Cmd::Graph(rid, GraphRequest::ListTaps { user_id }));
        }
        Err(e @ GraphError::NotSent(_)) => {
            // Nothing reached Graph: the form keeps what the operator typed, for Enter again.
            let line = crate::sanitize::clean(&format!("The pass for {name} was {e}.")).into_owned();
            model.form.error = Some(line.clone());
            model.set_status(StatusKind::Error, line);
        }
        Err(e) => {
            let what = if matches!(e, GraphError::Api { .. }) {
                format!("Graph refused the pass for {name}")
            } else {
                format!("Issuing the pass for {name} failed")
            };
            let line = actions::explain(&e, &name).unwrap_or_else(|| error_line(&what, &e));
            model.form.error = Some(line.clone());
            model.set_status(StatusKind::Error, line);
        }
    }
    cmds
}

/// After an uncertain create, the user has pass `tap`: was it made by that request (its code is
/// lost: issuing again is right) or is it an older pass that still works (issuing again would
/// replace a code the user may already have)? Older means: known before the request was sent (issued
/// by this console, or in the Methods pane), or created more than a minute before it (Graph's clock
/// and this machine's may differ by seconds).
/// Returns the line and whether the pass was made by that request.
fn uncertain_verdict(model: &Model, name: &str, tap: &tapdesk_graph::types::TapMethod) -> (String, bool) {
    let when = tap
        .base
        .created_date_time
        .map(|t| format!("at {}", crate::timefmt::when(t, model.now, &model.tz)))
        .unwrap_or_else(|| "at an unknown time".into());
    let sent = model.create_sent.as_ref();
    let by_here = model.issued_here.contains(&tap.base.id);
    let known = by_here || sent.is_some_and(|s| s.known_taps.contains(&tap.base.id));
    let before = match (sent, tap.base.created_date_time) {
        (Some(s), Some(c)) => c < s.at - jiff::SignedDuration::from_secs(60),
        _ => false,
    };
    if known || before {
        let whose = if by_here { "issued by this console" } else { "issued elsewhere" };
        let line = format!(
            "No new pass was created. {name}'s pass created {when} ({whose}) still works: issuing again would replace it. \
             Issue again (Enter) only if {name} does not have that code."
        );
        (line, false)
    } else {
        let line = format!(
            "Graph created a pass for {name} {when} with this request, but its code never reached tapdesk: \
             that code is lost. Issue again (Enter) to replace it with a new code."
        );
        (line, true)
    }
}

/// Graph's answer to a check of the pass this console issued: confirmed, or replaced / deleted
/// elsewhere (the popup and the status line say so at once, and the Methods pane is read again).
fn on_watch_answer(
    model: &mut Model,
    user_id: String,
    result: Result<Vec<tapdesk_graph::types::TapMethod>, GraphError>,
) -> Vec<Cmd> {
    let now = model.now;
    let Some(w) = &mut model.pass_watch else { return Vec::new() };
    let was_confirming = w.state == WatchState::Confirming;
    let mut result = result;
    if let Ok(taps) = &mut result {
        taps.iter_mut().for_each(|t| {
            t.method_usability_reason = t.method_usability_reason.take().map(|r| sanitize::clean(&r).into_owned());
        });
    }
    let changed = w.on_list(result.as_ref().map(Vec::as_slice), now);
    let name = w.user_name.clone();
    let state = w.state.clone();
    let error = w.last_error.clone();
    if !changed {
        if was_confirming && let Some(e) = error {
            model.set_status(
                StatusKind::Error,
                format!("Pass created for {name}, but Graph could not confirm it yet ({e}); checking again…"),
            );
        }
        return Vec::new();
    }
    match state {
        WatchState::Active => {
            if !model.status.text.contains("disabled by policy") {
                model.set_status(
                    StatusKind::Ok,
                    format!("Temporary Access Pass issued for {name} (confirmed by Graph)."),
                );
            }
            Vec::new()
        }
        WatchState::Replaced { other_created } => {
            let when = other_created
                .map(|t| format!("at {}", crate::timefmt::when(t, model.now, &model.tz)))
                .unwrap_or_else(|| "moments ago".into());
            model.set_status(
                StatusKind::Error,
                format!(
                    "Another pass for {name} was issued {when} (another console or the admin center) and replaced this one: \
                     this code no longer works. Do not read it out."
                ),
            );
            refresh_methods(model, user_id)
        }
        WatchState::Gone => {
            model.set_status(
                StatusKind::Error,
                format!("{name} no longer has this pass (deleted elsewhere, or expired): this code no longer works."),
            );
            refresh_methods(model, user_id)
        }
        WatchState::Used => {
            model.set_status(StatusKind::Ok, format!("{name} has signed in with the pass (Graph: OneTimeUsed)."));
            refresh_methods(model, user_id)
        }
        WatchState::Confirming => Vec::new(),
    }
}

/// The watch's own list of the selected user's methods: the pane shows the new list and the
/// status line says what changed; a failure only slows the watch down (the pane keeps the last
/// list).
fn on_methods_watch(
    model: &mut Model,
    user_id: &str,
    result: Result<Vec<tapdesk_graph::types::AuthMethod>, tapdesk_graph::GraphError>,
) -> Vec<Cmd> {
    let (now, tz) = (model.now, model.tz.clone());
    let Some(w) = model.methods_watch.as_mut() else { return Vec::new() };
    w.in_flight = None;
    let mut methods = match result {
        Ok(m) => m,
        Err(_) => {
            w.on_failure(now);
            return Vec::new();
        }
    };
    let Some(sel) = model.selected.as_mut().filter(|s| s.user.id == user_id && s.methods.ready().is_some()) else {
        return Vec::new();
    };
    methods.iter_mut().for_each(sanitize::method);
    let news = w.on_list(&methods, &model.issued_here, now, &tz);
    // The highlight stays on the same method where it still exists.
    let highlighted = sel.methods.ready().and_then(|ms| ms.get(sel.method_row)).map(|m| m.id().to_owned());
    sel.method_row = highlighted
        .and_then(|id| methods.iter().position(|m| m.id() == id))
        .unwrap_or(sel.method_row)
        .min(methods.len().saturating_sub(1));
    sel.methods = Loadable::Ready(methods);
    if !news.is_empty()
        && let Some(line) = model.watch_news()
    {
        model.set_status(StatusKind::Ok, line);
    }
    Vec::new()
}
