//! The Graph simulator over real HTTP, driven by plain reqwest: authentication methods (list,
//! get, delete with encoded ids), Temporary Access Pass rules, and the demo tenant itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::sim as sim_support;

use std::collections::HashSet;

use serde_json::{Value, json};
use sim_support::{Sim, assert_graph_error, example};
use tapdesk_graph::types::{AuthMethod, Page};
use tapdesk_sim::demo;

#[tokio::test]
async fn methods_of_avery() {
    let sim = Sim::start().await;
    let a = sim.get(&format!("/users/{}/authentication/methods", demo::AVERY_QUINN_ID)).await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.body["@odata.context"],
        format!("{}/$metadata#users('{}')/authentication/methods", sim.base, demo::AVERY_QUINN_ID)
    );
    let raw = a.body["value"].as_array().unwrap();
    assert!(raw.iter().all(|m| m["@odata.type"].is_string() && m.get("creationDateTime").is_none()));
    let page: Page<AuthMethod> = serde_json::from_value(a.body.clone()).unwrap();
    assert_eq!(page.value.len(), 3);
    let AuthMethod::Password(p) = &page.value[0] else { panic!("{:?}", page.value[0]) };
    assert_eq!(p.base.id, "28c10230-6103-485e-b985-444c60001490");
    let AuthMethod::MicrosoftAuthenticator(m) = &page.value[1] else { panic!("{:?}", page.value[1]) };
    assert_eq!(m.display_name.as_deref(), Some("Pixel 8"));
    let AuthMethod::Fido2(f) = &page.value[2] else { panic!("{:?}", page.value[2]) };
    assert_eq!(f.display_name.as_deref(), Some("YubiKey 5 NFC"));
    assert_eq!(f.aa_guid.as_deref(), Some("cb69481e-8ff7-4039-93ec-0a2729a154a8"));
    assert_eq!(f.model.as_deref(), Some("YubiKey 5 NFC"));
    assert_eq!(f.base.created_date_time.unwrap().to_string(), "2024-05-01T09:30:00Z");
    assert_eq!(f.base.id, demo::AVERY_FIDO2_ID);

    // Renée has every type plus two the client does not know.
    let a = sim.get("/users/renee.lefevre@contoso.example/authentication/methods").await;
    assert_eq!(
        a.body["@odata.context"],
        format!("{}/$metadata#users('renee.lefevre%40contoso.example')/authentication/methods", sim.base)
    );
    let page: Page<AuthMethod> = serde_json::from_value(a.body).unwrap();
    let unknown: Vec<String> = page
        .value
        .iter()
        .filter_map(|m| match m {
            AuthMethod::Unknown { odata_type, .. } => Some(odata_type.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        unknown,
        ["#microsoft.graph.qrCodePinAuthenticationMethod", "#microsoft.graph.latticeBadgeAuthenticationMethod"]
    );
    assert!(page.value.iter().any(|m| matches!(m, AuthMethod::PlatformCredential(_))));
    assert!(page.value.iter().any(|m| matches!(m, AuthMethod::WindowsHelloForBusiness(_))));
}

#[tokio::test]
async fn fido2_get_and_delete_with_an_encoded_id() {
    let sim = Sim::start().await;
    let id = demo::AVERY_FIDO2_ID;
    assert!(id.starts_with('-') && id.contains('+') && id.contains('/') && id.contains('='));
    let enc = percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string();
    let path = format!("/users/{}/authentication/fido2Methods/{enc}", demo::AVERY_QUINN_ID);
    let a = sim.get(&path).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], id);
    assert!(a.body.get("value").is_none(), "entity at top level");
    assert_eq!(a.body["displayName"], "YubiKey 5 NFC");
    let a = sim.delete(&path).await;
    assert_eq!(a.status, 204);
    assert!(a.raw.is_empty());
    let a = sim.delete(&path).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.body["error"]["code"], "itemNotFound");
    let a = sim.get(&path).await;
    assert_eq!(a.status, 404);
    let a = sim.get(&format!("/users/{}/authentication/fido2Methods", demo::AVERY_QUINN_ID)).await;
    assert_eq!(a.body["value"], json!([]));
    // Passwords cannot be deleted.
    let a = sim
        .delete(&format!(
            "/users/{}/authentication/passwordMethods/28c10230-6103-485e-b985-444c60001490",
            demo::AVERY_QUINN_ID
        ))
        .await;
    assert_eq!(a.status, 405);
}

fn tap_path(user: &str) -> String {
    format!("/users/{user}/authentication/temporaryAccessPassMethods")
}

#[tokio::test]
async fn tap_create_shows_the_pass_once() {
    let sim = Sim::start().await;
    let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let pass = a.body["temporaryAccessPass"].as_str().unwrap().to_owned();
    assert_eq!(pass.chars().count(), 8);
    assert!(pass.chars().any(|c| "+!#%'".contains(c)), "{pass}");
    assert_eq!(a.body["lifetimeInMinutes"], 60);
    assert_eq!(a.body["isUsableOnce"], false);
    assert_eq!(a.body["isUsable"], true);
    assert_eq!(a.body["methodUsabilityReason"], "EnabledByPolicy");
    assert_eq!(a.body["@odata.type"], "#microsoft.graph.temporaryAccessPassAuthenticationMethod");
    let created = a.body["createdDateTime"].as_str().unwrap();
    assert_eq!(created.split('.').nth(1).unwrap().len(), 7, "6 digits + Z: {created}");
    let id = a.body["id"].as_str().unwrap().to_owned();

    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    let items = list.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert!(items[0]["temporaryAccessPass"].is_null() && items[0].get("temporaryAccessPass").is_some());
    assert_eq!(items[0]["createdDateTime"].as_str().unwrap().split('.').nth(1).unwrap().len(), 8, "7 digits + Z");
    let one = sim.get(&format!("{}/{id}", tap_path(demo::AVERY_QUINN_ID))).await;
    assert!(one.body["temporaryAccessPass"].is_null());
    assert_eq!(one.body["isUsable"], true);
    let all = sim.get(&format!("/users/{}/authentication/methods", demo::AVERY_QUINN_ID)).await;
    assert!(!all.raw.windows(pass.len()).any(|w| w == pass.as_bytes()), "pass must never be listed");
    let tap = all.body["value"].as_array().unwrap().iter().find(|m| m["id"] == id.as_str()).unwrap().clone();
    assert!(tap["temporaryAccessPass"].is_null());

    // Future start: echoed normalised, NotYetValid.
    let a = sim
        .post(
            &tap_path(demo::NOOR_HADDAD_ID),
            json!({"startDateTime": "2031-06-05T00:00:00.000Z", "lifetimeInMinutes": 120, "isUsableOnce": true}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["startDateTime"], "2031-06-05T00:00:00Z");
    assert_eq!(a.body["isUsable"], false);
    assert_eq!(a.body["methodUsabilityReason"], "NotYetValid");
    assert_eq!(a.body["isUsableOnce"], true);
}

#[tokio::test]
async fn second_tap_replaces_the_first() {
    let sim = Sim::start().await;
    let before = sim.get(&tap_path(demo::NOOR_HADDAD_ID)).await;
    assert_eq!(before.body["value"][0]["id"], demo::NOOR_TAP_ID);
    assert_eq!(before.body["value"][0]["methodUsabilityReason"], "EnabledByPolicy");
    let first = sim.post(&tap_path(demo::NOOR_HADDAD_ID), json!({"lifetimeInMinutes": 90})).await;
    let second = sim.post(&tap_path(demo::NOOR_HADDAD_ID), json!({})).await;
    let (id1, id2) = (first.body["id"].as_str().unwrap(), second.body["id"].as_str().unwrap());
    assert_ne!(id1, id2);
    assert_ne!(first.body["temporaryAccessPass"], second.body["temporaryAccessPass"]);
    let old = sim.get(&format!("{}/{id1}", tap_path(demo::NOOR_HADDAD_ID))).await;
    assert_eq!(old.status, 404);
    let list = sim.get(&tap_path(demo::NOOR_HADDAD_ID)).await;
    let items = list.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id2);
    let del = sim.delete(&format!("{}/{id2}", tap_path(demo::NOOR_HADDAD_ID))).await;
    assert_eq!(del.status, 204);
    assert_eq!(sim.get(&tap_path(demo::NOOR_HADDAD_ID)).await.body["value"], json!([]));
}

#[tokio::test]
async fn tap_lifetime_outside_policy_is_refused_with_the_real_body() {
    let sim = Sim::start().await;
    let ex = example("error-tap-lifetime-out-of-range.json");
    for lifetime in [30, 481] {
        let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({"lifetimeInMinutes": lifetime})).await;
        assert_graph_error(&a, 400, "badRequest", ex["error"]["message"].as_str().unwrap());
        assert_eq!(a.body["error"]["innerError"]["message"], ex["error"]["innerError"]["message"]);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<HashSet<_>>();
        assert_eq!(keys(&a.body["error"]), keys(&ex["error"]));
        assert_eq!(keys(&a.body["error"]["innerError"]), keys(&ex["error"]["innerError"]));
    }
    assert_eq!(sim.get(&tap_path(demo::AVERY_QUINN_ID)).await.body["value"], json!([]));
}

#[tokio::test]
async fn tap_for_external_guest_is_refused() {
    let sim = Sim::start().await;
    let a = sim.post(&tap_path("kai.meyer_fabrikam.example%23EXT%23@contoso.example"), json!({})).await;
    assert_graph_error(&a, 400, "badRequest", "Temporary Access Pass cannot be added to an external guest user.");
}

#[tokio::test]
async fn tap_usability_follows_clock_policy_and_targets() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    // Bo is outside TAP-Users; Siobhan is inside through the nested Field Engineers group.
    let bo = sim.post(&tap_path(demo::BO_LINDQVIST_ID), json!({})).await;
    assert_eq!((bo.status.as_u16(), bo.body["methodUsabilityReason"].as_str()), (201, Some("DisabledByPolicy")));
    let sio = sim.post(&tap_path(demo::SIOBHAN_OBRIEN_ID), json!({"lifetimeInMinutes": 60})).await;
    assert_eq!(sio.body["methodUsabilityReason"], "EnabledByPolicy");
    ctl.advance(jiff::SignedDuration::from_mins(61));
    let list = sim.get(&tap_path(demo::SIOBHAN_OBRIEN_ID)).await;
    assert_eq!(list.body["value"][0]["methodUsabilityReason"], "Expired");
    assert_eq!(list.body["value"][0]["isUsable"], false);
    // Disabling the policy applies at once.
    let mut p = ctl.tap_policy();
    p.state = "disabled".into();
    ctl.set_tap_policy(p);
    let list = sim.get(&tap_path(demo::NOOR_HADDAD_ID)).await;
    assert_eq!(list.body["value"][0]["methodUsabilityReason"], "DisabledByPolicy");
    // An exclude target wins over the include target (nested groups count here too).
    let mut p = ctl.tap_policy();
    p.state = "enabled".into();
    p.exclude_targets = vec![tapdesk_graph::types::PolicyTarget {
        target_type: "group".into(),
        id: demo::FIELD_ENGINEERS_GROUP_ID.into(),
        is_registration_required: None,
    }];
    ctl.set_tap_policy(p);
    let sio = sim.post(&tap_path(demo::SIOBHAN_OBRIEN_ID), json!({})).await;
    assert_eq!(sio.body["methodUsabilityReason"], "DisabledByPolicy");
    let avery = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({})).await;
    assert_eq!(avery.body["methodUsabilityReason"], "EnabledByPolicy");
    // A one-time pass used once.
    let mut p = ctl.tap_policy();
    p.state = "enabled".into();
    ctl.set_tap_policy(p);
    let once = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({"isUsableOnce": true})).await;
    assert_eq!(once.body["methodUsabilityReason"], "EnabledByPolicy");
    assert!(ctl.use_tap(demo::AVERY_QUINN_ID));
    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    assert_eq!(list.body["value"][0]["methodUsabilityReason"], "OneTimeUsed");
}

#[tokio::test]
async fn tap_policy_get_and_one_time_rule() {
    let sim = Sim::start().await;
    let path = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/temporaryAccessPass";
    let a = sim.get(path).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], "TemporaryAccessPass");
    assert_eq!(a.body["state"], "enabled");
    assert_eq!(
        a.body["includeTargets"],
        json!([{"targetType": "group", "id": demo::TAP_USERS_GROUP_ID, "isRegistrationRequired": false}])
    );
    assert_eq!(
        (a.body["minimumLifetimeInMinutes"].as_u64(), a.body["maximumLifetimeInMinutes"].as_u64()),
        (Some(60), Some(480))
    );
    assert_eq!((a.body["defaultLifetimeInMinutes"].as_u64(), a.body["defaultLength"].as_u64()), (Some(60), Some(8)));
    assert_eq!(a.body["isUsableOnce"], false);
    let policy: tapdesk_graph::types::TapPolicy = serde_json::from_value(a.body).unwrap();
    assert!(policy.is_enabled());

    let ctl = sim.handle.control();
    let mut p = ctl.tap_policy();
    p.is_usable_once = true;
    p.default_length = 12;
    ctl.set_tap_policy(p);
    let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({"isUsableOnce": false})).await;
    assert_eq!((a.status.as_u16(), a.body["error"]["code"].as_str()), (400, Some("badRequest")));
    let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({})).await;
    assert_eq!(a.body["isUsableOnce"], true);
    assert_eq!(a.body["temporaryAccessPass"].as_str().unwrap().chars().count(), 12);
}

#[tokio::test]
async fn demo_tenant_is_deterministic_and_varied() {
    let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let a = tapdesk_sim::Tenant::demo_at(2000, now);
    assert_eq!(a, tapdesk_sim::Tenant::demo_at(2000, now));
    assert_eq!(a.users.len(), 2000);
    let upns: HashSet<&str> = a.users.iter().map(|u| u.user_principal_name.as_str()).collect();
    assert_eq!(upns.len(), 2000, "UPNs are unique");
    assert!(a.users.iter().all(|u| u.user_principal_name.is_ascii()));
    for needle in ["ü", "ễ", "ø", "Ł", "'", "李"] {
        assert!(a.users.iter().any(|u| u.display_name.contains(needle)), "no name with {needle}");
    }
    assert!(upns.iter().any(|u| u.split('@').next().unwrap().ends_with('2')), "duplicate names get a counter");
    let guests = a.users.iter().filter(|u| u.is_external_guest()).count();
    assert!(guests > 10, "{guests}");
    let big = std::time::Instant::now();
    let t = tapdesk_sim::Tenant::demo_at(300_000, now);
    assert_eq!(t.users.len(), 300_000);
    assert!(big.elapsed().as_secs() < 60, "{:?}", big.elapsed());
}
