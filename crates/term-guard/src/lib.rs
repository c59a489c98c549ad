//! Gives the terminal back when tapdesk dies by `SIGABRT`.
//!
//! Every other way out restores the terminal in safe code (the event loop for `q`, `Ctrl-C` and
//! the catchable signals, ratatui's panic hook for a panic). An abort cannot be caught that way:
//! `std::process::abort`, a failed allocation (`memory allocation of N bytes failed`, the
//! out-of-memory abort) and `kill -ABRT` all raise `SIGABRT`, and the process ends without
//! unwinding, leaving the operator's shell in raw mode on the alternate screen.
//!
//! [`install`] records the terminal's modes before tapdesk changes them and registers a `SIGABRT`
//! handler; while [`arm`]ed (tapdesk holds the terminal), the handler writes the sequences that
//! leave tapdesk's screen, puts the recorded modes back and says so on the terminal, then dies by
//! `SIGABRT` as it would have (exit status 134 in the shell; core dumps stay as
//! `tapdesk::hardening` set them: none). Registering a signal handler is `unsafe` in Rust because
//! the handler may only do async-signal-safe work; this crate is the workspace's one place that
//! does it, and the handler does only that: an atomic swap, a `OnceLock` read, `write(2)`,
//! `tcsetattr` (an `ioctl`) through rustix's raw system calls, and signal-hook's
//! `emulate_default_handler` (`sigaction`, `sigprocmask`, `raise`). It allocates nothing and takes
//! no lock.
//!
//! On other platforms [`install`] and [`arm`] do nothing.

#[cfg(unix)]
mod unix {
    use std::os::fd::OwnedFd;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    use rustix::fs::{Mode, OFlags};
    use rustix::termios::{OptionalActions, Termios};

    /// The terminal and its modes as they were before tapdesk took it.
    struct Saved {
        tty: OwnedFd,
        modes: Termios,
    }

    static SAVED: OnceLock<Saved> = OnceLock::new();
    static ARMED: AtomicBool = AtomicBool::new(false);

    /// What is written before the modes go back: bracketed paste off, the normal screen, the
    /// cursor shown (what `ratatui::restore` and tapdesk's exit undo, in the same order).
    pub const LEAVE: &[u8] = b"\x1b[?2004l\x1b[?1049l\x1b[?25h";

    /// The line the operator reads on the normal screen afterwards.
    pub const NOTE: &[u8] = b"tapdesk: aborted (SIGABRT); the terminal was given back.\r\n";

    pub fn install() -> std::io::Result<()> {
        if SAVED.get().is_some() {
            return Ok(());
        }
        let tty = rustix::fs::open("/dev/tty", OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC, Mode::empty())?;
        let modes = rustix::termios::tcgetattr(&tty)?;
        if SAVED.set(Saved { tty, modes }).is_err() {
            // Another thread installed it first.
            return Ok(());
        }
        #[allow(unsafe_code)]
        // SAFETY: `on_abort` is async-signal-safe: it reads an atomic and a `OnceLock` that was
        // set before this registration (a plain load, no lock), and calls only `write(2)` and
        // `ioctl(TCSETS)` through rustix's raw system calls on a file descriptor that lives as long
        // as the process, then signal-hook's `emulate_default_handler`, documented for use inside a
        // handler. It allocates nothing, takes no lock and does not unwind.
        unsafe { signal_hook::low_level::register(signal_hook::consts::SIGABRT, on_abort) }?;
        Ok(())
    }

    pub fn arm(on: bool) {
        ARMED.store(on, Ordering::SeqCst);
    }

    /// The `SIGABRT` handler (see the crate docs for what it may do).
    fn on_abort() {
        if ARMED.swap(false, Ordering::SeqCst)
            && let Some(saved) = SAVED.get()
        {
            let _ = rustix::io::write(&saved.tty, LEAVE);
            let _ = rustix::termios::tcsetattr(&saved.tty, OptionalActions::Now, &saved.modes);
            let _ = rustix::io::write(&saved.tty, NOTE);
        }
        // Die by the signal, as without the handler (an abort must not return into the program).
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGABRT);
        signal_hook::low_level::abort();
    }
}

/// Records the controlling terminal's modes (`/dev/tty`; call it before raw mode) and registers
/// the `SIGABRT` handler that puts them back while [`arm`]ed. Once per process: later calls do
/// nothing.
///
/// # Errors
/// No controlling terminal (`/dev/tty` cannot be opened), its modes cannot be read, or the
/// handler cannot be registered; tapdesk then runs without this guard.
pub fn install() -> std::io::Result<()> {
    #[cfg(unix)]
    return unix::install();
    #[cfg(not(unix))]
    Ok(())
}

/// `true` while tapdesk holds the terminal (raw mode, alternate screen): an abort then gives it
/// back. `false` before, after, and while stopped (`Ctrl-Z`), when the shell holds it.
pub fn arm(on: bool) {
    #[cfg(unix)]
    unix::arm(on);
    #[cfg(not(unix))]
    let _ = on;
}

/// The bytes the handler writes before the modes go back (bracketed paste off, the normal screen,
/// the cursor shown), and the note after (unix only).
#[cfg(unix)]
pub use unix::{LEAVE, NOTE};
