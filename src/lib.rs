//! tapdesk: a terminal console for IT helpdesks on Microsoft Entra ID: find the caller, see their
//! authentication methods, issue a Temporary Access Pass, copy it, all by keyboard.
//!
//! Map of the crate:
//! - [`app`]: the `Model`, the `Msg`s that change it, the pure `update`, and the `Cmd`s it asks for.
//! - [`ui`]: `view`, which only draws the model (ratatui).
//! - [`audit`]: the operator's audit log (JSON lines, mode 0600).
//! - [`keymap`]: the actions and their default keys, from `assets/keymap.toml` (also the help overlay).
//! - [`directory`]: the cached directory's compact rows ([`directory::UserRow`]).
//! - [`search`]: fuzzy user search (fuzzy-matcher).
//! - [`phonetic`]: reading a pass out: grouping and a spelling alphabet.
//! - [`graph`]: the Graph HTTP client and the background worker that owns it.
//! - [`auth`]: sign-in (device code, Azure CLI, app-only, the demo's), clouds, token claims and
//!   the features they allow; the device-code sign-in worker whose prompt the TUI draws.
//! - [`config`]: the TOML configuration file, `TAPDESK_*` variables and their precedence.
//! - [`hardening`]: no core dumps, not dumpable (set at start).
//! - [`doctor`]: `tapdesk doctor`, the line-by-line self-check of a real-tenant setup.
//! - [`clipboard`]: arboard / OSC 52.
//! - [`sanitize`]: directory text made safe for the terminal.
//!
//! The Graph vocabulary (types, errors, OData, the request/response protocol) is the
//! `tapdesk_graph` crate; the simulator behind `--demo` is `tapdesk_sim` (feature `demo`).
//! - [`timefmt`]: timestamps in the operator's zone and in UTC (for `app` and `ui`).
//! - [`term`]: the terminal (through a byte-counting writer) and per-frame statistics.
//! - [`run`]: the terminal, the event loop, and the wiring of all of the above.

pub mod app;
pub mod audit;
pub mod auth;
pub mod clipboard;
pub mod config;
pub mod directory;
pub mod doctor;
pub mod graph;
pub mod hardening;
pub mod keymap;
pub mod phonetic;
pub mod run;
pub mod sanitize;
pub mod search;
pub mod term;
pub mod timefmt;
pub mod ui;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod architecture_tests;
