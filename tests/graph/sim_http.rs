//! The Graph simulator over real HTTP, driven by plain reqwest: token endpoint and 401s, common
//! headers and unknown routes, users (paging, $select, $filter, $search, $count, $top), users by
//! id/UPN/guest UPN and /me. Methods and TAP: `sim_tap.rs`; P2 behaviour: `sim_control.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::sim as sim_support;

use std::collections::HashSet;

use base64::Engine as _;
use serde_json::{Value, json};
use sim_support::{Sim, assert_graph_error, example, is_guid};
use tapdesk_graph::types::{Page, User};
use tapdesk_sim::demo;

#[tokio::test]
async fn token_endpoint_issues_jwt_shaped_tokens() {
    let sim = Sim::start().await;
    let url = sim.handle.token_url();
    assert_eq!(url, format!("http://{}/{}/oauth2/v2.0/token", sim.handle.addr(), demo::TENANT_ID));
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
    let payload: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(payload["tid"], demo::TENANT_ID);
    assert_eq!(payload["oid"], demo::DANA_OKAFOR_ID);
    assert_eq!(payload["upn"], "dana.okafor@contoso.example");
    assert!(payload["scp"].as_str().unwrap().contains("UserAuthenticationMethod.ReadWrite.All"));
    assert_eq!(payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(), 3599);

    // The issued token works; /me is the operator.
    let me = sim.send(sim.http.get(sim.url("/me")).bearer_auth(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], demo::DANA_OKAFOR_ID);
    assert_eq!(me.body["displayName"], "Dana Okafor");

    // The domain works as the tenant segment too.
    let by_domain = format!("http://{}/contoso.example/oauth2/v2.0/token", sim.handle.addr());
    assert_eq!(sim.send(sim.http.post(&by_domain).form(&form)).await.status, 200);

    // Wrong secret: the STS error shape with 401.
    let bad = [form[0], form[1], ("client_secret", "nope"), form[3]];
    let a = sim.send(sim.http.post(&url).form(&bad)).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.body["error"], "invalid_client");
    assert_eq!(a.body["error_codes"], json!([7000215]));
    assert!(
        a.body["error_description"].as_str().unwrap().starts_with("AADSTS7000215: Invalid client secret provided.")
    );
    assert!(a.body["trace_id"].is_string() && a.body["correlation_id"].is_string() && a.body["timestamp"].is_string());

    // Unknown client, unsupported grant, missing scope, unknown tenant.
    let a = sim.send(sim.http.post(&url).form(&[form[0], ("client_id", "who"), form[2], form[3]])).await;
    assert_eq!((a.status.as_u16(), a.body["error_codes"][0].as_u64()), (400, Some(700016)));
    let a = sim.send(sim.http.post(&url).form(&[("grant_type", "password"), form[1], form[2], form[3]])).await;
    assert_eq!((a.status.as_u16(), a.body["error"].as_str()), (400, Some("unsupported_grant_type")));
    let a = sim.send(sim.http.post(&url).form(&form[..3])).await;
    assert_eq!((a.status.as_u16(), a.body["error_codes"][0].as_u64()), (400, Some(900144)));
    let other = format!("http://{}/fabrikam.example/oauth2/v2.0/token", sim.handle.addr());
    let a = sim.send(sim.http.post(&other).form(&form)).await;
    assert_eq!((a.status.as_u16(), a.body["error_codes"][0].as_u64()), (400, Some(90002)));
}

#[tokio::test]
async fn graph_routes_answer_401_for_missing_unknown_or_expired_tokens() {
    let sim = Sim::start().await;
    let a = sim.send(sim.http.get(sim.url("/users"))).await;
    assert_graph_error(&a, 401, "InvalidAuthenticationToken", "Access token is empty.");
    assert!(a.header("www-authenticate").unwrap().starts_with("Bearer"));

    let a = sim.send(sim.http.get(sim.url("/users")).bearer_auth("eyJ0eXAiOiJKV1QifQ.e30.c2ln")).await;
    assert_graph_error(&a, 401, "InvalidAuthenticationToken", "Access token validation failure.");

    let a = sim.get("/users?$top=1").await;
    assert_eq!(a.status, 200);
    sim.handle.control().expire_tokens();
    let a = sim.get("/users?$top=1").await;
    assert_graph_error(&a, 401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.");
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
    assert_graph_error(&a, 400, "BadRequest", "Resource not found for the segment 'groupsx'.");
    let a = sim.send(sim.http.get(format!("http://{}/beta/users", sim.handle.addr()))).await;
    assert_eq!(a.status, 404);
    assert!(a.body["error"]["code"].is_string());
    // Unsupported verb on a known route.
    let a = sim.send(sim.http.put(sim.url("/users")).bearer_auth(&sim.token)).await;
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
                assert!(next.contains("$top=999") && next.contains("$select=id,displayName"), "{next}");
                let token = next.split("$skiptoken=").nth(1).unwrap();
                assert!(token.parse::<u64>().is_err(), "skiptoken must be opaque: {token}");
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
    assert_eq!(a.body["@odata.context"], format!("{}/$metadata#users", sim.base));
    let keys: HashSet<&str> = a.body["value"][0].as_object().unwrap().keys().map(String::as_str).collect();
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
    assert_eq!(a.body["@odata.context"], format!("{}/$metadata#users(id,displayName)", sim.base));
    for u in a.body["value"].as_array().unwrap() {
        let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 2);
        assert!(keys.contains(&"id") && keys.contains(&"displayName"));
    }
    let a = sim.get("/users?$select=userType,accountEnabled,employeeId,department&$top=5").await;
    assert_eq!(a.body["value"][0]["userType"], "Member");
    assert_eq!(a.body["value"][0]["accountEnabled"], true);
    assert_eq!(a.body["value"][0]["department"], "IT");
    let a = sim.get("/users?$select=id,shoeSize").await;
    assert_eq!(a.status, 400);
    assert!(a.body["error"]["message"].as_str().unwrap().contains("shoeSize"));
}

#[tokio::test]
async fn filter_startswith_with_doubled_quote_and_errors() {
    let sim = Sim::start().await;
    let a = sim.get("/users?$filter=startswith(displayName,'Siobhan%20O''Brien')").await;
    assert_eq!(a.status, 200, "{}", a.body);
    let v = a.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["id"], demo::SIOBHAN_OBRIEN_ID);
    assert_eq!(v[0]["displayName"], "Siobhan O'Brien");
    // Case-insensitive function name and value; or-combination across properties.
    let a = sim
        .get("/users?$filter=startsWith(displayName,'siobhan%20o''b')%20or%20startswith(userPrincipalName,'bo.lind')")
        .await;
    let ids: Vec<&str> = a.body["value"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![demo::SIOBHAN_OBRIEN_ID, demo::BO_LINDQVIST_ID]);
    let a = sim.get("/users?$filter=userPrincipalName%20eq%20'AVERY.QUINN@contoso.example'").await;
    assert_eq!(a.body["value"][0]["id"], demo::AVERY_QUINN_ID);
    let a = sim.get("/users?$filter=employeeId%20eq%20'E100005'%20and%20accountEnabled%20eq%20true&$select=id").await;
    assert_eq!(a.body["value"], json!([{"id": demo::BO_LINDQVIST_ID}]));
    // Malformed literal.
    let a = sim.get("/users?$filter=startswith(displayName,'O'Brien')").await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["error"]["code"], "BadRequest");
    assert!(a.body["error"]["message"].as_str().unwrap().starts_with("Invalid filter clause"));
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
    let msg = example("error-endswith-missing-advanced-params.json")["error"]["message"].as_str().unwrap().to_owned();
    assert_graph_error(&sim.get(q).await, 400, "Request_UnsupportedQuery", &msg);
    let a = sim.get_eventual(&format!("{q}&$count=true")).await;
    assert_eq!(a.status, 200);
    assert!(a.body["@odata.count"].as_u64().unwrap() >= 1);
    assert!(
        a.body["value"].as_array().unwrap().iter().all(|u| u["mail"].as_str().unwrap().ends_with("@fabrikam.example"))
    );
}

#[tokio::test]
async fn search_needs_consistency_level_on_every_page_and_counts_on_the_first() {
    let sim = Sim::start().await;
    let q = "/users?$search=%22displayName:siobhan%22";
    let a = sim.get(q).await;
    let ex = example("error-search-missing-consistencylevel.json");
    assert_graph_error(&a, 400, "Request_UnsupportedQuery", ex["error"]["message"].as_str().unwrap());
    let a = sim.get_eventual(q).await;
    assert_eq!(a.status, 200);
    assert!(a.body["value"].as_array().unwrap().iter().any(|u| u["id"] == demo::SIOBHAN_OBRIEN_ID));
    // Token prefix on displayName ("o'b" matches O'Brien), escapes, OR with startsWith on mail.
    let a = sim.get_eventual("/users?$search=%22displayName:o'bri%22%20OR%20%22mail:bo.lindqvist%22&$select=id").await;
    let ids: HashSet<&str> = a.body["value"].as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert!(ids.contains(demo::SIOBHAN_OBRIEN_ID) && ids.contains(demo::BO_LINDQVIST_ID), "{ids:?}");
    let a = sim.get_eventual("/users?$search=%22displayName:quinn%20av%22").await;
    assert_eq!(a.body["value"][0]["id"], demo::AVERY_QUINN_ID);
    let a = sim.get_eventual("/users?$search=%22displayName:say%20%5C%22hi%5C%22%22").await;
    assert_eq!((a.status.as_u16(), a.body["value"].as_array().map(Vec::len)), (200, Some(0)));

    // Broad search over pages: the nextLink needs the header again.
    let a = sim.get_eventual("/users?$search=%22mail:a%22&$top=5&$count=true").await;
    let total = a.body["@odata.count"].as_u64().unwrap();
    assert!(total > 5, "{total}");
    let next = a.body["@odata.nextLink"].as_str().unwrap().to_owned();
    assert!(next.contains("$search=") && next.contains("$count=true"), "{next}");
    let without = sim.get(&next).await;
    assert_graph_error(&without, 400, "Request_UnsupportedQuery", ex["error"]["message"].as_str().unwrap());
    let second = sim.get_eventual(&next).await;
    assert_eq!(second.status, 200);
    assert!(second.body.get("@odata.count").is_none(), "count on the first page only");
    assert_eq!(second.body["value"].as_array().unwrap().len(), 5);
    // $count=true without the header is silently ignored.
    let a = sim.get("/users?$count=true&$top=1").await;
    assert_eq!(a.status, 200);
    assert!(a.body.get("@odata.count").is_none());
    // /users/$count needs the header.
    let a = sim.get("/users/$count").await;
    assert_graph_error(&a, 400, "Request_BadRequest", "$count is not currently supported.");
    let a = sim.get_eventual("/users/$count").await;
    assert_eq!(String::from_utf8(a.raw).unwrap(), "2000");
}

#[tokio::test]
async fn top_outside_1_to_999_is_refused() {
    let sim = Sim::start().await;
    for top in ["1000", "0"] {
        let a = sim.get(&format!("/users?$top={top}")).await;
        let msg = format!("Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.");
        assert_graph_error(&a, 400, "Request_UnsupportedQuery", &msg);
    }
}

#[tokio::test]
async fn users_by_id_upn_guest_upn_and_me() {
    let sim = Sim::start().await;
    let a = sim.get("/users/AVERY.Quinn@Contoso.example").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["id"], demo::AVERY_QUINN_ID);
    assert_eq!(a.body["@odata.context"], format!("{}/$metadata#users/$entity", sim.base));
    let a = sim.get(&format!("/users/{}?$select=id,userType,mail", demo::KAI_MEYER_ID)).await;
    assert_eq!(a.body["@odata.context"], format!("{}/$metadata#users(id,userType,mail)/$entity", sim.base));
    assert_eq!(a.body["userType"], "Guest");
    let a = sim.get("/users/kai.meyer_fabrikam.example%23EXT%23@contoso.example").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], demo::KAI_MEYER_ID);
    assert_eq!(a.body["userPrincipalName"], "kai.meyer_fabrikam.example#EXT#@contoso.example");
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
async fn orderby_display_name_and_its_advanced_query_rule() {
    let sim = Sim::start().await;
    let mut names: Vec<String> = Vec::new();
    let mut url = sim.url("/users?$orderby=displayName&$top=999&$select=displayName");
    loop {
        let a = sim.get(&url).await;
        assert_eq!(a.status, 200, "{}", a.body);
        names.extend(
            a.body["value"].as_array().unwrap().iter().map(|u| u["displayName"].as_str().unwrap().to_lowercase()),
        );
        match a.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.contains("$orderby=displayName"), "{next}");
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(names.len(), 2000);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "ascending across pages");
    let a = sim.get("/users?$orderby=displayName%20desc&$top=1&$select=displayName").await;
    assert_eq!(a.body["value"][0]["displayName"].as_str().unwrap().to_lowercase(), *sorted.last().unwrap());
    // $filter + $orderby needs the advanced-query pair; $orderby on other properties too.
    let q = "/users?$filter=startswith(displayName,'a')&$orderby=displayName";
    assert_graph_error(&sim.get(q).await, 400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
    assert_eq!(sim.get_eventual(&format!("{q}&$count=true")).await.status, 200);
    let a = sim.get("/users?$orderby=jobTitle").await;
    assert_graph_error(&a, 400, "Request_UnsupportedQuery", "Sorting not supported for current query.");
    // $search + $orderby is fine with the header.
    let a = sim.get_eventual("/users?$search=%22displayName:o%22&$orderby=displayName&$select=displayName").await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn page_latency_slows_the_directory_list_only() {
    use std::time::{Duration, Instant};
    use tapdesk_sim::PageLatency;
    let sim = Sim::start().await;
    let latency = PageLatency { per_page: Duration::from_millis(200), per_user: Duration::from_millis(1) };
    assert_eq!(latency.for_page(999), Duration::from_millis(1199));
    assert_eq!(PageLatency::REALISTIC.for_page(999), Duration::from_micros(150_000 + 999 * 250));
    sim.handle.control().set_page_latency(Some(latency));
    let t = Instant::now();
    let a = sim.get("/users?$top=100&$select=id").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["value"].as_array().unwrap().len(), 100);
    assert!(t.elapsed() >= Duration::from_millis(300), "a page of 100 waits 200 ms + 100 × 1 ms");
    // $search and $filter lookups are not the directory load: they answer at once even when a
    // page would take a minute.
    sim.handle
        .control()
        .set_page_latency(Some(PageLatency { per_page: Duration::from_secs(60), per_user: Duration::ZERO }));
    let search = sim.get_eventual("/users?$search=%22displayName:avery%22&$select=id");
    let a = tokio::time::timeout(Duration::from_secs(20), search).await.expect("$search not delayed");
    assert_eq!(a.status, 200, "{}", a.body);
    let filter = sim.get("/users?$filter=startswith(displayName,'Avery')&$select=id");
    let a = tokio::time::timeout(Duration::from_secs(20), filter).await.expect("$filter not delayed");
    assert_eq!(a.status, 200, "{}", a.body);
    sim.handle.control().set_page_latency(None);
    let a = tokio::time::timeout(Duration::from_secs(20), sim.get("/users?$top=5")).await.expect("off again");
    assert_eq!(a.status, 200);
}

/// Deleting a method of one's own account needs a sign-in with MFA in the last 10 minutes
/// (Entra's self-service rule): a fresh sign-in passes that check (here Graph's next rule, the
/// default method, answers), one older than 10 minutes is refused with 403 `accessDenied`, a new
/// sign-in passes again; another user's method is not affected.
#[tokio::test]
async fn own_method_deletes_need_a_recent_mfa_sign_in() {
    let sim = Sim::start().await;
    let dana_authenticator = "8a1f6b2c-9d3e-4f5a-8b7c-1d2e3f4a5b6c";
    let path =
        format!("/users/{}/authentication/microsoftAuthenticatorMethods/{dana_authenticator}", demo::DANA_OKAFOR_ID);
    let fresh = sim.delete(&path).await;
    assert_graph_error(
        &fresh,
        400,
        "badRequest",
        "Cannot delete default method with other methods configured. Please change default method before deletion.",
    );
    sim.handle.control().advance(jiff::SignedDuration::from_mins(11));
    let old = sim.delete(&path).await;
    assert_graph_error(
        &old,
        403,
        "accessDenied",
        "MFA is required for a 'RemoveKey' operation, but was not performed.",
    );
    // A token minted now is a new sign-in: the check passes again.
    let again = sim.send(sim.http.delete(sim.url(&path)).bearer_auth(sim.handle.mint_token())).await;
    assert_eq!(again.status, 400, "{}", again.body);
    // Another user's method: the operator's sign-in age does not matter.
    let key = demo::AVERY_FIDO2_ID.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let avery = format!("/users/{}/authentication/fido2Methods/{key}", demo::AVERY_QUINN_ID);
    let a = sim.delete(&avery).await;
    assert_eq!(a.status, 204, "{}", a.body);
}
