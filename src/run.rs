//! The terminal and the event loop: the only place that touches the terminal.
//!
//! The loop waits for a key, a Graph answer, a sign-in event or a tick; applies it and every
//! message already queued through [`update`]; runs the resulting [`Cmd`]s (requests to the Graph
//! worker and the sign-in worker, copying the pass or the sign-in code); then draws once. It never
//! awaits the network: Graph work happens in the worker ([`crate::graph::worker`]), the
//! device-code sign-in in [`crate::auth::worker`]. The terminal is restored on every exit path: normal quit, `Ctrl-C`,
//! `SIGTERM`/`SIGHUP`/`SIGINT`/`SIGQUIT` (the process then exits with 128 + the signal's number,
//! as a shell reports a death by signal), an error, a panic (ratatui's panic hook), and an
//! abort (`SIGABRT`, from `tapdesk-term-guard`'s handler: exit status 134); and
//! before every stop (`Ctrl-Z`, `SIGTSTP`), taken back and redrawn after it (`fg`, `SIGCONT`). Before
//! taking the terminal it checks that there is one and that the audit log can be written.

use std::collections::VecDeque;
use std::time::Duration;

use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste, Event, EventStream, KeyEventKind};
use futures::StreamExt;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use secrecy::ExposeSecret;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::app::Settings;
use crate::app::signin::SignIn;
use crate::app::{Cmd, Model, Msg, init, start_sign_in, update};
use crate::audit::AuditLog;
use crate::auth::worker::{SignInEvent, SignInRequest};
use crate::clipboard::{Clipboard, ClipboardMode, CopyOutcome, Environment};
use crate::search::MatchRequest;
use crate::term::{FrameStats, Term};
use crate::ui::view;
use tapdesk_graph::protocol::{GraphRequest, Reply, RequestId};

/// The two ends of the Graph worker's channels, as seen from the render loop.
pub struct WorkerChannels {
    /// Requests to the worker.
    pub requests: UnboundedSender<(RequestId, GraphRequest)>,
    /// Answers from the worker.
    pub replies: UnboundedReceiver<Reply>,
}

/// The in-TUI device-code sign-in: the sign-in worker's channels ([`crate::auth::worker::spawn`])
/// and what the popup shows before the first code arrives. With it, the loop starts by signing
/// in and loads the directory once that succeeds.
pub struct SignInChannels {
    /// Requests to the sign-in worker.
    pub requests: UnboundedSender<SignInRequest>,
    /// Its events.
    pub events: UnboundedReceiver<SignInEvent>,
    /// Tenant, app name and client id for the popup.
    pub signin: SignIn,
}

/// Takes over the terminal (raw mode, alternate screen, bracketed paste), runs tapdesk until the
/// operator quits, and restores the terminal exactly as it was. With `signin`, the device-code
/// sign-in runs inside the TUI first (`settings` then gets who signed in); without, `settings`
/// already says who is signed in.
///
/// # Errors
/// Terminal I/O errors (after the terminal has been restored); a built-in keymap that does not
/// read (a bug).
pub async fn run_tui(
    worker: WorkerChannels,
    clipboard_env: Environment,
    clipboard_mode: ClipboardMode,
    mut settings: Settings,
    audit: AuditLog,
    signin: Option<SignInChannels>,
) -> anyhow::Result<Option<i32>> {
    use std::io::IsTerminal;
    // This session's part of every audit `actionId`.
    settings.audit_session = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("tapdesk needs a terminal: run it in a terminal (or tmux), not with input or output redirected");
    }
    // The built-in keymap is ours: if it does not read, that is a bug to report, not a console
    // without keys.
    if let Some(e) = crate::keymap::default_error() {
        anyhow::bail!("tapdesk's built-in keymap is broken (a bug, please report it): {e}");
    }
    // An action must never go unrecorded: refuse to start if the audit log cannot be written.
    audit.check_writable().map_err(|e| {
        anyhow::anyhow!(
            "cannot write the audit log {}: {e} (choose another with --audit-log FILE)",
            audit.path().display()
        )
    })?;
    let (mut terminal, written) = crate::term::init().inspect_err(|_| ratatui::restore())?;
    let _ = crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
    let clipboard = Clipboard::new(clipboard_env, clipboard_mode);
    let result = event_loop(&mut terminal, &written, worker, clipboard, settings, audit, signin).await;
    tapdesk_term_guard::arm(false);
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    // Said once the terminal is back, where the operator can read it.
    result.map(|(note, signal)| {
        if let Some(note) = note {
            eprintln!("tapdesk: {}", crate::sanitize::lines(&note));
        }
        signal
    })
}

/// Gives the terminal back to the shell and stops the job, as `Ctrl-Z` does for any program:
/// bracketed paste off, raw mode off, the normal screen back, then `SIGSTOP` to its process group
/// (the whole job stops, so the shell sees it stopped even when tapdesk runs inside a script;
/// `SIGTSTP` is caught by tapdesk, so it cannot be the one that stops it). When the shell
/// continues it (`fg`, `SIGCONT`), [`resume`] takes the terminal again.
fn suspend(terminal: &mut Term) -> std::io::Result<()> {
    tapdesk_term_guard::arm(false);
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    rustix::process::kill_current_process_group(rustix::process::Signal::STOP)?;
    resume(terminal)
}

/// This process's group owns the terminal (the shell's foreground job); `true` when that cannot
/// be told (no terminal on standard input).
fn in_foreground() -> bool {
    match rustix::termios::tcgetpgrp(std::io::stdin()) {
        Ok(pgrp) => pgrp == rustix::process::getpgrp(),
        Err(_) => true,
    }
}

/// Takes the terminal again after a stop (ours, or a `SIGSTOP` from outside whose shell may have
/// reset the terminal modes): raw mode, the alternate screen, bracketed paste, and a cleared
/// screen so the next frame draws everything.
fn resume(terminal: &mut Term) -> std::io::Result<()> {
    // After a `SIGSTOP` from outside, crossterm still believes raw mode is on (tapdesk never
    // turned it off) and `enable_raw_mode` would do nothing, leaving the shell's cooked modes
    // (keys echoed, never read until Enter). Turning it off first (back to the modes saved at
    // start) makes the enable real.
    crossterm::terminal::disable_raw_mode()?;
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(std::io::stdout(), crossterm::terminal::EnterAlternateScreen, EnableBracketedPaste)?;
    tapdesk_term_guard::arm(true);
    // Not `Terminal::clear`: it asks the terminal for the cursor position, whose answer the event
    // reader (reading the tty) takes first, so the question times out and ended tapdesk after
    // `fg`. `resize` clears the screen and forces a full redraw without asking anything.
    let size = terminal.size()?;
    terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))
}

async fn event_loop(
    terminal: &mut Term,
    written: &crate::term::ByteCounter,
    mut worker: WorkerChannels,
    mut clipboard: Clipboard,
    settings: Settings,
    audit: AuditLog,
    signin: Option<SignInChannels>,
) -> anyhow::Result<(Option<String>, Option<i32>)> {
    let (match_tx, mut match_rx) = crate::search::spawn_matcher(settings.own_domains.clone());
    let mut model = Model::new(TimeZone::system(), Timestamp::now());
    model.settings = settings;
    let mut queue: VecDeque<Msg> = VecDeque::new();
    let (first, signin_tx, mut signin_rx) = match signin {
        Some(SignInChannels { requests, events, signin }) => {
            (start_sign_in(&mut model, signin), Some(requests), Some(events))
        }
        None => (init(&mut model), None, None),
    };
    let mut fx = Effects { audit: &audit, matcher: &match_tx, worker: &worker.requests, signin: signin_tx.as_ref() };
    fx.run(first, &model, &mut clipboard, terminal, &mut queue);

    let mut stats = FrameStats::from_env();
    let mut cause = "start";
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut int = signal(tokio::signal::unix::SignalKind::interrupt())?;
    let mut quit = signal(tokio::signal::unix::SignalKind::quit())?;
    // SIGTSTP (from `kill -TSTP`, or a terminal with job control keys on) suspends the way Ctrl-Z
    // does; SIGCONT after a stop from outside takes the terminal back and redraws.
    let mut tstp = signal(tokio::signal::unix::SignalKind::from_raw(rustix::process::Signal::TSTP.as_raw()))?;
    let mut cont = signal(tokio::signal::unix::SignalKind::from_raw(rustix::process::Signal::CONT.as_raw()))?;
    let mut ended_by: Option<i32> = None;
    // Continued without the terminal (see the SIGCONT branch): nothing is drawn until it is back.
    let mut background = false;

    loop {
        let work = std::time::Instant::now();
        // Apply everything that is already waiting, then draw once.
        while let Ok(reply) = worker.replies.try_recv() {
            queue.push_back(Msg::Graph(Box::new(reply)));
        }
        while let Ok(reply) = match_rx.try_recv() {
            queue.push_back(Msg::Matched(reply));
        }
        while let Some(event) = signin_rx.as_mut().and_then(|rx| rx.try_recv().ok()) {
            queue.push_back(Msg::SignIn(event));
        }
        while let Some(msg) = queue.pop_front() {
            let cmds = update(&mut model, msg, Timestamp::now());
            fx.run(cmds, &model, &mut clipboard, terminal, &mut queue);
        }
        if model.quit {
            break;
        }
        if background && in_foreground() {
            resume(terminal)?;
            background = false;
        }
        let (draw, bytes) = (std::time::Instant::now(), written.get());
        if !background {
            terminal.draw(|f| view(&model, f))?;
        }
        if stats.enabled() {
            let bytes = written.get() - bytes;
            let (users, query) = (model.users.len(), model.query.chars().count());
            stats.record(cause, work.elapsed(), draw.elapsed(), bytes, users, query);
        }

        let msg = tokio::select! {
            _ = tick.tick() => Msg::Tick,
            Some(reply) = worker.replies.recv() => Msg::Graph(Box::new(reply)),
            Some(reply) = match_rx.recv() => Msg::Matched(reply),
            Some(event) = next_signin(&mut signin_rx) => Msg::SignIn(event),
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind == KeyEventKind::Press => Msg::Key(k),
                Some(Ok(Event::Paste(text))) => Msg::Paste(text),
                Some(Ok(_)) => Msg::Tick,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            _ = tstp.recv() => Msg::StopRequested,
            _ = cont.recv() => {
                // Continued in the background (`kill -CONT` while the shell holds the terminal):
                // leave the terminal alone; the shell's `fg` continues tapdesk again in front.
                if in_foreground() {
                    resume(terminal)?;
                    background = false;
                } else {
                    background = true;
                }
                Msg::Tick
            }
            _ = term.recv() => {
                ended_by = Some(tokio::signal::unix::SignalKind::terminate().as_raw_value());
                break;
            }
            _ = hup.recv() => {
                ended_by = Some(tokio::signal::unix::SignalKind::hangup().as_raw_value());
                break;
            }
            _ = int.recv() => {
                ended_by = Some(tokio::signal::unix::SignalKind::interrupt().as_raw_value());
                break;
            }
            _ = quit.recv() => {
                ended_by = Some(tokio::signal::unix::SignalKind::quit().as_raw_value());
                break;
            }
        };
        cause = match &msg {
            Msg::Key(_) => "key",
            Msg::Paste(_) => "paste",
            Msg::Matched(_) => "matched",
            Msg::Graph(_) => "graph",
            Msg::Tick => "tick",
            Msg::SignIn(_) => "signin",
            _ => "other",
        };
        queue.push_back(msg);
    }
    let mut notes: Vec<String> = stats
        .write()
        .err()
        .map(|e| format!("frame statistics not written ({}): {e}", crate::term::FRAME_STATS_ENV))
        .into_iter()
        .collect();
    // Whatever the way out, a pass tapdesk copied does not outlive it on the clipboard; after a
    // copy, the normal screen says what became of it.
    if let Some(cleared) = clipboard.clear(terminal.backend_mut()) {
        notes.push(cleared.message());
    } else if let Some((cleared, at)) = model.clipboard_cleared.take() {
        // Cleared earlier: said with its time, so it does not read as done just now.
        let when = crate::timefmt::when(at, Timestamp::now(), &model.tz);
        notes.push(format!("{} (at {when}; nothing was copied since)", cleared.message().trim_end_matches('.')));
    }
    Ok((if notes.is_empty() { None } else { Some(notes.join("\n")) }, ended_by))
}

fn signal(kind: tokio::signal::unix::SignalKind) -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind)
}

/// The next sign-in event; never resolves without a sign-in worker (or once it stopped).
async fn next_signin(rx: &mut Option<UnboundedReceiver<SignInEvent>>) -> Option<SignInEvent> {
    match rx {
        Some(rx) => match rx.recv().await {
            Some(e) => Some(e),
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// Where the loop sends the effects of [`Cmd`]s.
struct Effects<'a> {
    audit: &'a AuditLog,
    matcher: &'a UnboundedSender<MatchRequest>,
    worker: &'a UnboundedSender<(RequestId, GraphRequest)>,
    signin: Option<&'a UnboundedSender<SignInRequest>>,
}

impl Effects<'_> {
    fn run(
        &mut self,
        cmds: Vec<Cmd>,
        model: &Model,
        clipboard: &mut Clipboard,
        terminal: &mut Term,
        queue: &mut VecDeque<Msg>,
    ) {
        for cmd in cmds {
            match cmd {
                Cmd::Graph(id, req) => {
                    if self.worker.send((id, req)).is_err() {
                        queue.push_back(Msg::Copied(CopyOutcome::Failed("the Graph worker stopped".into())));
                    }
                }
                Cmd::CopyPass => {
                    let outcome = match model.pass_popup() {
                        Some(p) => clipboard.copy(p.pass.expose_secret(), terminal.backend_mut()),
                        None => CopyOutcome::Failed("no pass is shown".into()),
                    };
                    queue.push_back(Msg::Copied(outcome));
                }
                Cmd::CopyUserCode => {
                    let outcome = match model.signin.as_ref().and_then(|s| s.code()) {
                        Some(c) => clipboard.copy(&c.user_code, terminal.backend_mut()),
                        None => CopyOutcome::Failed("no code is shown".into()),
                    };
                    queue.push_back(Msg::UserCodeCopied(outcome));
                }
                Cmd::Write { id, attempt, request } => {
                    if let Some(refused) = write_ahead(self.audit, &attempt, id, request, self.worker) {
                        queue.push_back(refused);
                    }
                }
                Cmd::Audit(event) => {
                    if let Err(e) = self.audit.append(&event) {
                        queue.push_back(Msg::AuditFailed(format!("{}: {e}", self.audit.path().display())));
                    }
                }
                Cmd::Match(req) => {
                    // The matcher lives as long as the loop; a send can only fail after it stopped.
                    let _ = self.matcher.send(req);
                }
                Cmd::SignIn(req) => {
                    // Without a sign-in worker there is nothing to start or cancel.
                    if let Some(tx) = self.signin {
                        let _ = tx.send(req);
                    }
                }
                Cmd::Suspend => {
                    // A copied pass does not wait on a clipboard while tapdesk is stopped.
                    let cleared = clipboard.clear(terminal.backend_mut());
                    let error = suspend(terminal).err().map(|e| e.to_string());
                    queue.push_back(Msg::Suspended { error, cleared });
                }
                Cmd::ClearClipboard => {
                    if let Some(outcome) = clipboard.clear(terminal.backend_mut()) {
                        queue.push_back(Msg::ClipboardCleared(outcome));
                    }
                }
            }
        }
    }
}

/// Write-ahead for one write request: appends and syncs its `attempt` line, then hands the request
/// to the Graph worker. When the line cannot be written nothing is sent, and the answer is the
/// request's own failure ([`GraphError::NotSent`], saying why and what to do) for `update` to show.
pub fn write_ahead(
    audit: &AuditLog,
    attempt: &crate::audit::event::AuditEvent,
    id: RequestId,
    request: GraphRequest,
    worker: &UnboundedSender<(RequestId, GraphRequest)>,
) -> Option<Msg> {
    match audit.append(attempt) {
        Ok(()) => {
            // The worker lives as long as the loop; a send can only fail after it stopped.
            let _ = worker.send((id, request));
            None
        }
        Err(e) => {
            let why = format!(
                "the audit log {} cannot be written ({e}): free space or fix its permissions, then try again",
                audit.path().display()
            );
            let response = request.failed(tapdesk_graph::GraphError::NotSent(why))?;
            Some(Msg::Graph(Box::new(Reply { id, response })))
        }
    }
}
