//! Selecting a user, issuing a pass, deleting a method, revoking sessions: what is checked before
//! anything is sent, the confirmation that names what will happen, and the audit line each write
//! leaves when Graph answers.

use serde_json::json;

use super::super::tap_form::TapForm;
use super::super::{
    AuditDraft, Cmd, Confirm, ConfirmField, Focus, Loadable, Model, PendingAction, Popup, Selected, StatusKind,
};
use crate::audit::event::AuditEvent;
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, RequestId};
use tapdesk_graph::types::{AuthMethod, TapCreateRequest, User};

pub(super) fn name_of(u: &User) -> String {
    u.display_name.clone().unwrap_or_else(|| u.id.clone())
}

pub(super) fn select_user(model: &mut Model) -> Vec<Cmd> {
    let Some(user) = model.highlighted_user().map(|r| r.to_user()) else {
        model.set_status(StatusKind::Info, "No user matches the search.");
        return Vec::new();
    };
    let id = model.request_id();
    let card_id = model.request_id();
    let name = name_of(&user);
    if model.selected.as_ref().is_none_or(|s| s.user.id != user.id) {
        model.just = Default::default();
    }
    model.selected = Some(Selected {
        user: user.clone(),
        methods: Loadable::Loading(id),
        card: Loadable::Loading(card_id),
        method_row: 0,
    });
    // A new caller: a fresh form; the ticket and verification belong to the call, so they are
    // kept only when the same user is selected again.
    model.form = TapForm::prefilled(model.policy.ready(), model.settings.tap_defaults);
    model.focus = Focus::Methods;
    model.set_status(StatusKind::Info, format!("Loading the authentication methods of {name}…"));
    vec![
        Cmd::Graph(id, GraphRequest::ListMethods { user_id: user.id.clone() }),
        Cmd::Graph(card_id, GraphRequest::GetUserCard { user_id: user.id }),
    ]
}

/// `true` (and says why) when the token's permissions do not allow the feature.
pub(super) fn denied(model: &mut Model, allowed: Result<(), String>) -> bool {
    match allowed {
        Ok(()) => false,
        Err(why) => {
            model.set_status(StatusKind::Error, format!("Not available: {why}"));
            true
        }
    }
}

pub(super) fn submit_tap(model: &mut Model) -> Vec<Cmd> {
    if denied(model, model.settings.capabilities.create_tap.clone()) {
        return Vec::new();
    }
    let Some(sel) = &model.selected else { return Vec::new() };
    if model.creating.is_some() {
        model.set_status(StatusKind::Info, "A pass is already being issued; wait for Graph's answer.");
        return Vec::new();
    }
    let user = sel.user.clone();
    let body = match model.form.request(model.policy.ready(), model.now, &model.tz) {
        Ok(b) => b,
        Err((field, e)) => {
            model.form.error = Some(e.clone());
            model.form.error_field = Some(field);
            model.form.field = field;
            model.set_status(StatusKind::Error, format!("Not sent: {e}"));
            return Vec::new();
        }
    };
    if let Some(b) = model.preflight().as_deref().and_then(super::super::preflight::blocker) {
        let e = format!("Not issued: {}", b.text);
        model.form.error = Some(e.clone());
        model.form.error_field = None;
        model.set_status(StatusKind::Error, e);
        return Vec::new();
    }
    if let Err(e) = model.just.check(model.settings.require_justification) {
        model.form.error = Some(e.clone());
        model.form.error_field = Some(if model.just.ticket_text().is_none() {
            super::super::tap_form::Field::Ticket
        } else {
            super::super::tap_form::Field::Verified
        });
        model.set_status(StatusKind::Error, format!("Not sent: {e}"));
        return Vec::new();
    }
    model.form.error = None;
    model.form.error_field = None;
    if let Some(question) = replace_question(model, &user, &body) {
        model.popup = Popup::Confirm(Box::new(Confirm {
            action: PendingAction::ReplaceTap { user, body },
            question,
            warning: None,
            field: ConfirmField::Ticket,
            error: None,
        }));
        return Vec::new();
    }
    vec![send_tap(model, &user, body)]
}

/// The question to ask before a new pass replaces one that works (or will), in words: until when,
/// issued how long ago, and, for a delayed start, that the user has no working pass meanwhile.
/// `None` when the user has no such pass (or their methods are not loaded).
fn replace_question(model: &Model, user: &User, body: &TapCreateRequest) -> Option<String> {
    let methods = model.selected.as_ref()?.methods.ready()?;
    let old = methods.iter().find_map(|m| match m {
        AuthMethod::TemporaryAccessPass(t) => Some(t),
        _ => None,
    })?;
    let (now, tz) = (model.now, &model.tz);
    let dead = old.end_date_time().is_some_and(|e| e <= now)
        || matches!(old.method_usability_reason.as_deref(), Some("Expired" | "OneTimeUsed"));
    if dead {
        return None;
    }
    let name = name_of(user);
    let pending = old.start_date_time.is_some_and(|s| s > now);
    let mut q = match (pending, old.start_date_time, old.end_date_time()) {
        (true, Some(s), _) => format!("{name} has a pass that starts {}", crate::timefmt::when(s, now, tz)),
        (_, _, Some(e)) => format!("{name} has an active pass until {}", crate::timefmt::when(e, now, tz)),
        _ => format!("{name} has an active pass"),
    };
    if let Some(c) = old.base.created_date_time {
        q.push_str(&format!(", issued {} ago", crate::timefmt::ago(c, now)));
    }
    q.push_str(". Replace it? The old code stops working now.");
    if let Some(start) = body.start_date_time.filter(|s| *s > now)
        && !pending
    {
        q.push_str(&format!(
            " The new pass starts {}: until then {name} has no working pass.",
            crate::timefmt::when(start, now, tz)
        ));
    }
    Some(q)
}

/// The create request's parameters for the audit log, copied field by field (the pass is never
/// in a request; this keeps it that way if the type ever grows).
fn tap_parameters(body: &TapCreateRequest) -> serde_json::Value {
    json!({
        "startDateTime": body.start_date_time.map(|t| t.to_string()),
        "lifetimeInMinutes": body.lifetime_in_minutes,
        "isUsableOnce": body.is_usable_once,
    })
}

pub(super) fn draft(model: &Model, action: &'static str, user: &User, parameters: serde_json::Value) -> AuditDraft {
    AuditDraft {
        action_id: String::new(),
        action,
        target_id: user.id.clone(),
        target_upn: user.user_principal_name.clone().unwrap_or_default(),
        parameters,
        ticket: model.just.ticket_text(),
        verification: model.just.verification_text(),
    }
}

/// The method in words for a confirmation: `FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01`.
pub(crate) fn describe_method(m: &AuthMethod, tz: &jiff::tz::TimeZone) -> String {
    let mut s = crate::app::methods_watch::describe(m);
    if let Some(c) = m.created() {
        s.push_str(&format!(" created {}", crate::timefmt::date(c, tz)));
    }
    s
}

pub(super) fn start_delete(model: &mut Model) {
    let Some(sel) = &model.selected else { return };
    let Some(m) = sel.methods.ready().and_then(|ms| ms.get(sel.method_row)) else {
        model.set_status(StatusKind::Info, "No method selected: j/k to pick one.");
        return;
    };
    let allowed = m.path_segment().map(|seg| model.settings.capabilities.delete_method(seg));
    let Some(segment) = m.path_segment() else {
        model.set_status(StatusKind::Info, format!("tapdesk cannot delete a {} (unknown type).", m.type_label()));
        return;
    };
    if matches!(m, AuthMethod::Password(_)) {
        model.set_status(
            StatusKind::Info,
            "The password cannot be deleted through Graph; reset it in the Entra admin center instead.",
        );
        return;
    }
    let description = describe_method(m, &model.tz);
    let user = sel.user.clone();
    let own = model.operator.as_ref().is_some_and(|o| o.id == user.id);
    let question = if own {
        format!(
            "Delete {description} from your own account? Entra asks for a multi-factor sign-in within the last 10 \
             minutes before it deletes one's own methods: if Graph refuses, sign in to tapdesk again with MFA and retry."
        )
    } else {
        format!("Delete {description} from {}?", name_of(&user))
    };
    let warning = crate::app::last_use::recent_use_warning(m, model.now);
    let (segment, method_id, type_label) = (segment.to_owned(), m.id().to_owned(), m.type_label());
    if denied(model, allowed.unwrap_or(Ok(()))) {
        return;
    }
    let parameters = json!({"method": type_label, "methodId": method_id, "description": description});
    model.popup = Popup::Confirm(Box::new(Confirm {
        action: PendingAction::DeleteMethod { user, segment, method_id, description, parameters },
        question,
        warning,
        field: ConfirmField::Ticket,
        error: None,
    }));
}

pub(super) fn start_revoke(model: &mut Model) {
    if denied(model, model.settings.capabilities.revoke_sessions.clone()) {
        return;
    }
    let Some(sel) = &model.selected else {
        model.set_status(StatusKind::Info, "Select a user first: / to search, Enter to select.");
        return;
    };
    let user = sel.user.clone();
    let question = format!(
        "Revoke all sign-in sessions of {}? They must sign in again everywhere (takes a few minutes).",
        name_of(&user)
    );
    model.popup = Popup::Confirm(Box::new(Confirm {
        action: PendingAction::RevokeSessions { user },
        question,
        warning: None,
        field: ConfirmField::Ticket,
        error: None,
    }));
}

/// Enter in a confirmation: checks the justification, sends the request, closes the popup.
pub(super) fn confirm(model: &mut Model) -> Vec<Cmd> {
    let required = model.settings.require_justification;
    let check = model.just.check(required);
    let Popup::Confirm(c) = &mut model.popup else { return Vec::new() };
    if let Err(e) = check {
        c.error = Some(e);
        return Vec::new();
    }
    let action = c.action.clone();
    model.popup = Popup::None;
    match action {
        PendingAction::DeleteMethod { user, segment, method_id, description, parameters } => {
            vec![send_delete(model, &user, segment, method_id, &description, parameters)]
        }
        PendingAction::RevokeSessions { user } => vec![send_revoke(model, &user)],
        PendingAction::ReplaceTap { user, body } => vec![send_tap(model, &user, body)],
    }
}

/// Sends a TAP create for `user` (audit draft kept until the answer).
pub(super) fn send_tap(model: &mut Model, user: &User, body: TapCreateRequest) -> Cmd {
    let id = model.request_id();
    model.creating = Some((id, user.id.clone()));
    let known_taps = model
        .selected
        .as_ref()
        .filter(|s| s.user.id == user.id)
        .and_then(|s| s.methods.ready())
        .into_iter()
        .flatten()
        .filter_map(|m| match m {
            AuthMethod::TemporaryAccessPass(t) => Some(t.base.id.clone()),
            _ => None,
        })
        .collect();
    model.create_sent = Some(super::super::CreateSent { at: model.now, known_taps });
    let d = draft(model, "createTemporaryAccessPass", user, tap_parameters(&body));
    model.set_status(StatusKind::Info, format!("Issuing a Temporary Access Pass for {}…", name_of(user)));
    write(model, id, d, GraphRequest::CreateTap { user_id: user.id.clone(), body })
}

/// Sends a method delete (audit draft kept until the answer).
pub(super) fn send_delete(
    model: &mut Model,
    user: &User,
    segment: String,
    method_id: String,
    description: &str,
    parameters: serde_json::Value,
) -> Cmd {
    let id = model.request_id();
    let d = draft(model, "deleteAuthenticationMethod", user, parameters);
    model.set_status(StatusKind::Info, format!("Deleting {description}…"));
    write(model, id, d, GraphRequest::DeleteMethod { user_id: user.id.clone(), segment, method_id })
}

/// Sends a sessions revoke (audit draft kept until the answer).
pub(super) fn send_revoke(model: &mut Model, user: &User) -> Cmd {
    let id = model.request_id();
    let d = draft(model, "revokeSignInSessions", user, json!({}));
    model.set_status(StatusKind::Info, format!("Revoking the sessions of {}…", name_of(user)));
    write(model, id, d, GraphRequest::RevokeSessions { user_id: user.id.clone() })
}

/// The operator as the audit log names them: the app for app-only sign-in, else the UPN (or id)
/// from `GET /me`.
fn operator(model: &Model) -> String {
    model.settings.app_only_operator.clone().unwrap_or_else(|| {
        model
            .operator
            .as_ref()
            .and_then(|o| o.user_principal_name.clone().or_else(|| Some(o.id.clone())))
            .unwrap_or_else(|| "unknown".into())
    })
}

fn line(model: &Model, d: &AuditDraft, phase: &str, result: &str) -> AuditEvent {
    AuditEvent {
        phase: phase.into(),
        action_id: d.action_id.clone(),
        time: model.now.to_string(),
        operator: operator(model),
        tenant: model.settings.tenant.clone(),
        target_id: d.target_id.clone(),
        target_upn: d.target_upn.clone(),
        action: d.action.into(),
        parameters: d.parameters.clone(),
        ticket: d.ticket.clone(),
        verification: d.verification.clone(),
        result: result.into(),
        error: None,
        request_id: None,
    }
}

/// Keeps `d` as the audit draft of write `id` and asks for it to be sent write-ahead: its
/// `attempt` line first ([`Cmd::Write`]).
pub(super) fn write(model: &mut Model, id: RequestId, mut d: AuditDraft, request: GraphRequest) -> Cmd {
    d.action_id = format!("{}.{id}", model.settings.audit_session);
    let attempt = line(model, &d, "attempt", "pending");
    model.in_flight.insert(id, d);
    Cmd::Write { id, attempt: Box::new(attempt), request }
}

/// The `result` line for the write `id`, now that its result is known. A write that was never
/// sent ([`GraphError::NotSent`]) has no `attempt` line and gets no `result` line either.
pub(super) fn audit(model: &mut Model, id: RequestId, result: Result<Option<String>, &GraphError>) -> Option<Cmd> {
    let d = model.in_flight.remove(&id)?;
    let (result, error, request_id) = match result {
        Ok(request_id) => ("success", None, request_id),
        Err(GraphError::NotSent(_)) => return None,
        Err(e @ GraphError::Uncertain(_)) => ("uncertain", Some(e.to_string()), None),
        Err(e @ GraphError::Cancelled(_)) => ("cancelled", Some(e.to_string()), None),
        Err(e @ GraphError::Api { request_id, .. }) => ("refused", Some(e.to_string()), request_id.clone()),
        Err(e) => ("failed", Some(e.to_string()), None),
    };
    let mut ev = line(model, &d, "result", result);
    ev.error = error;
    ev.request_id = request_id;
    Some(Cmd::Audit(Box::new(ev)))
}

/// Graph's refusal in the operator's words, with the way out where there is one.
pub(super) fn explain(e: &GraphError, name: &str) -> Option<String> {
    let GraphError::Api { status, code, message, .. } = e else { return None };
    let m = message.to_ascii_lowercase();
    if *status == 400 && m.contains("default") && (m.contains("method") || m.contains("authentication")) {
        return Some(format!(
            "Graph refused: this is {name}'s default sign-in method and other methods remain. Way out: have {name} \
             choose another default at https://aka.ms/mysecurityinfo (or delete the other methods first), then delete \
             this one."
        ));
    }
    if *status == 400 && m.contains("external guest") {
        return Some(format!(
            "{name} is an external guest: Temporary Access Passes cannot be added to external guests (they sign in at \
             their home tenant)."
        ));
    }
    if *status == 403 || code == "Authorization_RequestDenied" {
        return Some(refused_403(code, message, name));
    }
    None
}

/// Graph refused because Entra wants a fresh multi-factor sign-in (a `403` whose code or message
/// says so, or `insufficient_claims`).
pub(super) fn mfa_demanded(e: &GraphError) -> bool {
    let GraphError::Api { status: 403, code, message, .. } = e else { return false };
    asks_for_mfa(code, message)
}

/// Graph's `code` or `message` says a fresh multi-factor sign-in is wanted.
fn asks_for_mfa(code: &str, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    code == "insufficient_claims" || m.contains("mfa") || m.contains("multi-factor")
}

/// Most characters of Graph's own `message` quoted in a status line (Graph's messages are short;
/// the cap keeps a hostile or broken body from filling the screen).
const GRAPH_MESSAGE_QUOTE: usize = 90;

/// A `403` in words: what it means and the way out, then Graph's own code and message (they say
/// what Graph checked). Graph's reasons for a 403 differ (a missing role or permission,
/// Conditional Access, a fresh MFA sign-in demanded for changing one's own credentials), so the
/// explanation follows the code and message instead of assuming the operator's role.
fn refused_403(code: &str, message: &str, name: &str) -> String {
    let m = message.to_ascii_lowercase();
    let quoted: String = {
        let clean = crate::sanitize::clean(message.trim());
        let mut q: String = clean.chars().take(GRAPH_MESSAGE_QUOTE).collect();
        if clean.chars().count() > GRAPH_MESSAGE_QUOTE {
            q.push('…');
        }
        q
    };
    let graph = if quoted.is_empty() {
        format!("Graph refused (403 {code}).")
    } else {
        format!("Graph refused (403 {code}): \"{quoted}\"")
    };
    let meaning = if asks_for_mfa(code, message) {
        "Sign in to tapdesk again with MFA, then retry: Entra wants MFA in the last 10 min for one's own methods."
            .to_owned()
    } else if m.contains("conditional access") {
        "A Conditional Access policy blocked it: the sign-in logs name the policy; ask its owner.".to_owned()
    } else if code == "Authorization_RequestDenied" || m.contains("insufficient privileges") {
        format!("Your role may not do this for {name}: admins need a Privileged Authentication Administrator.")
    } else {
        "Graph gave no more reason: check your role for this user and the app's permissions (tapdesk doctor)."
            .to_owned()
    };
    // The way out first: the status line is one row, and Graph's words follow.
    format!("{meaning} {graph}")
}
