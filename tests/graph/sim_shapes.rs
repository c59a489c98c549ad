//! Shape test: for each route, the simulator's JSON has the keys and JSON types of the matching
//! real payload in `shared/graph/examples/`, allowing only the documented quirks (README of that
//! folder): `value` wrappers and `creationDateTime` in doc samples, shortened doc lists, the
//! beta `includeTargets@odata.context` artefact, and missing `@odata.context` in doc samples.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::sim as sim_support;

use std::collections::BTreeSet;

use serde_json::{Value, json};
use sim_support::{Answer, Sim, example};
use tapdesk_sim::{Fault, FaultRule, demo};

/// Undoes the documentation artefacts of an example: the `{"value": {...}}` wrapper around one
/// entity, `creationDateTime`, and the beta context annotation.
fn fix_doc_quirks(mut v: Value) -> Value {
    if let Value::Object(m) = &v
        && m.len() == 1
        && m.get("value").is_some_and(Value::is_object)
    {
        v = m["value"].clone();
    }
    if let Value::Object(m) = &mut v {
        if let Some(c) = m.remove("creationDateTime") {
            m.insert("createdDateTime".into(), c);
        }
        m.remove("includeTargets@odata.context");
    }
    v
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compares keys and JSON types. `extra` lists keys the simulator may add (e.g. `@odata.context`
/// the doc sample omits); with `subset` the example's keys only need to be present (doc
/// shortened the object). `null` on either side matches any type (an unset property).
fn assert_shape(actual: &Value, expected: &Value, extra: &[&str], subset: bool, at: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let ak: BTreeSet<&str> = a.keys().map(String::as_str).collect();
            let ek: BTreeSet<&str> = e.keys().map(String::as_str).collect();
            let missing: Vec<_> = ek.difference(&ak).collect();
            assert!(missing.is_empty(), "{at}: missing keys {missing:?}; got {actual}");
            if !subset {
                let unexpected: Vec<_> = ak.difference(&ek).filter(|k| !extra.contains(k)).collect();
                assert!(unexpected.is_empty(), "{at}: unexpected keys {unexpected:?}; got {actual}");
            }
            for k in ek {
                assert_shape(&a[k], &e[k], &[], subset, &format!("{at}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if let (Some(a0), Some(e0)) = (a.first(), e.first()) {
                assert_shape(a0, e0, extra, subset, &format!("{at}[0]"));
            }
        }
        (a, e) if a.is_null() || e.is_null() => {}
        (a, e) => assert_eq!(kind(a), kind(e), "{at}: type differs: {a} vs {e}"),
    }
}

fn ok(a: &Answer) -> &Value {
    assert!(a.status.is_success(), "status {}: {}", a.status, a.body);
    &a.body
}

const CTX: &[&str] = &["@odata.context"];
const CTX_TYPE: &[&str] = &["@odata.context", "@odata.type"];

#[tokio::test]
async fn users_shapes() {
    let sim = Sim::start().await;
    let list = sim.get("/users?$top=2").await;
    assert_shape(ok(&list), &example("users-list.response.json"), &["@odata.nextLink"], false, "users");

    let one = sim.get(&format!("/users/{}", demo::AVERY_QUINN_ID)).await;
    assert_shape(ok(&one), &example("user-get.response.json"), CTX, false, "user");

    let sel =
        sim.get(&format!("/users/{}?$select=displayName,givenName,postalCode,identities", demo::AVERY_QUINN_ID)).await;
    assert_shape(ok(&sel), &example("user-get-select.response.json"), &[], false, "user $select");

    let ex = example("users-search.response.json");
    let search = sim.get_eventual("/users?$search=%22displayName:avery%22&$orderby=displayName&$count=true").await;
    assert_shape(&ok(&search)["value"], &ex["value"], &[], true, "search items");
    let envelope = |v: &Value| json!({"@odata.context": v["@odata.context"], "@odata.count": v["@odata.count"]});
    assert_shape(&envelope(&search.body), &envelope(&ex), &[], false, "search envelope");

    let ex = example("users-guest-ext-filter.response.json");
    let guests = sim
        .get_eventual("/users?$select=id,displayName,mail,identities&$filter=endsWith(userPrincipalName,'%23EXT%23@contoso.example')&$count=true")
        .await;
    assert_shape(ok(&guests), &ex, &["@odata.nextLink"], false, "guest filter");
    assert_eq!(guests.body["@odata.context"], format!("{}/$metadata#users(id,displayName,mail,identities)", sim.base));

    let mgr = sim.get(&format!("/users/{}/manager", demo::AVERY_QUINN_ID)).await;
    assert_shape(ok(&mgr), &example("user-manager.response.json"), &[], true, "manager");

    let revoke = sim.post(&format!("/users/{}/revokeSignInSessions", demo::AVERY_QUINN_ID), json!({})).await;
    assert_shape(ok(&revoke), &example("revoke-sign-in-sessions.response.json"), &[], false, "revoke");
}

#[tokio::test]
async fn method_shapes() {
    let sim = Sim::start().await;
    let renee = format!("/users/{}/authentication", demo::RENEE_LEFEVRE_ID);
    let list = sim.get(&format!("{renee}/methods")).await;
    let ex = example("auth-methods-list-tutorial.response.json");
    let envelope = |v: &Value| {
        let mut m = v.as_object().unwrap().clone();
        m.remove("value");
        Value::Object(m)
    };
    assert_shape(&envelope(ok(&list)), &envelope(&ex), &[], false, "methods envelope");
    // Every example item has a simulator item of the same @odata.type and phoneType with its shape.
    for item in ex["value"].as_array().unwrap() {
        let found = list.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["@odata.type"] == item["@odata.type"] && m.get("phoneType") == item.get("phoneType"))
            .unwrap_or_else(|| panic!("no {} in {}", item["@odata.type"], list.body));
        assert_shape(found, item, &[], false, "methods item");
    }
    let ex = fix_doc_quirks(example("auth-methods-list.response.json")["value"][1].clone());
    let whfb = list.body["value"].as_array().unwrap().iter().find(|m| m["@odata.type"] == ex["@odata.type"]).unwrap();
    assert_shape(whfb, &ex, &[], false, "whfb in list");

    let cases: [(&str, String, &[&str]); 7] = [
        ("phone-get.response.json", format!("{renee}/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7"), CTX),
        ("email-get.response.json", format!("{renee}/emailMethods/3ddfcfc8-9383-446f-83cc-3ab9be4be18f"), CTX_TYPE),
        (
            "password-get.response.json",
            format!("{renee}/passwordMethods/28c10230-6103-485e-b985-444c60001490"),
            CTX_TYPE,
        ),
        (
            "software-oath-get.response.json",
            format!("{renee}/softwareOathMethods/b172893e-893e-b172-3e89-72b13e8972b1"),
            &["@odata.context", "createdDateTime"],
        ),
        (
            "windows-hello-get.response.json",
            format!("{renee}/windowsHelloForBusinessMethods/_jpuR-TGZtk6aQCLF3BQjA2"),
            CTX,
        ),
        (
            "platform-credential-get.response.json",
            format!("{renee}/platformCredentialMethods/R18B3t8Ogh9XIOGmPt81d6p_KXJs1YTxfGgGqeVFJSM1"),
            CTX,
        ),
        (
            "microsoft-authenticator-get.response.json",
            format!(
                "/users/{}/authentication/microsoftAuthenticatorMethods/{}",
                demo::AVERY_QUINN_ID,
                demo::AVERY_AUTHENTICATOR_ID
            ),
            // `lastUsedDateTime` is inherited from authenticationMethod on the 2025-26 resource
            // pages; the 2020 sample predates it.
            &["@odata.context", "lastUsedDateTime"],
        ),
    ];
    for (file, path, extra) in cases {
        let a = sim.get(&path).await;
        assert_shape(ok(&a), &fix_doc_quirks(example(file)), extra, false, file);
    }
    let fido = percent_encoding::utf8_percent_encode(demo::AVERY_FIDO2_ID, percent_encoding::NON_ALPHANUMERIC);
    let a = sim.get(&format!("/users/{}/authentication/fido2Methods/{fido}", demo::AVERY_QUINN_ID)).await;
    // passkeyType and lastUsedDateTime (on the 2026 fido2 resource page) are newer than the doc sample.
    assert_shape(
        ok(&a),
        &fix_doc_quirks(example("fido2-get.response.json")),
        &["@odata.context", "@odata.type", "passkeyType", "lastUsedDateTime"],
        false,
        "fido2",
    );
}

#[tokio::test]
async fn tap_and_policy_shapes() {
    let sim = Sim::start().await;
    let path = format!("/users/{}/authentication/temporaryAccessPassMethods", demo::AVERY_QUINN_ID);
    let created = sim.post(&path, example("tap-create.request.json")).await;
    assert_eq!(created.status, 201);
    assert_shape(&created.body, &example("tap-create.response.json"), CTX, false, "tap create");
    let id = created.body["id"].as_str().unwrap();
    let one = sim.get(&format!("{path}/{id}")).await;
    assert_shape(ok(&one), &example("tap-get.response.json"), CTX, false, "tap get");
    let list = sim.get(&path).await;
    assert_shape(ok(&list), &example("tap-list.response.json"), &[], false, "tap list");

    let policy =
        sim.get("/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass").await;
    assert_shape(ok(&policy), &fix_doc_quirks(example("tap-policy-get.response.json")), &[], false, "tap policy");
    // Only a Global Administrator / Authentication Policy Administrator may PATCH.
    let url = sim.url("/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/temporaryAccessPass");
    let admin = sim.handle.mint_token_for(demo::PRIYA_RAMAN_ID);
    let body = example("tap-policy-update.request.json");
    let patch = sim.send(sim.http.patch(&url).bearer_auth(admin).json(&body)).await;
    assert_eq!(patch.status, 204, "{}", patch.body);
}

#[tokio::test]
async fn error_shapes() {
    let sim = Sim::start().await;
    let check = |a: &Answer, file: &str, status: u16| {
        assert_eq!(a.status.as_u16(), status, "{file}: {}", a.body);
        let ex = example(file);
        assert_shape(&a.body, &ex, &[], false, file);
        assert_eq!(a.body["error"]["code"], ex["error"]["code"], "{file}");
    };
    check(&sim.get("/users?$search=%22displayName:a%22").await, "error-search-missing-consistencylevel.json", 400);
    check(&sim.get("/users/$count").await, "error-count-missing-consistencylevel.json", 400);
    check(&sim.get("/users?$filter=endswith(mail,'x')").await, "error-endswith-missing-advanced-params.json", 400);
    let tap = format!("/users/{}/authentication/temporaryAccessPassMethods", demo::AVERY_QUINN_ID);
    check(&sim.post(&tap, json!({"lifetimeInMinutes": 9999})).await, "error-tap-lifetime-out-of-range.json", 400);
    let default = format!(
        "/users/{}/authentication/microsoftAuthenticatorMethods/{}",
        demo::AVERY_QUINN_ID,
        demo::AVERY_AUTHENTICATOR_ID
    );
    let a = sim.delete(&default).await;
    check(&a, "error-delete-default-method.json", 400);
    assert_eq!(a.body["error"]["message"], example("error-delete-default-method.json")["error"]["message"]);
    let a = sim
        .post(&format!("/users/{}/authentication/temporaryAccessPassMethods", demo::PRIYA_RAMAN_ID), json!({}))
        .await;
    check(&a, "error-authorization-requestdenied.json", 403);
    sim.handle
        .control()
        .inject(FaultRule::new(None, "/users", Fault::Throttle { retry_after: Some("2.128".into()) }).times(1));
    let a = sim.get("/users?$top=1").await;
    check(&a, "error-throttled-429.json", 429);
    assert_eq!(a.body["error"]["message"], "Please retry again later.");
    assert_eq!(a.body["error"]["innerError"]["message"], "Please retry after");
    assert_eq!(a.header("retry-after"), Some("2.128"));
}
