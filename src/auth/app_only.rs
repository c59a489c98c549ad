//! App-only sign-in: tokens that act as the **application**, not a person. tapdesk labels them
//! "app-only" everywhere and the audit log records the app. Used for automation and break-glass;
//! Graph then checks the app's application permissions (`roles`), and the operator-role rules of
//! delegated sign-in do not apply.
//!
//! All four are azure_identity credentials (<https://docs.rs/azure_identity>) with the cloud's authority:
//! - client secret: `AZURE_CLIENT_SECRET` from the environment (never the config file);
//! - client certificate: a PKCS#12 file (`certificate` setting, password in
//!   `AZURE_CLIENT_CERTIFICATE_PASSWORD`); needs the `client-cert` cargo feature (azure_identity's
//!   `client_certificate`, which links OpenSSL), so the default build has none;
//! - managed identity (App Service or the VM's IMDS; `client_id` picks a user-assigned identity);
//! - workload identity (Kubernetes: `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID`, `AZURE_TENANT_ID`).
//!
//! When the authority is plain http on the loopback interface (the simulator), the credential is
//! given an https authority and the [`super::Loopback`] transport, because azure_identity refuses
//! non-https authorities. The same transport carries managed identity's requests (IMDS at
//! `169.254.169.254`, or App Service's `IDENTITY_ENDPOINT`) to the simulator, path unchanged; every
//! path is tested end to end there (tests/graph/auth_client_certificate.rs, tests/e2e/auth_app_only_e2e.rs,
//! tests/graph/auth_managed_identity_app_service.rs).

use std::sync::Arc;

use azure_core::cloud::CustomConfiguration;
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, ExponentialRetryOptions, RetryOptions, Transport};
use azure_identity::{
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions, ManagedIdentityCredential,
    ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};

use super::cloud::Cloud;
use super::{LOOPBACK_AUTHORITY, Loopback};

/// Environment variable holding the client secret.
pub const SECRET_ENV: &str = "AZURE_CLIENT_SECRET";
/// Environment variable holding the certificate's password, if it has one.
pub const CERTIFICATE_PASSWORD_ENV: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";

/// How credentials retry the token endpoint: a little in real use (2 retries within 10 s, so a
/// failure shows quickly), never in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retries {
    /// Two retries, 10 s in all.
    #[default]
    Few,
    /// No retry.
    None,
}

/// azure_core client options for `cloud`: its authority (or the loopback bridge to the simulator)
/// and the retry policy.
pub fn client_options(cloud: &Cloud, retries: Retries) -> ClientOptions {
    let retry = match retries {
        Retries::None => RetryOptions::none(),
        Retries::Few => RetryOptions::exponential(ExponentialRetryOptions {
            max_retries: 2,
            max_total_elapsed: azure_core::time::Duration::seconds(10),
            ..Default::default()
        }),
    };
    let mut options = ClientOptions { retry, ..Default::default() };
    let port = url::Url::parse(&cloud.authority_host).ok().and_then(|u| u.port_or_known_default());
    match port {
        Some(port) if cloud.authority_is_loopback_http() => {
            let mut custom = CustomConfiguration::default();
            custom.authority_host = LOOPBACK_AUTHORITY.to_owned();
            options.cloud = Some(Arc::new(custom.into()));
            options.transport = Some(Transport::new(Arc::new(Loopback::new(port))));
        }
        _ => options.cloud = Some(Arc::new(cloud.azure_configuration())),
    }
    options
}

/// `ClientSecretCredential` for `client_id` in `tenant`; the secret comes from the caller (read it
/// from [`SECRET_ENV`]).
///
/// # Errors
/// A sentence naming what is missing or invalid.
pub fn client_secret(
    cloud: &Cloud,
    tenant: &str,
    client_id: &str,
    secret: &secrecy::SecretString,
    retries: Retries,
) -> Result<Arc<dyn TokenCredential>, String> {
    use secrecy::ExposeSecret as _;
    if secret.expose_secret().trim().is_empty() {
        return Err(format!("{SECRET_ENV} is empty: set it to the client secret's value"));
    }
    let options = ClientSecretCredentialOptions { client_options: client_options(cloud, retries) };
    let cred = ClientSecretCredential::new(
        tenant,
        client_id.to_owned(),
        Secret::new(secret.expose_secret().to_owned()),
        Some(options),
    )
    .map_err(|e| format!("client secret credential: {e}"))?;
    Ok(cred)
}

/// `ClientCertificateCredential` from a PKCS#12 file (password from [`CERTIFICATE_PASSWORD_ENV`]).
///
/// # Errors
/// Unreadable file, bad certificate or password, or a build without the `client-cert` feature.
#[cfg(feature = "client-cert")]
pub fn client_certificate(
    cloud: &Cloud,
    tenant: &str,
    client_id: &str,
    certificate: &std::path::Path,
    retries: Retries,
) -> Result<Arc<dyn TokenCredential>, String> {
    use azure_core::credentials::SecretBytes;
    use azure_identity::{ClientCertificateCredential, ClientCertificateCredentialOptions};
    let bytes =
        std::fs::read(certificate).map_err(|e| format!("cannot read certificate {}: {e}", certificate.display()))?;
    let password = std::env::var(CERTIFICATE_PASSWORD_ENV).ok().filter(|p| !p.is_empty()).map(Secret::new);
    let options = ClientCertificateCredentialOptions { client_options: client_options(cloud, retries), password };
    let cred = ClientCertificateCredential::new(
        tenant.to_owned(),
        client_id.to_owned(),
        SecretBytes::new(bytes),
        Some(options),
    )
    .map_err(|e| format!("certificate {}: {e}", certificate.display()))?;
    Ok(cred)
}

/// Without the `client-cert` feature: always the error that says how to get it.
///
/// # Errors
/// Always.
#[cfg(not(feature = "client-cert"))]
pub fn client_certificate(
    _cloud: &Cloud,
    _tenant: &str,
    _client_id: &str,
    _certificate: &std::path::Path,
    _retries: Retries,
) -> Result<Arc<dyn TokenCredential>, String> {
    Err("this tapdesk was built without certificate support: rebuild with `cargo install tapdesk --features \
         client-cert` (needs OpenSSL), or use --auth client-secret"
        .to_owned())
}

/// `ManagedIdentityCredential`: system-assigned, or the user-assigned identity with `client_id`.
///
/// # Errors
/// azure_identity's refusal, in words.
pub fn managed_identity(
    cloud: &Cloud,
    client_id: Option<&str>,
    retries: Retries,
) -> Result<Arc<dyn TokenCredential>, String> {
    let options = ManagedIdentityCredentialOptions {
        user_assigned_id: client_id.map(|c| UserAssignedId::ClientId(c.to_owned())),
        client_options: client_options(cloud, retries),
    };
    let cred = ManagedIdentityCredential::new(Some(options)).map_err(|e| format!("managed identity: {e}"))?;
    Ok(cred)
}

/// `WorkloadIdentityCredential` (Kubernetes); `tenant` and `client_id` default to
/// `AZURE_TENANT_ID` and `AZURE_CLIENT_ID`, `token_file` (the projected service-account token,
/// sent as the client assertion) to `AZURE_FEDERATED_TOKEN_FILE`. The file is read here and again
/// when it is more than 10 minutes old (azure_identity's rule).
///
/// # Errors
/// What is missing, in words.
pub fn workload_identity(
    cloud: &Cloud,
    tenant: Option<&str>,
    client_id: Option<&str>,
    token_file: Option<&std::path::Path>,
    retries: Retries,
) -> Result<Arc<dyn TokenCredential>, String> {
    let options = WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions { client_options: client_options(cloud, retries) },
        client_id: client_id.map(str::to_owned),
        tenant_id: tenant.map(str::to_owned),
        token_file_path: token_file.map(std::path::Path::to_path_buf),
    };
    let cred = WorkloadIdentityCredential::new(Some(options)).map_err(|e| format!("workload identity: {e}"))?;
    Ok(cred)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::cloud::CloudName;

    #[test]
    fn loopback_authority_gets_the_bridge() {
        let sim = Cloud::custom("http://127.0.0.1:4321", "https://graph.microsoft.com", "http://127.0.0.1:4321");
        let o = client_options(&sim, Retries::None);
        assert!(o.transport.is_some());
        let real = client_options(&Cloud::named(CloudName::China), Retries::Few);
        assert!(real.transport.is_none());
        assert_eq!(real.cloud.as_deref(), Some(&azure_core::cloud::CloudConfiguration::AzureChina));
    }

    #[test]
    fn empty_secret_is_refused() {
        let e = client_secret(&Cloud::default(), "t", "c", &secrecy::SecretString::from(""), Retries::None);
        assert!(e.err().unwrap().contains("AZURE_CLIENT_SECRET is empty"));
    }

    #[cfg(not(feature = "client-cert"))]
    #[test]
    fn certificate_needs_the_feature() {
        let e = client_certificate(&Cloud::default(), "t", "c", std::path::Path::new("x.pfx"), Retries::None);
        assert!(e.err().unwrap().contains("--features client-cert"));
    }
}
