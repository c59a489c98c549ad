//! The sign-in worker (`tapdesk::auth::worker`) against the simulator over real HTTP: the code
//! arrives as an event, Cancel (Esc) stops the polling at once and refuses new prompts, a retry
//! gets a new code and signs in; an expired code and a Conditional Access block end the attempt
//! with the right kind and the AADSTS code; a refresh token refused mid-session brings the prompt
//! back through the same channel.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use tapdesk::auth::AuthMode;
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::device_code::{DeviceCodeOptions, DeviceCodePrompt, PromptEvent};
use tapdesk::auth::signin::{BuildOptions, FailureKind, Session, SignInFailure, SignedIn};
use tapdesk::auth::worker::{self, SignInEvent, SignInRequest};
use tapdesk::config::{self, ConfigSource, Overrides};
use tapdesk_sim::{self as sim, SimControl, SimHandle, StsSettings, Tenant, demo};
use tokio::sync::mpsc::UnboundedReceiver;

async fn start() -> SimHandle {
    let h = sim::start(Tenant::demo(30), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    h.control().set_sts(StsSettings { device_code_interval_seconds: 0, ..StsSettings::default() });
    h
}

fn session(h: &SimHandle) -> Session {
    let cfg = config::resolve(
        Overrides {
            auth: Some(AuthMode::DeviceCode),
            tenant: Some(demo::DOMAIN.into()),
            client_id: Some(demo::PUBLIC_CLIENT_ID.into()),
            ..Overrides::default()
        },
        Overrides::default(),
        Overrides::default(),
        ConfigSource { path: None, found: false },
    );
    let cloud = Cloud::custom(&h.authority(), "https://graph.microsoft.com", &h.authority());
    let fast = DeviceCodeOptions {
        min_poll_interval: Duration::from_millis(20),
        slow_down_step: Duration::from_millis(20),
        ..DeviceCodeOptions::default()
    };
    Session::build(&cfg, cloud, BuildOptions { device_code: fast, ..BuildOptions::default() }).unwrap()
}

async fn next(rx: &mut UnboundedReceiver<SignInEvent>) -> SignInEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv()).await.expect("an event in time").expect("worker alive")
}

async fn shown(rx: &mut UnboundedReceiver<SignInEvent>, want: u64) -> DeviceCodePrompt {
    match next(rx).await {
        SignInEvent::Prompt { attempt, event: PromptEvent::Show(p) } if attempt == want => p,
        other => panic!("expected the code of attempt {want}, got {other:?}"),
    }
}

/// Skips prompt events until the attempt's end.
async fn finished(rx: &mut UnboundedReceiver<SignInEvent>, want: u64) -> Result<Box<SignedIn>, SignInFailure> {
    loop {
        match next(rx).await {
            SignInEvent::Finished { attempt, result } if attempt == want => return result,
            SignInEvent::Prompt { attempt, .. } if attempt == want => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn polls(c: &SimControl) -> usize {
    c.requests().iter().filter(|r| r.path.ends_with("/oauth2/v2.0/token") && r.body.contains("device_code")).count()
}

#[tokio::test]
async fn code_arrives_cancel_stops_polling_and_retry_signs_in() {
    let h = start().await;
    let c = h.control();
    let (tx, mut rx) = worker::spawn(session(&h));
    tx.send(SignInRequest::Start { attempt: 1 }).unwrap();
    let first = shown(&mut rx, 1).await;
    assert_eq!(first.verification_uri, format!("{}/devicelogin", h.authority()));
    assert_eq!(first.user_code.len(), 9);
    assert_eq!((first.tenant.as_str(), first.client_id.as_str()), (demo::DOMAIN, demo::PUBLIC_CLIENT_ID));
    // It polls while the code is shown...
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(polls(&c) > 0);

    // ...and not once Esc cancelled it.
    tx.send(SignInRequest::Cancel { attempt: 1 }).unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let after_cancel = polls(&c);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(polls(&c), after_cancel, "no poll after Cancel");
    assert!(!c.approve_device_code("NOSUCHCODE", demo::DANA_OKAFOR_ID));

    tx.send(SignInRequest::Start { attempt: 2 }).unwrap();
    // Attempt 1 may have ended as cancelled before it was aborted: never as anything else.
    let second = loop {
        match next(&mut rx).await {
            SignInEvent::Prompt { attempt: 2, event: PromptEvent::Show(p) } => break p,
            SignInEvent::Finished { attempt: 1, result: Err(f) } => assert_eq!(f.kind, FailureKind::Cancelled),
            SignInEvent::Prompt { attempt: 1, event: PromptEvent::Failed(_) } => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_ne!(second.user_code, first.user_code, "a retry gets a new code");
    assert!(c.approve_device_code(&second.user_code, demo::DANA_OKAFOR_ID));
    let signed = finished(&mut rx, 2).await.unwrap();
    assert_eq!(signed.status_text(), "dana.okafor@contoso.example @ contoso.example");
    assert_eq!(signed.own_domains(), ["contoso.example"]);
    // offline_access was asked for: a refresh token exists, in the simulator and in memory only.
    assert_eq!(c.refresh_token_count(), 1);
    h.shutdown();
}

#[tokio::test]
async fn expired_code_and_conditional_access_end_the_attempt_in_words() {
    let h = start().await;
    let c = h.control();
    let (tx, mut rx) = worker::spawn(session(&h));
    tx.send(SignInRequest::Start { attempt: 1 }).unwrap();
    let p = shown(&mut rx, 1).await;
    assert!(c.expire_device_code(&p.user_code));
    let f = finished(&mut rx, 1).await.unwrap_err();
    assert_eq!(f.kind, FailureKind::Expired, "{f:?}");
    assert!(f.text.contains("AADSTS70019"), "{}", f.text);

    tx.send(SignInRequest::Start { attempt: 2 }).unwrap();
    let p = shown(&mut rx, 2).await;
    assert!(c.block_device_code_by_conditional_access(&p.user_code));
    let f = finished(&mut rx, 2).await.unwrap_err();
    assert_eq!(f.kind, FailureKind::Other);
    assert!(f.text.contains("AADSTS53003") && f.text.contains("Conditional Access"), "{}", f.text);

    tx.send(SignInRequest::Start { attempt: 3 }).unwrap();
    let p = shown(&mut rx, 3).await;
    assert!(c.decline_device_code(&p.user_code));
    let f = finished(&mut rx, 3).await.unwrap_err();
    assert_eq!(f.kind, FailureKind::Other);
    assert!(f.text.contains("AADSTS65004") && f.text.contains("declined at the verification page"), "{}", f.text);
    h.shutdown();
}

#[tokio::test]
async fn refused_refresh_token_brings_the_prompt_back_mid_session() {
    let h = start().await;
    let c = h.control();
    // Tokens shorter than the 5-minute refresh margin: every call redeems the refresh token.
    c.set_sts(StsSettings {
        device_code_interval_seconds: 0,
        access_token_lifetime_seconds: 60,
        ..StsSettings::default()
    });
    let s = session(&h);
    let credential = s.credential.clone();
    let scopes = s.scopes.clone();
    let (tx, mut rx) = worker::spawn(s);
    tx.send(SignInRequest::Start { attempt: 1 }).unwrap();
    let p = shown(&mut rx, 1).await;
    assert!(c.approve_device_code(&p.user_code, demo::DANA_OKAFOR_ID));
    finished(&mut rx, 1).await.unwrap();

    // Mid-session: the refresh token is revoked; the next Graph token needs the operator again.
    c.revoke_refresh_tokens();
    let (cred, sc) = (credential.clone(), scopes.clone());
    let call = tokio::spawn(async move {
        let refs: Vec<&str> = sc.iter().map(String::as_str).collect();
        cred.get_token(&refs, None).await.map(|_| ())
    });
    shown(&mut rx, 1).await;
    // Esc: the waiting call fails in words, and the next one does not show another code.
    tx.send(SignInRequest::Cancel { attempt: 1 }).unwrap();
    let e = tokio::time::timeout(Duration::from_secs(5), call).await.unwrap().unwrap().unwrap_err();
    assert!(e.to_string().contains("cancelled"), "{e}");
    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    assert!(credential.get_token(&refs, None).await.is_err());
    // r: a new attempt, a new code, signed in again.
    tx.send(SignInRequest::Start { attempt: 2 }).unwrap();
    let p = loop {
        match next(&mut rx).await {
            SignInEvent::Prompt { attempt: 2, event: PromptEvent::Show(p) } => break p,
            SignInEvent::Prompt { attempt: 1, event: PromptEvent::Failed(_) } => {}
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(c.approve_device_code(&p.user_code, demo::DANA_OKAFOR_ID));
    finished(&mut rx, 2).await.unwrap();
    assert!(credential.get_token(&refs, None).await.is_ok());
    h.shutdown();
}
