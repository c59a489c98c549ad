//! `view` drawn into ratatui's `TestBackend` and compared with committed insta snapshots
//! (`tests/app/snapshots/`). The pass is masked in every snapshot by an insta filter.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tapdesk::app::Model;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};

const PASS: &str = "Xk7%pQ2!";

fn draw(model: &Model, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| tapdesk::ui::view(model, f)).expect("draw");
    t
}

/// Masks the pass (as shown, in groups of four) and its spelling in snapshots.
fn masked<F: FnOnce()>(f: F) {
    let grouped = regex_escape(&tapdesk::phonetic::group(PASS, 4));
    insta::with_settings!({filters => vec![
        (grouped.as_str(), "**** ****"),
        (r"Say    [^║]*", "Say    [spelling masked]"),
        (r"║ {7}[^║]*·[^║]*", "║       [spelling masked]"),
    ]}, { f() });
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_string() } else { format!("\\{c}") }).collect()
}

fn with_pass_popup() -> Model {
    let (mut m, cmds) = avery_pass_created(PASS);
    // Graph lists the new method id as Avery's pass: the popup says "issued".
    let check = graph_id(&cmds, |r| matches!(r, GraphRequest::ListTaps { .. }));
    let listed = vec![created_tap("unused").method];
    send(&mut m, reply(check, GraphResponse::Taps { user_id: "u-avery".into(), result: Ok(listed) }));
    m
}

/// The pass popup once Graph lists another pass for the user (a second console replaced it).
fn with_replaced_pass() -> Model {
    let (mut m, cmds) = avery_pass_created(PASS);
    let check = graph_id(&cmds, |r| matches!(r, GraphRequest::ListTaps { .. }));
    let other: tapdesk_graph::types::TapMethod = serde_json::from_value(serde_json::json!({
        "id": "tap-other", "createdDateTime": "2026-11-30T09:00:02Z", "startDateTime": "2026-11-30T09:00:02Z",
        "lifetimeInMinutes": 60, "isUsableOnce": false, "isUsable": true, "methodUsabilityReason": "EnabledByPolicy"
    }))
    .expect("tap");
    send(&mut m, reply(check, GraphResponse::Taps { user_id: "u-avery".into(), result: Ok(vec![other]) }));
    m
}

#[test]
fn start_screen_80x24() {
    let m = loaded_model();
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn search_avery_80x24() {
    let mut m = loaded_model();
    send(&mut m, ch('/'));
    type_str(&mut m, "avery");
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn avery_selected_tap_form_80x24() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn pass_popup_80x24_masked() {
    let m = with_pass_popup();
    let t = draw(&m, 80, 24);
    let text = t.backend().to_string();
    assert!(text.contains(&tapdesk::phonetic::group(PASS, 4)), "the popup shows the whole pass");
    assert!(text.contains("X capital x-ray · k kilo · 7 seven · % percent sign"), "{text}");
    assert!(text.contains("https://aka.ms/mysecurityinfo"));
    masked(|| insta::assert_snapshot!(t.backend()));
}

#[test]
fn pass_popup_asks_before_quitting_80x24_masked() {
    let mut m = with_pass_popup();
    send(&mut m, ch('q'));
    let t = draw(&m, 80, 24);
    assert!(t.backend().to_string().contains("Quit now? Graph never shows this pass again."));
    masked(|| insta::assert_snapshot!(t.backend()));
}

#[test]
fn pass_popup_confirmed_says_graph_holds_it() {
    let m = with_pass_popup();
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(text.contains("Temporary Access Pass issued"), "{text}");
    assert!(text.contains("✓ Graph holds this pass for Avery Quinn (checked 09:00 UTC)."), "{text}");
}

#[test]
fn pass_popup_while_confirming_does_not_say_issued() {
    let (m, _) = avery_pass_created(PASS);
    let text = draw(&m, 80, 24).backend().to_string();
    assert!(!text.contains("Temporary Access Pass issued"), "{text}");
    assert!(text.contains("created: confirming with Graph"), "{text}");
    assert!(text.contains("Checking with Graph that this is the active pass."), "{text}");
}

#[test]
fn pass_popup_replaced_elsewhere_80x24_masked() {
    let m = with_replaced_pass();
    let t = draw(&m, 80, 24);
    let text = t.backend().to_string();
    assert!(text.contains("Pass REPLACED: this code no longer works"), "{text}");
    assert!(text.contains("Another pass for Avery Quinn was issued at 09:00 UTC"), "{text}");
    assert!(text.contains("Do not read it out."), "{text}");
    masked(|| insta::assert_snapshot!(t.backend()));
}

#[test]
fn pass_popup_120x40_masked() {
    let m = with_pass_popup();
    let t = draw(&m, 120, 40);
    assert!(t.backend().to_string().contains(&tapdesk::phonetic::group(PASS, 4)));
    masked(|| insta::assert_snapshot!(t.backend()));
}

#[test]
fn pass_popup_narrow_50x24_wraps_with_markers() {
    let mut m = with_pass_popup();
    // A 48-character pass (the policy maximum) on a 50-column terminal.
    if let tapdesk::app::Popup::Pass(p) = &mut m.popup {
        p.pass = secrecy::SecretString::from("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL".to_owned());
    }
    let text = draw(&m, 50, 24).backend().to_string();
    assert!(text.contains("↵"), "{text}");
    let shown: String = text
        .lines()
        .skip_while(|l| !l.contains("Pass   "))
        .take(3)
        .flat_map(|l| l.split('║').nth(1).map(|x| x.replacen("Pass", "", 1)))
        .collect::<String>()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    assert!(shown.starts_with("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL"), "{shown}\n{text}");
}

#[test]
fn invalid_lifetime_message_80x24() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Backspace));
    send(&mut m, key(KeyCode::Backspace));
    type_str(&mut m, "9h");
    send(&mut m, key(KeyCode::Enter));
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn help_80x24() {
    let mut m = loaded_model();
    send(&mut m, ch('?'));
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn delete_confirmation_80x24() {
    let mut m = avery_selected();
    send(&mut m, ch('j'));
    send(&mut m, ch('j'));
    send(&mut m, ch('d'));
    type_str(&mut m, "INC-7");
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn form_with_start_ticket_and_verification_120x40() {
    let mut m = avery_selected();
    m.tz = jiff::tz::TimeZone::get("America/Chicago").expect("tz");
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Up));
    type_str(&mut m, "2026-12-07 09:00");
    for _ in 0..3 {
        send(&mut m, key(KeyCode::Down));
    }
    type_str(&mut m, "INC-7");
    send(&mut m, key(KeyCode::Down));
    send(&mut m, key(KeyCode::Right));
    insta::assert_snapshot!(draw(&m, 120, 40).backend());
}

#[test]
fn policy_pane_read_only_80x24() {
    let mut m = loaded_model();
    send(&mut m, ch('P'));
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn recovery_flow_pick_key_80x24() {
    let mut m = avery_selected();
    send(&mut m, ch('F'));
    type_str(&mut m, "INC-1");
    send(&mut m, key(KeyCode::Enter));
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn preflight_blocks_and_form_says_why_80x24() {
    let mut m = avery_selected();
    // Avery without TAP-Users: the policy would not let her sign in with a pass.
    if let Some(sel) = &mut m.selected
        && let tapdesk::app::Loadable::Ready(card) = &mut sel.card
    {
        card.member_of.clear();
    }
    send(&mut m, ch('t'));
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

fn with_code() -> Model {
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, tapdesk::auth::device_code::PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    // One tick later: the countdown has moved.
    let later = now().checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
    tapdesk::app::update(&mut m, tapdesk::app::Msg::Tick, later);
    m
}

#[test]
fn sign_in_code_80x24() {
    insta::assert_snapshot!(draw(&with_code(), 80, 24).backend());
}

#[test]
fn sign_in_code_120x40() {
    insta::assert_snapshot!(draw(&with_code(), 120, 40).backend());
}

#[test]
fn sign_in_failed_conditional_access_80x24() {
    let (mut m, _) = signing_in();
    let body = br#"{"error":"invalid_grant","error_description":"AADSTS53003: Access has been blocked by Conditional Access policies.","error_codes":[53003]}"#;
    let text = format!("device code sign-in failed: {}", tapdesk::auth::sts::StsError::parse(400, body));
    let failure = tapdesk::auth::signin::SignInFailure { text, kind: tapdesk::auth::signin::FailureKind::Other };
    send(
        &mut m,
        tapdesk::app::Msg::SignIn(tapdesk::auth::worker::SignInEvent::Finished { attempt: 1, result: Err(failure) }),
    );
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn sign_in_again_mid_session_over_the_panes_80x24() {
    let mut m = loaded_model();
    let mut s = tapdesk::app::signin::SignIn::new("contoso.example", "tapdesk", "tapdesk-device");
    s.attempt = 1;
    s.signed_in_once = true;
    m.signin = Some(s);
    send(&mut m, prompt_event(1, tapdesk::auth::device_code::PromptEvent::Show(device_prompt("MID234567"))));
    insta::assert_snapshot!(draw(&m, 80, 24).backend());
}

#[test]
fn sign_in_unreachable_keeps_the_keys_on_screen_80x24() {
    let (mut m, _) = signing_in();
    let text = "device code sign-in failed: cannot reach the sign-in service (error sending request: client error \
                (Connect): tcp connect error: Connection refused (os error 111))";
    let failure =
        tapdesk::auth::signin::SignInFailure { text: text.into(), kind: tapdesk::auth::signin::FailureKind::Other };
    send(
        &mut m,
        tapdesk::app::Msg::SignIn(tapdesk::auth::worker::SignInEvent::Finished { attempt: 1, result: Err(failure) }),
    );
    let t = draw(&m, 80, 24);
    let screen: String = t.backend().buffer().content().iter().map(|c| c.symbol()).collect();
    assert!(screen.contains("r sign in again (new code)   q quit"), "the keys line fits");
    insta::assert_snapshot!(t.backend());
}
