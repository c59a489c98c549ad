//! tapdesk: a terminal console for IT helpdesks on Microsoft Entra ID.
//!
//! Map of the crate:
//! - [`graph`]: Microsoft Graph v1.0 types, errors, HTTP client and the background worker.
//! - [`sim`]: the Graph simulator (axum) behind `--demo`, `tapdesk simulate` and the tests.

pub mod graph;
pub mod sim;
