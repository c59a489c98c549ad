//! The Users pane: search box and ranked results.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

use super::{focused, pane};
use crate::app::{Focus, Model};

pub(super) fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let total = model.users_total.map_or(model.users.len() as u64, |t| t.max(model.users.len() as u64));
    // While loading, the count of loaded / total fits the title even at 80 columns; the gauge
    // below says how far.
    let title = Line::from(match (model.users_request.is_some(), model.users_total) {
        (true, None) => " Users (loading…) ".to_owned(),
        (true, Some(_)) => format!(" Users {}/{total} ", model.users.len()),
        (false, None) if model.users_error.is_some() => " Users (load failed) ".to_owned(),
        (false, _) if model.users_error.is_some() => format!(" Users {}/{total} ", model.users.len()),
        (false, _) => format!(" Users ({}) ", model.users.len()),
    });
    let block = pane(title, focused(model, Focus::Users));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let loading_now = model.users_request.is_some();
    // A load that failed part of the way says so under the list (the status line has the cause).
    let partial = !loading_now && model.users_error.is_some() && (!model.users.is_empty() || model.result_len() > 0);
    let [search, list, gauge] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(if partial { 2 } else { u16::from(loading_now) }),
    ])
    .areas(inner);
    if partial {
        let text = vec![Line::from("incomplete: load failed"), Line::from(reload_line(model))];
        frame.render_widget(Paragraph::new(text).style(Style::new().fg(Color::Red)), gauge);
    }
    if loading_now {
        let ratio = if total == 0 { 0.0 } else { (model.users.len() as f64 / total as f64).clamp(0.0, 1.0) };
        frame.render_widget(
            ratatui::widgets::LineGauge::default()
                .filled_style(Style::new().fg(Color::Cyan))
                .ratio(ratio)
                .label(format!("loading {:.0}%", (ratio * 100.0).floor())),
            gauge,
        );
    }

    let prompt_style = if model.editing { Style::new().fg(Color::Yellow) } else { Style::new().fg(Color::DarkGray) };
    let mut spans = vec![Span::styled("/ ", prompt_style), Span::raw(model.query.clone())];
    if model.query.is_empty() && !model.editing {
        spans.push(Span::styled("type / to search", Style::new().fg(Color::DarkGray)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), search);
    if model.editing {
        let x = search.x + 2 + unicode_width::UnicodeWidthStr::width(model.query.as_str()) as u16;
        frame.set_cursor_position((x.min(search.right().saturating_sub(1)), search.y));
    }

    // Nothing cached and nothing found by `$search`: the failure and the way out fill the list.
    if let Some(err) = model.users_error.as_ref().filter(|_| model.users.is_empty() && model.result_len() == 0) {
        let text = vec![Line::from(err.clone()), Line::from(""), Line::from(reload_line(model))];
        frame.render_widget(
            Paragraph::new(text).style(Style::new().fg(Color::Red)).wrap(ratatui::widgets::Wrap { trim: true }),
            list,
        );
        return;
    }
    if model.result_len() == 0 {
        let msg = if model.users.is_empty() { "Loading…" } else { "No user matches." };
        frame.render_widget(Paragraph::new(msg).style(Style::new().fg(Color::DarkGray)), list);
        return;
    }
    // Users found by Graph's $search that the cache has not loaded yet are marked with `⇣`.
    let remote = model.remote_hits.len();
    let items: Vec<ListItem> = model
        .result_users()
        .enumerate()
        .map(|(i, u)| {
            let name = u.name();
            let upn = u.user_principal_name().unwrap_or_default();
            let mark = if i < remote { "⇣ " } else { "" };
            ListItem::new(Line::from(vec![
                Span::styled(mark, Style::new().fg(Color::Cyan)),
                Span::raw(name),
                // Plain text, two spaces apart: a style change costs 9-20 bytes of escapes per
                // row, and a keystroke can replace all 35 rows (issue 6: at most 2 KB per typed
                // character over SSH).
                Span::raw("  "),
                Span::raw(upn),
            ]))
        })
        .collect();
    let mut state = ListState::default().with_selected(Some(model.result_row));
    let list_widget =
        List::new(items).highlight_symbol("> ").highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    frame.render_stateful_widget(list_widget, list, &mut state);
}

/// Under a failed load: when tapdesk loads again by itself (counting down) and the key to load
/// now; fits the pane at 80 columns (26 cells).
fn reload_line(model: &Model) -> String {
    let key = crate::keymap::key_hint(crate::keymap::Action::Reload);
    match model.users_retry.as_ref().and_then(|r| r.at) {
        Some(at) => {
            let secs = at.duration_since(model.now).as_secs().max(0);
            format!("retry in {} · {key} now", crate::timefmt::span_words(secs))
        }
        None => format!("{key}: load again"),
    }
}
