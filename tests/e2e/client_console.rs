//! The console as an operator on a real tenant runs it, for the e2e tests that need a second
//! party on the same tenant: `tapdesk --auth client-secret` in tmux against a simulator in this
//! test process (so the test can act on the tenant directly, and the console's process holds only
//! its own data), and the steps to Avery Quinn's TAP form.

use tapdesk_sim::{self as sim, SimHandle};

use crate::tmux::Tmux;

/// Starts `bin` (the test build's `tapdesk` when `None`) in `t` against `h`, with the clipboard
/// off and the audit log in `t.dir`; prints `exit=N` and `END-OF-RUN` when it ends. Waits until
/// the directory is loaded.
pub fn launch(t: &Tmux, h: &SimHandle, bin: Option<&str>) {
    start(t, h, bin);
    t.wait_for("the directory", |s| s.contains("users loaded"));
}

/// [`launch`] without waiting for the directory (for tests whose load is held up on purpose).
pub fn start(t: &Tmux, h: &SimHandle, bin: Option<&str>) {
    let d = t.dir.display();
    let cmd = format!(
        "clear; env -u DISPLAY -u WAYLAND_DISPLAY XDG_CONFIG_HOME={d}/cfg XDG_DATA_HOME={d}/data TZ=UTC \
         AZURE_CLIENT_SECRET={secret} {bin} --auth client-secret --tenant {tenant} --client-id {client} \
         --authority-host {a} --graph-url {a} --clipboard off --audit-log {d}/audit.jsonl; echo \"exit=$?\"; echo END-OF-RUN",
        secret = sim::contract::CLIENT_SECRET,
        bin = bin.unwrap_or(env!("CARGO_BIN_EXE_tapdesk")),
        tenant = h.tenant_id(),
        client = sim::contract::CLIENT_ID,
        a = h.authority(),
    );
    t.send(&cmd, &["Enter"]);
}

/// Searches for Avery Quinn, selects her and opens the TAP form (Enter then issues the pass).
pub fn open_avery_form(t: &Tmux) {
    t.keys(&["/"]);
    t.literal("avery");
    t.wait_for("the query", |s| s.contains("/ avery") && s.contains("> Avery Quinn"));
    t.keys(&["Enter"]);
    t.wait_for("Avery's methods", |s| s.contains("YubiKey 5 NFC"));
    t.literal("t");
    t.wait_for("the form", |s| s.contains("Enter: issue the pass"));
}
