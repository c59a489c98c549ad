//! tapdesk's device-code credential against the simulator over real HTTP: pending → approved →
//! Graph call → refresh after expiry (rotated refresh token); declined, expired, Conditional Access,
//! public client flows off; slow_down; a revoked refresh token; the claims challenge retried by the
//! Graph client; and a missing permission switching a feature off.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use tapdesk::auth::AuthMode;
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::device_code::{DeviceCodeCredential, DeviceCodeOptions, PromptEvent, PromptSink};
use tapdesk::auth::signin::{BuildOptions, Session};
use tapdesk::config::{self, Config, ConfigSource, Overrides};
use tapdesk::graph::client::GraphClient;
use tapdesk_graph::GraphError;
use tapdesk_sim::{self as sim, SimControl, SimHandle, StsSettings, Tenant, demo};

const SCOPES: [&str; 2] =
    ["https://graph.microsoft.com/User.Read.All", "https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite.All"];

async fn start() -> SimHandle {
    let h = sim::start(Tenant::demo(30), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    h.control().set_sts(StsSettings { device_code_interval_seconds: 0, ..StsSettings::default() });
    h
}

fn cloud(h: &SimHandle) -> Cloud {
    Cloud::custom(&h.authority(), "https://graph.microsoft.com", &h.authority())
}

fn fast() -> DeviceCodeOptions {
    DeviceCodeOptions {
        min_poll_interval: Duration::from_millis(10),
        slow_down_step: Duration::from_millis(20),
        ..DeviceCodeOptions::default()
    }
}

/// A prompt sink that records what it saw and does `act` with the user code (approve, decline...).
fn sink(events: Arc<Mutex<Vec<PromptEvent>>>, act: impl Fn(&str) + Send + Sync + 'static) -> PromptSink {
    PromptSink::Callback(Arc::new(move |e: PromptEvent| {
        if let PromptEvent::Show(p) = &e {
            act(&p.user_code);
        }
        events.lock().unwrap().push(e);
    }))
}

fn approve_as(c: SimControl, user: &'static str) -> impl Fn(&str) + Send + Sync + 'static {
    move |code: &str| assert!(c.approve_device_code(code, user))
}

fn credential(h: &SimHandle, client: &str, options: DeviceCodeOptions) -> Arc<DeviceCodeCredential> {
    DeviceCodeCredential::new(cloud(h), demo::TENANT_ID, client, "tapdesk", options).unwrap()
}

fn count(c: &SimControl, needle: &str) -> usize {
    c.requests().iter().filter(|r| r.path.ends_with("/oauth2/v2.0/token") && r.body.contains(needle)).count()
}

#[tokio::test]
async fn pending_approved_graph_call_then_refresh_after_expiry() {
    let h = start().await;
    let c = h.control();
    c.set_sts(StsSettings {
        device_code_interval_seconds: 0,
        access_token_lifetime_seconds: 5,
        ..StsSettings::default()
    });
    let events = Arc::new(Mutex::new(Vec::new()));
    // The code is approved only after a few polls, so the first answers are authorization_pending.
    let polls = Arc::new(AtomicUsize::new(0));
    let cred =
        credential(&h, demo::PUBLIC_CLIENT_ID, DeviceCodeOptions { refresh_margin: Duration::from_secs(1), ..fast() });
    let (c2, p2) = (c.clone(), polls.clone());
    cred.set_prompt(sink(events.clone(), move |code: &str| {
        let (c3, code, p3) = (c2.clone(), code.to_owned(), p2.clone());
        std::thread::spawn(move || {
            while c3.requests().iter().filter(|r| r.body.contains("device_code=")).count() < 3 {
                std::thread::sleep(Duration::from_millis(5));
            }
            p3.store(1, Ordering::SeqCst);
            assert!(c3.approve_device_code(&code, demo::DANA_OKAFOR_ID));
        });
    }));
    let client =
        GraphClient::new(url::Url::parse(&h.graph_base()).unwrap(), cred.clone(), SCOPES.map(String::from).to_vec())
            .unwrap()
            .with_claims_handler(cred.clone());
    let me = client.get_me().await.unwrap();
    assert_eq!(me.id, demo::DANA_OKAFOR_ID);
    assert_eq!(polls.load(Ordering::SeqCst), 1);
    let seen = events.lock().unwrap().clone();
    assert!(matches!(&seen[0], PromptEvent::Show(p) if p.tenant == demo::TENANT_ID && p.app_name == "tapdesk"
        && p.verification_uri.ends_with("/devicelogin")));
    assert_eq!(seen.last(), Some(&PromptEvent::SignedIn));
    let device_polls = c.requests().iter().filter(|r| r.body.contains("grant_type=urn")).count();
    assert!(device_polls >= 3, "{device_polls}");
    // The device code request asked for offline access.
    let dc = c.requests().into_iter().find(|r| r.path.ends_with("/devicecode")).unwrap();
    assert!(dc.body.contains("offline_access"), "{}", dc.body);

    // Cached: a second call sends no token request.
    client.get_me().await.unwrap();
    assert_eq!(count(&c, "grant_type=refresh_token"), 0);

    // After expiry (5 s, renewed 1 s early) the refresh token is used and rotated.
    tokio::time::sleep(Duration::from_millis(4200)).await;
    client.get_me().await.unwrap();
    assert_eq!(count(&c, "grant_type=refresh_token"), 1);
    assert_eq!(c.refresh_token_count(), 1, "the used refresh token was replaced");
    tokio::time::sleep(Duration::from_millis(4200)).await;
    client.get_me().await.unwrap();
    assert_eq!(count(&c, "grant_type=refresh_token"), 2, "the rotated refresh token works");
    assert_eq!(events.lock().unwrap().len(), seen.len(), "no second prompt");
}

async fn failing_sign_in(act: impl Fn(&SimControl, &str) -> bool + Send + Sync + 'static, client: &str) -> String {
    let h = start().await;
    let c = h.control();
    let cred = credential(&h, client, fast());
    let events = Arc::new(Mutex::new(Vec::new()));
    cred.set_prompt(sink(events.clone(), move |code: &str| assert!(act(&c, code))));
    let e = cred.get_token(&SCOPES, None).await.unwrap_err().to_string();
    let last = events.lock().unwrap().last().cloned();
    assert!(matches!(last, Some(PromptEvent::Failed(_))), "{last:?}");
    e
}

#[tokio::test]
async fn declined_expired_and_blocked_say_why() {
    let e = failing_sign_in(|c, code| c.decline_device_code(code), demo::PUBLIC_CLIENT_ID).await;
    assert!(e.contains("AADSTS65004") && e.contains("declined at the verification page"), "{e}");

    let e = failing_sign_in(|c, code| c.expire_device_code(code), demo::PUBLIC_CLIENT_ID).await;
    assert!(e.contains("AADSTS70019") && e.contains("expired"), "{e}");

    let e = failing_sign_in(|c, code| c.block_device_code_by_conditional_access(code), demo::PUBLIC_CLIENT_ID).await;
    assert!(
        e.starts_with("device code sign-in failed: AADSTS53003: Access has been blocked by Conditional Access"),
        "{e}"
    );
    assert!(e.contains("Conditional Access blocked this sign-in"), "{e}");
}

#[tokio::test]
async fn public_client_flows_off_is_explained() {
    // The confidential demo client: the first poll is refused, before anyone signs in.
    let e = failing_sign_in(|_, _| true, demo::CLIENT_ID).await;
    assert!(e.contains("AADSTS7000218") && e.contains("Allow public client flows = Yes"), "{e}");
}

#[tokio::test]
async fn slow_down_lengthens_the_interval() {
    let h = start().await;
    let c = h.control();
    c.set_sts(StsSettings { device_code_interval_seconds: 0, slow_down_polls: 2, ..StsSettings::default() });
    let cred = credential(
        &h,
        demo::PUBLIC_CLIENT_ID,
        DeviceCodeOptions { slow_down_step: Duration::from_millis(150), ..fast() },
    );
    cred.set_prompt(sink(Arc::new(Mutex::new(Vec::new())), approve_as(c.clone(), demo::DANA_OKAFOR_ID)));
    let started = std::time::Instant::now();
    cred.get_token(&SCOPES, None).await.unwrap();
    // Two slow_downs: waits of 10+150 and 10+300 ms before the third poll.
    assert!(started.elapsed() >= Duration::from_millis(450), "{:?}", started.elapsed());
    assert_eq!(c.requests().iter().filter(|r| r.body.contains("grant_type=urn")).count(), 3);
}

#[tokio::test]
async fn revoked_refresh_token_needs_a_new_sign_in() {
    let h = start().await;
    let c = h.control();
    let cred = credential(
        &h,
        demo::PUBLIC_CLIENT_ID,
        DeviceCodeOptions { refresh_margin: Duration::from_secs(4000), ..fast() },
    );
    let events = Arc::new(Mutex::new(Vec::new()));
    cred.set_prompt(sink(events.clone(), approve_as(c.clone(), demo::DANA_OKAFOR_ID)));
    cred.get_token(&SCOPES, None).await.unwrap();
    assert!(cred.is_signed_in().await);
    c.revoke_refresh_tokens();
    // While the TUI runs there is no prompt: the request fails in words.
    cred.set_prompt(PromptSink::Refuse);
    let e = cred.get_token(&SCOPES, None).await.unwrap_err().to_string();
    assert!(e.contains("a new sign-in is needed: quit tapdesk and start it again"), "{e}");
    // With a prompt, a new device-code sign-in happens.
    cred.set_prompt(sink(events.clone(), approve_as(c.clone(), demo::DANA_OKAFOR_ID)));
    cred.get_token(&SCOPES, None).await.unwrap();
    assert_eq!(c.device_codes().len(), 2);
}

#[tokio::test]
async fn claims_challenge_is_answered_once_and_the_request_retried() {
    let h = start().await;
    let c = h.control();
    let cred = credential(&h, demo::PUBLIC_CLIENT_ID, fast());
    cred.set_prompt(sink(Arc::new(Mutex::new(Vec::new())), approve_as(c.clone(), demo::DANA_OKAFOR_ID)));
    let base = url::Url::parse(&h.graph_base()).unwrap();
    let plain = GraphClient::new(base.clone(), cred.clone(), SCOPES.map(String::from).to_vec()).unwrap();
    let cae = plain.clone().with_claims_handler(cred.clone());
    cae.get_me().await.unwrap();
    c.require_claims_challenge();
    // Without a handler the 401 comes back.
    let e = plain.get_me().await.unwrap_err();
    assert!(matches!(&e, GraphError::Api { status: 401, .. }), "{e:?}");
    // With it: a refresh grant carrying the claims, then the same request again.
    c.clear_requests();
    let me = cae.get_me().await.unwrap();
    assert_eq!(me.id, demo::DANA_OKAFOR_ID);
    let log = c.requests();
    let paths: Vec<String> = log.iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(log[1].body.contains("grant_type=refresh_token") && log[1].body.contains("claims="), "{}", log[1].body);
    assert_eq!(log[2].status, 200);
    // The new token is cached: the plain client works again too.
    plain.get_me().await.unwrap();
}

fn config_for(auth: AuthMode, scopes: Option<Vec<String>>, client_id: &str) -> Config {
    config::resolve(
        Overrides {
            auth: Some(auth),
            tenant: Some(demo::DOMAIN.into()),
            client_id: Some(client_id.into()),
            scopes,
            ..Overrides::default()
        },
        Overrides::default(),
        Overrides::default(),
        ConfigSource { path: None, found: false },
    )
}

#[tokio::test]
async fn session_signs_in_and_a_missing_permission_switches_a_feature_off() {
    let h = start().await;
    let c = h.control();
    let scopes = Some(vec!["User.Read.All".to_owned(), "UserAuthenticationMethod.Read.All".to_owned()]);
    c.with_tenant_mut(|t| {
        let cl = t.clients.iter_mut().find(|cl| cl.client_id == demo::PUBLIC_CLIENT_ID).unwrap();
        cl.consented_scopes = Some(vec!["User.Read.All".into(), "UserAuthenticationMethod.Read.All".into()]);
    });
    let cfg = config_for(AuthMode::DeviceCode, scopes, demo::PUBLIC_CLIENT_ID);
    let session =
        Session::build(&cfg, cloud(&h), BuildOptions { device_code: fast(), ..BuildOptions::default() }).unwrap();
    assert_eq!(
        session.scopes,
        ["https://graph.microsoft.com/User.Read.All", "https://graph.microsoft.com/UserAuthenticationMethod.Read.All"]
    );
    let dc = session.device_code.clone().unwrap();
    dc.set_prompt(sink(Arc::new(Mutex::new(Vec::new())), approve_as(c.clone(), demo::DANA_OKAFOR_ID)));
    let signed = session.sign_in().await.unwrap();
    assert_eq!(signed.identity.display, "dana.okafor@contoso.example");
    assert_eq!(signed.identity.tenant, demo::DOMAIN);
    assert!(!signed.identity.app_only);
    assert_eq!(signed.capabilities.read_methods, Ok(()));
    let why = signed.capabilities.create_tap.clone().unwrap_err();
    assert!(
        why.starts_with(
            "Issuing a Temporary Access Pass is off: the token lacks UserAuthenticationMethod.ReadWrite.All"
        ),
        "{why}"
    );
    assert!(signed.capabilities.revoke_sessions.is_err());

    // Graph agrees: the TAP create is refused for the missing permission.
    let client =
        GraphClient::new(url::Url::parse(&h.graph_base()).unwrap(), session.credential.clone(), session.scopes.clone())
            .unwrap();
    assert!(!client.list_methods(demo::AVERY_QUINN_ID).await.unwrap().is_empty());
    let e =
        client.create_tap(demo::AVERY_QUINN_ID, &tapdesk_graph::types::TapCreateRequest::default()).await.unwrap_err();
    assert!(matches!(&e, GraphError::Api { status: 403, .. }), "{e:?}");
    assert!(e.to_string().contains("required scopes are missing in the token"), "{e}");
}

#[tokio::test]
async fn consent_missing_is_explained() {
    let h = start().await;
    let c = h.control();
    c.with_tenant_mut(|t| {
        let cl = t.clients.iter_mut().find(|cl| cl.client_id == demo::PUBLIC_CLIENT_ID).unwrap();
        cl.consented_scopes = Some(vec!["User.Read.All".into()]);
    });
    let cfg = config_for(AuthMode::DeviceCode, None, demo::PUBLIC_CLIENT_ID);
    let session =
        Session::build(&cfg, cloud(&h), BuildOptions { device_code: fast(), ..BuildOptions::default() }).unwrap();
    session
        .device_code
        .clone()
        .unwrap()
        .set_prompt(sink(Arc::new(Mutex::new(Vec::new())), approve_as(c, demo::DANA_OKAFOR_ID)));
    let e = session.sign_in().await.unwrap_err();
    assert!(e.contains("AADSTS65001") && e.contains("Grant admin consent"), "{e}");
}
