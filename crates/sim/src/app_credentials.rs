//! Fixture types for app-only sign-in without a secret: certificates and federated identity
//! credentials of an app registration, and the managed identities of the simulated Azure host.
//!
//! The shapes follow Microsoft Graph's `keyCredential` and `federatedIdentityCredential` resources
//! and the managed-identity properties Azure shows (`principalId`, `clientId`, resource id). See
//! `docs/simulator.md` for an example fixture.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

fn asymmetric_x509() -> String {
    "AsymmetricX509Cert".into()
}

fn verify() -> String {
    "Verify".into()
}

/// A certificate registered on an app (Graph `keyCredential`, "Certificates & secrets" >
/// Certificates). The token endpoint accepts client assertions signed with its private key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeyCredential {
    /// `keyId` (GUID); only used in error texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `type`: only `AsymmetricX509Cert` is accepted for client assertions.
    #[serde(rename = "type", default = "asymmetric_x509")]
    pub key_type: String,
    /// `usage`: `Verify` (the app proves itself with the key).
    #[serde(default = "verify")]
    pub usage: String,
    /// `key`: the X.509 certificate, DER, standard base64 (what Graph returns; no private key).
    pub key: String,
    /// `customKeyIdentifier`: the certificate's SHA-1 thumbprint (hex as the portal shows it, or
    /// base64). `None` = computed from `key`. Lookups use it, as Entra's do, so a registration
    /// whose identifier names another certificate fails the signature check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_key_identifier: Option<String>,
    /// `displayName`, e.g. `CN=tapdesk-automation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `startDateTime` (UTC): not usable before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<Timestamp>,
    /// `endDateTime` (UTC): expired after (AADSTS700027 "The key used is expired.").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<Timestamp>,
}

/// A federated identity credential of an app (Graph `federatedIdentityCredential`): tokens of
/// another issuer (a Kubernetes service account, a CI system) are accepted as client assertions
/// when `issuer`, `subject` and one of `audiences` match exactly (case-sensitive, as Entra does).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FederatedIdentityCredential {
    /// `name`, unique per app.
    #[serde(default)]
    pub name: String,
    /// `issuer`: the external issuer URL, e.g. an AKS OIDC issuer.
    pub issuer: String,
    /// `subject`, e.g. `system:serviceaccount:{namespace}:{service account}`.
    pub subject: String,
    /// `audiences`: normally `["api://AzureADTokenExchange"]`.
    #[serde(default = "default_audiences")]
    pub audiences: Vec<String>,
}

/// The audience Entra recommends for federated identity credentials.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

fn default_audiences() -> Vec<String> {
    vec![TOKEN_EXCHANGE_AUDIENCE.to_owned()]
}

/// System-assigned (one per Azure resource) or user-assigned (any number).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum ManagedIdentityType {
    /// Tied to the simulated host; asked for without an id.
    SystemAssigned,
    /// Chosen by `client_id`, `object_id`/`principal_id` or resource id.
    UserAssigned,
}

/// A managed identity of the simulated Azure host (VM through IMDS, or App Service), served at
/// `GET /metadata/identity/oauth2/token` and `GET /msi/token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SimManagedIdentity {
    /// `SystemAssigned` or `UserAssigned`.
    #[serde(rename = "type")]
    pub identity_type: ManagedIdentityType,
    /// The identity's client (application) id: the `appid` claim.
    pub client_id: String,
    /// The service principal's object id (`principalId`): the `oid` claim.
    pub principal_id: String,
    /// Azure resource id of a user-assigned identity
    /// (`/subscriptions/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Name shown for the app (`app_displayname`); `None` = the client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Graph application permissions granted to it (the `roles` claim), e.g. `User.Read.All`.
    /// `None` = every permission tapdesk uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_permissions: Option<Vec<String>>,
}
