//! The Graph simulator over real HTTP, driven by plain reqwest: token endpoint and 401s, users
//! (paging, $select, $filter, $search, $count, $top), users by UPN, methods, TAP rules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sim_support;

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::{Value, json};
use sim_support::{Sim, assert_graph_error, example, is_guid};
use tapdesk::graph::types::{AuthMethod, Page, User};
use tapdesk::sim::demo;

#[tokio::test]
async fn token_endpoint_issues_jwt_shaped_tokens() {
    let sim = Sim::start().await;
    let url = sim.handle.token_url();
    assert_eq!(
        url,
        format!(
            "http://{}/{}/oauth2/v2.0/token",
            sim.handle.addr(),
            demo::TENANT_ID
        )
    );
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", demo::CLIENT_ID),
        ("client_secret", demo::CLIENT_SECRET),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let a = sim.send(sim.http.post(&url).form(&form)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3599);
    assert_eq!(a.body["ext_expires_in"], 3599);
    let token = a.body["access_token"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    assert_eq!(payload["tid"], demo::TENANT_ID);
    assert_eq!(payload["oid"], demo::DANA_OKAFOR_ID);
    assert_eq!(payload["upn"], "dana.okafor@contoso.example");
    assert!(
        payload["scp"]
            .as_str()
            .unwrap()
            .contains("UserAuthenticationMethod.ReadWrite.All")
    );
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        3599
    );

    // The issued token works; /me is the operator.
    let me = sim
        .send(sim.http.get(sim.url("/me")).bearer_auth(&token))
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], demo::DANA_OKAFOR_ID);
    assert_eq!(me.body["displayName"], "Dana Okafor");

    // The domain works as the tenant segment too.
    let by_domain = format!(
        "http://{}/contoso.example/oauth2/v2.0/token",
        sim.handle.addr()
    );
    assert_eq!(
        sim.send(sim.http.post(&by_domain).form(&form)).await.status,
        200
    );

    // Wrong secret: the STS error shape with 401.
    let bad = [form[0], form[1], ("client_secret", "nope"), form[3]];
    let a = sim.send(sim.http.post(&url).form(&bad)).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["error"], "invalid_client");
    assert_eq!(a.body["error_codes"], json!([7000215]));
    assert!(
        a.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215: Invalid client secret provided.")
    );
    assert!(
        a.body["trace_id"].is_string()
            && a.body["correlation_id"].is_string()
            && a.body["timestamp"].is_string()
    );

    // Unknown client, unsupported grant, missing scope, unknown tenant.
    let a = sim
        .send(
            sim.http
                .post(&url)
                .form(&[form[0], ("client_id", "who"), form[2], form[3]]),
        )
        .await;
    assert_eq!(
        (a.status.as_u16(), a.body["error_codes"][0].as_u64()),
        (400, Some(700016))
    );
    let a = sim
        .send(
            sim.http
                .post(&url)
                .form(&[("grant_type", "password"), form[1], form[2], form[3]]),
        )
        .await;
    assert_eq!(
        (a.status.as_u16(), a.body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    let a = sim.send(sim.http.post(&url).form(&form[..3])).await;
    assert_eq!(
        (a.status.as_u16(), a.body["error_codes"][0].as_u64()),
        (400, Some(900144))
    );
    let other = format!(
        "http://{}/fabrikam.example/oauth2/v2.0/token",
        sim.handle.addr()
    );
    let a = sim.send(sim.http.post(&other).form(&form)).await;
    assert_eq!(
        (a.status.as_u16(), a.body["error_codes"][0].as_u64()),
        (400, Some(90002))
    );
}

#[tokio::test]
async fn graph_routes_answer_401_for_missing_unknown_or_expired_tokens() {
    let sim = Sim::start().await;
    let a = sim.send(sim.http.get(sim.url("/users"))).await;
    assert_graph_error(
        &a,
        401,
        "InvalidAuthenticationToken",
        "Access token is empty.",
    );
    assert!(a.header("www-authenticate").unwrap().starts_with("Bearer"));

    let a = sim
        .send(
            sim.http
                .get(sim.url("/users"))
                .bearer_auth("eyJ0eXAiOiJKV1QifQ.e30.c2ln"),
        )
        .await;
    assert_graph_error(
        &a,
        401,
        "InvalidAuthenticationToken",
        "Access token validation failure.",
    );

    let a = sim.get("/users?$top=1").await;
    assert_eq!(a.status, 200);
    sim.handle.control().expire_tokens();
    let a = sim.get("/users?$top=1").await;
    assert_graph_error(
        &a,
        401,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    );
}

#[tokio::test]
async fn every_response_carries_request_ids_and_date() {
    let sim = Sim::start().await;
    let a = sim.get("/users?$top=1").await;
    let rid = a.header("request-id").unwrap().to_owned();
    assert!(is_guid(&rid));
    assert_eq!(a.header("client-request-id"), Some(rid.as_str()));
    assert!(a.header("date").unwrap().ends_with(" GMT"));

    let mine = "11111111-2222-4333-8444-555555555555";
    let a = sim
        .send(
            sim.http
                .get(sim.url("/users/nobody@contoso.example"))
                .bearer_auth(&sim.token)
                .header("client-request-id", mine),
        )
        .await;
    assert_eq!(a.header("client-request-id"), Some(mine));
    assert_ne!(a.header("request-id"), Some(mine));
    assert_eq!(a.body["error"]["innerError"]["client-request-id"], mine);

    // Unknown routes answer JSON errors.
    let a = sim.get("/groupsx").await;
    assert_graph_error(
        &a,
        400,
        "BadRequest",
        "Resource not found for the segment 'groupsx'.",
    );
    let a = sim
        .send(
            sim.http
                .get(format!("http://{}/beta/users", sim.handle.addr())),
        )
        .await;
    assert_eq!(a.status, 404);
    assert!(a.body["error"]["code"].is_string());
    // Unsupported verb on a known route.
    let a = sim
        .send(sim.http.put(sim.url("/users")).bearer_auth(&sim.token))
        .await;
    assert_eq!(a.status, 405);
    assert_eq!(a.body["error"]["code"], "Request_BadRequest");
}

#[tokio::test]
async fn pages_through_2000_users_with_opaque_absolute_next_links() {
    let sim = Sim::start().await;
    let mut url = sim.url("/users?$top=999&$select=id,displayName");
    let mut seen = HashSet::new();
    let mut sizes = Vec::new();
    loop {
        let a = sim.get(&url).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let page: Page<User> = serde_json::from_value(a.body.clone()).unwrap();
        sizes.push(page.value.len());
        for u in &page.value {
            assert!(seen.insert(u.id.clone()), "duplicate {}", u.id);
        }
        match page.next_link {
            Some(next) => {
                assert!(next.starts_with(&format!("{}/users?", sim.base)), "{next}");
                assert!(
                    next.contains("$top=999") && next.contains("$select=id,displayName"),
                    "{next}"
                );
                let token = next.split("$skiptoken=").nth(1).unwrap();
                assert!(
                    token.parse::<u64>().is_err(),
                    "skiptoken must be opaque: {token}"
                );
                assert!(token.len() > 20, "{token}");
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(sizes, vec![999, 999, 2]);
    assert_eq!(seen.len(), 2000);
    // Default page size is 100.
    let a = sim.get("/users").await;
    assert_eq!(a.body["value"].as_array().unwrap().len(), 100);
    assert!(a.body["@odata.nextLink"].is_string());
    // A mangled skiptoken is refused.
    let a = sim.get("/users?$skiptoken=42").await;
    assert_eq!(a.status, 400);
}

#[tokio::test]
async fn default_properties_and_select() {
    let sim = Sim::start().await;
    let a = sim.get("/users?$top=3").await;
    assert_eq!(
        a.body["@odata.context"],
        format!("{}/$metadata#users", sim.base)
    );
    let keys: HashSet<&str> = a.body["value"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: HashSet<&str> = [
        "businessPhones",
        "displayName",
        "givenName",
        "id",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
    ]
    .into();
    assert_eq!(keys, expected);
    assert_eq!(a.body["value"][0]["id"], demo::DANA_OKAFOR_ID);
    assert!(a.body["value"][0]["mobilePhone"].is_null());
    assert!(a.body["value"][0]["businessPhones"].is_array());

    let a = sim.get("/users?$select=id,displayName&$top=2").await;
    assert_eq!(
        a.body["@odata.context"],
        format!("{}/$metadata#users(id,displayName)", sim.base)
    );
    for u in a.body["value"].as_array().unwrap() {
        let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 2);
        assert!(keys.contains(&"id") && keys.contains(&"displayName"));
    }
    let a = sim
        .get("/users?$select=userType,accountEnabled,employeeId,department&$top=5")
        .await;
    assert_eq!(a.body["value"][0]["userType"], "Member");
    assert_eq!(a.body["value"][0]["accountEnabled"], true);
    assert_eq!(a.body["value"][0]["department"], "IT");
    let a = sim.get("/users?$select=id,shoeSize").await;
    assert_eq!(a.status, 400);
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("shoeSize")
    );
}

#[tokio::test]
async fn filter_startswith_with_doubled_quote_and_errors() {
    let sim = Sim::start().await;
    let a = sim
        .get("/users?$filter=startswith(displayName,'Siobhan%20O''Brien')")
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v = a.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["id"], demo::SIOBHAN_OBRIEN_ID);
    assert_eq!(v[0]["displayName"], "Siobhan O'Brien");
    // Case-insensitive function name and value; or-combination across properties.
    let a = sim.get("/users?$filter=startsWith(displayName,'siobhan%20o''b')%20or%20startswith(userPrincipalName,'bo.lind')").await;
    let ids: Vec<&str> = a.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![demo::SIOBHAN_OBRIEN_ID, demo::BO_LINDQVIST_ID]);
    let a = sim
        .get("/users?$filter=userPrincipalName%20eq%20'AVERY.QUINN@contoso.example'")
        .await;
    assert_eq!(a.body["value"][0]["id"], demo::AVERY_QUINN_ID);
    let a = sim.get("/users?$filter=employeeId%20eq%20'E100005'%20and%20accountEnabled%20eq%20true&$select=id").await;
    assert_eq!(a.body["value"], json!([{"id": demo::BO_LINDQVIST_ID}]));
    // Malformed literal.
    let a = sim
        .get("/users?$filter=startswith(displayName,'O'Brien')")
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["error"]["code"], "BadRequest");
    assert!(
        a.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid filter clause")
    );
    // startsWith on department is not supported.
    let a = sim.get("/users?$filter=startswith(department,'Fin')").await;
    assert_graph_error(
        &a,
        400,
        "Request_UnsupportedQuery",
        "Unsupported or invalid query filter clause specified for property 'department' of resource 'User'.",
    );
    // endsWith needs the advanced-query pair.
    let q = "/users?$filter=endswith(mail,'@fabrikam.example')";
    let msg = example("error-endswith-missing-advanced-params.json")["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_graph_error(&sim.get(q).await, 400, "Request_UnsupportedQuery", &msg);
    let a = sim.get_eventual(&format!("{q}&$count=true")).await;
    assert_eq!(a.status, 200);
    assert!(a.body["@odata.count"].as_u64().unwrap() >= 1);
    assert!(
        a.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["mail"].as_str().unwrap().ends_with("@fabrikam.example"))
    );
}

#[tokio::test]
async fn search_needs_consistency_level_on_every_page_and_counts_on_the_first() {
    let sim = Sim::start().await;
    let q = "/users?$search=%22displayName:siobhan%22";
    let a = sim.get(q).await;
    let ex = example("error-search-missing-consistencylevel.json");
    assert_graph_error(
        &a,
        400,
        "Request_UnsupportedQuery",
        ex["error"]["message"].as_str().unwrap(),
    );
    let a = sim.get_eventual(q).await;
    assert_eq!(a.status, 200);
    assert!(
        a.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == demo::SIOBHAN_OBRIEN_ID)
    );
    // Token prefix on displayName ("o'b" matches O'Brien), escapes, OR with startsWith on mail.
    let a = sim
        .get_eventual(
            "/users?$search=%22displayName:o'bri%22%20OR%20%22mail:bo.lindqvist%22&$select=id",
        )
        .await;
    let ids: HashSet<&str> = a.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(demo::SIOBHAN_OBRIEN_ID) && ids.contains(demo::BO_LINDQVIST_ID),
        "{ids:?}"
    );
    let a = sim
        .get_eventual("/users?$search=%22displayName:quinn%20av%22")
        .await;
    assert_eq!(a.body["value"][0]["id"], demo::AVERY_QUINN_ID);
    let a = sim
        .get_eventual("/users?$search=%22displayName:say%20%5C%22hi%5C%22%22")
        .await;
    assert_eq!(
        (a.status.as_u16(), a.body["value"].as_array().map(Vec::len)),
        (200, Some(0))
    );

    // Broad search over pages: the nextLink needs the header again.
    let a = sim
        .get_eventual("/users?$search=%22mail:a%22&$top=5&$count=true")
        .await;
    let total = a.body["@odata.count"].as_u64().unwrap();
    assert!(total > 5, "{total}");
    let next = a.body["@odata.nextLink"].as_str().unwrap().to_owned();
    assert!(
        next.contains("$search=") && next.contains("$count=true"),
        "{next}"
    );
    let without = sim.get(&next).await;
    assert_graph_error(
        &without,
        400,
        "Request_UnsupportedQuery",
        ex["error"]["message"].as_str().unwrap(),
    );
    let second = sim.get_eventual(&next).await;
    assert_eq!(second.status, 200);
    assert!(
        second.body.get("@odata.count").is_none(),
        "count on the first page only"
    );
    assert_eq!(second.body["value"].as_array().unwrap().len(), 5);
    // $count=true without the header is silently ignored.
    let a = sim.get("/users?$count=true&$top=1").await;
    assert_eq!(a.status, 200);
    assert!(a.body.get("@odata.count").is_none());
    // /users/$count needs the header.
    let a = sim.get("/users/$count").await;
    assert_graph_error(
        &a,
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
    );
    let a = sim.get_eventual("/users/$count").await;
    assert_eq!(String::from_utf8(a.raw).unwrap(), "2000");
}

#[tokio::test]
async fn top_outside_1_to_999_is_refused() {
    let sim = Sim::start().await;
    for top in ["1000", "0"] {
        let a = sim.get(&format!("/users?$top={top}")).await;
        let msg =
            format!("Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.");
        assert_graph_error(&a, 400, "Request_UnsupportedQuery", &msg);
    }
}

#[tokio::test]
async fn users_by_id_upn_guest_upn_and_me() {
    let sim = Sim::start().await;
    let a = sim.get("/users/AVERY.Quinn@Contoso.example").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["id"], demo::AVERY_QUINN_ID);
    assert_eq!(
        a.body["@odata.context"],
        format!("{}/$metadata#users/$entity", sim.base)
    );
    let a = sim
        .get(&format!(
            "/users/{}?$select=id,userType,mail",
            demo::KAI_MEYER_ID
        ))
        .await;
    assert_eq!(
        a.body["@odata.context"],
        format!("{}/$metadata#users(id,userType,mail)/$entity", sim.base)
    );
    assert_eq!(a.body["userType"], "Guest");
    let a = sim
        .get("/users/kai.meyer_fabrikam.example%23EXT%23@contoso.example")
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], demo::KAI_MEYER_ID);
    assert_eq!(
        a.body["userPrincipalName"],
        "kai.meyer_fabrikam.example#EXT#@contoso.example"
    );
    assert_eq!(a.body["mail"], "kai.meyer@fabrikam.example");
    let a = sim.get("/users('avery.quinn@contoso.example')").await;
    assert_eq!(a.body["id"], demo::AVERY_QUINN_ID);
    let a = sim.get("/users/nobody@contoso.example").await;
    assert_graph_error(
        &a,
        404,
        "Request_ResourceNotFound",
        "Resource 'nobody@contoso.example' does not exist or one of its queried reference-property objects are not present.",
    );
    let a = sim.get("/me").await;
    assert_eq!(a.body["userPrincipalName"], "dana.okafor@contoso.example");
}

#[tokio::test]
async fn methods_of_avery() {
    let sim = Sim::start().await;
    let a = sim
        .get(&format!(
            "/users/{}/authentication/methods",
            demo::AVERY_QUINN_ID
        ))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.body["@odata.context"],
        format!(
            "{}/$metadata#users('{}')/authentication/methods",
            sim.base,
            demo::AVERY_QUINN_ID
        )
    );
    let raw = a.body["value"].as_array().unwrap();
    assert!(
        raw.iter()
            .all(|m| m["@odata.type"].is_string() && m.get("creationDateTime").is_none())
    );
    let page: Page<AuthMethod> = serde_json::from_value(a.body.clone()).unwrap();
    assert_eq!(page.value.len(), 3);
    let AuthMethod::Password(p) = &page.value[0] else {
        panic!("{:?}", page.value[0])
    };
    assert_eq!(p.base.id, "28c10230-6103-485e-b985-444c60001490");
    let AuthMethod::MicrosoftAuthenticator(m) = &page.value[1] else {
        panic!("{:?}", page.value[1])
    };
    assert_eq!(m.display_name.as_deref(), Some("Pixel 8"));
    let AuthMethod::Fido2(f) = &page.value[2] else {
        panic!("{:?}", page.value[2])
    };
    assert_eq!(f.display_name.as_deref(), Some("YubiKey 5 NFC"));
    assert_eq!(
        f.aa_guid.as_deref(),
        Some("cb69481e-8ff7-4039-93ec-0a2729a154a8")
    );
    assert_eq!(f.model.as_deref(), Some("YubiKey 5 NFC"));
    assert_eq!(
        f.base.created_date_time.unwrap().to_string(),
        "2024-05-01T09:30:00Z"
    );
    assert_eq!(f.base.id, demo::AVERY_FIDO2_ID);

    // Renée has every type plus two the client does not know.
    let a = sim
        .get("/users/renee.lefevre@contoso.example/authentication/methods")
        .await;
    assert_eq!(
        a.body["@odata.context"],
        format!(
            "{}/$metadata#users('renee.lefevre%40contoso.example')/authentication/methods",
            sim.base
        )
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
        [
            "#microsoft.graph.qrCodePinAuthenticationMethod",
            "#microsoft.graph.latticeBadgeAuthenticationMethod"
        ]
    );
    assert!(
        page.value
            .iter()
            .any(|m| matches!(m, AuthMethod::PlatformCredential(_)))
    );
    assert!(
        page.value
            .iter()
            .any(|m| matches!(m, AuthMethod::WindowsHelloForBusiness(_)))
    );
}

#[tokio::test]
async fn fido2_get_and_delete_with_an_encoded_id() {
    let sim = Sim::start().await;
    let id = demo::AVERY_FIDO2_ID;
    assert!(id.starts_with('-') && id.contains('+') && id.contains('/') && id.contains('='));
    let enc =
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string();
    let path = format!(
        "/users/{}/authentication/fido2Methods/{enc}",
        demo::AVERY_QUINN_ID
    );
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
    let a = sim
        .get(&format!(
            "/users/{}/authentication/fido2Methods",
            demo::AVERY_QUINN_ID
        ))
        .await;
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
    assert_eq!(
        a.body["@odata.type"],
        "#microsoft.graph.temporaryAccessPassAuthenticationMethod"
    );
    let created = a.body["createdDateTime"].as_str().unwrap();
    assert_eq!(
        created.split('.').nth(1).unwrap().len(),
        7,
        "6 digits + Z: {created}"
    );
    let id = a.body["id"].as_str().unwrap().to_owned();

    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    let items = list.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert!(
        items[0]["temporaryAccessPass"].is_null() && items[0].get("temporaryAccessPass").is_some()
    );
    assert_eq!(
        items[0]["createdDateTime"]
            .as_str()
            .unwrap()
            .split('.')
            .nth(1)
            .unwrap()
            .len(),
        8,
        "7 digits + Z"
    );
    let one = sim
        .get(&format!("{}/{id}", tap_path(demo::AVERY_QUINN_ID)))
        .await;
    assert!(one.body["temporaryAccessPass"].is_null());
    assert_eq!(one.body["isUsable"], true);
    let all = sim
        .get(&format!(
            "/users/{}/authentication/methods",
            demo::AVERY_QUINN_ID
        ))
        .await;
    assert!(
        !all.raw.windows(pass.len()).any(|w| w == pass.as_bytes()),
        "pass must never be listed"
    );
    let tap = all.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(tap["temporaryAccessPass"].is_null());

    // Future start: echoed normalised, NotYetValid.
    let a = sim.post(&tap_path(demo::NOOR_HADDAD_ID), json!({"startDateTime": "2031-06-05T00:00:00.000Z", "lifetimeInMinutes": 120, "isUsableOnce": true})).await;
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
    assert_eq!(
        before.body["value"][0]["methodUsabilityReason"],
        "EnabledByPolicy"
    );
    let first = sim
        .post(
            &tap_path(demo::NOOR_HADDAD_ID),
            json!({"lifetimeInMinutes": 90}),
        )
        .await;
    let second = sim.post(&tap_path(demo::NOOR_HADDAD_ID), json!({})).await;
    let (id1, id2) = (
        first.body["id"].as_str().unwrap(),
        second.body["id"].as_str().unwrap(),
    );
    assert_ne!(id1, id2);
    assert_ne!(
        first.body["temporaryAccessPass"],
        second.body["temporaryAccessPass"]
    );
    let old = sim
        .get(&format!("{}/{id1}", tap_path(demo::NOOR_HADDAD_ID)))
        .await;
    assert_eq!(old.status, 404);
    let list = sim.get(&tap_path(demo::NOOR_HADDAD_ID)).await;
    let items = list.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id2);
    let del = sim
        .delete(&format!("{}/{id2}", tap_path(demo::NOOR_HADDAD_ID)))
        .await;
    assert_eq!(del.status, 204);
    assert_eq!(
        sim.get(&tap_path(demo::NOOR_HADDAD_ID)).await.body["value"],
        json!([])
    );
}

#[tokio::test]
async fn tap_lifetime_outside_policy_is_refused_with_the_real_body() {
    let sim = Sim::start().await;
    let ex = example("error-tap-lifetime-out-of-range.json");
    for lifetime in [30, 481] {
        let a = sim
            .post(
                &tap_path(demo::AVERY_QUINN_ID),
                json!({"lifetimeInMinutes": lifetime}),
            )
            .await;
        assert_graph_error(
            &a,
            400,
            "badRequest",
            ex["error"]["message"].as_str().unwrap(),
        );
        assert_eq!(
            a.body["error"]["innerError"]["message"],
            ex["error"]["innerError"]["message"]
        );
        let keys = |v: &Value| {
            v.as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<HashSet<_>>()
        };
        assert_eq!(keys(&a.body["error"]), keys(&ex["error"]));
        assert_eq!(
            keys(&a.body["error"]["innerError"]),
            keys(&ex["error"]["innerError"])
        );
    }
    assert_eq!(
        sim.get(&tap_path(demo::AVERY_QUINN_ID)).await.body["value"],
        json!([])
    );
}

#[tokio::test]
async fn tap_for_external_guest_is_refused() {
    let sim = Sim::start().await;
    let a = sim
        .post(
            &tap_path("kai.meyer_fabrikam.example%23EXT%23@contoso.example"),
            json!({}),
        )
        .await;
    assert_graph_error(
        &a,
        400,
        "badRequest",
        "Temporary Access Pass cannot be added to an external guest user.",
    );
}

#[tokio::test]
async fn tap_usability_follows_clock_policy_and_targets() {
    let sim = Sim::start().await;
    let ctl = sim.handle.control();
    // Bo is outside TAP-Users; Siobhan is inside through the nested Field Engineers group.
    let bo = sim.post(&tap_path(demo::BO_LINDQVIST_ID), json!({})).await;
    assert_eq!(
        (
            bo.status.as_u16(),
            bo.body["methodUsabilityReason"].as_str()
        ),
        (201, Some("DisabledByPolicy"))
    );
    let sio = sim
        .post(
            &tap_path(demo::SIOBHAN_OBRIEN_ID),
            json!({"lifetimeInMinutes": 60}),
        )
        .await;
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
    assert_eq!(
        list.body["value"][0]["methodUsabilityReason"],
        "DisabledByPolicy"
    );
    // A one-time pass used once.
    let mut p = ctl.tap_policy();
    p.state = "enabled".into();
    ctl.set_tap_policy(p);
    let once = sim
        .post(
            &tap_path(demo::AVERY_QUINN_ID),
            json!({"isUsableOnce": true}),
        )
        .await;
    assert_eq!(once.body["methodUsabilityReason"], "EnabledByPolicy");
    assert!(ctl.use_tap(demo::AVERY_QUINN_ID));
    let list = sim.get(&tap_path(demo::AVERY_QUINN_ID)).await;
    assert_eq!(
        list.body["value"][0]["methodUsabilityReason"],
        "OneTimeUsed"
    );
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
        (
            a.body["minimumLifetimeInMinutes"].as_u64(),
            a.body["maximumLifetimeInMinutes"].as_u64()
        ),
        (Some(60), Some(480))
    );
    assert_eq!(
        (
            a.body["defaultLifetimeInMinutes"].as_u64(),
            a.body["defaultLength"].as_u64()
        ),
        (Some(60), Some(8))
    );
    assert_eq!(a.body["isUsableOnce"], false);
    let policy: tapdesk::graph::types::TapPolicy = serde_json::from_value(a.body).unwrap();
    assert!(policy.is_enabled());

    let ctl = sim.handle.control();
    let mut p = ctl.tap_policy();
    p.is_usable_once = true;
    p.default_length = 12;
    ctl.set_tap_policy(p);
    let a = sim
        .post(
            &tap_path(demo::AVERY_QUINN_ID),
            json!({"isUsableOnce": false}),
        )
        .await;
    assert_eq!(
        (a.status.as_u16(), a.body["error"]["code"].as_str()),
        (400, Some("badRequest"))
    );
    let a = sim.post(&tap_path(demo::AVERY_QUINN_ID), json!({})).await;
    assert_eq!(a.body["isUsableOnce"], true);
    assert_eq!(
        a.body["temporaryAccessPass"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        12
    );
}

#[tokio::test]
async fn demo_tenant_is_deterministic_and_varied() {
    let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let a = tapdesk::sim::Tenant::demo_at(2000, now);
    assert_eq!(a, tapdesk::sim::Tenant::demo_at(2000, now));
    assert_eq!(a.users.len(), 2000);
    let upns: HashSet<&str> = a
        .users
        .iter()
        .map(|u| u.user_principal_name.as_str())
        .collect();
    assert_eq!(upns.len(), 2000, "UPNs are unique");
    assert!(a.users.iter().all(|u| u.user_principal_name.is_ascii()));
    for needle in ["ü", "ễ", "ø", "Ł", "'", "李"] {
        assert!(
            a.users.iter().any(|u| u.display_name.contains(needle)),
            "no name with {needle}"
        );
    }
    assert!(
        upns.iter()
            .any(|u| u.split('@').next().unwrap().ends_with('2')),
        "duplicate names get a counter"
    );
    let guests = a.users.iter().filter(|u| u.is_external_guest()).count();
    assert!(guests > 10, "{guests}");
    let big = std::time::Instant::now();
    let t = tapdesk::sim::Tenant::demo_at(300_000, now);
    assert_eq!(t.users.len(), 300_000);
    assert!(big.elapsed().as_secs() < 60, "{:?}", big.elapsed());
}
