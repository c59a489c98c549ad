//! The import rules the module map promises, checked on the source: `app` (the `Model` and the
//! pure `update`) takes its types only from modules that spawn nothing and do no I/O, and no
//! module of this crate imports one that imports it back. (The crate boundaries — tapdesk-graph
//! with no runtime, tapdesk-sim beside it — the compiler enforces.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of `file` without comments and without its `#[cfg(test)]` part.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::a::b` path in `code`, as `a::b` (or `a` alone), including grouped
/// `use crate::{a, b::c}` imports.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let p: String =
                    part.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
                let p = p.trim_end_matches(':').to_string();
                if !p.is_empty() {
                    out.insert(p);
                }
            }
            continue;
        }
        let p: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        out.insert(p.trim_end_matches(':').to_string());
    }
    out
}

fn src() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
}

#[test]
fn app_takes_its_types_only_from_modules_that_spawn_nothing() {
    // The modules `app` may name: protocol and plain-data modules, and pure helpers.
    const ALLOWED: &[&str] = &[
        "app",
        "auth::events",
        "auth::capabilities",
        "audit::event",
        "clipboard::outcome",
        "search::protocol",
        "config",
        "directory",
        "keymap",
        "sanitize",
        "timefmt",
    ];
    let mut files = Vec::new();
    rust_files(&src().join("app"), &mut files);
    assert!(files.len() > 5, "found the app module");
    let mut bad = Vec::new();
    for f in &files {
        let code = code(f);
        for p in crate_paths(&code) {
            if !ALLOWED.iter().any(|a| p == *a || p.starts_with(&format!("{a}::"))) {
                bad.push(format!("{}: crate::{p}", f.display()));
            }
        }
        for io in ["tokio::", "reqwest::", "std::fs", "std::thread", "std::net", "arboard::"] {
            if code.contains(io) {
                bad.push(format!("{}: {io}", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "app names modules that spawn or do I/O:\n{}", bad.join("\n"));
}

#[test]
fn no_import_circles_between_modules() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(src()).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        if top == "architecture_tests" {
            continue;
        }
        for p in crate_paths(&code(f)) {
            let to = p.split("::").next().unwrap_or("").to_string();
            if !to.is_empty() && to != top {
                graph.entry(top.clone()).or_default().insert(to);
            }
        }
    }
    // A circle exists when some module reaches itself.
    fn reaches(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        target: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(from).into_iter().flatten() {
            if next == target || (seen.insert(next.clone()) && reaches(graph, next, target, seen)) {
                return true;
            }
        }
        false
    }
    let circles: Vec<&String> = graph.keys().filter(|m| reaches(&graph, m, m, &mut BTreeSet::new())).collect();
    assert!(circles.is_empty(), "modules in an import circle: {circles:?}\ngraph: {graph:#?}");
}
