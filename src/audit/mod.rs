//! The operator's audit log: JSON lines for every action that changes the tenant (issue a pass,
//! delete a method, revoke sessions, change the TAP policy), appended to a file only the operator
//! can read (mode 0600; a looser existing file is tightened to 0600, or tapdesk refuses to start).
//!
//! Write-ahead: before a write request is sent, its `attempt` line is appended and flushed to disk
//! (`sync_data`); when that fails nothing is sent (the operator is told why, and the next action
//! tries the log again). When the answer comes, a `result` line with the same `actionId` follows.
//! A crash between the two leaves the `attempt` line: the change may have happened. Each line is
//! one `write` of the whole line to a file opened with `O_APPEND`, so two consoles sharing a log
//! never interleave; a short write (a full disk) is truncated away, so the file never ends in half
//! a line.
//!
//! A line holds: `phase` (`attempt`, `result`), `actionId`, `time` (UTC, RFC 3339), `operator`, `tenant`, `targetId`, `targetUpn`, `action`
//! (`createTemporaryAccessPass`, `deleteAuthenticationMethod`, `revokeSignInSessions`),
//! `parameters` (for a pass: `startDateTime`, `lifetimeInMinutes`, `isUsableOnce`; for a delete:
//! the method type, id and name), `ticket`, `verification`, `result` (`success`, `refused`,
//! `failed`, `uncertain`, `cancelled`), `error` (Graph's code and message, if any) and `requestId` (Graph's
//! `request-id`, when known). Never the pass: [`AuditEvent`] has no field that could hold it, and
//! the create request's parameters are copied field by field.
//!
//! Default location: `$XDG_DATA_HOME/tapdesk/audit.jsonl` (`~/.local/share/tapdesk/audit.jsonl`),
//! or `demo-audit.jsonl` beside it for `--demo`, so demo work never mixes with real work.

use std::io::Write;
use std::path::{Path, PathBuf};

pub mod event;

pub use event::AuditEvent;

/// The audit log file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

/// The default audit log path (see the module doc).
pub fn default_path(demo: bool) -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    Some(base.data_dir().join("tapdesk").join(if demo { "demo-audit.jsonl" } else { "audit.jsonl" }))
}

impl AuditLog {
    /// An audit log at `path` (created with mode 0600 on first write, its folder with 0700).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Where the log is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates the folder and file if needed and checks the file can be appended to (writes
    /// nothing).
    ///
    /// # Errors
    /// The I/O error, e.g. permission denied or no space left.
    pub fn check_writable(&self) -> std::io::Result<()> {
        // A full disk still accepts the open: that shows on the first append, after which the
        // app refuses further actions (fails closed).
        self.open().map(drop)
    }

    fn open(&self) -> std::io::Result<std::fs::File> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let f = opts.open(&self.path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = f.metadata()?;
            // Only a regular file is ours to tighten (never a device such as /dev/full).
            if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "it is readable by others (mode {:o}) and could not be set to 0600: {e}",
                            meta.permissions().mode() & 0o777
                        ),
                    )
                })?;
            }
        }
        Ok(f)
    }

    /// Appends one line and flushes it to disk (`sync_data`) before returning: the whole line in
    /// one `write`, or nothing (a short write is truncated away).
    ///
    /// # Errors
    /// The I/O error when the folder or file cannot be created, written or synced (permission
    /// denied, read-only or full filesystem); the file then holds no part of this line.
    pub fn append(&self, event: &AuditEvent) -> std::io::Result<()> {
        let mut line = serde_json::to_string(event).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut f = self.open()?;
        write_whole_line(&mut f, line.as_bytes())?;
        f.sync_data().or_else(|e| {
            // A character device (e.g. a terminal or /dev/null given as the log) cannot be synced.
            if f.metadata().map(|m| m.is_file()).unwrap_or(true) { Err(e) } else { Ok(()) }
        })
    }
}

/// One `write` of `line` to `f` (opened with `O_APPEND`); a short write is undone by truncating
/// the file back, when nothing was appended after it, and reported as an error.
fn write_whole_line(f: &mut std::fs::File, line: &[u8]) -> std::io::Result<()> {
    use std::io::Seek;
    let n = f.write(line)?;
    if n == line.len() {
        return Ok(());
    }
    let end = f.stream_position()?;
    if f.metadata()?.len() == end {
        f.set_len(end.saturating_sub(n as u64))?;
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::StorageFull,
        format!("only {n} of {} bytes could be written (disk full?); the partial line was removed", line.len()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_json_lines_with_mode_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("sub").join("audit.jsonl"));
        let ev = AuditEvent {
            phase: "result".into(),
            action_id: "s.1".into(),
            time: "2026-11-30T09:00:00Z".into(),
            operator: "dana.okafor@contoso.example".into(),
            tenant: "contoso".into(),
            target_id: "u-1".into(),
            target_upn: "avery.quinn@contoso.example".into(),
            action: "createTemporaryAccessPass".into(),
            parameters: serde_json::json!({"lifetimeInMinutes": 60}),
            ticket: Some("INC-1".into()),
            verification: Some("call-back to the number on file".into()),
            result: "success".into(),
            error: None,
            request_id: Some("r-1".into()),
        };
        log.append(&ev).expect("append");
        log.append(&ev).expect("append");
        let text = std::fs::read_to_string(log.path()).expect("read");
        assert_eq!(text.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(text.lines().next().expect("line")).expect("json");
        assert_eq!(v["targetUpn"], "avery.quinn@contoso.example");
        assert_eq!(v["requestId"], "r-1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path()).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    fn line(n: usize) -> AuditEvent {
        AuditEvent {
            phase: "attempt".into(),
            action_id: format!("s.{n}"),
            time: "2026-11-30T09:00:00Z".into(),
            operator: "dana.okafor@contoso.example".into(),
            tenant: "contoso".into(),
            target_id: format!("u-{n}"),
            target_upn: "avery.quinn@contoso.example".into(),
            action: "createTemporaryAccessPass".into(),
            parameters: serde_json::json!({"lifetimeInMinutes": 60, "padding": "x".repeat(n % 300)}),
            ticket: None,
            verification: None,
            result: "pending".into(),
            error: None,
            request_id: None,
        }
    }

    fn whole_lines(text: &str) -> usize {
        assert!(text.is_empty() || text.ends_with('\n'), "the file ends in half a line: {text:?}");
        let mut n = 0;
        for l in text.lines() {
            serde_json::from_str::<serde_json::Value>(l).expect("a whole JSON line");
            n += 1;
        }
        n
    }

    #[test]
    fn a_log_that_cannot_be_opened_says_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A folder where the file should be: no file can be opened there, not even by root.
        let log = AuditLog::new(dir.path());
        let e = log.append(&line(1)).expect_err("refused");
        assert_eq!(e.kind(), std::io::ErrorKind::IsADirectory, "{e}");
        assert!(log.check_writable().is_err());
    }

    #[test]
    fn a_full_device_refuses_the_line_and_nothing_is_half_written() {
        // /dev/full answers every write with ENOSPC, like a full disk.
        let log = AuditLog::new("/dev/full");
        let e = log.append(&line(1)).expect_err("no space");
        assert_eq!(e.raw_os_error(), Some(28), "ENOSPC: {e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_looser_existing_log_is_tightened_to_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "").expect("create");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        AuditLog::new(&path).check_writable().expect("tightened");
        assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn two_consoles_appending_to_one_log_never_tear_a_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.jsonl");
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let log = AuditLog::new(&path);
                std::thread::spawn(move || {
                    for n in 0..150 {
                        log.append(&line(w * 1000 + n)).expect("append");
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("writer");
        }
        assert_eq!(whole_lines(&std::fs::read_to_string(&path).expect("read")), 600);
    }

    /// A real full filesystem: a 64 KiB tmpfs (needs root and mount(2); said and skipped otherwise).
    /// A line that does not fit is removed again, the error says so, and once space is freed the
    /// next line goes in without reopening anything (tapdesk checks again on every action).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_filesystem_leaves_no_partial_line_and_recovers_when_space_is_freed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mnt = dir.path().join("small");
        std::fs::create_dir(&mnt).expect("mkdir");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(&mnt)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !mounted {
            eprintln!("skipped: cannot mount a tmpfs here (needs root); the /dev/full test covers ENOSPC");
            return;
        }
        struct Unmount<'a>(&'a Path);
        impl Drop for Unmount<'_> {
            fn drop(&mut self) {
                let _ = std::process::Command::new("umount").arg(self.0).status();
            }
        }
        let _guard = Unmount(&mnt);
        let filler = mnt.join("filler");
        let path = mnt.join("audit.jsonl");
        let log = AuditLog::new(&path);
        log.append(&line(0)).expect("first line");
        // Fill the rest of the filesystem but a few hundred bytes.
        let mut f = std::fs::File::create(&filler).expect("filler");
        let chunk = vec![b'x'; 512];
        while f.write_all(&chunk).is_ok() {}
        drop(f);
        let before = std::fs::read_to_string(&path).expect("read");
        let mut refused = 0;
        for n in 1..40 {
            if log.append(&line(n + 250)).is_err() {
                refused += 1;
            }
        }
        assert!(refused > 0, "the filesystem filled up");
        let after = std::fs::read_to_string(&path).expect("read");
        assert!(after.starts_with(&before));
        let kept = whole_lines(&after);
        std::fs::remove_file(&filler).expect("free space");
        log.append(&line(999)).expect("writable again");
        assert_eq!(whole_lines(&std::fs::read_to_string(&path).expect("read")), kept + 1);
    }
}
