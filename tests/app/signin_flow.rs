//! `update` for the in-TUI device-code sign-in: the code popup, its countdown, Esc (a cancel
//! command; late news of the cancelled attempt dropped), retry, success (settings applied, the
//! directory starts loading) and failures in words with their AADSTS code.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use tapdesk::app::signin::Phase;
use tapdesk::app::{Cmd, Msg, StatusKind, update};
use tapdesk::auth::device_code::PromptEvent;
use tapdesk::auth::signin::{FailureKind, SignInFailure};
use tapdesk::auth::worker::{SignInEvent, SignInRequest};
use tapdesk::clipboard::CopyOutcome;
use tapdesk::search::MatchRequest;
use tapdesk_graph::protocol::GraphRequest;

fn finished(attempt: u64, result: Result<tapdesk::auth::SignedIn, SignInFailure>) -> Msg {
    Msg::SignIn(SignInEvent::Finished { attempt, result: result.map(Box::new) })
}

fn phase(m: &tapdesk::app::Model) -> &Phase {
    &m.signin.as_ref().expect("signing in").phase
}

#[test]
fn sign_in_comes_first_and_the_code_is_shown_sanitised() {
    let (mut m, cmds) = signing_in();
    assert_eq!(cmds, vec![Cmd::SignIn(SignInRequest::Start { attempt: 1 })], "no Graph call before the sign-in");
    assert_eq!(*phase(&m), Phase::Starting);
    assert!(m.users_request.is_none());

    // STS strings are untrusted: an escape sequence in them never reaches the screen.
    let mut p = device_prompt("FQK5HW3UF");
    p.verification_uri = "https://microsoft.com/devicelogin\x1b]52;c;ZXZpbA==\x07".into();
    assert!(send(&mut m, prompt_event(1, PromptEvent::Show(p))).is_empty());
    let code = m.signin.as_ref().unwrap().code().expect("code shown").clone();
    assert_eq!(code.user_code, "FQK5HW3UF");
    assert!(!code.verification_uri.contains('\x1b') && !code.verification_uri.contains('\x07'));
    assert!(code.verification_uri.starts_with("https://microsoft.com/devicelogin"));
    assert_eq!(code.seconds_left(m.now), 900);

    // Keys go to the popup, not to the panes behind it.
    assert!(send(&mut m, ch('/')).is_empty());
    assert!(!m.editing);
}

#[test]
fn the_countdown_follows_the_tick_clock() {
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    let later = now().checked_add(jiff::SignedDuration::from_secs(61)).unwrap();
    assert!(update(&mut m, Msg::Tick, later).is_empty());
    let code = m.signin.as_ref().unwrap().code().unwrap();
    assert_eq!(code.seconds_left(m.now), 839);
    let past = now().checked_add(jiff::SignedDuration::from_secs(1000)).unwrap();
    update(&mut m, Msg::Tick, past);
    assert_eq!(m.signin.as_ref().unwrap().code().unwrap().seconds_left(m.now), 0);
}

#[test]
fn esc_cancels_late_news_is_dropped_and_r_starts_a_new_attempt() {
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    let cmds = send(&mut m, key(KeyCode::Esc));
    assert_eq!(cmds, vec![Cmd::SignIn(SignInRequest::Cancel { attempt: 1 })]);
    assert_eq!(*phase(&m), Phase::Cancelled);
    assert!(!m.quit);

    // What attempt 1 still says after Esc changes nothing.
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("LATE00000"))));
    send(&mut m, finished(1, Ok(dana_signed_in())));
    send(&mut m, prompt_event(1, PromptEvent::Failed("the sign-in was cancelled: press r to sign in again".into())));
    assert_eq!(*phase(&m), Phase::Cancelled);
    assert!(m.settings.identity.is_empty());
    // Esc again does nothing; r asks for a new code.
    assert!(send(&mut m, key(KeyCode::Esc)).is_empty());
    assert_eq!(send(&mut m, ch('r')), vec![Cmd::SignIn(SignInRequest::Start { attempt: 2 })]);
    assert_eq!(*phase(&m), Phase::Starting);
    // Attempt 1's code arriving now is stale too.
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("LATE00000"))));
    assert_eq!(*phase(&m), Phase::Starting);
    send(&mut m, prompt_event(2, PromptEvent::Show(device_prompt("NEW234567"))));
    assert_eq!(m.signin.as_ref().unwrap().code().unwrap().user_code, "NEW234567");
}

#[test]
fn success_applies_who_signed_in_and_loads_the_directory() {
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    assert!(send(&mut m, prompt_event(1, PromptEvent::SignedIn)).is_empty());
    assert_eq!(*phase(&m), Phase::Finishing);
    let cmds = update(&mut m, finished(1, Ok(dana_signed_in())), now());
    assert_eq!(*phase(&m), Phase::Done);
    assert!(m.signin.as_ref().unwrap().signed_in_once);
    assert_eq!(m.settings.identity, "dana.okafor@contoso.example @ contoso.example");
    assert_eq!(m.settings.tenant, "contoso.example");
    assert_eq!(m.settings.own_domains, ["contoso.example"]);
    assert_eq!(m.settings.app_only_operator, None);
    assert_eq!(m.settings.capabilities.create_tap, Ok(()));
    assert!(cmds.contains(&Cmd::Match(MatchRequest::OwnDomains(vec!["contoso.example".into()]))));
    let users = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    assert_eq!(m.users_request, Some(users));
    graph_id(&cmds, |r| matches!(r, GraphRequest::GetTapPolicy));
    graph_id(&cmds, |r| matches!(r, GraphRequest::GetMe));
    assert_eq!(m.status.text, "Signed in as dana.okafor@contoso.example @ contoso.example. Loading the directory…");
    // The keys reach the panes again.
    send(&mut m, ch('/'));
    assert!(m.editing);
}

#[test]
fn failures_are_shown_in_words_with_the_aadsts_code_and_r_retries() {
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    let body = br#"{"error":"invalid_grant","error_description":"AADSTS53003: Access has been blocked by Conditional Access policies.\r\nTrace ID: 1","error_codes":[53003]}"#;
    let text = format!("device code sign-in failed: {}", tapdesk::auth::sts::StsError::parse(400, body));
    send(&mut m, finished(1, Err(SignInFailure { text, kind: FailureKind::Other })));
    let Phase::Failed { text, kind } = phase(&m) else { panic!("failed expected: {:?}", phase(&m)) };
    assert_eq!(*kind, FailureKind::Other);
    assert!(text.contains("AADSTS53003: Access has been blocked by Conditional Access policies."), "{text}");
    assert!(text.contains("--auth azure-cli"), "the fix is named: {text}");
    assert!(!text.contains("Trace ID"));
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.contains("AADSTS53003"));
    assert!(send(&mut m, ch('c')).is_empty(), "no code to copy any more");
    assert_eq!(send(&mut m, ch('r')), vec![Cmd::SignIn(SignInRequest::Start { attempt: 2 })]);

    // An expired code: r offers a new one.
    send(&mut m, prompt_event(2, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    let expired = "device code sign-in failed: AADSTS70019: Verification code expired. The code expired before the \
                   sign-in finished.";
    send(&mut m, finished(2, Err(SignInFailure { text: expired.into(), kind: FailureKind::Expired })));
    assert!(matches!(phase(&m), Phase::Failed { kind: FailureKind::Expired, text } if text.contains("AADSTS70019")));
    assert_eq!(send(&mut m, ch('r')), vec![Cmd::SignIn(SignInRequest::Start { attempt: 3 })]);
}

#[test]
fn c_copies_the_code_and_q_quits_cancelling_the_sign_in() {
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    assert_eq!(send(&mut m, ch('c')), vec![Cmd::CopyUserCode]);
    send(&mut m, Msg::UserCodeCopied(CopyOutcome::Osc52 { fallback_reason: None }));
    assert_eq!(m.signin.as_ref().unwrap().copied.as_deref(), Some("Code sent to your terminal's clipboard (OSC 52)."));
    assert!(m.clipboard_clear_at.is_none(), "the code is not a pass: no clipboard clearing timer");
    let cmds = send(&mut m, ch('q'));
    assert_eq!(cmds, vec![Cmd::SignIn(SignInRequest::Cancel { attempt: 1 })]);
    assert!(m.quit);
}

#[test]
fn a_refused_refresh_token_shows_the_code_again_over_the_panes() {
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    send(&mut m, finished(1, Ok(dana_signed_in())));
    assert_eq!(*phase(&m), Phase::Done);

    // A Graph call needs the operator again: the credential's prompt comes through attempt 1's sink.
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("MID234567"))));
    assert_eq!(m.signin.as_ref().unwrap().code().unwrap().user_code, "MID234567");
    assert_eq!(m.status.text, "The sign-in session ended: sign in again to continue.");
    let cmds = send(&mut m, prompt_event(1, PromptEvent::SignedIn));
    assert!(cmds.is_empty(), "no second directory load");
    assert_eq!(*phase(&m), Phase::Done);
    assert_eq!(m.status.kind, StatusKind::Ok);

    // Cancelled mid-session, then signed in again by r: the directory is not loaded twice.
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("MID234567"))));
    assert_eq!(send(&mut m, key(KeyCode::Esc)), vec![Cmd::SignIn(SignInRequest::Cancel { attempt: 1 })]);
    assert_eq!(send(&mut m, ch('r')), vec![Cmd::SignIn(SignInRequest::Start { attempt: 2 })]);
    let cmds = send(&mut m, finished(2, Ok(dana_signed_in())));
    assert!(cmds.is_empty());
    assert_eq!(m.status.text, "Signed in again. Repeat the last action if it failed.");
}

#[test]
fn wrapped_rows_counts_word_wrapping() {
    use tapdesk::ui::signin::wrapped_rows;
    assert_eq!(wrapped_rows("", 10), 1);
    assert_eq!(wrapped_rows("aaaa bbbb", 9), 1);
    assert_eq!(wrapped_rows("aaaa bbbbb", 9), 2);
    // Word wrap needs more rows than the character count says.
    assert_eq!(wrapped_rows("aaaaaa bbbbbb cccccc", 10), 3);
    assert_eq!(wrapped_rows("abcdefghijklmnopqrstu", 10), 3);
}

#[test]
fn esc_while_asking_for_a_code_cancels_and_a_code_after_a_failure_is_shown() {
    let (mut m, _) = signing_in();
    assert_eq!(send(&mut m, key(KeyCode::Esc)), vec![Cmd::SignIn(SignInRequest::Cancel { attempt: 1 })]);
    assert_eq!(*phase(&m), Phase::Cancelled);
    assert_eq!(send(&mut m, ch('r')), vec![Cmd::SignIn(SignInRequest::Start { attempt: 2 })]);
    send(&mut m, prompt_event(2, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    send(&mut m, finished(2, Ok(dana_signed_in())));

    // Mid-session: a declined code fails; the next Graph call that needs the operator starts a
    // new code, which is shown rather than polled out of sight.
    send(&mut m, prompt_event(2, PromptEvent::Show(device_prompt("MID234567"))));
    send(&mut m, prompt_event(2, PromptEvent::Failed("AADSTS65004: User declined to consent.".into())));
    assert!(matches!(phase(&m), Phase::Failed { text, .. } if text.contains("AADSTS65004")));
    send(&mut m, prompt_event(2, PromptEvent::Show(device_prompt("NEXT23456"))));
    assert_eq!(m.signin.as_ref().unwrap().code().unwrap().user_code, "NEXT23456");
}

fn refused_401() -> tapdesk_graph::GraphError {
    tapdesk_graph::GraphError::Api {
        status: 401,
        code: "InvalidAuthenticationToken".into(),
        message: "Access token validation failure.".into(),
        request_id: None,
    }
}

/// The client already renewed the token once: a 401 that reaches `update` means the sign-in is
/// refused, so the sign-in popup comes back with the tokens forgotten (one attempt for several
/// 401s), and the next sign-in leaves the panes as they were.
#[test]
fn a_401_after_a_renewal_brings_the_sign_in_back() {
    use tapdesk_graph::protocol::GraphResponse;
    let (mut m, _) = signing_in();
    send(&mut m, prompt_event(1, PromptEvent::Show(device_prompt("FQK5HW3UF"))));
    send(&mut m, finished(1, Ok(dana_signed_in())));
    let cmds =
        send(&mut m, reply(40, GraphResponse::Methods { user_id: "u-avery".into(), result: Err(refused_401()) }));
    assert!(cmds.contains(&Cmd::SignIn(SignInRequest::SignInAgain { attempt: 2 })), "{cmds:?}");
    assert_eq!(*phase(&m), Phase::Starting);
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.starts_with("Graph refused the sign-in even with a new token"), "{}", m.status.text);
    assert!(m.status.text.contains("InvalidAuthenticationToken"), "{}", m.status.text);
    // A second 401 meanwhile starts nothing more.
    let cmds = send(&mut m, reply(41, GraphResponse::Me(Err(refused_401()))));
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::SignIn(_))), "{cmds:?}");
    send(&mut m, prompt_event(2, PromptEvent::Show(device_prompt("AGAIN2345"))));
    assert_eq!(m.signin.as_ref().unwrap().code().unwrap().user_code, "AGAIN2345");
    let cmds = send(&mut m, finished(2, Ok(dana_signed_in())));
    assert!(cmds.is_empty(), "no second directory load");
    assert_eq!(m.status.text, "Signed in again. Repeat the last action if it failed.");
}

/// Without an in-TUI sign-in (app-only, Azure CLI), the status line says what to do.
#[test]
fn a_401_without_the_in_tui_sign_in_says_what_to_do() {
    use tapdesk_graph::protocol::GraphResponse;
    let mut m = loaded_model();
    send(&mut m, reply(40, GraphResponse::Me(Err(refused_401()))));
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.starts_with("Graph refused tapdesk's token even after a new one"), "{}", m.status.text);
    assert!(m.status.text.contains("tapdesk doctor"), "{}", m.status.text);
}
