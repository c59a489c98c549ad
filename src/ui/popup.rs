//! Popups: the new pass, and the keys help (generated from [`crate::keymap::BINDINGS`]).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
use secrecy::ExposeSecret;

use super::{local_time, utc_time};
use crate::app::PassPopup;
use crate::app::tap_form::format_minutes;
use crate::clipboard::CopyOutcome;
use crate::keymap::BINDINGS;

/// Where users go next with their pass.
pub const NEXT_URL: &str = "https://aka.ms/mysecurityinfo";

fn popup_block(title: &str) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(Style::new().fg(Color::Yellow))
        .title(Line::from(format!(" {title} ")).style(Style::new().add_modifier(Modifier::BOLD)))
}

/// The pass popup: the whole pass, its validity window (operator's zone and UTC), where the user
/// goes next, the keys, and what the last copy did.
pub(super) fn render_pass(
    p: &PassPopup,
    tz: &TimeZone,
    now: Timestamp,
    frame: &mut Frame,
    area: Rect,
) {
    let dim = Style::new().fg(Color::DarkGray);
    let start = p.tap.start_date_time.unwrap_or(now);
    let end = p.tap.end_date_time();
    let usage = match p.tap.is_usable_once {
        Some(true) => "one-time",
        Some(false) => "multi-use",
        None => "",
    };
    let lifetime = p
        .tap
        .lifetime_in_minutes
        .map(format_minutes)
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(vec![
            Span::raw("For    "),
            Span::styled(
                p.user_name.clone(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::from(vec![
            Span::raw("       "),
            Span::styled(p.user_upn.clone(), dim),
        ]),
        Line::raw(""),
        Line::from(vec![
            Span::raw("Pass   "),
            Span::styled(
                p.pass.expose_secret().to_owned(),
                Style::new()
                    .fg(Color::LightGreen)
                    .add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::raw(""),
        Line::raw(format!(
            "Valid  {} → {}",
            local_time(start, tz),
            end.map(|e| local_time(e, tz)).unwrap_or_default()
        )),
    ];
    if local_time(start, tz) != utc_time(start) {
        lines.push(Line::styled(
            format!(
                "       {} → {}",
                utc_time(start),
                end.map(utc_time).unwrap_or_default()
            ),
            dim,
        ));
    }
    lines.extend([
        Line::raw(format!("       {lifetime}, {usage}")),
        Line::raw(format!("Next   the user signs in at {NEXT_URL}")),
        Line::raw(""),
        Line::from(vec![
            Span::styled("c", Style::new().fg(Color::Cyan)),
            Span::raw(" copy   "),
            Span::styled("Esc", Style::new().fg(Color::Cyan)),
            Span::raw(" close (tapdesk then forgets the pass)"),
        ]),
    ]);
    if let Some(c) = &p.copied {
        let style = match c {
            CopyOutcome::Failed(_) => Style::new().fg(Color::Red),
            _ => Style::new().fg(Color::Green),
        };
        lines.push(Line::styled(c.message(), style));
    }
    let width = 72.min(area.width);
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_width))
        .sum();
    let height = (rows as u16 + 2).min(area.height);
    let rect = area.centered(Constraint::Length(width), Constraint::Length(height));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(popup_block("Temporary Access Pass issued")),
        rect,
    );
}

/// The keys help overlay.
pub(super) fn render_help(frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:<11}", b.keys), Style::new().fg(Color::Cyan)),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Esc or ? closes this help.",
        Style::new().fg(Color::DarkGray),
    ));
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = area.centered(
        Constraint::Length(62.min(area.width)),
        Constraint::Length(height),
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(popup_block("Keys")), rect);
}
