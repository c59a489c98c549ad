//! The real-tenant start path of the binary, in tmux, against the simulator standing in for
//! Entra ID and Graph: `tapdesk --tenant contoso.example --client-id tapdesk-device` signs in by
//! device code (the code is read off the screen and approved like an operator would on their
//! phone), then the TUI shows the tenant's users; Ctrl-C at the code prompt cancels cleanly. Needs
//! `tmux` on PATH (.ci/run installs it).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tapdesk::sim::{self, SimHandle, StsSettings, Tenant, demo};

struct Tmux {
    socket: String,
    dir: PathBuf,
}

impl Tmux {
    fn start(name: &str) -> Self {
        let ok = Command::new("tmux").arg("-V").output().map(|o| o.status.success()).unwrap_or(false);
        assert!(ok, "tmux is not installed: `apt-get install -y tmux` (the CI script does this)");
        let socket = format!("tapdesk-auth-e2e-{}-{name}", std::process::id());
        let dir = std::env::temp_dir().join(&socket);
        std::fs::create_dir_all(&dir).unwrap();
        let conf = dir.join("tmux.conf");
        std::fs::write(&conf, "set -g status off\nset -s escape-time 0\n").unwrap();
        let t = Tmux { socket, dir };
        let conf = conf.to_str().unwrap().to_owned();
        let out = t.raw(&["-f", &conf, "new-session", "-d", "-x", "100", "-y", "30", "-s", "e2e", "sh"]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    fn raw(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().unwrap()
    }

    fn send(&self, literal: &str, keys: &[&str]) {
        if !literal.is_empty() {
            assert!(self.raw(&["send-keys", "-t", "e2e", "-l", literal]).status.success());
        }
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        if !keys.is_empty() {
            assert!(self.raw(&args).status.success());
        }
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.raw(&["capture-pane", "-p", "-t", "e2e"]).stdout).into_owned()
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.raw(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn simulator() -> SimHandle {
    let h = sim::start(Tenant::demo(200), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    h.control().set_sts(StsSettings { device_code_interval_seconds: 1, ..StsSettings::default() });
    h
}

fn launch(t: &Tmux, h: &SimHandle) {
    let bin = env!("CARGO_BIN_EXE_tapdesk");
    let d = t.dir.display();
    let cmd = format!(
        "clear; stty -g > {d}/before; env -u DISPLAY -u WAYLAND_DISPLAY XDG_CONFIG_HOME={d}/cfg XDG_DATA_HOME={d}/data \
         TZ=UTC {bin} --tenant {tenant} --client-id {client} --authority-host {auth} --graph-url {auth}; \
         echo \"exit=$?\"; stty -g > {d}/after; cmp -s {d}/before {d}/after && echo TERMINAL-RESTORED; echo END-OF-RUN",
        tenant = demo::DOMAIN,
        client = demo::PUBLIC_CLIENT_ID,
        auth = h.authority(),
    );
    t.send(&cmd, &["Enter"]);
}

/// The user code on the screen (the line `2. Enter the code       XXXXXXXXX`).
fn code_on(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains("Enter the code"))?;
    line.split_whitespace().last().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn device_code_sign_in_then_the_tui_on_the_tenant() {
    let h = simulator().await;
    let t = Tmux::start("signin");
    launch(&t, &h);
    let s = t.wait_for("the device code", |s| code_on(s).is_some());
    assert!(s.contains(&format!("open  {}/devicelogin", h.authority())), "{s}");
    assert!(s.contains("Tenant: contoso.example   App: tapdesk (tapdesk-device)"), "{s}");
    assert!(s.contains("Ctrl-C cancels"), "{s}");
    t.wait_for("the countdown", |s| s.contains("code expires in 14:") || s.contains("code expires in 15:00"));
    let code = code_on(&s).unwrap();
    assert!(h.control().approve_device_code(&code, demo::DANA_OKAFOR_ID));

    let s = t.wait_for("the directory", |s| s.contains("users loaded"));
    assert!(s.contains("Users (") && s.contains("Methods"), "{s}");
    assert!(s.contains("dana.okafor@contoso"), "{s}");
    assert!(!s.contains(&code), "the code is gone once the TUI runs");

    t.send("q", &[]);
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    assert!(s.contains("TERMINAL-RESTORED"), "{s}");
    assert!(s.contains("Signed in as dana.okafor@contoso.example (tenant contoso.example, --auth device-code"), "{s}");
    // The refresh token was asked for (offline_access) and never left the process.
    let dc = h.control().requests().into_iter().find(|r| r.path.ends_with("/devicecode")).unwrap();
    assert!(dc.body.contains("offline_access"));
    h.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_at_the_code_prompt_cancels_and_a_block_is_explained() {
    let h = simulator().await;
    let t = Tmux::start("cancel");
    launch(&t, &h);
    let first = code_on(&t.wait_for("the device code", |s| code_on(s).is_some())).unwrap();
    t.send("", &["C-c"]);
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("Sign-in cancelled.") && s.contains("exit=130"), "{s}");
    assert!(s.contains("TERMINAL-RESTORED"), "{s}");

    // Conditional Access: the operator signs in, the token is refused, the reason is shown.
    t.send("clear", &["Enter"]);
    launch(&t, &h);
    let s = t.wait_for("the second device code", |s| code_on(s).is_some_and(|c| c != first));
    assert!(h.control().block_device_code_by_conditional_access(&code_on(&s).unwrap()));
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=1"), "{s}");
    assert!(s.contains("AADSTS53003"), "{s}");
    h.shutdown();
}
