//! From settings to a working credential, and from its first token to who signed in.
//!
//! [`Session::build`] turns the resolved [`Config`] and a [`Cloud`] into the `TokenCredential` for
//! the chosen [`AuthMode`] plus the scopes the Graph client must ask for. [`Session::sign_in`]
//! gets the first token (this is where the device code is shown) and reads it into a
//! [`SignedIn`]: the operator and tenant for the status bar, the claims, and the
//! [`Capabilities`] that switch features off. A token for another cloud or another tenant is
//! refused here, in words.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use secrecy::SecretString;

use super::AuthMode;
use super::app_only::{self, Retries};
use super::azure_cli::{AzureCliOptions, azure_cli_credential};
use super::capabilities::{Capabilities, permissions};
use super::challenge::ClaimsChallengeHandler;
use super::claims::Claims;
use super::cloud::Cloud;
use super::device_code::{DEFAULT_CLIENT_ID, DeviceCodeCredential, DeviceCodeError, DeviceCodeOptions, PromptSink};
pub use super::events::{FailureKind, OperatorIdentity, SignInFailure, SignedIn};
use super::renew::{RenewableCredential, TokenRenewer};
use crate::config::Config;

/// Name shown with the device code when the client id is tapdesk's default.
pub const DEFAULT_APP_NAME: &str = "Microsoft Graph Command Line Tools (used by tapdesk)";

/// Knobs for [`Session::build`] that are not settings (tests shorten timings, fake `az`).
#[derive(Clone, Default)]
pub struct BuildOptions {
    /// Retries of azure_identity credentials.
    pub retries: Retries,
    /// Device-code timings.
    pub device_code: DeviceCodeOptions,
    /// A fake `az` runner.
    pub az_executor: Option<Arc<dyn azure_identity::Executor>>,
    /// The client secret for `client-secret` (default: read `AZURE_CLIENT_SECRET`).
    pub client_secret: Option<SecretString>,
    /// Where the device code goes (default: standard error, see [`PromptSink::Stderr`]).
    pub prompt: Option<PromptSink>,
}

/// A credential ready to use, with what the Graph client needs alongside it.
#[derive(Clone)]
pub struct Session {
    /// The credential every Graph call takes its token from.
    pub credential: Arc<dyn TokenCredential>,
    /// Set for credentials that can answer a claims challenge (device code).
    pub claims_handler: Option<Arc<dyn ClaimsChallengeHandler>>,
    /// Gets a new token past every cache, for a `401` on a token that should still be valid
    /// ([`super::renew`]); `None` for a fixed credential.
    pub renewer: Option<Arc<dyn TokenRenewer>>,
    /// The device-code credential itself, to change where its prompt goes.
    pub device_code: Option<Arc<DeviceCodeCredential>>,
    /// Scopes for `GraphClient::new` (full URIs, e.g. `https://graph.microsoft.com/User.Read.All`).
    pub scopes: Vec<String>,
    /// The cloud in use.
    pub cloud: Cloud,
    /// The sign-in method.
    pub auth: AuthMode,
    /// The configured tenant, if any.
    pub tenant: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("auth", &self.auth)
            .field("cloud", &self.cloud.label)
            .field("tenant", &self.tenant)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

impl SignedIn {
    /// Reads an access token (see [`Claims::from_jwt`]) and checks it is for `cloud`'s Graph and,
    /// when `tenant` is a tenant id, for that tenant. An opaque token gives unknown claims and
    /// [`Capabilities::unknown`].
    ///
    /// # Errors
    /// The sentence for a token of another cloud or tenant.
    pub fn from_token(token: &str, auth: AuthMode, cloud: &Cloud, tenant: Option<&str>) -> Result<SignedIn, String> {
        let claims = Claims::from_jwt(token).unwrap_or_default();
        if let Some(aud) = &claims.aud
            && !cloud.accepts_audience(aud)
        {
            return Err(format!(
                "the token is for {aud}, not {} ({} cloud): it was issued in another cloud. Choose the tenant's cloud \
                 with --cloud (global, usgov, usgov-dod, china).",
                cloud.resource, cloud.label
            ));
        }
        if let (Some(want), Some(tid)) = (tenant, &claims.tid)
            && is_guid(want)
            && !want.eq_ignore_ascii_case(tid)
        {
            let hint =
                if auth == AuthMode::AzureCli { format!(" Run `az login --tenant {want}`.") } else { String::new() };
            return Err(format!("the token is for tenant {tid}, not {want}: signed in to the wrong tenant.{hint}"));
        }
        let capabilities = if claims.permissions().is_empty() && claims.tid.is_none() {
            Capabilities::unknown()
        } else {
            Capabilities::from_claims(&claims)
        };
        let app_only = claims.is_app_only() || auth.is_app_only();
        let display = if app_only && !claims.is_app_only() {
            format!(
                "{} (app-only)",
                claims.app_display_name.clone().or(claims.app_id.clone()).unwrap_or_else(|| "app".into())
            )
        } else {
            claims.operator_display()
        };
        let named = tenant.filter(|t| !is_guid(t) && !["organizations", "common", "consumers"].contains(t));
        let upn_domain = claims.upn.as_deref().and_then(|u| u.rsplit_once('@')).map(|(_, d)| d.to_owned());
        let tenant_label = named
            .map(str::to_owned)
            .or(if app_only { None } else { upn_domain })
            .or(claims.tid.clone())
            .or(tenant.map(str::to_owned))
            .unwrap_or_else(|| "?".into());
        Ok(SignedIn {
            identity: OperatorIdentity { display, tenant: tenant_label, app_only },
            claims,
            capabilities,
            auth,
            cloud: cloud.label.clone(),
            expires_on: None,
        })
    }

    /// The tenant's domains known from the sign-in (the configured domain and the operator's UPN
    /// domain), lower-case, without repeats: for `Settings::own_domains`.
    pub fn own_domains(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let upn = self.claims.upn.as_deref().and_then(|u| u.rsplit_once('@')).map(|(_, d)| d);
        for d in [Some(self.identity.tenant.as_str()), upn].into_iter().flatten() {
            let d = d.to_ascii_lowercase();
            if d.contains('.') && !is_guid(&d) && !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }

    /// `operator @ tenant`, with `(app-only)` already in the operator for app-only tokens.
    pub fn status_text(&self) -> String {
        format!("{} @ {}", self.identity.display, self.identity.tenant)
    }
}

impl Session {
    /// The credential for `config.auth` in `cloud` (see the module doc).
    ///
    /// # Errors
    /// A sentence naming the missing or invalid setting (tenant, client id, secret, certificate).
    pub fn build(config: &Config, cloud: Cloud, options: BuildOptions) -> Result<Session, String> {
        let tenant = config.tenant.clone();
        let default_scope = vec![cloud.default_scope()];
        let mut session = Session {
            credential: Arc::new(NoCredential),
            claims_handler: None,
            renewer: None,
            device_code: None,
            scopes: default_scope,
            cloud: cloud.clone(),
            auth: config.auth,
            tenant: tenant.clone(),
        };
        match config.auth {
            AuthMode::DeviceCode => {
                let tenant = tenant.clone().unwrap_or_else(|| "organizations".to_owned());
                let client_id = config.client_id.clone().unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned());
                let app_name =
                    if client_id == DEFAULT_CLIENT_ID { DEFAULT_APP_NAME.to_owned() } else { "tapdesk".to_owned() };
                let names: Vec<String> = match &config.scopes {
                    Some(s) => s.clone(),
                    None => permissions::DEFAULT_DELEGATED.iter().map(|s| s.to_string()).collect(),
                };
                let cred =
                    DeviceCodeCredential::new(cloud.clone(), &tenant, &client_id, &app_name, options.device_code)
                        .map_err(|e| e.to_string())?;
                if let Some(sink) = options.prompt {
                    cred.set_prompt(sink);
                }
                session.scopes = names.iter().map(|n| cloud.scope(n)).filter(|s| s != "offline_access").collect();
                session.credential = cred.clone();
                session.claims_handler = Some(cred.clone());
                session.renewer = Some(cred.clone());
                session.device_code = Some(cred);
            }
            _ => {
                let first = app_credential(config, &cloud, &options)?;
                let (config, cloud, options) = (config.clone(), cloud.clone(), options.clone());
                let renewable = Arc::new(RenewableCredential::new(
                    first,
                    Box::new(move || app_credential(&config, &cloud, &options)),
                ));
                session.credential = renewable.clone();
                session.renewer = Some(renewable);
            }
        }
        Ok(session)
    }

    /// The scopes as `&str`s for `TokenCredential::get_token`.
    pub fn scope_refs(&self) -> Vec<&str> {
        self.scopes.iter().map(String::as_str).collect()
    }

    /// Gets the first token (showing the device code if needed) and reads who signed in.
    ///
    /// # Errors
    /// The credential's failure in words (AADSTS code and fix when there is one), or a token for
    /// another cloud or tenant.
    pub async fn sign_in(&self) -> Result<SignedIn, String> {
        self.sign_in_classified().await.map_err(|f| f.text)
    }

    /// [`Session::sign_in`], with the failure sorted for the TUI (cancelled, code expired, other).
    ///
    /// # Errors
    /// A [`SignInFailure`] whose `text` is the sentence [`Session::sign_in`] gives.
    pub async fn sign_in_classified(&self) -> Result<SignedIn, SignInFailure> {
        let token =
            self.credential.get_token(&self.scope_refs(), None).await.map_err(|e| SignInFailure::from_error(&e))?;
        let mut signed = SignedIn::from_token(token.token.secret(), self.auth, &self.cloud, self.tenant.as_deref())
            .map_err(|text| SignInFailure { text, kind: FailureKind::Other })?;
        signed.expires_on = jiff::Timestamp::from_second(token.expires_on.unix_timestamp()).ok();
        Ok(signed)
    }
}

impl SignInFailure {
    /// Reads a credential's error: the sentence of [`error_text`] with the fix for its AADSTS
    /// code, and the kind from the [`DeviceCodeError`] inside, when there is one.
    pub fn from_error(e: &azure_core::Error) -> SignInFailure {
        let kind = match e.downcast_ref::<DeviceCodeError>() {
            Some(DeviceCodeError::Cancelled) => FailureKind::Cancelled,
            Some(DeviceCodeError::Expired) => FailureKind::Expired,
            Some(DeviceCodeError::Sts(s)) if matches!(s.error.as_str(), "expired_token" | "code_expired") => {
                FailureKind::Expired
            }
            _ => FailureKind::Other,
        };
        SignInFailure { text: super::sts::explain_message(&error_text(e)), kind }
    }
}

/// An azure_core error and its sources as one line (no repeats).
pub fn error_text(e: &azure_core::Error) -> String {
    tapdesk_graph::error::error_chain(e)
}

/// Placeholder before the real credential is chosen (never used to call Graph).
#[derive(Debug)]
struct NoCredential;

#[async_trait::async_trait]
impl TokenCredential for NoCredential {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        Err(azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, "no credential configured"))
    }
}

/// The credential of an app-only or Azure CLI sign-in (every mode but device code), built from
/// the settings; [`Session::build`] calls it again for each renewal
/// ([`RenewableCredential`]).
fn app_credential(config: &Config, cloud: &Cloud, options: &BuildOptions) -> Result<Arc<dyn TokenCredential>, String> {
    let tenant = config.tenant.clone();
    let need_tenant = |what: &str| {
        tenant.clone().ok_or_else(|| format!("--auth {what} needs the tenant: pass --tenant (or set `tenant`)"))
    };
    let need_client = |what: &str| {
        config
            .client_id
            .clone()
            .ok_or_else(|| format!("--auth {what} needs the app's client id: pass --client-id (or set `client_id`)"))
    };
    let cloud = cloud.clone();
    let options = options.clone();
    match config.auth {
        AuthMode::DeviceCode => Err("device-code sign-in has its own credential".into()),
        AuthMode::AzureCli => {
            let cred = azure_cli_credential(AzureCliOptions {
                tenant: tenant.clone(),
                timeout: config.az_timeout,
                executor: options.az_executor,
                ..AzureCliOptions::default()
            })
            .map_err(|e| format!("Azure CLI: {e}"))?;
            Ok(cred)
        }
        AuthMode::ClientSecret => {
            let t = need_tenant("client-secret")?;
            let c = need_client("client-secret")?;
            let secret = match options.client_secret {
                Some(s) => s,
                None => std::env::var(app_only::SECRET_ENV).map(SecretString::from).map_err(|_| {
                    format!(
                        "--auth client-secret reads the secret from {}: set it in the environment (never in the \
                             config file)",
                        app_only::SECRET_ENV
                    )
                })?,
            };
            app_only::client_secret(&cloud, &t, &c, &secret, options.retries)
        }
        AuthMode::ClientCertificate => {
            let t = need_tenant("client-certificate")?;
            let c = need_client("client-certificate")?;
            let path = config.certificate.clone().ok_or_else(|| {
                "--auth client-certificate needs the certificate file: set `certificate` (or TAPDESK_CERTIFICATE)"
                    .to_owned()
            })?;
            app_only::client_certificate(&cloud, &t, &c, &path, options.retries)
        }
        AuthMode::ManagedIdentity => app_only::managed_identity(&cloud, config.client_id.as_deref(), options.retries),
        AuthMode::WorkloadIdentity => {
            app_only::workload_identity(&cloud, tenant.as_deref(), config.client_id.as_deref(), None, options.retries)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::cloud::CloudName;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(p: serde_json::Value) -> String {
        format!("h.{}.s", URL_SAFE_NO_PAD.encode(p.to_string()))
    }

    #[test]
    fn delegated_identity_uses_upn_and_domain() {
        let t = jwt(
            serde_json::json!({"aud": "https://graph.microsoft.com", "tid": "9c0d1e2f-3a4b-4c6d-9e8f-9a0b1c2d3e11",
            "upn": "dana@contoso.example", "scp": "User.Read.All"}),
        );
        let s = SignedIn::from_token(&t, AuthMode::DeviceCode, &Cloud::default(), Some("organizations")).unwrap();
        assert_eq!(
            s.identity,
            OperatorIdentity {
                display: "dana@contoso.example".into(),
                tenant: "contoso.example".into(),
                app_only: false
            }
        );
        assert_eq!(s.status_text(), "dana@contoso.example @ contoso.example");
        assert_eq!(s.own_domains(), ["contoso.example"]);
        assert!(s.capabilities.create_tap.is_err());
        let s =
            SignedIn::from_token(&t, AuthMode::DeviceCode, &Cloud::default(), Some("contoso.onmicrosoft.com")).unwrap();
        assert_eq!(s.identity.tenant, "contoso.onmicrosoft.com");
    }

    #[test]
    fn wrong_cloud_and_wrong_tenant_are_refused() {
        let t = jwt(
            serde_json::json!({"aud": "https://graph.microsoft.com", "tid": "9c0d1e2f-3a4b-4c6d-9e8f-9a0b1c2d3e11"}),
        );
        let e = SignedIn::from_token(&t, AuthMode::AzureCli, &Cloud::named(CloudName::Usgov), None).unwrap_err();
        assert!(e.contains("issued in another cloud"), "{e}");
        let e = SignedIn::from_token(
            &t,
            AuthMode::AzureCli,
            &Cloud::default(),
            Some("00000000-0000-4000-8000-000000000000"),
        )
        .unwrap_err();
        assert!(e.contains("az login --tenant 00000000-0000-4000-8000-000000000000"), "{e}");
    }

    #[test]
    fn app_only_is_labelled() {
        let t = jwt(serde_json::json!({"aud": "00000003-0000-0000-c000-000000000000", "tid": "t", "idtyp": "app",
            "roles": ["User.Read.All"], "app_displayname": "tapdesk-automation"}));
        let s = SignedIn::from_token(&t, AuthMode::ClientSecret, &Cloud::default(), Some("t")).unwrap();
        assert!(s.identity.app_only);
        assert_eq!(s.identity.display, "tapdesk-automation (app-only)");
        assert_eq!(s.identity.tenant, "t");
    }

    #[test]
    fn opaque_token_allows_everything() {
        let s = SignedIn::from_token("opaque", AuthMode::AzureCli, &Cloud::default(), Some("contoso.example")).unwrap();
        assert!(!s.capabilities.is_known());
        assert_eq!(s.identity.tenant, "contoso.example");
    }
}
