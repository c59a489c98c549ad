//! The operator's audit log: one JSON line per attempted action (issue a pass, delete a method,
//! revoke sessions), appended to a file only the operator can read (mode 0600).
//!
//! A line holds: `time` (UTC, RFC 3339), `operator`, `tenant`, `targetId`, `targetUpn`, `action`
//! (`createTemporaryAccessPass`, `deleteAuthenticationMethod`, `revokeSignInSessions`),
//! `parameters` (for a pass: `startDateTime`, `lifetimeInMinutes`, `isUsableOnce`; for a delete:
//! the method type, id and name), `ticket`, `verification`, `result` (`success`, `refused`,
//! `failed`, `uncertain`), `error` (Graph's code and message, if any) and `requestId` (Graph's
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
        opts.open(&self.path)
    }

    /// Appends one line.
    ///
    /// # Errors
    /// The I/O error when the folder or file cannot be created or written.
    pub fn append(&self, event: &AuditEvent) -> std::io::Result<()> {
        let mut f = self.open()?;
        let mut line = serde_json::to_string(event).map_err(std::io::Error::other)?;
        line.push('\n');
        f.write_all(line.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_json_lines_with_mode_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("sub").join("audit.jsonl"));
        let ev = AuditEvent {
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
}
