//! `update` tests of the helpdesk workflow (issue 5): deleting a method with a confirmation that
//! names it, the default-method refusal explained, revoking sessions, ticket and verification
//! (optional and required), a start in local time, and the audit line each write leaves.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use tapdesk::app::tap_form::{Field, Verification};
use tapdesk::app::{Cmd, Focus, Model, PendingAction, Popup, StatusKind};
use tapdesk::audit::AuditEvent;
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};

fn audits(cmds: &[Cmd]) -> Vec<AuditEvent> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Audit(e) => Some((**e).clone()),
            _ => None,
        })
        .collect()
}

/// Avery selected, cursor on her FIDO2 key in the Methods pane.
fn on_fido2() -> Model {
    let mut m = avery_selected();
    assert_eq!(m.focus, Focus::Methods);
    send(&mut m, ch('j'));
    send(&mut m, ch('j'));
    m
}

#[test]
fn delete_names_the_method_and_the_user_then_audits() {
    let mut m = on_fido2();
    assert!(send(&mut m, ch('d')).is_empty(), "nothing is sent before the confirmation");
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation") };
    assert_eq!(c.question, "Delete FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01 from Avery Quinn?");
    assert!(matches!(&c.action, PendingAction::DeleteMethod { segment, method_id, .. }
        if segment == "fido2Methods" && method_id == "-2_GRUg2-HYz6_1YG4YRAQ2"));
    // Ticket typed into the confirmation, verification picked with the arrows.
    type_str(&mut m, "INC-7");
    send(&mut m, key(KeyCode::Tab));
    send(&mut m, key(KeyCode::Right));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| {
        matches!(r, GraphRequest::DeleteMethod { user_id, segment, method_id }
            if user_id == "u-avery" && segment == "fido2Methods" && method_id == "-2_GRUg2-HYz6_1YG4YRAQ2")
    });
    assert!(matches!(m.popup, Popup::None));
    let cmds = send(
        &mut m,
        reply(
            id,
            GraphResponse::MethodDeleted {
                user_id: "u-avery".into(),
                method_id: "x".into(),
                result: Ok(Some("req-del-1".into())),
            },
        ),
    );
    assert_eq!(m.status.kind, StatusKind::Ok);
    assert!(m.status.text.contains("Deleted FIDO2 security key 'YubiKey 5 NFC'"), "{}", m.status.text);
    graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { .. }));
    let a = audits(&cmds);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].action, "deleteAuthenticationMethod");
    assert_eq!(a[0].target_upn, "avery.quinn@contoso.example");
    assert_eq!(a[0].ticket.as_deref(), Some("INC-7"));
    assert_eq!(a[0].verification.as_deref(), Some("call-back to the number on file"));
    assert_eq!(a[0].result, "success");
    assert_eq!(a[0].parameters["methodId"], "-2_GRUg2-HYz6_1YG4YRAQ2");
    assert_eq!(a[0].request_id.as_deref(), Some("req-del-1"), "Graph's request-id on success too");
}

#[test]
fn esc_cancels_a_delete_and_keeps_what_was_typed() {
    let mut m = on_fido2();
    send(&mut m, ch('d'));
    type_str(&mut m, "INC-9");
    assert!(send(&mut m, key(KeyCode::Esc)).is_empty());
    assert!(matches!(m.popup, Popup::None));
    assert!(m.status.text.contains("nothing was changed"));
    assert_eq!(m.just.ticket, "INC-9", "the ticket survives for the next action");
}

#[test]
fn the_password_and_unknown_types_are_not_deletable() {
    let mut m = avery_selected();
    send(&mut m, ch('d'));
    assert!(matches!(m.popup, Popup::None));
    assert!(m.status.text.contains("password cannot be deleted"), "{}", m.status.text);
}

#[test]
fn default_method_refusal_is_explained_with_the_way_out() {
    let mut m = avery_selected();
    send(&mut m, ch('j'));
    send(&mut m, ch('d'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(
        &cmds,
        |r| matches!(r, GraphRequest::DeleteMethod { segment, .. } if segment == "microsoftAuthenticatorMethods"),
    );
    let err = GraphError::Api {
        status: 400,
        code: "badRequest".into(),
        message:
            "Cannot delete default method with other methods configured. Please change default method before deletion."
                .into(),
        request_id: Some("req-42".into()),
    };
    let cmds = send(
        &mut m,
        reply(
            id,
            GraphResponse::MethodDeleted { user_id: "u-avery".into(), method_id: "auth-1".into(), result: Err(err) },
        ),
    );
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.contains("default sign-in method"), "{}", m.status.text);
    assert!(m.status.text.contains("https://aka.ms/mysecurityinfo"), "{}", m.status.text);
    let a = audits(&cmds);
    assert_eq!(a[0].result, "refused");
    assert_eq!(a[0].request_id.as_deref(), Some("req-42"));
}

#[test]
fn revoke_sessions_after_confirmation() {
    let mut m = avery_selected();
    send(&mut m, ch('r'));
    let Popup::Confirm(c) = &m.popup else { panic!("confirmation") };
    assert!(c.question.starts_with("Revoke all sign-in sessions of Avery Quinn?"));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::RevokeSessions { user_id } if user_id == "u-avery"));
    let cmds = send(&mut m, reply(id, GraphResponse::SessionsRevoked { user_id: "u-avery".into(), result: Ok(None) }));
    assert!(m.status.text.contains("Revoked Avery Quinn's sign-in sessions"));
    assert_eq!(audits(&cmds)[0].action, "revokeSignInSessions");
}

#[test]
fn required_justification_blocks_until_given() {
    let mut m = avery_selected();
    m.settings.require_justification = true;
    send(&mut m, ch('t'));
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(m.form.error.as_deref().is_some_and(|e| e.contains("ticket")), "{:?}", m.form.error);
    // Ticket: down to the field and type (q, j, k are text there).
    send(&mut m, key(KeyCode::Down));
    send(&mut m, key(KeyCode::Down));
    assert_eq!(m.form.field, Field::Ticket);
    type_str(&mut m, "INC-qjk");
    assert_eq!(m.just.ticket, "INC-qjk");
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(m.form.error.as_deref().is_some_and(|e| e.contains("verified")));
    send(&mut m, key(KeyCode::Down));
    send(&mut m, ch(' '));
    assert_eq!(m.just.verification, Some(Verification::CallBack));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    let cmds = send(
        &mut m,
        reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("S3cr%t!x")) }),
    );
    let a = audits(&cmds);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].action, "createTemporaryAccessPass");
    assert_eq!(a[0].ticket.as_deref(), Some("INC-qjk"));
    assert_eq!(a[0].parameters["lifetimeInMinutes"], 60);
    assert_eq!(a[0].parameters["isUsableOnce"], false);
    let line = serde_json::to_string(&a[0]).expect("json");
    assert!(!line.contains("S3cr%t!x"), "the audit line never holds the pass: {line}");
}

#[test]
fn a_start_in_local_time_is_sent_as_utc() {
    let mut m = avery_selected();
    m.tz = jiff::tz::TimeZone::get("America/Chicago").expect("tz");
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Up));
    assert_eq!(m.form.field, Field::Start);
    type_str(&mut m, "2026-12-07 09:00");
    let cmds = send(&mut m, key(KeyCode::Enter));
    let Some(Cmd::Write { request: GraphRequest::CreateTap { body, .. }, .. }) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert_eq!(body.start_date_time.map(|t| t.to_string()).as_deref(), Some("2026-12-07T15:00:00Z"));
    let json = serde_json::to_string(body).expect("json");
    assert!(json.contains("\"startDateTime\":\"2026-12-07T15:00:00Z\""), "{json}");
}

#[test]
fn a_start_in_the_past_is_refused_in_the_form() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Up));
    type_str(&mut m, "2026-11-29 09:00");
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
    assert_eq!(m.form.error_field, Some(Field::Start));
    assert!(m.form.error.as_deref().is_some_and(|e| e.contains("in the past")));
    assert_eq!(m.form.start, "2026-11-29 09:00", "kept as typed");
}

#[test]
fn a_pass_disabled_by_policy_is_flagged() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    let tap: tapdesk_graph::types::CreatedTap = serde_json::from_value(serde_json::json!({
        "id": "t", "temporaryAccessPass": "abcdefgh", "startDateTime": "2026-11-30T09:00:00Z",
        "lifetimeInMinutes": 60, "isUsableOnce": false, "isUsable": false, "methodUsabilityReason": "DisabledByPolicy"
    }))
    .expect("tap");
    send(&mut m, reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(tap) }));
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.contains("disabled by policy"), "{}", m.status.text);
}

#[test]
fn quitting_with_a_copied_pass_clears_the_clipboard() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    send(
        &mut m,
        reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("abcdefgh")) }),
    );
    send(&mut m, tapdesk::app::Msg::Copied(tapdesk::clipboard::CopyOutcome::Osc52 { fallback_reason: None }));
    assert!(m.clipboard_clear_at.is_some());
    // After 30 s the tick clears it.
    let later = now().checked_add(jiff::SignedDuration::from_secs(31)).expect("ts");
    assert_eq!(tapdesk::app::update(&mut m, tapdesk::app::Msg::Tick, later), vec![Cmd::ClearClipboard]);
    // A second copy, then quit (asked, then confirmed: the pass is on screen): cleared on the way out.
    send(&mut m, tapdesk::app::Msg::Copied(tapdesk::clipboard::CopyOutcome::Native));
    assert!(send(&mut m, ch('q')).is_empty() && !m.quit);
    assert_eq!(send(&mut m, ch('q')), vec![Cmd::ClearClipboard]);
    assert!(m.quit);
}

#[test]
fn a_new_caller_starts_with_no_ticket_or_verification() {
    let mut m = avery_selected();
    m.just.ticket = "INC-AVERY-1".into();
    m.just.cycle(true);
    // Same user again: kept.
    send(&mut m, ch('/'));
    send(&mut m, key(KeyCode::Enter));
    assert_eq!(m.just.ticket, "INC-AVERY-1");
    // Another caller: cleared.
    send(&mut m, ch('/'));
    send(&mut m, ctrl('u'));
    type_str(&mut m, "noor");
    send(&mut m, key(KeyCode::Enter));
    assert_eq!(m.selected.as_ref().unwrap().user.id, "u-noor");
    assert!(m.just.ticket.is_empty() && m.just.verification.is_none());
}

#[test]
fn letters_typed_in_the_form_never_run_global_actions() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Up));
    assert_eq!(m.form.field, Field::Start);
    for c in "tomorrow 09:00".chars() {
        assert!(send(&mut m, ch(c)).is_empty());
    }
    assert!(matches!(m.popup, Popup::None), "no revoke confirmation from the 'r'");
    assert!(!m.quit);
    assert_eq!(m.form.start, "ooow 09:00", "only what Start takes was kept");
    send(&mut m, ch('x'));
    assert!(m.form.error.as_deref().is_some_and(|e| e.contains("Start takes")), "{:?}", m.form.error);
    send(&mut m, key(KeyCode::Down));
    send(&mut m, ch('q'));
    assert!(!m.quit, "q in the lifetime field does not quit");
    // j/k still move outside free-text fields.
    send(&mut m, ch('j'));
    assert_eq!(m.form.field, Field::OneTime);
}

#[test]
fn after_a_result_line_failed_the_next_action_is_checked_against_the_log_again() {
    let mut m = avery_selected();
    send(&mut m, tapdesk::app::Msg::AuditFailed("/dev/full: No space left on device".into()));
    assert!(m.status.text.contains("its attempt is recorded"), "{}", m.status.text);
    assert!(m.status.text.contains("Note the outcome in your ticket"), "{}", m.status.text);
    // No restart needed: the next action goes out behind its attempt line (which the loop writes
    // first, and which refuses the send while the log is still broken).
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    assert!(matches!(&cmds[..], [Cmd::Write { request: GraphRequest::CreateTap { .. }, .. }]), "{cmds:?}");
}

#[test]
fn features_the_token_does_not_allow_are_refused_with_the_reason() {
    let mut m = avery_selected();
    let mut caps = tapdesk::auth::capabilities::Capabilities::unknown();
    caps.create_tap = Err("the token lacks UserAuthMethod-TAP.ReadWrite.All".into());
    caps.revoke_sessions = Err("the token lacks User.RevokeSessions.All".into());
    m.settings.capabilities = caps;
    send(&mut m, ch('t'));
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
    assert!(m.status.text.contains("UserAuthMethod-TAP.ReadWrite.All"), "{}", m.status.text);
    send(&mut m, key(KeyCode::Esc));
    send(&mut m, ch('r'));
    assert!(matches!(m.popup, Popup::None));
    assert!(m.status.text.contains("User.RevokeSessions.All"), "{}", m.status.text);
}

#[test]
fn a_refused_delete_stays_on_the_status_line_after_the_methods_refresh() {
    let mut m = avery_selected();
    send(&mut m, ch('j'));
    send(&mut m, ch('d'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::DeleteMethod { .. }));
    let err = GraphError::Api {
        status: 400,
        code: "badRequest".into(),
        message: "Cannot delete default method with other methods configured.".into(),
        request_id: None,
    };
    let cmds = send(
        &mut m,
        reply(
            id,
            GraphResponse::MethodDeleted { user_id: "u-avery".into(), method_id: "auth-1".into(), result: Err(err) },
        ),
    );
    let refresh = graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { .. }));
    send(&mut m, reply(refresh, GraphResponse::Methods { user_id: "u-avery".into(), result: Ok(avery_methods()) }));
    assert!(m.status.text.contains("default sign-in method"), "{}", m.status.text);
}

fn with_pass_shown() -> Model {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    send(
        &mut m,
        reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("Xk7%pQ2!")) }),
    );
    assert!(matches!(m.popup, Popup::Pass(_)));
    m
}

fn quit_asked(m: &Model) -> bool {
    matches!(&m.popup, Popup::Pass(p) if p.quit_asked)
}

#[test]
fn quitting_with_the_pass_on_screen_asks_first() {
    for first in [ch('q'), ctrl('c')] {
        let mut m = with_pass_shown();
        send(&mut m, first);
        assert!(!m.quit, "the first quit only asks");
        assert!(quit_asked(&m));
        assert!(m.status.text.contains("Graph never shows this pass again"), "{}", m.status.text);
        // Any other key keeps the pass: the popup stays, the question goes.
        send(&mut m, key(KeyCode::Esc));
        assert!(!m.quit && !quit_asked(&m) && matches!(m.popup, Popup::Pass(_)), "Esc keeps the pass on screen");
        // Asked again and confirmed (q, or Ctrl-C): quits.
        send(&mut m, ch('q'));
        send(&mut m, ctrl('c'));
        assert!(m.quit);
    }
    // Without a pass on screen, q quits at once as before.
    let mut m = avery_selected();
    send(&mut m, ch('q'));
    assert!(m.quit);
}

#[test]
fn a_lifetime_the_form_cannot_use_is_kept_and_said_to_be_wrong() {
    for (typed, why) in [("1e9", "use whole minutes"), ("-5", "cannot be negative"), ("1.5h", "use whole minutes")] {
        let mut m = avery_selected();
        send(&mut m, ch('t'));
        assert_eq!(m.form.field, Field::Lifetime);
        send(&mut m, key(KeyCode::Backspace));
        send(&mut m, key(KeyCode::Backspace));
        type_str_lenient(&mut m, typed);
        assert_eq!(m.form.lifetime, typed, "what was typed is kept");
        let err = m.form.error.clone().unwrap_or_default();
        assert!(err.contains(&format!("'{typed}' is not a lifetime")) && err.contains(why), "{typed}: {err}");
        assert_eq!(m.form.error_field, Some(Field::Lifetime));
        // Enter sends nothing and keeps it.
        assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
        assert_eq!(m.form.lifetime, typed);
    }
}

#[test]
fn a_pasted_ticket_longer_than_the_field_says_the_limit() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    for _ in 0..2 {
        send(&mut m, key(KeyCode::Down));
    }
    assert_eq!(m.form.field, Field::Ticket);
    let long = "INC-".to_owned() + &"7".repeat(96);
    send(&mut m, tapdesk::app::Msg::Paste(long.clone()));
    assert_eq!(m.just.ticket, long[..64]);
    assert!(
        m.status.text.contains("Ticket takes at most 64 characters: the last 36 of the paste were not kept"),
        "{}",
        m.status.text
    );
}

/// Each text field keeps at most 64 characters; a key typed past that says so instead of
/// vanishing (the search box, the form's ticket, the confirmation's ticket).
#[test]
fn keys_typed_past_a_full_field_say_the_limit() {
    let full = "7".repeat(64);

    let mut m = loaded_model();
    send(&mut m, ch('/'));
    type_str_lenient(&mut m, &(full.clone() + "89"));
    assert_eq!(m.query, full);
    assert!(
        m.status.text.contains("The search box takes at most 64 characters: the keys typed after that were not kept"),
        "{}",
        m.status.text
    );
    // Making room and typing again works, and the message goes with the next search.
    send(&mut m, key(KeyCode::Backspace));
    send(&mut m, ch('8'));
    assert_eq!(m.query.chars().last(), Some('8'));

    let mut m = avery_selected();
    send(&mut m, ch('t'));
    for _ in 0..2 {
        send(&mut m, key(KeyCode::Down));
    }
    assert_eq!(m.form.field, Field::Ticket);
    type_str_lenient(&mut m, &(full.clone() + "8"));
    assert_eq!(m.just.ticket, full);
    assert!(m.status.text.contains("Ticket takes at most 64 characters"), "{}", m.status.text);

    let mut m = on_fido2();
    send(&mut m, ch('d'));
    type_str_lenient(&mut m, &(full.clone() + "8"));
    assert_eq!(m.just.ticket, full);
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation") };
    assert!(c.error.as_deref().is_some_and(|e| e.contains("Ticket takes at most 64 characters")), "{:?}", c.error);
}

/// Types `s` key by key, whatever each key returns.
fn type_str_lenient(m: &mut Model, s: &str) {
    for c in s.chars() {
        send(m, ch(c));
    }
}

/// Avery with a multi-use pass issued 2 h ago, valid from then for 4 h (until 11:00 UTC).
fn with_active_pass() -> Model {
    let mut m = avery_selected();
    let issued = now().checked_sub(jiff::SignedDuration::from_hours(2)).unwrap();
    let tap = tapdesk_graph::types::TapMethod {
        base: tapdesk_graph::types::MethodBase {
            id: "tap-old".into(),
            created_date_time: Some(issued),
            ..Default::default()
        },
        start_date_time: Some(issued),
        lifetime_in_minutes: Some(240),
        is_usable_once: Some(false),
        is_usable: Some(true),
        method_usability_reason: Some("EnabledByPolicy".into()),
    };
    if let Some(sel) = &mut m.selected
        && let tapdesk::app::Loadable::Ready(methods) = &mut sel.methods
    {
        methods.push(tapdesk_graph::types::AuthMethod::TemporaryAccessPass(tap));
    }
    m
}

#[test]
fn a_pass_that_replaces_a_working_one_is_confirmed_in_words() {
    let mut m = with_active_pass();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    assert!(cmds.is_empty(), "nothing is sent before the confirmation: {cmds:?}");
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation: {:?}", m.popup) };
    assert_eq!(
        c.question,
        "Avery Quinn has an active pass until 11:00 UTC, issued 2 h ago. Replace it? The old code stops working now."
    );
    // Esc: nothing sent, the form as it was.
    send(&mut m, key(KeyCode::Esc));
    assert!(matches!(m.popup, Popup::None) && m.creating.is_none());
    // Confirmed: the create goes out (write-ahead).
    send(&mut m, key(KeyCode::Enter));
    let cmds = send(&mut m, key(KeyCode::Enter));
    assert!(matches!(&cmds[..], [Cmd::Write { request: GraphRequest::CreateTap { .. }, .. }]), "{cmds:?}");
}

#[test]
fn a_delayed_pass_that_replaces_a_working_one_says_the_gap() {
    let mut m = with_active_pass();
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Up));
    assert_eq!(m.form.field, Field::Start);
    type_str_lenient(&mut m, "2026-12-07 09:00");
    send(&mut m, key(KeyCode::Enter));
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation: {:?} {:?}", m.popup, m.form.error) };
    assert!(
        c.question.ends_with("The new pass starts Mon 7 Dec 09:00 UTC: until then Avery Quinn has no working pass."),
        "{}",
        c.question
    );
}

#[test]
fn warnings_about_a_pass_carry_the_date_when_it_is_not_today() {
    let mut m = with_active_pass();
    if let Some(sel) = &mut m.selected
        && let tapdesk::app::Loadable::Ready(methods) = &mut sel.methods
        && let Some(tapdesk_graph::types::AuthMethod::TemporaryAccessPass(t)) = methods.last_mut()
    {
        t.start_date_time = Some("2026-12-07T09:00:00Z".parse().unwrap());
        t.method_usability_reason = Some("NotYetValid".into());
    }
    let findings = m.preflight().unwrap();
    assert!(findings.iter().any(|f| f.text.contains("(until Mon 7 Dec 13:00 UTC)")), "{findings:?}");
    let tap = match m.selected.as_ref().unwrap().methods.ready().unwrap().last() {
        Some(tapdesk_graph::types::AuthMethod::TemporaryAccessPass(t)) => t.clone(),
        _ => unreachable!(),
    };
    assert!(tapdesk::ui::tap_state(&tap, m.now, &m.tz).contains("not yet valid, from Mon 7 Dec 09:00 UTC"));
}

/// The screen as text (200x40, wide enough for a pass row whole).
fn screen(m: &Model) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 40)).unwrap();
    t.draw(|f| tapdesk::ui::view(m, f)).unwrap();
    t.backend().to_string()
}

#[test]
fn the_methods_pane_tells_a_pass_issued_here_from_one_issued_elsewhere() {
    let mut m = with_active_pass();
    assert!(
        screen(&m).contains("active until 11:00 UTC · multi-use · issued elsewhere at 07:00 UTC"),
        "{}",
        screen(&m)
    );
    // This console issues one; Graph's list then holds the new id.
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Enter));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    let mut created = created_tap("Xk7%pQ2!");
    created.method.base.id = "tap-new".into();
    created.method.method_usability_reason = Some("EnabledByPolicy".into());
    let cmds = send(&mut m, reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created) }));
    send(&mut m, key(KeyCode::Esc));
    let list = graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { .. }));
    let mut methods = avery_methods();
    let tap = tapdesk_graph::types::TapMethod {
        base: tapdesk_graph::types::MethodBase {
            id: "tap-new".into(),
            created_date_time: Some(now()),
            ..Default::default()
        },
        start_date_time: Some(now()),
        lifetime_in_minutes: Some(60),
        is_usable_once: Some(false),
        is_usable: Some(true),
        method_usability_reason: Some("EnabledByPolicy".into()),
    };
    methods.push(tapdesk_graph::types::AuthMethod::TemporaryAccessPass(tap));
    send(&mut m, reply(list, GraphResponse::Methods { user_id: "u-avery".into(), result: Ok(methods) }));
    let s = screen(&m);
    assert!(s.contains("· issued here ·"), "{s}");
    assert!(!s.contains("issued elsewhere"), "{s}");
}

#[test]
fn after_the_clear_the_popup_no_longer_says_copied() {
    let mut m = with_pass_shown();
    send(&mut m, tapdesk::app::Msg::Copied(tapdesk::clipboard::CopyOutcome::Native));
    assert!(matches!(&m.popup, Popup::Pass(p) if p.copied.is_some()));
    send(&mut m, tapdesk::app::Msg::ClipboardCleared(tapdesk::clipboard::ClearOutcome::Cleared));
    assert!(matches!(&m.popup, Popup::Pass(p) if p.copied.is_none()), "no 'copied' after the clear");
    assert_eq!(
        m.clipboard_cleared,
        Some((tapdesk::clipboard::ClearOutcome::Cleared, now())),
        "kept with its time for the exit line"
    );
}

/// Ctrl-Z suspends (raw mode delivers it as a key): `update` asks the loop to give the terminal
/// back and stop; what was typed stays, and coming back says so.
#[test]
fn ctrl_z_suspends_and_keeps_what_was_typed() {
    let mut m = loaded_model();
    send(&mut m, ch('/'));
    type_str(&mut m, "noor");
    assert_eq!(send(&mut m, ctrl('z')), vec![tapdesk::app::Cmd::Suspend]);
    assert_eq!(m.query, "noor", "Ctrl-Z is not typed");
    assert!(m.editing);
    send(&mut m, tapdesk::app::Msg::Suspended { error: None, cleared: None });
    assert_eq!(m.status.text, "Back from Ctrl-Z: everything is as it was.");
    assert_eq!(m.query, "noor");
    send(&mut m, tapdesk::app::Msg::Suspended { error: Some("Operation not permitted".into()), cleared: None });
    assert_eq!(m.status.text, "Could not suspend (Operation not permitted); tapdesk keeps running.");
    // A SIGTSTP from outside (`kill -TSTP`) suspends the same way, and says so when back.
    assert_eq!(send(&mut m, tapdesk::app::Msg::StopRequested), vec![tapdesk::app::Cmd::Suspend]);
    send(&mut m, tapdesk::app::Msg::Suspended { error: None, cleared: None });
    assert_eq!(m.status.text, "Back from Ctrl-Z: everything is as it was.");
}

/// A copied pass is taken off the clipboard before the stop (the loop clears it as part of
/// `Cmd::Suspend`); back from it, the status line says so, the popup no longer says "copied",
/// no clear is left pending, and the exit line will say when it happened.
#[test]
fn a_copied_pass_is_cleared_before_the_stop_and_the_popup_says_so() {
    let mut m = with_pass_shown();
    send(&mut m, tapdesk::app::Msg::Copied(tapdesk::clipboard::CopyOutcome::Native));
    assert!(m.clipboard_clear_at.is_some());
    assert_eq!(send(&mut m, ctrl('z')), vec![tapdesk::app::Cmd::Suspend]);
    let cleared = Some(tapdesk::clipboard::ClearOutcome::Cleared);
    send(&mut m, tapdesk::app::Msg::Suspended { error: None, cleared });
    assert_eq!(m.status.text, "Back from Ctrl-Z; the pass left the clipboard before the stop (c copies again).");
    assert!(matches!(&m.popup, Popup::Pass(p) if p.copied.is_none()), "no 'copied' after the clear");
    assert_eq!(m.clipboard_clear_at, None, "nothing left to clear");
    assert_eq!(m.clipboard_cleared, Some((tapdesk::clipboard::ClearOutcome::Cleared, now())));
    // A clear that failed is an error the operator must act on.
    send(&mut m, tapdesk::app::Msg::Copied(tapdesk::clipboard::CopyOutcome::Native));
    let failed = Some(tapdesk::clipboard::ClearOutcome::Failed("tmux is gone".into()));
    send(&mut m, tapdesk::app::Msg::Suspended { error: None, cleared: failed });
    assert_eq!(m.status.kind, StatusKind::Error);
    assert_eq!(
        m.status.text,
        "Back from Ctrl-Z. Before the stop: Could not clear the clipboard: tmux is gone. Clear it yourself."
    );
}

/// Ctrl-R outside a failed load is not silent, wherever the keys are (here: the search box).
#[test]
fn ctrl_r_says_why_nothing_is_loaded_again() {
    let mut m = loaded_model();
    send(&mut m, ch('/'));
    type_str(&mut m, "no");
    assert_eq!(send(&mut m, ctrl('r')), vec![]);
    assert!(m.status.text.starts_with("The directory is loaded ("), "{}", m.status.text);
    assert!(m.status.text.ends_with("users); Ctrl-R is for a load that failed."), "{}", m.status.text);
    assert_eq!(m.query, "no", "the query is kept");
}

/// Deletes Avery's FIDO2 key and answers the delete with `err`; the status line it leaves.
fn refused_delete(err: GraphError) -> String {
    let mut m = on_fido2();
    send(&mut m, ch('d'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::DeleteMethod { .. }));
    send(
        &mut m,
        reply(id, GraphResponse::MethodDeleted { user_id: "u-avery".into(), method_id: "x".into(), result: Err(err) }),
    );
    assert_eq!(m.status.kind, StatusKind::Error);
    m.status.text
}

fn forbidden(code: &str, message: &str) -> GraphError {
    GraphError::Api { status: 403, code: code.into(), message: message.into(), request_id: Some("req-403".into()) }
}

#[test]
fn a_403_shows_graphs_own_code_and_message_and_explains_by_them() {
    let role =
        refused_delete(forbidden("Authorization_RequestDenied", "Insufficient privileges to complete the operation."));
    assert!(
        role.ends_with(
            "Graph refused (403 Authorization_RequestDenied): \"Insufficient privileges to complete the operation.\""
        ),
        "{role}"
    );
    assert!(role.starts_with("Your role may not do this for Avery Quinn: admins need a Privileged"), "{role}");

    let mfa = refused_delete(forbidden(
        "accessDenied",
        "MFA is required for a 'RemoveKey' operation, but was not performed.",
    ));
    assert!(mfa.contains("(403 accessDenied): \"MFA is required for a 'RemoveKey' operation"), "{mfa}");
    assert!(mfa.starts_with("Sign in to tapdesk again with MFA, then retry"), "{mfa}");
    assert!(!mfa.contains("Administrator"), "an MFA demand is not blamed on the role: {mfa}");

    let ca = refused_delete(forbidden("accessDenied", "Access has been blocked by Conditional Access policies."));
    assert!(ca.starts_with("A Conditional Access policy blocked it: the sign-in logs name the policy"), "{ca}");
    assert!(!ca.contains("Administrator"), "{ca}");

    let other = refused_delete(forbidden("accessDenied", "\u{1b}]0;pwned\u{7}Access denied."));
    assert!(
        !other.contains('\u{1b}') && !other.contains('\u{7}'),
        "escape sequences never reach the screen: {other:?}"
    );
    assert!(other.contains("Graph gave no more reason"), "{other}");

    let long = refused_delete(forbidden("accessDenied", &"x".repeat(5000)));
    assert!(long.chars().count() < 600, "Graph's message is quoted capped: {} chars", long.chars().count());
    assert!(long.contains("x…\""), "{long}");
}

#[test]
fn deleting_a_method_of_ones_own_account_warns_of_the_mfa_rule_first() {
    let mut m = on_fido2();
    let mut me = m.selected.as_ref().unwrap().user.clone();
    me.display_name = Some("Avery Quinn".into());
    m.operator = Some(me);
    assert!(send(&mut m, ch('d')).is_empty(), "nothing is sent before the confirmation");
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation") };
    assert!(
        c.question.starts_with("Delete FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01 from your own account?"),
        "{}",
        c.question
    );
    assert!(c.question.contains("multi-factor sign-in within the last 10 minutes"), "{}", c.question);
}

/// `d`, Enter on the highlighted method, and Graph's 403 for a missing fresh MFA sign-in; the
/// commands that answer leaves.
fn delete_refused_for_mfa(m: &mut Model) -> Vec<Cmd> {
    send(m, ch('d'));
    let cmds = send(m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::DeleteMethod { .. }));
    let err = forbidden("accessDenied", "MFA is required for a 'RemoveKey' operation, but was not performed.");
    send(
        m,
        reply(id, GraphResponse::MethodDeleted { user_id: "u-avery".into(), method_id: "x".into(), result: Err(err) }),
    )
}

/// Graph refuses to delete the operator's own method without a fresh MFA sign-in: with the in-TUI
/// sign-in the popup comes back at once (tokens forgotten), and the method stays listed.
#[test]
fn an_mfa_refusal_on_ones_own_method_offers_a_fresh_sign_in() {
    use tapdesk::app::signin::{Phase, SignIn};
    use tapdesk::auth::worker::SignInRequest;
    let mut m = on_fido2();
    m.operator = Some(m.selected.as_ref().unwrap().user.clone());
    let mut s = SignIn::new("contoso.example", "tapdesk", "tapdesk-device");
    s.signed_in_once = true;
    s.phase = Phase::Done;
    s.attempt = 1;
    m.signin = Some(s);
    let cmds = delete_refused_for_mfa(&mut m);
    assert!(cmds.contains(&Cmd::SignIn(SignInRequest::SignInAgain { attempt: 2 })), "{cmds:?}");
    assert!(m.status.text.contains("fresh MFA sign-in"), "{}", m.status.text);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Graph(_, GraphRequest::ListMethods { .. }))),
        "the list is read again"
    );
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Audit(e) if e.result == "refused")),
        "audited as refused, never as deleted"
    );
    // Someone else's method refused the same way: no sign-in (it is not the self-service rule).
    let mut m = on_fido2();
    let cmds = delete_refused_for_mfa(&mut m);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::SignIn(_))), "{cmds:?}");
}
