//! `update` as a plain function: the end-to-end flow of issue 2, the refusals, and stale answers.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use secrecy::ExposeSecret;
use tapdesk::app::{Cmd, Focus, Loadable, Popup, StatusKind};
use tapdesk::clipboard::CopyOutcome;
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};
use tapdesk_graph::types::TapCreateRequest;

#[test]
fn typing_narrows_the_list_and_ranks_avery_first() {
    let mut m = loaded_model();
    assert_eq!(m.results.len(), 6);
    send(&mut m, ch('/'));
    assert!(m.editing);
    let mut seen = Vec::new();
    for c in "avery".chars() {
        send(&mut m, ch(c));
        seen.push(m.results.len());
    }
    assert!(seen.windows(2).all(|w| w[1] <= w[0]), "narrows as keys are typed: {seen:?}");
    let first = m.highlighted_user().expect("a match");
    assert_eq!(first.display_name(), Some("Avery Quinn"));
    send(&mut m, key(KeyCode::Backspace));
    assert_eq!(m.query, "aver");
}

#[test]
fn full_flow_select_issue_copy_close() {
    let mut m = avery_selected();
    assert_eq!(m.focus, Focus::Methods);
    assert!(!m.editing, "Enter leaves the search box so t is not typed into it");
    let sel = m.selected.as_ref().expect("selected");
    assert_eq!(sel.user.id, "u-avery");
    let methods = sel.methods.ready().expect("methods ready");
    assert_eq!(methods.len(), 3);

    // t opens the form prefilled from the policy.
    assert!(send(&mut m, ch('t')).is_empty());
    assert_eq!(m.focus, Focus::TapForm);
    assert_eq!(m.form.lifetime, "60");
    assert!(!m.form.one_time);

    // Enter issues it with the policy's defaults.
    // Write-ahead: the request goes out only behind its audit `attempt` line.
    let cmds = send(&mut m, key(KeyCode::Enter));
    let [Cmd::Write { id, attempt, request }] = &cmds[..] else { panic!("one write-ahead command: {cmds:?}") };
    assert_eq!(*id, m.creating.as_ref().expect("creating").0);
    assert_eq!(
        *request,
        GraphRequest::CreateTap {
            user_id: "u-avery".into(),
            body: TapCreateRequest {
                start_date_time: None,
                lifetime_in_minutes: Some(60),
                is_usable_once: Some(false)
            }
        }
    );
    assert_eq!((attempt.phase.as_str(), attempt.result.as_str()), ("attempt", "pending"));
    assert_eq!(attempt.action_id, format!("session.{id}"));
    assert_eq!(attempt.action, "createTemporaryAccessPass");
    assert_eq!(attempt.target_upn, "avery.quinn@contoso.example");
    assert_eq!(attempt.parameters["lifetimeInMinutes"], 60);
    let create_id = m.creating.as_ref().expect("creating").0;
    // A second Enter while in flight sends nothing.
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());

    let cmds = send(
        &mut m,
        reply(create_id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("Xk7%pQ2!")) }),
    );
    let refresh = graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { user_id } if user_id == "u-avery"));
    let check = graph_id(&cmds, |r| matches!(r, GraphRequest::ListTaps { user_id } if user_id == "u-avery"));
    let popup = m.pass_popup().expect("pass popup");
    assert_eq!(popup.pass.expose_secret(), "Xk7%pQ2!");
    assert_eq!(popup.user_name, "Avery Quinn");
    // Not "issued" before Graph lists the new method id as the user's pass.
    assert!(m.status.text.contains("confirming with Graph"), "{}", m.status.text);
    assert!(m.creating.is_none());
    send(
        &mut m,
        reply(check, GraphResponse::Taps { user_id: "u-avery".into(), result: Ok(vec![created_tap("-").method]) }),
    );
    assert_eq!(m.status.kind, StatusKind::Ok);
    assert_eq!(m.status.text, "Temporary Access Pass issued for Avery Quinn (confirmed by Graph).");
    // Debug of the model never shows the pass.
    assert!(!format!("{m:?}").contains("Xk7%pQ2!"));

    // The refreshed list now holds one TAP.
    let mut with_tap = avery_methods();
    with_tap.push(tapdesk_graph::types::AuthMethod::from_value(serde_json::json!({
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
        "id": "tap-1", "temporaryAccessPass": null, "startDateTime": "2026-11-30T09:00:01Z",
        "lifetimeInMinutes": 60, "isUsableOnce": false, "isUsable": true, "methodUsabilityReason": "EnabledByPolicy"
    })));
    send(&mut m, reply(refresh, GraphResponse::Methods { user_id: "u-avery".into(), result: Ok(with_tap) }));
    let methods = m.selected.as_ref().and_then(|s| s.methods.ready()).expect("ready");
    assert_eq!(
        methods.iter().filter(|x| matches!(x, tapdesk_graph::types::AuthMethod::TemporaryAccessPass(_))).count(),
        1
    );
    assert!(m.pass_popup().is_some(), "the refresh does not close the popup");

    // c asks the loop to copy; the loop reports what happened, truthfully.
    assert_eq!(send(&mut m, ch('c')), vec![Cmd::CopyPass]);
    send(&mut m, tapdesk::app::Msg::Copied(CopyOutcome::Osc52 { fallback_reason: None }));
    assert!(m.status.text.contains("terminal's clipboard"), "{}", m.status.text);
    assert!(!m.status.text.contains("Copied"));
    assert!(m.pass_popup().and_then(|p| p.copied.clone()).is_some());

    // Esc closes the popup and forgets the pass.
    send(&mut m, key(KeyCode::Esc));
    assert!(matches!(m.popup, Popup::None));
    assert!(m.pass_popup().is_none());
}

#[test]
fn invalid_lifetime_is_refused_in_the_form_and_keeps_the_text() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Backspace));
    send(&mut m, key(KeyCode::Backspace));
    type_str(&mut m, "30m");
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty(), "nothing is sent");
    assert_eq!(m.form.lifetime, "30m");
    let err = m.form.error.clone().expect("error shown");
    assert!(err.contains("60 min (1h) to 480 min (8h)"), "{err}");
    assert_eq!(m.status.kind, StatusKind::Error);
    // Fix it: 2h is fine.
    for _ in 0..3 {
        send(&mut m, key(KeyCode::Backspace));
    }
    type_str(&mut m, "2h");
    let cmds = send(&mut m, key(KeyCode::Enter));
    assert!(
        matches!(&cmds[..], [Cmd::Write { request: GraphRequest::CreateTap { body, .. }, .. }] if body.lifetime_in_minutes == Some(120))
    );
}

#[test]
fn one_time_toggles_and_is_locked_by_a_one_time_policy() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    send(&mut m, ch('j'));
    send(&mut m, ch(' '));
    assert!(m.form.one_time);
    send(&mut m, ch(' '));
    assert!(!m.form.one_time);
    if let Loadable::Ready(p) = &mut m.policy {
        p.is_usable_once = true;
    }
    send(&mut m, ch(' '));
    assert!(m.form.one_time);
    assert!(m.form.error.as_deref().is_some_and(|e| e.contains("one-time")));
}

#[test]
fn graph_refusal_is_one_readable_line_and_the_app_goes_on() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    let err = GraphError::Api {
        status: 400,
        code: "badRequest".into(),
        message: "Invalid LifetimeInMinutes specified. The valid range between 60 and 480.".into(),
        request_id: Some("r-1".into()),
    };
    send(&mut m, reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Err(err) }));
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.contains("valid range between 60 and 480"), "{}", m.status.text);
    assert!(!m.status.text.contains('\n'));
    assert!(m.pass_popup().is_none());
    assert!(m.creating.is_none());
    assert_eq!(m.form.lifetime, "60", "the form is kept");
}

#[test]
fn uncertain_create_lists_the_passes_and_says_what_happened() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    let cmds = send(
        &mut m,
        reply(
            id,
            GraphResponse::TapCreated {
                user_id: "u-avery".into(),
                result: Err(GraphError::Uncertain("connection dropped".into())),
            },
        ),
    );
    let list = graph_id(&cmds, |r| matches!(r, GraphRequest::ListTaps { user_id } if user_id == "u-avery"));
    let tap: tapdesk_graph::types::TapMethod = serde_json::from_value(serde_json::json!({
        "id": "tap-9", "createdDateTime": "2026-11-30T09:00:00Z", "lifetimeInMinutes": 60
    }))
    .expect("tap");
    let cmds = send(&mut m, reply(list, GraphResponse::Taps { user_id: "u-avery".into(), result: Ok(vec![tap]) }));
    // Created at the time of the request and never seen before: this request made it.
    assert_eq!(
        m.status.text,
        "Graph created a pass for Avery Quinn at 09:00 UTC with this request, but its code never reached tapdesk: \
         that code is lost. Issue again (Enter) to replace it with a new code."
    );
    assert!(m.codes_lost_here.contains("tap-9"), "the Methods pane says this console made it");
    graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { .. }));
}

/// After an uncertain create, a pass that existed before the request (created hours earlier, or
/// one the Methods pane listed) is not reported as lost: issuing again would replace a working code.
#[test]
fn uncertain_create_with_an_older_pass_says_it_still_works() {
    for (tap_id, created) in [("tap-old", "2026-11-30T07:00:00Z"), ("tap-1", "2026-11-30T09:00:00Z")] {
        let mut m = avery_selected();
        if tap_id == "tap-1" {
            // This console issued tap-1 earlier (the same minute as the new request).
            m.issued_here.insert("tap-1".into());
        }
        send(&mut m, ch('t'));
        let cmds = send(&mut m, key(KeyCode::Enter));
        let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
        let cmds = send(
            &mut m,
            reply(
                id,
                GraphResponse::TapCreated {
                    user_id: "u-avery".into(),
                    result: Err(GraphError::Uncertain("HTTP 503".into())),
                },
            ),
        );
        let list = graph_id(&cmds, |r| matches!(r, GraphRequest::ListTaps { .. }));
        let tap: tapdesk_graph::types::TapMethod = serde_json::from_value(
            serde_json::json!({"id": tap_id, "createdDateTime": created, "lifetimeInMinutes": 60}),
        )
        .expect("tap");
        send(&mut m, reply(list, GraphResponse::Taps { user_id: "u-avery".into(), result: Ok(vec![tap]) }));
        let whose = if tap_id == "tap-1" { "issued by this console" } else { "issued elsewhere" };
        let when = if tap_id == "tap-1" { "09:00" } else { "07:00" };
        assert_eq!(
            m.status.text,
            format!(
                "No new pass was created. Avery Quinn's pass created at {when} UTC ({whose}) still works: issuing again \
                 would replace it. Issue again (Enter) only if Avery Quinn does not have that code."
            )
        );
        assert_eq!(m.form.error.as_deref(), Some(m.status.text.as_str()), "the form says it too");
    }
}

#[test]
fn stale_answers_are_dropped() {
    let mut m = loaded_model();
    send(&mut m, ch('/'));
    type_str(&mut m, "avery");
    let first = send(&mut m, key(KeyCode::Enter));
    let avery_req = graph_id(&first, |r| matches!(r, GraphRequest::ListMethods { .. }));
    // Operator moves on to Noor before Avery's methods arrive.
    send(&mut m, ch('/'));
    send(
        &mut m,
        tapdesk::app::Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    type_str(&mut m, "noor");
    let second = send(&mut m, key(KeyCode::Enter));
    let noor_req = graph_id(&second, |r| matches!(r, GraphRequest::ListMethods { user_id } if user_id == "u-noor"));
    send(&mut m, reply(avery_req, GraphResponse::Methods { user_id: "u-avery".into(), result: Ok(avery_methods()) }));
    let sel = m.selected.as_ref().expect("selected");
    assert_eq!(sel.user.id, "u-noor");
    assert_eq!(sel.methods, Loadable::Loading(noor_req), "Avery's late answer is not shown under Noor");
}

#[test]
fn a_created_pass_is_shown_even_if_the_operator_moved_on() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    send(&mut m, key(KeyCode::Esc));
    send(&mut m, ch('/'));
    type_str(&mut m, "noor");
    send(&mut m, key(KeyCode::Enter));
    send(
        &mut m,
        reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("abcd1234")) }),
    );
    assert_eq!(m.pass_popup().map(|p| p.user_name.as_str()), Some("Avery Quinn"));
}

#[test]
fn help_quit_and_ctrl_c() {
    let mut m = loaded_model();
    send(&mut m, ch('?'));
    assert!(matches!(m.popup, Popup::Help));
    send(&mut m, key(KeyCode::Esc));
    assert!(matches!(m.popup, Popup::None));
    send(&mut m, ch('q'));
    assert!(m.quit);

    let mut m = loaded_model();
    send(&mut m, ch('/'));
    send(&mut m, ch('q'));
    assert!(!m.quit, "q while typing a search is text");
    assert_eq!(m.query, "q");
    send(&mut m, ctrl('c'));
    assert!(m.quit, "Ctrl-C always quits");
}

#[test]
fn t_without_a_user_explains() {
    let mut m = loaded_model();
    assert!(send(&mut m, ch('t')).is_empty());
    assert_eq!(m.focus, Focus::Users);
    assert!(m.status.text.contains("Select a user"));
}

#[test]
fn directory_text_with_escape_sequences_is_neutralised_on_arrival() {
    let mut m = tapdesk::app::Model::new(jiff::tz::TimeZone::UTC, now());
    let cmds = tapdesk::app::init(&mut m);
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    let evil = user("u-evil", "Eve\u{1b}]52;c;aGk=\u{7}\u{1b}[2J", "eve@contoso.example");
    send(&mut m, reply(id, GraphResponse::UsersPage { result: Ok(vec![evil]), total: None, done: true }));
    let name = m.users[0].display_name().expect("name").to_owned();
    assert!(!name.chars().any(char::is_control), "{name:?}");
}

#[test]
fn a_failed_directory_load_is_reported_and_the_app_keeps_running() {
    let mut m = tapdesk::app::Model::new(jiff::tz::TimeZone::UTC, now());
    let cmds = tapdesk::app::init(&mut m);
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    let err = GraphError::Transport("connection refused".into());
    send(&mut m, reply(id, GraphResponse::UsersPage { result: Err(err), total: None, done: true }));
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.contains("connection refused"));
    assert!(!m.quit);
}
