//! The process keeps no copy of a pass where it could be read later: at start, like ssh-agent and
//! gpg-agent, tapdesk turns core dumps off (`RLIMIT_CORE` soft and hard limits 0, so no crash,
//! `SIGABRT` or `kill -QUIT` writes memory to disk) and, on Linux, makes itself non-dumpable
//! (`prctl(PR_SET_DUMPABLE, 0)`: no core even where a core pattern pipes it to a helper, and other
//! processes of the same user can neither `ptrace` it nor read `/proc/PID/mem`). Elsewhere the
//! second step is a documented no-op. Both go through rustix, so this crate keeps
//! `unsafe_code = "forbid"`.

/// What [`protect`] could not do, one sentence each (empty when all went well). tapdesk still
/// runs then; `tapdesk doctor` and the start say it.
pub fn protect() -> Vec<String> {
    let mut problems = Vec::new();
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        if let Err(e) = setrlimit(Resource::Core, Rlimit { current: Some(0), maximum: Some(0) }) {
            problems.push(format!("core dumps could not be turned off (setrlimit RLIMIT_CORE: {e})"));
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        if let Err(e) = set_dumpable_behavior(DumpableBehavior::NotDumpable) {
            problems.push(format!("the process could not be made non-dumpable (prctl PR_SET_DUMPABLE: {e})"));
        }
    }
    problems
}

/// The protection as it stands now, in words, for `tapdesk doctor`: e.g.
/// `core dumps off (limit 0), not dumpable`.
pub fn status() -> String {
    let mut parts = Vec::new();
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Core);
        parts.push(match limit.current {
            Some(0) => "core dumps off (limit 0)".to_owned(),
            Some(n) => format!("core dumps ON (limit {n} bytes)"),
            None => "core dumps ON (no limit)".to_owned(),
        });
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    parts.push(match rustix::process::dumpable_behavior() {
        Ok(rustix::process::DumpableBehavior::NotDumpable) => "not dumpable".to_owned(),
        Ok(_) => "DUMPABLE".to_owned(),
        Err(e) => format!("dumpable unknown ({e})"),
    });
    if parts.is_empty() { "no core-dump protection on this platform".to_owned() } else { parts.join(", ") }
}

#[cfg(test)]
mod tests {
    /// Run in a child process of this test binary, so the limit (which cannot be raised again)
    /// never changes for the other tests.
    #[test]
    fn protect_turns_core_dumps_off_and_the_process_non_dumpable() {
        if std::env::var_os("TAPDESK_HARDENING_CHILD").is_some() {
            assert!(super::protect().is_empty());
            println!("STATUS {}", super::status());
            return;
        }
        let exe = std::env::current_exe().unwrap_or_default();
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "hardening::tests::protect_turns_core_dumps_off_and_the_process_non_dumpable",
                "--nocapture",
            ])
            .env("TAPDESK_HARDENING_CHILD", "1")
            .output()
            .unwrap_or_else(|e| panic!("child test: {e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        #[cfg(target_os = "linux")]
        assert!(stdout.contains("STATUS core dumps off (limit 0), not dumpable"), "{stdout}");
    }
}
