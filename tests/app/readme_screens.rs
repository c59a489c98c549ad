//! The README's screenshots are real renders: each `assets/screenshots/*.txt` is `view` drawn on
//! ratatui's `TestBackend` (80x24) for a state the README describes, and README.md shows each file
//! verbatim. A change to the screen fails here until the asset and the README are renewed:
//! `TAPDESK_UPDATE_SCREENSHOTS=1 cargo test --test app readme` rewrites the assets (then paste
//! them into README.md).

use std::path::PathBuf;

use crate::common::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tapdesk::app::Model;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};

/// A fictional pass (the same the view snapshots use).
const PASS: &str = "Xk7%pQ2!";

/// The screen as text: one line per row, trailing blanks trimmed.
fn screen(model: &Model) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| tapdesk::ui::view(model, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn states() -> Vec<(&'static str, Model)> {
    let mut search = loaded_model();
    send(&mut search, ch('/'));
    type_str(&mut search, "avery");

    let mut form = avery_selected();
    send(&mut form, ch('t'));

    let (mut popup, cmds) = avery_pass_created(PASS);
    // Graph confirms that the new method id is Avery's pass.
    let check = graph_id(&cmds, |r| matches!(r, GraphRequest::ListTaps { .. }));
    send(
        &mut popup,
        reply(check, GraphResponse::Taps { user_id: "u-avery".into(), result: Ok(vec![created_tap("-").method]) }),
    );

    vec![("search-80x24", search), ("tap-form-80x24", form), ("pass-popup-80x24", popup)]
}

#[test]
fn readme_screenshots_are_the_app_as_it_draws_today() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let update = std::env::var_os("TAPDESK_UPDATE_SCREENSHOTS").is_some();
    let mut missing = Vec::new();
    for (name, model) in states() {
        let path = root.join(format!("assets/screenshots/{name}.txt"));
        let drawn = screen(&model);
        if update {
            std::fs::write(&path, &drawn).unwrap();
        }
        let asset = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (TAPDESK_UPDATE_SCREENSHOTS=1 writes it)", path.display()));
        assert_eq!(asset, drawn, "{name}: the screen changed; renew the asset and README.md");
        if !readme.contains(&asset) {
            missing.push(format!("assets/screenshots/{name}.txt"));
        }
    }
    assert!(missing.is_empty(), "README.md does not show these verbatim: {missing:?}");
}
