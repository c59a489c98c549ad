//! The matcher worker: owns an [`Engine`] on its own threads, off the render path.
//!
//! # Protocol
//! [`spawn_matcher`] returns a request sender and a reply receiver (tokio unbounded channels:
//! `send` is synchronous and never blocks, so `update` may call it; the run loop awaits replies in
//! its `select!`).
//! - [`MatchRequest::Extend`] appends a page of users (index = position in the order sent, the same
//!   order the app appends them to its user cache). No reply by itself.
//! - [`MatchRequest::Query`] asks for the best `limit` rows for `text`. `generation` must grow with
//!   every query the app sends (e.g. one counter per keystroke). A newer generation **cancels** an
//!   older query still running (checked every 4096 rows) and **suppresses** its reply: the worker
//!   never sends a reply once a newer generation has been sent to it. A reply may still arrive
//!   just before the app sends a newer query, so the app keeps the rule: drop any reply whose
//!   `generation` is not the latest it sent.
//! - After every batch of `Extend`s the worker **re-answers the latest query** (same
//!   `generation`, larger `indexed`), so results stay current while the directory loads. To get
//!   replies (and the `indexed` progress) before the operator types, send `Query { text: "" }`,
//!   which answers with the first `limit` users in directory order.
//! - [`MatchRequest::Clear`] drops all users (e.g. a new sign-in); the latest query is re-answered.
//! - Requests are handled in order; queued requests are coalesced (all `Extend`s applied, only the
//!   latest `Query` run). Dropping the sender stops both threads; then the receiver yields `None`.
//!
//! Two threads: an intake thread that records the newest generation in an atomic as soon as a
//! query is sent (that is what cancels the running scan) and forwards the request, and the matcher
//! thread, whose scans use the rayon pool (both cores).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::engine::Engine;
pub use super::protocol::{MatchReply, MatchRequest};

/// Starts the matcher worker (two threads) and returns its request sender and reply receiver.
/// `own_domains`: the tenant's verified domains (see [`Engine::new`]).
pub fn spawn_matcher(own_domains: Vec<String>) -> (UnboundedSender<MatchRequest>, UnboundedReceiver<MatchReply>) {
    let (req_tx, mut req_rx) = unbounded_channel::<MatchRequest>();
    let (reply_tx, reply_rx) = unbounded_channel::<MatchReply>();
    let (fwd_tx, fwd_rx) = std::sync::mpsc::channel::<MatchRequest>();
    let latest = Arc::new(AtomicU64::new(0));
    let latest_in = Arc::clone(&latest);
    let intake = std::thread::Builder::new().name("tapdesk-match-intake".into()).spawn(move || {
        while let Some(req) = req_rx.blocking_recv() {
            if let MatchRequest::Query { generation, .. } = &req {
                latest_in.fetch_max(*generation, Ordering::SeqCst);
            }
            if fwd_tx.send(req).is_err() {
                break;
            }
        }
    });
    if let Err(e) = intake {
        tracing::error!("cannot start the matcher intake thread: {e}");
    }
    let matcher = std::thread::Builder::new()
        .name("tapdesk-matcher".into())
        .spawn(move || run_matcher(own_domains, fwd_rx, reply_tx, latest));
    if let Err(e) = matcher {
        tracing::error!("cannot start the matcher thread: {e}");
    }
    (req_tx, reply_rx)
}

/// The latest query: (generation, text, limit).
type Current = (u64, String, usize);

fn run_matcher(
    own_domains: Vec<String>,
    rx: std::sync::mpsc::Receiver<MatchRequest>,
    tx: UnboundedSender<MatchReply>,
    latest: Arc<AtomicU64>,
) {
    let mut engine = Engine::new(own_domains);
    let mut current: Option<Current> = None;
    let mut dirty = false;
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(req) = next {
            match req {
                MatchRequest::Extend(users) => engine.extend(&users),
                MatchRequest::Clear => engine.clear(),
                MatchRequest::OwnDomains(domains) => engine = Engine::new(domains),
                MatchRequest::Query { generation, text, limit } => current = Some((generation, text, limit)),
            }
            dirty = true;
            next = rx.try_recv().ok();
        }
        let Some((generation, text, limit)) = current.as_ref().filter(|_| dirty) else {
            continue;
        };
        let generation = *generation;
        let stale = || latest.load(Ordering::SeqCst) > generation;
        if stale() {
            continue; // the newer query is already on its way
        }
        let Some(result) = engine.search(text, *limit, &stale) else {
            continue;
        };
        dirty = false;
        if stale() {
            continue;
        }
        let reply = MatchReply {
            generation,
            query: result.query,
            hits: result.hits,
            matched: result.matched,
            indexed: engine.len(),
        };
        if tx.send(reply).is_err() {
            break;
        }
    }
}
