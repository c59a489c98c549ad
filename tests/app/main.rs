//! The app layer: the pure `update` fed `Msg`s (keys, worker answers) with the `Cmd`s it returns,
//! the local search engine, and `view` drawn on ratatui's `TestBackend` (insta snapshots in
//! `snapshots/`). No network, no terminal.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

#[path = "../support/common.rs"]
mod common;

mod update_flow;
mod workflow;
mod recovery;
mod policy;
mod search_flow;
mod signin_flow;
mod view_snapshots;
mod search_engine;
mod tap_defaults;
