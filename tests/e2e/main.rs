//! End to end: the real `tapdesk` binary, in tmux (`--demo`, sign-in against a simulator in this
//! process) and on the command line (`tapdesk doctor`). Needs tmux on PATH (`scripts/test`
//! installs it).

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

#[path = "../support/tmux.rs"]
mod tmux;

mod auth_app_only_e2e;
mod auth_e2e_tmux;
mod client_console;
mod doctor_cli;
mod e2e_tmux;
mod faults_e2e;
mod memory_scan_e2e;
mod pass_watch_e2e;
mod signals_e2e;
