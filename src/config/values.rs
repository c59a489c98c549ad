//! The values settings take: the enums the file, the environment and the command line parse
//! (sign-in method, cloud, clipboard route) and the range checks shared by all three layers.
//!
//! These types live here, not with the code that acts on them, so that configuration depends on
//! nothing else in tapdesk; `auth` and `clipboard` re-export them.

use clap::ValueEnum as _;

/// How tapdesk signs in (`--auth`, config `auth`, `TAPDESK_AUTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// The operator signs in on another device with a code (delegated; the default).
    #[default]
    DeviceCode,
    /// The account of `az login` on this machine (delegated).
    AzureCli,
    /// App-only: the app's client secret from the environment (`AZURE_CLIENT_SECRET`).
    ClientSecret,
    /// App-only: a PKCS#12 certificate (`certificate` setting); needs the `client-cert` build feature.
    ClientCertificate,
    /// App-only: the Azure managed identity of this VM or App Service.
    ManagedIdentity,
    /// App-only: Kubernetes workload identity (`AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
}

impl AuthMode {
    /// The spelling used on the command line and in the config file (`device-code`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::DeviceCode => "device-code",
            AuthMode::AzureCli => "azure-cli",
            AuthMode::ClientSecret => "client-secret",
            AuthMode::ClientCertificate => "client-certificate",
            AuthMode::ManagedIdentity => "managed-identity",
            AuthMode::WorkloadIdentity => "workload-identity",
        }
    }

    /// Whether tokens act as the application rather than a person (labelled app-only everywhere;
    /// the audit log then records the app).
    pub fn is_app_only(self) -> bool {
        matches!(
            self,
            AuthMode::ClientSecret
                | AuthMode::ClientCertificate
                | AuthMode::ManagedIdentity
                | AuthMode::WorkloadIdentity
        )
    }
}

impl std::fmt::Display for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The four Microsoft clouds tapdesk knows by name (`--cloud`, config `cloud`, `TAPDESK_CLOUD`).
/// Their endpoints are in `auth::cloud::Cloud::named`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CloudName {
    /// Global Azure (also Microsoft 365 GCC).
    #[default]
    Global,
    /// US Government L4 (GCC High).
    Usgov,
    /// US Government L5 (DoD).
    UsgovDod,
    /// Azure China, operated by 21Vianet.
    China,
}

impl CloudName {
    /// The spelling used on the command line and in the config file (`global`, `usgov`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            CloudName::Global => "global",
            CloudName::Usgov => "usgov",
            CloudName::UsgovDod => "usgov-dod",
            CloudName::China => "china",
        }
    }
}

impl std::fmt::Display for CloudName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which clipboard route to use (the `clipboard` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ClipboardMode {
    /// Desktop clipboard on a local session with a display, OSC 52 otherwise (and as fallback).
    #[default]
    Auto,
    /// Desktop clipboard only (arboard); fails rather than fall back.
    Native,
    /// OSC 52 to the terminal only.
    Osc52,
    /// Never copy; the operator reads the pass from the screen.
    Off,
}

// ----- value checks (shared by the file, the environment and the command line) -------------

/// Tenant: a GUID or domain (`[A-Za-z0-9.-]`, at most 256 characters), also
/// `organizations`/`common`; returned trimmed.
///
/// # Errors
/// A sentence naming the value when it has other characters or is empty.
pub fn check_tenant(v: &str) -> Result<String, String> {
    let v = v.trim();
    if !v.is_empty() && v.len() <= 256 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        Ok(v.to_owned())
    } else {
        Err(format!("`{}` is not a tenant id or domain (letters, digits, '.' and '-' only)", quote(v)))
    }
}

/// Client id: `[A-Za-z0-9._-]`, at most 128 characters, usually a GUID; returned trimmed.
///
/// # Errors
/// A sentence naming the value when it has other characters or is empty.
pub fn check_client_id(v: &str) -> Result<String, String> {
    let v = v.trim();
    if !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        Ok(v.to_owned())
    } else {
        Err(format!("`{}` is not an application (client) id", quote(v)))
    }
}

/// Scopes: each a permission name or a full scope URI (no spaces, non-empty list); entries are
/// trimmed and empty ones dropped.
///
/// # Errors
/// An empty list, or an entry with whitespace, quotes or control characters.
pub fn check_scopes(v: &[String]) -> Result<Vec<String>, String> {
    let out: Vec<String> = v.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if out.is_empty() {
        return Err("the list is empty; remove the key to use the defaults".into());
    }
    if let Some(bad) = out.iter().find(|s| s.chars().any(|c| c.is_whitespace() || c == '"' || c.is_control())) {
        return Err(format!("`{}` is not a permission name", quote(bad)));
    }
    Ok(out)
}

/// Scopes from one environment variable: separated by spaces or commas, then [`check_scopes`].
///
/// # Errors
/// As [`check_scopes`].
pub fn check_scope_list(v: &str) -> Result<Vec<String>, String> {
    let list: Vec<String> = v.split([' ', ',']).map(str::to_owned).collect();
    check_scopes(&list)
}

/// TAP lifetime in minutes: 10–43,200 (Graph's absolute bounds; the tenant policy may be narrower).
///
/// # Errors
/// A value outside the range, with the range.
pub fn check_lifetime(v: u32) -> Result<u32, String> {
    if (10..=43_200).contains(&v) { Ok(v) } else { Err(format!("{v} is out of range: 10 to 43200 minutes")) }
}

/// Clipboard clear delay: 0–86,400 seconds (0 = never).
///
/// # Errors
/// A value outside the range, with the range.
pub fn check_clear_seconds(v: u64) -> Result<u64, String> {
    if v <= 86_400 { Ok(v) } else { Err(format!("{v} is out of range: 0 to 86400 seconds")) }
}

/// `az` timeout: 1–600 seconds.
///
/// # Errors
/// A value outside the range, with the range.
pub fn check_az_timeout(v: u64) -> Result<u64, String> {
    if (1..=600).contains(&v) { Ok(v) } else { Err(format!("{v} is out of range: 1 to 600 seconds")) }
}

/// A clipboard route by name (`auto`, `native`, `osc52`, `off`; any case).
///
/// # Errors
/// An unknown name, with the allowed ones.
pub fn parse_clipboard(v: &str) -> Result<ClipboardMode, String> {
    ClipboardMode::from_str(v.trim(), true)
        .map_err(|_| format!("unknown clipboard method `{}`; use auto, native, osc52 or off", quote(v)))
}

/// A cloud by name (`global`, `usgov`, `usgov-dod`, `china`; any case).
///
/// # Errors
/// An unknown name, with the allowed ones.
pub fn parse_cloud(v: &str) -> Result<CloudName, String> {
    CloudName::from_str(v.trim(), true)
        .map_err(|_| format!("unknown cloud `{}`; use global, usgov, usgov-dod or china", quote(v)))
}

/// A sign-in method by name (`device-code`, `azure-cli`, ...; any case).
///
/// # Errors
/// An unknown name, with the allowed ones.
pub fn parse_auth(v: &str) -> Result<AuthMode, String> {
    AuthMode::from_str(v.trim(), true).map_err(|_| {
        format!(
            "unknown sign-in method `{}`; use device-code, azure-cli, client-secret, client-certificate, \
             managed-identity or workload-identity",
            quote(v)
        )
    })
}

/// A yes/no from the environment: `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off` (any case).
///
/// # Errors
/// Anything else.
pub fn parse_bool(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(format!("`{}` is not true or false", quote(v))),
    }
}

/// A whole number from the environment.
///
/// # Errors
/// Text that is not a whole number of type `T`.
pub fn parse_num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.trim().parse().map_err(|_| format!("`{}` is not a whole number", quote(v)))
}

/// `v` as an error message quotes it: whole up to 60 characters, else its start and its length
/// (a huge value is never echoed whole).
pub fn quote(v: &str) -> String {
    const MAX: usize = 60;
    let n = v.chars().count();
    if n <= MAX { v.to_owned() } else { format!("{}… ({n} characters)", v.chars().take(MAX).collect::<String>()) }
}
