//! Popups: the new pass, and the keys help (generated from [`crate::keymap::bindings`]).

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
use crate::app::pass_watch::{PassWatch, WatchState};
use crate::app::tap_form::format_minutes;
use crate::clipboard::CopyOutcome;
use crate::keymap::{Action, bindings, key_hint};

/// Where users go next with their pass.
pub const NEXT_URL: &str = "https://aka.ms/mysecurityinfo";

pub(super) fn popup_block(title: &str) -> Block<'static> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(Style::new().fg(Color::Yellow))
        .title(Line::from(format!(" {title} ")).style(Style::new().add_modifier(Modifier::BOLD)))
}

/// Width of the label column in the pass popup.
const LABEL: usize = 7;

/// The pass split into screen lines of at most `width` columns, in groups of four. A group is never
/// split; a line that continues on the next ends with `↵` so no one reads a wrap as the end.
pub fn pass_lines(grouped: &str, width: usize) -> Vec<String> {
    let width = width.max(6);
    if grouped.chars().count() <= width {
        return vec![grouped.to_owned()];
    }
    let mut lines = Vec::new();
    let mut cur = String::new();
    for g in grouped.split(' ') {
        let need = if cur.is_empty() { g.chars().count() } else { cur.chars().count() + 1 + g.chars().count() };
        // Keep two columns free for " ↵" on every line but the last.
        if !cur.is_empty() && need > width - 2 {
            lines.push(format!("{cur} ↵"));
            cur.clear();
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(g);
    }
    lines.push(cur);
    lines
}

/// `s` cut to `max` characters with `…` (directory text only; never the pass).
fn one_line(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// "expires in 59 min", "starts in 2h 5m", "expired" — for the countdown line.
pub fn countdown(now: Timestamp, start: Timestamp, end: Option<Timestamp>) -> String {
    fn span(secs: i64) -> String {
        let m = (secs + 30) / 60;
        if m <= 60 {
            format!("{m} min")
        } else if m < 1440 {
            format!("{}h {}m", m / 60, m % 60)
        } else {
            format!("{}d {}h", m / 1440, (m % 1440) / 60)
        }
    }
    // A start a few seconds ahead is clock skew between Graph and this machine, not a delayed pass.
    if now.duration_until(start).as_secs() > 60 {
        return format!("starts in {}", span(now.duration_until(start).as_secs()));
    }
    match end {
        Some(e) if e > now => format!("expires in {}", span(now.duration_until(e).as_secs())),
        Some(_) => "expired".into(),
        None => String::new(),
    }
}

/// The pass popup: the whole pass (grouped, never cut), how to say it, its validity window
/// (operator's zone and UTC) with a countdown, where the user goes next, the keys, and what the
/// last copy did.
pub(super) fn render_pass(
    p: &PassPopup,
    watch: Option<&PassWatch>,
    tz: &TimeZone,
    now: Timestamp,
    clear_at: Option<Timestamp>,
    frame: &mut Frame,
    area: Rect,
) {
    let dead = watch.is_some_and(PassWatch::dead);
    let dim = Style::new().fg(Color::DarkGray);
    let width = 76.min(area.width);
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let start = p.tap.start_date_time.unwrap_or(now);
    let end = p.tap.end_date_time();
    let usage = match p.tap.is_usable_once {
        Some(true) => "one-time",
        Some(false) => "multi-use",
        None => "",
    };
    let lifetime = p.tap.lifetime_in_minutes.map(format_minutes).unwrap_or_default();
    let pad = " ".repeat(LABEL);
    // The name and UPN stay on one line, cut if need be, so that directory text can never wrap
    // into something that looks like a line of the popup (a fake "Pass" line).
    let room = inner_width.saturating_sub(LABEL + 2);
    let name = one_line(&p.user_name, room.min(40));
    let upn = one_line(&p.user_upn, room.saturating_sub(name.chars().count()));
    let mut lines = vec![Line::from(vec![
        Span::raw("For    "),
        Span::styled(name, Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(format!("  {upn}"), dim),
    ])];
    if let Some(w) = watch {
        lines.push(watch_line(w, tz, now));
    }
    let pass_style = if dead {
        Style::new().fg(Color::DarkGray).add_modifier(Modifier::CROSSED_OUT)
    } else {
        Style::new().fg(Color::LightGreen).add_modifier(Modifier::BOLD)
    };
    let grouped = crate::phonetic::group(p.pass.expose_secret(), 4);
    for (i, l) in pass_lines(&grouped, inner_width.saturating_sub(LABEL)).into_iter().enumerate() {
        let label = if i == 0 { "Pass   " } else { pad.as_str() };
        lines.push(Line::from(vec![Span::raw(label.to_owned()), Span::styled(l, pass_style)]));
    }
    // The spelling, wrapped on whole items.
    let mut say = String::new();
    let mut first = true;
    for item in crate::phonetic::spell(p.pass.expose_secret()) {
        let sep = if say.is_empty() { "" } else { " · " };
        if LABEL + say.chars().count() + sep.len() + item.chars().count() > inner_width && !say.is_empty() {
            lines.push(Line::styled(format!("{}{say}", if first { "Say    " } else { &pad }), dim));
            first = false;
            say.clear();
        } else {
            say.push_str(sep);
        }
        say.push_str(&item);
    }
    lines.push(Line::styled(format!("{}{say}", if first { "Say    " } else { &pad }), dim));
    lines.push(Line::raw(format!(
        "Valid  {} → {}",
        local_time(start, tz),
        end.map(|e| local_time(e, tz)).unwrap_or_default()
    )));
    if local_time(start, tz) != utc_time(start) {
        lines.push(Line::styled(format!("{pad}{} → {}", utc_time(start), end.map(utc_time).unwrap_or_default()), dim));
    }
    lines.push(Line::raw(format!("{pad}{lifetime}, {usage}; {}", countdown(now, start, end))));
    lines.push(Line::raw(format!("Next   the user signs in at {NEXT_URL}")));
    if p.quit_asked {
        lines.push(Line::styled(
            format!(
                "Quit now? Graph never shows this pass again. {} again quits; any other key keeps it.",
                key_hint(Action::Quit)
            ),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    } else if dead {
        lines.push(Line::from(vec![
            Span::styled(key_hint(Action::Back), Style::new().fg(Color::Cyan)),
            Span::raw(" close, then issue a new pass from the form"),
        ]));
    } else {
        lines.push(Line::from(vec![
            Span::styled(key_hint(Action::Copy), Style::new().fg(Color::Cyan)),
            Span::raw(" copy   "),
            Span::styled(key_hint(Action::Back), Style::new().fg(Color::Cyan)),
            Span::raw(" close (tapdesk then forgets the pass)"),
        ]));
    }
    if let Some(c) = &p.copied {
        let style = match c {
            CopyOutcome::Failed(_) => Style::new().fg(Color::Red),
            _ => Style::new().fg(Color::Green),
        };
        let mut text = c.message();
        if let Some(at) = clear_at.filter(|at| *at > now) {
            text.push_str(&format!(" Clipboard clears in {} s.", now.duration_until(at).as_secs().max(0)));
        }
        lines.push(Line::styled(text, style));
    }
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_width)).sum();
    let height = (rows as u16 + 2).min(area.height);
    let rect = area.centered(Constraint::Length(width), Constraint::Length(height));
    frame.render_widget(Clear, rect);
    let (title, border) = match watch.map(|w| &w.state) {
        Some(WatchState::Confirming) => ("Temporary Access Pass created: confirming with Graph", Color::Yellow),
        Some(WatchState::Replaced { .. }) => ("Pass REPLACED: this code no longer works", Color::Red),
        Some(WatchState::Gone) => ("Pass DELETED: this code no longer works", Color::Red),
        Some(WatchState::Active | WatchState::Used) | None => ("Temporary Access Pass issued", Color::Yellow),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(popup_block(title).border_style(Style::new().fg(border))),
        rect,
    );
}

/// One line on what Graph says of the pass on screen: being confirmed, confirmed (when), used,
/// or replaced / deleted elsewhere (in red: the code no longer works).
fn watch_line(w: &PassWatch, tz: &TimeZone, now: Timestamp) -> Line<'static> {
    let bad = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let name = one_line(&w.user_name, 30);
    match &w.state {
        WatchState::Confirming => match &w.last_error {
            Some(e) => Line::styled(
                format!(
                    "? Not confirmed yet: {e}. Checking again in {} s.",
                    now.duration_until(w.next_check).as_secs().max(0)
                ),
                Style::new().fg(Color::Yellow),
            ),
            None => Line::styled("… Checking with Graph that this is the active pass.", Style::new().fg(Color::Yellow)),
        },
        WatchState::Active => {
            let at = w.last_checked.map(|t| crate::timefmt::clock_both(t, tz)).unwrap_or_default();
            let stale = w.last_error.as_ref().map(|_| " (the last check failed; retrying)").unwrap_or_default();
            Line::styled(
                format!("✓ Graph holds this pass for {name} (checked {at}){stale}."),
                Style::new().fg(Color::Green),
            )
        }
        WatchState::Used => Line::styled(
            format!("✓ {name} has signed in with this pass (one-time: used)."),
            Style::new().fg(Color::Green),
        ),
        WatchState::Replaced { other_created } => {
            let when = other_created.map(|t| format!(" at {}", crate::timefmt::when(t, now, tz))).unwrap_or_default();
            Line::styled(
                format!("✗ Another pass for {name} was issued{when} and replaced this one. Do not read it out."),
                bad,
            )
        }
        WatchState::Gone => {
            Line::styled(format!("✗ {name} no longer has this pass (deleted elsewhere). Do not read it out."), bad)
        }
    }
}

/// A confirmation: the question, the ticket and verification fields, and the keys.
pub(super) fn render_confirm(c: &crate::app::Confirm, model: &crate::app::Model, frame: &mut Frame, area: Rect) {
    use crate::app::ConfirmField;
    let width = 70.min(area.width);
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let hl = |on: bool| {
        if on { Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD) } else { Style::new().fg(Color::DarkGray) }
    };
    let verification = model.just.choice_label();
    let required = if model.settings.require_justification { " (required)" } else { "" };
    let mut lines = vec![Line::styled(c.question.clone(), Style::new().add_modifier(Modifier::BOLD)), Line::raw("")];
    if let Some(w) = &c.warning {
        lines.push(Line::styled(format!("! {w}"), Style::new().fg(Color::Yellow)));
        lines.push(Line::raw(""));
    }
    lines.extend([
        Line::from(vec![
            Span::styled(format!("{:<10}", "Ticket"), hl(c.field == ConfirmField::Ticket)),
            Span::raw(model.just.ticket.clone()),
            Span::styled(
                if model.just.ticket.is_empty() { format!("reference{required}") } else { String::new() },
                Style::new().fg(Color::DarkGray),
            ),
        ]),
        Line::from(vec![
            Span::styled(format!("{:<10}", "Verified"), hl(c.field == ConfirmField::Verified)),
            Span::raw(verification),
        ]),
        Line::raw(""),
    ]);
    if let Some(e) = &c.error {
        lines.push(Line::styled(e.clone(), Style::new().fg(Color::Red)));
    }
    lines.push(Line::from(vec![
        Span::styled("Enter", Style::new().fg(Color::Cyan)),
        Span::raw(" confirm   "),
        Span::styled("Esc", Style::new().fg(Color::Cyan)),
        Span::raw(" cancel   "),
        Span::styled("Tab", Style::new().fg(Color::Cyan)),
        Span::raw(" field   "),
        Span::styled("← →", Style::new().fg(Color::Cyan)),
        Span::raw(" verification"),
    ]));
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_width)).sum();
    let rect = area.centered(Constraint::Length(width), Constraint::Length((rows as u16 + 2).min(area.height)));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(popup_block("Confirm")), rect);
}

/// The TAP policy pane: the policy as read, the form, and what may be changed.
pub(super) fn render_policy(e: &crate::app::policy_editor::PolicyEditor, frame: &mut Frame, area: Rect) {
    use crate::app::policy_editor::PolicyField;
    let dim = Style::new().fg(Color::DarkGray);
    let width = 70.min(area.width);
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let editable = e.read_only.is_none();
    let row = |f: PolicyField, label: &str, value: String, hint: &str| {
        let on = editable && e.focused() == f;
        let st = if on { Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD) } else { dim };
        let vst = if on { Style::new().add_modifier(Modifier::UNDERLINED) } else { Style::new() };
        Line::from(vec![
            Span::styled(format!("{label:<18}"), st),
            Span::styled(value, vst),
            Span::styled(format!("  {hint}"), dim),
        ])
    };
    let p = &e.original;
    let targets =
        |t: &[tapdesk_graph::types::PolicyTarget]| {
            if t.is_empty() {
                "none".to_owned()
            } else {
                t.iter()
                    .map(|t| {
                        if t.id == "all_users" { "all users".to_owned() } else { format!("{} {}", t.target_type, t.id) }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
    let mut lines = vec![
        row(PolicyField::State, "State", (if e.enabled { "◂ enabled ▸" } else { "◂ disabled ▸" }).into(), ""),
        row(PolicyField::Minimum, "Minimum lifetime", e.minimum.clone(), "minutes or 1h, 2d; 10m–30d"),
        row(PolicyField::Default, "Default lifetime", e.default.clone(), "between minimum and maximum"),
        row(PolicyField::Maximum, "Maximum lifetime", e.maximum.clone(), "10m–30d"),
        row(PolicyField::Length, "Length", e.length.clone(), "8–48 characters"),
        row(
            PolicyField::OneTime,
            "One-time only",
            (if e.one_time { "◂ yes ▸" } else { "◂ no: issuer chooses ▸" }).into(),
            "",
        ),
        Line::raw(""),
        Line::styled(format!("Included: {}", targets(&p.include_targets)), dim),
        Line::styled(format!("Excluded: {}", targets(&p.exclude_targets)), dim),
        Line::raw(""),
    ];
    if let Some(r) = &e.read_only {
        lines.push(Line::styled(r.clone(), Style::new().fg(Color::Yellow)));
    }
    if let Some(err) = &e.error {
        lines.push(Line::styled(err.clone(), Style::new().fg(Color::Red)));
    }
    lines.push(if e.saving {
        Line::styled("Saving…", Style::new().fg(Color::Yellow))
    } else if editable {
        Line::styled("Enter save   ↑↓ field   Space toggle   Esc close", Style::new().fg(Color::Cyan))
    } else {
        Line::styled("Esc close", Style::new().fg(Color::Cyan))
    });
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner_width)).sum();
    let rect = area.centered(Constraint::Length(width), Constraint::Length((rows as u16 + 2).min(area.height)));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(popup_block("Temporary Access Pass policy")),
        rect,
    );
}

/// The keys help overlay.
pub(super) fn render_help(frame: &mut Frame, area: Rect) {
    let lines: Vec<Line> = bindings()
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:<11}", b.display), Style::new().fg(Color::Cyan)),
                Span::raw(b.help.as_str()),
            ])
        })
        .collect();
    // The way out is in the bottom border, so it shows however many rows the keys take.
    let close = Line::styled(
        format!(" {} or {} closes this help ", key_hint(Action::Back), key_hint(Action::Help)),
        Style::new().fg(Color::DarkGray),
    );
    let height = (lines.len() as u16 + 2).min(area.height);
    let rect = area.centered(Constraint::Length(62.min(area.width)), Constraint::Length(height));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(popup_block("Keys").title_bottom(close)), rect);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_passes_wrap_on_groups_with_markers() {
        let g = crate::phonetic::group("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL", 4);
        assert_eq!(pass_lines("+drk zqAD", 40), vec!["+drk zqAD"]);
        let lines = pass_lines(&g, 20);
        assert!(lines.len() > 1);
        for l in &lines[..lines.len() - 1] {
            assert!(l.ends_with(" ↵") && l.chars().count() <= 20, "{l:?}");
        }
        let joined: String = lines.concat().chars().filter(|c| !c.is_whitespace() && *c != '↵').collect();
        assert_eq!(joined, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL", "nothing is cut");
    }

    #[test]
    fn countdown_words() {
        let t = |s: &str| s.parse::<Timestamp>().expect("ts");
        let now = t("2026-11-30T09:00:00Z");
        assert_eq!(countdown(now, now, Some(t("2026-11-30T10:00:00Z"))), "expires in 60 min");
        assert_eq!(countdown(now, t("2026-11-30T11:05:00Z"), None), "starts in 2h 5m");
        assert_eq!(countdown(now, t("2026-11-30T08:00:00Z"), Some(t("2026-11-30T08:30:00Z"))), "expired");
    }
}
