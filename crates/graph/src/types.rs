//! Typed Microsoft Graph v1.0 payloads that tapdesk reads and writes.
//!
//! Shapes follow the Graph resource pages (user, authenticationMethod and its derived types,
//! temporaryAccessPassAuthenticationMethod, temporaryAccessPassAuthenticationMethodConfiguration)
//! and the real payloads vendored in `tests/fixtures/graph/`. Every reader is tolerant: unknown fields are
//! ignored, optional fields may be missing, times are RFC 3339 UTC with 0-7 fractional digits, and an
//! authentication method of a type tapdesk does not know becomes [`AuthMethod::Unknown`] instead of
//! failing the whole list.

use jiff::Timestamp;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

/// One page of a Graph collection: `{"@odata.context", "@odata.count"?, "@odata.nextLink"?, "value": [...]}`.
///
/// See <https://learn.microsoft.com/graph/paging>. `next_link` is absolute and opaque: request it verbatim.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// The items of this page (may be empty even when more pages follow).
    pub value: Vec<T>,
    /// Absolute URL of the next page; absent on the last page.
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
    /// Total matches, present on the first page when `$count=true` and `ConsistencyLevel: eventual` were sent.
    #[serde(rename = "@odata.count", default)]
    pub count: Option<u64>,
}

/// A directory user (`microsoft.graph.user`), as read by `GET /users` and `GET /users/{id}`.
///
/// Only `id` is required; every other property is absent unless the default property set or
/// `$select` includes it. Strings here come from the directory and are untrusted: sanitise before
/// drawing them (see tapdesk's `sanitize` module).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id (GUID). Per-user URLs always use it.
    pub id: String,
    /// `displayName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `userPrincipalName`; guests look like `alias_domain#EXT#@tenant.example`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// `mail` (may be null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    /// `userType`: `Member` or `Guest` (needs `$select`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// `jobTitle`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// `department` (needs `$select`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// `officeLocation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_location: Option<String>,
    /// `employeeId` (needs `$select`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<String>,
    /// `accountEnabled` (needs `$select`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    /// `createdDateTime` (UTC; needs `$select`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<Timestamp>,
    /// `onPremisesSyncEnabled`: `true` when the account is synced from on-premises AD (needs `$select`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_premises_sync_enabled: Option<bool>,
}

/// A `directoryObject` from `GET /users/{id}/transitiveMemberOf`: a group (`#microsoft.graph.group`)
/// or a directory role (`#microsoft.graph.directoryRole`); other types keep only their id.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObject {
    /// `@odata.type`, e.g. `#microsoft.graph.group`.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: String,
    /// Object id.
    pub id: String,
    /// Group or role name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Directory roles: the role template id (the same in every tenant).
    #[serde(default)]
    pub role_template_id: Option<String>,
    /// Groups: members may hold directory roles through it.
    #[serde(default)]
    pub is_assignable_to_role: Option<bool>,
}

impl DirectoryObject {
    /// A directory role (not a group).
    pub fn is_role(&self) -> bool {
        self.odata_type.ends_with("directoryRole")
    }
    /// A group.
    pub fn is_group(&self) -> bool {
        self.odata_type.ends_with(".group")
    }
}

/// What a helpdesk checks before trusting a caller, and what decides whether a pass will work:
/// the user (`$select` of the card properties), their manager, and their groups (nested counted)
/// and directory roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserCard {
    /// The user with the card properties.
    pub user: User,
    /// `GET /users/{id}/manager`; `None` when no manager is set (Graph's 404).
    pub manager: Option<User>,
    /// `GET /users/{id}/transitiveMemberOf`.
    pub member_of: Vec<DirectoryObject>,
}

/// Common fields of every `microsoft.graph.authenticationMethod`.
///
/// `createdDateTime` is UTC; the documentation's `creationDateTime` spelling is accepted too.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MethodBase {
    /// Method id. FIDO2 ids are base64url-like and may start with `-` or `_`.
    pub id: String,
    /// When the method was registered (UTC), if Graph says.
    #[serde(default, alias = "creationDateTime")]
    pub created_date_time: Option<Timestamp>,
    /// When the method was last used (UTC), if Graph says.
    #[serde(default)]
    pub last_used_date_time: Option<Timestamp>,
}

/// `#microsoft.graph.passwordAuthenticationMethod` (`password` is always null; cannot be deleted).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct PasswordMethod {
    /// id (always `28c10230-6103-485e-b985-444c60001490`) and created time.
    #[serde(flatten)]
    pub base: MethodBase,
}

/// `#microsoft.graph.phoneAuthenticationMethod`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PhoneMethod {
    /// id is fixed per `phoneType`.
    #[serde(flatten)]
    pub base: MethodBase,
    /// `+{cc} {number}x{ext}`; masked for Authentication Administrators.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// `mobile`, `alternateMobile` or `office`.
    #[serde(default)]
    pub phone_type: Option<String>,
    /// `ready`, `notEnabled`, ... (`smsSignInState`).
    #[serde(default)]
    pub sms_sign_in_state: Option<String>,
}

/// `#microsoft.graph.emailAuthenticationMethod` (self-service password reset e-mail).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EmailMethod {
    /// id is always `3ddfcfc8-9383-446f-83cc-3ab9be4be18f`.
    #[serde(flatten)]
    pub base: MethodBase,
    /// The address.
    #[serde(default)]
    pub email_address: Option<String>,
}

/// `#microsoft.graph.microsoftAuthenticatorAuthenticationMethod`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MicrosoftAuthenticatorMethod {
    /// id and created time.
    #[serde(flatten)]
    pub base: MethodBase,
    /// The device name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// e.g. `SoftwareTokenActivated`.
    #[serde(default)]
    pub device_tag: Option<String>,
    /// App version on the device.
    #[serde(default)]
    pub phone_app_version: Option<String>,
}

/// `#microsoft.graph.fido2AuthenticationMethod` (security keys and passkeys).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Fido2Method {
    /// id and created time.
    #[serde(flatten)]
    pub base: MethodBase,
    /// Name the user gave the key, e.g. `YubiKey 5 NFC`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Authenticator Attestation GUID (`aaGuid`) identifying the make and model.
    #[serde(default)]
    pub aa_guid: Option<String>,
    /// Manufacturer-provided model; may be missing.
    #[serde(default)]
    pub model: Option<String>,
    /// `attested` / `notAttested`.
    #[serde(default)]
    pub attestation_level: Option<String>,
    /// Thumbprints of the attestation certificates.
    #[serde(default)]
    pub attestation_certificates: Vec<String>,
    /// `deviceBound` / `synced`.
    #[serde(default)]
    pub passkey_type: Option<String>,
}

/// `#microsoft.graph.softwareOathAuthenticationMethod` (`secretKey` is always null on read).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct SoftwareOathMethod {
    /// id and created time.
    #[serde(flatten)]
    pub base: MethodBase,
}

/// `#microsoft.graph.windowsHelloForBusinessAuthenticationMethod`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WindowsHelloMethod {
    /// id and created time.
    #[serde(flatten)]
    pub base: MethodBase,
    /// The device name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `normal`, `weak`, `unknown`.
    #[serde(default)]
    pub key_strength: Option<String>,
}

/// `#microsoft.graph.platformCredentialAuthenticationMethod` (e.g. macOS Platform SSO).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PlatformCredentialMethod {
    /// id and created time.
    #[serde(flatten)]
    pub base: MethodBase,
    /// The device name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `normal`, `weak`, `unknown`.
    #[serde(default)]
    pub key_strength: Option<String>,
    /// `windows`, `macOS`, `iOS`, `android`, `linux`, `unknown`.
    #[serde(default)]
    pub platform: Option<String>,
}

/// `#microsoft.graph.temporaryAccessPassAuthenticationMethod` as listed or read.
///
/// The pass itself is never here: Graph returns it only in the create response
/// (see [`CreatedTap`]); lists and GETs say `temporaryAccessPass: null`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TapMethod {
    /// id and created time.
    #[serde(flatten)]
    pub base: MethodBase,
    /// When the pass becomes usable (UTC).
    #[serde(default)]
    pub start_date_time: Option<Timestamp>,
    /// Lifetime in minutes, counted from `startDateTime`.
    #[serde(default)]
    pub lifetime_in_minutes: Option<u32>,
    /// One-time (`true`) or multi-use.
    #[serde(default)]
    pub is_usable_once: Option<bool>,
    /// Usable right now.
    #[serde(default)]
    pub is_usable: Option<bool>,
    /// `EnabledByPolicy`, `DisabledByPolicy`, `Expired`, `NotYetValid`, `OneTimeUsed`.
    #[serde(default)]
    pub method_usability_reason: Option<String>,
}

impl TapMethod {
    /// End of validity (UTC): `startDateTime + lifetimeInMinutes`, if both are known.
    pub fn end_date_time(&self) -> Option<Timestamp> {
        let start = self.start_date_time?;
        let mins = self.lifetime_in_minutes?;
        start.checked_add(jiff::SignedDuration::from_mins(i64::from(mins))).ok()
    }
}

/// The 201 answer to `POST /users/{id}/authentication/temporaryAccessPassMethods`: the method and,
/// this one time only, the pass.
///
/// The pass is a [`SecretString`]: `Debug` prints `[REDACTED]`, it is wiped on drop, and it has no
/// `Display` or `Serialize`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedTap {
    /// The pass, e.g. `+drkzqAD`. Never log, print or persist it.
    pub temporary_access_pass: SecretString,
    /// Everything else Graph says about the new method.
    #[serde(flatten)]
    pub method: TapMethod,
    /// Graph's `request-id` response header (for the audit log), set by the client.
    #[serde(skip)]
    pub request_id: Option<String>,
}

/// Body of `POST .../temporaryAccessPassMethods`. Every field is optional; Graph then applies the
/// tenant policy's defaults.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TapCreateRequest {
    /// Start (UTC, serialised with `Z`); `None` = usable right after creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<Timestamp>,
    /// Lifetime in minutes (policy min..=max, absolute 10..=43,200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_in_minutes: Option<u32>,
    /// One-time (`true`) or multi-use (`false`, only if the policy allows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_usable_once: Option<bool>,
}

/// One authentication method of a user, from `GET /users/{id}/authentication/methods`.
///
/// Dispatches on `@odata.type`; a type tapdesk does not know, or a known type whose body does not
/// parse, becomes [`AuthMethod::Unknown`] with the type name and the raw JSON, so one odd method
/// never breaks the list.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthMethod {
    /// `#microsoft.graph.passwordAuthenticationMethod`
    Password(PasswordMethod),
    /// `#microsoft.graph.phoneAuthenticationMethod`
    Phone(PhoneMethod),
    /// `#microsoft.graph.emailAuthenticationMethod`
    Email(EmailMethod),
    /// `#microsoft.graph.microsoftAuthenticatorAuthenticationMethod`
    MicrosoftAuthenticator(MicrosoftAuthenticatorMethod),
    /// `#microsoft.graph.fido2AuthenticationMethod`
    Fido2(Fido2Method),
    /// `#microsoft.graph.softwareOathAuthenticationMethod`
    SoftwareOath(SoftwareOathMethod),
    /// `#microsoft.graph.temporaryAccessPassAuthenticationMethod`
    TemporaryAccessPass(TapMethod),
    /// `#microsoft.graph.windowsHelloForBusinessAuthenticationMethod`
    WindowsHelloForBusiness(WindowsHelloMethod),
    /// `#microsoft.graph.platformCredentialAuthenticationMethod`
    PlatformCredential(PlatformCredentialMethod),
    /// Any other `@odata.type` (or a known one that did not parse), kept verbatim.
    Unknown {
        /// The `@odata.type` value, e.g. `#microsoft.graph.qrCodePinAuthenticationMethod`.
        odata_type: String,
        /// The method's JSON as received.
        raw: serde_json::Value,
    },
}

impl AuthMethod {
    /// Parses one method object, dispatching on its `@odata.type`.
    pub fn from_value(v: serde_json::Value) -> Self {
        let ty = v.get("@odata.type").and_then(|t| t.as_str()).unwrap_or("").to_owned();
        fn p<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Option<T> {
            serde_json::from_value(v.clone()).ok()
        }
        let parsed = match ty.trim_start_matches('#') {
            "microsoft.graph.passwordAuthenticationMethod" => p(&v).map(AuthMethod::Password),
            "microsoft.graph.phoneAuthenticationMethod" => p(&v).map(AuthMethod::Phone),
            "microsoft.graph.emailAuthenticationMethod" => p(&v).map(AuthMethod::Email),
            "microsoft.graph.microsoftAuthenticatorAuthenticationMethod" => {
                p(&v).map(AuthMethod::MicrosoftAuthenticator)
            }
            "microsoft.graph.fido2AuthenticationMethod" => p(&v).map(AuthMethod::Fido2),
            "microsoft.graph.softwareOathAuthenticationMethod" => p(&v).map(AuthMethod::SoftwareOath),
            "microsoft.graph.temporaryAccessPassAuthenticationMethod" => p(&v).map(AuthMethod::TemporaryAccessPass),
            "microsoft.graph.windowsHelloForBusinessAuthenticationMethod" => {
                p(&v).map(AuthMethod::WindowsHelloForBusiness)
            }
            "microsoft.graph.platformCredentialAuthenticationMethod" => p(&v).map(AuthMethod::PlatformCredential),
            _ => None,
        };
        parsed.unwrap_or(AuthMethod::Unknown { odata_type: ty, raw: v })
    }

    /// The method's id (`Unknown` reads `id` from the raw JSON; empty if absent).
    pub fn id(&self) -> &str {
        match self {
            AuthMethod::Password(m) => &m.base.id,
            AuthMethod::Phone(m) => &m.base.id,
            AuthMethod::Email(m) => &m.base.id,
            AuthMethod::MicrosoftAuthenticator(m) => &m.base.id,
            AuthMethod::Fido2(m) => &m.base.id,
            AuthMethod::SoftwareOath(m) => &m.base.id,
            AuthMethod::TemporaryAccessPass(m) => &m.base.id,
            AuthMethod::WindowsHelloForBusiness(m) => &m.base.id,
            AuthMethod::PlatformCredential(m) => &m.base.id,
            AuthMethod::Unknown { raw, .. } => raw.get("id").and_then(|i| i.as_str()).unwrap_or(""),
        }
    }

    /// The fields every known type shares; `None` for an unknown type (its JSON is in `raw`).
    fn base(&self) -> Option<&MethodBase> {
        match self {
            AuthMethod::Password(m) => Some(&m.base),
            AuthMethod::Phone(m) => Some(&m.base),
            AuthMethod::Email(m) => Some(&m.base),
            AuthMethod::MicrosoftAuthenticator(m) => Some(&m.base),
            AuthMethod::Fido2(m) => Some(&m.base),
            AuthMethod::SoftwareOath(m) => Some(&m.base),
            AuthMethod::TemporaryAccessPass(m) => Some(&m.base),
            AuthMethod::WindowsHelloForBusiness(m) => Some(&m.base),
            AuthMethod::PlatformCredential(m) => Some(&m.base),
            AuthMethod::Unknown { .. } => None,
        }
    }

    /// A time property of an unknown type's JSON, if it reads as one.
    fn raw_time(&self, names: &[&str]) -> Option<Timestamp> {
        let AuthMethod::Unknown { raw, .. } = self else { return None };
        names.iter().find_map(|n| raw.get(*n)).and_then(|t| t.as_str()).and_then(|t| t.parse().ok())
    }

    /// When the method was registered (UTC), if known (`createdDateTime`).
    pub fn created(&self) -> Option<Timestamp> {
        match self.base() {
            Some(b) => b.created_date_time,
            None => self.raw_time(&["createdDateTime", "creationDateTime"]),
        }
    }

    /// When the method was last used to sign in (UTC), if Graph says (`lastUsedDateTime`,
    /// inherited from `authenticationMethod`; null or absent when never used or not reported).
    pub fn last_used(&self) -> Option<Timestamp> {
        match self.base() {
            Some(b) => b.last_used_date_time,
            None => self.raw_time(&["lastUsedDateTime"]),
        }
    }

    /// Human name of the method type, as the Entra admin center words it
    /// (`Password`, `Microsoft Authenticator`, `FIDO2 security key`, ...). Unknown types give their
    /// `@odata.type` without the `#microsoft.graph.` prefix.
    pub fn type_label(&self) -> String {
        match self {
            AuthMethod::Password(_) => "Password".into(),
            AuthMethod::Phone(_) => "Phone".into(),
            AuthMethod::Email(_) => "Email".into(),
            AuthMethod::MicrosoftAuthenticator(_) => "Microsoft Authenticator".into(),
            AuthMethod::Fido2(_) => "FIDO2 security key".into(),
            AuthMethod::SoftwareOath(_) => "Software OATH token".into(),
            AuthMethod::TemporaryAccessPass(_) => "Temporary Access Pass".into(),
            AuthMethod::WindowsHelloForBusiness(_) => "Windows Hello for Business".into(),
            AuthMethod::PlatformCredential(_) => "Platform credential".into(),
            AuthMethod::Unknown { odata_type, .. } => {
                let t = odata_type.trim_start_matches('#').trim_start_matches("microsoft.graph.");
                if t.is_empty() { "Unknown method".into() } else { t.to_owned() }
            }
        }
    }

    /// The per-type path segment under `/users/{id}/authentication/` that serves GET and DELETE of
    /// this method (`fido2Methods`, ...), or `None` for types without one.
    pub fn path_segment(&self) -> Option<&'static str> {
        Some(match self {
            AuthMethod::Password(_) => "passwordMethods",
            AuthMethod::Phone(_) => "phoneMethods",
            AuthMethod::Email(_) => "emailMethods",
            AuthMethod::MicrosoftAuthenticator(_) => "microsoftAuthenticatorMethods",
            AuthMethod::Fido2(_) => "fido2Methods",
            AuthMethod::SoftwareOath(_) => "softwareOathMethods",
            AuthMethod::TemporaryAccessPass(_) => "temporaryAccessPassMethods",
            AuthMethod::WindowsHelloForBusiness(_) => "windowsHelloForBusinessMethods",
            AuthMethod::PlatformCredential(_) => "platformCredentialMethods",
            AuthMethod::Unknown { .. } => return None,
        })
    }
}

impl<'de> Deserialize<'de> for AuthMethod {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        Ok(AuthMethod::from_value(v))
    }
}

/// Unwraps the `{"value": {...}}` wrapper that several Graph documentation samples put around a
/// single entity; an unwrapped entity is returned as is.
pub fn unwrap_entity(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(mut m) if m.len() == 1 && m.get("value").is_some_and(|x| x.is_object()) => {
            m.remove("value").unwrap_or(serde_json::Value::Null)
        }
        other => other,
    }
}

/// A target of an authentication method policy (`includeTargets` / `excludeTargets` item).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTarget {
    /// `group` or `user`.
    pub target_type: String,
    /// Object id, or `all_users`.
    pub id: String,
    /// Include targets only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_registration_required: Option<bool>,
}

/// The tenant's TAP policy:
/// `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`
/// (`#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration`). Lifetimes in minutes.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TapPolicy {
    /// `TemporaryAccessPass`.
    #[serde(default)]
    pub id: String,
    /// `enabled` or `disabled`.
    pub state: String,
    /// Lifetime used when the request names none (minutes).
    pub default_lifetime_in_minutes: u32,
    /// Length of every pass, 8-48 characters.
    pub default_length: u32,
    /// Shortest lifetime a request may ask for (minutes, >= 10).
    pub minimum_lifetime_in_minutes: u32,
    /// Longest lifetime a request may ask for (minutes, <= 43,200).
    pub maximum_lifetime_in_minutes: u32,
    /// `true`: every pass is one-time; `false`: the issuer chooses.
    pub is_usable_once: bool,
    /// Who may sign in with a pass.
    #[serde(default)]
    pub include_targets: Vec<PolicyTarget>,
    /// Who may not.
    #[serde(default)]
    pub exclude_targets: Vec<PolicyTarget>,
}

impl TapPolicy {
    /// `state == "enabled"`.
    pub fn is_enabled(&self) -> bool {
        self.state.eq_ignore_ascii_case("enabled")
    }
}

/// Body of `PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`
/// (204 on success). Graph requires `@odata.type`; lifetimes are minutes within 10..=43,200 with
/// minimum <= default <= maximum, and the length is 8..=48. Targets are left as they are.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TapPolicyPatch {
    /// Always `#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration`.
    #[serde(rename = "@odata.type")]
    pub odata_type: &'static str,
    /// `enabled` or `disabled`.
    pub state: String,
    /// Default lifetime (minutes).
    pub default_lifetime_in_minutes: u32,
    /// Minimum lifetime (minutes).
    pub minimum_lifetime_in_minutes: u32,
    /// Maximum lifetime (minutes).
    pub maximum_lifetime_in_minutes: u32,
    /// Pass length (characters).
    pub default_length: u32,
    /// Every pass one-time.
    pub is_usable_once: bool,
}

/// The `@odata.type` of the TAP policy configuration.
pub const TAP_POLICY_ODATA_TYPE: &str = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration";
