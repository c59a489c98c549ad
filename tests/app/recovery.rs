//! The lost-key recovery flow (`F`) as `update` calls: verify → pick key → delete → revoke →
//! one-time pass → show/copy → summary; skipping; a failure stopping the flow.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use tapdesk::app::recovery::{Outcome, Step};
use tapdesk::app::{Cmd, Popup};
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};

fn step(m: &tapdesk::app::Model) -> Step {
    m.recovery.as_ref().expect("flow open").step
}

#[test]
fn the_whole_flow_for_avery() {
    let mut m = avery_selected();
    assert!(send(&mut m, ch('F')).is_empty());
    assert_eq!(step(&m), Step::Verify);
    type_str(&mut m, "INC-100");
    send(&mut m, key(KeyCode::Tab));
    send(&mut m, key(KeyCode::Right));
    send(&mut m, key(KeyCode::Enter));
    assert_eq!(step(&m), Step::PickKey);
    assert_eq!(m.recovery.as_ref().unwrap().keys.len(), 1);

    // Delete the key.
    let cmds = send(&mut m, key(KeyCode::Enter));
    let del = graph_id(&cmds, |r| {
        matches!(r, GraphRequest::DeleteMethod { segment, method_id, .. }
        if segment == "fido2Methods" && method_id == "-2_GRUg2-HYz6_1YG4YRAQ2")
    });
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty(), "keys wait while Graph works");
    let cmds = send(
        &mut m,
        reply(
            del,
            GraphResponse::MethodDeleted {
                user_id: "u-avery".into(),
                method_id: "x".into(),
                result: Ok(Some("req-del-1".into())),
            },
        ),
    );
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Audit(a) if a.action == "deleteAuthenticationMethod" && a.ticket.as_deref() == Some("INC-100"))));
    assert_eq!(step(&m), Step::Revoke);

    // Revoke.
    let cmds = send(&mut m, key(KeyCode::Enter));
    let rev = graph_id(&cmds, |r| matches!(r, GraphRequest::RevokeSessions { .. }));
    send(&mut m, reply(rev, GraphResponse::SessionsRevoked { user_id: "u-avery".into(), result: Ok(None) }));
    assert_eq!(step(&m), Step::Issue);

    // One-time pass with the policy's default lifetime.
    let cmds = send(&mut m, key(KeyCode::Enter));
    let tap = graph_id(&cmds, |r| {
        matches!(r, GraphRequest::CreateTap { body, .. }
        if body.is_usable_once == Some(true) && body.lifetime_in_minutes == Some(60) && body.start_date_time.is_none())
    });
    send(
        &mut m,
        reply(tap, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("rEc0v3r!")) }),
    );
    assert_eq!(step(&m), Step::Show);
    assert!(m.pass_popup().is_some(), "the pass is shown");
    assert_eq!(send(&mut m, ch('c')), vec![Cmd::CopyPass]);
    send(&mut m, key(KeyCode::Esc));
    assert!(matches!(m.popup, Popup::None));
    assert_eq!(step(&m), Step::Summary);
    let log = &m.recovery.as_ref().unwrap().log;
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|o| matches!(o, Outcome::Done(_))), "{log:?}");
    assert!(matches!(&log[0], Outcome::Done(t) if t.contains("YubiKey 5 NFC")));
    send(&mut m, key(KeyCode::Enter));
    assert!(m.recovery.is_none());
}

#[test]
fn steps_can_be_skipped() {
    let mut m = avery_selected();
    send(&mut m, ch('F'));
    send(&mut m, key(KeyCode::Enter));
    send(&mut m, ch('s'));
    assert_eq!(step(&m), Step::Revoke);
    send(&mut m, ch('s'));
    assert_eq!(step(&m), Step::Issue);
    send(&mut m, ch('s'));
    assert_eq!(step(&m), Step::Summary);
    let log = &m.recovery.as_ref().unwrap().log;
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|o| matches!(o, Outcome::Skipped(_))));
}

#[test]
fn a_failure_stops_the_flow_with_the_reason() {
    let mut m = avery_selected();
    send(&mut m, ch('F'));
    send(&mut m, key(KeyCode::Enter));
    send(&mut m, ch('s'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let rev = graph_id(&cmds, |r| matches!(r, GraphRequest::RevokeSessions { .. }));
    let err = GraphError::Api {
        status: 403,
        code: "Authorization_RequestDenied".into(),
        message: "Insufficient privileges to complete the operation.".into(),
        request_id: None,
    };
    send(&mut m, reply(rev, GraphResponse::SessionsRevoked { user_id: "u-avery".into(), result: Err(err) }));
    assert_eq!(step(&m), Step::Summary);
    let r = m.recovery.as_ref().unwrap();
    assert!(r.failed());
    assert!(
        matches!(r.log.last(), Some(Outcome::Failed(t)) if t.contains("Authorization_RequestDenied")),
        "{:?}",
        r.log
    );
    // Nothing more is sent from the summary.
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
}

#[test]
fn required_verification_is_asked_first() {
    let mut m = avery_selected();
    m.settings.require_justification = true;
    send(&mut m, ch('F'));
    send(&mut m, key(KeyCode::Enter));
    assert_eq!(step(&m), Step::Verify);
    assert!(m.recovery.as_ref().unwrap().error.as_deref().is_some_and(|e| e.contains("ticket")));
}

/// Avery without TAP-Users: the TAP policy would not let her sign in with a pass.
fn outside_the_policy() -> tapdesk::app::Model {
    let mut m = avery_selected();
    if let Some(sel) = &mut m.selected
        && let tapdesk::app::Loadable::Ready(card) = &mut sel.card
    {
        card.member_of.clear();
    }
    m
}

#[test]
fn the_flow_does_not_start_when_the_pass_would_fail() {
    let mut m = outside_the_policy();
    let cmds = send(&mut m, ch('F'));
    assert!(cmds.is_empty());
    // The flow opens on its summary, saying why: no step that deletes or revokes can be reached.
    let r = m.recovery.as_ref().expect("the flow says why");
    assert_eq!(r.step, Step::Summary);
    assert!(r.failed());
    let Outcome::Failed(why) = &r.log[0] else { panic!("{:?}", r.log) };
    assert!(why.contains("Not started: Avery Quinn is not in a group the TAP policy targets"), "{why}");
    assert!(why.contains("would lock Avery Quinn out"), "{why}");
    assert!(why.contains("press d"), "the separate way to delete the key: {why}");
    assert!(send(&mut m, key(KeyCode::Esc)).is_empty());
    assert!(m.recovery.is_none());
    // Deleting the lost key alone stays possible, as its own confirmed action.
    send(&mut m, ch('j'));
    send(&mut m, ch('j'));
    send(&mut m, ch('d'));
    assert!(matches!(m.popup, tapdesk::app::Popup::Confirm(_)), "{:?} {:?} {}", m.focus, m.popup, m.status.text);
}

#[test]
fn the_flow_does_not_revoke_when_the_pass_became_impossible_meanwhile() {
    let mut m = avery_selected();
    send(&mut m, ch('F'));
    assert!(m.recovery.is_some());
    // Verify, then skip the key: the flow stands before the revoke.
    send(&mut m, key(KeyCode::Tab));
    send(&mut m, key(KeyCode::Right));
    send(&mut m, key(KeyCode::Enter));
    send(&mut m, ch('s'));
    assert_eq!(m.recovery.as_ref().unwrap().step, tapdesk::app::recovery::Step::Revoke);
    // Meanwhile she left TAP-Users (the card was read again).
    if let Some(sel) = &mut m.selected
        && let tapdesk::app::Loadable::Ready(card) = &mut sel.card
    {
        card.member_of.clear();
    }
    let cmds = send(&mut m, key(KeyCode::Enter));
    assert!(cmds.is_empty(), "no revoke is sent: {cmds:?}");
    let r = m.recovery.as_ref().unwrap();
    assert_eq!(r.step, tapdesk::app::recovery::Step::Summary);
    assert!(r.failed());
}

#[test]
fn a_ticket_typed_past_the_limit_says_so() {
    let mut m = avery_selected();
    send(&mut m, ch('F'));
    let full = "7".repeat(64);
    type_str(&mut m, &full);
    send(&mut m, ch('8'));
    assert_eq!(m.just.ticket, full);
    let err = m.recovery.as_ref().unwrap().error.clone().unwrap_or_default();
    assert!(err.contains("Ticket takes at most 64 characters"), "{err}");
    send(&mut m, key(KeyCode::Backspace));
    send(&mut m, ch('8'));
    assert!(m.just.ticket.ends_with('8'));
    assert_eq!(m.recovery.as_ref().unwrap().error, None);
}
