//! The watch on the selected user's methods, as `update` sees it with time passed in: a list every
//! 15 s while the user is selected, what changed said in the card (a method registered, a pass
//! used, a key signing in, a method gone), the offer to delete the remaining pass once a new
//! method is registered, backoff after failures, a pause 15 min after the last key, and the end
//! when another user is selected.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use jiff::{SignedDuration, Timestamp};
use tapdesk::app::{Cmd, Model, Msg, PendingAction, Popup, update};
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse, RequestId};
use tapdesk_graph::types::AuthMethod;

fn at(secs: i64) -> Timestamp {
    now() + SignedDuration::from_secs(secs)
}

/// A tick at `now() + secs`; the id of the methods list it sends, if any.
fn tick(m: &mut Model, secs: i64) -> Option<RequestId> {
    let cmds = update(m, Msg::Tick, at(secs));
    let cmds = play(m, cmds);
    cmds.iter().find_map(|c| match c {
        Cmd::Graph(id, GraphRequest::ListMethods { user_id }) if user_id == "u-avery" => Some(*id),
        _ => None,
    })
}

fn answer(m: &mut Model, id: RequestId, secs: i64, result: Result<Vec<AuthMethod>, GraphError>) {
    let cmds = update(m, reply(id, GraphResponse::Methods { user_id: "u-avery".into(), result }), at(secs));
    assert!(play(m, cmds).is_empty());
}

fn method(v: serde_json::Value) -> AuthMethod {
    serde_json::from_value(v).unwrap()
}

fn new_key() -> AuthMethod {
    method(serde_json::json!({
        "@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "key-5c",
        "displayName": "YubiKey 5C", "model": "YubiKey 5C NFC", "createdDateTime": "2026-11-30T09:00:14Z"
    }))
}

fn tap(reason: &str) -> AuthMethod {
    method(serde_json::json!({
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod", "id": "tap-1",
        "createdDateTime": "2026-11-30T08:50:00Z", "startDateTime": "2026-11-30T08:50:00Z",
        "lifetimeInMinutes": 60, "isUsableOnce": true, "isUsable": reason == "EnabledByPolicy",
        "methodUsabilityReason": reason
    }))
}

fn screen(m: &Model) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    t.draw(|f| tapdesk::ui::view(m, f)).unwrap();
    t.backend().to_string()
}

fn with(extra: Vec<AuthMethod>) -> Vec<AuthMethod> {
    let mut v = avery_methods();
    v.extend(extra);
    v
}

#[test]
fn a_new_key_is_said_in_the_card_within_one_check() {
    let mut m = avery_selected();
    assert_eq!(tick(&mut m, 10), None, "not before 15 s");
    let id = tick(&mut m, 15).expect("a list at 15 s");
    assert_eq!(tick(&mut m, 16), None, "one list in flight at a time");
    answer(&mut m, id, 16, Ok(with(vec![new_key()])));
    assert_eq!(m.status.text, "FIDO2 security key 'YubiKey 5C' registered 09:00 UTC");
    let s = screen(&m);
    assert!(s.contains("● FIDO2 security key 'YubiKey 5C' registered 09:00 UTC"), "{s}");
    assert!(s.contains("YubiKey 5C"), "the pane lists the new key: {s}");
    assert!(!s.contains("deletes the remaining pass"), "no pass to offer to delete: {s}");
    // The next check 15 s after the answer, and nothing new then.
    assert_eq!(tick(&mut m, 30), None);
    let id = tick(&mut m, 31).expect("the next list");
    answer(&mut m, id, 31, Ok(with(vec![new_key()])));
    assert_eq!(m.methods_watch.as_ref().unwrap().news.len(), 1);
}

#[test]
fn once_a_method_is_registered_x_offers_to_delete_the_remaining_pass() {
    let mut m = avery_selected_with(with(vec![tap("EnabledByPolicy")]));
    let id = tick(&mut m, 15).unwrap();
    answer(&mut m, id, 15, Ok(with(vec![tap("EnabledByPolicy"), new_key()])));
    assert_eq!(m.status.text, "FIDO2 security key 'YubiKey 5C' registered 09:00 UTC · X deletes the pass");
    assert!(screen(&m).contains("· X deletes the pass"));
    assert!(send(&mut m, ch('X')).is_empty(), "nothing is sent before the confirmation");
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation") };
    assert!(
        c.question.starts_with("Delete Temporary Access Pass created 2026-11-30 from Avery Quinn?"),
        "{}",
        c.question
    );
    assert!(matches!(&c.action, PendingAction::DeleteMethod { segment, method_id, .. }
        if segment == "temporaryAccessPassMethods" && method_id == "tap-1"));
}

#[test]
fn a_used_pass_a_key_signing_in_and_a_method_gone_are_said() {
    let mut m = avery_selected_with(with(vec![tap("EnabledByPolicy")]));
    let id = tick(&mut m, 15).unwrap();
    answer(&mut m, id, 15, Ok(with(vec![tap("OneTimeUsed")])));
    assert_eq!(m.status.text, "The pass was used to sign in (seen 09:00 UTC)");

    let mut methods = with(vec![tap("OneTimeUsed")]);
    if let AuthMethod::Fido2(f) = &mut methods[2] {
        f.base.last_used_date_time = Some(at(20));
    }
    let id = tick(&mut m, 30).unwrap();
    answer(&mut m, id, 30, Ok(methods.clone()));
    assert_eq!(m.status.text, "FIDO2 security key 'YubiKey 5 NFC' signed in 09:00 UTC");

    methods.pop();
    let id = tick(&mut m, 45).unwrap();
    answer(&mut m, id, 45, Ok(methods));
    assert_eq!(m.status.text, "The pass is no longer listed (seen 09:00 UTC)");
}

#[test]
fn failures_back_off_and_the_pane_keeps_the_last_list() {
    let mut m = avery_selected();
    let id = tick(&mut m, 15).unwrap();
    answer(&mut m, id, 15, Err(GraphError::Transport("connection reset".into())));
    assert_eq!(m.selected.as_ref().unwrap().methods.ready().map(Vec::len), Some(3));
    assert_eq!(tick(&mut m, 44), None, "30 s after one failure");
    let id = tick(&mut m, 45).unwrap();
    answer(&mut m, id, 45, Err(GraphError::Transport("connection reset".into())));
    assert_eq!(tick(&mut m, 104), None, "60 s after two");
    assert!(tick(&mut m, 105).is_some());
}

#[test]
fn the_watch_pauses_after_15_min_without_a_key_and_ends_with_another_user() {
    let mut m = avery_selected();
    // No key since the selection (at now()): the checks stop at 15 min.
    let mut t = 15;
    while t < 15 * 60 {
        if let Some(id) = tick(&mut m, t) {
            answer(&mut m, id, t, Ok(avery_methods()));
        }
        t += 15;
    }
    assert_eq!(tick(&mut m, 15 * 60 + 15), None, "paused");
    assert!(screen(&m).contains("Watch paused (no key for 15 min): any key resumes it."));
    // A key resumes it at once.
    update(&mut m, key(crossterm::event::KeyCode::Down), at(20 * 60));
    assert!(tick(&mut m, 20 * 60 + 1).is_some());

    // Another user selected: no more lists for Avery.
    let mut m = avery_selected();
    send(&mut m, key(crossterm::event::KeyCode::Esc));
    send(&mut m, ch('/'));
    send(&mut m, ctrl('u'));
    type_str(&mut m, "noor");
    send(&mut m, key(crossterm::event::KeyCode::Enter));
    assert_eq!(m.selected.as_ref().unwrap().user.id, "u-noor");
    assert_eq!(tick(&mut m, 15), None);
    assert_eq!(m.methods_watch, None, "the watch on Avery ended");
}

#[test]
fn a_pass_from_elsewhere_is_said_once_and_one_of_ours_is_not_news() {
    let other = || {
        method(serde_json::json!({
            "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod", "id": "tap-2",
            "createdDateTime": "2026-11-30T08:58:00Z", "startDateTime": "2026-11-30T08:58:00Z",
            "lifetimeInMinutes": 60, "isUsableOnce": true, "isUsable": true,
            "methodUsabilityReason": "EnabledByPolicy"
        }))
    };
    let mut m = avery_selected_with(with(vec![tap("EnabledByPolicy")]));
    let id = tick(&mut m, 15).unwrap();
    answer(&mut m, id, 15, Ok(with(vec![other()])));
    assert_eq!(m.status.text, "Another pass replaced the earlier one (issued elsewhere at 08:58 UTC)");
    assert_eq!(m.methods_watch.as_ref().unwrap().news.len(), 1, "said once, not also as 'no longer listed'");

    // A pass this console issued arriving in a watch list is not news.
    let mut m = avery_selected();
    m.issued_here.insert("tap-2".into());
    let id = tick(&mut m, 15).unwrap();
    answer(&mut m, id, 15, Ok(with(vec![other()])));
    assert!(m.methods_watch.as_ref().unwrap().news.is_empty());
}
