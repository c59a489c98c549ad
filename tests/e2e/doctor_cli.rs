//! The `tapdesk` binary: `doctor --demo`, `doctor` with a bad config file, `doctor --auth
//! azure-cli` with a fake `az` on PATH (old Azure CLI output: local-time `expiresOn` only, read
//! under `TZ=Asia/Tokyo`), `az` not logged in, and `config path|init`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Output};

use tapdesk_sim::{self as sim, Tenant};

fn tapdesk(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tapdesk"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    c
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn doctor_demo_passes() {
    let home = tempfile::tempdir().unwrap();
    let o = tapdesk(home.path()).args(["--users", "40", "doctor", "--demo"]).output().unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.starts_with("tapdesk doctor\n"), "{out}");
    assert!(out.contains("ok    Credential       signed in as dana.okafor@contoso.example"), "{out}");
    assert!(out.contains("ok    Operator roles   Authentication Administrator, Global Reader"), "{out}");
    assert!(out.ends_with("0 problems, 0 warnings.\n"), "{out}");
    assert!(err.contains("approved as the demo operator"), "{err}");
}

#[test]
fn config_path_init_and_a_bad_file() {
    let home = tempfile::tempdir().unwrap();
    let o = tapdesk(home.path()).args(["config", "path"]).output().unwrap();
    let path = home.path().join("config/tapdesk/config.toml");
    assert_eq!(text(&o).0.trim(), path.to_str().unwrap());
    assert!(tapdesk(home.path()).args(["config", "init"]).output().unwrap().status.success());
    let again = tapdesk(home.path()).args(["config", "init"]).output().unwrap();
    assert!(!again.status.success());
    assert!(text(&again).1.contains("already exists; pass --force to overwrite it"));

    std::fs::write(&path, "tenant = \"contoso.example\"\ncloud = \"mars\"\n").unwrap();
    let o = tapdesk(home.path()).arg("doctor").output().unwrap();
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  Config           config file"), "{out}");
    assert!(out.contains("line 2, key `cloud`: unknown variant `mars`"), "{out}");

    // Starting tapdesk itself refuses the same file, naming key and line, and leaves no TUI behind.
    let o = tapdesk(home.path()).output().unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(err.starts_with("tapdesk: config file ") && err.contains("line 2, key `cloud`"), "{err}");
}

/// Writes an executable fake `az` printing `stdout` (exit 0) or `stderr` (exit 1) into `dir`.
fn fake_az(dir: &Path, stdout: &str, stderr: &str) {
    let script = if stderr.is_empty() {
        format!("#!/bin/sh\ncat <<'EOF'\n{stdout}\nEOF\n")
    } else {
        format!("#!/bin/sh\ncat >&2 <<'EOF'\n{stderr}\nEOF\nexit 1\n")
    };
    let path = dir.join("az");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn with_fake_az(home: &Path, bin: &Path) -> Command {
    let mut c = tapdesk(home);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    c.env("PATH", path);
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_with_azure_cli_reads_old_local_expiry_in_tokyo() {
    let handle = sim::start(Tenant::demo(30), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let token = handle.mint_token();
    // Old Azure CLI: `expiresOn` only, local time. Tokyo is UTC+9 all year; 95 minutes from now.
    let tokyo = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(95);
    let local = at.to_zoned_datetime(tokyo).strftime("%Y-%m-%d %H:%M:%S.000000").to_string();
    let home = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    fake_az(
        bin.path(),
        &format!(
            r#"{{"accessToken":"{token}","expiresOn":"{local}","subscription":"s","tenant":"t","tokenType":"Bearer"}}"#
        ),
        "",
    );
    let graph = handle.authority();
    let out = tokio::task::spawn_blocking({
        let (home, bin) = (home.path().to_owned(), bin.path().to_owned());
        move || {
            with_fake_az(&home, &bin)
                .env("TZ", "Asia/Tokyo")
                .args(["doctor", "--auth", "azure-cli", "--tenant", "contoso.example", "--graph-url", &graph])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // Read in Tokyo time, the token is valid ~95 minutes (read as UTC it would look 9 hours off).
    let want = format!("token valid until {} UTC", at.strftime("%Y-%m-%d %H:%M"));
    assert!(stdout.contains(&want), "{want}\n{stdout}");
    assert!(stdout.contains(" min)") && (stdout.contains("(94 min)") || stdout.contains("(95 min)")), "{stdout}");
    assert!(stdout.contains("--auth azure-cli, cloud custom"), "{stdout}");
    assert!(!stdout.contains(&token), "the token is never printed");
    handle.shutdown();
}

#[test]
fn doctor_with_azure_cli_not_logged_in() {
    let home = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    fake_az(bin.path(), "", "ERROR: Please run 'az login' to setup account.");
    let o = with_fake_az(home.path(), bin.path()).args(["doctor", "--auth", "azure-cli"]).output().unwrap();
    let (out, _) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  Credential       The Azure CLI is not logged in"), "{out}");
    assert!(out.contains("fix: run `az login --use-device-code`"), "{out}");
    assert!(out.contains("skip  Graph"), "{out}");
}

#[test]
fn simulate_reads_a_fixture_and_bad_input_gets_a_clear_message() {
    let home = tempfile::tempdir().unwrap();
    // A fixture whose error text carries an escape sequence: named, and sanitised on stderr.
    let bad = home.path().join("bad\u{1b}[31m.json");
    std::fs::write(&bad, "{}").unwrap();
    let o = tapdesk(home.path()).args(["simulate", "--listen", "127.0.0.1:0", "--fixture"]).arg(&bad).output().unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}\n{err}");
    assert!(err.starts_with("tapdesk: loading tenant fixture"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    // A good fixture is served (the simulator stops on Ctrl-C; here it is killed once it printed).
    let good = home.path().join("tenant.json");
    std::fs::write(&good, serde_json::to_string(&Tenant::demo(30)).unwrap()).unwrap();
    let mut child = tapdesk(home.path())
        .args(["simulate", "--listen", "127.0.0.1:0", "--page-latency", "none", "--fixture"])
        .arg(&good)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.starts_with("Graph simulator on http://127.0.0.1:"), "{first}");
    // Out-of-range numbers are refused by name.
    for (flag, value, says) in [
        ("--users", "0", "not a number of people from 1 to 1,000,000"),
        ("--page-latency", "soon", "not `realistic`, `none` or milliseconds per page"),
    ] {
        let o = tapdesk(home.path()).args(["simulate", flag, value]).output().unwrap();
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{err}");
    }
}
