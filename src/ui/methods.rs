//! The Methods pane: who the selected user is, and their authentication methods as a `Table`.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{date, focused, pane};
use crate::app::preflight::Severity;
use crate::app::{Focus, Loadable, Model};
use crate::keymap::{Action, key_hint};
use tapdesk_graph::types::{AuthMethod, TapMethod};

pub(super) fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(sel) = &model.selected else {
        let block = pane(Line::from(" Methods "), focused(model, Focus::Methods));
        let p = Paragraph::new(format!(
            "Select a user: {} to search, {} to select.",
            key_hint(Action::Search),
            key_hint(Action::Select)
        ))
        .style(Style::new().fg(Color::DarkGray))
        .block(block);
        frame.render_widget(p, area);
        return;
    };
    let u = &sel.user;
    let name = u.display_name.clone().unwrap_or_else(|| u.id.clone());
    let block = pane(Line::from(format!(" Methods: {name} ")), focused(model, Focus::Methods));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let methods: &[AuthMethod] = sel.methods.ready().map_or(&[], Vec::as_slice);
    // Wide panes: one row per method. Narrow panes (80 columns): two lines per method, so
    // the details are never cut to a few characters.
    let wide = inner.width >= 72;
    // The method column of the narrow table: the pane less the Created column and a gap.
    let narrow_width = usize::from(inner.width.saturating_sub(11));
    let type_width = methods.iter().map(|m| m.type_label().chars().count()).max().unwrap_or(8).min(26) as u16;
    let rows: Vec<(Row, u16)> = methods
        .iter()
        .map(|m| {
            let (kind, mut detail, created) = describe(m, model.now, &model.tz);
            // When it last signed in (Graph's `lastUsedDateTime`), where Graph says: a "lost"
            // key used minutes ago is worth a second look (yellow within 24 h).
            let used = match m {
                AuthMethod::TemporaryAccessPass(_) => None,
                _ => crate::app::last_use::last_used_words(m, model.now, &model.tz),
            };
            let recent = crate::app::last_use::is_recent(m, model.now);
            let who = match m {
                AuthMethod::TemporaryAccessPass(t) => Some(provenance(t, model)),
                _ => None,
            };
            if wide {
                if let Some(who) = &who {
                    detail = detail.replacen(" · t: ", &format!(" · {who} · t: "), 1);
                }
                // The last use before the aaGuid, which is the first to be cut.
                if let Some(u) = &used {
                    detail = join(&[Some(detail.as_str()), Some(u.as_str())]);
                }
                let detail = match m {
                    AuthMethod::Fido2(f) if f.aa_guid.is_some() => {
                        format!("{detail} · aaGuid {}", f.aa_guid.as_deref().unwrap_or_default())
                    }
                    _ => detail,
                };
                let style = if recent { Style::new().fg(Color::Yellow) } else { Style::new() };
                (Row::new(vec![Cell::from(kind), Cell::from(detail), Cell::from(created)]).style(style), 1)
            } else {
                if detail.is_empty() && used.is_none() {
                    return (Row::new(vec![Cell::from(kind), Cell::from(created)]), 1);
                }
                // No room for the key hint here (the TAP form below names `t`).
                let detail = if who.is_some() { detail.replacen(" · t: issue a replacement", "", 1) } else { detail };
                let mut lines = vec![Line::from(kind)];
                // Details longer than the column wrap at their " · " separators (a pass ending
                // tomorrow: "active until Sat 5 Dec 00:03 UTC · one-time"), never cut.
                if !detail.is_empty() {
                    for part in wrap_segments(&detail, narrow_width.saturating_sub(2)) {
                        lines.push(Line::styled(format!("  {part}"), Style::new().fg(Color::Gray)));
                    }
                }
                // A recent last use gets its own line, so it is never cut at the pane edge; an
                // older one joins the details where it fits (the wide pane always shows it).
                match &used {
                    Some(u) if recent => lines.push(Line::styled(format!("  {u}"), Style::new().fg(Color::Yellow))),
                    Some(u) if lines.len() == 2 => {
                        let joined = format!("  {detail} · {u}");
                        if unicode_width::UnicodeWidthStr::width(joined.as_str()) <= narrow_width {
                            lines[1] = Line::styled(joined, Style::new().fg(Color::Gray));
                        }
                    }
                    _ => {}
                }
                if let AuthMethod::Fido2(f) = m
                    && let Some(g) = &f.aa_guid
                {
                    lines.push(Line::styled(format!("  {g}"), Style::new().fg(Color::DarkGray)));
                }
                // Who issued a pass gets its own line, so it is never cut at the pane edge.
                if let Some(who) = who {
                    lines.push(Line::styled(format!("  {who}"), Style::new().fg(Color::Gray)));
                }
                let h = lines.len() as u16;
                (Row::new(vec![Cell::from(Text::from(lines)), Cell::from(created)]).height(h), h)
            }
        })
        .collect();
    // The rows the table needs (header included): the watch's news line goes into the card only
    // when it does not push a method out of the pane (the status line says it either way).
    let table_needed: u16 = 1 + rows.iter().map(|(_, h)| *h).sum::<u16>();
    let w = usize::from(inner.width.max(1));
    let height_of = |card: &[Line]| -> usize { card.iter().map(|l| l.width().max(1).div_ceil(w)).sum() };
    let mut card = card_lines(model, sel, true);
    if height_of(&card) + usize::from(table_needed) > usize::from(inner.height) {
        card = card_lines(model, sel, false);
    }
    let card_height = height_of(&card);
    let card_height = (card_height as u16).min(inner.height.saturating_sub(3).max(1));
    let [card_area, table_area] = Layout::vertical([Constraint::Length(card_height), Constraint::Min(1)]).areas(inner);
    frame.render_widget(Paragraph::new(card).wrap(ratatui::widgets::Wrap { trim: true }), card_area);

    match &sel.methods {
        Loadable::Idle | Loadable::Loading(_) => {
            frame.render_widget(Paragraph::new("Loading methods…").style(Style::new().fg(Color::DarkGray)), table_area);
        }
        Loadable::Failed(e) => {
            frame.render_widget(Paragraph::new(e.clone()).style(Style::new().fg(Color::Red)), table_area);
        }
        Loadable::Ready(methods) if methods.is_empty() => {
            frame.render_widget(Paragraph::new("No authentication methods registered."), table_area);
        }
        Loadable::Ready(_) => {
            let table = if wide {
                Table::new(
                    rows.into_iter().map(|(r, _)| r),
                    [Constraint::Length(type_width), Constraint::Min(10), Constraint::Length(10)],
                )
                .header(Row::new(vec!["Type", "Details", "Created"]).style(Style::new().add_modifier(Modifier::BOLD)))
            } else {
                Table::new(rows.into_iter().map(|(r, _)| r), [Constraint::Min(10), Constraint::Length(10)])
                    .header(Row::new(vec!["Method", "Created"]).style(Style::new().add_modifier(Modifier::BOLD)))
            };
            let table = table.row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
            let mut state = TableState::default();
            if focused(model, Focus::Methods) {
                state.select(Some(sel.method_row));
            }
            frame.render_stateful_widget(table, table_area, &mut state);
        }
    }
}

/// The caller-verification card (two lines) and the pre-flight verdict (one line).
fn card_lines<'a>(model: &Model, sel: &crate::app::Selected, news: bool) -> Vec<Line<'a>> {
    let dim = Style::new().fg(Color::DarkGray);
    let card = sel.card.ready();
    let u = card.map_or(&sel.user, |c| &c.user);
    let mut first = vec![u.user_principal_name.clone().unwrap_or_default()];
    if let Some(t) = &u.user_type {
        first.push(t.clone());
    }
    if u.account_enabled == Some(false) {
        first.push("DISABLED".into());
    }
    if let Some(c) = u.created_date_time {
        first.push(format!("since {}", date(c, &model.tz)));
    }
    if u.on_premises_sync_enabled == Some(true) {
        first.push("synced from AD".into());
    }
    let mut second: Vec<String> =
        [&u.job_title, &u.department, &u.office_location].into_iter().flatten().cloned().collect();
    if let Some(e) = &u.employee_id {
        second.push(format!("ID {e}"));
    }
    match (&sel.card, card.and_then(|c| c.manager.as_ref())) {
        (_, Some(m)) => second.push(format!("manager {}", m.display_name.clone().unwrap_or_default())),
        (Loadable::Ready(_), None) => second.push("no manager".into()),
        _ => {}
    }
    let verdict = match (&sel.card, model.preflight()) {
        (Loadable::Failed(e), _) => Line::styled(e.clone(), Style::new().fg(Color::Red)),
        (_, Some(findings)) => match findings.first() {
            Some(f) => {
                let (mark, style) = match f.severity {
                    Severity::Blocks => ("✗ ", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
                    Severity::Warns => ("! ", Style::new().fg(Color::Yellow)),
                    Severity::Fine => ("✓ ", Style::new().fg(Color::Green)),
                };
                let mut spans = vec![Span::styled(format!("{mark}{}", f.text), style)];
                if findings.len() > 1 {
                    let rest: Vec<&str> = findings[1..].iter().map(|f| f.text.as_str()).collect();
                    spans.push(Span::styled(format!(" · {}", rest.join(" · ")), dim));
                }
                Line::from(spans)
            }
            None => Line::raw(""),
        },
        _ => Line::styled("Checking groups, roles and policy…", dim),
    };
    let mut lines = vec![Line::styled(first.join(" · "), dim), Line::styled(second.join(" · "), dim), verdict];
    // What the methods watch saw since (a method registered, a pass used, a key signing in).
    if let Some(news) = model.watch_news().filter(|_| news) {
        lines.push(Line::styled(format!("● {news}"), Style::new().fg(Color::Green)));
    }
    if model.methods_watch.as_ref().is_some_and(|w| w.user_id == sel.user.id && !w.active(model.now)) {
        lines.push(Line::styled("Watch paused (no key for 15 min): any key resumes it.", dim));
    }
    lines
}

/// Who issued a pass, as far as this console knows: `issued here` for one it created this
/// session, `issued here, its code never arrived` for one a create of this console made whose
/// answer was lost, else `issued elsewhere at {when}` (from `createdDateTime`), so a pass another
/// console or the portal issued is never taken for this console's own.
pub fn provenance(t: &TapMethod, model: &Model) -> String {
    if model.issued_here.contains(&t.base.id) {
        return "issued here".into();
    }
    if model.codes_lost_here.contains(&t.base.id) {
        return "issued here, its code never arrived".into();
    }
    let (now, tz) = (model.now, &model.tz);
    match t.base.created_date_time {
        Some(c) => format!("issued elsewhere at {}", crate::timefmt::when(c, now, tz)),
        None => "issued elsewhere".into(),
    }
}

/// (type, details, created date) for one method row. Details name what identifies the method.
pub fn describe(m: &AuthMethod, now: Timestamp, tz: &TimeZone) -> (String, String, String) {
    let detail = match m {
        AuthMethod::Password(_) => String::new(),
        AuthMethod::Phone(p) => join(&[p.phone_type.as_deref(), p.phone_number.as_deref()]),
        AuthMethod::Email(e) => e.email_address.clone().unwrap_or_default(),
        AuthMethod::MicrosoftAuthenticator(a) => {
            let app = a.phone_app_version.as_ref().map(|v| format!("app {v}"));
            join(&[a.display_name.as_deref(), app.as_deref()])
        }
        AuthMethod::Fido2(f) => {
            let model = f.model.as_ref().filter(|m| Some(*m) != f.display_name.as_ref());
            join(&[f.display_name.as_deref(), model.map(String::as_str)])
        }
        AuthMethod::SoftwareOath(_) => String::new(),
        AuthMethod::TemporaryAccessPass(t) => format!("{} · t: issue a replacement", tap_state(t, now, tz)),
        AuthMethod::WindowsHelloForBusiness(w) => w.display_name.clone().unwrap_or_default(),
        AuthMethod::PlatformCredential(p) => join(&[p.display_name.as_deref(), p.platform.as_deref()]),
        AuthMethod::Unknown { .. } => "not supported by tapdesk".into(),
    };
    let created = m.created().map(|t| date(t, tz)).unwrap_or_default();
    (m.type_label(), detail, created)
}

/// `text`'s " · "-separated parts, greedily joined into lines of at most `width` columns (a part
/// wider than that gets a line of its own).
fn wrap_segments(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split(" · ") {
        match out.last_mut() {
            Some(line)
                if unicode_width::UnicodeWidthStr::width(line.as_str())
                    + 3
                    + unicode_width::UnicodeWidthStr::width(part)
                    <= width =>
            {
                line.push_str(" · ");
                line.push_str(part);
            }
            _ => out.push(part.to_owned()),
        }
    }
    out
}

fn join(parts: &[Option<&str>]) -> String {
    parts.iter().flatten().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" · ")
}

/// A TAP's state in words, from `methodUsabilityReason` and its validity window (operator's zone).
pub fn tap_state(t: &TapMethod, now: Timestamp, tz: &TimeZone) -> String {
    let hm = |ts: Timestamp| crate::timefmt::when(ts, now, tz);
    let kind = match t.is_usable_once {
        Some(true) => "one-time",
        Some(false) => "multi-use",
        None => "",
    };
    let state = match t.method_usability_reason.as_deref() {
        Some("NotYetValid") => match t.start_date_time {
            Some(s) => format!("not yet valid, from {}", hm(s)),
            None => "not yet valid".into(),
        },
        Some("EnabledByPolicy") => match t.end_date_time() {
            Some(e) => format!("active until {}", hm(e)),
            None => "active".into(),
        },
        Some("Expired") => "expired".into(),
        Some("OneTimeUsed") => "already used".into(),
        Some("DisabledByPolicy") => "disabled by policy".into(),
        Some(other) => other.to_owned(),
        None => String::new(),
    };
    join(&[Some(state.as_str()), Some(kind)])
}
