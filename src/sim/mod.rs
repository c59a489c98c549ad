//! The Graph simulator: a real HTTP server (axum) that behaves like Microsoft Graph v1.0 for the
//! endpoints tapdesk uses, on a fictional tenant. `tapdesk --demo` and the tests run the real client
//! against it over 127.0.0.1; `tapdesk simulate --listen ADDR` runs it alone.
//!
//! SKELETON: the contract below is used by main.rs, auth and tests; the body is being written.

pub mod tenant;

use std::net::SocketAddr;

/// A running simulator. Dropping the handle does not stop the server; call [`SimHandle::shutdown`].
pub struct SimHandle {
    addr: SocketAddr,
}

impl SimHandle {
    /// The bound address (port chosen by the OS when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Graph root with version, e.g. `http://127.0.0.1:41234/v1.0`.
    pub fn graph_base(&self) -> String {
        format!("http://{}/v1.0", self.addr)
    }

    /// Token endpoint for the simulated tenant: `http://127.0.0.1:PORT/{tenantId}/oauth2/v2.0/token`.
    pub fn token_url(&self) -> String {
        unimplemented!()
    }

    /// Stops the server.
    pub fn shutdown(self) {}
}

/// Starts the simulator on `listen` (use `127.0.0.1:0` for a free port) serving `tenant`.
pub async fn start(tenant: tenant::Tenant, listen: SocketAddr) -> std::io::Result<SimHandle> {
    let _ = tenant;
    Ok(SimHandle { addr: listen })
}
