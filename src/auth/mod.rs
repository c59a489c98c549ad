//! Credentials. Every Graph call takes its bearer token from an azure_core
//! [`TokenCredential`](azure_core::credentials::TokenCredential), even in `--demo`.
//!
//! - [`cloud`]: the Graph root, authority and scope of each national cloud.
//! - [`claims`] and [`capabilities`]: who the token is for and which features it allows.
//! - [`device_code`]: tapdesk's own device-code credential (the default for operators over SSH).
//! - [`azure_cli`]: azure_identity's `AzureCliCredential` with a timeout and tapdesk's token cache.
//! - [`app_only`]: client secret, client certificate, managed identity and workload identity.
//! - [`sts`]: Entra token-endpoint errors in words (AADSTS codes and their fixes).
//! - [`challenge`]: continuous access evaluation (a 401 with a claims challenge).
//! - [`signin`]: building the credential for an [`AuthMode`] and reading who signed in.
//! - [`worker`]: the device-code sign-in in the background, its prompt sent to the TUI.
//! - [`events`]: the sign-in protocol (requests, events, prompt, who signed in): plain data.
//!
//! For the demo the credential is azure_identity's own `ClientSecretCredential` (app id
//! `tapdesk-demo`), pointed at the simulator's token endpoint
//! (`POST /{tenantId}/oauth2/v2.0/token`). azure_identity refuses an authority that is not
//! `https://`, so the credential is given the https authority [`LOOPBACK_AUTHORITY`] and a transport
//! ([`Loopback`]) that sends each of its requests to the simulator on 127.0.0.1 instead
//! (azure_identity's `ClientOptions::transport`, <https://docs.rs/azure_identity>).

pub mod app_only;
pub mod azure_cli;
pub mod cache;
pub mod capabilities;
pub mod challenge;
pub mod claims;
pub mod cloud;
#[cfg(feature = "demo")]
pub mod demo;
pub mod device_code;
pub mod events;
pub mod renew;
pub mod signin;
pub mod sts;
pub mod worker;

pub use crate::config::AuthMode;
pub use cloud::{Cloud, CloudName};
pub use signin::{OperatorIdentity, Session, SignedIn};

use azure_core::http::{AsyncRawResponse, HttpClient, Request};

/// The https authority a loopback credential poses as (the contract with the simulator, defined
/// once in [`tapdesk_graph::loopback::AUTHORITY`]); [`Loopback`] reroutes it.
pub use tapdesk_graph::loopback::AUTHORITY as LOOPBACK_AUTHORITY;

/// An azure_core [`HttpClient`] that sends every request to `http://127.0.0.1:{port}` with the same
/// path and query: the bridge between an https-only credential and the local simulator.
#[derive(Debug)]
pub struct Loopback {
    inner: reqwest::Client,
    port: u16,
}

impl Loopback {
    /// A loopback transport to the simulator listening on `port`.
    pub fn new(port: u16) -> Self {
        Self { inner: reqwest::Client::new(), port }
    }
}

#[async_trait::async_trait]
impl HttpClient for Loopback {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut rerouted = request.clone();
        let url = rerouted.url_mut();
        // These setters only fail for URLs that cannot have a host, which an http(s) URL always can.
        let _ = url.set_scheme("http");
        let _ = url.set_host(Some("127.0.0.1"));
        let _ = url.set_port(Some(self.port));
        self.inner.execute_request(&rerouted).await
    }
}

/// The tenant id in a token URL of the form `http(s)://host/{tenantId}/oauth2/v2.0/token`.
pub fn tenant_from_token_url(token_url: &str) -> Option<String> {
    let url = url::Url::parse(token_url).ok()?;
    url.path_segments()?.next().filter(|s| !s.is_empty()).map(str::to_owned)
}
