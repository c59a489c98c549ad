//! Matching and ranking one row: the cheap subsequence pre-check, the match class, the
//! SkimMatcherV2 score, and the 64-bit encoding that makes ranking a single integer compare.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use memchr::memmem::Finder;

use super::fold::{KeyParts, Query};

/// Match classes, best first (bits 29..32 of the rank).
const CLASS_EXACT: u32 = 4;
const TIER_WORD: u32 = 3;
const TIER_PREFIX: u32 = 2;
const TIER_SUBSTRING: u32 = 1;
const TIER_SCATTERED: u32 = 0;

/// One folded query term, ready for the hot loop.
pub(crate) struct Term {
    text: String,
    single: bool,
    finder: Finder<'static>,
}

/// A folded query prepared for scanning.
pub(crate) struct Prepared {
    norm: String,
    terms: Vec<Term>,
}

impl Prepared {
    pub(crate) fn new(q: &Query) -> Self {
        Prepared {
            norm: q.norm.clone(),
            terms: q
                .terms
                .iter()
                .map(|t| Term {
                    text: t.clone(),
                    single: t.chars().count() == 1,
                    finder: Finder::new(t.as_bytes()).into_owned(),
                })
                .collect(),
        }
    }
}

/// `true` when the bytes of `t` occur in order in `key` (a superset of the char-level test).
#[inline]
fn subsequence(key: &[u8], t: &[u8]) -> bool {
    let mut rest = key;
    for &b in t {
        match memchr::memchr(b, rest) {
            Some(p) => rest = &rest[p + 1..],
            None => return false,
        }
    }
    true
}

#[inline]
fn is_sep(b: u8) -> bool {
    b.is_ascii() && !b.is_ascii_alphanumeric()
}

/// The best tier of `t` in `key`. One-char terms: start of key 3, start of a word 2, elsewhere 1.
/// Longer terms: whole word 3, start of a word 2, substring 1. Not a substring: 0.
fn tier(key: &[u8], t: &Term) -> u32 {
    let n = t.text.len();
    let mut best = TIER_SCATTERED;
    let mut consider = |p: usize| {
        let start = p == 0 || is_sep(key[p - 1]);
        let tier = if t.single {
            if p == 0 {
                TIER_WORD
            } else if start {
                TIER_PREFIX
            } else {
                TIER_SUBSTRING
            }
        } else {
            let end = p + n == key.len() || is_sep(key[p + n]);
            match (start, end) {
                (true, true) => TIER_WORD,
                (true, false) => TIER_PREFIX,
                _ => TIER_SUBSTRING,
            }
        };
        best = best.max(tier);
        best == TIER_WORD
    };
    if n == 1 {
        for p in memchr::memchr_iter(t.text.as_bytes()[0], key) {
            if consider(p) {
                break;
            }
        }
    } else {
        for p in t.finder.find_iter(key) {
            if consider(p) {
                break;
            }
        }
    }
    best
}

/// The rank of a row for a prepared query, or `None` when some term does not match. Higher is
/// better: class (3 bits) | score sum + 8192 clamped to 14 bits | 32767 − key length (15 bits).
pub(crate) fn rank_row(matcher: &SkimMatcherV2, key: &str, parts: KeyParts, q: &Prepared) -> Option<u32> {
    let kb = key.as_bytes();
    if !q.terms.iter().all(|t| subsequence(kb, t.text.as_bytes())) {
        return None;
    }
    let mut class = TIER_WORD;
    let mut score: i64 = 0;
    for t in &q.terms {
        let tier = tier(kb, t);
        if t.single {
            if tier == TIER_SCATTERED {
                return None; // a multi-byte char whose bytes only matched scattered
            }
        } else {
            score += matcher.fuzzy_match(key, &t.text)?;
        }
        class = class.min(tier);
    }
    let exact = |r: Range| kb.get(r.0..r.1) == Some(q.norm.as_bytes());
    if exact(Range(0, parts.name_end)) || exact(Range(parts.upn_start, parts.upn_end)) {
        class = CLASS_EXACT;
    }
    let score = (score + 8192).clamp(0, 0x3FFF) as u32;
    let short = 0x7FFF - kb.len().min(0x7FFF) as u32;
    Some(class << 29 | score << 15 | short)
}

struct Range(usize, usize);

/// Packs a rank and a row index so that a larger `u64` is a better hit (ties: lower index).
#[inline]
pub(crate) fn encode_hit(rank: u32, index: usize) -> u64 {
    (rank as u64) << 32 | (u32::MAX - index as u32) as u64
}

/// The row index of an encoded hit.
#[inline]
pub(crate) fn decode_index(hit: u64) -> usize {
    (u32::MAX - hit as u32) as usize
}
