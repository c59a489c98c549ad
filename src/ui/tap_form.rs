//! The Temporary Access Pass form: start, lifetime, one-time, ticket, verification.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{clock_both, focused, pane};
use crate::app::tap_form::{Field, compact_minutes, lifetime_bounds, parse_start};
use crate::app::{Focus, Loadable, Model};
use crate::keymap::{Action, key_hint};

pub(super) fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let is_focused = focused(model, Focus::TapForm);
    let title = match &model.selected {
        Some(sel) => format!(" Temporary Access Pass: {} ", sel.user.display_name.clone().unwrap_or_default()),
        None => " Temporary Access Pass ".to_owned(),
    };
    let block = pane(Line::from(title), is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    if model.selected.is_none() {
        frame.render_widget(
            Paragraph::new("Select a user, then t to fill this form.").style(Style::new().fg(Color::DarkGray)),
            inner,
        );
        return;
    }
    let policy = model.policy.ready();
    let form = &model.form;
    if inner.height < 5 {
        render_folded(model, frame, inner);
        return;
    }
    let on = |f: Field| is_focused && form.field == f;
    let label = |f: Field, text: &'static str| {
        let style = if on(f) {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else if form.error_field == Some(f) {
            Style::new().fg(Color::Red)
        } else {
            Style::new().fg(Color::DarkGray)
        };
        Span::styled(format!("{text:<9}"), style)
    };
    let value = |f: Field, text: String| {
        let mut st = Style::new();
        if on(f) {
            st = st.add_modifier(Modifier::UNDERLINED);
        }
        Span::styled(text, st)
    };
    let dim = Style::new().fg(Color::DarkGray);
    let (min, max) = lifetime_bounds(policy);
    let one_time_locked = policy.is_some_and(|p| p.is_usable_once);

    let start_hint = match parse_start(&form.start, model.now, &model.tz) {
        Ok(None) => format!("now ({})", clock_both(model.now, &model.tz)),
        Ok(Some(ts)) => format!("= {}", clock_both(ts, &model.tz)),
        Err(_) => "YYYY-MM-DD HH:MM, your time zone".to_owned(),
    };
    let start_text = if form.start.is_empty() && !on(Field::Start) { String::new() } else { form.start.clone() };
    let verification = model.just.choice_label();
    let required = if model.settings.require_justification { " (required)" } else { "" };
    let mut lines = vec![
        Line::from(vec![
            label(Field::Start, "Start"),
            value(Field::Start, start_text.clone()),
            Span::styled(if start_text.is_empty() { start_hint } else { format!("  {start_hint}") }, dim),
        ]),
        Line::from(vec![
            label(Field::Lifetime, "Lifetime"),
            value(Field::Lifetime, form.lifetime.clone()),
            match form.lifetime_note(policy) {
                Some(note) => Span::styled(format!("  {note}"), Style::new().fg(Color::Red)),
                None => Span::styled(format!("  allowed {}–{}", compact_minutes(min), compact_minutes(max)), dim),
            },
        ]),
        Line::from(vec![
            label(Field::OneTime, "One-time"),
            value(Field::OneTime, (if form.one_time { "[x] yes" } else { "[ ] no (multi-use)" }).to_owned()),
            match form.one_time_note(policy) {
                Some(note) => Span::styled(format!("  {note}"), Style::new().fg(Color::Red)),
                None => Span::styled(if one_time_locked { "  required by policy" } else { "" }, dim),
            },
        ]),
        Line::from(vec![
            label(Field::Ticket, "Ticket"),
            value(Field::Ticket, model.just.ticket.clone()),
            Span::styled(
                if model.just.ticket.is_empty() { format!("reference{required}") } else { String::new() },
                dim,
            ),
        ]),
        Line::from(vec![label(Field::Verified, "Verified"), value(Field::Verified, verification)]),
    ];
    let policy_line = match &model.policy {
        Loadable::Ready(p) => format!(
            "Policy {} · {} chars · default {}",
            p.state,
            p.default_length,
            compact_minutes(p.default_lifetime_in_minutes)
        ),
        Loadable::Failed(_) => "Policy unreadable: Graph's 10m–30d apply".into(),
        _ => "Policy loading…".into(),
    };
    lines.push(Line::styled(policy_line, dim));
    let blocked = model.preflight().and_then(|f| crate::app::preflight::blocker(&f).map(|b| b.text.clone()));
    if let Some(err) = &form.error {
        lines.push(Line::styled(err.clone(), Style::new().fg(Color::Red)));
    } else if model.creating.is_some() {
        lines.push(Line::styled("Issuing…", Style::new().fg(Color::Yellow)));
    } else if let Some(b) = blocked {
        lines.push(Line::styled(format!("✗ Issue disabled: {b}"), Style::new().fg(Color::Red)));
    } else if is_focused {
        let (issue, back) = (key_hint(Action::Select), key_hint(Action::Back));
        lines.push(Line::styled(
            format!("{issue}: issue the pass  ↑↓: field  {back}: back"),
            Style::new().fg(Color::Cyan),
        ));
    } else {
        lines.push(Line::styled(format!("{}: fill this form", key_hint(Action::TapForm)), dim));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if is_focused {
        let (row, text) = match form.field {
            Field::Start => (0, form.start.as_str()),
            Field::Lifetime => (1, form.lifetime.as_str()),
            Field::Ticket => (3, model.just.ticket.as_str()),
            _ => return,
        };
        let x = inner.x + 9 + unicode_width::UnicodeWidthStr::width(text) as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + row));
    }
}

/// The text of the open form's last line when it is a sentence that may wrap: the form's error,
/// or why issuing is disabled (for the layout, which gives it the rows it needs).
pub(super) fn last_line(model: &Model) -> Option<String> {
    if let Some(err) = &model.form.error {
        return Some(err.clone());
    }
    if model.creating.is_some() {
        return None;
    }
    model.preflight().and_then(|f| crate::app::preflight::blocker(&f).map(|b| format!("✗ Issue disabled: {}", b.text)))
}

/// The form folded to two lines: what would be issued, and how to open it (or why not).
fn render_folded(model: &Model, frame: &mut Frame, inner: Rect) {
    let dim = Style::new().fg(Color::DarkGray);
    let form = &model.form;
    let start = if form.start.trim().is_empty() { "now".to_owned() } else { form.start.trim().to_owned() };
    let lifetime = crate::app::tap_form::parse_lifetime(&form.lifetime)
        .map(compact_minutes)
        .unwrap_or_else(|_| form.lifetime.clone());
    let mut summary = format!("Start {start} · {lifetime} · {}", if form.one_time { "one-time" } else { "multi-use" });
    if let Some(t) = model.just.ticket_text() {
        summary.push_str(&format!(" · {t}"));
    }
    let blocked = model.preflight().and_then(|f| crate::app::preflight::blocker(&f).map(|b| b.text.clone()));
    let second = match blocked {
        Some(b) => Line::styled(format!("✗ Issue disabled: {b}"), Style::new().fg(Color::Red)),
        None => Line::styled("t: open this form · F: lost-key recovery", dim),
    };
    frame.render_widget(Paragraph::new(vec![Line::styled(summary, dim), second]), inner);
}
