//! The `--demo` credential (feature `demo`): azure_identity's own `ClientSecretCredential` for the
//! simulator's demo client, through the [`Loopback`] transport.

use std::sync::Arc;

use azure_core::cloud::CustomConfiguration;
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, RetryOptions, Transport};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};

use super::{LOOPBACK_AUTHORITY, Loopback};

/// The demo credential: azure_identity's `ClientSecretCredential` for the simulator's demo client
/// ([`tapdesk_sim::contract::CLIENT_ID`]) in
/// `tenant_id`, whose token requests go to the simulator on `port`. Retries are off, so a failure
/// shows at once.
///
/// # Errors
/// azure_core's error if the tenant id is not a valid tenant id.
pub fn credential(tenant_id: &str, port: u16) -> azure_core::Result<Arc<dyn TokenCredential>> {
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = LOOPBACK_AUTHORITY.to_owned();
    let client_options = ClientOptions {
        cloud: Some(Arc::new(cloud.into())),
        transport: Some(Transport::new(Arc::new(Loopback::new(port)))),
        retry: RetryOptions::none(),
        ..Default::default()
    };
    let cred = ClientSecretCredential::new(
        tenant_id,
        tapdesk_sim::contract::CLIENT_ID.to_owned(),
        Secret::new(tapdesk_sim::contract::CLIENT_SECRET),
        Some(ClientSecretCredentialOptions { client_options }),
    )?;
    Ok(cred)
}
