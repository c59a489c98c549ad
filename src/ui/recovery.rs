//! The lost-key recovery flow's popup: the steps with their results, and the current step's keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::app::Model;
use crate::app::recovery::{Outcome, Recovery, Step};

const STEPS: [(Step, &str); 5] = [
    (Step::Verify, "Verify the caller"),
    (Step::PickKey, "Delete the lost FIDO2 key"),
    (Step::Revoke, "Revoke sign-in sessions"),
    (Step::Issue, "Issue a one-time Temporary Access Pass"),
    (Step::Show, "Show and copy the pass"),
];

fn order(s: Step) -> usize {
    match s {
        Step::Verify => 0,
        Step::PickKey => 1,
        Step::Revoke => 2,
        Step::Issue => 3,
        Step::Show => 4,
        Step::Summary => 5,
    }
}

pub(super) fn render(r: &Recovery, model: &Model, frame: &mut Frame, area: Rect) {
    let dim = Style::new().fg(Color::DarkGray);
    let key = Style::new().fg(Color::Cyan);
    let name = r.user.display_name.clone().unwrap_or_else(|| r.user.id.clone());
    let mut lines = Vec::new();
    for (step, label) in STEPS {
        let (mark, style) = if order(step) < order(r.step) || r.step == Step::Summary {
            ("·", dim)
        } else if step == r.step {
            ("▶", Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD))
        } else {
            (" ", dim)
        };
        lines.push(Line::styled(format!("{mark} {label}"), style));
    }
    lines.push(Line::raw(""));
    for o in &r.log {
        let (m, st) = match o {
            Outcome::Done(t) => (format!("✓ {t}"), Style::new().fg(Color::Green)),
            Outcome::Skipped(t) => (format!("– {t}"), dim),
            Outcome::Failed(t) => (format!("✗ {t}"), Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
        };
        lines.push(Line::styled(m, st));
    }
    if !r.log.is_empty() {
        lines.push(Line::raw(""));
    }
    if r.waiting.is_some() {
        lines.push(Line::styled("Waiting for Graph…", Style::new().fg(Color::Yellow)));
    } else {
        match r.step {
            Step::Verify => {
                let hl = |on: bool| if on { Style::new().fg(Color::Yellow) } else { dim };
                let v = model.just.choice_label();
                lines.push(Line::from(vec![
                    Span::styled("Ticket    ", hl(r.on_ticket)),
                    Span::raw(model.just.ticket.clone()),
                ]));
                lines.push(Line::from(vec![Span::styled("Verified  ", hl(!r.on_ticket)), Span::raw(v)]));
                // A "lost" key that signed in recently is said before the caller is trusted.
                for k in &r.keys {
                    if let Some(w) = &k.recent_use {
                        let name = k.description.split(" created ").next().unwrap_or(&k.description);
                        lines.push(Line::styled(format!("! {name}: {w}"), Style::new().fg(Color::Yellow)));
                    }
                }
                lines.push(Line::from(vec![
                    Span::styled("Enter", key),
                    Span::raw(" continue   Tab field   ← → verification"),
                ]));
            }
            Step::PickKey => {
                lines.push(Line::raw(format!("Which key did {name} lose?")));
                for (i, k) in r.keys.iter().enumerate() {
                    let st = if i == r.key_row { Style::new().add_modifier(Modifier::REVERSED) } else { Style::new() };
                    lines.push(Line::styled(format!("  {}", k.description), st));
                    if let Some(w) = &k.recent_use {
                        lines.push(Line::styled(format!("    ! {w}"), Style::new().fg(Color::Yellow)));
                    }
                }
                lines.push(Line::from(vec![
                    Span::styled("Enter", key),
                    Span::raw(" delete the highlighted key   "),
                    Span::styled("s", key),
                    Span::raw(" skip"),
                ]));
            }
            Step::Revoke => lines.push(Line::from(vec![
                Span::styled("Enter", key),
                Span::raw(format!(" revoke all of {name}'s sessions   ")),
                Span::styled("s", key),
                Span::raw(" skip"),
            ])),
            Step::Issue => {
                let lifetime = model
                    .policy
                    .ready()
                    .map(|p| crate::app::tap_form::format_minutes(p.default_lifetime_in_minutes))
                    .unwrap_or_else(|| "the policy's default".into());
                lines.push(Line::from(vec![
                    Span::styled("Enter", key),
                    Span::raw(format!(" issue a one-time pass ({lifetime})   ")),
                    Span::styled("s", key),
                    Span::raw(" skip"),
                ]));
            }
            Step::Show => {}
            Step::Summary => {
                if let Some(w) = &model.pass_watch {
                    lines.push(summary_watch_line(w, model));
                }
                let verdict = if r.failed() { "Stopped: see the failure above." } else { "Done." };
                lines.push(Line::styled(verdict, Style::new().add_modifier(Modifier::BOLD)));
                lines.push(Line::from(vec![Span::styled("Enter/Esc", key), Span::raw(" close")]));
            }
        }
    }
    if let Some(e) = &r.error {
        lines.push(Line::styled(e.clone(), Style::new().fg(Color::Red)));
    }
    if r.step != Step::Summary {
        lines.push(Line::styled("Esc stops the flow here.", dim));
    }
    let width = 72.min(area.width);
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_width)).sum();
    let rect = area.centered(Constraint::Length(width), Constraint::Length((rows as u16 + 2).min(area.height)));
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(Style::new().fg(Color::Magenta))
        .title(Line::from(format!(" Lost-key recovery: {name} ")).style(Style::new().add_modifier(Modifier::BOLD)));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
}

/// What Graph says now of the pass the flow issued (rechecked every 15 s while the summary is
/// open): still the user's, used, or replaced / deleted elsewhere.
fn summary_watch_line(w: &crate::app::pass_watch::PassWatch, model: &Model) -> Line<'static> {
    use crate::app::pass_watch::WatchState;
    let bad = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    match &w.state {
        WatchState::Confirming => {
            Line::styled("… Checking with Graph that the pass is the active one.", Style::new().fg(Color::Yellow))
        }
        WatchState::Active => Line::styled(
            format!(
                "✓ Graph holds the pass (checked {}).",
                w.last_checked.map(|t| crate::timefmt::clock_both(t, &model.tz)).unwrap_or_default()
            ),
            Style::new().fg(Color::Green),
        ),
        WatchState::Used => Line::styled("✓ The user has signed in with the pass.", Style::new().fg(Color::Green)),
        WatchState::Replaced { other_created } => Line::styled(
            format!(
                "✗ Another pass was issued{} and replaced this one: the code read out no longer works.",
                other_created
                    .map(|t| format!(" at {}", crate::timefmt::when(t, model.now, &model.tz)))
                    .unwrap_or_default()
            ),
            bad,
        ),
        WatchState::Gone => Line::styled("✗ The pass was deleted elsewhere: the code read out no longer works.", bad),
    }
}
