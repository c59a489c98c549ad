//! The pre-flight check on what the Graph simulator really answers (over HTTP, through the real
//! client): policy disabled, not in the target group, nested group, excluded group, external
//! guest, privileged target, self, an existing pass; and the start of a pass given in local time
//! (America/Chicago, Asia/Tokyo) arriving at Graph as the right UTC instant.

#![allow(clippy::expect_used, clippy::unwrap_used)] // tests may panic

use crate::common;

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use common::StaticToken;
use jiff::tz::TimeZone;
use tapdesk::app::preflight::{self, Finding, Severity};
use tapdesk::app::tap_form::parse_start;
use tapdesk::graph::client::GraphClient;
use tapdesk_graph::types::{AuthMethod, PolicyTarget, TapCreateRequest};
use tapdesk_sim::{self as sim, demo, tenant::Tenant};

struct World {
    sim: sim::SimHandle,
    client: GraphClient,
}

async fn world() -> World {
    let sim = sim::start(Tenant::demo(300), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let cred: Arc<dyn TokenCredential> = Arc::new(StaticToken(sim.mint_token()));
    let client = GraphClient::new(url::Url::parse(&sim.graph_base()).unwrap(), cred, vec![]).unwrap();
    World { sim, client }
}

/// The findings for `user_id` as the demo operator (Dana, Authentication Administrator) sees them.
async fn check(w: &World, user_id: &str) -> Vec<Finding> {
    let card = w.client.get_user_card(user_id).await.unwrap();
    let me = w.client.get_user_card(demo::DANA_OKAFOR_ID).await.unwrap();
    let policy = w.client.get_tap_policy().await.unwrap();
    let methods: Vec<AuthMethod> = w.client.list_methods(user_id).await.unwrap();
    preflight::check(&card, Some(&policy), Some(&me), Some(&methods), &TimeZone::UTC, jiff::Timestamp::now())
}

fn blocks(f: &[Finding]) -> Vec<&str> {
    f.iter().filter(|f| f.severity == Severity::Blocks).map(|f| f.text.as_str()).collect()
}

#[tokio::test]
async fn avery_is_clear_and_siobhan_counts_through_a_nested_group() {
    let w = world().await;
    let f = check(&w, demo::AVERY_QUINN_ID).await;
    assert!(blocks(&f).is_empty(), "{f:?}");
    assert!(f.iter().any(|f| f.severity == Severity::Fine && f.text.contains("TAP-Users")), "{f:?}");
    let f = check(&w, demo::SIOBHAN_OBRIEN_ID).await;
    assert!(blocks(&f).is_empty(), "nested membership counts: {f:?}");
}

#[tokio::test]
async fn not_in_the_target_group_blocks() {
    let w = world().await;
    let f = check(&w, demo::BO_LINDQVIST_ID).await;
    assert_eq!(blocks(&f), vec!["Bo Lindqvist is not in a group the TAP policy targets: the pass would not work."]);
}

#[tokio::test]
async fn external_guest_blocks() {
    let w = world().await;
    let f = check(&w, demo::KAI_MEYER_ID).await;
    assert!(blocks(&f).iter().any(|t| t.contains("external guest")), "{f:?}");
    // And Graph agrees: the create is refused with the same reason, translated.
    let e = w.client.create_tap(demo::KAI_MEYER_ID, &TapCreateRequest::default()).await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(e.to_string().contains("external guest"), "{e}");
}

#[tokio::test]
async fn privileged_target_and_self_block_for_an_authentication_administrator() {
    let w = world().await;
    let f = check(&w, demo::PRIYA_RAMAN_ID).await;
    assert!(blocks(&f).iter().any(|t| t.contains("holds Global Administrator")), "{f:?}");
    let e = w.client.create_tap(demo::PRIYA_RAMAN_ID, &TapCreateRequest::default()).await.unwrap_err();
    assert_eq!(e.status(), Some(403), "Graph refuses it too: {e}");
    let f = check(&w, demo::DANA_OKAFOR_ID).await;
    assert!(blocks(&f).iter().any(|t| t.contains("This is you")), "{f:?}");
}

#[tokio::test]
async fn disabled_policy_and_excluded_group_block() {
    let w = world().await;
    let mut p = w.sim.control().tap_policy();
    p.exclude_targets = vec![PolicyTarget {
        target_type: "group".into(),
        id: demo::FIELD_ENGINEERS_GROUP_ID.into(),
        is_registration_required: None,
    }];
    w.sim.control().set_tap_policy(p.clone());
    let f = check(&w, demo::SIOBHAN_OBRIEN_ID).await;
    assert!(blocks(&f).iter().any(|t| t.contains("which the TAP policy excludes")), "{f:?}");
    p.state = "disabled".into();
    w.sim.control().set_tap_policy(p);
    let f = check(&w, demo::AVERY_QUINN_ID).await;
    assert!(blocks(&f).iter().any(|t| t.contains("disabled in this tenant")), "{f:?}");
}

#[tokio::test]
async fn an_existing_pass_warns_that_it_will_be_replaced_and_is_replaced() {
    let w = world().await;
    let f = check(&w, demo::NOOR_HADDAD_ID).await;
    assert!(blocks(&f).is_empty(), "{f:?}");
    assert!(f.iter().any(|f| f.severity == Severity::Warns && f.text.contains("issuing replaces it")), "{f:?}");
    let before = w.client.list_taps(demo::NOOR_HADDAD_ID).await.unwrap();
    let created = w.client.create_tap(demo::NOOR_HADDAD_ID, &TapCreateRequest::default()).await.unwrap();
    let after = w.client.list_taps(demo::NOOR_HADDAD_ID).await.unwrap();
    assert_eq!(after.len(), 1);
    assert_ne!(after[0].base.id, before[0].base.id);
    assert_eq!(after[0].base.id, created.method.base.id);
}

#[tokio::test]
async fn a_start_in_chicago_or_tokyo_local_time_reaches_graph_as_utc() {
    let w = world().await;
    let now = jiff::Timestamp::now();
    let next_year = now.to_zoned_datetime(TimeZone::UTC).year() + 1;
    for (zone, expected) in [("America/Chicago", "15:00:00Z"), ("Asia/Tokyo", "00:00:00Z")] {
        let tz = TimeZone::get(zone).unwrap();
        let start = parse_start(&format!("{next_year}-01-11 09:00"), now, &tz).unwrap();
        let body =
            TapCreateRequest { start_date_time: start, lifetime_in_minutes: Some(60), is_usable_once: Some(true) };
        let created = w.client.create_tap(demo::AVERY_QUINN_ID, &body).await.unwrap();
        let echoed = created.method.start_date_time.unwrap().to_string();
        assert!(echoed.ends_with(expected), "{zone}: {echoed}");
        assert_eq!(created.method.method_usability_reason.as_deref(), Some("NotYetValid"));
        // The request on the wire carried the UTC instant with Z.
        let log = w.sim.control().requests();
        let sent = log.iter().rev().find(|r| r.method == "POST").unwrap();
        let body = &sent.body;
        assert!(body.contains(&format!("\"startDateTime\":\"{next_year}-01-11T{expected}\"")), "{body}");
    }
}

#[tokio::test]
async fn lifetime_outside_policy_and_multi_use_under_one_time_policy_are_refused() {
    let w = world().await;
    let e = w
        .client
        .create_tap(demo::AVERY_QUINN_ID, &TapCreateRequest { lifetime_in_minutes: Some(30), ..Default::default() })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("The valid range between 60 and 480"), "{e}");
    let mut p = w.sim.control().tap_policy();
    p.is_usable_once = true;
    w.sim.control().set_tap_policy(p);
    let e = w
        .client
        .create_tap(demo::AVERY_QUINN_ID, &TapCreateRequest { is_usable_once: Some(false), ..Default::default() })
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400), "{e}");
}
