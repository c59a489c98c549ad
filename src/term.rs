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
use ratatui::backend::CrosstermBackend;

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

/// tapdesk's terminal: crossterm on stdout through a [`CountingWriter`].
pub type Term = Terminal<CrosstermBackend<CountingWriter<Stdout>>>;

/// Raw mode, alternate screen, a panic hook that restores the terminal first, and the
/// [`Term`] with the counter of the bytes it writes. Undo with `ratatui::restore()`.
///
/// # Errors
/// Terminal I/O errors (raw mode refused, size unknown).
pub fn init() -> io::Result<(Term, ByteCounter)> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        ratatui::restore();
        hook(info);
    }));
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen)?;
    let (writer, counter) = CountingWriter::new(io::stdout());
    Ok((Terminal::new(CrosstermBackend::new(writer))?, counter))
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

    #[test]
    fn counting_writer_counts_what_it_passes_on() {
        let (mut w, counter) = CountingWriter::new(Vec::new());
        w.write_all(b"hello").expect("write");
        write!(w, " {}", 42).expect("write");
        assert_eq!(counter.get(), 8);
        assert_eq!(w.inner, b"hello 42");
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
