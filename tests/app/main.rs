//! The app layer: the pure `update` fed `Msg`s (keys, worker answers) with the `Cmd`s it returns,
//! the local search engine, and `view` drawn on ratatui's `TestBackend` (insta snapshots in
//! `snapshots/`). No network, no terminal.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

#[path = "../support/common.rs"]
mod common;

mod faults;
mod last_use;
mod methods_watch;
mod pass_watch;
mod policy;
mod readme_screens;
mod recovery;
mod search_engine;
mod search_flow;
mod signin_flow;
mod tap_defaults;
mod update_flow;
mod view_snapshots;
mod workflow;
mod write_ahead;
