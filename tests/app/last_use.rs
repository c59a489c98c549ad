//! Is the "lost" key really lost? Graph's `lastUsedDateTime` in the Methods pane, and a warning in
//! words before a key that signed in within the last 24 h is deleted, in the delete confirmation
//! and in the recovery flow's verify and pick steps.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use common::*;
use tapdesk::app::recovery::Step;
use tapdesk::app::{Model, Popup};
use tapdesk_graph::types::AuthMethod;

/// Avery's methods with her YubiKey last used `key_mins` minutes before [`now`] and her phone
/// 3 days before.
fn avery_with_key_used(key_mins: i64) -> Model {
    let mut methods = avery_methods();
    for m in &mut methods {
        match m {
            AuthMethod::Fido2(f) => {
                f.base.last_used_date_time = Some(now() - jiff::SignedDuration::from_mins(key_mins))
            }
            AuthMethod::MicrosoftAuthenticator(a) => {
                a.base.last_used_date_time = Some(now() - jiff::SignedDuration::from_hours(72));
            }
            _ => {}
        }
    }
    avery_selected_with(methods)
}

fn screen(m: &Model, w: u16, h: u16) -> String {
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
    t.draw(|f| tapdesk::ui::view(m, f)).unwrap();
    t.backend().to_string()
}

const WARNING: &str = "This key signed in 12 min ago: it may not be lost, or someone else has it. Verify the caller again before deleting it.";

#[test]
fn the_methods_pane_says_when_each_method_last_signed_in() {
    let m = avery_with_key_used(12);
    let s = screen(&m, 160, 40);
    assert!(s.contains("YubiKey 5 NFC · used 12 min ago"), "{s}");
    assert!(s.contains("Pixel 8 · app 6.2401.0119 · last used 2026-11-27"), "{s}");
    // At 80 columns the two-line rows keep it too.
    let s = screen(&m, 80, 24);
    assert!(s.contains("used 12 min ago"), "{s}");
}

#[test]
fn deleting_a_key_used_minutes_ago_warns_in_the_confirmation() {
    let mut m = avery_with_key_used(12);
    send(&mut m, ch('j'));
    send(&mut m, ch('j'));
    assert!(send(&mut m, ch('d')).is_empty(), "nothing is sent before the confirmation");
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation") };
    assert_eq!(c.question, "Delete FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01 from Avery Quinn?");
    assert_eq!(c.warning.as_deref(), Some(WARNING));
    // The whole warning is on screen at 80x24.
    let s = screen(&m, 80, 24);
    assert!(s.contains("! This key signed in 12 min ago: it may not be lost, or someone else"), "{s}");
    assert!(s.contains("has it. Verify the caller again before deleting it."), "{s}");
}

#[test]
fn a_key_last_used_days_ago_is_deleted_without_the_warning() {
    let mut m = avery_with_key_used(3 * 24 * 60);
    send(&mut m, ch('j'));
    send(&mut m, ch('j'));
    send(&mut m, ch('d'));
    let Popup::Confirm(c) = &m.popup else { panic!("a confirmation") };
    assert_eq!(c.question, "Delete FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01 from Avery Quinn?");
    assert_eq!(c.warning, None);
}

#[test]
fn the_recovery_flow_warns_at_verify_and_at_the_key() {
    let mut m = avery_with_key_used(12);
    send(&mut m, ch('F'));
    assert_eq!(m.recovery.as_ref().unwrap().step, Step::Verify);
    assert_eq!(m.recovery.as_ref().unwrap().keys[0].recent_use.as_deref(), Some(WARNING));
    let s = screen(&m, 120, 40);
    assert!(s.contains("! FIDO2 security key 'YubiKey 5 NFC': This key signed in 12 min ago"), "{s}");
    type_str(&mut m, "INC-100");
    send(&mut m, key(crossterm::event::KeyCode::Tab));
    send(&mut m, key(crossterm::event::KeyCode::Right));
    send(&mut m, key(crossterm::event::KeyCode::Enter));
    assert_eq!(m.recovery.as_ref().unwrap().step, Step::PickKey);
    let s = screen(&m, 120, 40);
    assert!(s.contains("! This key signed in 12 min ago"), "{s}");
}
