//! The matcher worker's protocol ([`MatchRequest`], [`MatchReply`]): plain data, so `app` can
//! ask for matches without depending on the worker's threads (see `spawn_matcher`).

use crate::directory::UserRow;

/// A request to the matcher worker (see the module doc for the protocol).
#[derive(Debug, Clone, PartialEq)]
pub enum MatchRequest {
    /// Append users, in directory order (the cache's compact rows; the worker drops them once
    /// indexed).
    Extend(Vec<UserRow>),
    /// Rank the rows for `text`; `limit` = most rows returned (50 fills a screen).
    Query {
        /// Increases with each query; a newer one cancels this one.
        generation: u64,
        /// The operator's input, as typed (folded by the engine).
        text: String,
        /// Maximum number of hits in the reply.
        limit: usize,
    },
    /// Drop every user (the latest query is re-answered, empty).
    Clear,
    /// Drop every user and leave these domains out of the matched text from now on (sent when
    /// the operator signs in inside the TUI, before the directory loads).
    OwnDomains(Vec<String>),
}

/// The answer to the latest [`MatchRequest::Query`] over the first `indexed` users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchReply {
    /// The generation of the query this answers.
    pub generation: u64,
    /// The query text as sent.
    pub query: String,
    /// Row indices into the user cache, best first, at most `limit`.
    pub hits: Vec<usize>,
    /// Rows that matched (all of them, not only `hits`).
    pub matched: usize,
    /// Users indexed when the answer was computed (load progress).
    pub indexed: usize,
}
