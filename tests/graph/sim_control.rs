//! Simulator P2 behaviour over real HTTP: fault injection (429/503/504, latency, dropped
//! connections), the request log, the clock, manager / transitiveMemberOf / revoke, TAP policy
//! PATCH, the default-method delete rule, operator role and target rules, phone masking, and the
//! JSON fixture format.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::sim as sim_support;

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use serde_json::json;
use sim_support::{Sim, assert_graph_error, example};
use tapdesk_sim::tenant::SimSettings;
use tapdesk_sim::{Fault, FaultRule, Tenant, demo};

fn tap_path(user: &str) -> String {
    format!("/users/{user}/authentication/temporaryAccessPassMethods")
}

const POLICY: &str = "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass";

#[tokio::test]
async fn throttling_unavailable_and_timeouts_are_injected_per_route() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    let ex = example("error-throttled-429.json");
    for retry in [Some("3"), Some("2.128"), None] {
        ctl.inject(
            FaultRule::new(Some(Method::GET), "/v1.0/users", Fault::Throttle { retry_after: retry.map(Into::into) })
                .times(1),
        );
        let a = sim.get("/users?$top=1").await;
        assert_eq!(a.status, 429);
        assert_eq!(a.header("retry-after"), retry);
        assert_eq!(a.body["error"]["code"], ex["error"]["code"]);
        let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&a.body["error"]["innerError"]), keys(&ex["error"]["innerError"]));
        assert_eq!(a.body["error"]["innerError"]["status"], "429");
        assert_eq!(a.body["error"]["innerError"]["request-id"].as_str(), a.header("request-id"));
        // times(1): the next request passes.
        assert_eq!(sim.get("/users?$top=1").await.status, 200);
    }
    // A POST-only rule leaves GETs alone; matched by route pattern.
    ctl.inject(FaultRule::new(Some(Method::POST), "/v1.0/users/{id}/authentication/{kind}", Fault::GatewayTimeout));
    assert_eq!(sim.get(&tap_path(demo::AVERY_QUINN_ID)).await.status, 200);
    let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({})).await;
    assert_eq!(a.status, 504);
    assert_eq!(a.body["error"]["code"], "GatewayTimeout");
    ctl.clear_faults();
    ctl.inject(FaultRule::new(None, "/manager", Fault::Unavailable { retry_after: Some("7".into()) }).times(2));
    for _ in 0..2 {
        let a = sim.get(&format!("/users/{}/manager", demo::AVERY_QUINN_ID)).await;
        assert_eq!((a.status.as_u16(), a.header("retry-after")), (503, Some("7")));
        assert_eq!(a.body["error"]["code"], "serviceNotAvailable");
    }
    assert_eq!(sim.get(&format!("/users/{}/manager", demo::AVERY_QUINN_ID)).await.status, 200);
    ctl.inject(FaultRule::new(None, "/me", Fault::Latency(Duration::from_millis(300))).times(1));
    let t = Instant::now();
    assert_eq!(sim.get("/me").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn dropped_connection_after_commit_still_creates_the_tap() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    ctl.inject(FaultRule::new(Some(Method::POST), "/temporaryAccessPassMethods", Fault::DropAfterCommit).times(1));
    let err = sim
        .http
        .post(sim.url(&tap_path(demo::AVERY_QUINN_ID)))
        .bearer_auth(&sim.token)
        .json(&json!({"lifetimeInMinutes": 120}))
        .send()
        .await
        .expect_err("the connection is closed without an answer");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    let items = list.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1, "the create was committed");
    assert_eq!(items[0]["lifetimeInMinutes"], 120);
    assert!(items[0]["temporaryAccessPass"].is_null());

    ctl.inject(FaultRule::new(Some(Method::DELETE), "/temporaryAccessPassMethods", Fault::DropBeforeCommit).times(1));
    let id = items[0]["id"].as_str().unwrap();
    let path = format!("{}/{id}", tap_path(demo::AVERY_QUINN_ID));
    assert!(sim.http.delete(sim.url(&path)).bearer_auth(&sim.token).send().await.is_err());
    assert_eq!(sim.get(&tap_path(demo::AVERY_QUINN_ID)).await.body["value"].as_array().unwrap().len(), 1);
    assert_eq!(sim.delete(&path).await.status, 204);
}

#[tokio::test]
async fn request_log_records_method_path_query_headers_body_and_status() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    ctl.clear_requests();
    sim.get_eventual("/users?$search=%22displayName:avery%22&$top=5").await;
    sim.post(&tap_path(demo::BO_LINDQVIST_ID), json!({"isUsableOnce": true})).await;
    let log = ctl.requests();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].method.as_str(), log[0].path.as_str()), ("GET", "/v1.0/users"));
    assert_eq!(log[0].query.as_deref(), Some("$search=%22displayName:avery%22&$top=5"));
    assert_eq!(log[0].header("ConsistencyLevel"), Some("eventual"));
    assert_eq!(log[0].header("authorization"), Some(format!("Bearer {}", sim.token).as_str()));
    assert_eq!(log[0].status, 200);
    assert_eq!(log[1].method, "POST");
    assert_eq!(log[1].body, r#"{"isUsableOnce":true}"#);
    assert_eq!(log[1].status, 201);
    assert_eq!(log[1].seq, log[0].seq + 1);
}

#[tokio::test]
async fn clock_drives_dates_and_tap_validity() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    let t: Timestamp = "2027-03-01T10:00:00Z".parse().unwrap();
    ctl.freeze(Some(t));
    let a = sim.get("/users/nobody").await;
    assert_eq!(a.header("date"), Some("Mon, 01 Mar 2027 10:00:00 GMT"));
    assert_eq!(a.body["error"]["innerError"]["date"], "2027-03-01T10:00:00");
    let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({"startDateTime": "2027-03-01T11:00:00Z"})).await;
    assert_eq!(a.body["createdDateTime"], "2027-03-01T10:00:00.000000Z");
    assert_eq!(a.body["methodUsabilityReason"], "NotYetValid");
    ctl.advance(SignedDuration::from_mins(61));
    assert_eq!(ctl.now(), "2027-03-01T11:01:00Z".parse::<Timestamp>().unwrap());
    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    assert_eq!(list.body["value"][0]["methodUsabilityReason"], "EnabledByPolicy");
    assert_eq!(list.body["value"][0]["createdDateTime"], "2027-03-01T10:00:00.0000000Z");
    ctl.set_now("2027-03-01T12:00:00Z".parse().unwrap());
    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    assert_eq!(list.body["value"][0]["methodUsabilityReason"], "Expired");
    ctl.freeze(None);
    assert!(ctl.now() >= "2027-03-01T12:00:00Z".parse::<Timestamp>().unwrap());
}

#[tokio::test]
async fn manager_member_of_and_revoke() {
    let sim = Sim::start().await;
    let a = sim.get(&format!("/users/{}/manager", demo::AVERY_QUINN_ID)).await;
    assert_eq!(a.body["id"], demo::PRIYA_RAMAN_ID);
    assert_eq!(a.body["@odata.type"], "#microsoft.graph.user");
    let a = sim.get(&format!("/users/{}/manager", demo::BO_LINDQVIST_ID)).await;
    assert_graph_error(
        &a,
        404,
        "Request_ResourceNotFound",
        "Resource 'manager' does not exist or one of its queried reference-property objects are not present.",
    );

    let a = sim.get(&format!("/users/{}/transitiveMemberOf", demo::SIOBHAN_OBRIEN_ID)).await;
    let names: Vec<&str> =
        a.body["value"].as_array().unwrap().iter().map(|g| g["displayName"].as_str().unwrap()).collect();
    assert_eq!(names, ["Field Engineers", "TAP-Users"]);
    let a = sim.get("/me/transitiveMemberOf").await;
    let v = a.body["value"].as_array().unwrap();
    let roles: Vec<&str> = v
        .iter()
        .filter(|o| o["@odata.type"] == "#microsoft.graph.directoryRole")
        .map(|r| r["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["Authentication Administrator", "Global Reader"]);
    assert!(v.iter().any(|g| g["displayName"] == "Helpdesk Tier 1"));

    let path = format!("/users/{}/revokeSignInSessions", demo::AVERY_QUINN_ID);
    let a = sim.post(&path, json!({})).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["value"], true);
    assert_eq!(a.body["@odata.context"], format!("{}/$metadata#Edm.Boolean", sim.base));
    let sel = sim.get(&format!("/users/{}?$select=signInSessionsValidFromDateTime", demo::AVERY_QUINN_ID)).await;
    let when: Timestamp = sel.body["signInSessionsValidFromDateTime"].as_str().unwrap().parse().unwrap();
    assert!((Timestamp::now().as_second() - when.as_second()).abs() < 60);
    sim.handle.control().set_settings(SimSettings { revoke_returns_no_content: true, ..SimSettings::default() });
    let a = sim.post(&path, json!({})).await;
    assert_eq!(a.status, 204);
    let a = sim.post(&format!("/users/{}/revokeSignInSessions", demo::PRIYA_RAMAN_ID), json!({})).await;
    assert_graph_error(&a, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
}

#[tokio::test]
async fn policy_patch_validates_and_applies_at_once() {
    let sim = Sim::start().await;
    let admin = sim.handle.mint_token_for(demo::PRIYA_RAMAN_ID);
    let patch = |body: serde_json::Value| sim.send(sim.http.patch(sim.url(POLICY)).bearer_auth(&admin).json(&body));
    let ty = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration";
    let a = patch(json!({"minimumLifetimeInMinutes": 30})).await;
    assert_eq!((a.status.as_u16(), a.body["error"]["code"].as_str()), (400, Some("badRequest")));
    for bad in [
        json!({"@odata.type": ty, "minimumLifetimeInMinutes": 5}),
        json!({"@odata.type": ty, "maximumLifetimeInMinutes": 43_201}),
        json!({"@odata.type": ty, "defaultLength": 7}),
        json!({"@odata.type": ty, "defaultLength": 49}),
        json!({"@odata.type": ty, "defaultLifetimeInMinutes": 500}),
        json!({"@odata.type": ty, "minimumLifetimeInMinutes": 400, "maximumLifetimeInMinutes": 300}),
        json!({"@odata.type": ty, "state": "sometimes"}),
    ] {
        let a = patch(bad.clone()).await;
        assert_eq!(a.status, 400, "{bad} -> {}", a.body);
        assert_eq!(a.body["error"]["code"], "badRequest");
    }
    let a = patch(json!({"@odata.type": ty, "minimumLifetimeInMinutes": 30, "defaultLength": 10})).await;
    assert_eq!(a.status, 204);
    assert!(a.raw.is_empty());
    let p = sim.get(POLICY).await;
    assert_eq!((p.body["minimumLifetimeInMinutes"].as_u64(), p.body["defaultLength"].as_u64()), (Some(30), Some(10)));
    let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({"lifetimeInMinutes": 30})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["temporaryAccessPass"].as_str().unwrap().len(), 10);
    // Dana (Authentication Administrator + Global Reader) may read but not change the policy.
    let a = sim.patch(POLICY, json!({"@odata.type": ty, "isUsableOnce": true})).await;
    assert_eq!(a.status, 403);
    // A user without a reader role cannot even read it.
    let bo = sim.handle.mint_token_for(demo::BO_LINDQVIST_ID);
    let a = sim.send(sim.http.get(sim.url(POLICY)).bearer_auth(&bo)).await;
    assert_graph_error(&a, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
}

#[tokio::test]
async fn default_method_cannot_be_deleted_while_others_remain() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    let auth = format!(
        "/users/{}/authentication/microsoftAuthenticatorMethods/{}",
        demo::AVERY_QUINN_ID,
        demo::AVERY_AUTHENTICATOR_ID
    );
    let msg =
        "Cannot delete default method with other methods configured. Please change default method before deletion.";
    assert_graph_error(&sim.delete(&auth).await, 400, "badRequest", msg);
    assert_eq!(sim.delete(&auth).await.body["error"]["innerError"]["message"], msg);
    // FIDO2 is never blocked; with the password not counting, the authenticator is then alone.
    let fido = percent_encoding::utf8_percent_encode(demo::AVERY_FIDO2_ID, percent_encoding::NON_ALPHANUMERIC);
    assert_eq!(
        sim.delete(&format!("/users/{}/authentication/fido2Methods/{fido}", demo::AVERY_QUINN_ID)).await.status,
        204
    );
    assert_eq!(sim.delete(&auth).await.status, 400, "the password counts by default");
    ctl.set_settings(SimSettings { password_counts_as_other_method: false, ..SimSettings::default() });
    assert_eq!(sim.delete(&auth).await.status, 204);
    let left = sim.get(&format!("/users/{}/authentication/methods", demo::AVERY_QUINN_ID)).await;
    assert_eq!(left.body["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn operator_roles_and_targets() {
    let sim = Sim::start().await;
    let denied = |a: &sim_support::Answer| {
        assert_graph_error(a, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    };
    // Dana (Authentication Administrator): not on a Global Administrator, not on herself.
    denied(&sim.post(&tap_path(demo::PRIYA_RAMAN_ID), json!({})).await);
    denied(
        &sim.delete(&format!("/users/{}/authentication/fido2Methods/_Pr1yaK3y-GA_0001", demo::PRIYA_RAMAN_ID)).await,
    );
    denied(&sim.post(&tap_path(demo::DANA_OKAFOR_ID), json!({})).await);
    denied(&sim.post("/me/authentication/temporaryAccessPassMethods", json!({})).await);
    // Holders of Helpdesk Administrator through a role-assignable group are privileged too.
    let helpdesk_admin = sim
        .handle
        .control()
        .with_tenant(|t| t.groups.iter().find(|g| g.id == demo::IDENTITY_ADMINS_GROUP_ID).unwrap().members[0].clone());
    denied(&sim.post(&tap_path(&helpdesk_admin), json!({})).await);
    // Reading a privileged user's methods is fine.
    assert_eq!(sim.get(&format!("/users/{}/authentication/methods", demo::PRIYA_RAMAN_ID)).await.status, 200);

    // Lee (Privileged Authentication Administrator, via the second demo client) may.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", demo::PAA_CLIENT_ID),
        ("client_secret", demo::CLIENT_SECRET),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let tok = sim.send(sim.http.post(sim.handle.token_url()).form(&form)).await;
    let lee = tok.body["access_token"].as_str().unwrap().to_owned();
    let me = sim.send(sim.http.get(sim.url("/me")).bearer_auth(&lee)).await;
    assert_eq!(me.body["id"], demo::LEE_PARK_ID);
    let a = sim.send(sim.http.post(sim.url(&tap_path(demo::PRIYA_RAMAN_ID))).bearer_auth(&lee).json(&json!({}))).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let a = sim.send(sim.http.post(sim.url(&tap_path(demo::LEE_PARK_ID))).bearer_auth(&lee).json(&json!({}))).await;
    assert_eq!(a.status, 403, "nobody issues a TAP for themselves");
    // A user without admin roles cannot read someone else's methods.
    let bo = sim.handle.mint_token_for(demo::BO_LINDQVIST_ID);
    let a = sim
        .send(
            sim.http.get(sim.url(&format!("/users/{}/authentication/methods", demo::AVERY_QUINN_ID))).bearer_auth(&bo),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = sim.send(sim.http.get(sim.url("/me/authentication/methods")).bearer_auth(&bo)).await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn phone_numbers_are_masked_for_an_authentication_administrator() {
    let sim = Sim::start().await;
    let path = format!("/users/{}/authentication/phoneMethods", demo::SIOBHAN_OBRIEN_ID);
    let a = sim.get(&path).await;
    assert_eq!(a.body["value"][0]["phoneNumber"], "+353 XXXXXXX42");
    let lee = sim.handle.mint_token_for(demo::LEE_PARK_ID);
    let a = sim.send(sim.http.get(sim.url(&path)).bearer_auth(&lee)).await;
    assert_eq!(a.body["value"][0]["phoneNumber"], "+353 855550142");
}

#[tokio::test]
async fn tenant_fixture_round_trips_through_json() {
    let t = Tenant::demo_at(50, "2026-01-01T00:00:00Z".parse().unwrap());
    let path = std::env::temp_dir().join(format!("tapdesk-sim-fixture-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(&t).unwrap()).unwrap();
    let back = Tenant::from_json_file(&path).unwrap();
    assert_eq!(back, t);
    std::fs::write(&path, r#"{"tenantId":"x","domain":"d.example","operatorId":"nobody","tapPolicy":{"state":"enabled","defaultLifetimeInMinutes":60,"defaultLength":8,"minimumLifetimeInMinutes":60,"maximumLifetimeInMinutes":480,"isUsableOnce":false}}"#).unwrap();
    let err = Tenant::from_json_file(&path).unwrap_err();
    assert!(format!("{err:#}").contains("operatorId"), "{err:#}");
    std::fs::remove_file(&path).unwrap();
    // A minimal hand-written fixture works end to end.
    let fixture = json!({
        "tenantId": "00000000-0000-4000-8000-0000000000aa", "domain": "tiny.example", "operatorId": "op",
        "clients": [{"clientId": "c", "clientSecret": "s"}],
        "users": [
            {"id": "op", "displayName": "Op Erator", "userPrincipalName": "op@tiny.example"},
            {"id": "u1", "displayName": "Uma One", "userPrincipalName": "uma@tiny.example",
             "methods": [{"type": "fido2", "id": "-k+/=", "displayName": "Key"}, {"type": "password", "id": "28c10230-6103-485e-b985-444c60001490"}]}
        ],
        "roles": [{"id": "r", "roleTemplateId": "c4e39bd9-1100-46d3-8c65-fb160da0071f", "displayName": "Authentication Administrator", "members": ["op"]}],
        "tapPolicy": {"state": "enabled", "defaultLifetimeInMinutes": 60, "defaultLength": 8, "minimumLifetimeInMinutes": 60,
                      "maximumLifetimeInMinutes": 480, "isUsableOnce": false, "includeTargets": [{"targetType": "group", "id": "all_users"}]}
    });
    let tenant: Tenant = serde_json::from_value(fixture).unwrap();
    let sim = Sim::with_tenant(tenant).await;
    let a = sim.get("/users/uma@tiny.example/authentication/methods").await;
    assert_eq!(a.body["value"][0]["id"], "-k+/=");
    let a = sim.post("/users/u1/authentication/temporaryAccessPassMethods", json!({})).await;
    assert_eq!((a.status.as_u16(), a.body["methodUsabilityReason"].as_str()), (201, Some("EnabledByPolicy")));
}

/// `lastUsedDateTime` on methods: the demo's named keys carry one relative to the start
/// (Priya's "lost" key 12 minutes before), and acting as the user signing in with a method
/// (`SimControl::sign_in_with`) sets it to the simulator's clock; tapdesk's types read it back.
#[tokio::test]
async fn methods_carry_last_used_date_time_and_a_sign_in_moves_it() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    let methods = |body: &serde_json::Value| -> Vec<tapdesk_graph::types::AuthMethod> {
        serde_json::from_value(body["value"].clone()).unwrap()
    };
    let last_used = |ms: &[tapdesk_graph::types::AuthMethod], id: &str| {
        ms.iter().find(|m| m.id() == id).and_then(|m| m.last_used())
    };
    let priya = sim.get(&format!("/users/{}/authentication/methods", demo::PRIYA_RAMAN_ID)).await;
    assert_eq!(priya.status, 200, "{}", priya.body);
    let used = last_used(&methods(&priya.body), demo::PRIYA_FIDO2_ID).expect("Priya's key has a last use");
    let age = ctl.now().duration_since(used);
    assert!(age >= SignedDuration::from_mins(11) && age <= SignedDuration::from_mins(14), "{age:?}");
    // Graph's spelling and shape: an RFC 3339 UTC string on the method object.
    let raw = priya.body["value"].as_array().unwrap().iter().find(|m| m["id"] == demo::PRIYA_FIDO2_ID).unwrap().clone();
    assert!(raw["lastUsedDateTime"].as_str().unwrap().ends_with('Z'), "{raw}");

    let at: Timestamp = "2026-12-04T14:07:00Z".parse().unwrap();
    ctl.set_now(at);
    assert!(ctl.sign_in_with(demo::AVERY_QUINN_ID, demo::AVERY_FIDO2_ID));
    let avery = sim.get(&format!("/users/{}/authentication/methods", demo::AVERY_QUINN_ID)).await;
    assert_eq!(last_used(&methods(&avery.body), demo::AVERY_FIDO2_ID), Some(at));
    let fido = sim.get(&format!("/users/{}/authentication/fido2Methods", demo::AVERY_QUINN_ID)).await;
    assert_eq!(last_used(&methods(&fido.body), demo::AVERY_FIDO2_ID), Some(at));
    assert!(!ctl.sign_in_with(demo::AVERY_QUINN_ID, "no-such-method"));
    assert!(!ctl.sign_in_with("no-such-user", demo::AVERY_FIDO2_ID));
}

/// Acting as the user over HTTP (`/simulator/users/...`, no bearer token: the user's own browser),
/// as a demo operator does from another terminal: register a FIDO2 key, sign in with it, use a
/// one-time pass; Graph's lists then show it, and mistakes get Graph's error body.
#[tokio::test]
async fn acting_as_the_user_over_http_changes_what_graph_lists() {
    let sim = Sim::start().await;
    let http = reqwest::Client::new();
    let act = |path: &str| format!("{}/simulator/users/avery.quinn@contoso.example/{path}", sim.handle.authority());
    let r = http.post(act("fido2Methods")).json(&json!({"displayName": "YubiKey 5C"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let key: serde_json::Value = r.json().await.unwrap();
    let id = key["id"].as_str().unwrap().to_owned();
    let list = sim.get(&format!("/users/{}/authentication/fido2Methods", demo::AVERY_QUINN_ID)).await;
    let new = list.body["value"].as_array().unwrap().iter().find(|m| m["id"] == id.as_str()).unwrap().clone();
    assert_eq!(new["displayName"], "YubiKey 5C");
    assert_eq!(new["@odata.type"], "#microsoft.graph.fido2AuthenticationMethod");
    assert_eq!(
        new["createdDateTime"].as_str().unwrap().parse::<Timestamp>().ok().map(|t| t.as_second()),
        Some(sim.handle.control().now().as_second())
    );

    let r = http.post(act("signIns")).json(&json!({"methodId": id})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let list = sim.get(&format!("/users/{}/authentication/methods", demo::AVERY_QUINN_ID)).await;
    let new = list.body["value"].as_array().unwrap().iter().find(|m| m["id"] == id.as_str()).unwrap().clone();
    assert!(new["lastUsedDateTime"].is_string(), "{new}");

    // A one-time pass, then used.
    let tap = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({"isUsableOnce": true})).await;
    assert_eq!(tap.status, 201);
    assert_eq!(http.post(act("useTemporaryAccessPass")).send().await.unwrap().status(), 200);
    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    assert_eq!(list.body["value"][0]["methodUsabilityReason"], "OneTimeUsed");

    // Mistakes: Graph's error body, saying what is wrong.
    let r = http
        .post(format!("{}/simulator/users/nobody@contoso.example/fido2Methods", sim.handle.authority()))
        .json(&json!({"displayName": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
    let r = http.post(act("fido2Methods")).json(&json!({"name": "x"})).send().await.unwrap();
    assert_eq!(r.status().as_u16() / 100, 4, "an unknown key is refused");
    let r = http.post(act("signIns")).json(&json!({"methodId": "no-such"})).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["message"], "The user has no method with that methodId.");
}
