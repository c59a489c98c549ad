//! The configuration file and how settings combine.
//!
//! File: TOML at `$XDG_CONFIG_HOME/tapdesk/config.toml` (`~/.config/tapdesk/config.toml`, also on
//! macOS; Windows: the roaming AppData folder), or the file named by `--config` / `TAPDESK_CONFIG`.
//! `tapdesk config path` prints it and `tapdesk config init` writes [`TEMPLATE`], a commented
//! default. A missing default file is fine (defaults apply); a missing explicit file is an error.
//!
//! Keys (all optional; [`SETTINGS`] is the same table in code, and a test keeps the two equal;
//! `TAPDESK_SCOPES` is space- or comma-separated):
//!
//! | Key | Values | Default | Environment |
//! |---|---|---|---|
//! | `tenant` | tenant id (GUID) or domain | `organizations` for device code | `TAPDESK_TENANT` |
//! | `cloud` | `global`, `usgov`, `usgov-dod`, `china` | `global` | `TAPDESK_CLOUD` |
//! | `auth` | `device-code`, `azure-cli`, `client-secret`, `client-certificate`, `managed-identity`, `workload-identity` | `device-code` | `TAPDESK_AUTH` |
//! | `client_id` | application (client) id | Microsoft Graph Command Line Tools for device code | `TAPDESK_CLIENT_ID` |
//! | `scopes` | delegated permissions to ask for | the least-privilege set `tapdesk doctor` lists | `TAPDESK_SCOPES` |
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
//!
//! - [`schema`]: the table of settings and the file and environment readers that walk it.
//! - [`values`]: the enums settings take ([`AuthMode`], [`CloudName`], [`ClipboardMode`]) and
//!   the range checks shared with the command line.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub mod schema;
pub mod values;

pub use schema::{CONFIG_ENV, OTHER_ENV_VARS, SETTINGS, Setting, env_vars, parse_file};
pub use values::{
    AuthMode, ClipboardMode, CloudName, check_az_timeout, check_clear_seconds, check_client_id, check_lifetime,
    check_scopes, check_tenant, quote,
};

/// File name inside the config directory.
pub const FILE_NAME: &str = "config.toml";

/// Default seconds before the copied pass is cleared from the clipboard.
pub const DEFAULT_CLIPBOARD_CLEAR_SECONDS: u64 = 30;
/// Default time allowed for one `az account get-access-token`.
pub const DEFAULT_AZ_TIMEOUT_SECONDS: u64 = 30;

/// The commented default written by `tapdesk config init` (`assets/config.toml`). Every setting
/// is commented out, so the file changes nothing until edited; uncommenting any line gives a
/// valid file.
pub const TEMPLATE: &str = include_str!("../../assets/config.toml");

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

impl Overrides {
    /// The `TAPDESK_*` variables among `vars` (pass `std::env::vars()`). Empty values count as
    /// unset. Errors: [`ConfigError::Env`] for a bad value or an unknown `TAPDESK_*` name.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Overrides, ConfigError> {
        schema::from_env(vars)
    }

    /// `self` where set, else `lower` (every setting of [`SETTINGS`]).
    pub fn or(self, lower: Overrides) -> Overrides {
        schema::merge(self, lower)
    }
}

/// The `[tap]` settings: what the TAP form starts with. The tenant policy still bounds them; a
/// value it does not allow is shown with a note next to the field, not clamped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TapDefaults {
    /// Lifetime in minutes (10–43,200); `None` = the policy's `defaultLifetimeInMinutes`.
    pub lifetime_minutes: Option<u32>,
    /// One-time pass; `None` = the policy's `isUsableOnce`.
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
            Ok((file, ConfigSource { path: Some(path), found: true }))
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
        env_vars.iter().find(|(k, v)| k == CONFIG_ENV && !v.is_empty()).map(|(_, v)| PathBuf::from(v));
    let explicit = explicit.map(Path::to_owned).or(from_env);
    let (file, source) = read_file_layer(explicit.as_deref())?;
    Ok(resolve(cli, env, file, source))
}

#[cfg(test)]
mod tests;
