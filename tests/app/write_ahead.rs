//! Write-ahead auditing as the render loop runs it ([`tapdesk::run::write_ahead`]) together with
//! `update`: a write reaches the Graph worker only after its `attempt` line is on disk; when the
//! log cannot take it, nothing is sent, the operator is told why in words, the form keeps what was
//! typed, and the next try checks the log again.

use crate::common::*;
use crossterm::event::KeyCode;
use tapdesk::app::Cmd;
use tapdesk::audit::AuditLog;
use tapdesk::run::write_ahead;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};
use tokio::sync::mpsc::unbounded_channel;

/// Plays the loop's part for the commands `update` returned: write-ahead for writes, the worker's
/// channel for the rest. Returns the requests that reached the worker and the loop's answers.
fn run(log: &AuditLog, cmds: Vec<Cmd>) -> (Vec<GraphRequest>, Vec<tapdesk::app::Msg>) {
    let (tx, mut rx) = unbounded_channel();
    let mut answers = Vec::new();
    for c in cmds {
        match c {
            Cmd::Write { id, attempt, request } => answers.extend(write_ahead(log, &attempt, id, request, &tx)),
            Cmd::Graph(id, request) => tx.send((id, request)).unwrap(),
            _ => {}
        }
    }
    let mut sent = Vec::new();
    while let Ok((_, r)) = rx.try_recv() {
        sent.push(r);
    }
    (sent, answers)
}

#[test]
fn an_unwritable_log_sends_nothing_says_why_and_keeps_the_form_then_works_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    // A folder where the log should be: unwritable even for root.
    std::fs::create_dir(&path).unwrap();
    let log = AuditLog::new(&path);

    let mut m = avery_selected();
    send(&mut m, ch('t'));
    send(&mut m, key(KeyCode::Backspace));
    send(&mut m, key(KeyCode::Backspace));
    type_str(&mut m, "2h");
    let cmds = send(&mut m, key(KeyCode::Enter));
    let (sent, answers) = run(&log, cmds);
    assert!(sent.is_empty(), "nothing may reach Graph: {sent:?}");
    assert_eq!(answers.len(), 1);
    let mut after = Vec::new();
    for a in answers {
        after.extend(send(&mut m, a));
    }
    assert!(!after.iter().any(|c| matches!(c, Cmd::Audit(_))), "no result line for a write never sent");
    assert!(m.status.text.contains("was not sent, nothing was changed"), "{}", m.status.text);
    assert!(m.status.text.contains("cannot be written"), "{}", m.status.text);
    assert!(m.status.text.contains("try again"), "{}", m.status.text);
    assert_eq!(m.form.lifetime, "2h", "what the operator typed is kept");
    assert!(m.creating.is_none() && m.in_flight.is_empty());

    // Fixed (the folder removed): the next Enter writes the attempt, then sends.
    std::fs::remove_dir(&path).unwrap();
    let cmds = send(&mut m, key(KeyCode::Enter));
    let (sent, answers) = run(&log, cmds);
    assert!(answers.is_empty());
    assert!(matches!(&sent[..], [GraphRequest::CreateTap { body, .. }] if body.lifetime_in_minutes == Some(120)));
    // What a crash right now (kill -9 before Graph answers) leaves: the attempt, on disk.
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["phase"], "attempt");
    assert_eq!(lines[0]["result"], "pending");
    assert_eq!(lines[0]["targetUpn"], "avery.quinn@contoso.example");
    assert_eq!(lines[0]["parameters"]["lifetimeInMinutes"], 120);

    // The answer brings the result line with the same actionId, and never the pass.
    let id = m.creating.as_ref().unwrap().0;
    let cmds = send(
        &mut m,
        reply(id, GraphResponse::TapCreated { user_id: "u-avery".into(), result: Ok(created_tap("Xk7%pQ2!")) }),
    );
    let result = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Audit(e) => Some(e.clone()),
            _ => None,
        })
        .expect("a result line");
    log.append(&result).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!((last["phase"].as_str(), last["result"].as_str()), (Some("result"), Some("success")));
    assert_eq!(last["actionId"], lines[0]["actionId"]);
    assert!(!text.contains("Xk7%pQ2!"), "the pass is never in the audit log");
}

#[test]
fn a_full_disk_refuses_a_delete_before_it_is_sent() {
    // /dev/full: every write fails with ENOSPC, like a full disk.
    let log = AuditLog::new("/dev/full");
    let mut m = avery_selected();
    // The FIDO2 key is the third method row.
    send(&mut m, ch('j'));
    send(&mut m, ch('j'));
    send(&mut m, ch('d'));
    let cmds = send(&mut m, key(KeyCode::Enter));
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Write { request: GraphRequest::DeleteMethod { .. }, .. })),
        "{cmds:?}"
    );
    let (sent, answers) = run(&log, cmds);
    assert!(sent.is_empty());
    for a in answers {
        send(&mut m, a);
    }
    assert!(m.status.text.contains("not sent, nothing was changed"), "{}", m.status.text);
    assert!(m.status.text.contains("No space left on device"), "{}", m.status.text);
}
