//! The sign-in popup (`Clear` + a double-bordered `Block` + a wrapped `Paragraph`): where to go,
//! the `user_code` (bold, alone on its line, never wrapped), the tenant and app to check against
//! device-code phishing, the countdown from `expires_in`, and the keys. Also the "asking for a
//! code", "cancelled" and "failed" states. Before the first sign-in it is the whole screen (the
//! panes would only be empty); later it covers them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Padding, Paragraph, Wrap};

use super::popup::popup_block;
use crate::app::signin::{Phase, SignIn};
use crate::auth::signin::FailureKind;

fn keys(pairs: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (k, what)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("   "));
        }
        spans.push(Span::styled((*k).to_owned(), Style::new().fg(Color::Cyan)));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

/// `M:SS`.
pub fn mm_ss(secs: i64) -> String {
    let secs = secs.max(0);
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// Screen rows `text` takes when wrapped on words at `width` columns (as `Wrap` does; a word
/// longer than the line is cut), so that the popup is tall enough for its last line, the keys.
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    use unicode_width::UnicodeWidthStr;
    let width = width.max(1);
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = word.width();
        if used > 0 && used + 1 + w > width {
            rows += 1;
            used = 0;
        }
        used += if used > 0 { 1 + w } else { w };
        while used > width {
            rows += 1;
            used -= width;
        }
    }
    rows
}

/// Draws the popup for `s` centred in `area` at time `now`.
pub(super) fn render(s: &SignIn, now: jiff::Timestamp, frame: &mut Frame, area: Rect) {
    let dim = Style::new().fg(Color::DarkGray);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let width = 72.min(area.width);
    let inner_width = usize::from(width.saturating_sub(4)).max(1);
    let who = vec![
        Line::from(vec![Span::styled("Tenant  ", dim), Span::raw(s.tenant.clone())]),
        Line::from(vec![Span::styled("App     ", dim), Span::raw(format!("{} ({})", s.app_name, s.client_id))]),
    ];
    let (title, mut lines) = match &s.phase {
        Phase::Done => return,
        Phase::Starting => {
            ("Sign in to Microsoft Entra ID", vec![Line::raw("Asking the sign-in service for a code…"), Line::raw("")])
        }
        Phase::Code(c) => {
            let left = c.seconds_left(now);
            let countdown = if left > 0 {
                Line::raw(format!("The code expires in {}.", mm_ss(left)))
            } else {
                Line::styled("The code has expired.", Style::new().fg(Color::Red))
            };
            let code_style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
            (
                "Sign in to Microsoft Entra ID",
                vec![
                    Line::from(vec![
                        Span::raw("1. On any device, open  "),
                        Span::styled(c.verification_uri.clone(), bold),
                    ]),
                    Line::from(vec![
                        Span::raw("2. Enter the code       "),
                        Span::styled(c.user_code.clone(), code_style),
                    ]),
                    Line::raw(""),
                    countdown,
                    Line::styled("Only enter this code if you started tapdesk yourself just now.", dim),
                    Line::raw(""),
                ],
            )
        }
        Phase::Finishing => {
            ("Sign in to Microsoft Entra ID", vec![Line::raw("Code accepted; signing in…"), Line::raw("")])
        }
        Phase::Cancelled => (
            "Sign-in cancelled",
            vec![Line::raw("Sign-in cancelled: tapdesk stopped waiting for the code."), Line::raw("")],
        ),
        Phase::Failed { text, kind } => {
            let head = if *kind == FailureKind::Expired { "The code expired." } else { "Sign-in failed." };
            ("Sign-in failed", vec![Line::styled(head, bold), Line::raw(text.clone()), Line::raw("")])
        }
    };
    lines.extend(who);
    lines.push(Line::raw(""));
    lines.push(match &s.phase {
        Phase::Code(_) => keys(&[("Esc", "cancel"), ("c", "copy the code"), ("q", "quit")]),
        Phase::Starting | Phase::Finishing => keys(&[("Esc", "cancel"), ("q", "quit")]),
        Phase::Failed { kind: FailureKind::Expired, .. } => keys(&[("r", "new code"), ("q", "quit")]),
        _ => keys(&[("r", "sign in again (new code)"), ("q", "quit")]),
    });
    if let Some(c) = &s.copied {
        lines.push(Line::styled(c.clone(), Style::new().fg(Color::Green)));
    }
    let rows: usize = lines.iter().map(|l| wrapped_rows(&l.to_string(), inner_width)).sum();
    let height = (rows as u16 + 2).min(area.height);
    let rect = area.centered(Constraint::Length(width), Constraint::Length(height));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(popup_block(title).padding(Padding::horizontal(1))),
        rect,
    );
}
