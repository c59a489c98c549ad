//! The one case and accent fold, shared by tapdesk's local search, the simulator's `$search` and
//! `startswith` emulation, and the synthetic-directory generator's UPNs.
//!
//! [`fold`] (applied once per user at load time, and to every query):
//! - lowercase (full Unicode, `MÜLLER` → `müller`), then canonical decomposition with the combining
//!   marks dropped (`müller` → `muller`, `José` → `jose`, `Nguyễn` → `nguyen`);
//! - letters that do not decompose are mapped by hand: `ø`→`o`, `ł`→`l`, `đ`/`ð`→`d`, `ı`→`i`,
//!   `ß`→`ss`, `æ`→`ae`, `œ`→`oe`, `þ`→`th`, `ħ`→`h`, `ŧ`→`t`;
//! - apostrophes (`'`, `’`, `‘`, `ʼ`, `` ` ``) are **removed**, so `obrien` finds `O'Brien` as one word
//!   (and `o'brien` folds to the same query);
//! - any run of whitespace becomes one space; other punctuation (`.`, `_`, `-`, `@`) is kept: it
//!   marks word starts for ranking and lets `kai.meyer_fabrikam` be typed as is.
//!
//! Non-Latin scripts (e.g. `李伟`) pass through unchanged. [`upn_part`] builds on it for the
//! ASCII local part of a generated UPN.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// `true` for the apostrophe-like characters that folding removes.
fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '`' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

/// Pushes the folded form of one already-lowercased, decomposed character.
fn push_lower(out: &mut String, c: char) {
    match c {
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'ı' => out.push('i'),
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'þ' => out.push_str("th"),
        'ħ' => out.push('h'),
        'ŧ' => out.push('t'),
        c if is_combining_mark(c) || is_apostrophe(c) => {}
        c => out.push(c),
    }
}

/// Appends the folded form of `s` to `out` (see the module doc). Whitespace runs become one space;
/// leading and trailing whitespace is dropped only when `out` is empty or already ends in a space.
pub fn fold_into(out: &mut String, s: &str) {
    let mut space = out.is_empty() || out.ends_with(' ');
    for c in s.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        if c.is_ascii() {
            if !is_apostrophe(c) {
                out.push(c.to_ascii_lowercase());
                space = false;
            }
            continue;
        }
        let before = out.len();
        for lower in c.to_lowercase() {
            decompose_canonical(lower, |d| {
                for l in d.to_lowercase() {
                    push_lower(out, l);
                }
            });
        }
        space = space && out.len() == before;
    }
}

/// The folded form of `s`, trimmed (see the module doc): `fold("  MÜLLER ")` → `"muller"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(&mut out, s);
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// ASCII UPN form of a name part, as an HR system would make it: German umlauts as `ae`/`oe`/`ue`,
/// other letters through [`fold`], then only `a-z`, `0-9` and `-` kept (apostrophes, spaces and
/// non-Latin scripts dropped): `Müller` → `mueller`, `O'Brien` → `obrien`, `van der Berg` →
/// `vanderberg`, `Þóra` → `thora`, `李` → `` (empty).
pub fn upn_part(s: &str) -> String {
    let de = s.replace(['ä', 'Ä'], "ae").replace(['ö', 'Ö'], "oe").replace(['ü', 'Ü'], "ue");
    fold(&de).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_apostrophes() {
        assert_eq!(fold("MÜLLER"), "muller");
        assert_eq!(fold("José"), "jose");
        assert_eq!(fold("Nguyễn Đặng"), "nguyen dang");
        assert_eq!(fold("O'Brien"), "obrien");
        assert_eq!(fold("O’Brien"), "obrien");
        assert_eq!(fold("Søren Łukasz Straße"), "soren lukasz strasse");
        assert_eq!(fold("  a \t b  "), "a b");
        assert_eq!(fold("李伟"), "李伟");
        assert_eq!(fold("İstanbul"), "istanbul");
    }

    #[test]
    fn upn_parts_are_ascii() {
        assert_eq!(upn_part("Müller"), "mueller");
        assert_eq!(upn_part("Nguyễn"), "nguyen");
        assert_eq!(upn_part("Łukasz"), "lukasz");
        assert_eq!(upn_part("O'Brien"), "obrien");
        assert_eq!(upn_part("Søren"), "soren");
        assert_eq!(upn_part("Jae-won"), "jae-won");
        assert_eq!(upn_part("van der Berg"), "vanderberg");
        assert_eq!(upn_part("Þóra"), "thora");
        assert_eq!(upn_part("Straße"), "strasse");
        assert_eq!(upn_part("李"), "");
    }
}
