//! Matching and ranking one row: the cheap subsequence pre-check, the match class, the
//! SkimMatcherV2 score, and the 64-bit encoding that makes ranking a single integer compare.

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

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
    ascii: bool,
}

/// A folded query prepared for scanning.
pub(crate) struct Prepared {
    norm: String,
    terms: Vec<Term>,
    /// [`char_mask`] bits every matching key has.
    need: u32,
    /// The query is the single letter `a`–`z`.
    letter: Option<u8>,
}

impl Prepared {
    /// `true` when some term has more than one char (only those are scored by SkimMatcherV2).
    pub(crate) fn scored(&self) -> bool {
        self.terms.iter().any(|t| !t.single)
    }

    /// `false` when a key with these [`char_mask`] bits cannot match.
    #[inline]
    pub(crate) fn may_match(&self, present: u32) -> bool {
        present & self.need == self.need
    }

    /// The letter when the query is one letter `a`–`z` (ranked from the masks alone).
    #[inline]
    pub(crate) fn letter(&self) -> Option<u8> {
        self.letter
    }

    pub(crate) fn new(q: &Query) -> Self {
        let need = q.norm.bytes().filter_map(head_bit).fold(0, |m, b| m | b);
        let letter = match q.norm.as_bytes() {
            [c @ b'a'..=b'z'] => Some(*c),
            _ => None,
        };
        Prepared {
            need,
            letter,
            norm: q.norm.clone(),
            terms: q
                .terms
                .iter()
                .map(|t| Term { text: t.clone(), single: t.chars().count() == 1, ascii: t.is_ascii() })
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

/// `true` when the chars of `t` occur in order in `key`.
fn char_subsequence(key: &str, t: &str) -> bool {
    let mut rest = key.chars();
    t.chars().all(|c| rest.any(|k| k == c))
}

#[inline]
fn is_sep(b: u8) -> bool {
    b.is_ascii() && !b.is_ascii_alphanumeric()
}

/// The best tier of `t` in `key`. One-char terms: start of key 3, start of a word 2, elsewhere 1.
/// Longer terms: whole word 3, start of a word 2, substring 1. Not a substring: 0.
fn tier(key: &[u8], t: &Term) -> u32 {
    let tb = t.text.as_bytes();
    let n = tb.len();
    let mut best = TIER_SCATTERED;
    // Keys are short (≈ 20–60 bytes): memchr on the first byte beats a two-way/SIMD searcher.
    for p in memchr::memchr_iter(tb[0], key) {
        if !key[p..].starts_with(tb) {
            continue;
        }
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
        if best == TIER_WORD {
            break;
        }
    }
    best
}

/// The cheap part of ranking a row: `None` when some term does not match, else the class and
/// an upper bound of the summed SkimMatcherV2 scores (see [`score_bound`]). `heads` is the row's
/// [`head_mask`].
pub(crate) fn classify(key: &str, parts: KeyParts, heads: u32, q: &Prepared) -> Option<(u32, i64)> {
    let kb = key.as_bytes();
    if !q.terms.iter().all(|t| subsequence(kb, t.text.as_bytes())) {
        return None;
    }
    let mut class = TIER_WORD;
    let mut bound = 0;
    for t in &q.terms {
        if !t.ascii && !char_subsequence(key, &t.text) {
            return None; // the bytes of a multi-byte char matched out of order
        }
        let tier = tier(kb, t);
        class = class.min(tier);
        if !t.single {
            bound += score_bound(kb, heads, t, tier == TIER_SCATTERED);
        }
    }
    let exact = |a: usize, b: usize| a < b && kb.get(a..b) == Some(q.norm.as_bytes());
    if exact(0, parts.name_end) || exact(parts.upn_start, parts.upn_end) {
        class = CLASS_EXACT;
    }
    Some((class, bound))
}

/// Bit of a char in a [`head_mask`]: `a`–`z` → 0–25, `0`–`9` → 26; anything else → `None`.
fn head_bit(c: u8) -> Option<u32> {
    match c {
        b'a'..=b'z' => Some(1 << (c - b'a')),
        b'0'..=b'9' => Some(1 << 26),
        _ => None,
    }
}

/// The chars (`a`–`z`, digits) that start a word somewhere in `key` (at 0 or after ASCII
/// punctuation/space): the only places where SkimMatcherV2 gives a head or break bonus (> 4).
pub(crate) fn head_mask(key: &str) -> u32 {
    let kb = key.as_bytes();
    let mut mask = 0;
    for p in 0..kb.len() {
        if (p == 0 || is_sep(kb[p - 1]))
            && let Some(bit) = head_bit(kb[p])
        {
            mask |= bit;
        }
    }
    mask
}

/// The chars (`a`–`z`, any digit) present in `key`, as [`head_bit`]s.
pub(crate) fn char_mask(key: &str) -> u32 {
    key.bytes().filter_map(head_bit).fold(0, |m, b| m | b)
}

/// The class of a key that contains the letter `c` (its [`char_mask`] has it), for the query
/// `c` alone: the same as [`classify`] gives, from the masks and the key's first bytes.
pub(crate) fn letter_class(key: &[u8], parts: KeyParts, heads: u32, c: u8) -> u32 {
    let one = |a: usize, b: usize| b == a + 1 && key.get(a) == Some(&c);
    if one(0, parts.name_end) || one(parts.upn_start, parts.upn_end) {
        CLASS_EXACT
    } else if key.first() == Some(&c) {
        TIER_WORD
    } else if head_bit(c).is_some_and(|b| heads & b != 0) {
        TIER_PREFIX
    } else {
        TIER_SUBSTRING
    }
}

/// An upper bound of `SkimMatcherV2::fuzzy_match(key, t)` (default score config, lowercase
/// text), derived from its recurrences: the first char scores at most 15 + its in-place bonus
/// (16 at the key's first char, 8 at a word start, else 0); every later char at most 16 + 8 when
/// it starts a word somewhere in the key, else 16 + 4 (the consecutive bonus); a term that is not
/// a substring has at least one gap, which costs at least 4.
fn score_bound(key: &[u8], heads: u32, t: &Term, scattered: bool) -> i64 {
    let tb = t.text.as_bytes();
    let is_head = |c: u8| head_bit(c).is_none_or(|b| heads & b != 0);
    let first = if key.first() == tb.first() {
        16
    } else if tb.first().is_some_and(|&c| is_head(c)) {
        8
    } else {
        0
    };
    let mut bound = 15 + first;
    for c in t.text.chars().skip(1) {
        let head = !c.is_ascii() || is_head(c as u8);
        bound += if head { 24 } else { 20 };
    }
    if scattered { bound - 4 } else { bound }
}

/// The summed SkimMatcherV2 score of the multi-char terms (one-char terms are not scored).
pub(crate) fn score(matcher: &SkimMatcherV2, key: &str, q: &Prepared) -> i64 {
    q.terms.iter().filter(|t| !t.single).map(|t| matcher.fuzzy_match(key, &t.text).unwrap_or(0)).sum()
}

/// Packs class (3 bits) | score sum + 8192 clamped to 14 bits | 32767 − key length (15 bits):
/// a higher rank is a better hit.
pub(crate) fn pack(class: u32, score: i64, key_len: usize) -> u32 {
    let score = (score + 8192).clamp(0, 0x3FFF) as u32;
    let short = 0x7FFF - key_len.min(0x7FFF) as u32;
    class << 29 | score << 15 | short
}

/// The lowest packed score field: used for rows that were never scored because even their bound
/// could not reach the top N (their stored rank is then below their true rank).
pub(crate) const UNSCORED: i64 = -8192;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fold::Query;
    use tapdesk_sim::synth;

    #[test]
    fn score_bound_holds_on_the_synthetic_directory() {
        let users = synth::directory(20_000);
        let matcher = SkimMatcherV2::default().respect_case();
        let mut keys = Vec::new();
        for u in &users {
            let mut k = String::new();
            crate::search::fold::push_key(
                &mut k,
                u.display_name.as_deref(),
                u.user_principal_name.as_deref(),
                u.mail.as_deref(),
                &synth::own_domains(),
            );
            keys.push(k);
        }
        for q in [
            "jo", "joh", "john", "js", "jsm", "jsmith", "smith", "ob", "obrien", "muller", "an", "e.s", "li", "wei",
            "zz", "aa", "ee", "2", "n2", "room 1", "svc", "a.b", "fabrikam", "xq", "lele", "mm",
        ] {
            let p = Prepared::new(&Query::parse(q));
            for k in &keys {
                let heads = head_mask(k);
                for t in &p.terms {
                    if let Some(s) = matcher.fuzzy_match(k, &t.text) {
                        let scattered = tier(k.as_bytes(), t) == TIER_SCATTERED;
                        let bound = score_bound(k.as_bytes(), heads, t, scattered);
                        assert!(s <= bound, "{q} in {k}: {s} > {bound}");
                    }
                }
            }
        }
    }

    #[test]
    fn letter_fast_path_agrees_with_classify() {
        let users = synth::directory(5_000);
        for u in &users {
            let mut k = String::new();
            let parts = crate::search::fold::push_key(
                &mut k,
                u.display_name.as_deref(),
                u.user_principal_name.as_deref(),
                u.mail.as_deref(),
                &synth::own_domains(),
            );
            let (heads, present) = (head_mask(&k), char_mask(&k));
            for c in b'a'..=b'z' {
                let q = Prepared::new(&Query::parse(&(c as char).to_string()));
                let general = classify(&k, parts, heads, &q).map(|(class, _)| class);
                let fast = q.may_match(present).then(|| letter_class(k.as_bytes(), parts, heads, c));
                assert_eq!(fast, general, "{} in {k}", c as char);
            }
        }
        let mut k = String::new();
        let parts = crate::search::fold::push_key(&mut k, Some("J"), Some("j.x@c.example"), None, &[]);
        assert_eq!(letter_class(k.as_bytes(), parts, head_mask(&k), b'j'), CLASS_EXACT);
    }
}
