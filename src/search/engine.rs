//! The matching engine: folded keys in one arena, a parallel scan with cancellation, a stack of
//! previous match sets for incremental typing and Backspace, and top-N selection.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use fuzzy_matcher::skim::SkimMatcherV2;
use rayon::prelude::*;

use super::Searchable;
use super::fold::{KeyParts, Query, push_key};
use super::rank::{
    Prepared, UNSCORED, char_mask, classify, decode_index, encode_hit, head_mask, letter_class, pack, score,
};

/// Rows per unit of parallel work; also how often a scan checks for cancellation.
const CHUNK: usize = 4096;
/// Below this many candidate rows a scan stays on the calling thread.
const PAR_MIN: usize = 3 * CHUNK;
/// Upper bound on the hits kept in the query stack (8 bytes each, ≈ 19 MiB); the oldest entries go
/// first.
const STACK_MAX_HITS: usize = 2_400_000;

/// One answered query: what was asked, the best rows and how many rows matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult {
    /// The query as given to [`Engine::search`] (not folded).
    pub query: String,
    /// Row indices (positions in directory order, as passed to [`Engine::extend`]), best first; at
    /// most `limit` of them.
    pub hits: Vec<usize>,
    /// Number of rows that matched every term (≥ `hits.len()`).
    pub matched: usize,
}

/// A remembered match set: every row `< indexed` that matched `norm`, as encoded hits. The best
/// `limit` of them carry exact ranks; rows that could not reach the top `limit` may carry a lower
/// score than their true one (never a higher), so a larger limit rescans the set.
struct Entry {
    norm: String,
    indexed: usize,
    limit: usize,
    hits: Vec<u64>,
}

/// The in-memory search engine over the cached directory. Pure and synchronous; deterministic
/// results for a given set of rows and query (the cache only changes speed, never results).
///
/// Memory: about `key bytes + 14` bytes per user (≈ 15 MiB at 300k users, see
/// [`Engine::heap_bytes`]) plus the query stack (at most ≈ 19 MiB of remembered hits).
pub struct Engine {
    own_domains: Vec<String>,
    /// `own_domains` plus every UPN domain seen (UPN suffixes are always tenant domains).
    domains: Vec<String>,
    text: String,
    starts: Vec<u32>,
    parts: Vec<[u16; 3]>,
    heads: Vec<u32>,
    present: Vec<u32>,
    matcher: SkimMatcherV2,
    stack: Vec<Entry>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("len", &self.len())
            .field("own_domains", &self.own_domains)
            .field("key_bytes", &self.text.len())
            .field("stack", &self.stack.len())
            .finish()
    }
}

impl Engine {
    /// An empty engine. `own_domains` are the tenant's verified domains (e.g. `contoso.example`),
    /// dropped from mail addresses in the search key (UPN domains are always dropped).
    pub fn new(own_domains: Vec<String>) -> Self {
        Self {
            domains: own_domains.iter().map(|d| d.to_ascii_lowercase()).collect(),
            own_domains: own_domains.into_iter().map(|d| d.to_ascii_lowercase()).collect(),
            text: String::new(),
            starts: vec![0],
            parts: Vec::new(),
            heads: Vec::new(),
            present: Vec::new(),
            matcher: SkimMatcherV2::default().respect_case(),
            stack: Vec::new(),
        }
    }

    /// Appends a page of users; the first gets index [`Engine::len`] (before the call).
    pub fn extend<U: Searchable>(&mut self, users: &[U]) {
        self.parts.reserve(users.len());
        self.starts.reserve(users.len());
        for u in users {
            self.push(u);
        }
    }

    /// Appends one user (index = [`Engine::len`] before the call).
    pub fn push<U: Searchable>(&mut self, u: &U) {
        if let Some((_, domain)) = u.user_principal_name().and_then(|upn| upn.rsplit_once('@'))
            && !domain.is_empty()
            && !self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
        {
            self.domains.push(domain.to_ascii_lowercase());
        }
        {
            let start = self.text.len();
            let p: KeyParts =
                push_key(&mut self.text, u.display_name(), u.user_principal_name(), u.mail(), &self.own_domains);
            // Offsets are u32 (4 GiB of keys); parts are u16 (keys are far shorter).
            let clamp = |x: usize| x.min(u16::MAX as usize) as u16;
            self.parts.push([clamp(p.name_end), clamp(p.upn_start), clamp(p.upn_end)]);
            debug_assert!(self.text.len() - start < u32::MAX as usize);
            self.starts.push(self.text.len() as u32);
            let heads = self.text.get(start..).map(head_mask).unwrap_or(u32::MAX);
            self.heads.push(heads);
            self.present.push(self.text.get(start..).map(char_mask).unwrap_or(u32::MAX));
        }
    }

    /// Number of indexed users.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// `true` when no user is indexed.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// Bytes allocated by the index (keys, offsets, key parts, head masks; not the query stack).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.starts.capacity() * 4
            + self.parts.capacity() * 6
            + self.heads.capacity() * 4
            + self.present.capacity() * 4
            + self.domains.iter().map(|d| d.capacity()).sum::<usize>()
    }

    /// Drops every user and the query stack (e.g. after a tenant switch).
    pub fn clear(&mut self) {
        self.text.clear();
        self.starts.truncate(1);
        self.parts.clear();
        self.heads.clear();
        self.present.clear();
        self.stack.clear();
    }

    /// Forgets the remembered match sets (the next search is a full scan). Results do not change.
    pub fn clear_cache(&mut self) {
        self.stack.clear();
    }

    /// The folded search key of row `i` (e.g. `"john smith john.smith"`); `""` when out of range.
    pub fn key(&self, i: usize) -> &str {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// The best `limit` rows for `query`, best first, or `None` when `cancel` returned `true`
    /// during the scan (it is polled every few thousand rows, from both scan threads).
    ///
    /// Semantics: the query is folded like the keys and split on spaces; every term must match
    /// as a subsequence of the key (any order; `smith john` finds John Smith). Ranking, best first:
    /// the query equals the whole name or UPN part; every term is a whole word; every term starts
    /// a word; every term is a contiguous substring; scattered. Then the sum of SkimMatcherV2
    /// scores of the terms, then the shorter key, then directory order. One-letter terms are not
    /// scored (position only: start of key > start of a word > elsewhere). A blank query gives
    /// the first `limit` rows in directory order, `matched == len()`.
    pub fn search(&mut self, query: &str, limit: usize, cancel: &(dyn Fn() -> bool + Sync)) -> Option<SearchResult> {
        let q = Query::parse_with_domains(query, &self.domains);
        let len = self.len();
        if q.is_empty() {
            return Some(SearchResult { query: query.to_owned(), hits: (0..len.min(limit)).collect(), matched: len });
        }
        while self.stack.last().is_some_and(|e| !q.norm.starts_with(e.norm.as_str())) {
            self.stack.pop();
        }
        let prepared = Prepared::new(&q);
        let same = |e: &Entry| e.norm == q.norm && limit <= e.limit;
        let mut entry = match self.stack.last() {
            Some(top) if same(top) && top.indexed == len => self.stack.pop()?,
            Some(top) if same(top) => {
                let tail = self.scan(top.indexed..len, |i| i, &prepared, limit, cancel)?;
                let mut e = self.stack.pop()?;
                e.hits.extend(tail);
                e.limit = limit;
                e
            }
            Some(top) => {
                let prev = &top.hits;
                let mut hits = self.scan(0..prev.len(), |p| decode_index(prev[p]), &prepared, limit, cancel)?;
                hits.extend(self.scan(top.indexed..len, |i| i, &prepared, limit, cancel)?);
                Entry { norm: q.norm.clone(), indexed: len, limit, hits }
            }
            None => {
                let hits = self.scan(0..len, |i| i, &prepared, limit, cancel)?;
                Entry { norm: q.norm.clone(), indexed: len, limit, hits }
            }
        };
        entry.indexed = len;
        let out = top_n(&entry.hits, limit);
        let matched = entry.hits.len();
        self.push_entry(entry);
        Some(SearchResult { query: query.to_owned(), hits: out, matched })
    }

    fn push_entry(&mut self, entry: Entry) {
        if self.stack.last().is_some_and(|e| e.norm == entry.norm) {
            self.stack.pop();
        }
        self.stack.push(entry);
        let mut total: usize = self.stack.iter().map(|e| e.hits.len()).sum();
        while total > STACK_MAX_HITS && self.stack.len() > 1 {
            total -= self.stack.remove(0).hits.len();
        }
    }

    /// Ranks the rows `row(p)` for `p` in `positions`, in chunks of [`CHUNK`] on the rayon pool
    /// (when there are enough of them). Only rows whose score bound can still reach the top
    /// `limit` are scored by SkimMatcherV2; the others keep their class with the lowest score
    /// (see `Entry`). `None` when cancelled.
    fn scan<F>(
        &self,
        positions: Range<usize>,
        row: F,
        q: &Prepared,
        limit: usize,
        cancel: &(dyn Fn() -> bool + Sync),
    ) -> Option<Vec<u64>>
    where
        F: Fn(usize) -> usize + Sync,
    {
        let stop = AtomicBool::new(false);
        let threshold = AtomicU64::new(0);
        let end = positions.end;
        let chunk = |lo: usize| -> Vec<u64> {
            if stop.load(Ordering::Relaxed) || cancel() {
                stop.store(true, Ordering::Relaxed);
                return Vec::new();
            }
            let mut out = Vec::with_capacity(CHUNK.min(end - lo));
            let mut best: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(limit.min(CHUNK) + 1);
            let mut local = 0;
            for p in lo..(lo + CHUNK).min(end) {
                let i = row(p);
                let present = self.present.get(i).copied().unwrap_or(u32::MAX);
                if !q.may_match(present) {
                    continue; // a letter or digit of the query is nowhere in the key
                }
                let key = self.key(i);
                let Some(&[name_end, upn_start, upn_end]) = self.parts.get(i) else { continue };
                let parts =
                    KeyParts { name_end: name_end as usize, upn_start: upn_start as usize, upn_end: upn_end as usize };
                let heads = self.heads.get(i).copied().unwrap_or(u32::MAX);
                if let Some(c) = q.letter() {
                    // One letter: the class follows from the masks, the key's first byte and its parts.
                    let class = letter_class(key.as_bytes(), parts, heads, c);
                    out.push(encode_hit(pack(class, 0, key.len()), i));
                    continue;
                }
                let Some((class, bound)) = classify(key, parts, heads, q) else { continue };
                if !q.scored() {
                    out.push(encode_hit(pack(class, 0, key.len()), i));
                    continue;
                }
                let ceiling = encode_hit(pack(class, bound, key.len()), i);
                if limit == 0 || ceiling < local.max(threshold.load(Ordering::Relaxed)) {
                    out.push(encode_hit(pack(class, UNSCORED, key.len()), i));
                    continue;
                }
                let hit = encode_hit(pack(class, score(&self.matcher, key, q), key.len()), i);
                out.push(hit);
                best.push(Reverse(hit));
                if best.len() > limit {
                    best.pop();
                }
                if best.len() == limit
                    && let Some(Reverse(min)) = best.peek()
                {
                    local = *min;
                    threshold.fetch_max(local, Ordering::Relaxed);
                }
            }
            out
        };
        let starts: Vec<usize> = positions.clone().step_by(CHUNK).collect();
        let parts: Vec<Vec<u64>> = if positions.len() < PAR_MIN {
            starts.into_iter().map(chunk).collect()
        } else {
            starts.into_par_iter().map(chunk).collect()
        };
        (!stop.load(Ordering::Relaxed)).then(|| parts.concat())
    }
}

/// The best `limit` encoded hits as row indices, best first. Works on a copy: `hits` stays in
/// directory order, so the next keystroke's filter scan reads keys sequentially.
fn top_n(hits: &[u64], limit: usize) -> Vec<usize> {
    let desc = |a: &u64, b: &u64| b.cmp(a);
    let n = limit.min(hits.len());
    if n == 0 {
        return Vec::new();
    }
    let mut work = hits.to_vec();
    if work.len() > n {
        work.select_nth_unstable_by(n, desc);
    }
    let best = &mut work[..n];
    best.sort_unstable_by(desc);
    best.iter().map(|&h| decode_index(h)).collect()
}
