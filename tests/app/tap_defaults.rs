//! The `[tap]` settings prefill the TAP form through `update`: configured values win, the tenant
//! policy's defaults fill what is not configured, and a configured value the policy does not allow
//! is kept (never clamped), noted next to its field and refused on submit.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use jiff::tz::TimeZone;
use tapdesk::app::tap_form::Field;
use tapdesk::app::{Cmd, Model, init};
use tapdesk::config::TapDefaults;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};
use tapdesk_graph::types::{TapCreateRequest, TapPolicy};

/// `avery_selected`, but with `defaults` in the settings from the start (as `main` sets them).
fn avery_with(defaults: TapDefaults) -> Model {
    let mut m = loaded_model();
    m.settings.tap_defaults = defaults;
    select_avery(&mut m);
    m
}

fn select_avery(m: &mut Model) {
    send(m, ch('/'));
    type_str(m, "avery");
    let cmds = send(m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { user_id } if user_id == "u-avery"));
    let card = graph_id(&cmds, |r| matches!(r, GraphRequest::GetUserCard { user_id } if user_id == "u-avery"));
    send(m, reply(id, GraphResponse::Methods { user_id: "u-avery".into(), result: Ok(avery_methods()) }));
    send(m, reply(card, GraphResponse::UserCard { user_id: "u-avery".into(), result: Ok(Box::new(avery_card())) }));
}

fn create_body(cmds: &[Cmd]) -> TapCreateRequest {
    match cmds {
        [Cmd::Write { request: GraphRequest::CreateTap { body, .. }, .. }] => body.clone(),
        other => panic!("expected one CreateTap, got {other:?}"),
    }
}

#[test]
fn configured_lifetime_and_one_time_prefill_the_form_and_are_sent() {
    let mut m = avery_with(TapDefaults { lifetime_minutes: Some(240), one_time: Some(true) });
    send(&mut m, ch('t'));
    assert_eq!(m.form.lifetime, "240");
    assert!(m.form.one_time);
    assert_eq!(m.form.lifetime_note(m.policy.ready()), None, "4h is inside the policy's 1h–8h");
    let body = create_body(&send(&mut m, key(KeyCode::Enter)));
    assert_eq!(body.lifetime_in_minutes, Some(240));
    assert_eq!(body.is_usable_once, Some(true));
}

#[test]
fn unset_parts_fall_back_to_the_policy_defaults() {
    // Nothing configured: the policy's 60 minutes, multi-use.
    let mut m = avery_with(TapDefaults::default());
    send(&mut m, ch('t'));
    assert_eq!((m.form.lifetime.as_str(), m.form.one_time), ("60", false));

    // Only one_time configured: the lifetime is still the policy's.
    let mut m = avery_with(TapDefaults { lifetime_minutes: None, one_time: Some(true) });
    send(&mut m, ch('t'));
    assert_eq!((m.form.lifetime.as_str(), m.form.one_time), ("60", true));

    // Another policy default shows through too.
    let mut m = Model::new(TimeZone::UTC, now());
    m.settings.tap_defaults = TapDefaults { lifetime_minutes: Some(90), one_time: None };
    let p = TapPolicy { default_lifetime_in_minutes: 120, is_usable_once: true, ..policy() };
    load_with_policy(&mut m, p);
    select_avery(&mut m);
    assert_eq!((m.form.lifetime.as_str(), m.form.one_time), ("90", true));
}

/// `loaded_model` with another policy (directory, the policy and /me answered).
fn load_with_policy(m: &mut Model, p: TapPolicy) {
    let cmds = init(m);
    let cmds = play(m, cmds);
    let users = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    let pol = graph_id(&cmds, |r| matches!(r, GraphRequest::GetTapPolicy));
    send(m, reply(users, GraphResponse::UsersPage { result: Ok(directory()), total: Some(6), done: true }));
    send(m, reply(pol, GraphResponse::TapPolicy(Ok(p))));
}

#[test]
fn the_policy_arriving_after_selection_keeps_the_configured_values() {
    let mut m = Model::new(TimeZone::UTC, now());
    m.settings.tap_defaults = TapDefaults { lifetime_minutes: Some(720), one_time: Some(false) };
    let cmds = init(&mut m);
    let cmds = play(&mut m, cmds);
    let users = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    let pol = graph_id(&cmds, |r| matches!(r, GraphRequest::GetTapPolicy));
    send(&mut m, reply(users, GraphResponse::UsersPage { result: Ok(directory()), total: Some(6), done: true }));
    select_avery(&mut m);
    // Before the policy: the configured values, and nothing to say about them yet.
    assert_eq!((m.form.lifetime.as_str(), m.form.one_time), ("720", false));
    assert_eq!(m.form.lifetime_note(m.policy.ready()), None);
    send(&mut m, reply(pol, GraphResponse::TapPolicy(Ok(policy()))));
    assert_eq!(m.form.lifetime, "720", "not clamped to the policy's 8h");
    let note = m.form.lifetime_note(m.policy.ready()).expect("a note once the policy is known");
    assert!(note.contains("outside the policy's 1h–8h"), "{note}");
}

#[test]
fn a_configured_lifetime_outside_the_policy_is_noted_and_refused_not_clamped() {
    let mut m = avery_with(TapDefaults { lifetime_minutes: Some(720), one_time: None });
    send(&mut m, ch('t'));
    assert_eq!(m.form.lifetime, "720");
    assert_eq!(
        m.form.lifetime_note(m.policy.ready()).as_deref(),
        Some("tap.lifetime_minutes 12h is outside the policy's 1h–8h")
    );
    // Drawn next to the field.
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
    t.draw(|f| tapdesk::ui::view(&m, f)).expect("draw");
    let screen = t.backend().to_string();
    let row = screen.lines().find(|l| l.contains("Lifetime") && l.contains("720")).expect("lifetime row");
    assert!(row.contains("tap.lifetime_minutes 12h is outside the policy's 1h–8h"), "{screen}");
    // Enter refuses it on the Lifetime field; nothing is sent.
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
    assert_eq!(m.form.error_field, Some(Field::Lifetime));
    assert!(m.form.error.as_deref().is_some_and(|e| e.contains("outside the tenant's policy")), "{:?}", m.form.error);
    // Typing a lifetime the policy allows clears the note and issues.
    for _ in 0..3 {
        send(&mut m, key(KeyCode::Backspace));
    }
    type_str(&mut m, "8h");
    assert_eq!(m.form.lifetime_note(m.policy.ready()), None);
    assert_eq!(create_body(&send(&mut m, key(KeyCode::Enter))).lifetime_in_minutes, Some(480));
}

#[test]
fn configured_multi_use_under_a_one_time_policy_is_noted() {
    let mut m = Model::new(TimeZone::UTC, now());
    m.settings.tap_defaults = TapDefaults { lifetime_minutes: None, one_time: Some(false) };
    load_with_policy(&mut m, TapPolicy { is_usable_once: true, ..policy() });
    select_avery(&mut m);
    assert!(!m.form.one_time, "kept as configured");
    let note = m.form.one_time_note(m.policy.ready()).expect("note");
    assert!(note.contains("one-time passes only"), "{note}");
}
