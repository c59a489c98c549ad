//! The configuration file and how settings combine.
//!
//! File: TOML at `$XDG_CONFIG_HOME/tapdesk/config.toml` (`~/.config/tapdesk/config.toml`, also on
//! macOS; Windows: the roaming AppData folder), or the file named by `--config` / `TAPDESK_CONFIG`.
//! `tapdesk config path` prints it and `tapdesk config init` writes [`TEMPLATE`], a commented
//! default. A missing default file is fine (defaults apply); a missing explicit file is an error.
//!
//! Keys (all optional):
//!
//! | Key | Values | Default | Environment |
//! |---|---|---|---|
//! | `tenant` | tenant id (GUID) or domain | `organizations` for device code | `TAPDESK_TENANT` |
//! | `cloud` | `global`, `usgov`, `usgov-dod`, `china` | `global` | `TAPDESK_CLOUD` |
//! | `auth` | `device-code`, `azure-cli`, `client-secret`, `client-certificate`, `managed-identity`, `workload-identity` | `device-code` | `TAPDESK_AUTH` |
//! | `client_id` | application (client) id | Microsoft Graph Command Line Tools for device code | `TAPDESK_CLIENT_ID` |
//! | `scopes` | delegated permissions to ask for | [`crate::auth::capabilities::permissions::DEFAULT_DELEGATED`] | `TAPDESK_SCOPES` (space-separated) |
//! | `certificate` | PKCS#12 file for `client-certificate` | none | `TAPDESK_CERTIFICATE` |
//! | `az_timeout_seconds` | 1–600 | 30 | `TAPDESK_AZ_TIMEOUT_SECONDS` |
//! | `clipboard` | `auto`, `native`, `osc52`, `off` | `auto` | `TAPDESK_CLIPBOARD` |
//! | `clipboard_clear_seconds` | 0–86400 (0 = never) | 30 | `TAPDESK_CLIPBOARD_CLEAR_SECONDS` |
//! | `require_ticket` | `true`/`false` | `false` | `TAPDESK_REQUIRE_TICKET` |
//! | `audit_log` | file path | data dir `tapdesk/audit.jsonl` | `TAPDESK_AUDIT_LOG` |
//! | `[tap] lifetime_minutes` | 10–43200 | the tenant policy's default | `TAPDESK_TAP_LIFETIME_MINUTES` |
//! | `[tap] one_time` | `true`/`false` | the tenant policy's default | `TAPDESK_TAP_ONE_TIME` |
//!
//! Secrets never go in the file: the client secret is read from `AZURE_CLIENT_SECRET` only.
//!
//! Precedence: command line > environment (`TAPDESK_*`) > file > defaults ([`resolve`]). Unknown
//! keys, unknown `TAPDESK_*` variables and bad values are errors naming the key (and the line), so
//! tapdesk never starts half-configured.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum as _;
use serde::{Deserialize, Deserializer};

use crate::auth::{AuthMode, CloudName};
use crate::clipboard::ClipboardMode;

/// File name inside the config directory.
pub const FILE_NAME: &str = "config.toml";

/// Environment variables tapdesk reads (besides `AZURE_*` for app-only credentials).
pub const ENV_VARS: &[&str] = &[
    "TAPDESK_CONFIG",
    "TAPDESK_TENANT",
    "TAPDESK_CLOUD",
    "TAPDESK_AUTH",
    "TAPDESK_CLIENT_ID",
    "TAPDESK_SCOPES",
    "TAPDESK_CERTIFICATE",
    "TAPDESK_AZ_TIMEOUT_SECONDS",
    "TAPDESK_CLIPBOARD",
    "TAPDESK_CLIPBOARD_CLEAR_SECONDS",
    "TAPDESK_REQUIRE_TICKET",
    "TAPDESK_AUDIT_LOG",
    "TAPDESK_TAP_LIFETIME_MINUTES",
    "TAPDESK_TAP_ONE_TIME",
    "TAPDESK_AUTHORITY_HOST",
    "TAPDESK_GRAPH_URL",
    "TAPDESK_LOG",
    "TAPDESK_FRAME_STATS",
];

/// Default seconds before the copied pass is cleared from the clipboard.
pub const DEFAULT_CLIPBOARD_CLEAR_SECONDS: u64 = 30;
/// Default time allowed for one `az account get-access-token`.
pub const DEFAULT_AZ_TIMEOUT_SECONDS: u64 = 30;

/// The commented default written by `tapdesk config init`. Every setting is commented out, so the
/// file changes nothing until edited; uncommenting any line gives a valid file.
pub const TEMPLATE: &str = r#"# tapdesk configuration. Command-line options override the environment (TAPDESK_*),
# which overrides this file. Unknown keys are errors. Secrets never go here: the client
# secret for `auth = "client-secret"` is read from the AZURE_CLIENT_SECRET environment variable.

# Your tenant: its id (GUID) or a verified domain such as contoso.onmicrosoft.com.
# tenant = "contoso.onmicrosoft.com"

# Microsoft cloud: global, usgov (GCC High), usgov-dod, china.
# cloud = "global"

# How to sign in:
#   device-code        sign in on another device with a code (default; works over SSH)
#   azure-cli          reuse `az login` on this machine
#   client-secret      app-only, secret from AZURE_CLIENT_SECRET
#   client-certificate app-only, PKCS#12 file below (build with --features client-cert)
#   managed-identity   app-only, this VM's managed identity
#   workload-identity  app-only, Kubernetes workload identity
# auth = "device-code"

# Application (client) id of your tapdesk app registration (public client flows allowed).
# client_id = "00000000-0000-0000-0000-000000000000"

# Delegated permissions to ask for at sign-in (least privilege example shown).
# scopes = ["User.Read.All", "UserAuthenticationMethod.Read.All", "UserAuthMethod-TAP.ReadWrite.All", "UserAuthMethod-Passkey.ReadWrite.All", "Policy.Read.AuthenticationMethod", "User.RevokeSessions.All"]

# PKCS#12 (.pfx) certificate for auth = "client-certificate".
# certificate = "/etc/tapdesk/app.pfx"

# Seconds allowed for `az account get-access-token` (auth = "azure-cli").
# az_timeout_seconds = 30

# How `c` copies a pass: auto, native, osc52, off.
# clipboard = "auto"

# Seconds after a copy at which the clipboard is cleared (0 = never).
# clipboard_clear_seconds = 30

# Require a ticket reference and the caller verification before changes.
# require_ticket = false

# Audit log (JSON lines, mode 0600). Default: ~/.local/share/tapdesk/audit.jsonl
# audit_log = "/var/log/tapdesk/audit.jsonl"

[tap]
# Lifetime of a new Temporary Access Pass in minutes (10-43200; the tenant policy still applies).
# lifetime_minutes = 60

# Issue one-time passes.
# one_time = false
"#;

/// A configuration problem, in words that name the key (and the line for the file).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The platform has no config directory (no home directory).
    #[error("no configuration directory on this system (is HOME set?); pass --config FILE")]
    NoConfigDir,
    /// The file exists but could not be read, or an explicit `--config` file is missing.
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key, or a value out of range.
    #[error("config file {}{}: {message}", path.display(), location(*line, key.as_deref()))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// The key (`tap.lifetime_minutes`), when known.
        key: Option<String>,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// An environment variable has a bad value or is not one tapdesk knows.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// `config init` would overwrite an existing file.
    #[error("{} already exists; pass --force to overwrite it", .0.display())]
    Exists(PathBuf),
    /// `config init` could not write the file.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn location(line: Option<usize>, key: Option<&str>) -> String {
    match (line, key) {
        (Some(l), Some(k)) => format!(", line {l}, key `{k}`"),
        (Some(l), None) => format!(", line {l}"),
        (None, Some(k)) => format!(", key `{k}`"),
        (None, None) => String::new(),
    }
}

// ----- value checks (shared by the file, the environment and the command line) -------------

/// Tenant: a GUID or domain (`[A-Za-z0-9.-]`), also `organizations`/`common`.
pub fn check_tenant(v: &str) -> Result<String, String> {
    let v = v.trim();
    if !v.is_empty() && v.len() <= 256 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
        Ok(v.to_owned())
    } else {
        Err(format!("`{v}` is not a tenant id or domain (letters, digits, '.' and '-' only)"))
    }
}

/// Client id: `[A-Za-z0-9._-]`, usually a GUID.
pub fn check_client_id(v: &str) -> Result<String, String> {
    let v = v.trim();
    if !v.is_empty() && v.len() <= 128 && v.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        Ok(v.to_owned())
    } else {
        Err(format!("`{v}` is not an application (client) id"))
    }
}

/// Scopes: each a permission name or a full scope URI (no spaces, non-empty list).
pub fn check_scopes(v: &[String]) -> Result<Vec<String>, String> {
    let out: Vec<String> = v.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if out.is_empty() {
        return Err("the list is empty; remove the key to use the defaults".into());
    }
    if let Some(bad) = out.iter().find(|s| s.chars().any(|c| c.is_whitespace() || c == '"' || c.is_control())) {
        return Err(format!("`{bad}` is not a permission name"));
    }
    Ok(out)
}

/// TAP lifetime in minutes: 10–43,200 (Graph's absolute bounds).
pub fn check_lifetime(v: u32) -> Result<u32, String> {
    if (10..=43_200).contains(&v) { Ok(v) } else { Err(format!("{v} is out of range: 10 to 43200 minutes")) }
}

/// Clipboard clear delay: 0–86,400 seconds.
pub fn check_clear_seconds(v: u64) -> Result<u64, String> {
    if v <= 86_400 { Ok(v) } else { Err(format!("{v} is out of range: 0 to 86400 seconds")) }
}

/// `az` timeout: 1–600 seconds.
pub fn check_az_timeout(v: u64) -> Result<u64, String> {
    if (1..=600).contains(&v) { Ok(v) } else { Err(format!("{v} is out of range: 1 to 600 seconds")) }
}

fn parse_clipboard(v: &str) -> Result<ClipboardMode, String> {
    ClipboardMode::from_str(v.trim(), true)
        .map_err(|_| format!("unknown clipboard method `{v}`; use auto, native, osc52 or off"))
}

fn parse_cloud(v: &str) -> Result<CloudName, String> {
    CloudName::from_str(v.trim(), true)
        .map_err(|_| format!("unknown cloud `{v}`; use global, usgov, usgov-dod or china"))
}

fn parse_auth(v: &str) -> Result<AuthMode, String> {
    AuthMode::from_str(v.trim(), true).map_err(|_| {
        format!(
            "unknown sign-in method `{v}`; use device-code, azure-cli, client-secret, client-certificate, \
             managed-identity or workload-identity"
        )
    })
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(format!("`{v}` is not true or false")),
    }
}

fn parse_num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.trim().parse().map_err(|_| format!("`{v}` is not a whole number"))
}

macro_rules! de_checked {
    ($name:ident, $ty:ty, $out:ty, $check:expr) => {
        fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$out>, D::Error> {
            let v = <$ty>::deserialize(d)?;
            ($check)(v).map(Some).map_err(serde::de::Error::custom)
        }
    };
}

de_checked!(de_tenant, String, String, |v: String| check_tenant(&v));
de_checked!(de_client_id, String, String, |v: String| check_client_id(&v));
de_checked!(de_scopes, Vec<String>, Vec<String>, |v: Vec<String>| check_scopes(&v));
de_checked!(de_lifetime, u32, u32, check_lifetime);
de_checked!(de_clear, u64, u64, check_clear_seconds);
de_checked!(de_az_timeout, u64, u64, check_az_timeout);
de_checked!(de_clipboard, String, ClipboardMode, |v: String| parse_clipboard(&v));

// ----- the file ----------------------------------------------------------------------------

/// The file's contents (every key optional). See the module doc for the keys.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `tenant`.
    #[serde(default, deserialize_with = "de_tenant")]
    pub tenant: Option<String>,
    /// `cloud`.
    #[serde(default)]
    pub cloud: Option<CloudName>,
    /// `auth`.
    #[serde(default)]
    pub auth: Option<AuthMode>,
    /// `client_id`.
    #[serde(default, deserialize_with = "de_client_id")]
    pub client_id: Option<String>,
    /// `scopes`.
    #[serde(default, deserialize_with = "de_scopes")]
    pub scopes: Option<Vec<String>>,
    /// `certificate`.
    #[serde(default)]
    pub certificate: Option<PathBuf>,
    /// `az_timeout_seconds`.
    #[serde(default, deserialize_with = "de_az_timeout")]
    pub az_timeout_seconds: Option<u64>,
    /// `clipboard`.
    #[serde(default, deserialize_with = "de_clipboard")]
    pub clipboard: Option<ClipboardMode>,
    /// `clipboard_clear_seconds`.
    #[serde(default, deserialize_with = "de_clear")]
    pub clipboard_clear_seconds: Option<u64>,
    /// `require_ticket`.
    #[serde(default)]
    pub require_ticket: Option<bool>,
    /// `audit_log`.
    #[serde(default)]
    pub audit_log: Option<PathBuf>,
    /// `[tap]`.
    #[serde(default)]
    pub tap: Option<TapFile>,
}

/// The `[tap]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TapFile {
    /// `lifetime_minutes`.
    #[serde(default, deserialize_with = "de_lifetime")]
    pub lifetime_minutes: Option<u32>,
    /// `one_time`.
    #[serde(default)]
    pub one_time: Option<bool>,
}

/// The key path (`tap.lifetime_minutes`) on the line holding byte `at`, if it is a `key = value`
/// line; keys inside a `[table]` get the table's name in front.
fn key_at(text: &str, at: usize) -> Option<String> {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_owned()).filter(|k| !k.is_empty())?;
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key,
    })
}

/// Parses the text of a config file; `path` is used in messages only.
///
/// Errors: [`ConfigError::Parse`] with the line and key of the first problem.
pub fn parse_file(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    toml::from_str::<FileConfig>(text).map_err(|e| {
        let span = e.span();
        let line = span.as_ref().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let key = span.as_ref().and_then(|s| key_at(text, s.start));
        ConfigError::Parse { path: path.to_owned(), line, key, message: e.message().trim().to_owned() }
    })
}

/// The default config file path: `{config dir}/tapdesk/config.toml`. `None` without a home directory.
pub fn default_path() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().ok()?;
    Some(base.config_dir().join("tapdesk").join(FILE_NAME))
}

/// Writes [`TEMPLATE`] to `path` (creating its directory), refusing to replace an existing file
/// unless `force`. Errors: [`ConfigError::Exists`], [`ConfigError::Write`].
pub fn write_template(path: &Path, force: bool) -> Result<(), ConfigError> {
    if path.exists() && !force {
        return Err(ConfigError::Exists(path.to_owned()));
    }
    let write_err = |source| ConfigError::Write { path: path.to_owned(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    std::fs::write(path, TEMPLATE).map_err(write_err)
}

// ----- layers and the result ---------------------------------------------------------------

/// One layer of settings (command line, environment or file); `None` = not set here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Tenant id or domain.
    pub tenant: Option<String>,
    /// Named cloud.
    pub cloud: Option<CloudName>,
    /// Sign-in method.
    pub auth: Option<AuthMode>,
    /// Application (client) id.
    pub client_id: Option<String>,
    /// Delegated permissions to ask for.
    pub scopes: Option<Vec<String>>,
    /// PKCS#12 certificate file.
    pub certificate: Option<PathBuf>,
    /// Seconds allowed for `az`.
    pub az_timeout_seconds: Option<u64>,
    /// Clipboard method.
    pub clipboard: Option<ClipboardMode>,
    /// Clipboard clear delay (seconds, 0 = never).
    pub clipboard_clear_seconds: Option<u64>,
    /// Ticket and verification required.
    pub require_ticket: Option<bool>,
    /// Audit log file.
    pub audit_log: Option<PathBuf>,
    /// TAP lifetime (minutes).
    pub tap_lifetime_minutes: Option<u32>,
    /// One-time TAPs.
    pub tap_one_time: Option<bool>,
}

impl From<FileConfig> for Overrides {
    fn from(f: FileConfig) -> Self {
        let tap = f.tap.unwrap_or_default();
        Overrides {
            tenant: f.tenant,
            cloud: f.cloud,
            auth: f.auth,
            client_id: f.client_id,
            scopes: f.scopes,
            certificate: f.certificate,
            az_timeout_seconds: f.az_timeout_seconds,
            clipboard: f.clipboard,
            clipboard_clear_seconds: f.clipboard_clear_seconds,
            require_ticket: f.require_ticket,
            audit_log: f.audit_log,
            tap_lifetime_minutes: tap.lifetime_minutes,
            tap_one_time: tap.one_time,
        }
    }
}

impl Overrides {
    /// The `TAPDESK_*` variables among `vars` (pass `std::env::vars()`). Empty values count as
    /// unset. Errors: [`ConfigError::Env`] for a bad value or an unknown `TAPDESK_*` name.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Overrides, ConfigError> {
        let mut o = Overrides::default();
        for (var, value) in vars {
            if !var.starts_with("TAPDESK_") {
                continue;
            }
            let err = |message: String| ConfigError::Env { var: var.clone(), message };
            if value.trim().is_empty() {
                if !ENV_VARS.contains(&var.as_str()) {
                    return Err(err(unknown_env()));
                }
                continue;
            }
            let v = value.as_str();
            match var.as_str() {
                "TAPDESK_TENANT" => o.tenant = Some(check_tenant(v).map_err(err)?),
                "TAPDESK_CLOUD" => o.cloud = Some(parse_cloud(v).map_err(err)?),
                "TAPDESK_AUTH" => o.auth = Some(parse_auth(v).map_err(err)?),
                "TAPDESK_CLIENT_ID" => o.client_id = Some(check_client_id(v).map_err(err)?),
                "TAPDESK_SCOPES" => {
                    let list: Vec<String> = v.split([' ', ',']).map(str::to_owned).collect();
                    o.scopes = Some(check_scopes(&list).map_err(err)?);
                }
                "TAPDESK_CERTIFICATE" => o.certificate = Some(PathBuf::from(v)),
                "TAPDESK_AZ_TIMEOUT_SECONDS" => {
                    o.az_timeout_seconds = Some(parse_num(v).and_then(check_az_timeout).map_err(err)?);
                }
                "TAPDESK_CLIPBOARD" => o.clipboard = Some(parse_clipboard(v).map_err(err)?),
                "TAPDESK_CLIPBOARD_CLEAR_SECONDS" => {
                    o.clipboard_clear_seconds = Some(parse_num(v).and_then(check_clear_seconds).map_err(err)?);
                }
                "TAPDESK_REQUIRE_TICKET" => o.require_ticket = Some(parse_bool(v).map_err(err)?),
                "TAPDESK_AUDIT_LOG" => o.audit_log = Some(PathBuf::from(v)),
                "TAPDESK_TAP_LIFETIME_MINUTES" => {
                    o.tap_lifetime_minutes = Some(parse_num(v).and_then(check_lifetime).map_err(err)?);
                }
                "TAPDESK_TAP_ONE_TIME" => o.tap_one_time = Some(parse_bool(v).map_err(err)?),
                // Read elsewhere (file location, simulator endpoints, logging).
                "TAPDESK_CONFIG"
                | "TAPDESK_AUTHORITY_HOST"
                | "TAPDESK_GRAPH_URL"
                | "TAPDESK_LOG"
                | "TAPDESK_FRAME_STATS" => {}
                _ => return Err(err(unknown_env())),
            }
        }
        Ok(o)
    }

    /// `self` where set, else `lower`.
    pub fn or(self, lower: Overrides) -> Overrides {
        Overrides {
            tenant: self.tenant.or(lower.tenant),
            cloud: self.cloud.or(lower.cloud),
            auth: self.auth.or(lower.auth),
            client_id: self.client_id.or(lower.client_id),
            scopes: self.scopes.or(lower.scopes),
            certificate: self.certificate.or(lower.certificate),
            az_timeout_seconds: self.az_timeout_seconds.or(lower.az_timeout_seconds),
            clipboard: self.clipboard.or(lower.clipboard),
            clipboard_clear_seconds: self.clipboard_clear_seconds.or(lower.clipboard_clear_seconds),
            require_ticket: self.require_ticket.or(lower.require_ticket),
            audit_log: self.audit_log.or(lower.audit_log),
            tap_lifetime_minutes: self.tap_lifetime_minutes.or(lower.tap_lifetime_minutes),
            tap_one_time: self.tap_one_time.or(lower.tap_one_time),
        }
    }
}

fn unknown_env() -> String {
    let known: Vec<&str> = ENV_VARS.to_vec();
    format!("not a tapdesk setting; known: {}", known.join(", "))
}

/// TAP defaults for the form (the tenant policy still bounds them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TapDefaults {
    /// Lifetime in minutes; `None` = the policy's default.
    pub lifetime_minutes: Option<u32>,
    /// One-time pass; `None` = the policy's default.
    pub one_time: Option<bool>,
}

/// Where the file layer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSource {
    /// The file consulted (`None` when there is no config directory).
    pub path: Option<PathBuf>,
    /// Whether it existed and was read.
    pub found: bool,
}

/// The settings in force after combining the layers.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Tenant id or domain, if set anywhere.
    pub tenant: Option<String>,
    /// Named cloud (default `global`).
    pub cloud: CloudName,
    /// Sign-in method (default `device-code`).
    pub auth: AuthMode,
    /// Application (client) id, if set anywhere.
    pub client_id: Option<String>,
    /// Delegated permissions to ask for, if set anywhere.
    pub scopes: Option<Vec<String>>,
    /// Certificate file for `client-certificate`.
    pub certificate: Option<PathBuf>,
    /// Time allowed for `az account get-access-token`.
    pub az_timeout: Duration,
    /// Clipboard method (default `auto`).
    pub clipboard: ClipboardMode,
    /// Clipboard clear delay, seconds (default 30; 0 = never).
    pub clipboard_clear_seconds: u64,
    /// Ticket and verification required (default false).
    pub require_ticket: bool,
    /// Audit log file, if set anywhere (else the data-dir default).
    pub audit_log: Option<PathBuf>,
    /// TAP form defaults.
    pub tap: TapDefaults,
    /// The file layer's origin.
    pub source: ConfigSource,
}

/// Combines the layers: `cli` > `env` > `file` > defaults.
pub fn resolve(cli: Overrides, env: Overrides, file: Overrides, source: ConfigSource) -> Config {
    let o = cli.or(env).or(file);
    Config {
        tenant: o.tenant,
        cloud: o.cloud.unwrap_or_default(),
        auth: o.auth.unwrap_or_default(),
        client_id: o.client_id,
        scopes: o.scopes,
        certificate: o.certificate,
        az_timeout: Duration::from_secs(o.az_timeout_seconds.unwrap_or(DEFAULT_AZ_TIMEOUT_SECONDS)),
        clipboard: o.clipboard.unwrap_or_default(),
        clipboard_clear_seconds: o.clipboard_clear_seconds.unwrap_or(DEFAULT_CLIPBOARD_CLEAR_SECONDS),
        require_ticket: o.require_ticket.unwrap_or(false),
        audit_log: o.audit_log,
        tap: TapDefaults { lifetime_minutes: o.tap_lifetime_minutes, one_time: o.tap_one_time },
        source,
    }
}

/// Reads the file layer: `explicit` (from `--config`/`TAPDESK_CONFIG`, must exist) or the default
/// path (may be missing). Errors: unreadable or invalid file ([`ConfigError`]).
pub fn read_file_layer(explicit: Option<&Path>) -> Result<(Overrides, ConfigSource), ConfigError> {
    let (path, must_exist) = match explicit {
        Some(p) => (Some(p.to_owned()), true),
        None => (default_path(), false),
    };
    let Some(path) = path else {
        return Ok((Overrides::default(), ConfigSource { path: None, found: false }));
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let file = parse_file(&text, &path)?;
            Ok((file.into(), ConfigSource { path: Some(path), found: true }))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            Ok((Overrides::default(), ConfigSource { path: Some(path), found: false }))
        }
        Err(source) => Err(ConfigError::Read { path, source }),
    }
}

/// Everything at once: the file (explicit path, else `TAPDESK_CONFIG`, else the default), the
/// process environment and the command-line layer. Errors: [`ConfigError`].
pub fn load(cli: Overrides, explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let env_vars: Vec<(String, String)> =
        std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
    let env = Overrides::from_env(env_vars.iter().cloned())?;
    let from_env: Option<PathBuf> =
        env_vars.iter().find(|(k, v)| k == "TAPDESK_CONFIG" && !v.is_empty()).map(|(_, v)| PathBuf::from(v));
    let explicit = explicit.map(Path::to_owned).or(from_env);
    let (file, source) = read_file_layer(explicit.as_deref())?;
    Ok(resolve(cli, env, file, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FileConfig, ConfigError> {
        parse_file(text, Path::new("/x/config.toml"))
    }

    #[test]
    fn template_parses_and_every_commented_setting_is_valid() {
        assert_eq!(parse(TEMPLATE).unwrap(), FileConfig { tap: Some(TapFile::default()), ..FileConfig::default() });
        let uncommented: String = TEMPLATE
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest
                        .split_once(" = ")
                        .is_some_and(|(k, _)| k.chars().all(|c| c == '_' || c.is_ascii_lowercase())) =>
                {
                    rest.to_owned()
                }
                _ => l.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let f = parse(&uncommented).unwrap();
        assert_eq!(f.tenant.as_deref(), Some("contoso.onmicrosoft.com"));
        assert_eq!(f.cloud, Some(CloudName::Global));
        assert_eq!(f.auth, Some(AuthMode::DeviceCode));
        assert_eq!(f.clipboard, Some(ClipboardMode::Auto));
        assert_eq!(f.tap.unwrap().lifetime_minutes, Some(60));
        assert_eq!(f.scopes.unwrap().len(), 6);
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let e = parse("tenant = \"contoso.example\"\ncolour = \"blue\"\n").unwrap_err();
        let ConfigError::Parse { line, key, message, .. } = &e else { panic!("{e}") };
        assert_eq!(*line, Some(2));
        assert_eq!(key.as_deref(), Some("colour"));
        assert!(message.contains("unknown field `colour`"), "{message}");
        assert!(e.to_string().starts_with("config file /x/config.toml, line 2, key `colour`: unknown field"), "{e}");
    }

    #[test]
    fn bad_values_name_key_and_line() {
        let cases = [
            ("cloud = \"mars\"", 1, "cloud", "unknown variant `mars`"),
            ("\n\nauth = \"password\"", 3, "auth", "unknown variant `password`"),
            ("clipboard = \"xclip\"", 1, "clipboard", "use auto, native, osc52 or off"),
            ("clipboard_clear_seconds = -1", 1, "clipboard_clear_seconds", "invalid value"),
            ("tenant = \"contoso example\"", 1, "tenant", "not a tenant id"),
            ("require_ticket = \"yes\"", 1, "require_ticket", "invalid type"),
            ("[tap]\nlifetime_minutes = 5", 2, "tap.lifetime_minutes", "10 to 43200"),
            ("[tap]\nonce = true", 2, "tap.once", "unknown field `once`"),
            ("scopes = []", 1, "scopes", "empty"),
        ];
        for (text, want_line, want_key, want_msg) in cases {
            let e = parse(text).unwrap_err();
            let ConfigError::Parse { line, key, message, .. } = &e else { panic!("{e}") };
            assert_eq!(*line, Some(want_line), "{text}: {e}");
            assert_eq!(key.as_deref(), Some(want_key), "{text}: {e}");
            assert!(message.contains(want_msg), "{text}: {message}");
        }
    }

    #[test]
    fn syntax_error_has_a_line() {
        let e = parse("tenant = \"x\"\nthis is not toml\n").unwrap_err();
        assert!(matches!(e, ConfigError::Parse { line: Some(2), .. }), "{e}");
    }

    fn env(pairs: &[(&str, &str)]) -> Result<Overrides, ConfigError> {
        Overrides::from_env(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn environment_values_are_checked_and_named() {
        let o = env(&[
            ("TAPDESK_TENANT", "contoso.example"),
            ("TAPDESK_CLOUD", "usgov-dod"),
            ("TAPDESK_AUTH", "azure-cli"),
            ("TAPDESK_SCOPES", "User.Read.All, Policy.Read.All"),
            ("TAPDESK_REQUIRE_TICKET", "1"),
            ("TAPDESK_TAP_ONE_TIME", "no"),
            ("TAPDESK_CLIPBOARD", "OSC52"),
            ("TAPDESK_CLIENT_ID", ""),
            ("PATH", "/bin"),
        ])
        .unwrap();
        assert_eq!(o.cloud, Some(CloudName::UsgovDod));
        assert_eq!(o.auth, Some(AuthMode::AzureCli));
        assert_eq!(o.scopes.unwrap(), ["User.Read.All", "Policy.Read.All"]);
        assert_eq!(o.require_ticket, Some(true));
        assert_eq!(o.tap_one_time, Some(false));
        assert_eq!(o.clipboard, Some(ClipboardMode::Osc52));
        assert_eq!(o.client_id, None);

        let e = env(&[("TAPDESK_CLOUD", "mars")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment variable TAPDESK_CLOUD: unknown cloud `mars`; use global, usgov, usgov-dod or china"
        );
        let e = env(&[("TAPDESK_TAP_LIFETIME_MINUTES", "ten")]).unwrap_err();
        assert!(e.to_string().contains("TAPDESK_TAP_LIFETIME_MINUTES: `ten` is not a whole number"), "{e}");
        let e = env(&[("TAPDESK_TENNANT", "x")]).unwrap_err();
        assert!(e.to_string().starts_with("environment variable TAPDESK_TENNANT: not a tapdesk setting"), "{e}");
    }

    #[test]
    fn precedence_is_cli_then_env_then_file_then_defaults() {
        let file = Overrides {
            tenant: Some("file.example".into()),
            cloud: Some(CloudName::China),
            auth: Some(AuthMode::AzureCli),
            clipboard_clear_seconds: Some(10),
            require_ticket: Some(true),
            ..Overrides::default()
        };
        let env =
            Overrides { tenant: Some("env.example".into()), cloud: Some(CloudName::Usgov), ..Overrides::default() };
        let cli = Overrides { tenant: Some("cli.example".into()), ..Overrides::default() };
        let source = ConfigSource { path: None, found: false };
        let c = resolve(cli, env, file, source.clone());
        assert_eq!(c.tenant.as_deref(), Some("cli.example"));
        assert_eq!(c.cloud, CloudName::Usgov);
        assert_eq!(c.auth, AuthMode::AzureCli);
        assert_eq!(c.clipboard_clear_seconds, 10);
        assert!(c.require_ticket);
        assert_eq!(c.clipboard, ClipboardMode::Auto);

        let d = resolve(Overrides::default(), Overrides::default(), Overrides::default(), source);
        assert_eq!(d.cloud, CloudName::Global);
        assert_eq!(d.auth, AuthMode::DeviceCode);
        assert_eq!(d.clipboard_clear_seconds, DEFAULT_CLIPBOARD_CLEAR_SECONDS);
        assert_eq!(d.az_timeout, Duration::from_secs(DEFAULT_AZ_TIMEOUT_SECONDS));
        assert!(!d.require_ticket);
        assert_eq!(d.tap, TapDefaults::default());
    }

    #[test]
    fn init_refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        write_template(&path, false).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
        std::fs::write(&path, "tenant = \"mine.example\"\n").unwrap();
        let e = write_template(&path, false).unwrap_err();
        assert!(matches!(e, ConfigError::Exists(_)), "{e}");
        assert!(e.to_string().ends_with("already exists; pass --force to overwrite it"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "tenant = \"mine.example\"\n");
        write_template(&path, true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
    }

    #[test]
    fn explicit_file_must_exist_default_may_not() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(matches!(read_file_layer(Some(&missing)), Err(ConfigError::Read { .. })));
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "cloud = \"usgov\"\n[tap]\none_time = true\n").unwrap();
        let (o, src) = read_file_layer(Some(&path)).unwrap();
        assert_eq!(o.cloud, Some(CloudName::Usgov));
        assert_eq!(o.tap_one_time, Some(true));
        assert!(src.found);
    }
}
