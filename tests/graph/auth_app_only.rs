//! App-only sign-in against the simulator: azure_identity's `ClientSecretCredential` through the
//! https-to-loopback transport with retries off, labelled app-only; a wrong secret and missing
//! settings explained; managed and workload identity built from their settings.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use secrecy::SecretString;
use tapdesk::auth::AuthMode;
use tapdesk::auth::app_only::Retries;
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::signin::{BuildOptions, Session};
use tapdesk::config::{self, Config, ConfigSource, Overrides};
use tapdesk::graph::client::GraphClient;
use tapdesk_sim::{self as sim, SimHandle, Tenant, demo};

async fn start() -> SimHandle {
    sim::start(Tenant::demo(30), "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn cloud(h: &SimHandle) -> Cloud {
    Cloud::custom(h.graph_base().trim_end_matches("/v1.0"), "https://graph.microsoft.com", &h.authority())
}

fn cfg(auth: AuthMode, tenant: Option<&str>, client: Option<&str>) -> Config {
    config::resolve(
        Overrides {
            auth: Some(auth),
            tenant: tenant.map(str::to_owned),
            client_id: client.map(str::to_owned),
            ..Overrides::default()
        },
        Overrides::default(),
        Overrides::default(),
        ConfigSource { path: None, found: false },
    )
}

fn opts(secret: &str) -> BuildOptions {
    BuildOptions { retries: Retries::None, client_secret: Some(SecretString::from(secret)), ..BuildOptions::default() }
}

#[tokio::test]
async fn client_secret_through_the_loopback_transport() {
    let h = start().await;
    let c = cfg(AuthMode::ClientSecret, Some(demo::TENANT_ID), Some(demo::CLIENT_ID));
    let session = Session::build(&c, cloud(&h), opts(demo::CLIENT_SECRET)).unwrap();
    assert_eq!(session.scopes, ["https://graph.microsoft.com/.default"]);
    let signed = session.sign_in().await.unwrap();
    assert!(signed.identity.app_only);
    assert_eq!(signed.identity.display, "tapdesk (simulated) (app-only)");
    assert_eq!(signed.auth, AuthMode::ClientSecret);
    let client =
        GraphClient::new(url::Url::parse(&h.graph_base()).unwrap(), session.credential.clone(), session.scopes.clone())
            .unwrap();
    assert_eq!(client.get_me().await.unwrap().id, demo::DANA_OKAFOR_ID);
    let token_requests: Vec<_> =
        h.control().requests().into_iter().filter(|r| r.path.ends_with("/oauth2/v2.0/token")).collect();
    assert_eq!(token_requests.len(), 1, "azure_identity caches the token");
    assert!(token_requests[0].body.contains("grant_type=client_credentials"));
    assert!(token_requests[0].header("user-agent").unwrap_or("").starts_with("azsdk-rust-identity"));
}

#[tokio::test]
async fn wrong_secret_is_explained_without_retries() {
    let h = start().await;
    let c = cfg(AuthMode::ClientSecret, Some(demo::TENANT_ID), Some(demo::CLIENT_ID));
    let session = Session::build(&c, cloud(&h), opts("not-the-secret")).unwrap();
    let e = session.sign_in().await.unwrap_err();
    assert!(e.contains("AADSTS7000215") && e.contains("set AZURE_CLIENT_SECRET to the secret's value"), "{e}");
    assert!(!e.contains("not-the-secret"));
    let n = h.control().requests().iter().filter(|r| r.path.ends_with("/token")).count();
    assert_eq!(n, 1, "retries are off");
}

#[tokio::test]
async fn missing_settings_name_what_is_missing() {
    let h = start().await;
    let e = Session::build(&cfg(AuthMode::ClientSecret, None, Some("c")), cloud(&h), opts("s")).unwrap_err();
    assert_eq!(e, "--auth client-secret needs the tenant: pass --tenant (or set `tenant`)");
    let e = Session::build(&cfg(AuthMode::ClientSecret, Some("t"), None), cloud(&h), opts("s")).unwrap_err();
    assert_eq!(e, "--auth client-secret needs the app's client id: pass --client-id (or set `client_id`)");
    let e = Session::build(&cfg(AuthMode::ClientCertificate, Some("t"), Some("c")), cloud(&h), opts("s")).unwrap_err();
    assert!(e.contains("needs the certificate file"), "{e}");
}

#[tokio::test]
async fn managed_and_workload_identity_are_app_only() {
    let h = start().await;
    let mi = Session::build(&cfg(AuthMode::ManagedIdentity, None, None), cloud(&h), opts("s")).unwrap();
    assert!(mi.auth.is_app_only());
    assert_eq!(mi.scopes, ["https://graph.microsoft.com/.default"]);
    // Workload identity needs its token file; without AZURE_FEDERATED_TOKEN_FILE it says so.
    let r = Session::build(&cfg(AuthMode::WorkloadIdentity, Some(demo::TENANT_ID), Some("c")), cloud(&h), opts("s"));
    if std::env::var_os("AZURE_FEDERATED_TOKEN_FILE").is_none() {
        let e = r.unwrap_err();
        assert!(e.contains("token file"), "{e}");
    }
}

/// A token Graph stops accepting before it expires (here: the simulator expires every token it
/// issued): azure_identity keeps handing out the cached one, so the client renews it past the
/// cache (a freshly built credential) and the call succeeds; without the renewer it fails.
#[tokio::test]
async fn a_refused_cached_token_is_renewed_once_past_azure_identitys_cache() {
    let h = start().await;
    let c = cfg(AuthMode::ClientSecret, Some(demo::TENANT_ID), Some(demo::CLIENT_ID));
    let session = Session::build(&c, cloud(&h), opts(demo::CLIENT_SECRET)).unwrap();
    session.sign_in().await.unwrap();
    let base = url::Url::parse(&h.graph_base()).unwrap();
    let plain = GraphClient::new(base.clone(), session.credential.clone(), session.scopes.clone()).unwrap();
    let renewing = GraphClient::new(base, session.credential.clone(), session.scopes.clone())
        .unwrap()
        .with_renewer(session.renewer.clone().expect("app-only credentials are renewable"));
    h.control().expire_tokens();
    let e = plain.get_me().await.expect_err("the cached token is refused");
    assert_eq!(e.status(), Some(401));
    assert_eq!(renewing.get_me().await.unwrap().id, demo::DANA_OKAFOR_ID);
    let token_requests = h.control().requests().into_iter().filter(|r| r.path.ends_with("/oauth2/v2.0/token")).count();
    assert_eq!(token_requests, 2, "one sign-in, one renewal");
    // The renewed token is kept: later calls (of either client) use it.
    assert_eq!(plain.get_me().await.unwrap().id, demo::DANA_OKAFOR_ID);
}
