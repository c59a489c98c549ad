//! Search as the app drives it: ranking happens in the matcher worker (never in `update`), older
//! answers are dropped by generation, Enter before the answer waits for it instead of selecting a
//! stale row, and while the directory loads, Graph's `$search` hits are merged in, de-duplicated.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use crossterm::event::KeyCode;
use jiff::tz::TimeZone;
use tapdesk::app::{Cmd, Model, Msg, init, update};
use tapdesk::search::{MatchReply, MatchRequest};
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};

/// A model whose directory is still loading (first page only), with no matcher attached: the
/// test plays the worker by hand.
fn loading() -> (Model, u64) {
    let mut m = Model::new(TimeZone::UTC, now());
    let cmds = init(&mut m);
    let users = graph_id(&cmds, |r| matches!(r, GraphRequest::LoadUsers));
    let page = directory()[..2].to_vec();
    let cmds = update(
        &mut m,
        reply(users, GraphResponse::UsersPage { result: Ok(page), total: Some(6000), done: false }),
        now(),
    );
    assert!(matches!(&cmds[..], [Cmd::Match(MatchRequest::Extend(p))] if p.len() == 2), "{cmds:?}");
    (m, users)
}

fn typed(m: &mut Model, c: char) -> Vec<Cmd> {
    update(m, Msg::Key(crossterm::event::KeyEvent::new(KeyCode::Char(c), crossterm::event::KeyModifiers::NONE)), now())
}

fn query_of(cmds: &[Cmd]) -> (u64, String) {
    cmds.iter()
        .find_map(|c| match c {
            Cmd::Match(MatchRequest::Query { generation, text, .. }) => Some((*generation, text.clone())),
            _ => None,
        })
        .expect("a query to the matcher")
}

#[test]
fn every_keystroke_goes_to_the_matcher_and_older_answers_are_dropped() {
    let (mut m, _) = loading();
    update(
        &mut m,
        Msg::Key(crossterm::event::KeyEvent::new(KeyCode::Char('/'), crossterm::event::KeyModifiers::NONE)),
        now(),
    );
    let (g1, t1) = query_of(&typed(&mut m, 'a'));
    let (g2, t2) = query_of(&typed(&mut m, 'v'));
    assert_eq!((t1.as_str(), t2.as_str()), ("a", "av"));
    assert!(g2 > g1);
    // The answer to "a" arrives late: dropped.
    update(
        &mut m,
        Msg::Matched(MatchReply { generation: g1, query: t1, hits: vec![0, 1], matched: 2, indexed: 2 }),
        now(),
    );
    assert!(m.results.is_empty());
    update(
        &mut m,
        Msg::Matched(MatchReply { generation: g2, query: t2, hits: vec![1], matched: 1, indexed: 2 }),
        now(),
    );
    assert_eq!(m.results, vec![1]);
    assert_eq!(m.highlighted_user().unwrap().id(), "u-avery");
}

#[test]
fn enter_before_the_answer_waits_and_selects_the_right_user() {
    let (mut m, _) = loading();
    update(
        &mut m,
        Msg::Key(crossterm::event::KeyEvent::new(KeyCode::Char('/'), crossterm::event::KeyModifiers::NONE)),
        now(),
    );
    // Results of the blank query show Dave first.
    let g0 = m.query_generation;
    update(
        &mut m,
        Msg::Matched(MatchReply { generation: g0, query: String::new(), hits: vec![0, 1], matched: 2, indexed: 2 }),
        now(),
    );
    let mut last = (0, String::new());
    for c in "avery".chars() {
        last = query_of(&typed(&mut m, c));
    }
    let cmds = update(
        &mut m,
        Msg::Key(crossterm::event::KeyEvent::new(KeyCode::Enter, crossterm::event::KeyModifiers::NONE)),
        now(),
    );
    assert!(cmds.is_empty(), "Dave (a stale row) is not selected: {cmds:?}");
    assert!(m.selected.is_none());
    let cmds = update(
        &mut m,
        Msg::Matched(MatchReply { generation: last.0, query: last.1, hits: vec![1], matched: 1, indexed: 2 }),
        now(),
    );
    graph_id(&cmds, |r| matches!(r, GraphRequest::ListMethods { user_id } if user_id == "u-avery"));
    assert_eq!(m.selected.as_ref().unwrap().user.id, "u-avery");
}

#[test]
fn graph_search_while_loading_is_merged_without_duplicates() {
    let (mut m, _) = loading();
    update(
        &mut m,
        Msg::Key(crossterm::event::KeyEvent::new(KeyCode::Char('/'), crossterm::event::KeyModifiers::NONE)),
        now(),
    );
    typed(&mut m, 's');
    let cmds = typed(&mut m, 'i');
    let sid = graph_id(&cmds, |r| matches!(r, GraphRequest::SearchUsers { text, .. } if text == "si"));
    // One $search in flight: more typing does not send another yet.
    let cmds = typed(&mut m, 'o');
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::Graph(_, GraphRequest::SearchUsers { .. }))));
    let (g, t) = query_of(&cmds);
    // Graph answers "si" late; the newest text ("sio") is searched next.
    let siobhan = directory()[3].clone();
    let cmds = update(
        &mut m,
        reply(sid, GraphResponse::UsersFound { text: "si".into(), result: Ok(vec![siobhan.clone()]) }),
        now(),
    );
    let sid2 = graph_id(&cmds, |r| matches!(r, GraphRequest::SearchUsers { text, .. } if text == "sio"));
    update(
        &mut m,
        reply(
            sid2,
            GraphResponse::UsersFound { text: "sio".into(), result: Ok(vec![siobhan.clone(), directory()[1].clone()]) },
        ),
        now(),
    );
    // Avery (u-avery) is cached and is a local hit: shown once, from the cache; Siobhan from Graph,
    // on top (not reachable otherwise until her page loads).
    update(&mut m, Msg::Matched(MatchReply { generation: g, query: t, hits: vec![1], matched: 1, indexed: 2 }), now());
    let ids: Vec<&str> = m.result_users().map(|u| u.id()).collect();
    assert_eq!(ids, vec!["u-siobhan", "u-avery"]);
    assert_eq!(m.remote_hits.len(), 1);
}

#[test]
fn no_graph_search_once_the_directory_is_loaded() {
    let mut m = loaded_model();
    send(&mut m, ch('/'));
    let cmds = send(&mut m, ch('s'));
    let cmds2 = send(&mut m, ch('i'));
    assert!(!cmds.iter().chain(&cmds2).any(|c| matches!(c, Cmd::Graph(_, GraphRequest::SearchUsers { .. }))));
}

#[test]
fn a_load_that_fails_part_way_keeps_searching_graph_for_the_rest() {
    let (mut m, users) = loading();
    update(
        &mut m,
        reply(
            users,
            GraphResponse::UsersPage {
                result: Err(tapdesk_graph::GraphError::Transport("connection refused".into())),
                total: None,
                done: true,
            },
        ),
        now(),
    );
    assert!(m.users_request.is_none());
    assert!(m.directory_incomplete(), "2 of 6000 users cached");
    assert!(m.status.text.contains("Loading the directory failed"), "{}", m.status.text);
    update(
        &mut m,
        Msg::Key(crossterm::event::KeyEvent::new(KeyCode::Char('/'), crossterm::event::KeyModifiers::NONE)),
        now(),
    );
    typed(&mut m, 't');
    let cmds = typed(&mut m, 'h');
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Graph(_, GraphRequest::SearchUsers { text, .. }) if text == "th")),
        "{cmds:?}"
    );
}
