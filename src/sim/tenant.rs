//! The simulated tenant (users, groups, roles, methods, TAP policy) and the deterministic demo tenant.
//!
//! SKELETON.

use serde::{Deserialize, Serialize};

/// A whole simulated tenant; also the `--tenant FILE` JSON format.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tenant {}

impl Tenant {
    /// The deterministic demo tenant on `contoso.example` with `n_users` people (at least the named
    /// demo people are always present).
    pub fn demo(n_users: usize) -> Self {
        let _ = n_users;
        Tenant {}
    }
}
