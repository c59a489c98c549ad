//! The Graph simulator: a real HTTP server (axum) that behaves like Microsoft Graph v1.0 for the
//! endpoints tapdesk uses, on a fictional tenant. `tapdesk --demo` and the tests run the real client
//! against it over 127.0.0.1; `tapdesk simulate --listen ADDR` runs it alone.
//!
//! Served (see `reference.md` §11 for the behaviour each follows):
//! - `POST /{tenant}/oauth2/v2.0/token` — client credentials (demo client `tapdesk-demo` /
//!   `demo-secret` acts as Dana Okafor, `tapdesk-demo-pam` / `demo-secret` as Lee Park, PAA),
//!   device code and refresh token (public client `tapdesk-device`); tokens carry `scp` and every
//!   Graph route checks the permission it needs. Client assertions (a registered certificate, or a
//!   federated identity credential for workload identity; `sim::assertion`) get app-only tokens
//!   (`roles`, `idtyp` `app`).
//! - `GET /metadata/identity/oauth2/token` (IMDS) and `GET /msi/token` (App Service): the
//!   managed identities of the simulated Azure host (`sim::msi`), app-only tokens too.
//! - `POST /{tenant}/oauth2/v2.0/devicecode` and the verification page `GET|POST /devicelogin`.
//! - `GET /v1.0/users` (`$select`, `$filter`, `$search`, `$count`, `$orderby`, `$top`, paging),
//!   `GET /v1.0/users/{id|upn}`, `/v1.0/me`, `/v1.0/users/$count`, `/manager`,
//!   `/transitiveMemberOf`, `POST /revokeSignInSessions`.
//! - `GET /v1.0/users/{id}/authentication/methods[/{id}]`, per-type collections
//!   (`fido2Methods`, `phoneMethods`, ...: list, get, delete), `POST temporaryAccessPassMethods`.
//! - `GET`/`PATCH /v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`.
//!
//! Every response has `request-id`, `client-request-id` and `Date`; errors use Graph's envelope.
//! [`SimHandle::control`] gives tests the clock, fault injection and the request log.

mod act;
mod app_credentials;
mod assertion;
mod auth;
pub mod contract;
pub mod control;
pub mod demo;
mod demo_names;
mod demo_people;
mod device;
mod errors;
mod http;
mod msi;
mod odata;
mod props;
mod routes;
mod search;
mod state;
pub mod synth;
pub mod tenant;

use std::net::SocketAddr;
use std::sync::Arc;

pub use auth::{ALL_SCOPES, CLAIMS_CHALLENGE, CONSENTABLE_SCOPES, GRAPH_RESOURCE};
pub use control::{
    DeviceCodeState, DeviceCodeView, Fault, FaultRule, LoggedRequest, PageLatency, SimControl, StsSettings,
};
pub use tenant::Tenant;

use http::{ConnKill, KillListener};
use state::Shared;

/// A running simulator. Dropping the handle does not stop the server; call [`SimHandle::shutdown`].
pub struct SimHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
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
        format!("http://{}/{}/oauth2/v2.0/token", self.addr, self.tenant_id())
    }

    /// The authority host to sign in at: `http://127.0.0.1:PORT` (token and device-code endpoints
    /// live under `/{tenant}/oauth2/v2.0/`).
    pub fn authority(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Device authorization endpoint: `http://127.0.0.1:PORT/{tenantId}/oauth2/v2.0/devicecode`.
    pub fn device_code_url(&self) -> String {
        format!("http://{}/{}/oauth2/v2.0/devicecode", self.addr, self.tenant_id())
    }

    /// The simulated tenant's id (the `tid` claim; the authority path segment).
    pub fn tenant_id(&self) -> String {
        self.shared.lock().tenant.tenant_id.clone()
    }

    /// A valid bearer token (3599 s) acting for the tenant's operator, without a token request.
    pub fn mint_token(&self) -> String {
        let mut w = self.shared.lock();
        let oid = w.tenant.operator_id.clone();
        auth::mint(&mut w, &oid, "tapdesk-in-process")
    }

    /// A valid bearer token acting for user `user_id` (any user of the tenant, e.g. a Privileged
    /// Authentication Administrator or a user without roles).
    pub fn mint_token_for(&self, user_id: &str) -> String {
        let mut w = self.shared.lock();
        auth::mint(&mut w, user_id, "tapdesk-in-process")
    }

    /// A valid bearer token acting for `user_id` with exactly these permissions as `scp` (e.g. only
    /// `User.Read.All`, to see features switch off and Graph answer 403).
    pub fn mint_token_with_scopes(&self, user_id: &str, scopes: &[&str]) -> String {
        let mut w = self.shared.lock();
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        auth::mint_with(&mut w, user_id, "tapdesk-in-process", &scopes).0
    }

    /// Test control: clock, faults, request log, tenant access.
    pub fn control(&self) -> SimControl {
        SimControl { shared: self.shared.clone() }
    }

    /// Stops the server: no new connections; in-flight requests finish on the background task.
    pub fn shutdown(self) {
        let _ = self.stop.send(true);
    }

    /// [`SimHandle::shutdown`] and wait until the server task has ended.
    pub async fn shutdown_and_wait(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the simulator on `listen` (use `127.0.0.1:0` for a free port) serving `tenant`.
///
/// The server runs on a spawned tokio task until [`SimHandle::shutdown`]. Errors: the address
/// cannot be bound.
pub async fn start(tenant: tenant::Tenant, listen: SocketAddr) -> std::io::Result<SimHandle> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    Ok(serve(listener, Shared::new(tenant, addr)))
}

fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) -> SimHandle {
    let addr = shared.addr;
    let app = routes::app(shared.clone()).into_make_service_with_connect_info::<ConnKill>();
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        let _ = axum::serve(KillListener(listener), app).with_graceful_shutdown(shutdown).await;
    });
    SimHandle { addr, shared, stop, task }
}

/// A simulator whose tenant is still being built (see [`start_deferred`]): its address is bound
/// and known, and connections made before it serves wait in the listen backlog.
pub struct PendingSim {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<SimHandle>,
}

impl PendingSim {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Graph root with version, e.g. `http://127.0.0.1:41234/v1.0`.
    pub fn graph_base(&self) -> String {
        format!("http://{}/v1.0", self.addr)
    }

    /// Stops the server if it runs, or its start if the tenant is still being built.
    pub async fn shutdown(self) {
        if self.task.is_finished() {
            if let Ok(handle) = self.task.await {
                handle.shutdown();
            }
        } else {
            self.task.abort();
        }
    }
}

/// Binds `listen` at once, then builds the tenant with `build` on a blocking thread (a generated
/// 300,000-user demo tenant takes seconds), applies `configure` (e.g. the page latency) and
/// serves it. What connects meanwhile waits in the listen backlog and is answered once the
/// tenant is ready, so `tapdesk --demo` can draw its first frame at once.
///
/// Errors: the address cannot be bound. A `build` that panics leaves the port unanswered (the
/// client's requests time out).
pub async fn start_deferred(
    listen: SocketAddr,
    build: impl FnOnce() -> tenant::Tenant + Send + 'static,
    configure: impl FnOnce(&SimControl) + Send + 'static,
) -> std::io::Result<PendingSim> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let shared = match tokio::task::spawn_blocking(move || Shared::new(build(), addr)).await {
            Ok(shared) => shared,
            // The build panicked: nothing to serve (dropping the listener refuses connections).
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        configure(&SimControl { shared: shared.clone() });
        serve(listener, shared)
    });
    Ok(PendingSim { addr, task })
}
