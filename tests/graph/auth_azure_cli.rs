//! Azure CLI sign-in with a fake `az` (azure_identity's public `Executor` trait): the command line,
//! `expires_on` epoch, the local-time `expiresOn` of old Azure CLI versions read in Asia/Tokyo,
//! tapdesk's cache, and the messages for `az` missing, not logged in and timing out.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::ffi::OsStr;
use std::os::unix::process::ExitStatusExt as _;
use std::process::{ExitStatus, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use tapdesk::auth::azure_cli::{AzureCliOptions, azure_cli_credential};

const SCOPE: &str = "https://graph.microsoft.com/.default";

#[derive(Debug)]
struct FakeAz {
    code: i32,
    stdout: String,
    stderr: String,
    delay: Duration,
    calls: AtomicUsize,
    commands: Mutex<Vec<String>>,
}

impl FakeAz {
    fn new(code: i32, stdout: &str, stderr: &str) -> Arc<FakeAz> {
        Arc::new(FakeAz {
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
            delay: Duration::ZERO,
            calls: AtomicUsize::new(0),
            commands: Mutex::new(Vec::new()),
        })
    }
}

#[async_trait::async_trait]
impl azure_identity::Executor for FakeAz {
    async fn run(&self, program: &OsStr, args: &[&OsStr]) -> std::io::Result<Output> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let line = std::iter::once(program)
            .chain(args.iter().copied())
            .map(|a| a.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ");
        self.commands.lock().unwrap().push(line);
        tokio::time::sleep(self.delay).await;
        Ok(Output {
            status: ExitStatus::from_raw(self.code << 8),
            stdout: self.stdout.clone().into_bytes(),
            stderr: self.stderr.clone().into_bytes(),
        })
    }
}

fn options(fake: Arc<FakeAz>) -> AzureCliOptions {
    AzureCliOptions { executor: Some(fake), ..AzureCliOptions::default() }
}

#[tokio::test]
async fn epoch_expiry_and_the_cache() {
    let fake = FakeAz::new(0, r#"{"accessToken":"tok-1","expires_on":4102444800,"tokenType":"Bearer"}"#, "");
    let cred = azure_cli_credential(AzureCliOptions {
        tenant: Some("contoso.onmicrosoft.com".into()),
        ..options(fake.clone())
    })
    .unwrap();
    let t = cred.get_token(&[SCOPE], None).await.unwrap();
    assert_eq!(t.token.secret(), "tok-1");
    assert_eq!(t.expires_on.unix_timestamp(), 4_102_444_800);
    cred.get_token(&[SCOPE], None).await.unwrap();
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1, "the second token came from tapdesk's cache");
    let cmd = fake.commands.lock().unwrap()[0].clone();
    assert_eq!(
        cmd,
        format!(
            "/bin/sh -c cd /bin && az account get-access-token -o json --scope {SCOPE} --tenant contoso.onmicrosoft.com"
        )
    );
}

#[tokio::test]
async fn local_expires_on_only_is_read_in_tokyo_time() {
    // Azure CLI before 2.54 prints only `expiresOn`, in local time without an offset.
    let fake = FakeAz::new(
        0,
        r#"{"accessToken":"tok-2","expiresOn":"2099-12-01 09:00:00.000000","subscription":"s","tenant":"t","tokenType":"Bearer"}"#,
        "",
    );
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let cred = azure_cli_credential(AzureCliOptions { time_zone: Some(tokyo), ..options(fake) }).unwrap();
    let t = cred.get_token(&[SCOPE], None).await.unwrap();
    let want = "2099-12-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap().as_second();
    assert_eq!(t.expires_on.unix_timestamp(), want);
}

#[tokio::test]
async fn not_installed_not_logged_in_and_timeout() {
    let missing = azure_cli_credential(options(FakeAz::new(127, "", "/bin/sh: 1: az: not found"))).unwrap();
    let e = missing.get_token(&[SCOPE], None).await.unwrap_err().to_string();
    assert!(e.starts_with("The Azure CLI (az) is not installed or not on PATH."), "{e}");

    let logged_out =
        azure_cli_credential(options(FakeAz::new(1, "", "ERROR: Please run 'az login' to setup account.\n"))).unwrap();
    let e = logged_out.get_token(&[SCOPE], None).await.unwrap_err().to_string();
    assert!(e.contains("not logged in") && e.contains("az login --use-device-code"), "{e}");

    let slow =
        Arc::new(FakeAz { delay: Duration::from_secs(10), ..Arc::try_unwrap(FakeAz::new(0, "{}", "")).unwrap() });
    let cred = azure_cli_credential(AzureCliOptions { timeout: Duration::from_millis(100), ..options(slow) }).unwrap();
    let started = std::time::Instant::now();
    let e = cred.get_token(&[SCOPE], None).await.unwrap_err().to_string();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(e.starts_with("The Azure CLI did not answer within 100ms"), "{e}");

    let blocked = azure_cli_credential(options(FakeAz::new(
        1,
        "",
        "ERROR: AADSTS53003: Access has been blocked by Conditional Access policies.\nTrace ID: x",
    )))
    .unwrap();
    let e = blocked.get_token(&[SCOPE], None).await.unwrap_err().to_string();
    assert!(e.starts_with("Azure CLI: ERROR: AADSTS53003") && e.contains("Conditional Access blocked"), "{e}");
}
