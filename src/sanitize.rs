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

use crate::graph::types::{AuthMethod, User, UserCard};

/// The replacement shown for a removed character.
pub const REPLACEMENT: char = '\u{FFFD}';

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// `s` with every unsafe character replaced (tabs and newlines become a space). Borrows when
/// nothing needed replacing.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if is_unsafe(c) => REPLACEMENT,
                c => c,
            })
            .collect(),
    )
}

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
    use super::*;

    #[test]
    fn escape_sequences_are_neutralised() {
        let evil = "Eve\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}31m";
        let out = clean(evil);
        assert!(!out.chars().any(|c| c.is_control()), "{out:?}");
        assert_eq!(out, "Eve\u{FFFD}]52;c;ZXZpbA==\u{FFFD}\u{FFFD}[2J\u{FFFD}31m");
    }

    #[test]
    fn bidi_overrides_are_replaced_and_plain_text_borrowed() {
        assert_eq!(clean("abc\u{202E}fed"), "abc\u{FFFD}fed");
        assert!(matches!(clean("Siobhán O'Brien 李伟"), Cow::Borrowed(_)));
        assert_eq!(clean("a\tb\nc"), "a b c");
    }
}
