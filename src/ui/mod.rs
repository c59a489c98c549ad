//! `view`: draws the [`Model`] and nothing else (no state changes, no I/O).
//!
//! Layout: **Users** on the left (search box + results), **Methods** top right, **Temporary
//! Access Pass** form bottom right, one status line at the bottom; popups (the pass, help) over
//! them, and the device-code sign-in over everything (alone on the screen before the first
//! sign-in). It fits 80x24 and grows with the terminal.

mod methods;
pub use methods::tap_state;
pub mod popup;
mod recovery;
pub mod signin;
mod tap_form;
mod users;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::app::{Focus, Model, Popup, StatusKind};
use crate::keymap::{Action, key_hint};
pub use crate::timefmt::{clock_both, date, local_time, utc_time};

/// Draws the whole screen.
pub fn view(model: &Model, frame: &mut Frame) {
    // Before the first sign-in the panes would only be empty: the sign-in popup is the screen.
    if let Some(s) = model.signin.as_ref().filter(|s| s.active() && !s.signed_in_once) {
        signin::render(s, model.now, frame, frame.area());
        return;
    }
    let [main, status] = Layout::vertical([Constraint::Min(10), Constraint::Length(1)]).areas(frame.area());
    let left_width = (main.width * 35 / 100).clamp(28, 60);
    let [left, right] = Layout::horizontal([Constraint::Length(left_width), Constraint::Min(30)]).areas(main);
    // The form folds to a summary while another pane has the keyboard, so the Methods pane gets
    // the room (at 80x24 that is the difference between seeing a user's last methods or not).
    let form_open = model.focus == Focus::TapForm || model.form.error.is_some() || model.creating.is_some();
    // An open form grows by the rows its last line (an error, or why issuing is disabled) wraps
    // to, so the sentence is read whole; the Methods pane keeps at least 6 rows.
    let form_height = if form_open && model.selected.is_some() {
        let inner = usize::from(right.width.saturating_sub(2)).max(1);
        let wrapped =
            tap_form::last_line(model).map_or(1, |t| unicode_width::UnicodeWidthStr::width(t.as_str()).div_ceil(inner));
        (8 + wrapped.max(1) as u16).min(right.height.saturating_sub(6)).max(9)
    } else {
        4
    };
    let [methods_area, form_area] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(form_height)]).areas(right);

    users::render(model, frame, left);
    methods::render(model, frame, methods_area);
    tap_form::render(model, frame, form_area);
    render_status(model, frame, status);

    if let Some(r) = &model.recovery {
        recovery::render(r, model, frame, main);
    }
    match &model.popup {
        Popup::None => {}
        Popup::Help => popup::render_help(frame, main),
        Popup::Policy(e) => popup::render_policy(e, frame, main),
        Popup::Confirm(c) => popup::render_confirm(c, model, frame, main),
        Popup::Pass(p) => popup::render_pass(
            p,
            model.pass_watch.as_ref().filter(|w| w.method_id == p.tap.base.id),
            &model.tz,
            model.now,
            model.clipboard_clear_at,
            frame,
            main,
        ),
    }
    // A sign-in needed again mid-session covers everything else.
    if let Some(s) = model.signin.as_ref().filter(|s| s.active()) {
        signin::render(s, model.now, frame, main);
    }
}

/// A bordered block whose border is highlighted when its pane has the keyboard.
pub(crate) fn pane(title: Line<'static>, focused: bool) -> Block<'static> {
    let style = if focused { Style::new().fg(Color::Cyan) } else { Style::new().fg(Color::DarkGray) };
    Block::bordered()
        .border_type(if focused { BorderType::Thick } else { BorderType::Plain })
        .border_style(style)
        .title(title.style(Style::new().fg(Color::Reset).add_modifier(Modifier::BOLD)))
}

pub(crate) fn focused(model: &Model, f: Focus) -> bool {
    model.focus == f && matches!(model.popup, Popup::None) && model.recovery.is_none()
}

fn render_status(model: &Model, frame: &mut Frame, area: Rect) {
    // A throttling wait takes the line while it lasts (with its countdown); the last status
    // comes back when it ends.
    let wait = model.wait_line();
    let style = match (&wait, model.status.kind) {
        (Some(_), _) => Style::new().fg(Color::Yellow),
        (None, StatusKind::Info) => Style::new(),
        (None, StatusKind::Ok) => Style::new().fg(Color::Green),
        (None, StatusKind::Error) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    };
    let status_text = wait.unwrap_or_else(|| model.status.text.clone());
    // Who is signed in: from the sign-in, else from `GET /me` once it answered.
    let who = if model.settings.identity.is_empty() {
        model.operator.as_ref().and_then(|o| o.user_principal_name.clone()).unwrap_or_default()
    } else {
        model.settings.identity.clone()
    };
    let (help, quit) = (key_hint(Action::Help), key_hint(Action::Quit));
    let hint = if who.is_empty() { format!(" {help} keys  {quit} quit ") } else { format!(" {who} · {help} keys ") };
    let hint_len = unicode_width::UnicodeWidthStr::width(hint.as_str());
    // The hint gives way to a long status text.
    let text_width = unicode_width::UnicodeWidthStr::width(status_text.as_str());
    let hint_width = if text_width + hint_len > usize::from(area.width) { 0 } else { hint_len as u16 };
    let [text, keys] = Layout::horizontal([Constraint::Min(10), Constraint::Length(hint_width)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(Span::styled(status_text, style))), text);
    frame.render_widget(Paragraph::new(Span::styled(hint, Style::new().fg(Color::DarkGray))), keys);
}
