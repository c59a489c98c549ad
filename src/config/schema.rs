//! The table of settings, written once: [`SETTINGS`] names every key of the file (with its
//! `[table]`), its `TAPDESK_*` variable, the values it takes, its default and one line of help,
//! and knows how to read the value from the file and from the environment and how to merge it
//! with a lower layer. The file parser, the environment reader and the precedence all walk this
//! table; tests check that the template (`assets/config.toml`), the module doc and the manual
//! (`docs/real-tenant.md`) agree with it.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::Error as _;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::values::{
    AuthMode, CloudName, check_az_timeout, check_clear_seconds, check_client_id, check_lifetime, check_scope_list,
    check_scopes, check_tenant, parse_auth, parse_bool, parse_clipboard, parse_cloud, parse_num,
};
use super::{ConfigError, Overrides};

/// The variable naming another config file (read before the file, so not a [`Setting`]).
pub const CONFIG_ENV: &str = "TAPDESK_CONFIG";

/// `TAPDESK_*` variables read elsewhere (simulator endpoints, logging, frame statistics): known,
/// so not an error, but not settings of the file.
pub const OTHER_ENV_VARS: &[&str] =
    &["TAPDESK_AUTHORITY_HOST", "TAPDESK_GRAPH_URL", "TAPDESK_LOG", "TAPDESK_FRAME_STATS"];

/// One setting: where it is written and what it takes. See [`SETTINGS`].
pub struct Setting {
    /// The key in the file, with its table in front: `tenant`, `tap.lifetime_minutes`.
    pub key: &'static str,
    /// The environment variable: `TAPDESK_TENANT`.
    pub env: &'static str,
    /// The values it takes, in words (`1–600`, `` `auto`, `native`, `osc52`, `off` ``).
    pub values: &'static str,
    /// The default, in words.
    pub default: &'static str,
    /// One line of help (the template's comment says the same, at more length).
    pub help: &'static str,
    file: fn(&mut Overrides, ValueDeserializer<'_>) -> Result<(), toml::de::Error>,
    from_env: fn(&mut Overrides, &str) -> Result<(), String>,
    fill: fn(&mut Overrides, &mut Overrides),
    is_set: fn(&Overrides) -> bool,
}

impl Setting {
    /// The `[table]` the key sits in, if any (`tap` for `tap.lifetime_minutes`).
    pub fn table(&self) -> Option<&'static str> {
        self.key.rsplit_once('.').map(|(t, _)| t)
    }

    /// The key inside its table (`lifetime_minutes` for `tap.lifetime_minutes`).
    pub fn leaf(&self) -> &'static str {
        self.key.rsplit_once('.').map_or(self.key, |(_, k)| k)
    }

    /// Whether `layer` sets this setting.
    pub fn is_set(&self, layer: &Overrides) -> bool {
        (self.is_set)(layer)
    }
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setting").field("key", &self.key).field("env", &self.env).finish_non_exhaustive()
    }
}

/// One row of [`SETTINGS`]: the file value is deserialized as `$raw` (serde's messages for a
/// wrong type) and checked by `$check`; the environment text is parsed by `$env_parse`; both
/// land in `Overrides::$field`.
macro_rules! setting {
    (
        $key:literal, $env:literal, $field:ident,
        file: $raw:ty => $check:expr,
        env: $env_parse:expr,
        values: $values:literal,
        default: $default:literal,
        help: $help:literal $(,)?
    ) => {
        Setting {
            key: $key,
            env: $env,
            values: $values,
            default: $default,
            help: $help,
            file: |o, v| {
                let raw = <$raw>::deserialize(v)?;
                o.$field = Some(($check)(raw).map_err(toml::de::Error::custom)?);
                Ok(())
            },
            from_env: |o, v| {
                o.$field = Some(($env_parse)(v)?);
                Ok(())
            },
            fill: |hi, lo| {
                if hi.$field.is_none() {
                    hi.$field = lo.$field.take();
                }
            },
            is_set: |o| o.$field.is_some(),
        }
    };
}

fn same<T>(v: T) -> Result<T, String> {
    Ok(v)
}

fn path(v: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(v))
}

/// Every setting, in the order of the template and the docs. Keys in a table are written
/// `table.key`.
pub const SETTINGS: &[Setting] = &[
    setting!("tenant", "TAPDESK_TENANT", tenant,
        file: String => |v: String| check_tenant(&v),
        env: check_tenant,
        values: "tenant id (GUID) or domain",
        default: "`organizations` for device code",
        help: "Your tenant: its id (GUID) or a verified domain."),
    setting!("cloud", "TAPDESK_CLOUD", cloud,
        file: CloudName => same,
        env: parse_cloud,
        values: "`global`, `usgov`, `usgov-dod`, `china`",
        default: "`global`",
        help: "Microsoft cloud: global, usgov (GCC High), usgov-dod, china."),
    setting!("auth", "TAPDESK_AUTH", auth,
        file: AuthMode => same,
        env: parse_auth,
        values: "`device-code`, `azure-cli`, `client-secret`, `client-certificate`, `managed-identity`, `workload-identity`",
        default: "`device-code`",
        help: "How to sign in."),
    setting!("client_id", "TAPDESK_CLIENT_ID", client_id,
        file: String => |v: String| check_client_id(&v),
        env: check_client_id,
        values: "application (client) id",
        default: "Microsoft Graph Command Line Tools for device code",
        help: "Application (client) id of your tapdesk app registration."),
    setting!("scopes", "TAPDESK_SCOPES", scopes,
        file: Vec<String> => |v: Vec<String>| check_scopes(&v),
        env: check_scope_list,
        values: "delegated permissions to ask for",
        default: "the least-privilege set `tapdesk doctor` lists",
        help: "Delegated permissions to ask for at sign-in (environment: space-separated)."),
    setting!("certificate", "TAPDESK_CERTIFICATE", certificate,
        file: PathBuf => same,
        env: path,
        values: "PKCS#12 file for `client-certificate`",
        default: "none",
        help: "PKCS#12 (.pfx) certificate for auth = \"client-certificate\"."),
    setting!("az_timeout_seconds", "TAPDESK_AZ_TIMEOUT_SECONDS", az_timeout_seconds,
        file: u64 => check_az_timeout,
        env: |v: &str| parse_num(v).and_then(check_az_timeout),
        values: "1–600",
        default: "30",
        help: "Seconds allowed for `az account get-access-token` (auth = \"azure-cli\")."),
    setting!("clipboard", "TAPDESK_CLIPBOARD", clipboard,
        file: String => |v: String| parse_clipboard(&v),
        env: parse_clipboard,
        values: "`auto`, `native`, `osc52`, `off`",
        default: "`auto`",
        help: "How `c` copies a pass."),
    setting!("clipboard_clear_seconds", "TAPDESK_CLIPBOARD_CLEAR_SECONDS", clipboard_clear_seconds,
        file: u64 => check_clear_seconds,
        env: |v: &str| parse_num(v).and_then(check_clear_seconds),
        values: "0–86400 (0 = never)",
        default: "30",
        help: "Seconds after a copy at which the clipboard is cleared."),
    setting!("require_ticket", "TAPDESK_REQUIRE_TICKET", require_ticket,
        file: bool => same,
        env: parse_bool,
        values: "`true`/`false`",
        default: "`false`",
        help: "Require a ticket reference and the caller verification before changes."),
    setting!("audit_log", "TAPDESK_AUDIT_LOG", audit_log,
        file: PathBuf => same,
        env: path,
        values: "file path",
        default: "data dir `tapdesk/audit.jsonl`",
        help: "Audit log (JSON lines, mode 0600)."),
    setting!("tap.lifetime_minutes", "TAPDESK_TAP_LIFETIME_MINUTES", tap_lifetime_minutes,
        file: u32 => check_lifetime,
        env: |v: &str| parse_num(v).and_then(check_lifetime),
        values: "10–43200",
        default: "the tenant policy's default",
        help: "Lifetime the TAP form starts with, in minutes."),
    setting!("tap.one_time", "TAPDESK_TAP_ONE_TIME", tap_one_time,
        file: bool => same,
        env: parse_bool,
        values: "`true`/`false`",
        default: "the tenant policy's default",
        help: "Whether the TAP form starts with a one-time pass."),
];

/// Every `TAPDESK_*` variable tapdesk reads: [`CONFIG_ENV`], the settings', then [`OTHER_ENV_VARS`].
pub fn env_vars() -> impl Iterator<Item = &'static str> {
    std::iter::once(CONFIG_ENV).chain(SETTINGS.iter().map(|s| s.env)).chain(OTHER_ENV_VARS.iter().copied())
}

/// `hi` where it sets a setting, else `lo` (for every row of [`SETTINGS`]).
pub(super) fn merge(mut hi: Overrides, mut lo: Overrides) -> Overrides {
    for s in SETTINGS {
        (s.fill)(&mut hi, &mut lo);
    }
    hi
}

fn unknown_env() -> String {
    format!("not a tapdesk setting; known: {}", env_vars().collect::<Vec<_>>().join(", "))
}

/// The `TAPDESK_*` variables among `vars`; empty values count as unset.
pub(super) fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Result<Overrides, ConfigError> {
    let mut o = Overrides::default();
    for (var, value) in vars {
        if !var.starts_with("TAPDESK_") {
            continue;
        }
        let err = |message: String| ConfigError::Env { var: var.clone(), message };
        let setting = SETTINGS.iter().find(|s| s.env == var);
        if setting.is_none() && var != CONFIG_ENV && !OTHER_ENV_VARS.contains(&var.as_str()) {
            return Err(err(unknown_env()));
        }
        if value.trim().is_empty() {
            continue;
        }
        if let Some(s) = setting {
            (s.from_env)(&mut o, &value).map_err(err)?;
        }
    }
    Ok(o)
}

// ----- the file ----------------------------------------------------------------------------

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The key path (`tap.lifetime_minutes`) on the line holding byte `at`, if it is a `key = value`
/// line; keys inside a `[table]` get the table's name in front. For syntax errors, where the
/// parser gives only a position.
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

/// serde's wording for the fields a struct takes: "expected `a` or `b`", "expected one of ...".
fn expected(names: &[&str]) -> String {
    match names {
        [] => "there are no fields".to_owned(),
        [one] => format!("expected `{one}`"),
        [a, b] => format!("expected `{a}` or `{b}`"),
        _ => {
            let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("expected one of {}", list.join(", "))
        }
    }
}

/// The names the file takes inside `table` (`""` for the top level), in table order: keys and
/// sub-tables.
fn names_in(table: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for s in SETTINGS {
        let rest =
            if table.is_empty() { Some(s.key) } else { s.key.strip_prefix(table).and_then(|r| r.strip_prefix('.')) };
        if let Some(rest) = rest {
            let name = rest.split('.').next().unwrap_or(rest);
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

fn is_table(path: &str) -> bool {
    SETTINGS.iter().any(|s| s.key.strip_prefix(path).is_some_and(|r| r.starts_with('.')))
}

struct FileCtx<'a> {
    text: &'a str,
    path: &'a Path,
}

impl FileCtx<'_> {
    fn error(&self, at: usize, key: Option<String>, message: &str) -> ConfigError {
        ConfigError::Parse {
            path: self.path.to_owned(),
            line: Some(line_of(self.text, at)),
            key,
            message: message.trim().to_owned(),
        }
    }

    /// Reads the entries of `table` (at key path `prefix`) into `out`, in the order of the file.
    fn walk(&self, table: &DeTable<'_>, prefix: &str, out: &mut Overrides) -> Result<(), ConfigError> {
        let mut entries: Vec<(&Spanned<toml::de::DeString<'_>>, &Spanned<DeValue<'_>>)> = table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (k, v) in entries {
            let name: &str = k.get_ref();
            let key = if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") };
            if let Some(s) = SETTINGS.iter().find(|s| s.key == key) {
                (s.file)(out, ValueDeserializer::from(v.clone())).map_err(|e| {
                    self.error(e.span().map_or(v.span().start, |r| r.start), Some(key.clone()), e.message())
                })?;
            } else if is_table(&key) {
                match v.get_ref() {
                    DeValue::Table(t) => self.walk(t, &key, out)?,
                    other => {
                        let message = format!("invalid type: {}, expected the [{key}] table", other.type_str());
                        return Err(self.error(v.span().start, Some(key), &message));
                    }
                }
            } else {
                let message = format!("unknown field `{name}`, {}", expected(&names_in(prefix)));
                return Err(self.error(k.span().start, Some(key), &message));
            }
        }
        Ok(())
    }
}

/// Parses the text of a config file into its layer; `path` is used in messages only.
///
/// Errors: [`ConfigError::Parse`] with the line and key of the first problem (in file order):
/// TOML syntax, a key not in [`SETTINGS`], a value of the wrong type or out of range.
pub fn parse_file(text: &str, path: &Path) -> Result<Overrides, ConfigError> {
    let ctx = FileCtx { text, path };
    let doc = DeTable::parse(text).map_err(|e| {
        let at = e.span().map(|s| s.start);
        ConfigError::Parse {
            path: path.to_owned(),
            line: at.map(|a| line_of(text, a)),
            key: at.and_then(|a| key_at(text, a)),
            message: e.message().trim().to_owned(),
        }
    })?;
    let mut out = Overrides::default();
    ctx.walk(doc.get_ref(), "", &mut out)?;
    Ok(out)
}
