//! Untrusted directory text made safe for the operator's terminal.
//!
//! Every string that comes from Graph (names, UPNs, job titles, method names, error messages) may
//! hold control characters. Written to the terminal as is, `ESC` and friends would let a directory
//! entry move the cursor, recolour the screen, set the window title or write the clipboard (OSC 52).
//! tapdesk cleans such text once, where it enters the [`Model`](crate::app::Model): every C0 and
//! C1 control (including `ESC`, `BEL`, `CSI` U+009B), `DEL`, and the Unicode bidirectional
//! overrides and isolates (which can make one name display as another) become U+FFFD `�`; a tab
//! becomes a space.

use std::borrow::Cow;

use tapdesk_graph::types::{AuthMethod, User, UserCard};

/// The replacement shown for a removed character.
pub const REPLACEMENT: char = '\u{FFFD}';

/// `true` for a character that must not reach the terminal from the directory: C0/C1 controls and
/// DEL; bidirectional marks, embeddings, overrides and isolates; other invisible format characters
/// (zero-width space/joiners, word joiner, BOM, interlinear annotation, soft hyphen, Hangul
/// fillers, tag characters); line and paragraph separators; private-use and noncharacter code
/// points. Terminals and ratatui disagree on the width of these, which lets a name leave ghost
/// text or shift the frame.
pub fn is_unsafe(c: char) -> bool {
    let u = c as u32;
    c.is_control()
        || matches!(u,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x2028..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFEFF | 0xFFA0
            | 0xFFF0..=0xFFFB | 0xE0000..=0xE007F)
        // Private use areas.
        || matches!(u, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
        // Noncharacters.
        || matches!(u, 0xFDD0..=0xFDEF)
        || (u & 0xFFFE) == 0xFFFE
}

/// `s` with every unsafe character replaced by U+FFFD (tabs, newlines and line separators become a
/// space), runs of spaces folded to one, and cut at [`MAX_CHARS`]. Borrows when nothing changed.
pub fn clean(s: &str) -> Cow<'_, str> {
    clean_to(s, MAX_CHARS)
}

/// [`clean`] with another length limit (`max` characters), for longer text such as a sign-in
/// error with its fix.
pub fn clean_to(s: &str, max: usize) -> Cow<'_, str> {
    let runs_of_space = s.contains("  ");
    if !runs_of_space && !s.chars().any(is_unsafe) && s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut last_space = false;
    for c in s.chars() {
        let c = match c {
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => ' ',
            c if is_unsafe(c) => REPLACEMENT,
            c => c,
        };
        // Runs of spaces fold to one, so a name cannot push text onto a line of its own.
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    Cow::Owned(out)
}

/// Text for a plain (non-TUI) output such as `tapdesk doctor` or an error on stderr, which may
/// quote directory or STS strings: every unsafe character except the line feed becomes U+FFFD;
/// spacing and length are kept (columns stay aligned). Borrows when nothing changed.
pub fn lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| if c != '\n' && is_unsafe(c) { REPLACEMENT } else { c }).collect())
}

/// Longest directory string kept (Graph's own limit for `displayName` is 256); longer text is
/// cut with `…`.
pub const MAX_CHARS: usize = 256;

/// Cleans `s` in place.
pub fn clean_in_place(s: &mut String) {
    if let Cow::Owned(o) = clean(s) {
        *s = o;
    }
}

fn opt(s: &mut Option<String>) {
    if let Some(s) = s {
        clean_in_place(s);
    }
}

/// Cleans every displayed property of a user (the `id` is left alone: it only goes into URLs,
/// percent-encoded).
pub fn user(u: &mut User) {
    opt(&mut u.display_name);
    opt(&mut u.user_principal_name);
    opt(&mut u.mail);
    opt(&mut u.user_type);
    opt(&mut u.job_title);
    opt(&mut u.department);
    opt(&mut u.office_location);
    opt(&mut u.employee_id);
}

/// Cleans a user card: the user, the manager, and the names of groups and roles.
pub fn card(c: &mut UserCard) {
    user(&mut c.user);
    if let Some(m) = &mut c.manager {
        user(m);
    }
    for o in &mut c.member_of {
        opt(&mut o.display_name);
    }
}

/// Cleans the displayed parts of the TAP policy (target ids and types, state).
pub fn policy(p: &mut tapdesk_graph::types::TapPolicy) {
    clean_in_place(&mut p.state);
    for t in p.include_targets.iter_mut().chain(p.exclude_targets.iter_mut()) {
        clean_in_place(&mut t.id);
        clean_in_place(&mut t.target_type);
    }
}

/// Cleans every displayed property of an authentication method.
pub fn method(m: &mut AuthMethod) {
    match m {
        AuthMethod::Phone(p) => {
            opt(&mut p.phone_number);
            opt(&mut p.phone_type);
        }
        AuthMethod::Email(e) => opt(&mut e.email_address),
        AuthMethod::MicrosoftAuthenticator(a) => {
            opt(&mut a.display_name);
            opt(&mut a.phone_app_version);
            opt(&mut a.device_tag);
        }
        AuthMethod::Fido2(f) => {
            opt(&mut f.display_name);
            opt(&mut f.model);
            opt(&mut f.aa_guid);
        }
        AuthMethod::WindowsHelloForBusiness(w) => opt(&mut w.display_name),
        AuthMethod::PlatformCredential(p) => {
            opt(&mut p.display_name);
            opt(&mut p.platform);
        }
        AuthMethod::TemporaryAccessPass(t) => opt(&mut t.method_usability_reason),
        AuthMethod::Unknown { odata_type, .. } => clean_in_place(odata_type),
        AuthMethod::Password(_) | AuthMethod::SoftwareOath(_) => {}
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn lines_keeps_layout_and_drops_escapes() {
        let text = "ok    Graph  GET /me: \u{1b}]0;OPNAME\u{7}Dana \u{1b}[31mOkafor\n  fix: x";
        let out = lines(text);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(out.starts_with("ok    Graph  GET /me: "), "{out:?}");
        assert!(out.contains("\n  fix: x"), "{out:?}");
        assert!(matches!(lines("plain\ntext"), Cow::Borrowed(_)));
    }

    use super::*;

    #[test]
    fn escape_sequences_are_neutralised() {
        let evil = "Eve\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}31m";
        let out = clean(evil);
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        assert_eq!(out, "Eve\u{FFFD}]52;c;ZXZpbA==\u{FFFD}\u{FFFD}[2J\u{FFFD}31m");
    }

    #[test]
    fn invisible_and_private_characters_and_space_runs() {
        assert_eq!(
            clean("a\u{200B}b\u{2028}c\u{FFF9}d\u{E000}e\u{10FFFF}f"),
            "a\u{FFFD}b c\u{FFFD}d\u{FFFD}e\u{FFFD}f"
        );
        assert_eq!(clean("Mallory                 Pass   AbCd"), "Mallory Pass AbCd");
        let long = "x".repeat(5000);
        assert_eq!(clean(&long).chars().count(), MAX_CHARS + 1);
        assert!(!is_unsafe('é') && !is_unsafe('李') && !is_unsafe(' '));
    }

    #[test]
    fn bidi_overrides_are_replaced_and_plain_text_borrowed() {
        assert_eq!(clean("abc\u{202E}fed"), "abc\u{FFFD}fed");
        assert!(matches!(clean("Siobhán O'Brien 李伟"), Cow::Borrowed(_)));
        assert_eq!(clean("a\tb\nc"), "a b c");
    }
}
