//! The per-user search key and the parsed query, on top of the shared fold
//! ([`tapdesk_graph::fold`]: case, accents, apostrophes and whitespace; see its module doc).

pub use tapdesk_graph::fold::{fold, fold_into};

/// A folded query: the normalised text (terms joined by one space) and its terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Terms joined by single spaces, e.g. `"john smith"`; empty for a blank query.
    pub norm: String,
    /// The space-separated terms; each must match the key, in any order.
    pub terms: Vec<String>,
}

impl Query {
    /// Folds and splits `text` (`"  Smith   JOHN "` → terms `["smith", "john"]`).
    pub fn parse(text: &str) -> Self {
        let norm = fold(text);
        let terms = norm.split(' ').filter(|t| !t.is_empty()).map(String::from).collect();
        Query { norm, terms }
    }

    /// Like [`Query::parse`], for pasted addresses: in a term `local@domain`, the `@domain` part
    /// (and a guest's `#EXT#` marker) is dropped when `domain` is (a prefix of) one of `domains` (lowercase; such domains are
    /// not in the keys), otherwise the term is split into `local` and `domain`, which then match
    /// a guest's `local_domain` or a kept external mail address.
    pub fn parse_with_domains(text: &str, domains: &[String]) -> Self {
        let q = Self::parse(text);
        if !q.norm.contains('@') {
            return q;
        }
        let mut terms = Vec::with_capacity(q.terms.len() + 1);
        for t in q.terms {
            let Some((local, domain)) = t.split_once('@') else {
                terms.push(t);
                continue;
            };
            let local = local.strip_suffix("#ext#").unwrap_or(local);
            if !local.is_empty() {
                terms.push(local.to_owned());
            }
            let own = domain.is_empty() || domains.iter().any(|d| d.starts_with(domain));
            if !own {
                terms.push(domain.to_owned());
            }
        }
        Query { norm: terms.join(" "), terms }
    }

    /// `true` when the query has no term (blank input).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Where the segments of a search key end, in bytes from the key's start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyParts {
    /// End of the folded display name.
    pub name_end: usize,
    /// End of the folded UPN part (`== name_end` when there is none), after the separating space.
    pub upn_start: usize,
    /// End of the folded UPN part.
    pub upn_end: usize,
}

/// Splits `addr` at its last `@` into (local part, domain); no `@` → (addr, "").
fn split_address(addr: &str) -> (&str, &str) {
    match addr.rfind('@') {
        Some(at) => (&addr[..at], &addr[at + 1..]),
        None => (addr, ""),
    }
}

/// Appends the search key of one user to `out` and returns where its parts end (relative to the
/// key's start at `out.len()` on entry).
///
/// The key is `displayName` + ` ` + the UPN's part + ` ` + the mail's part, folded:
/// - the UPN's domain is always dropped: Entra ID accepts only the tenant's verified domains as UPN
///   suffixes, so it never tells people apart. A guest's UPN `kai.meyer_fabrikam.example#EXT#@…`
///   keeps `kai.meyer_fabrikam.example` (the external domain stays searchable);
/// - the mail is dropped when it equals the UPN or a guest's UPN-encoded address; its domain is
///   dropped when it is in `own_domains` (lowercase) or equals the UPN's domain; otherwise the whole
///   address is kept; the part is skipped when the key already contains it (`john.smith` twice).
pub fn push_key(
    out: &mut String,
    display_name: Option<&str>,
    upn: Option<&str>,
    mail: Option<&str>,
    own_domains: &[String],
) -> KeyParts {
    let start = out.len();
    if let Some(n) = display_name {
        fold_into(out, n);
    }
    trim_end_space(out, start);
    let name_end = out.len() - start;
    let mut upn_domain = "";
    let mut upn_local_raw = "";
    let (mut upn_start, mut upn_end) = (name_end, name_end);
    if let Some(upn) = upn.filter(|u| !u.is_empty()) {
        let (local, domain) = split_address(upn);
        upn_domain = domain;
        let local = match find_ascii_ci(local, "#ext#") {
            Some(p) => &local[..p],
            None => local,
        };
        upn_local_raw = local;
        let mark = out.len();
        if out.len() > start {
            out.push(' ');
        }
        let part_start = out.len();
        fold_into(out, local);
        trim_end_space(out, part_start);
        if out.len() == part_start {
            out.truncate(mark);
        } else {
            upn_start = part_start - start;
            upn_end = out.len() - start;
        }
    }
    if let Some(mail) = mail.filter(|m| !m.is_empty()) {
        let (local, domain) = split_address(mail);
        let same_as_upn = upn.is_some_and(|u| u.eq_ignore_ascii_case(mail));
        let guest_encoded = !domain.is_empty()
            && upn_local_raw.len() == local.len() + 1 + domain.len()
            && upn_local_raw.eq_ignore_ascii_case(&format!("{local}_{domain}"));
        if !same_as_upn && !guest_encoded {
            let own =
                domain.eq_ignore_ascii_case(upn_domain) || own_domains.iter().any(|d| d.eq_ignore_ascii_case(domain));
            let part = fold(if own { local } else { mail });
            if !part.is_empty() && !out[start..].contains(part.as_str()) {
                if out.len() > start {
                    out.push(' ');
                }
                out.push_str(&part);
            }
        }
    }
    KeyParts { name_end, upn_start, upn_end }
}

fn trim_end_space(out: &mut String, floor: usize) {
    while out.len() > floor && out.ends_with(' ') {
        out.pop();
    }
}

/// Byte offset of the first ASCII-case-insensitive occurrence of `needle` (ASCII) in `hay`.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, upn: &str, mail: &str) -> String {
        let mut s = String::new();
        let opt = |x: &str| if x.is_empty() { None } else { Some(x.to_owned()) };
        let (n, u, m) = (opt(name), opt(upn), opt(mail));
        push_key(
            &mut s,
            n.as_deref(),
            u.as_deref(),
            m.as_deref(),
            &["contoso.example".into(), "sales.contoso.example".into()],
        );
        s
    }

    #[test]
    fn key_drops_own_domains_and_keeps_guest_domains() {
        assert_eq!(
            key("John Smith", "john.smith@contoso.example", "john.smith@contoso.example"),
            "john smith john.smith"
        );
        assert_eq!(
            key("John Smith", "john.smith2@contoso.example", "jsmith@sales.contoso.example"),
            "john smith john.smith2 jsmith"
        );
        assert_eq!(
            key("Kai Meyer", "kai.meyer_fabrikam.example#EXT#@contoso.onmicrosoft.com", "kai.meyer@fabrikam.example"),
            "kai meyer kai.meyer_fabrikam.example"
        );
        assert_eq!(
            key("Ann Lee", "ann.lee@contoso.example", "ann@elsewhere.example"),
            "ann lee ann.lee ann@elsewhere.example"
        );
        assert_eq!(key("", "x@contoso.example", ""), "x");
    }

    #[test]
    fn key_parts_mark_segments() {
        let mut s = String::new();
        let p = push_key(&mut s, Some("Zoë Ng"), Some("zoe.ng@c.example"), None, &[]);
        assert_eq!(&s[..p.name_end], "zoe ng");
        assert_eq!(&s[p.upn_start..p.upn_end], "zoe.ng");
    }
}
