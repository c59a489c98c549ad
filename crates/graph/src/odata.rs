//! Pure helpers that turn user text into OData query options and URL parts for Microsoft Graph.
//!
//! Two layers of escaping are involved and each is applied exactly once:
//!
//! 1. OData syntax: a `$filter` string literal doubles `'` ([`filter_literal`]); a `$search` clause
//!    backslash-escapes `"` and `\` ([`search_clause`])
//!    (<https://learn.microsoft.com/graph/query-parameters>, <https://learn.microsoft.com/graph/search-query-parameter>).
//! 2. URL syntax: every query value is percent-encoded once ([`encode_query_value`], [`query_string`])
//!    and every path segment (user id, UPN, method id) is encoded as **one** segment
//!    ([`encode_path_segment`]).
//!
//! reqwest's `.query()` is deliberately not used: it form-encodes (space → `+`), which Graph and
//! OData parsers do not all read back the same way. The encoding here emits only RFC 3986
//! unreserved characters, a few sub-delimiters that carry no meaning inside a query value, and
//! `%XX` escapes, so a form decoder and an RFC 3986 decoder both recover the original text.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters left as they are in a query key or value: RFC 3986 unreserved plus `, ( ) : @ ! * $ /`,
/// which OData uses in `$select`/`$filter` and which have no meaning inside a query component.
/// Everything else (space, `+`, `&`, `=`, `#`, `%`, `'`, `"`, `;`, `?`, non-ASCII, ...) becomes `%XX`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b',')
    .remove(b'(')
    .remove(b')')
    .remove(b':')
    .remove(b'@')
    .remove(b'!')
    .remove(b'*')
    .remove(b'$')
    .remove(b'/');

/// Characters left as they are in a path segment: RFC 3986 unreserved plus `@ ! $ * , :`.
/// Everything else is encoded, in particular `/`, `\`, `#`, `?`, `%`, `+`, `=`, `'`, `;`, space and
/// non-ASCII, so a guest UPN `a_b.example#EXT#@t.example` becomes `a_b.example%23EXT%23@t.example`.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'*')
    .remove(b',')
    .remove(b':');

/// An OData string literal for `$filter`: `O'Brien` → `'O''Brien'` (single quotes doubled, the
/// whole wrapped in single quotes). Not yet URL-encoded.
pub fn filter_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// One `$search` clause `"prop:text"` with `\` → `\\` and `"` → `\"` inside the quotes, e.g.
/// `search_clause("displayName", "say \"hi\"")` → `"displayName:say \"hi\""`. Not yet URL-encoded.
pub fn search_clause(prop: &str, text: &str) -> String {
    let mut out = String::with_capacity(prop.len() + text.len() + 4);
    out.push('"');
    out.push_str(prop);
    out.push(':');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `$search` expression matching `text` on display name, mail or UPN:
/// `"displayName:t" OR "mail:t" OR "userPrincipalName:t"` (each clause escaped by [`search_clause`]).
pub fn user_search_expression(text: &str) -> String {
    [search_clause("displayName", text), search_clause("mail", text), search_clause("userPrincipalName", text)]
        .join(" OR ")
}

/// `$filter` expression matching users whose display name, UPN or mail starts with `text`:
/// `startswith(displayName,'t') or startswith(userPrincipalName,'t') or startswith(mail,'t')`.
pub fn user_startswith_filter(text: &str) -> String {
    let lit = filter_literal(text);
    format!("startswith(displayName,{lit}) or startswith(userPrincipalName,{lit}) or startswith(mail,{lit})")
}

/// Percent-encodes one query key or value exactly once (UTF-8, `%XX` upper-case hex); see the module
/// doc for the characters kept literally. Space becomes `%20`, `+` becomes `%2B`.
pub fn encode_query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Builds a query string (without the leading `?`) from `(key, value)` pairs, encoding each key and
/// value once with [`encode_query_value`]: `[("$top", "5"), ("$search", "\"mail:a&b\"")]` →
/// `$top=5&$search=%22mail:a%26b%22`.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_query_value(k), encode_query_value(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes `segment` as exactly one URL path segment (`/`, `#`, `?`, `%`, `+`, `=`, `'`,
/// space and non-ASCII are escaped). The caller must reject `""`, `"."` and `".."`, which no
/// encoding can carry as a segment (URL parsers treat `%2E` as a dot); see [`is_valid_segment`].
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// `false` for the texts that cannot be sent as a single path segment: empty, `.` and `..`.
pub fn is_valid_segment(segment: &str) -> bool {
    !(segment.is_empty() || segment == "." || segment == "..")
}

/// The key segment of a user addressed by id or UPN. Graph reads a path segment that starts with
/// `$` as a system segment, so such a UPN uses the OData key form `users('$x@y')` (quote doubled);
/// everything else is one encoded segment. Returns the text that follows `users` in the path,
/// including the leading `/` or `(`.
pub fn user_key_path(id_or_upn: &str) -> String {
    if id_or_upn.starts_with('$') {
        let inner = id_or_upn.replace('\'', "''");
        format!("('{}')", encode_path_segment(&inner))
    } else {
        format!("/{}", encode_path_segment(id_or_upn))
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;
    use rand::Rng;

    #[test]
    fn filter_literal_doubles_quotes() {
        assert_eq!(filter_literal("O'Brien"), "'O''Brien'");
        assert_eq!(filter_literal(""), "''");
        assert_eq!(filter_literal("''"), "''''''");
        assert_eq!(filter_literal("a\"b\\c"), "'a\"b\\c'");
    }

    #[test]
    fn search_clause_escapes_quote_and_backslash() {
        assert_eq!(search_clause("displayName", "wa"), "\"displayName:wa\"");
        assert_eq!(search_clause("displayName", "say \"hi\""), "\"displayName:say \\\"hi\\\"\"");
        assert_eq!(search_clause("mail", "a\\b"), "\"mail:a\\\\b\"");
        assert_eq!(search_clause("mail", "O'Brien"), "\"mail:O'Brien\"");
    }

    #[test]
    fn user_search_expression_has_three_clauses() {
        assert_eq!(user_search_expression("ada"), "\"displayName:ada\" OR \"mail:ada\" OR \"userPrincipalName:ada\"");
    }

    #[test]
    fn user_startswith_filter_quotes_each_literal() {
        assert_eq!(
            user_startswith_filter("O'B"),
            "startswith(displayName,'O''B') or startswith(userPrincipalName,'O''B') or startswith(mail,'O''B')"
        );
    }

    #[test]
    fn query_value_encodes_specials_once() {
        assert_eq!(encode_query_value("a b"), "a%20b");
        assert_eq!(encode_query_value("a+b"), "a%2Bb");
        assert_eq!(encode_query_value("a&b=c"), "a%26b%3Dc");
        assert_eq!(encode_query_value("#%"), "%23%25");
        assert_eq!(encode_query_value("'\""), "%27%22");
        assert_eq!(encode_query_value("é"), "%C3%A9");
        assert_eq!(encode_query_value("Zoë Ünal"), "Zo%C3%AB%20%C3%9Cnal");
        assert_eq!(encode_query_value("%2B"), "%252B");
        assert_eq!(encode_query_value("id,displayName"), "id,displayName", "commas stay readable");
        assert_eq!(encode_query_value("startswith(mail,'x')"), "startswith(mail,%27x%27)");
    }

    #[test]
    fn query_string_joins_pairs() {
        assert_eq!(query_string(&[("$top", "5"), ("$search", "\"mail:a&b\"")]), "$top=5&$search=%22mail:a%26b%22");
        assert_eq!(query_string(&[]), "");
    }

    #[test]
    fn path_segment_encodes_one_segment() {
        assert_eq!(encode_path_segment("AdeleV_adatum.com#EXT#@contoso.com"), "AdeleV_adatum.com%23EXT%23@contoso.com");
        assert_eq!(encode_path_segment("a/b?c"), "a%2Fb%3Fc");
        assert_eq!(encode_path_segment("ab+c/d=="), "ab%2Bc%2Fd%3D%3D");
        assert_eq!(encode_path_segment("-2_GRUg2-HYz6_1YG4YRAQ2"), "-2_GRUg2-HYz6_1YG4YRAQ2");
        assert_eq!(encode_path_segment("o'brien@x"), "o%27brien@x");
        assert_eq!(encode_path_segment("100%"), "100%25");
        assert_eq!(encode_path_segment("a\\b"), "a%5Cb");
        assert!(!is_valid_segment(""));
        assert!(!is_valid_segment("."));
        assert!(!is_valid_segment(".."));
        assert!(is_valid_segment("..."));
    }

    #[test]
    fn user_key_path_forms() {
        assert_eq!(user_key_path("87d349ed-44d7-43e1-9a83-5f2406dee5bd"), "/87d349ed-44d7-43e1-9a83-5f2406dee5bd");
        assert_eq!(user_key_path("$adele@x.example"), "('$adele@x.example')");
        assert_eq!(user_key_path("$o'b@x.example"), "('$o%27%27b@x.example')");
    }

    #[test]
    fn encoded_segments_survive_url_parsing_unchanged() {
        let base = "https://graph.microsoft.com/v1.0/users/";
        for seg in ["AdeleV_adatum.com#EXT#@contoso.com", "ab+c/d==", "-x", "Zoë", "a b", "%2e%2e"] {
            let enc = encode_path_segment(seg);
            let url = url::Url::parse(&format!("{base}{enc}/x")).expect("parse");
            assert_eq!(url.as_str(), format!("{base}{enc}/x"));
            let segs: Vec<_> = url.path_segments().expect("segments").collect();
            assert_eq!(segs.len(), 4, "{seg} must be one segment: {segs:?}");
            assert_eq!(percent_decode_str(segs[2]).decode_utf8().expect("utf8"), seg);
        }
    }

    fn random_text(rng: &mut impl Rng) -> String {
        const POOL: &[char] = &[
            'a', 'Z', '0', ' ', '+', '&', '#', '%', '\'', '"', '\\', '/', '?', '=', ';', ',', '(', ')', ':', '@', '$',
            '!', '*', '~', '.', '-', '_', 'é', 'ß', '中', '😀', '\n', '\t', '<', '>', '[', ']', '{', '}', '|', '^',
            '`',
        ];
        let n = rng.random_range(0..24);
        (0..n).map(|_| POOL[rng.random_range(0..POOL.len())]).collect()
    }

    /// Property: for random text, one encoding + one decoding (RFC 3986 or form style) is the
    /// identity, the encoded form has no character that a URL parser would rewrite, and parsing it
    /// into a URL keeps it byte for byte.
    #[test]
    fn property_query_round_trip() {
        let mut rng = rand::rng();
        for _ in 0..2000 {
            let text = random_text(&mut rng);
            let enc = encode_query_value(&text);
            assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~,():@!*$/%".contains(&b)), "{enc}");
            assert_eq!(percent_decode_str(&enc).decode_utf8().expect("utf8"), text);
            let form: Vec<(String, String)> =
                url::form_urlencoded::parse(format!("k={enc}").as_bytes()).into_owned().collect();
            assert_eq!(form, vec![("k".to_owned(), text.clone())]);
            let url = url::Url::parse(&format!("http://h/p?k={enc}")).expect("parse");
            assert_eq!(url.query(), Some(format!("k={enc}").as_str()));
        }
    }

    #[test]
    fn property_path_round_trip() {
        let mut rng = rand::rng();
        for _ in 0..2000 {
            let text = random_text(&mut rng);
            if !is_valid_segment(&text) {
                continue;
            }
            let enc = encode_path_segment(&text);
            let url = url::Url::parse(&format!("http://h/v1.0/users/{enc}/authentication")).expect("parse");
            let segs: Vec<_> = url.path_segments().expect("segments").collect();
            assert_eq!(segs.len(), 4, "{text:?} → {enc}");
            assert_eq!(percent_decode_str(segs[2]).decode_utf8().expect("utf8"), text);
        }
    }

    #[test]
    fn property_filter_literal_round_trip() {
        let mut rng = rand::rng();
        for _ in 0..2000 {
            let text = random_text(&mut rng);
            let lit = filter_literal(&text);
            assert!(lit.starts_with('\'') && lit.ends_with('\'') && lit.len() >= 2);
            let inner = &lit[1..lit.len() - 1];
            // Every quote inside comes in pairs, and undoubling gives the text back.
            assert_eq!(inner.matches('\'').count() % 2, 0);
            assert_eq!(inner.replace("''", "'"), text);
        }
    }

    #[test]
    fn property_search_clause_round_trip() {
        let mut rng = rand::rng();
        for _ in 0..2000 {
            let text = random_text(&mut rng);
            let clause = search_clause("mail", &text);
            let inner = clause.strip_prefix("\"mail:").and_then(|s| s.strip_suffix('"')).expect("shape");
            // Unescape and check no unescaped quote is left inside.
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => out.push(chars.next().expect("escape has a follower")),
                    '"' => panic!("unescaped quote in {clause}"),
                    c => out.push(c),
                }
            }
            assert_eq!(out, text);
        }
    }
}
