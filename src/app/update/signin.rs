//! The in-TUI device-code sign-in: the worker's events and the keys of the sign-in popup.
//!
//! Esc while a code is asked for or shown cancels (`Cmd::SignIn(Cancel)`: the worker stops the
//! poll); `r` after a cancel or a failure starts a new attempt (a new code); `c` copies the code;
//! `q` quits. Events of another attempt, and a code arriving after Esc, are dropped. The first
//! success applies who signed in to the settings and starts loading the directory ([`init`]); a
//! later one (the refresh token was refused mid-session) only says so.

use crossterm::event::{KeyCode, KeyEvent};

use super::super::signin::{CodePrompt, Phase, SignIn};
use super::super::{Cmd, Model, StatusKind};
use super::{init, quit};
use crate::auth::events::FailureKind;
use crate::auth::events::{DeviceCodeError, PromptEvent};
use crate::auth::events::{SignInEvent, SignInRequest};
use crate::clipboard::outcome::CopyOutcome;
use crate::sanitize;
use crate::search::protocol::MatchRequest;

/// Starts the first sign-in attempt for `signin` (tenant, app): the popup shows "asking for a
/// code" and the worker is told to start. The directory loads once it succeeds.
pub fn start_sign_in(model: &mut Model, signin: SignIn) -> Vec<Cmd> {
    model.signin = Some(signin);
    model.set_status(StatusKind::Info, "Signing in…");
    new_attempt(model)
}

fn new_attempt(model: &mut Model) -> Vec<Cmd> {
    let Some(s) = &mut model.signin else { return Vec::new() };
    s.attempt += 1;
    s.phase = Phase::Starting;
    s.copied = None;
    vec![Cmd::SignIn(SignInRequest::Start { attempt: s.attempt })]
}

/// Graph refused the token even after the client got a new one (`401`): the sign-in is what
/// failed (revoked session, disabled account or app). With the in-TUI device-code sign-in the
/// popup comes back (tokens forgotten, a new code); otherwise the status line says what to do.
/// Several 401s in a row start one sign-in.
pub(crate) fn token_refused(model: &mut Model, e: &tapdesk_graph::GraphError) -> Vec<Cmd> {
    let why = crate::sanitize::clean(&e.to_string()).into_owned();
    if model.signin.is_none() {
        model.set_status(
            StatusKind::Error,
            format!(
                "Graph refused tapdesk's token even after a new one ({why}). Check the sign-in with `tapdesk doctor`, \
                 then start tapdesk again."
            ),
        );
        return Vec::new();
    }
    sign_in_again(
        model,
        &format!("Graph refused the sign-in even with a new token ({why}): sign in again, then repeat the action."),
    )
}

/// Graph refused to delete a method of the operator's own account without a fresh MFA sign-in:
/// with the in-TUI device-code sign-in, the popup comes back at once (tokens forgotten, a new
/// code) so the operator can sign in with MFA and delete again. Otherwise nothing more (the
/// status line already says to sign in again).
pub(crate) fn sign_in_for_mfa(model: &mut Model) -> Vec<Cmd> {
    sign_in_again(
        model,
        "Entra wants a fresh MFA sign-in to change your own methods: sign in with MFA below, then delete again.",
    )
}

/// Brings the sign-in popup back for a new sign-in with the tokens forgotten
/// ([`SignInRequest::SignInAgain`]) and puts `why` on the status line; nothing when there is no
/// in-TUI sign-in, it never succeeded, or its popup is already up.
fn sign_in_again(model: &mut Model, why: &str) -> Vec<Cmd> {
    let Some(s) = model.signin.as_mut().filter(|s| s.signed_in_once && !s.active()) else { return Vec::new() };
    s.attempt += 1;
    s.phase = Phase::Starting;
    s.copied = None;
    let attempt = s.attempt;
    model.set_status(StatusKind::Error, why);
    vec![Cmd::SignIn(SignInRequest::SignInAgain { attempt })]
}

/// The sign-in popup is up and takes the keys.
pub(super) fn has_keys(model: &Model) -> bool {
    model.signin.as_ref().is_some_and(SignIn::active)
}

pub(super) fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let Some(s) = &mut model.signin else { return Vec::new() };
    let attempt = s.attempt;
    let running = matches!(s.phase, Phase::Starting | Phase::Code(_) | Phase::Finishing);
    match key.code {
        KeyCode::Esc if running => {
            s.phase = Phase::Cancelled;
            s.copied = None;
            model.set_status(StatusKind::Info, "Sign-in cancelled.");
            vec![Cmd::SignIn(SignInRequest::Cancel { attempt })]
        }
        KeyCode::Char('c') if s.code().is_some() => vec![Cmd::CopyUserCode],
        KeyCode::Char('r') if matches!(s.phase, Phase::Cancelled | Phase::Failed { .. }) => new_attempt(model),
        KeyCode::Char('q') => {
            let mut cmds = if running { vec![Cmd::SignIn(SignInRequest::Cancel { attempt })] } else { Vec::new() };
            cmds.extend(quit(model));
            cmds
        }
        _ => Vec::new(),
    }
}

pub(super) fn on_event(model: &mut Model, event: SignInEvent) -> Vec<Cmd> {
    let Some(s) = &mut model.signin else { return Vec::new() };
    match event {
        SignInEvent::Prompt { attempt, event } if attempt == s.attempt => match event {
            PromptEvent::Show(p) => {
                // After Esc the operator decides what comes next: a late code is dropped (the
                // credential refuses new sign-ins until `r`). After a failure a new code can only
                // come from a Graph call that needs the operator again: it is shown, never left
                // polling out of sight.
                if s.phase == Phase::Cancelled {
                    return Vec::new();
                }
                let mid_session = s.phase == Phase::Done;
                s.phase = Phase::Code(CodePrompt::from_prompt(&p));
                s.copied = None;
                if mid_session {
                    model.set_status(StatusKind::Info, "The sign-in session ended: sign in again to continue.");
                }
                Vec::new()
            }
            PromptEvent::SignedIn => {
                if s.code().is_some() {
                    // A mid-session sign-in has no task of its own: this is its end.
                    s.phase = if s.signed_in_once { Phase::Done } else { Phase::Finishing };
                    if s.signed_in_once {
                        model.set_status(StatusKind::Ok, "Signed in again. Repeat the last action if it failed.");
                    }
                }
                Vec::new()
            }
            PromptEvent::Failed(text) => {
                if s.code().is_some() {
                    let kind = if text == DeviceCodeError::Expired.to_string() {
                        FailureKind::Expired
                    } else {
                        FailureKind::Other
                    };
                    fail(model, &text, kind);
                }
                Vec::new()
            }
        },
        SignInEvent::Prompt { .. } => Vec::new(),
        SignInEvent::Finished { attempt, result } => {
            if attempt != s.attempt || s.phase == Phase::Cancelled {
                return Vec::new();
            }
            match result {
                Ok(signed) => {
                    s.phase = Phase::Done;
                    s.copied = None;
                    let first = !s.signed_in_once;
                    s.signed_in_once = true;
                    model.settings.apply_sign_in(&signed);
                    if !first {
                        model.set_status(StatusKind::Ok, "Signed in again. Repeat the last action if it failed.");
                        return Vec::new();
                    }
                    let mut cmds = vec![Cmd::Match(MatchRequest::OwnDomains(model.settings.own_domains.clone()))];
                    cmds.extend(init(model));
                    model.set_status(
                        StatusKind::Info,
                        format!("Signed in as {}. Loading the directory…", model.settings.identity),
                    );
                    cmds
                }
                Err(f) if f.kind == FailureKind::Cancelled => {
                    s.phase = Phase::Cancelled;
                    Vec::new()
                }
                Err(f) => {
                    fail(model, &f.text, f.kind);
                    Vec::new()
                }
            }
        }
    }
}

/// Longest failure text kept (an STS description and its fix fit well within).
const FAILURE_MAX: usize = 1000;

fn fail(model: &mut Model, text: &str, kind: FailureKind) {
    // The popup already says the sign-in failed.
    let text = text.strip_prefix("device code sign-in failed: ").unwrap_or(text);
    let text = sanitize::clean_to(text, FAILURE_MAX).into_owned();
    if let Some(s) = &mut model.signin {
        s.phase = Phase::Failed { text: text.clone(), kind };
        s.copied = None;
    }
    model.set_status(StatusKind::Error, format!("Sign-in failed: {text}"));
}

pub(super) fn on_code_copied(model: &mut Model, outcome: CopyOutcome) -> Vec<Cmd> {
    let text = match &outcome {
        CopyOutcome::Native => "Code copied to the desktop clipboard.".to_owned(),
        CopyOutcome::Osc52 { .. } => "Code sent to your terminal's clipboard (OSC 52).".to_owned(),
        CopyOutcome::Tmux { buffer } => format!("Code in tmux buffer {buffer} and sent to your terminal's clipboard."),
        CopyOutcome::Failed(e) => format!("Could not copy the code ({e}): type it from the screen."),
    };
    if let Some(s) = &mut model.signin {
        s.copied = Some(sanitize::clean(&text).into_owned());
    }
    Vec::new()
}
