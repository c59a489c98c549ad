//! The sign-in worker: runs the device-code sign-in in the background so the TUI starts at once
//! and never awaits it. The render loop sends [`SignInRequest`]s (from `Cmd::SignIn`) and gets
//! [`SignInEvent`]s back (as `Msg::SignIn`).
//!
//! - [`SignInRequest::Start`] allows sign-ins on the credential again, points its prompt at this
//!   worker (a [`PromptSink::Callback`] tagged with the attempt number), and spawns one task that
//!   asks for the first token ([`Session::sign_in_classified`]); it answers
//!   [`SignInEvent::Finished`].
//! - While it polls, the credential's [`PromptEvent`]s (the code to show, then signed in or
//!   failed) arrive as [`SignInEvent::Prompt`] with the same attempt number. A prompt started
//!   later by a Graph call (refresh token refused mid-session) arrives the same way, tagged with
//!   the attempt that signed in.
//! - [`SignInRequest::SignInAgain`] signs the credential out first (tokens and refresh token
//!   forgotten), then does the same: after Graph refused even a renewed token.
//! - [`SignInRequest::Cancel`] (Esc) calls [`DeviceCodeCredential::cancel_sign_in`], which ends
//!   the poll in progress, whoever started it, and aborts the attempt's task: nothing keeps
//!   polling the STS.
//!
//! [`DeviceCodeCredential::cancel_sign_in`]: super::device_code::DeviceCodeCredential::cancel_sign_in

use std::sync::Arc;

use tokio::sync::mpsc;

use super::device_code::PromptSink;
pub use super::events::{Attempt, PromptEvent, SignInEvent, SignInRequest};
use super::signin::Session;

/// Starts the worker for `session` (whose credential must be the device-code one to show a
/// prompt) on the current tokio runtime. It stops when the request sender is dropped, aborting
/// the attempt in progress.
pub fn spawn(session: Session) -> (mpsc::UnboundedSender<SignInRequest>, mpsc::UnboundedReceiver<SignInEvent>) {
    let (req_tx, mut req_rx) = mpsc::unbounded_channel::<SignInRequest>();
    let (ev_tx, ev_rx) = mpsc::unbounded_channel::<SignInEvent>();
    tokio::spawn(async move {
        let mut running: Option<(Attempt, tokio::task::JoinHandle<()>)> = None;
        while let Some(request) = req_rx.recv().await {
            match request {
                SignInRequest::Start { attempt } | SignInRequest::SignInAgain { attempt } => {
                    if let Some((_, task)) = running.take() {
                        task.abort();
                    }
                    if matches!(request, SignInRequest::SignInAgain { .. })
                        && let Some(dc) = &session.device_code
                    {
                        dc.sign_out().await;
                    }
                    if let Some(dc) = &session.device_code {
                        let tx = ev_tx.clone();
                        dc.set_prompt(PromptSink::Callback(Arc::new(move |event| {
                            let _ = tx.send(SignInEvent::Prompt { attempt, event });
                        })));
                        dc.allow_sign_in();
                    }
                    let session = session.clone();
                    let tx = ev_tx.clone();
                    let task = tokio::spawn(async move {
                        let result = session.sign_in_classified().await.map(Box::new);
                        let _ = tx.send(SignInEvent::Finished { attempt, result });
                    });
                    running = Some((attempt, task));
                }
                SignInRequest::Cancel { attempt } => {
                    if let Some(dc) = &session.device_code {
                        dc.cancel_sign_in();
                    }
                    if let Some((a, task)) = running.take() {
                        if a == attempt {
                            task.abort();
                        } else {
                            running = Some((a, task));
                        }
                    }
                }
            }
        }
        if let Some((_, task)) = running.take() {
            task.abort();
        }
    });
    (req_tx, ev_rx)
}
