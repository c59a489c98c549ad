//! Sign-in through the Azure CLI: the account of `az login` on this machine (operators on a jump
//! host often already ran `az login --use-device-code`).
//!
//! azure_identity's `AzureCliCredential` runs
//! `/bin/sh -c "cd /bin && az account get-access-token -o json --scope <scope> [--tenant <t>]"`
//! (its source, <https://docs.rs/azure_identity>) and has no cache, so tapdesk adds:
//! - its token cache ([`super::cache::CachedCredential`], 5 minutes before expiry) and a time limit
//!   on each `az` call (`az_timeout_seconds`, default 30 s); the process is killed when the limit
//!   passes;
//! - support for Azure CLI older than 2.54, whose JSON has only `expiresOn`, a **local** time
//!   without offset (`"2026-11-30 10:22:43.000000"`): [`AzExecutor`] adds the `expires_on` epoch
//!   that azure_identity requires, reading `expiresOn` in the local time zone (`TZ`);
//! - clear messages for `az` missing, not logged in, and timing out.
//!
//! The Azure CLI is a Microsoft first-party app with a fixed set of pre-consented Graph
//! permissions; its token may lack the authentication-method permissions. `tapdesk doctor` shows
//! the token's permissions; the features it lacks are switched off.

use std::ffi::OsStr;
use std::fmt;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_identity::{AzureCliCredential, AzureCliCredentialOptions, Executor};
use jiff::tz::TimeZone;

use super::cache::CachedCredential;
use super::sts::explain_message;

/// Runs `az` (or, in tests, another [`Executor`]) and completes old-style JSON output: when
/// `expires_on` is missing and `expiresOn` is present, adds `expires_on` = that local time as Unix
/// seconds. The process is killed if the call is abandoned (time limit, Ctrl-C).
pub struct AzExecutor {
    inner: Option<Arc<dyn Executor>>,
    tz: TimeZone,
}

impl fmt::Debug for AzExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzExecutor").field("fake", &self.inner.is_some()).finish()
    }
}

impl AzExecutor {
    /// Runs the real command; `expiresOn` is read in the system time zone (`TZ`).
    pub fn system() -> Self {
        Self { inner: None, tz: TimeZone::system() }
    }

    /// Runs `inner` instead of a process (tests); `expiresOn` is read in `tz`.
    pub fn with(inner: Arc<dyn Executor>, tz: TimeZone) -> Self {
        Self { inner: Some(inner), tz }
    }
}

/// Adds `expires_on` to `az account get-access-token` JSON that only has `expiresOn` (local time,
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`, read in `tz`). Other text is returned unchanged.
pub fn complete_az_json(stdout: &str, tz: &TimeZone) -> String {
    let Ok(serde_json::Value::Object(mut obj)) = serde_json::from_str::<serde_json::Value>(stdout) else {
        return stdout.to_owned();
    };
    if obj.get("expires_on").is_some_and(|v| !v.is_null()) {
        return stdout.to_owned();
    }
    let Some(local) = obj.get("expiresOn").and_then(|v| v.as_str()) else {
        return stdout.to_owned();
    };
    let Ok(dt) = local.trim().replacen(' ', "T", 1).parse::<jiff::civil::DateTime>() else {
        return stdout.to_owned();
    };
    let Ok(ts) = tz.to_timestamp(dt) else {
        return stdout.to_owned();
    };
    obj.insert("expires_on".into(), serde_json::Value::from(ts.as_second()));
    serde_json::Value::Object(obj).to_string()
}

#[async_trait::async_trait]
impl Executor for AzExecutor {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> std::io::Result<Output> {
        let mut out = match &self.inner {
            Some(inner) => inner.run(program, args).await?,
            None => tokio::process::Command::new(program).args(args).kill_on_drop(true).output().await?,
        };
        if out.status.success() {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            out.stdout = complete_az_json(&text, &self.tz).into_bytes();
        }
        Ok(out)
    }
}

/// Options for [`azure_cli_credential`].
#[derive(Clone)]
pub struct AzureCliOptions {
    /// `--tenant` passed to `az` (a GUID or domain), if any.
    pub tenant: Option<String>,
    /// Time limit of one `az` call.
    pub timeout: Duration,
    /// The command runner (default: the real `az`, killed on timeout).
    pub executor: Option<Arc<dyn Executor>>,
    /// Cached tokens are renewed this long before expiry (default 5 minutes).
    pub refresh_margin: Duration,
    /// Time zone for the `expiresOn` of old Azure CLI versions (default: the system's, `TZ`).
    pub time_zone: Option<TimeZone>,
}

impl Default for AzureCliOptions {
    fn default() -> Self {
        Self {
            tenant: None,
            timeout: Duration::from_secs(crate::config::DEFAULT_AZ_TIMEOUT_SECONDS),
            executor: None,
            refresh_margin: super::cache::DEFAULT_REFRESH_MARGIN,
            time_zone: None,
        }
    }
}

/// The Azure CLI credential with tapdesk's cache, time limit and messages (see the module doc).
#[derive(Debug)]
pub struct AzureCli {
    inner: CachedCredential,
    timeout: Duration,
}

/// Builds the Azure CLI credential.
///
/// # Errors
/// azure_identity's error when `tenant` has characters it refuses.
pub fn azure_cli_credential(options: AzureCliOptions) -> azure_core::Result<Arc<AzureCli>> {
    let tz = options.time_zone.unwrap_or_else(TimeZone::system);
    let executor: Arc<dyn Executor> = match options.executor {
        Some(fake) => Arc::new(AzExecutor::with(fake, tz)),
        None => Arc::new(AzExecutor { inner: None, tz }),
    };
    let cli = AzureCliCredential::new(Some(AzureCliCredentialOptions {
        tenant_id: options.tenant.clone(),
        executor: Some(executor),
        ..Default::default()
    }))?;
    let inner =
        CachedCredential::new(cli, options.timeout, "the Azure CLI").with_refresh_margin(options.refresh_margin);
    Ok(Arc::new(AzureCli { inner, timeout: options.timeout }))
}

/// The operator-facing sentence for an Azure CLI failure.
pub fn explain_az_error(text: &str, timeout: Duration) -> String {
    let lower = text.to_ascii_lowercase();
    if lower.contains("not found on path")
        || lower.contains("wasn't found on path")
        || lower.contains("command not found")
    {
        "The Azure CLI (az) is not installed or not on PATH. Install it (https://aka.ms/installazurecli) or choose \
         another --auth."
            .to_owned()
    } else if lower.contains("did not answer within") {
        format!(
            "The Azure CLI did not answer within {timeout:?} (az account get-access-token). Run that command by hand \
             to see what it waits for; raise az_timeout_seconds if it is just slow."
        )
    } else if lower.contains("az login") || lower.contains("aadsts70043") || lower.contains("aadsts700082") {
        "The Azure CLI is not logged in, or its login expired: run `az login --use-device-code` (with --tenant for \
         your tenant), then start tapdesk again."
            .to_owned()
    } else {
        let text = text.trim_start_matches("AzureCliCredential authentication failed.").trim_start();
        let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(text);
        explain_message(&format!("Azure CLI: {first}"))
    }
}

#[async_trait::async_trait]
impl TokenCredential for AzureCli {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.inner.get_token(scopes, options).await.map_err(|e| {
            let mut text = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                text.push_str(": ");
                text.push_str(&s.to_string());
                src = s.source();
            }
            azure_core::Error::with_message(ErrorKind::Credential, explain_az_error(&text, self.timeout))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_on_epoch_is_kept() {
        let j = r#"{"accessToken":"x","expires_on":1893553445,"expiresOn":"2030-01-02 03:04:05.000000","tokenType":"Bearer"}"#;
        assert_eq!(complete_az_json(j, &TimeZone::UTC), j);
    }

    #[test]
    fn local_expires_on_is_read_in_the_time_zone() {
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
        let j = r#"{"accessToken":"x","expiresOn":"2026-12-01 09:00:00.000000","tokenType":"Bearer"}"#;
        let out: serde_json::Value = serde_json::from_str(&complete_az_json(j, &tokyo)).unwrap();
        // 09:00 in Tokyo (UTC+9) is midnight UTC.
        let want = "2026-12-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap().as_second();
        assert_eq!(out["expires_on"], want);
        let utc: serde_json::Value = serde_json::from_str(&complete_az_json(j, &TimeZone::UTC)).unwrap();
        assert_eq!(utc["expires_on"].as_i64().unwrap() - want, 9 * 3600);
    }

    #[test]
    fn other_output_is_untouched() {
        assert_eq!(complete_az_json("not json", &TimeZone::UTC), "not json");
        assert_eq!(complete_az_json(r#"{"expiresOn":"garbage"}"#, &TimeZone::UTC), r#"{"expiresOn":"garbage"}"#);
    }

    #[test]
    fn messages() {
        let t = Duration::from_secs(30);
        assert!(
            explain_az_error("AzureCliCredential authentication failed. az not found on PATH", t)
                .contains("not installed")
        );
        assert!(
            explain_az_error("ERROR: Please run 'az login' to setup account.", t)
                .contains("az login --use-device-code")
        );
        assert!(explain_az_error("the Azure CLI did not answer within 30s", t).contains("within 30s"));
        let m = explain_az_error("ERROR: AADSTS53003: Access has been blocked by Conditional Access policies.", t);
        assert!(m.starts_with("Azure CLI: ERROR: AADSTS53003"), "{m}");
        assert!(m.contains("Conditional Access blocked"), "{m}");
    }
}
