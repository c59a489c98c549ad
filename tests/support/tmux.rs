//! A private tmux server (its own `-L` socket and temp dir) running `sh` in one session `e2e`,
//! for the tests that drive the real binary like an operator: send keys, read the screen, wait.
//! Needs `tmux` on PATH (`scripts/test` installs it).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The server; killed (and its dir removed) on drop.
pub struct Tmux {
    socket: String,
    /// A temp dir of this server's own (for the test's files).
    pub dir: PathBuf,
    wait: Duration,
}

impl Tmux {
    /// Starts the server `tapdesk-{prefix}-{pid}-{name}` with a `width` x `height` window, the
    /// status bar off, no Esc delay and `conf` as extra configuration lines; [`Tmux::wait_for`]
    /// gives up after `wait`.
    pub fn start(prefix: &str, name: &str, (width, height): (u16, u16), conf: &str, wait: Duration) -> Self {
        let ok = Command::new("tmux").arg("-V").output().map(|o| o.status.success()).unwrap_or(false);
        assert!(ok, "tmux is not installed: `apt-get install -y tmux` (the CI script does this)");
        let socket = format!("tapdesk-{prefix}-{}-{name}", std::process::id());
        let dir = std::env::temp_dir().join(&socket);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("tmux.conf");
        std::fs::write(&file, format!("{conf}set -g status off\nset -s escape-time 0\n")).expect("conf");
        let t = Tmux { socket, dir, wait };
        let (w, h) = (width.to_string(), height.to_string());
        let file = file.to_str().expect("utf8").to_owned();
        let out = t.raw(&["-f", &file, "new-session", "-d", "-x", &w, "-y", &h, "-s", "e2e", "sh"]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    /// Runs `tmux -L socket args...`.
    pub fn raw(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-c`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        let out = self.raw(&args);
        assert!(out.status.success(), "send-keys {keys:?}");
    }

    /// Types `text` as is.
    pub fn literal(&self, text: &str) {
        let out = self.raw(&["send-keys", "-t", "e2e", "-l", text]);
        assert!(out.status.success());
    }

    /// Types `literal` (if any), then sends `keys` (if any).
    pub fn send(&self, literal: &str, keys: &[&str]) {
        if !literal.is_empty() {
            self.literal(literal);
        }
        if !keys.is_empty() {
            self.keys(keys);
        }
    }

    /// The pid of a process named `comm` that the pane's shell started, directly or through a
    /// `sh -c` (read from /proc, so no pgrep is needed), or `None` when none runs (yet).
    pub fn child_pid(&self, comm: &str) -> Option<u32> {
        let out = self.raw(&["display", "-p", "-t", "e2e", "#{pane_pid}"]);
        let shell: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
        // (pid, name, parent) of every process.
        let procs: Vec<(u32, String, u32)> = std::fs::read_dir("/proc")
            .ok()?
            .flatten()
            .filter_map(|e| {
                let pid = e.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
                let (name, rest) = stat.split_once(" (")?.1.rsplit_once(") ")?;
                Some((pid, name.to_owned(), rest.split_whitespace().nth(1)?.parse().ok()?))
            })
            .collect();
        let parent = |p: u32| procs.iter().find(|(pid, ..)| *pid == p).map(|(_, _, pp)| *pp);
        procs.iter().filter(|(_, name, _)| name == comm).map(|(pid, ..)| *pid).find(|&pid| {
            let mut p = pid;
            for _ in 0..8 {
                match parent(p) {
                    Some(pp) if pp == shell => return true,
                    Some(pp) if pp > 1 => p = pp,
                    _ => return false,
                }
            }
            false
        })
    }

    /// The screen as text.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.raw(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    /// Waits until `pred` holds for the screen (the `wait` given at start, at most) and returns
    /// that screen.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + self.wait;
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.raw(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
