//! The whole app at scale (issue 6, items 2-5 and the frame target): the release `tapdesk` binary
//! in tmux, as an operator runs it, with `TAPDESK_FRAME_STATS` on (see `tapdesk::term`), then the
//! figures as Markdown tables. `cargo bench --bench app` (or `scripts/bench-compare`, which runs
//! it after the search benchmarks). A `harness = false` binary; without `--bench` it does nothing.
//!
//! Two runs per size (default 300000; `cargo bench --bench app -- 10000 300000`):
//! 1. `tapdesk --demo --users N`: time from the start of the process to the first drawn frame
//!    (before any Graph answer), to the first page of users shown, to all users cached; the
//!    process's peak RSS (the demo holds the simulator's own copy of the tenant too).
//! 2. The client against a simulator in **this** process (`--auth client-secret`, loopback
//!    authority), so the tapdesk process holds only what it holds on a real tenant: the same
//!    load times, then typing `john smith`, `jsmith`, `müller`, `obrien`, `zz-no-match` one key
//!    every 150 ms (each word erased with Backspace before the next): bytes written to the
//!    terminal per typed character (the key's frame plus every frame until the next key: the
//!    matcher's answer, ticks), the slowest frame while typing (all `update`s of the batch, the
//!    `Cmd`s, and `Terminal::draw`), and the process's peak RSS (VmHWM) with every user cached.
//!
//! Terminal sizes: 80x24 and 120x40. Needs `tmux`. `cargo bench --bench app -- 300000 client`
//! runs only the second kind.

#![allow(clippy::expect_used)] // a benchmark harness: a broken runtime or tmux ends the run

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

const WORDS: &[&str] = &["john smith", "jsmith", "müller", "obrien", "zz-no-match"];
const KEY_GAP: Duration = Duration::from_millis(150);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("app bench: skipped (run it with `cargo bench --bench app`)");
        return;
    }
    // `client`: skip the `--demo` runs (two minutes each at 300,000 users, paging like a tenant).
    let client_only = args.iter().any(|a| a == "client");
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![300_000];
    }
    let ok = Command::new("tmux").arg("-V").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("app bench: tmux is not installed (apt-get install -y tmux)");
        std::process::exit(2);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    println!("\n## The app at scale (release binary in tmux, TAPDESK_FRAME_STATS)\n");
    let mut demo_rows = Vec::new();
    let mut client_rows = Vec::new();
    let mut typing_rows = Vec::new();
    for &n in &sizes {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            if !client_only {
                match demo_run(n, w, h) {
                    Ok(r) => demo_rows.push(r),
                    Err(e) => eprintln!("demo run {n} {w}x{h}: {e}"),
                }
            }
            match rt.block_on(client_run(n, w, h)) {
                Ok((load, typing)) => {
                    client_rows.push(load);
                    typing_rows.push(typing);
                }
                Err(e) => eprintln!("client run {n} {w}x{h}: {e}"),
            }
        }
    }
    println!("### Start and load (`tapdesk --demo --users N`, simulator inside the process)\n");
    println!("| users | terminal | first frame | first users shown | all users cached | peak RSS (app + simulator) |");
    println!("|---:|---|---:|---:|---:|---:|");
    for r in &demo_rows {
        println!("{}", r.row());
    }
    println!("\n### Start and load (client only: simulator in the bench process, `--auth client-secret`)\n");
    println!("| users | terminal | first frame | first users shown | all users cached | peak RSS (tapdesk alone) |");
    println!("|---:|---|---:|---:|---:|---:|");
    for r in &client_rows {
        println!("{}", r.row());
    }
    println!("\n### Typing (client only, every user cached)\n");
    println!(
        "| users | terminal | typed chars | bytes/char median | bytes/char worst | slowest frame (work) | slowest draw | frames |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for t in &typing_rows {
        println!(
            "| {} | {} | {} | {} | {} | {:.2} ms | {:.2} ms | {} |",
            t.users,
            t.terminal,
            t.per_char.len(),
            median_u64(&t.per_char),
            t.per_char.iter().max().copied().unwrap_or(0),
            t.slowest_work_us as f64 / 1e3,
            t.slowest_draw_us as f64 / 1e3,
            t.frames
        );
    }
    println!(
        "\nFirst frame, first users shown and all users cached are measured from the first line of `main` \
         to the end of the `Terminal::draw` that showed them."
    );
}

fn median_u64(v: &[u64]) -> u64 {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

// ---------------------------------------------------------------- tmux

struct Tmux {
    socket: String,
    dir: PathBuf,
}

impl Tmux {
    fn start(name: &str, w: u16, h: u16, command: &str) -> Result<Self, String> {
        let socket = format!("tapdesk-bench-{}-{name}", std::process::id());
        let dir = std::env::temp_dir().join(&socket);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let conf = dir.join("tmux.conf");
        std::fs::write(&conf, "set -g status off\nset -s escape-time 0\nset -g remain-on-exit on\n")
            .map_err(|e| e.to_string())?;
        let t = Tmux { socket, dir };
        let (ws, hs) = (w.to_string(), h.to_string());
        let out = t.raw(&[
            "-f",
            conf.to_str().ok_or("utf8")?,
            "new-session",
            "-d",
            "-x",
            &ws,
            "-y",
            &hs,
            "-s",
            "bench",
            command,
        ]);
        if !out.status.success() {
            return Err(format!("tmux new-session: {}", String::from_utf8_lossy(&out.stderr)));
        }
        Ok(t)
    }

    fn raw(&self, args: &[&str]) -> Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux")
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "bench"];
        args.extend_from_slice(keys);
        self.raw(&args);
    }

    fn literal(&self, text: &str) {
        self.raw(&["send-keys", "-t", "bench", "-l", text]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.raw(&["capture-pane", "-p", "-t", "bench"]).stdout).into_owned()
    }

    fn pane_dead(&self) -> bool {
        String::from_utf8_lossy(&self.raw(&["display", "-p", "-t", "bench", "#{pane_dead}"]).stdout).trim() == "1"
    }

    fn wait_for(&self, what: &str, limit: Duration, pred: impl Fn(&str) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + limit;
        loop {
            let s = self.screen();
            if pred(&s) {
                return Ok(());
            }
            if Instant::now() > deadline || self.pane_dead() {
                return Err(format!("timed out waiting for {what}; screen:\n{s}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_dead(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.pane_dead() {
            if Instant::now() > deadline {
                return Err("tapdesk did not exit".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.raw(&["kill-server"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------- frame statistics

struct Frame {
    at_us: u64,
    cause: String,
    work_us: u64,
    draw_us: u64,
    bytes: u64,
    users: u64,
    query_chars: u64,
}

fn read_frames(path: &Path) -> Result<(Vec<Frame>, Option<u64>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut frames = Vec::new();
    let mut hwm = None;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        if let Some(s) = v.get("summary") {
            hwm = s["peak_rss_kib"].as_u64();
            continue;
        }
        frames.push(Frame {
            at_us: v["at_us"].as_u64().unwrap_or(0),
            cause: v["cause"].as_str().unwrap_or("").to_owned(),
            work_us: v["work_us"].as_u64().unwrap_or(0),
            draw_us: v["draw_us"].as_u64().unwrap_or(0),
            bytes: v["bytes"].as_u64().unwrap_or(0),
            users: v["users"].as_u64().unwrap_or(0),
            query_chars: v["query_chars"].as_u64().unwrap_or(0),
        });
    }
    Ok((frames, hwm))
}

struct LoadRow {
    users: usize,
    terminal: String,
    first_frame_us: u64,
    first_users_us: Option<u64>,
    all_users_us: Option<u64>,
    peak_kib: Option<u64>,
}

impl LoadRow {
    fn new(n: usize, w: u16, h: u16, frames: &[Frame], peak_kib: Option<u64>) -> Self {
        LoadRow {
            users: n,
            terminal: format!("{w}x{h}"),
            first_frame_us: frames.first().map_or(0, |f| f.at_us),
            first_users_us: frames.iter().find(|f| f.users > 0).map(|f| f.at_us),
            all_users_us: frames.iter().find(|f| f.users as usize >= n).map(|f| f.at_us),
            peak_kib,
        }
    }

    fn row(&self) -> String {
        let ms = |us: Option<u64>| us.map_or("-".to_owned(), |u| format!("{:.1} ms", u as f64 / 1e3));
        let rate = self
            .all_users_us
            .map_or(String::new(), |u| format!(" ({:.0} users/s)", self.users as f64 / (u as f64 / 1e6)));
        format!(
            "| {} | {} | {} | {} | {}{rate} | {} |",
            self.users,
            self.terminal,
            ms(Some(self.first_frame_us)),
            ms(self.first_users_us),
            ms(self.all_users_us),
            self.peak_kib.map_or("-".to_owned(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
        )
    }
}

struct Typing {
    users: usize,
    terminal: String,
    per_char: Vec<u64>,
    slowest_work_us: u64,
    slowest_draw_us: u64,
    frames: usize,
}

/// Bytes per typed character: the frame of each key that made the query longer, plus every
/// frame after it until the next key.
fn typing(n: usize, w: u16, h: u16, frames: &[Frame]) -> Typing {
    let first_key = frames.iter().position(|f| f.cause == "key" && f.query_chars > 0).unwrap_or(frames.len());
    let typing = &frames[first_key..];
    let mut per_char = Vec::new();
    let mut prev_chars = 0;
    let mut current: Option<u64> = None;
    for f in typing {
        if f.cause == "key" {
            if let Some(b) = current.take() {
                per_char.push(b);
            }
            if f.query_chars > prev_chars {
                current = Some(f.bytes);
            }
            prev_chars = f.query_chars;
        } else if let Some(b) = current.as_mut() {
            *b += f.bytes;
        }
    }
    if let Some(b) = current {
        per_char.push(b);
    }
    Typing {
        users: n,
        terminal: format!("{w}x{h}"),
        per_char,
        slowest_work_us: typing.iter().map(|f| f.work_us).max().unwrap_or(0),
        slowest_draw_us: typing.iter().map(|f| f.draw_us).max().unwrap_or(0),
        frames: typing.len(),
    }
}

// ---------------------------------------------------------------- runs

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tapdesk")
}

fn loaded(n: usize) -> impl Fn(&str) -> bool {
    let text = format!("{n} users loaded");
    move |s: &str| s.contains(&text)
}

fn demo_run(n: usize, w: u16, h: u16) -> Result<LoadRow, String> {
    let dir = tempdir(&format!("demo-{n}-{w}"))?;
    let stats = dir.join("frames.jsonl");
    let cmd = format!(
        "env TZ=UTC TAPDESK_FRAME_STATS={} {} --demo --users {n} --clipboard off --audit-log {}",
        stats.display(),
        bin(),
        dir.join("audit.jsonl").display()
    );
    let t = Tmux::start(&format!("demo{w}"), w, h, &cmd)?;
    t.wait_for("all users loaded", Duration::from_secs(180), loaded(n))?;
    t.keys(&["q"]);
    t.wait_dead()?;
    let (frames, hwm) = read_frames(&stats)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(LoadRow::new(n, w, h, &frames, hwm))
}

async fn client_run(n: usize, w: u16, h: u16) -> Result<(LoadRow, Typing), String> {
    let tenant = tapdesk_sim::tenant::Tenant::demo(n);
    let handle = tapdesk_sim::start(tenant, "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?)
        .await
        .map_err(|e| e.to_string())?;
    let dir = tempdir(&format!("client-{n}-{w}"))?;
    let stats = dir.join("frames.jsonl");
    let cmd = format!(
        "env TZ=UTC AZURE_CLIENT_SECRET={secret} TAPDESK_FRAME_STATS={stats} {bin} --auth client-secret \
         --tenant {tenant} --client-id {client} --authority-host {a} --graph-url {a} --clipboard off \
         --audit-log {audit}",
        secret = tapdesk_sim::contract::CLIENT_SECRET,
        stats = stats.display(),
        bin = bin(),
        tenant = handle.tenant_id(),
        client = tapdesk_sim::contract::CLIENT_ID,
        a = handle.authority(),
        audit = dir.join("audit.jsonl").display(),
    );
    // tmux and the waits block: run them off the runtime that serves the simulator.
    let result = tokio::task::spawn_blocking(move || -> Result<(LoadRow, Typing), String> {
        let t = Tmux::start(&format!("client{w}"), w, h, &cmd)?;
        t.wait_for("all users loaded", Duration::from_secs(180), loaded(n))?;
        std::thread::sleep(Duration::from_millis(500));
        t.keys(&["/"]);
        std::thread::sleep(KEY_GAP);
        for word in WORDS {
            for c in word.chars() {
                t.literal(&c.to_string());
                std::thread::sleep(KEY_GAP);
            }
            for _ in word.chars() {
                t.keys(&["BSpace"]);
                std::thread::sleep(KEY_GAP);
            }
        }
        t.keys(&["Escape"]);
        std::thread::sleep(KEY_GAP);
        t.keys(&["q"]);
        t.wait_dead()?;
        let (frames, hwm) = read_frames(&stats)?;
        let _ = std::fs::remove_dir_all(&dir);
        Ok((LoadRow::new(n, w, h, &frames, hwm), typing(n, w, h, &frames)))
    })
    .await
    .map_err(|e| e.to_string())?;
    handle.shutdown();
    result
}

fn tempdir(name: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("tapdesk-bench-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}
