//! Type-ahead user search over the cached directory, built for 300,000-user tenants.
//!
//! - [`fold`]: case/accent folding and the per-user search key (display name + UPN local part +
//!   mail part; the tenant's domains removed; guests keep their external domain).
//! - [`Engine`] (`engine.rs`, `rank.rs`): the pure, synchronous matcher. Keys live in one arena;
//!   a query is folded and split into terms that must all match; rows are pre-checked with a cheap
//!   byte subsequence test and classed (exact > whole words > word starts > substrings >
//!   scattered) before fuzzy-matcher's `SkimMatcherV2` scores them, and only rows whose score
//!   bound (from a per-key mask of word-initial letters) can still reach the top N are scored at
//!   all; one-letter terms are ranked by position only; a stack of previous match sets makes
//!   typing re-scan only the previous hits and Backspace instant; the scan runs on both cores
//!   (rayon) and can be cancelled; the top N come from `select_nth_unstable_by`, never a full sort.
//! - [`spawn_matcher`] (`worker.rs`): the engine on its own threads behind a request/reply
//!   protocol with generation-based cancellation; this is what the app should use.
//! - [`SearchIndex`]: the former synchronous API, kept as a thin wrapper over [`Engine`].
//! - The deterministic synthetic directory the benchmarks and tests search is `tapdesk_sim::synth`
//!   (shared with the demo tenant).

mod engine;
pub mod fold;
pub mod protocol;
mod rank;
mod worker;

use std::sync::Mutex;

pub use engine::{Engine, SearchResult};
pub use protocol::{MatchReply, MatchRequest};
pub use worker::spawn_matcher;

use crate::directory::UserRow;
use tapdesk_graph::types::User;

/// The three properties a user's search key is built from (see [`fold::push_key`]); implemented
/// by Graph's [`User`] and the cache's compact [`UserRow`].
pub trait Searchable {
    /// `displayName`.
    fn display_name(&self) -> Option<&str>;
    /// `userPrincipalName`.
    fn user_principal_name(&self) -> Option<&str>;
    /// `mail`.
    fn mail(&self) -> Option<&str>;
}

impl Searchable for User {
    fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }
    fn user_principal_name(&self) -> Option<&str> {
        self.user_principal_name.as_deref()
    }
    fn mail(&self) -> Option<&str> {
        self.mail.as_deref()
    }
}

impl Searchable for UserRow {
    fn display_name(&self) -> Option<&str> {
        UserRow::display_name(self)
    }
    fn user_principal_name(&self) -> Option<&str> {
        UserRow::user_principal_name(self)
    }
    fn mail(&self) -> Option<&str> {
        UserRow::mail(self)
    }
}

/// Synchronous search over the cached users (the pre-issue-6 API, now backed by [`Engine`]).
///
/// Ranking runs on the caller's thread: fine for a few thousand users; large tenants should use
/// [`spawn_matcher`]. Without [`SearchIndex::with_domains`], mail domains stay in the keys (UPN
/// domains are always dropped).
pub struct SearchIndex {
    engine: Mutex<Engine>,
}

impl Default for SearchIndex {
    fn default() -> Self {
        Self::with_domains(Vec::new())
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("len", &self.len()).finish()
    }
}

/// The folded search key of one user, as [`Engine`] builds it with no own domains
/// (`"John Smith", "john.smith@contoso.example"` → `"john smith john.smith"`).
pub fn search_key(u: &User) -> String {
    let mut key = String::new();
    fold::push_key(&mut key, u.display_name.as_deref(), u.user_principal_name.as_deref(), u.mail.as_deref(), &[]);
    key
}

impl SearchIndex {
    /// An empty index; `own_domains` as in [`Engine::new`].
    pub fn with_domains(own_domains: Vec<String>) -> Self {
        Self { engine: Mutex::new(Engine::new(own_domains)) }
    }

    fn engine(&self) -> std::sync::MutexGuard<'_, Engine> {
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds users (already sanitised) to the end of the index.
    pub fn extend<'a>(&mut self, users: impl IntoIterator<Item = &'a User>) {
        let mut engine = self.engine();
        for u in users {
            engine.push(u);
        }
    }

    /// Number of indexed users.
    pub fn len(&self) -> usize {
        self.engine().len()
    }

    /// `true` when no user is indexed.
    pub fn is_empty(&self) -> bool {
        self.engine().is_empty()
    }

    /// Indices of the best `limit` matches for `query`, best first (semantics of
    /// [`Engine::search`]). A blank query gives the first `limit` users in directory order.
    pub fn rank(&self, query: &str, limit: usize) -> Vec<usize> {
        self.engine().search(query, limit, &|| false).map(|r| r.hits).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, upn: &str) -> User {
        User {
            id: upn.into(),
            display_name: Some(name.into()),
            user_principal_name: Some(upn.into()),
            mail: Some(upn.into()),
            ..Default::default()
        }
    }

    #[test]
    fn exact_name_ranks_first_and_limit_holds() {
        let users = vec![
            user("Dave Ryan", "dave.ryan@contoso.example"),
            user("Avery Quinn", "avery.quinn@contoso.example"),
            user("Alvaro Verny", "alvaro.verny@contoso.example"),
        ];
        let mut idx = SearchIndex::default();
        idx.extend(&users);
        let r = idx.rank("avery", 10);
        assert_eq!(r.first(), Some(&1));
        assert_eq!(idx.rank("", 2), vec![0, 1]);
        assert!(idx.rank("zzzz", 10).is_empty());
        assert_eq!(idx.rank("a", 1).len(), 1);
    }

    #[test]
    fn key_skips_mail_equal_to_upn() {
        let u = user("A B", "a@x.example");
        assert_eq!(search_key(&u), "a b a");
    }
}
