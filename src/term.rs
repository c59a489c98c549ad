//! The terminal tapdesk draws on, and what drawing costs.
//!
//! [`init`] sets the terminal up exactly like `ratatui::init` (raw mode, alternate screen, a panic
//! hook that restores the terminal) but writes through a [`CountingWriter`], so the bytes each
//! frame sends to the operator's terminal are known: issue 6 asks for at most 2 KB per typed
//! character over SSH, and ratatui's buffer diff is what keeps it there (tapdesk never clears the
//! whole screen).
//!
//! [`FrameStats`] records every frame (when, why, how long the loop worked on it, bytes written,
//! users cached) when `TAPDESK_FRAME_STATS=FILE` is set, and writes them as JSON lines to `FILE`
//! when tapdesk exits, with the process's peak RSS. `scripts/bench-app` reads it. Nothing else is
//! recorded: no directory text, no keys, never a pass.

use std::io::{self, Stdout, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Cell, CellDiffOption};
use ratatui::layout::{Position, Size};

/// The environment variable that turns [`FrameStats`] on: the file to write them to at exit.
pub const FRAME_STATS_ENV: &str = "TAPDESK_FRAME_STATS";

/// A shared count of bytes, read while the [`CountingWriter`] that adds to it is owned by the
/// terminal.
#[derive(Debug, Clone, Default)]
pub struct ByteCounter(Arc<AtomicU64>);

impl ByteCounter {
    /// Bytes counted so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A writer that passes everything to `inner` and adds the bytes it accepted to a
/// [`ByteCounter`]. It keeps no copy of what it writes.
#[derive(Debug)]
pub struct CountingWriter<W> {
    inner: W,
    counter: ByteCounter,
}

impl<W> CountingWriter<W> {
    /// Wraps `inner`; returns the writer and its counter (starting at 0).
    pub fn new(inner: W) -> (Self, ByteCounter) {
        let counter = ByteCounter::default();
        (Self { inner, counter: counter.clone() }, counter)
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.counter.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// tapdesk's terminal: crossterm on stdout through a [`CountingWriter`], behind [`GapFill`].
pub type Term = Terminal<GapFill<CrosstermBackend<CountingWriter<Stdout>>>>;

/// Most bytes of cell text [`GapFill`] re-sends to avoid a cursor move (`ESC [ row ; col H` is 6
/// to 8 bytes).
const MAX_GAP_BYTES: usize = 6;

/// A [`Backend`] wrapper that makes ratatui's buffer diff cheaper to send.
///
/// ratatui sends only the cells that changed; between two changed cells of one row that are not
/// side by side, crossterm moves the cursor (`ESC [ row ; col H`, 6-8 bytes). When a keystroke
/// replaces the Users list, old and new rows share letters by chance at the same columns, so a
/// row costs several cursor moves. `GapFill` keeps a copy of what is on the screen and, when the
/// unchanged cells between two changes on a row are few (at most [`MAX_GAP_BYTES`] bytes of
/// text), narrow (one column each) and styled like the cell before them, sends them again
/// instead: fewer bytes, same screen. Anything it cannot be sure of (wide characters, a region
/// cleared, a resize before the next full clear) is sent as ratatui asked.
///
/// It also leaves out what would change nothing: a frame with no changed cell sends nothing
/// (crossterm would still reset the colours), and showing, hiding or placing the cursor where it
/// already is, is not sent again. So a frame drawn only because a second ticked costs 0 bytes.
#[derive(Debug)]
pub struct GapFill<B> {
    inner: B,
    /// What the terminal shows, row-major, `width` × `height`; valid only while `known`.
    shadow: Vec<Cell>,
    width: u16,
    height: u16,
    known: bool,
    /// Cursor shown (`Some(true)`), hidden, or not known.
    cursor_shown: Option<bool>,
    /// Where tapdesk last put the cursor, while nothing has moved it since.
    cursor_at: Option<Position>,
}

/// A cell of the copy whose screen content is not known (under a wide character): never re-sent.
fn covered() -> Cell {
    let mut c = Cell::default();
    c.set_symbol("");
    c
}

impl<B: Backend> GapFill<B> {
    /// Wraps `inner`, whose screen is blank (a fresh alternate screen, as ratatui assumes too).
    pub fn new(inner: B) -> Self {
        let size = inner.size().unwrap_or(Size::new(0, 0));
        let mut g =
            Self { inner, shadow: Vec::new(), width: 0, height: 0, known: true, cursor_shown: None, cursor_at: None };
        g.blank(size, true);
        g
    }

    /// The copy becomes a blank screen of `size`; `known` says whether the terminal shows that.
    fn blank(&mut self, size: Size, known: bool) {
        self.width = size.width;
        self.height = size.height;
        self.shadow = vec![Cell::default(); usize::from(size.width) * usize::from(size.height)];
        self.known = known;
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    fn index(&self, x: u16, y: u16) -> Option<usize> {
        (x < self.width && y < self.height).then(|| usize::from(y) * usize::from(self.width) + usize::from(x))
    }

    fn same_style(a: &Cell, b: &Cell) -> bool {
        a.fg == b.fg && a.bg == b.bg && a.underline_color == b.underline_color && a.modifier == b.modifier
    }

    fn narrow(c: &Cell) -> bool {
        matches!(c.diff_option, CellDiffOption::None) && unicode_width::UnicodeWidthStr::width(c.symbol()) == 1
    }

    /// The unchanged cells between `(px, y)` (a changed cell, `prev`) and `x` on the same row, if
    /// re-sending them is cheaper than a cursor move and cannot change the screen.
    fn gap(&self, prev: &Cell, px: u16, x: u16, y: u16) -> Option<Vec<(u16, Cell)>> {
        if !self.known || x <= px + 1 || !Self::narrow(prev) {
            return None;
        }
        let mut cells = Vec::new();
        let mut bytes = 0;
        for gx in px + 1..x {
            let c = &self.shadow[self.index(gx, y)?];
            bytes += c.symbol().len();
            if bytes > MAX_GAP_BYTES || !Self::narrow(c) || !Self::same_style(c, prev) {
                return None;
            }
            cells.push((gx, c.clone()));
        }
        Some(cells)
    }
}

impl<B: Backend> Backend for GapFill<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = self.inner.size()?;
        if (size.width, size.height) != (self.width, self.height) {
            // Resized without a clear: the copy no longer says what is on the screen.
            self.blank(size, false);
        }
        let mut out: Vec<(u16, u16, Cell)> = Vec::new();
        for (x, y, cell) in content {
            if let Some((px, py, prev)) = out.last()
                && *py == y
                && let Some(fill) = self.gap(prev, *px, x, y)
            {
                out.extend(fill.into_iter().map(|(gx, c)| (gx, y, c)));
            }
            out.push((x, y, cell.clone()));
        }
        if out.is_empty() {
            return Ok(());
        }
        for (x, y, cell) in &out {
            if let Some(i) = self.index(*x, *y) {
                self.shadow[i] = cell.clone();
            }
            // A wide character covers the cells after it on the screen, which ratatui does not
            // send: what the copy holds there is no longer on the screen, so it is never re-sent.
            let width = unicode_width::UnicodeWidthStr::width(cell.symbol());
            for k in 1..width {
                if let Some(i) = x.checked_add(k as u16).and_then(|cx| self.index(cx, *y)) {
                    self.shadow[i] = covered();
                }
            }
        }
        self.cursor_at = None;
        self.inner.draw(out.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.known = false;
        self.cursor_at = None;
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor_shown == Some(false) {
            return Ok(());
        }
        self.inner.hide_cursor()?;
        self.cursor_shown = Some(false);
        Ok(())
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor_shown == Some(true) {
            return Ok(());
        }
        self.inner.show_cursor()?;
        self.cursor_shown = Some(true);
        Ok(())
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let position = position.into();
        if self.cursor_at == Some(position) {
            return Ok(());
        }
        self.inner.set_cursor_position(position)?;
        self.cursor_at = Some(position);
        Ok(())
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.cursor_at = None;
        self.inner.clear()?;
        let size = self.inner.size()?;
        self.blank(size, true);
        Ok(())
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        if clear_type == ClearType::All {
            return self.clear();
        }
        self.known = false;
        self.cursor_at = None;
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

/// Escape sequences tapdesk writes itself (OSC 52 for the clipboard) go straight through.
/// They may move the cursor, so it is placed again on the next frame.
impl<B: Write> Write for GapFill<B> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.cursor_at = None;
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

/// Raw mode, alternate screen, a panic hook that restores the terminal first, and the
/// [`Term`] with the counter of the bytes it writes. Undo with `ratatui::restore()`.
///
/// # Errors
/// Terminal I/O errors (raw mode refused, size unknown).
pub fn init() -> io::Result<(Term, ByteCounter)> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tapdesk_term_guard::arm(false);
        ratatui::restore();
        hook(info);
    }));
    // An abort (SIGABRT: `abort()`, a failed allocation, `kill -ABRT`) cannot unwind to the
    // restore below; the guard gives the terminal back from its signal handler instead.
    if let Err(e) = tapdesk_term_guard::install() {
        tracing::warn!("no SIGABRT guard for the terminal: {e}");
    }
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen)?;
    tapdesk_term_guard::arm(true);
    let (writer, counter) = CountingWriter::new(io::stdout());
    Ok((Terminal::new(GapFill::new(CrosstermBackend::new(writer)))?, counter))
}

static PROCESS_START: OnceLock<Instant> = OnceLock::new();

/// Marks the start of the process (call first thing in `main`); [`FrameStats`] measure from it.
pub fn mark_process_start() {
    let _ = PROCESS_START.set(Instant::now());
}

fn process_start() -> Instant {
    *PROCESS_START.get_or_init(Instant::now)
}

/// One drawn frame.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FrameRecord {
    /// When the frame was drawn, in µs since [`mark_process_start`].
    pub at_us: u64,
    /// What woke the loop for it: `start`, `key`, `paste`, `matched`, `graph`, `signin`, `tick` or
    /// `other`.
    pub cause: &'static str,
    /// µs the render loop spent on it: every queued `update`, running the `Cmd`s, and the draw.
    pub work_us: u64,
    /// µs of that in `Terminal::draw` (view + diff + write).
    pub draw_us: u64,
    /// Bytes written to the terminal by the draw.
    pub bytes: u64,
    /// Users in the cache when it was drawn.
    pub users: usize,
    /// Length of the search query, in characters.
    pub query_chars: usize,
}

/// Per-frame records, kept only when [`FRAME_STATS_ENV`] names a file.
#[derive(Debug, Default)]
pub struct FrameStats {
    file: Option<PathBuf>,
    frames: Vec<FrameRecord>,
}

impl FrameStats {
    /// On when [`FRAME_STATS_ENV`] is set and not empty.
    pub fn from_env() -> Self {
        let file = std::env::var_os(FRAME_STATS_ENV).filter(|v| !v.is_empty()).map(PathBuf::from);
        Self { file, frames: Vec::new() }
    }

    /// `true` when frames are recorded.
    pub fn enabled(&self) -> bool {
        self.file.is_some()
    }

    /// Records a frame that ended now (`work` and `draw` as measured by the loop).
    pub fn record(
        &mut self,
        cause: &'static str,
        work: Duration,
        draw: Duration,
        bytes: u64,
        users: usize,
        query_chars: usize,
    ) {
        if self.file.is_none() {
            return;
        }
        self.frames.push(FrameRecord {
            at_us: process_start().elapsed().as_micros() as u64,
            cause,
            work_us: work.as_micros() as u64,
            draw_us: draw.as_micros() as u64,
            bytes,
            users,
            query_chars,
        });
    }

    /// Writes the records as JSON lines, then one summary line
    /// `{"summary":{"frames":N,"peak_rss_kib":K}}` (VmHWM from `/proc/self/status`).
    ///
    /// # Errors
    /// The file cannot be written. Does nothing when off.
    pub fn write(&self) -> io::Result<()> {
        let Some(path) = &self.file else { return Ok(()) };
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        for f in &self.frames {
            serde_json::to_writer(&mut out, f)?;
            out.write_all(b"\n")?;
        }
        let hwm = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
            .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()));
        let summary = serde_json::json!({"summary": {"frames": self.frames.len(), "peak_rss_kib": hwm}});
        serde_json::to_writer(&mut out, &summary)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose bytes the test reads back.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn counting_writer_counts_what_it_passes_on() {
        let (mut w, counter) = CountingWriter::new(Vec::new());
        w.write_all(b"hello").expect("write");
        write!(w, " {}", 42).expect("write");
        assert_eq!(counter.get(), 8);
        assert_eq!(w.inner, b"hello 42");
    }

    /// Frames of pseudo-random rows (narrow and wide characters, two styles), drawn into a
    /// ratatui `Terminal`.
    fn frames() -> Vec<Vec<(String, bool)>> {
        let words = ["Jim", "Jo", "Müller", "李娜", "Þóra", "jo.sato", "@contoso", ".example", "ab", "x"];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n
        };
        (0..40)
            .map(|_| {
                (0..12)
                    .map(|_| {
                        let n = next(6);
                        let text: Vec<&str> = (0..n).map(|_| words[next(words.len())]).collect();
                        (text.join(if next(2) == 0 { " " } else { "" }), next(3) == 0)
                    })
                    .collect()
            })
            .collect()
    }

    fn draw<B: Backend>(t: &mut Terminal<B>, rows: &[(String, bool)]) {
        drawn(t, rows);
    }

    /// A terminal as far as cells go: a wide character covers the cells after it.
    struct Screen {
        width: u16,
        height: u16,
        rows: Vec<Vec<String>>,
    }

    impl Screen {
        fn new(width: u16, height: u16) -> Self {
            Screen { width, height, rows: vec![vec![" ".to_owned(); usize::from(width)]; usize::from(height)] }
        }

        fn put(&mut self, x: u16, y: u16, symbol: &str) {
            let (x, y) = (usize::from(x), usize::from(y));
            let Some(row) = self.rows.get_mut(y) else { return };
            if x >= row.len() {
                return;
            }
            let wide = |c: &str| unicode_width::UnicodeWidthStr::width(c) > 1;
            // Writing over half of a wide character blanks the other half, as terminals do.
            if row[x].is_empty() && x > 0 && wide(&row[x - 1]) {
                row[x - 1] = " ".to_owned();
            }
            if wide(&row[x]) && x + 1 < row.len() {
                row[x + 1] = " ".to_owned();
            }
            row[x] = symbol.to_owned();
            let w = unicode_width::UnicodeWidthStr::width(symbol).max(1);
            for k in 1..w {
                if let Some(c) = row.get_mut(x + k) {
                    if k == w - 1 && wide(c) && x + k + 1 < row.len() {
                        // Covering the left half of another wide character blanks its right half.
                        row[x + k + 1] = " ".to_owned();
                    }
                    row[x + k].clear();
                }
            }
            if x + w < row.len() && row[x + w].is_empty() {
                // An orphaned right half (its left half was just overwritten) shows blank.
                row[x + w] = " ".to_owned();
            }
        }

        /// What `buffer` looks like on such a terminal after a full redraw.
        fn of(buffer: &ratatui::buffer::Buffer) -> Vec<Vec<String>> {
            let mut s = Screen::new(buffer.area.width, buffer.area.height);
            for y in 0..buffer.area.height {
                let mut x = 0;
                while x < buffer.area.width {
                    let sym = buffer[(x, y)].symbol().to_owned();
                    s.put(x, y, &sym);
                    x += (unicode_width::UnicodeWidthStr::width(sym.as_str()) as u16).max(1);
                }
            }
            s.rows
        }
    }

    impl Backend for Screen {
        type Error = io::Error;
        fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> io::Result<()> {
            for (x, y, c) in content {
                self.put(x, y, c.symbol());
            }
            Ok(())
        }
        fn hide_cursor(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn show_cursor(&mut self) -> io::Result<()> {
            Ok(())
        }
        fn get_cursor_position(&mut self) -> io::Result<Position> {
            Ok(Position::ORIGIN)
        }
        fn set_cursor_position<P: Into<Position>>(&mut self, _: P) -> io::Result<()> {
            Ok(())
        }
        fn clear(&mut self) -> io::Result<()> {
            *self = Screen::new(self.width, self.height);
            Ok(())
        }
        fn clear_region(&mut self, _: ClearType) -> io::Result<()> {
            self.clear()
        }
        fn size(&self) -> io::Result<Size> {
            Ok(Size::new(self.width, self.height))
        }
        fn window_size(&mut self) -> io::Result<WindowSize> {
            Ok(WindowSize { columns_rows: Size::new(self.width, self.height), pixels: Size::new(0, 0) })
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Draws `rows` and returns what ratatui drew (the truth the screen must show).
    fn drawn<B: Backend>(t: &mut Terminal<B>, rows: &[(String, bool)]) -> Vec<Vec<String>> {
        use ratatui::style::{Modifier, Style};
        use ratatui::text::{Line, Span};
        use ratatui::widgets::Paragraph;
        let lines: Vec<Line> = rows
            .iter()
            .map(|(text, dim)| {
                let style = if *dim { Style::new().add_modifier(Modifier::DIM) } else { Style::new() };
                Line::from(vec![Span::raw("> "), Span::styled(text.clone(), style), Span::raw(" |")])
            })
            .collect();
        let frame = t.draw(|f| f.render_widget(Paragraph::new(lines), f.area())).ok().map(|f| Screen::of(f.buffer));
        frame.unwrap_or_default()
    }

    #[test]
    fn gap_fill_leaves_the_screen_exactly_as_ratatui_drew_it() {
        let mut plain = Terminal::new(Screen::new(30, 12)).expect("terminal");
        let mut filled = Terminal::new(GapFill::new(Screen::new(30, 12))).expect("terminal");
        // The operator's case: a wide name covers a cell whose old letter must never come back.
        let row = |t: &str| vec![(t.to_owned(), false)];
        let mut all = vec![row("Ananya Vo"), row("박서연"), row("Mia Turner")];
        all.extend(frames());
        for (i, rows) in all.iter().enumerate() {
            let truth = drawn(&mut plain, rows);
            assert_eq!(plain.backend().rows, truth, "plain ratatui, frame {i} (the screen model)");
            let truth = drawn(&mut filled, rows);
            assert_eq!(filled.backend().inner().rows, truth, "frame {i}");
        }
        // A resize (and the clear ratatui does then) keeps them equal.
        filled.backend_mut().inner = Screen::new(24, 10);
        for rows in frames().iter().take(5) {
            let truth = drawn(&mut filled, rows);
            assert_eq!(filled.backend().inner().rows, truth);
        }
    }

    #[test]
    fn gap_fill_writes_fewer_bytes_than_cursor_moves() {
        let area = ratatui::layout::Rect::new(0, 0, 30, 12);
        let options = || ratatui::TerminalOptions { viewport: ratatui::Viewport::Fixed(area) };
        let (a, b) = (Shared::default(), Shared::default());
        let mut plain = Terminal::with_options(CrosstermBackend::new(a.clone()), options()).expect("terminal");
        let mut filled =
            Terminal::with_options(GapFill::new(CrosstermBackend::new(b.clone())), options()).expect("terminal");
        // "jim.kim" → "jan.kin": the changed cells are 2 apart: one cursor move saved per row.
        let one: Vec<(String, bool)> = (0..12).map(|_| ("jim.kim@contoso".to_owned(), false)).collect();
        let two: Vec<(String, bool)> = (0..12).map(|_| ("jan.kin@contoso".to_owned(), false)).collect();
        for rows in [&one, &two] {
            a.0.borrow_mut().clear();
            b.0.borrow_mut().clear();
            draw(&mut plain, rows);
            draw(&mut filled, rows);
        }
        let (pa, pb) = (a.0.borrow().len(), b.0.borrow().len());
        assert!(pb < pa, "gap fill {pb} bytes, plain {pa}");
        // ... and the frames of random rows never cost more.
        let (mut total_a, mut total_b) = (0, 0);
        for rows in frames() {
            a.0.borrow_mut().clear();
            b.0.borrow_mut().clear();
            draw(&mut plain, &rows);
            draw(&mut filled, &rows);
            total_a += a.0.borrow().len();
            total_b += b.0.borrow().len();
        }
        assert!(total_b <= total_a, "gap fill {total_b} bytes, plain {total_a}");
    }

    #[test]
    fn a_frame_that_changes_nothing_writes_nothing() {
        let buf = Shared::default();
        let area = ratatui::layout::Rect::new(0, 0, 20, 3);
        let options = ratatui::TerminalOptions { viewport: ratatui::Viewport::Fixed(area) };
        let mut t =
            Terminal::with_options(GapFill::new(CrosstermBackend::new(buf.clone())), options).expect("terminal");
        let frame = |f: &mut ratatui::Frame| {
            f.render_widget(ratatui::widgets::Paragraph::new("/ jo"), f.area());
            f.set_cursor_position((4, 0));
        };
        t.draw(frame).expect("draw");
        assert!(!buf.0.borrow().is_empty());
        buf.0.borrow_mut().clear();
        t.draw(frame).expect("draw");
        assert_eq!(buf.0.borrow().len(), 0, "{:?}", String::from_utf8_lossy(&buf.0.borrow()));
        // A change is drawn, and the cursor placed again after it.
        t.draw(|f| {
            f.render_widget(ratatui::widgets::Paragraph::new("/ joh"), f.area());
            f.set_cursor_position((5, 0));
        })
        .expect("draw");
        let out = String::from_utf8_lossy(&buf.0.borrow()).into_owned();
        assert!(out.contains('h') && out.ends_with("\x1b[1;6H"), "{out:?}");
        assert!(!out.contains("\x1b[?25h"), "the cursor was shown already: {out:?}");
    }

    #[test]
    fn stats_are_off_without_the_variable_and_record_nothing() {
        let mut s = FrameStats::default();
        s.record("key", Duration::from_millis(1), Duration::from_millis(1), 10, 0, 0);
        assert!(!s.enabled());
        assert!(s.frames.is_empty());
        assert!(s.write().is_ok());
    }

    #[test]
    fn stats_write_json_lines_and_a_summary() {
        let dir = std::env::temp_dir().join(format!("tapdesk-frames-{}", std::process::id()));
        let mut s = FrameStats { file: Some(dir.clone()), frames: Vec::new() };
        s.record("start", Duration::from_micros(1500), Duration::from_micros(900), 4096, 0, 0);
        s.record("key", Duration::from_micros(300), Duration::from_micros(200), 37, 999, 1);
        s.write().expect("write");
        let text = std::fs::read_to_string(&dir).expect("read");
        let _ = std::fs::remove_file(&dir);
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["cause"], "start");
        assert_eq!(lines[0]["bytes"], 4096);
        assert_eq!(lines[1]["users"], 999);
        assert_eq!(lines[1]["work_us"], 300);
        assert_eq!(lines[2]["summary"]["frames"], 2);
    }
}
