//! `update` and `view` for faults the operator sees and recovers from (issue 15 §4): a request
//! waiting on Graph's throttling counts down on the status line and `Ctrl-X` cancels it; a failed
//! directory load loads again by itself with backoff, or on `Ctrl-R`; `$search` hits show even
//! when the cache is empty.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tapdesk::app::{Cmd, Model, Msg, StatusKind, init, update};
use tapdesk_graph::GraphError;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse, RequestId};

fn at(secs: i64) -> Timestamp {
    now().checked_add(SignedDuration::from_secs(secs)).unwrap()
}

fn waiting(id: RequestId, wait_ms: u64, status: u16, topic: &'static str) -> Msg {
    reply(id, GraphResponse::Waiting { wait_ms, status, topic })
}

fn screen(model: &Model, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| tapdesk::ui::view(model, f)).expect("draw");
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_owned()).collect::<String>().trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or_default()
}

#[test]
fn a_throttled_request_counts_down_on_the_status_line_and_ctrl_x_cancels_it() {
    let mut m = avery_selected();
    let before = m.status.text.clone();
    assert!(m.wait_line().is_none());
    send(&mut m, waiting(41, 7_000, 429, "reading the methods"));
    assert_eq!(
        m.wait_line().as_deref(),
        Some("Throttled by Graph (429): retry in 7 s · Ctrl-X cancels · reading the methods")
    );
    update(&mut m, Msg::Tick, at(3));
    assert!(m.wait_line().unwrap().contains("retry in 4 s"), "{:?}", m.wait_line());
    assert!(
        last_line(&screen(&m, 100, 30))
            .starts_with("Throttled by Graph (429): retry in 4 s · Ctrl-X cancels · reading the methods")
    );
    // The wait ends by itself: the status line has its text back.
    send(&mut m, waiting(41, 0, 0, "reading the methods"));
    assert!(m.wait_line().is_none());
    assert_eq!(m.status.text, before);

    // A long wait says how long in words, and when it ends; Ctrl-X cancels it.
    send(&mut m, waiting(42, 3_600_000, 503, "issuing the pass"));
    let line = m.wait_line().unwrap();
    assert_eq!(line, "Throttled by Graph (503): retry in 1 h 0 min (at 10:00 UTC) · Ctrl-X cancels · issuing the pass");
    let cmds = send(&mut m, ctrl('x'));
    assert!(matches!(cmds.as_slice(), [Cmd::Graph(_, GraphRequest::CancelWait { target: 42 })]), "{cmds:?}");
    assert!(m.wait_line().is_none());
    // Nothing waiting: Ctrl-X says so and sends nothing.
    assert!(send(&mut m, ctrl('x')).is_empty());
    assert!(m.status.text.contains("No request is waiting"), "{}", m.status.text);
}

#[test]
fn any_answer_ends_its_wait_and_two_waits_show_the_longest() {
    let mut m = avery_selected();
    send(&mut m, waiting(7, 5_000, 429, "reading the methods"));
    send(&mut m, waiting(8, 20_000, 429, "reading the caller card"));
    assert!(
        m.wait_line().unwrap().starts_with(
            "Throttled by Graph (429): retry in 20 s · Ctrl-X cancels · reading the caller card (+1 more)"
        )
    );
    send(&mut m, reply(8, GraphResponse::Taps { user_id: "u-other".into(), result: Ok(vec![]) }));
    assert!(
        m.wait_line().unwrap().contains("retry in 5 s · Ctrl-X cancels · reading the methods"),
        "{:?}",
        m.wait_line()
    );
    let cmds = send(&mut m, ctrl('x'));
    assert_eq!(cmds, vec![Cmd::Graph(cmds_id(&cmds), GraphRequest::CancelWait { target: 7 })]);
}

fn cmds_id(cmds: &[Cmd]) -> RequestId {
    match cmds.first() {
        Some(Cmd::Graph(id, _)) => *id,
        other => panic!("{other:?}"),
    }
}

/// A fresh model whose directory load is in flight; returns it and the load's id.
fn loading() -> (Model, RequestId) {
    let mut m = Model::new(jiff::tz::TimeZone::UTC, now());
    let cmds = init(&mut m);
    let cmds = play(&mut m, cmds);
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    (m, id)
}

fn failed_page(e: GraphError) -> GraphResponse {
    GraphResponse::UsersPage { result: Err(e), total: None, done: true }
}

fn loads(cmds: &[Cmd]) -> Option<RequestId> {
    cmds.iter().find_map(|c| match c {
        Cmd::Graph(id, GraphRequest::LoadUsers) => Some(*id),
        _ => None,
    })
}

#[test]
fn a_failed_load_loads_again_by_itself_with_backoff_and_at_once_on_ctrl_r() {
    let (mut m, id) = loading();
    send(&mut m, reply(id, failed_page(GraphError::Transport("at graph.example:443 (connection reset)".into()))));
    assert_eq!(m.status.kind, StatusKind::Error);
    assert!(m.status.text.contains("Loading again in 10 s by itself; Ctrl-R now."), "{}", m.status.text);
    let retry = m.users_retry.clone().unwrap();
    assert_eq!((retry.failures, retry.at), (1, Some(at(10))));
    assert!(screen(&m, 80, 24).contains("retry in 10 s · Ctrl-R now"), "{}", screen(&m, 80, 24));
    // Not before its time.
    assert!(loads(&update(&mut m, Msg::Tick, at(5))).is_none());
    assert!(screen(&m, 80, 24).contains("retry in 5 s · Ctrl-R now"));
    let cmds = update(&mut m, Msg::Tick, at(10));
    let second = loads(&cmds).expect("loads again by itself");
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Match(tapdesk::search::MatchRequest::Clear))));
    assert!(m.users_error.is_none());
    // A second failure waits twice as long.
    update(&mut m, reply(second, failed_page(GraphError::Timeout("60 s".into()))), at(12));
    assert_eq!(m.users_retry.as_ref().unwrap().failures, 2);
    assert_eq!(m.users_retry.as_ref().unwrap().at, Some(at(32)));
    // Ctrl-R does not wait.
    let cmds = update(&mut m, ctrl('r'), at(13));
    let third = loads(&cmds).expect("Ctrl-R loads at once");
    // The load then succeeds: the plan is gone.
    let page = GraphResponse::UsersPage { result: Ok(directory()), total: Some(6), done: true };
    let cmds = update(&mut m, reply(third, page), at(14));
    play(&mut m, cmds);
    assert!(m.users_retry.is_none() && m.users_error.is_none());
    assert_eq!(m.users.len(), 6);
    assert!(loads(&update(&mut m, Msg::Tick, at(400))).is_none());
    // Ctrl-R after a full load loads nothing.
    assert!(loads(&send(&mut m, ctrl('r'))).is_none());
}

#[test]
fn a_refusal_is_not_retried_by_itself_but_ctrl_r_still_works() {
    let (mut m, id) = loading();
    let denied = GraphError::Api {
        status: 403,
        code: "Authorization_RequestDenied".into(),
        message: "Insufficient privileges to complete the operation.".into(),
        request_id: None,
    };
    send(&mut m, reply(id, failed_page(denied)));
    assert_eq!(m.users_retry.as_ref().unwrap().at, None);
    assert!(m.status.text.ends_with("Ctrl-R loads it again."), "{}", m.status.text);
    assert!(loads(&update(&mut m, Msg::Tick, at(3600))).is_none());
    let s = screen(&m, 80, 24);
    assert!(s.contains("Ctrl-R: load again"), "{s}");
    assert!(loads(&send(&mut m, ctrl('r'))).is_some());
    // While it loads, Ctrl-R does not start a second load.
    assert!(m.users_request.is_some());
}

#[test]
fn search_hits_show_and_enter_selects_what_is_seen_when_the_cache_is_empty() {
    let (mut m, id) = loading();
    send(&mut m, reply(id, failed_page(GraphError::Transport("at graph.example:443 (reset)".into()))));
    send(&mut m, ch('/'));
    for c in "noor".chars() {
        send(&mut m, ch(c));
    }
    let search = m.remote_search.as_ref().map(|(rid, _)| *rid);
    let Some(rid) = search else { panic!("a $search while the cache lacks users") };
    let noor = user("u-noor", "Noor Haddad", "noor.haddad@contoso.example");
    send(&mut m, reply(rid, GraphResponse::UsersFound { text: "noor".into(), result: Ok(vec![noor]) }));
    let s = screen(&m, 80, 24);
    assert!(s.contains("Noor Haddad"), "the hit is visible:\n{s}");
    assert!(s.contains("load failed"), "{s}");
    let cmds = send(&mut m, key(KeyCode::Enter));
    assert_eq!(m.selected.as_ref().map(|s| s.user.id.as_str()), Some("u-noor"), "{cmds:?}");
}

#[test]
fn a_create_cancelled_during_its_wait_keeps_the_form_and_is_audited_as_cancelled() {
    let mut m = avery_selected();
    send(&mut m, ch('t'));
    let lifetime_before = m.form.lifetime.clone();
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(&cmds, |r| matches!(r, GraphRequest::CreateTap { .. }));
    send(&mut m, waiting(id, 30_000, 429, "issuing the pass"));
    let cmds = send(&mut m, ctrl('x'));
    assert!(matches!(cmds.as_slice(), [Cmd::Graph(_, GraphRequest::CancelWait { target })] if *target == id));
    let why = "you cancelled the wait of 30 s Graph asked for (HTTP 429); nothing more was sent";
    let cmds = send(
        &mut m,
        reply(
            id,
            GraphResponse::TapCreated { user_id: "u-avery".into(), result: Err(GraphError::Cancelled(why.into())) },
        ),
    );
    let audit: Vec<_> = cmds
        .iter()
        .filter_map(|c| match c {
            Cmd::Audit(e) => Some(e.as_ref().clone()),
            _ => None,
        })
        .collect();
    assert_eq!(audit.len(), 1);
    assert_eq!((audit[0].phase.as_str(), audit[0].result.as_str()), ("result", "cancelled"));
    assert!(m.pass_popup().is_none());
    assert_eq!(m.form.lifetime, lifetime_before, "what the operator typed stays");
    assert!(m.form.error.as_deref().unwrap_or_default().contains(why), "{:?}", m.form.error);
    assert!(m.wait_line().is_none());
}
