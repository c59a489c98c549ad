//! The simulated tenant: users with their authentication methods, groups (nested), directory role
//! assignments, the Temporary Access Pass policy and the signed-in operator. [`Tenant`] is also the
//! `--fixture FILE` JSON fixture format; [`Tenant::demo`] builds the deterministic demo tenant.
//!
//! # Fixture format (JSON, camelCase keys; times RFC 3339 UTC)
//!
//! ```json
//! {
//!   "tenantId": "9c0d1e2f-3a4b-4c6d-9e8f-9a0b1c2d3e11",
//!   "domain": "contoso.example",
//!   "displayName": "Contoso (demo)",
//!   "operatorId": "<user id of the signed-in operator: the `oid` of every token>",
//!   "clients": [
//!     {"clientId": "tapdesk-demo", "clientSecret": "demo-secret"},
//!     {"clientId": "other", "clientSecret": "s", "operatorId": "<user id acting for this client>"},
//!     {"clientId": "tapdesk-device", "publicClient": true, "displayName": "tapdesk",
//!      "consentedScopes": ["User.Read.All", "UserAuthenticationMethod.ReadWrite.All"]}
//!   ],
//!   "users": [{
//!     "id": "<GUID>", "displayName": "Avery Quinn", "userPrincipalName": "avery.quinn@contoso.example",
//!     "givenName": "Avery", "surname": "Quinn", "mail": "avery.quinn@contoso.example",
//!     "jobTitle": "...", "department": "...", "officeLocation": "...", "employeeId": "E100001",
//!     "mobilePhone": null, "businessPhones": [], "preferredLanguage": "en-US",
//!     "companyName": null, "city": null, "country": null,
//!     "accountEnabled": true, "userType": "Member", "createdDateTime": "2021-03-04T08:00:00Z",
//!     "onPremisesSyncEnabled": null, "signInSessionsValidFromDateTime": null,
//!     "managerId": "<user id or null>",
//!     "defaultMethodId": "<id of one of the methods below: the default MFA method, or null>",
//!     "methods": [
//!       {"type": "password", "id": "28c10230-6103-485e-b985-444c60001490", "createdDateTime": "..."},
//!       {"type": "phone", "id": "3179e48a-750b-4051-897c-87b9720928f7",
//!        "phoneNumber": "+1 2065550123", "phoneType": "mobile", "smsSignInState": "ready"},
//!       {"type": "email", "id": "3ddfcfc8-9383-446f-83cc-3ab9be4be18f", "emailAddress": "a@b.example"},
//!       {"type": "microsoftAuthenticator", "id": "...", "displayName": "Pixel 8",
//!        "deviceTag": "SoftwareTokenActivated", "phoneAppVersion": "6.8.7"},
//!       {"type": "fido2", "id": "-2_GRUg2...", "displayName": "YubiKey 5 NFC", "aaGuid": "...",
//!        "model": "YubiKey 5 NFC", "attestationLevel": "attested",
//!        "attestationCertificates": ["..."], "passkeyType": "deviceBound"},
//!       {"type": "softwareOath", "id": "..."},
//!       {"type": "windowsHelloForBusiness", "id": "...", "displayName": "LAPTOP-1", "keyStrength": "normal"},
//!       {"type": "platformCredential", "id": "...", "displayName": "MacBook", "keyStrength": "normal",
//!        "platform": "macOS"},
//!       {"type": "temporaryAccessPass", "id": "...", "createdDateTime": "...",
//!        "startDateTime": "...", "lifetimeInMinutes": 60, "isUsableOnce": false, "used": false},
//!       {"type": "other", "id": "...", "odataType": "#microsoft.graph.futureAuthenticationMethod",
//!        "properties": {"anyGraphProperty": "copied verbatim into responses"}}
//!     ]
//!   }],
//!   "groups": [{"id": "<GUID>", "displayName": "TAP-Users", "isAssignableToRole": false,
//!               "members": ["<user id or group id (nested group)>"]}],
//!   "roles": [{"id": "<directoryRole object GUID>", "roleTemplateId": "c4e39bd9-1100-46d3-8c65-fb160da0071f",
//!              "displayName": "Authentication Administrator", "members": ["<user or group id>"]}],
//!   "tapPolicy": {"id": "TemporaryAccessPass", "state": "enabled", "defaultLifetimeInMinutes": 60,
//!                 "defaultLength": 8, "minimumLifetimeInMinutes": 60, "maximumLifetimeInMinutes": 480,
//!                 "isUsableOnce": false,
//!                 "includeTargets": [{"targetType": "group", "id": "<group id or all_users>",
//!                                     "isRegistrationRequired": false}],
//!                 "excludeTargets": []},
//!   "settings": {"passwordCountsAsOtherMethod": true, "revokeReturnsNoContent": false}
//! }
//! ```
//!
//! Required: `tenantId`, `domain`, `operatorId` (must name a user), `tapPolicy` (its `state`, the
//! four numbers and `isUsableOnce`), and per user `id`, `displayName`, `userPrincipalName`; per
//! method `type` and `id` (plus `phoneNumber`/`phoneType` for phones, `emailAddress` for e-mail,
//! `startDateTime`/`lifetimeInMinutes`/`isUsableOnce` for TAPs, `odataType` for `other`).
//! Every other key may be left out (`accountEnabled` defaults to `true`, `userType` to `Member`,
//! `settings` to the values shown). Every `createdDateTime`/`lastUsedDateTime` is optional on
//! methods. A user is an *external guest* when `userType` is `Guest` and the UPN contains `#EXT#`.
//! Membership is transitive: a group listed in another group's `members` passes its members on.
//! Role members may be users or (role-assignable) groups.
//!
//! App-only sign-in without a secret adds, per client, `keyCredentials` (certificates),
//! `federatedIdentityCredentials`, `applicationPermissions` and `servicePrincipalId`, and per
//! tenant `managedIdentities` and `identityHeader`: see [`KeyCredential`], [`SimManagedIdentity`] and
//! docs/simulator.md ("App-only sign-in without a secret").

use std::path::Path;

use anyhow::Context as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use super::app_credentials::{
    FederatedIdentityCredential, KeyCredential, ManagedIdentityType, SimManagedIdentity, TOKEN_EXCHANGE_AUDIENCE,
};
use tapdesk_graph::types::{PolicyTarget, TapPolicy};

/// Fixed id of every password method (Graph uses the same GUID in every tenant).
pub const PASSWORD_METHOD_ID: &str = "28c10230-6103-485e-b985-444c60001490";
/// Fixed id of the SSPR e-mail method.
pub const EMAIL_METHOD_ID: &str = "3ddfcfc8-9383-446f-83cc-3ab9be4be18f";
/// Fixed id of the `mobile` phone method.
pub const PHONE_MOBILE_ID: &str = "3179e48a-750b-4051-897c-87b9720928f7";
/// Fixed id of the `alternateMobile` phone method.
pub const PHONE_ALTERNATE_MOBILE_ID: &str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
/// Fixed id of the `office` phone method.
pub const PHONE_OFFICE_ID: &str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";

/// Built-in directory role template ids (`roleTemplateId`) the simulator gives meaning to.
///
/// Only Authentication Administrator's id is quoted in the reference; the others are the
/// well-known Entra template ids.
pub mod role_templates {
    /// Global Administrator.
    pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
    /// Privileged Authentication Administrator.
    pub const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR: &str = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13";
    /// Authentication Administrator.
    pub const AUTHENTICATION_ADMINISTRATOR: &str = "c4e39bd9-1100-46d3-8c65-fb160da0071f";
    /// Authentication Policy Administrator.
    pub const AUTHENTICATION_POLICY_ADMINISTRATOR: &str = "0526716b-113d-4c15-b2c8-68e3c22b9f80";
    /// Global Reader.
    pub const GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
    /// Helpdesk Administrator.
    pub const HELPDESK_ADMINISTRATOR: &str = "729827e3-9c14-49f7-bb1b-9608f156bbb8";
    /// User Administrator.
    pub const USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
    /// Privileged Role Administrator.
    pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
    /// Roles whose holders an Authentication Administrator may still manage (reference §10.2):
    /// Authentication Administrator, Directory Readers, Guest Inviter, Message Center Reader,
    /// Password Administrator, Reports Reader, User Experience Success Manager, Usage Summary
    /// Reports Reader.
    pub const MANAGEABLE_BY_AUTHENTICATION_ADMINISTRATOR: &[&str] = &[
        AUTHENTICATION_ADMINISTRATOR,
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        "95e79109-95c0-4d8e-aee3-d01accf2d47b",
        "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b",
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "4a5d8f65-41da-4de4-8968-e035b65339cf",
        "27460883-1df1-4691-b032-3b79643e5e63",
        "75934031-6c7e-415a-99d7-48dbd49e875e",
    ];
}

/// A whole simulated tenant; also the `--fixture FILE` / `--demo-tenant FILE` JSON format (see the
/// module docs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    /// Directory (tenant) id, a GUID; the `tid` claim and the token URL segment.
    pub tenant_id: String,
    /// Primary domain, e.g. `contoso.example` (also accepted as the token URL segment).
    pub domain: String,
    /// Organisation name.
    #[serde(default)]
    pub display_name: String,
    /// Object id of the signed-in operator (the `oid` of issued tokens, `GET /me`).
    pub operator_id: String,
    /// Confidential clients accepted by the token endpoint.
    #[serde(default)]
    pub clients: Vec<SimClient>,
    /// Users in stable (insertion) order: the order of `GET /users`.
    #[serde(default)]
    pub users: Vec<SimUser>,
    /// Groups; `members` may name users or other groups (nesting).
    #[serde(default)]
    pub groups: Vec<SimGroup>,
    /// Activated directory roles and their members.
    #[serde(default)]
    pub roles: Vec<SimRole>,
    /// The Temporary Access Pass configuration of the authentication methods policy.
    pub tap_policy: TapPolicy,
    /// Managed identities of the simulated Azure host (IMDS and App Service token endpoints).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_identities: Vec<SimManagedIdentity>,
    /// The App Service `IDENTITY_HEADER` value that `GET /msi/token` requires in
    /// `X-IDENTITY-HEADER`; `None` = the App Service endpoint refuses every request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_header: Option<String>,
    /// Simulator switches for behaviour the reference leaves open.
    #[serde(default)]
    pub settings: SimSettings,
}

impl Default for Tenant {
    fn default() -> Self {
        Tenant {
            tenant_id: "00000000-0000-4000-8000-000000000000".into(),
            domain: "empty.example".into(),
            display_name: String::new(),
            operator_id: String::new(),
            clients: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            roles: Vec::new(),
            tap_policy: default_tap_policy(vec![PolicyTarget {
                target_type: "group".into(),
                id: "all_users".into(),
                is_registration_required: Some(false),
            }]),
            managed_identities: Vec::new(),
            identity_header: None,
            settings: SimSettings::default(),
        }
    }
}

/// Graph's default TAP policy values (enabled, 60/8/60/480, multi-use allowed) for `include`.
pub fn default_tap_policy(include: Vec<PolicyTarget>) -> TapPolicy {
    TapPolicy {
        id: "TemporaryAccessPass".into(),
        state: "enabled".into(),
        default_lifetime_in_minutes: 60,
        default_length: 8,
        minimum_lifetime_in_minutes: 60,
        maximum_lifetime_in_minutes: 480,
        is_usable_once: false,
        include_targets: include,
        exclude_targets: Vec::new(),
    }
}

impl Tenant {
    /// Reads a tenant fixture (the JSON format in the module docs), strictly: see
    /// [`Tenant::from_json_str`].
    ///
    /// # Errors
    /// The file cannot be read, or what [`Tenant::from_json_str`] refuses (the message names the file).
    pub fn from_json_file(path: impl AsRef<Path>) -> anyhow::Result<Tenant> {
        let path = path.as_ref();
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading tenant fixture {}", path.display()))?;
        Tenant::from_json_str(&text).with_context(|| format!("tenant fixture {}", path.display()))
    }

    /// Parses a tenant fixture strictly, so a mistake never changes what the simulator answers
    /// without a word: unknown keys (outside the free-form method properties and the TAP policy,
    /// which follow Graph's tolerant shapes) and invalid values are errors naming the JSON path
    /// (`users[3].methods[1].id`), then [`Tenant::validate`] runs.
    ///
    /// # Errors
    /// One sentence per problem, each with its JSON path.
    pub fn from_json_str(text: &str) -> anyhow::Result<Tenant> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let tenant: Tenant = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            anyhow::anyhow!("at {}: {}", if path == "." { "the top level".to_owned() } else { path }, e.into_inner())
        })?;
        if let Err(problems) = tenant.validate() {
            anyhow::bail!("{}", problems.join("; "));
        }
        Ok(tenant)
    }

    /// Checks what JSON alone cannot: ids are unique (users, each user's methods, groups, roles,
    /// clients), every reference names something that exists (`operatorId`, `managerId`,
    /// `defaultMethodId`, group and role `members`), so the simulator never acts on the wrong
    /// object (two methods with one id once made it delete the wrong key).
    ///
    /// # Errors
    /// Every problem found, each naming its JSON path (at most 20, then how many more).
    pub fn validate(&self) -> Result<(), Vec<String>> {
        use std::collections::{HashMap, HashSet};
        let mut out = Vec::new();
        let mut first_at: HashMap<String, String> = HashMap::new();
        let mut unique = |kind: &str, id: &str, path: String, out: &mut Vec<String>| {
            if let Some(prev) = first_at.get(id) {
                out.push(format!("{path}: {kind} id '{id}' is also used at {prev}"));
            } else {
                first_at.insert(id.to_owned(), path);
            }
        };
        // Users, groups and roles share one id space (directory objects).
        for (i, u) in self.users.iter().enumerate() {
            unique("object", &u.id, format!("users[{i}].id"), &mut out);
        }
        for (i, g) in self.groups.iter().enumerate() {
            unique("object", &g.id, format!("groups[{i}].id"), &mut out);
        }
        for (i, r) in self.roles.iter().enumerate() {
            unique("object", &r.id, format!("roles[{i}].id"), &mut out);
        }
        let users: HashSet<&str> = self.users.iter().map(|u| u.id.as_str()).collect();
        let groups: HashSet<&str> = self.groups.iter().map(|g| g.id.as_str()).collect();
        let mut clients = HashSet::new();
        for (i, c) in self.clients.iter().enumerate() {
            if !clients.insert(c.client_id.as_str()) {
                out.push(format!("clients[{i}].clientId: '{}' is listed twice", c.client_id));
            }
        }
        if !users.contains(self.operator_id.as_str()) {
            out.push(format!("operatorId: '{}' is not one of the users", self.operator_id));
        }
        for (i, u) in self.users.iter().enumerate() {
            let mut methods = HashSet::new();
            for (j, m) in u.methods.iter().enumerate() {
                if !methods.insert(m.id.as_str()) {
                    out.push(format!(
                        "users[{i}].methods[{j}].id: '{}' is used twice in {}'s methods",
                        m.id, u.display_name
                    ));
                }
            }
            if let Some(d) = &u.default_method_id
                && !methods.contains(d.as_str())
            {
                out.push(format!("users[{i}].defaultMethodId: '{d}' is not one of {}'s methods", u.display_name));
            }
            if let Some(m) = &u.manager_id
                && !users.contains(m.as_str())
            {
                out.push(format!("users[{i}].managerId: '{m}' is not one of the users"));
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            for (j, m) in g.members.iter().enumerate() {
                if !users.contains(m.as_str()) && !groups.contains(m.as_str()) {
                    out.push(format!("groups[{i}].members[{j}]: '{m}' is neither a user nor a group"));
                }
            }
        }
        for (i, r) in self.roles.iter().enumerate() {
            for (j, m) in r.members.iter().enumerate() {
                if !users.contains(m.as_str()) && !groups.contains(m.as_str()) {
                    out.push(format!("roles[{i}].members[{j}]: '{m}' is neither a user nor a group"));
                }
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        if out.len() > 20 {
            let more = out.len() - 20;
            out.truncate(20);
            out.push(format!("and {more} more"));
        }
        Err(out)
    }

    /// The user with object id `id`, if any (linear scan; the server keeps an index).
    pub fn user(&self, id: &str) -> Option<&SimUser> {
        self.users.iter().find(|u| u.id == id)
    }
}

/// A client (app registration) accepted by `POST /{tenant}/oauth2/v2.0/token`.
///
/// Confidential clients (`clientSecret`) get tokens by client credentials. Public clients
/// (`"publicClient": true`, "Allow public client flows" in Entra) sign people in by device code and
/// refresh token, with no secret; a confidential client that tries is refused with AADSTS7000218.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimClient {
    /// `client_id` form field.
    pub client_id: String,
    /// `client_secret` form field (empty for a public client).
    #[serde(default)]
    pub client_secret: String,
    /// User the client-credentials tokens act for (`oid`); `None` = the tenant's `operatorId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<String>,
    /// Public client flows allowed (device code, refresh token without a secret).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public_client: bool,
    /// Display name (the `app_displayname` claim); `None` = `tapdesk (simulated)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Delegated permissions with admin consent (e.g. `User.Read.All`). Asking for others fails
    /// with AADSTS65001; `.default` gets exactly these. `None` = every permission tapdesk uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consented_scopes: Option<Vec<String>>,
    /// Certificates (`keyCredentials`): client assertions signed with one of them get app-only
    /// tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_credentials: Vec<KeyCredential>,
    /// Federated identity credentials (`federatedIdentityCredentials`; workload identity): tokens
    /// of a matching external issuer get app-only tokens.
    #[serde(default, skip_serializing_if = "Vec::is_empty", alias = "federatedCredentials")]
    pub federated_identity_credentials: Vec<FederatedIdentityCredential>,
    /// Application permissions granted with admin consent (the `roles` of app-only tokens, which
    /// certificate and federated sign-in get). `None` = every permission tapdesk uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_permissions: Option<Vec<String>>,
    /// Object id of the app's service principal (the `oid` of app-only tokens); `None` = the
    /// client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_principal_id: Option<String>,
}

/// Simulator switches for behaviour the reference marks as open.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SimSettings {
    /// Whether the password counts as "another method" for the default-method delete rule
    /// (reference §4.4; evidence conflicts). Default `true`.
    pub password_counts_as_other_method: bool,
    /// `revokeSignInSessions` answers 204 instead of 200 `{"value": true}`. Default `false`.
    pub revoke_returns_no_content: bool,
    /// How long after a sign-in (with MFA) an operator may still delete a method of their own
    /// account (seconds). Entra demands MFA within the last 10 minutes for self-service
    /// credential changes (Microsoft Learn, "Authentication methods in Microsoft Entra ID",
    /// 2026) and answers 403 otherwise. Default 600.
    pub self_service_mfa_max_age_seconds: i64,
}

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            password_counts_as_other_method: true,
            revoke_returns_no_content: false,
            self_service_mfa_max_age_seconds: 600,
        }
    }
}

fn yes() -> bool {
    true
}

fn member() -> String {
    "Member".into()
}

/// A directory user (`microsoft.graph.user`) with its authentication methods.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimUser {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `userPrincipalName`; external guests look like `alias_home.example#EXT#@contoso.example`.
    pub user_principal_name: String,
    /// `givenName`.
    #[serde(default)]
    pub given_name: Option<String>,
    /// `surname`.
    #[serde(default)]
    pub surname: Option<String>,
    /// `mail`.
    #[serde(default)]
    pub mail: Option<String>,
    /// `jobTitle`.
    #[serde(default)]
    pub job_title: Option<String>,
    /// `department`.
    #[serde(default)]
    pub department: Option<String>,
    /// `officeLocation`.
    #[serde(default)]
    pub office_location: Option<String>,
    /// `employeeId` (at most 16 characters).
    #[serde(default)]
    pub employee_id: Option<String>,
    /// `mobilePhone`.
    #[serde(default)]
    pub mobile_phone: Option<String>,
    /// `businessPhones` (at most one in practice).
    #[serde(default)]
    pub business_phones: Vec<String>,
    /// `preferredLanguage`, e.g. `en-US`.
    #[serde(default)]
    pub preferred_language: Option<String>,
    /// `companyName`.
    #[serde(default)]
    pub company_name: Option<String>,
    /// `city`.
    #[serde(default)]
    pub city: Option<String>,
    /// `country`.
    #[serde(default)]
    pub country: Option<String>,
    /// `accountEnabled` (default `true`).
    #[serde(default = "yes")]
    pub account_enabled: bool,
    /// `userType`: `Member` (default) or `Guest`.
    #[serde(default = "member")]
    pub user_type: String,
    /// `createdDateTime` (UTC).
    #[serde(default)]
    pub created_date_time: Option<Timestamp>,
    /// `onPremisesSyncEnabled` (`true` = synced from AD).
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    /// `signInSessionsValidFromDateTime` (UTC); set by `revokeSignInSessions`.
    #[serde(default)]
    pub sign_in_sessions_valid_from_date_time: Option<Timestamp>,
    /// Object id of the manager (`GET /users/{id}/manager`).
    #[serde(default)]
    pub manager_id: Option<String>,
    /// Id of the default MFA method (one of `methods`), if any.
    #[serde(default)]
    pub default_method_id: Option<String>,
    /// Registered authentication methods, in list order.
    #[serde(default)]
    pub methods: Vec<SimMethod>,
}

impl SimUser {
    /// `userType` Guest with `#EXT#` in the UPN: a B2B guest who signs in at home.
    pub fn is_external_guest(&self) -> bool {
        self.user_type.eq_ignore_ascii_case("guest") && self.user_principal_name.contains("#EXT#")
    }
}

/// One registered authentication method of a user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SimMethod {
    /// Method id (fixed GUIDs for password/email/phone; FIDO2 ids may start with `-`/`_` and hold
    /// `+`, `/`, `=`).
    pub id: String,
    /// When the method was registered (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date_time: Option<Timestamp>,
    /// When the method was last used (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_date_time: Option<Timestamp>,
    /// Type and type-specific properties.
    #[serde(flatten)]
    pub detail: MethodDetail,
}

/// The type of a [`SimMethod`] and its type-specific properties (tag `type`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum MethodDetail {
    /// `#microsoft.graph.passwordAuthenticationMethod` (cannot be deleted).
    Password {},
    /// `#microsoft.graph.phoneAuthenticationMethod`.
    Phone {
        /// `+{cc} {number}`.
        phone_number: String,
        /// `mobile`, `alternateMobile` or `office`.
        phone_type: String,
        /// `ready`, `notEnabled`, `notSupported`, ...
        #[serde(default = "not_enabled")]
        sms_sign_in_state: String,
    },
    /// `#microsoft.graph.emailAuthenticationMethod`.
    Email {
        /// The address.
        email_address: String,
    },
    /// `#microsoft.graph.microsoftAuthenticatorAuthenticationMethod`.
    MicrosoftAuthenticator {
        /// Device name.
        #[serde(default)]
        display_name: Option<String>,
        /// e.g. `SoftwareTokenActivated`.
        #[serde(default)]
        device_tag: Option<String>,
        /// App version.
        #[serde(default)]
        phone_app_version: Option<String>,
    },
    /// `#microsoft.graph.fido2AuthenticationMethod`.
    Fido2 {
        /// Name given by the user.
        #[serde(default)]
        display_name: Option<String>,
        /// Authenticator Attestation GUID.
        #[serde(default)]
        aa_guid: Option<String>,
        /// Manufacturer model.
        #[serde(default)]
        model: Option<String>,
        /// `attested` / `notAttested`.
        #[serde(default)]
        attestation_level: Option<String>,
        /// Certificate thumbprints.
        #[serde(default)]
        attestation_certificates: Vec<String>,
        /// `deviceBound` / `synced`.
        #[serde(default)]
        passkey_type: Option<String>,
    },
    /// `#microsoft.graph.softwareOathAuthenticationMethod`.
    SoftwareOath {},
    /// `#microsoft.graph.windowsHelloForBusinessAuthenticationMethod`.
    WindowsHelloForBusiness {
        /// Device name.
        #[serde(default)]
        display_name: Option<String>,
        /// `normal`, `weak`, `unknown`.
        #[serde(default)]
        key_strength: Option<String>,
    },
    /// `#microsoft.graph.platformCredentialAuthenticationMethod`.
    PlatformCredential {
        /// Device name.
        #[serde(default)]
        display_name: Option<String>,
        /// `normal`, `weak`, `unknown`.
        #[serde(default)]
        key_strength: Option<String>,
        /// `macOS`, `windows`, ...
        #[serde(default)]
        platform: Option<String>,
    },
    /// `#microsoft.graph.temporaryAccessPassAuthenticationMethod` (the pass itself is never stored).
    TemporaryAccessPass {
        /// When it becomes usable (UTC).
        start_date_time: Timestamp,
        /// Lifetime in minutes from `startDateTime`.
        lifetime_in_minutes: u32,
        /// One-time pass.
        is_usable_once: bool,
        /// A one-time pass that was used (`OneTimeUsed`).
        #[serde(default)]
        used: bool,
    },
    /// Any other (e.g. future) type: `odataType` plus properties copied verbatim into responses.
    Other {
        /// e.g. `#microsoft.graph.qrCodePinAuthenticationMethod`.
        odata_type: String,
        /// Extra properties of the JSON object.
        #[serde(default)]
        properties: Map<String, Value>,
    },
}

fn not_enabled() -> String {
    "notEnabled".into()
}

impl MethodDetail {
    /// The Graph `@odata.type` of this method.
    pub fn odata_type(&self) -> &str {
        match self {
            MethodDetail::Password {} => "#microsoft.graph.passwordAuthenticationMethod",
            MethodDetail::Phone { .. } => "#microsoft.graph.phoneAuthenticationMethod",
            MethodDetail::Email { .. } => "#microsoft.graph.emailAuthenticationMethod",
            MethodDetail::MicrosoftAuthenticator { .. } => {
                "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod"
            }
            MethodDetail::Fido2 { .. } => "#microsoft.graph.fido2AuthenticationMethod",
            MethodDetail::SoftwareOath {} => "#microsoft.graph.softwareOathAuthenticationMethod",
            MethodDetail::WindowsHelloForBusiness { .. } => {
                "#microsoft.graph.windowsHelloForBusinessAuthenticationMethod"
            }
            MethodDetail::PlatformCredential { .. } => "#microsoft.graph.platformCredentialAuthenticationMethod",
            MethodDetail::TemporaryAccessPass { .. } => "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
            MethodDetail::Other { odata_type, .. } => odata_type,
        }
    }

    /// The per-type collection segment under `/users/{id}/authentication/` (`fido2Methods`, ...);
    /// `None` for [`MethodDetail::Other`].
    pub fn segment(&self) -> Option<&'static str> {
        Some(match self {
            MethodDetail::Password {} => "passwordMethods",
            MethodDetail::Phone { .. } => "phoneMethods",
            MethodDetail::Email { .. } => "emailMethods",
            MethodDetail::MicrosoftAuthenticator { .. } => "microsoftAuthenticatorMethods",
            MethodDetail::Fido2 { .. } => "fido2Methods",
            MethodDetail::SoftwareOath {} => "softwareOathMethods",
            MethodDetail::WindowsHelloForBusiness { .. } => "windowsHelloForBusinessMethods",
            MethodDetail::PlatformCredential { .. } => "platformCredentialMethods",
            MethodDetail::TemporaryAccessPass { .. } => "temporaryAccessPassMethods",
            MethodDetail::Other { .. } => return None,
        })
    }
}

/// A security group; `members` are user ids or group ids (nested groups count transitively).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimGroup {
    /// Object id (GUID).
    pub id: String,
    /// `displayName`, e.g. `TAP-Users`.
    pub display_name: String,
    /// `isAssignableToRole`.
    #[serde(default)]
    pub is_assignable_to_role: bool,
    /// Direct members (user or group object ids).
    #[serde(default)]
    pub members: Vec<String>,
}

/// An activated directory role (`microsoft.graph.directoryRole`) and its members.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SimRole {
    /// directoryRole object id (GUID).
    pub id: String,
    /// The built-in role template id (see [`role_templates`]).
    pub role_template_id: String,
    /// e.g. `Authentication Administrator`.
    pub display_name: String,
    /// User ids or role-assignable group ids.
    #[serde(default)]
    pub members: Vec<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod fixture_tests {
    use super::Tenant;

    fn demo_json() -> serde_json::Value {
        let now = "2026-12-03T10:00:00Z".parse().unwrap();
        serde_json::to_value(Tenant::demo_at(300, now)).unwrap()
    }

    fn refused(v: &serde_json::Value) -> String {
        format!("{:#}", Tenant::from_json_str(&v.to_string()).expect_err("refused"))
    }

    #[test]
    fn the_demo_tenant_is_a_valid_fixture_and_round_trips() {
        let v = demo_json();
        let back = Tenant::from_json_str(&v.to_string()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), v);
    }

    #[test]
    fn duplicate_method_ids_are_refused_with_their_path() {
        let mut v = demo_json();
        let avery = v["users"].as_array_mut().unwrap().iter_mut().find(|u| u["displayName"] == "Avery Quinn").unwrap();
        let first = avery["methods"][0]["id"].clone();
        avery["methods"][2]["id"] = first.clone();
        let e = refused(&v);
        assert!(e.contains("users[1].methods[2].id"), "{e}");
        assert!(e.contains("is used twice in Avery Quinn's methods"), "{e}");
    }

    #[test]
    fn duplicate_object_ids_and_dangling_references_are_refused() {
        let mut v = demo_json();
        let dana = v["users"][0]["id"].clone();
        v["users"][1]["id"] = dana;
        v["groups"][0]["members"].as_array_mut().unwrap().push("no-such-object".into());
        v["users"][2]["managerId"] = "nobody".into();
        let e = refused(&v);
        assert!(e.contains("users[1].id: object id"), "{e}");
        assert!(e.contains("is also used at users[0].id"), "{e}");
        assert!(e.contains("members[") && e.contains("'no-such-object' is neither a user nor a group"), "{e}");
        assert!(e.contains("users[2].managerId: 'nobody' is not one of the users"), "{e}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_path() {
        let mut v = demo_json();
        v["users"][3]["dispalyName"] = "typo".into();
        let e = refused(&v);
        assert!(e.contains("at users[3]"), "{e}");
        assert!(e.contains("unknown field `dispalyName`"), "{e}");
        let mut v = demo_json();
        v["tapPolicyy"] = serde_json::json!({});
        assert!(refused(&v).contains("unknown field `tapPolicyy`"));
    }
}
