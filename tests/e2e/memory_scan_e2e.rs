//! The pass leaves no trace in the process: the real binary in a pty (tmux) issues a pass against
//! a simulator in this (another) process; once the popup closes, a scan of the console's memory
//! (`/proc/PID/maps` + `/proc/PID/mem`) finds the pass 0 times, raw or as shown in groups. While
//! the popup is open the same scan must find it (the scan can see it). Linux only; where the
//! kernel refuses to let this process read the console's memory the test says so and stops.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{Read, Seek, SeekFrom};
use std::time::Duration;

use tapdesk_sim::{self as sim, Tenant};

use crate::client_console;
use crate::tmux::Tmux;

/// How often each of `needles` occurs in the readable memory of process `pid`.
/// `Err` when the kernel does not let this process read it (ptrace access mode).
fn occurrences(pid: u32, needles: &[&[u8]]) -> Result<Vec<usize>, String> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).map_err(|e| format!("/proc/{pid}/maps: {e}"))?;
    let mut mem = std::fs::File::open(format!("/proc/{pid}/mem")).map_err(|e| format!("/proc/{pid}/mem: {e}"))?;
    let finders: Vec<memchr::memmem::Finder> = needles.iter().map(memchr::memmem::Finder::new).collect();
    let overlap = needles.iter().map(|n| n.len()).max().unwrap_or(1) - 1;
    const CHUNK: u64 = 4 << 20;
    let mut counts = vec![0; needles.len()];
    let mut read_any = false;
    for line in maps.lines() {
        let mut f = line.split_whitespace();
        let (Some(range), Some(perms)) = (f.next(), f.next()) else { continue };
        let name = line.split_whitespace().nth(5).unwrap_or("");
        if !perms.starts_with('r') || name == "[vvar]" || name == "[vsyscall]" || name == "[vvar_vclock]" {
            continue;
        }
        let (a, b) = range.split_once('-').unwrap();
        let (start, end) = (u64::from_str_radix(a, 16).unwrap(), u64::from_str_radix(b, 16).unwrap());
        let mut at = start;
        while at < end {
            let len = (end - at).min(CHUNK + overlap as u64);
            let mut buf = vec![0u8; len as usize];
            if mem.seek(SeekFrom::Start(at)).is_err() || mem.read_exact(&mut buf).is_err() {
                break; // a region that cannot be read (guard pages, I/O mappings)
            }
            read_any = true;
            // Count matches that start in this chunk's own part (the overlap belongs to the next).
            let own = (end - at).min(CHUNK) as usize;
            for (c, finder) in counts.iter_mut().zip(&finders) {
                *c += finder.find_iter(&buf).filter(|&i| i < own).count();
            }
            at += CHUNK;
        }
    }
    if read_any { Ok(counts) } else { Err(format!("no region of process {pid} could be read")) }
}

/// The pass as the popup shows it (groups of four, joined by spaces).
fn shown_pass(screen: &str) -> Option<String> {
    let line = screen.lines().find(|l| l.contains("Pass   "))?;
    let rest = &line[line.find("Pass   ")? + "Pass   ".len()..];
    Some(rest.chars().take_while(|c| *c != '║').collect::<String>().trim().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn after_the_popup_closes_the_pass_is_nowhere_in_memory() {
    let h = sim::start(Tenant::demo(200), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let t = Tmux::start("memscan", "scan", (100, 30), "", Duration::from_secs(40));
    // TEST_TAPDESK_BIN=target/release/tapdesk scans a release build instead (not a TAPDESK_*
    // name: tapdesk refuses unknown TAPDESK_* variables, which is why the first release run hung).
    let bin = std::env::var("TEST_TAPDESK_BIN").ok();
    client_console::launch(&t, &h, bin.as_deref());
    let pid = t.child_pid("tapdesk").expect("tapdesk runs in the pane");
    client_console::open_avery_form(&t);
    t.keys(&["Enter"]);
    let s = t.wait_for("the confirmed pass", |s| s.contains("✓ Graph holds this pass"));
    let grouped = shown_pass(&s).expect("a pass on screen");
    let raw: String = grouped.chars().filter(|c| *c != ' ').collect();
    assert_eq!(raw.chars().count(), 8, "{grouped:?}");
    let needles: [&[u8]; 2] = [raw.as_bytes(), grouped.as_bytes()];

    let open = match occurrences(pid, &needles) {
        Ok(c) => c,
        Err(why) => {
            eprintln!("SKIPPED: the memory scan is not permitted here ({why}); run as root or with ptrace access");
            t.literal("q");
            t.literal("q");
            return;
        }
    };
    eprintln!("memory scan, popup open: raw pass {} time(s), grouped {} time(s)", open[0], open[1]);
    assert!(open[0] >= 1, "the scan finds the pass while tapdesk holds it: {open:?}");

    t.keys(&["Escape"]);
    t.wait_for("the popup to close", |s| !s.contains(&grouped) && s.contains("Pass closed"));
    // A few frames and ticks later.
    std::thread::sleep(Duration::from_millis(1500));
    let closed = occurrences(pid, &needles).unwrap();
    eprintln!("memory scan, popup closed: raw pass {} time(s), grouped {} time(s)", closed[0], closed[1]);
    assert_eq!(closed, [0, 0], "copies of the pass left in tapdesk's memory after the popup closed");

    t.literal("q");
    let s = t.wait_for("the shell", |s| s.contains("END-OF-RUN"));
    assert!(s.contains("exit=0"), "{s}");
    h.shutdown();
}
