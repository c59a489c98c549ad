//! "The pass on screen is the pass that works": after a create, `update` lists the user's passes
//! and says "issued" only when Graph holds the new method id; while the pass popup or the recovery
//! summary is open it checks again every 15 s (times passed in), backs off on failures, turns the
//! popup into a warning when another console replaced the pass, and stops when the operator
//! moves on.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use jiff::{SignedDuration, Timestamp};
use tapdesk::app::pass_watch::{MAX_BACKOFF, PassWatch, RECHECK, WatchState};
use tapdesk::app::{Cmd, Model, Msg, StatusKind, update};
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse, RequestId};
use tapdesk_graph::types::TapMethod;

fn at(secs: i64) -> Timestamp {
    now().checked_add(SignedDuration::from_secs(secs)).unwrap()
}

fn tap(id: &str, created: &str, reason: &str) -> TapMethod {
    serde_json::from_value(serde_json::json!({
        "id": id, "createdDateTime": created, "startDateTime": created, "lifetimeInMinutes": 60,
        "isUsableOnce": false, "isUsable": true, "methodUsabilityReason": reason
    }))
    .unwrap()
}

/// The `ListTaps` ids among `cmds`.
fn checks(cmds: &[Cmd]) -> Vec<RequestId> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Graph(id, GraphRequest::ListTaps { user_id }) if user_id == "u-avery" => Some(*id),
            _ => None,
        })
        .collect()
}

fn tick(m: &mut Model, secs: i64) -> Vec<Cmd> {
    update(m, Msg::Tick, at(secs))
}

fn taps(m: &mut Model, id: RequestId, result: Result<Vec<TapMethod>, GraphError>, secs: i64) -> Vec<Cmd> {
    update(m, reply(id, GraphResponse::Taps { user_id: "u-avery".into(), result }), at(secs))
}

/// Avery's pass created (method `tap-1`) and the popup open; returns the first check's id.
fn issued() -> (Model, RequestId) {
    let (m, cmds) = avery_pass_created("Xk7%pQ2!");
    let first = checks(&cmds);
    assert_eq!(first.len(), 1, "the create is confirmed at once: {cmds:?}");
    (m, first[0])
}

#[test]
fn issued_only_once_graph_lists_the_new_method_then_rechecked_every_15_s() {
    let (mut m, first) = issued();
    assert_eq!(m.pass_watch.as_ref().unwrap().state, WatchState::Confirming);
    assert_eq!(m.status.kind, StatusKind::Info);
    // While the check is in flight, ticks send nothing more.
    assert!(checks(&tick(&mut m, 1)).is_empty());
    taps(&mut m, first, Ok(vec![tap("tap-1", "2026-11-30T09:00:01Z", "EnabledByPolicy")]), 1);
    assert_eq!(m.pass_watch.as_ref().unwrap().state, WatchState::Active);
    assert_eq!(m.status.text, "Temporary Access Pass issued for Avery Quinn (confirmed by Graph).");
    // Nothing before 15 s after the answer, one check at 16 s, none while it is in flight.
    assert!(checks(&tick(&mut m, 15)).is_empty());
    let second = checks(&tick(&mut m, 16));
    assert_eq!(second.len(), 1);
    assert!(checks(&tick(&mut m, 40)).is_empty(), "one check in flight at a time");
    taps(&mut m, second[0], Ok(vec![tap("tap-1", "2026-11-30T09:00:01Z", "EnabledByPolicy")]), 41);
    assert!(checks(&tick(&mut m, 55)).is_empty());
    assert_eq!(checks(&tick(&mut m, 56)).len(), 1);
}

#[test]
fn another_console_replacing_the_pass_turns_the_popup_into_a_warning() {
    let (mut m, first) = issued();
    taps(&mut m, first, Ok(vec![tap("tap-1", "2026-11-30T09:00:01Z", "EnabledByPolicy")]), 1);
    let second = checks(&tick(&mut m, 16))[0];
    // A second console issued tap-2 at 09:00:10; Graph keeps one pass per user.
    let cmds = taps(&mut m, second, Ok(vec![tap("tap-2", "2026-11-30T09:00:10Z", "EnabledByPolicy")]), 17);
    let w = m.pass_watch.as_ref().unwrap();
    assert_eq!(w.state, WatchState::Replaced { other_created: Some("2026-11-30T09:00:10Z".parse().unwrap()) });
    assert_eq!(m.status.kind, StatusKind::Error);
    assert_eq!(
        m.status.text,
        "Another pass for Avery Quinn was issued at 09:00 UTC (another console or the admin center) and replaced \
         this one: this code no longer works. Do not read it out."
    );
    // The Methods pane is read again so the other pass shows there ("issued elsewhere").
    graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { .. }));
    // A dead code is not copied; nothing is checked any more.
    assert!(send(&mut m, ch('c')).is_empty());
    assert!(m.status.text.starts_with("Not copied: this pass no longer works"), "{}", m.status.text);
    assert!(checks(&tick(&mut m, 300)).is_empty());
    // Quitting does not ask to keep a dead code.
    send(&mut m, ch('q'));
    assert!(m.quit);
}

#[test]
fn a_pass_deleted_elsewhere_or_used_is_said() {
    let (mut m, first) = issued();
    taps(&mut m, first, Ok(vec![]), 1);
    assert_eq!(m.pass_watch.as_ref().unwrap().state, WatchState::Gone);
    assert!(m.status.text.contains("no longer has this pass"), "{}", m.status.text);

    let (mut m, first) = issued();
    taps(&mut m, first, Ok(vec![tap("tap-1", "2026-11-30T09:00:01Z", "OneTimeUsed")]), 1);
    assert_eq!(m.pass_watch.as_ref().unwrap().state, WatchState::Used);
    assert_eq!(m.status.text, "Avery Quinn has signed in with the pass (Graph: OneTimeUsed).");
    assert!(checks(&tick(&mut m, 60)).is_empty(), "a used pass is not checked again");
}

#[test]
fn failed_checks_back_off_and_never_declare_the_pass_dead() {
    let (mut m, first) = issued();
    let throttled = || GraphError::Api {
        status: 429,
        code: "TooManyRequests".into(),
        message: "Too many requests".into(),
        request_id: None,
    };
    taps(&mut m, first, Err(throttled()), 0);
    let w = m.pass_watch.as_ref().unwrap();
    assert_eq!(w.state, WatchState::Confirming, "a failed check proves nothing");
    assert!(
        m.status.text.starts_with("Pass created for Avery Quinn, but Graph could not confirm it yet"),
        "{}",
        m.status.text
    );
    // Waits 30 s, 60 s, 120 s, 120 s after each failure.
    let mut t = 0;
    for wait in [30, 60, 120, 120] {
        assert!(checks(&tick(&mut m, t + wait - 1)).is_empty(), "not before {wait} s");
        let id = checks(&tick(&mut m, t + wait));
        assert_eq!(id.len(), 1, "a check {wait} s after the failure");
        t += wait;
        taps(&mut m, id[0], Err(GraphError::Transport("at 127.0.0.1: connection refused".into())), t);
    }
    // A good answer resets the wait to 15 s.
    let id = checks(&tick(&mut m, t + 120))[0];
    t += 120;
    taps(&mut m, id, Ok(vec![tap("tap-1", "2026-11-30T09:00:01Z", "EnabledByPolicy")]), t);
    assert_eq!(m.pass_watch.as_ref().unwrap().state, WatchState::Active);
    assert_eq!(m.pass_watch.as_ref().unwrap().failures, 0);
    assert_eq!(checks(&tick(&mut m, t + 15)).len(), 1);
}

#[test]
fn closing_the_popup_ends_the_watch() {
    let (mut m, first) = issued();
    taps(&mut m, first, Ok(vec![tap("tap-1", "2026-11-30T09:00:01Z", "EnabledByPolicy")]), 1);
    send(&mut m, key(KeyCode::Esc));
    assert!(checks(&tick(&mut m, 20)).is_empty());
    assert!(m.pass_watch.is_none());
    // A late answer to a check is dropped quietly.
    let before = m.status.text.clone();
    taps(&mut m, first, Ok(vec![]), 21);
    assert_eq!(m.status.text, before);
}

#[test]
fn the_recovery_summary_keeps_watching() {
    let mut m = avery_selected();
    send(&mut m, ch('F'));
    type_str(&mut m, "INC-100");
    send(&mut m, key(KeyCode::Tab));
    send(&mut m, key(KeyCode::Right));
    send(&mut m, key(KeyCode::Enter));
    send(&mut m, ch('s')); // keep the key
    send(&mut m, ch('s')); // no revoke
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    let cmds = send(
        &mut m,
        reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("rEc0v3r!")) }),
    );
    let first = checks(&cmds)[0];
    taps(&mut m, first, Ok(vec![tap("tap-1", "2026-11-30T09:00:01Z", "EnabledByPolicy")]), 1);
    send(&mut m, key(KeyCode::Esc)); // close the pass popup: the summary shows
    assert_eq!(m.recovery.as_ref().unwrap().step, tapdesk::app::recovery::Step::Summary);
    let id = checks(&tick(&mut m, 16));
    assert_eq!(id.len(), 1, "the summary keeps checking");
    taps(&mut m, id[0], Ok(vec![]), 17);
    assert_eq!(m.pass_watch.as_ref().unwrap().state, WatchState::Gone);
    // Closing the summary ends it.
    send(&mut m, key(KeyCode::Enter));
    assert!(m.recovery.is_none());
    assert!(checks(&tick(&mut m, 60)).is_empty());
}

#[test]
fn the_watch_alone_as_a_state_machine() {
    let t0 = now();
    let mut w = PassWatch::new("u".into(), "U".into(), "m-1".into(), t0);
    assert!(w.due(t0));
    w.sent(7);
    assert!(!w.due(t0));
    let e = GraphError::Timeout("30 s".into());
    assert!(!w.on_list(Err(&e), t0));
    assert_eq!(w.next_check, t0 + SignedDuration::from_secs(30));
    for _ in 0..10 {
        w.on_list(Err(&e), t0);
    }
    assert_eq!(w.next_check, t0 + MAX_BACKOFF, "capped");
    assert!(w.on_list(Ok(&[tap("m-1", "2026-11-30T09:00:00Z", "EnabledByPolicy")]), t0));
    assert_eq!(w.next_check, t0 + RECHECK);
    assert!(!w.dead());
    assert!(w.on_list(Ok(&[]), t0));
    assert!(w.dead() && !w.due(t0 + MAX_BACKOFF));
}
