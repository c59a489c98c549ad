//! The matcher worker's protocol (issue 6): replies for the latest generation only, re-answers
//! after pages arrive, and the same hits as the engine.

use std::time::Duration;

use tapdesk::directory::UserRow;
use tapdesk::search::{Engine, MatchReply, MatchRequest, spawn_matcher};
use tapdesk_sim::synth;
use tokio::sync::mpsc::UnboundedReceiver;

fn next(rx: &mut UnboundedReceiver<MatchReply>) -> MatchReply {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        match rx.try_recv() {
            Ok(r) => return r,
            Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                assert!(std::time::Instant::now() < deadline, "no reply within 60 s");
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("worker gone: {e}"),
        }
    }
}

fn query(generation: u64, text: &str) -> MatchRequest {
    MatchRequest::Query { generation, text: text.into(), limit: 50 }
}

#[test]
fn answers_and_re_answers_while_pages_arrive() {
    let users = synth::directory(5000);
    let (tx, mut rx) = spawn_matcher(synth::own_domains());
    tx.send(MatchRequest::Extend(UserRow::page(&users[..1000]))).expect("send");
    tx.send(query(1, "john smith")).expect("send");
    let first = next(&mut rx);
    assert_eq!(first.generation, 1);
    assert_eq!(first.query, "john smith");
    assert_eq!(first.indexed, 1000);
    tx.send(MatchRequest::Extend(UserRow::page(&users[1000..]))).expect("send");
    let again = next(&mut rx);
    assert_eq!((again.generation, again.indexed), (1, 5000));
    let mut e = Engine::new(synth::own_domains());
    e.extend(&users);
    let want = e.search("john smith", 50, &|| false).expect("not cancelled");
    assert_eq!(again.hits, want.hits);
    assert_eq!(again.matched, want.matched);
    assert!(again.matched >= first.matched);
}

#[test]
fn a_newer_generation_suppresses_older_replies() {
    let users = synth::directory(60_000);
    let (tx, mut rx) = spawn_matcher(synth::own_domains());
    for round in 0..5u64 {
        // Keep the worker busy with a page, so the queries queue up behind it.
        let base = round * 100;
        tx.send(MatchRequest::Extend(UserRow::page(&users))).expect("send");
        for (i, q) in ["j", "jo", "joh", "john", "john s"].iter().enumerate() {
            tx.send(query(base + i as u64 + 1, q)).expect("send");
        }
        let last = base + 5;
        let r = next(&mut rx);
        assert_eq!(r.generation, last, "a superseded query was answered: {r:?}");
        assert_eq!(r.query, "john s");
        assert_eq!(r.indexed, users.len() * (round as usize + 1));
    }
    drop(tx);
    // The worker stops when the sender is dropped: the channel closes.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match rx.try_recv() {
            Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => break,
            _ => {
                assert!(std::time::Instant::now() < deadline, "worker did not stop");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

#[test]
fn blank_query_reports_progress_and_clear_empties() {
    let users = synth::directory(3000);
    let (tx, mut rx) = spawn_matcher(Vec::new());
    tx.send(query(1, "")).expect("send");
    let r = next(&mut rx);
    assert_eq!((r.indexed, r.matched, r.hits.len()), (0, 0, 0));
    tx.send(MatchRequest::Extend(UserRow::page(&users))).expect("send");
    let r = next(&mut rx);
    assert_eq!((r.indexed, r.matched), (3000, 3000));
    assert_eq!(r.hits, (0..50).collect::<Vec<_>>());
    tx.send(MatchRequest::Clear).expect("send");
    let r = next(&mut rx);
    assert_eq!((r.generation, r.indexed, r.matched), (1, 0, 0));
}
