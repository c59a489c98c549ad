//! The TAP policy pane: read-only without the role, ranges checked in the form before the PATCH,
//! and the PATCH against the simulator (as a Global Administrator) changing what passes may be.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use std::sync::Arc;

use common::*;
use crossterm::event::KeyCode;
use tapdesk::app::Popup;
use tapdesk::app::policy_editor::PolicyEditor;
use tapdesk::graph::client::GraphClient;
use tapdesk_graph::protocol::{GraphRequest, GraphResponse};
use tapdesk_graph::types::{DirectoryObject, TapCreateRequest};
use tapdesk_sim::{self as sim, demo, tenant::Tenant};

#[test]
fn an_authentication_administrator_sees_the_policy_read_only() {
    let mut m = loaded_model();
    send(&mut m, ch('P'));
    let Popup::Policy(e) = &m.popup else { panic!("policy pane") };
    assert!(e.read_only.as_deref().is_some_and(|r| r.contains("Authentication Policy Administrator")));
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty(), "nothing is sent");
    send(&mut m, key(KeyCode::Esc));
    assert!(matches!(m.popup, Popup::None));
}

#[test]
fn a_policy_administrator_edits_with_ranges_checked_then_saves() {
    let mut m = loaded_model();
    m.operator_card.as_mut().unwrap().member_of.push(DirectoryObject {
        odata_type: "#microsoft.graph.directoryRole".into(),
        id: "r-apa".into(),
        display_name: Some("Authentication Policy Administrator".into()),
        role_template_id: Some("0526716b-113d-4c15-b2c8-68e3c22b9f80".into()),
        is_assignable_to_role: None,
    });
    send(&mut m, ch('P'));
    // Default lifetime → 9h: above the maximum, refused in the form.
    send(&mut m, key(KeyCode::Down));
    send(&mut m, key(KeyCode::Down));
    send(&mut m, key(KeyCode::Backspace));
    send(&mut m, key(KeyCode::Backspace));
    type_str(&mut m, "9h");
    assert!(send(&mut m, key(KeyCode::Enter)).is_empty());
    let Popup::Policy(e) = &m.popup else { panic!() };
    assert!(e.error.as_deref().is_some_and(|x| x.contains("between minimum")), "{:?}", e.error);
    // 2h is fine.
    send(&mut m, key(KeyCode::Backspace));
    send(&mut m, key(KeyCode::Backspace));
    type_str(&mut m, "2h");
    let cmds = send(&mut m, key(KeyCode::Enter));
    let id = graph_id(
        &cmds,
        |r| matches!(r, GraphRequest::UpdateTapPolicy { patch } if patch.default_lifetime_in_minutes == 120),
    );
    let cmds = send(&mut m, reply(id, GraphResponse::PolicyUpdated(Ok(()))));
    graph_id(&cmds, |r| matches!(r, GraphRequest::GetTapPolicy));
    let audit = cmds.iter().find_map(|c| match c {
        tapdesk::app::Cmd::Audit(a) => Some(a.clone()),
        _ => None,
    });
    let audit = audit.expect("the policy change is audited");
    assert_eq!(audit.action, "updateTemporaryAccessPassPolicy");
    assert_eq!(audit.parameters["defaultLifetimeInMinutes"], 120);
    assert_eq!(audit.result, "success");
    assert!(matches!(m.popup, Popup::None));
    assert!(m.status.text.contains("saved"));
}

#[tokio::test]
async fn the_patch_changes_the_rules_and_is_refused_without_the_role() {
    let s = sim::start(Tenant::demo(100), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = url::Url::parse(&s.graph_base()).unwrap();
    let as_dana = GraphClient::new(base.clone(), Arc::new(StaticToken(s.mint_token())), vec![]).unwrap();
    let as_priya =
        GraphClient::new(base, Arc::new(StaticToken(s.mint_token_for(demo::PRIYA_RAMAN_ID))), vec![]).unwrap();
    let policy = as_dana.get_tap_policy().await.unwrap();
    let mut e = PolicyEditor::new(&policy, None);
    e.one_time = true;
    e.maximum = "2h".into();
    let patch = e.patch().unwrap();
    let denied = as_dana.update_tap_policy(&patch).await.unwrap_err();
    assert_eq!(denied.status(), Some(403), "{denied}");
    as_priya.update_tap_policy(&patch).await.unwrap();
    let after = as_dana.get_tap_policy().await.unwrap();
    assert!(after.is_usable_once);
    assert_eq!(after.maximum_lifetime_in_minutes, 120);
    // The new policy applies at once: 3h is now out of range, multi-use refused.
    let e = as_dana
        .create_tap(demo::AVERY_QUINN_ID, &TapCreateRequest { lifetime_in_minutes: Some(180), ..Default::default() })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("between 60 and 120"), "{e}");
}
