//! The simulator's token service over real HTTP, driven by plain reqwest: device code (pending,
//! approved, declined, expired, Conditional Access, slow_down, consent, confidential client),
//! refresh-token rotation and revocation, the verification page, per-route permission checks and
//! the continuous-access-evaluation claims challenge.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::sim as sim_support;

use serde_json::{Value, json};
use sim_support::Sim;
use tapdesk::auth::claims::Claims;
use tapdesk_sim::{DeviceCodeState, StsSettings, Tenant, demo};

const GRAPH_SCOPES: &str = "https://graph.microsoft.com/User.Read.All https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite.All offline_access";

async fn sim() -> Sim {
    let s = Sim::with_tenant(Tenant::demo(30)).await;
    // Tests poll at once; the interval rule is tested on its own.
    s.handle.control().set_sts(StsSettings { device_code_interval_seconds: 0, ..StsSettings::default() });
    s
}

async fn start_device_code(s: &Sim, client: &str, scope: &str) -> Value {
    let a = s.send(s.http.post(s.handle.device_code_url()).form(&[("client_id", client), ("scope", scope)])).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

async fn poll(s: &Sim, client: &str, device_code: &str) -> sim_support::Answer {
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("client_id", client),
        ("device_code", device_code),
    ];
    s.send(s.http.post(s.handle.token_url()).form(&form)).await
}

fn aadsts(a: &sim_support::Answer) -> (String, u64) {
    (a.body["error"].as_str().unwrap_or("").to_owned(), a.body["error_codes"][0].as_u64().unwrap_or(0))
}

#[tokio::test]
async fn device_code_pending_then_approved_gives_scoped_tokens_once() {
    let s = sim().await;
    let d = start_device_code(&s, demo::PUBLIC_CLIENT_ID, GRAPH_SCOPES).await;
    let code = d["device_code"].as_str().unwrap();
    let user_code = d["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert_eq!(d["verification_uri"], format!("{}/devicelogin", s.handle.authority()));
    assert_eq!(d["expires_in"], 900);
    assert!(d["message"].as_str().unwrap().contains(user_code));

    let a = poll(&s, demo::PUBLIC_CLIENT_ID, code).await;
    assert_eq!(a.status, 400);
    assert_eq!(aadsts(&a), ("authorization_pending".into(), 70016));
    assert!(a.body["error_description"].as_str().unwrap().starts_with("AADSTS70016: "));

    let views = s.handle.control().device_codes();
    assert_eq!(views[0].state, DeviceCodeState::Pending);
    assert!(s.handle.control().approve_device_code(user_code, demo::DANA_OKAFOR_ID));
    assert!(!s.handle.control().approve_device_code(user_code, demo::DANA_OKAFOR_ID), "only once");

    let a = poll(&s, demo::PUBLIC_CLIENT_ID, code).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["scope"], "User.Read.All UserAuthenticationMethod.ReadWrite.All");
    assert!(a.body["refresh_token"].is_string());
    let claims = Claims::from_jwt(a.body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.oid.as_deref(), Some(demo::DANA_OKAFOR_ID));
    assert_eq!(claims.scopes, ["User.Read.All", "UserAuthenticationMethod.ReadWrite.All"]);
    assert_eq!(claims.app_display_name.as_deref(), Some("tapdesk"));

    let again = poll(&s, demo::PUBLIC_CLIENT_ID, code).await;
    assert_eq!(aadsts(&again), ("invalid_grant".into(), 54005));
}

#[tokio::test]
async fn declined_expired_and_conditional_access() {
    let s = sim().await;
    let c = s.handle.control();
    for (act, want) in [
        ("decline", ("authorization_declined", 65004)),
        ("expire", ("expired_token", 70019)),
        ("block", ("invalid_grant", 53003)),
    ] {
        let d = start_device_code(&s, demo::PUBLIC_CLIENT_ID, GRAPH_SCOPES).await;
        let user_code = d["user_code"].as_str().unwrap();
        assert!(match act {
            "decline" => c.decline_device_code(user_code),
            "expire" => c.expire_device_code(user_code),
            _ => c.block_device_code_by_conditional_access(user_code),
        });
        let a = poll(&s, demo::PUBLIC_CLIENT_ID, d["device_code"].as_str().unwrap()).await;
        assert_eq!(a.status, 400, "{act}");
        assert_eq!(aadsts(&a), (want.0.to_owned(), want.1), "{act}: {}", a.body);
    }
}

#[tokio::test]
async fn confidential_client_unknown_client_and_missing_consent() {
    let s = sim().await;
    // The confidential demo client has public client flows off.
    let d = start_device_code(&s, demo::CLIENT_ID, GRAPH_SCOPES).await;
    let a = poll(&s, demo::CLIENT_ID, d["device_code"].as_str().unwrap()).await;
    assert_eq!(a.status, 401);
    assert_eq!(aadsts(&a), ("invalid_client".into(), 7000218));

    let a = s
        .send(s.http.post(s.handle.device_code_url()).form(&[("client_id", "nope"), ("scope", "User.Read.All")]))
        .await;
    assert_eq!(aadsts(&a), ("unauthorized_client".into(), 700016));

    s.handle.control().with_tenant_mut(|t| {
        let c = t.clients.iter_mut().find(|c| c.client_id == demo::PUBLIC_CLIENT_ID).unwrap();
        c.consented_scopes = Some(vec!["User.Read.All".into()]);
    });
    let d = start_device_code(&s, demo::PUBLIC_CLIENT_ID, GRAPH_SCOPES).await;
    s.handle.control().approve_device_code(d["user_code"].as_str().unwrap(), demo::DANA_OKAFOR_ID);
    let a = poll(&s, demo::PUBLIC_CLIENT_ID, d["device_code"].as_str().unwrap()).await;
    assert_eq!(aadsts(&a), ("invalid_grant".into(), 65001), "{}", a.body);
}

#[tokio::test]
async fn polling_too_fast_or_on_request_gets_slow_down() {
    let s = Sim::with_tenant(Tenant::demo(30)).await;
    let d = start_device_code(&s, demo::PUBLIC_CLIENT_ID, GRAPH_SCOPES).await;
    assert_eq!(d["interval"], 5);
    let code = d["device_code"].as_str().unwrap();
    assert_eq!(aadsts(&poll(&s, demo::PUBLIC_CLIENT_ID, code).await).0, "authorization_pending");
    assert_eq!(aadsts(&poll(&s, demo::PUBLIC_CLIENT_ID, code).await).0, "slow_down");

    let c = s.handle.control();
    c.set_sts(StsSettings { device_code_interval_seconds: 0, slow_down_polls: 1, ..StsSettings::default() });
    let d = start_device_code(&s, demo::PUBLIC_CLIENT_ID, GRAPH_SCOPES).await;
    let code = d["device_code"].as_str().unwrap();
    assert_eq!(aadsts(&poll(&s, demo::PUBLIC_CLIENT_ID, code).await).0, "slow_down");
    assert_eq!(aadsts(&poll(&s, demo::PUBLIC_CLIENT_ID, code).await).0, "authorization_pending");
}

async fn signed_in(s: &Sim) -> Value {
    let d = start_device_code(s, demo::PUBLIC_CLIENT_ID, GRAPH_SCOPES).await;
    s.handle.control().approve_device_code(d["user_code"].as_str().unwrap(), demo::DANA_OKAFOR_ID);
    poll(s, demo::PUBLIC_CLIENT_ID, d["device_code"].as_str().unwrap()).await.body
}

async fn refresh(s: &Sim, rt: &str, extra: &[(&str, &str)]) -> sim_support::Answer {
    let mut form = vec![("grant_type", "refresh_token"), ("client_id", demo::PUBLIC_CLIENT_ID), ("refresh_token", rt)];
    form.extend_from_slice(extra);
    s.send(s.http.post(s.handle.token_url()).form(&form)).await
}

#[tokio::test]
async fn refresh_tokens_rotate_narrow_and_can_be_revoked() {
    let s = sim().await;
    let t = signed_in(&s).await;
    let rt1 = t["refresh_token"].as_str().unwrap();
    let a = refresh(&s, rt1, &[("scope", "https://graph.microsoft.com/User.Read.All offline_access")]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["scope"], "User.Read.All");
    let rt2 = a.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    // The used refresh token no longer works; the rotated one does.
    assert_eq!(aadsts(&refresh(&s, rt1, &[]).await), ("invalid_grant".into(), 50173));
    // More than was granted at sign-in is refused.
    let a = refresh(&s, &rt2, &[("scope", "https://graph.microsoft.com/Policy.ReadWrite.AuthenticationMethod")]).await;
    assert_eq!(aadsts(&a), ("invalid_grant".into(), 65001));
    let a = refresh(&s, &rt2, &[]).await;
    assert_eq!(a.status, 200);
    let rt3 = a.body["refresh_token"].as_str().unwrap().to_owned();
    s.handle.control().revoke_refresh_tokens();
    assert_eq!(aadsts(&refresh(&s, &rt3, &[]).await), ("invalid_grant".into(), 50173));
}

#[tokio::test]
async fn verification_page_signs_in() {
    let s = sim().await;
    let page = s.http.get(format!("{}/devicelogin", s.handle.authority())).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("dana.okafor@contoso.example"), "{html}");
    let d = start_device_code(&s, demo::PUBLIC_CLIENT_ID, GRAPH_SCOPES).await;
    let user_code = d["user_code"].as_str().unwrap().to_lowercase();
    let form = [("user_code", user_code.as_str()), ("user", "avery.quinn@contoso.example"), ("action", "approve")];
    let done = s.http.post(format!("{}/devicelogin", s.handle.authority())).form(&form).send().await.unwrap();
    assert!(done.text().await.unwrap().contains("Signed in"));
    let a = poll(&s, demo::PUBLIC_CLIENT_ID, d["device_code"].as_str().unwrap()).await;
    let claims = Claims::from_jwt(a.body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(claims.oid.as_deref(), Some(demo::AVERY_QUINN_ID));
}

#[tokio::test]
async fn graph_routes_check_the_token_permissions() {
    let s = sim().await;
    let only_users = s.handle.mint_token_with_scopes(demo::DANA_OKAFOR_ID, &["User.Read.All"]);
    let get = |path: &str| s.send(s.http.get(s.url(path)).bearer_auth(&only_users));
    assert_eq!(get("/users?$top=1").await.status, 200);
    assert_eq!(get("/me").await.status, 200);
    let a = get(&format!("/users/{}/authentication/methods", demo::AVERY_QUINN_ID)).await;
    assert_eq!(a.status, 403);
    assert_eq!(a.body["error"]["code"], "accessDenied");
    assert_eq!(
        a.body["error"]["message"],
        "You cannot perform the requested operation, required scopes are missing in the token."
    );
    let a = get("/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass").await;
    assert_eq!(a.status, 403);
    let a = s
        .send(
            s.http
                .post(s.url(&format!("/users/{}/authentication/temporaryAccessPassMethods", demo::AVERY_QUINN_ID)))
                .bearer_auth(&only_users)
                .json(&json!({})),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = s
        .send(
            s.http
                .post(s.url(&format!("/users/{}/revokeSignInSessions", demo::AVERY_QUINN_ID)))
                .bearer_auth(&only_users),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(a.body["error"]["code"], "Authorization_RequestDenied");

    // Least-privilege names work per method family.
    let passkeys = s.handle.mint_token_with_scopes(
        demo::DANA_OKAFOR_ID,
        &["UserAuthMethod-Passkey.ReadWrite.All", "UserAuthMethod-TAP.ReadWrite.All"],
    );
    let a = s
        .send(
            s.http
                .get(s.url(&format!("/users/{}/authentication/fido2Methods", demo::AVERY_QUINN_ID)))
                .bearer_auth(&passkeys),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let a = s
        .send(
            s.http
                .get(s.url(&format!("/users/{}/authentication/microsoftAuthenticatorMethods", demo::AVERY_QUINN_ID)))
                .bearer_auth(&passkeys),
        )
        .await;
    assert_eq!(a.status, 403);
}

#[tokio::test]
async fn claims_challenge_until_a_token_is_asked_for_with_claims() {
    let s = sim().await;
    let t = signed_in(&s).await;
    let at = t["access_token"].as_str().unwrap();
    let me = || s.send(s.http.get(s.url("/me")).bearer_auth(at));
    assert_eq!(me().await.status, 200);
    s.handle.control().require_claims_challenge();
    let a = me().await;
    assert_eq!(a.status, 401);
    let www = a.header("www-authenticate").unwrap();
    assert!(www.contains("error=\"insufficient_claims\""), "{www}");
    assert!(www.contains(&format!("claims=\"{}\"", tapdesk_sim::CLAIMS_CHALLENGE)), "{www}");

    // A plain refresh still gets a challenged token.
    let a = refresh(&s, t["refresh_token"].as_str().unwrap(), &[]).await;
    let at2 = a.body["access_token"].as_str().unwrap().to_owned();
    let rt2 = a.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(s.send(s.http.get(s.url("/me")).bearer_auth(&at2)).await.status, 401);
    // With the claims it is accepted.
    let claims = r#"{"access_token":{"nbf":{"essential":true,"value":"1603742800"}}}"#;
    let a = refresh(&s, &rt2, &[("claims", claims)]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let at3 = a.body["access_token"].as_str().unwrap();
    assert_eq!(s.send(s.http.get(s.url("/me")).bearer_auth(at3)).await.status, 200);
}
