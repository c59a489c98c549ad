//! The Temporary Access Pass form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{clock_both, focused, pane};
use crate::app::tap_form::{Field, compact_minutes, lifetime_bounds};
use crate::app::{Focus, Loadable, Model};

pub(super) fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let is_focused = focused(model, Focus::TapForm);
    let block = pane(Line::from(" Temporary Access Pass "), is_focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let Some(sel) = &model.selected else {
        frame.render_widget(
            Paragraph::new("Select a user, then t to fill this form.")
                .style(Style::new().fg(Color::DarkGray)),
            inner,
        );
        return;
    };
    let policy = model.policy.ready();
    let label = |f: Field, text: &'static str| {
        let style = if is_focused && model.form.field == f {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::DarkGray)
        };
        Span::styled(format!("{text:<9}"), style)
    };
    let dim = Style::new().fg(Color::DarkGray);
    let (min, max) = lifetime_bounds(policy);
    let one_time_locked = policy.is_some_and(|p| p.is_usable_once);
    let name = sel
        .user
        .display_name
        .clone()
        .unwrap_or_else(|| sel.user.id.clone());

    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{:<9}", "For"), dim),
            Span::raw(name),
        ]),
        Line::from(vec![
            label(Field::Start, "Start"),
            Span::raw("now "),
            Span::styled(format!("({})", clock_both(model.now, &model.tz)), dim),
        ]),
        Line::from(vec![
            label(Field::Lifetime, "Lifetime"),
            Span::styled(
                model.form.lifetime.clone(),
                Style::new().add_modifier(Modifier::UNDERLINED),
            ),
            Span::styled(
                format!(
                    "  allowed {}–{}",
                    compact_minutes(min),
                    compact_minutes(max)
                ),
                dim,
            ),
        ]),
        Line::from(vec![
            label(Field::OneTime, "One-time"),
            Span::raw(if model.form.one_time {
                "[x] yes"
            } else {
                "[ ] no (multi-use)"
            }),
            Span::styled(
                if one_time_locked {
                    "  required by policy"
                } else {
                    ""
                },
                dim,
            ),
        ]),
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
    if let Some(err) = &model.form.error {
        lines.push(Line::styled(err.clone(), Style::new().fg(Color::Red)));
    } else if model.creating.is_some() {
        lines.push(Line::styled("Issuing…", Style::new().fg(Color::Yellow)));
    } else {
        lines.push(Line::styled(
            if is_focused {
                "Enter: issue the pass   Esc: back"
            } else {
                "t: fill this form"
            },
            if is_focused {
                Style::new().fg(Color::Cyan)
            } else {
                dim
            },
        ));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if is_focused && model.form.field == Field::Lifetime {
        let x = inner.x + 9 + model.form.lifetime.len() as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + 2));
    }
}
