//! Managed identity the App Service way, end to end against the simulator: azure_identity 1.0.0's
//! `ManagedIdentityCredential` picks App Service when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`
//! are set (it has no option for them), calls `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&
//! resource=...` with `X-IDENTITY-HEADER`, and tapdesk's loopback transport carries the request to
//! the simulator's `/msi/token`.
//!
//! Because the variables are process-wide, this file holds a single test that sets them once and
//! runs every case in sequence (nothing else in this test binary reads the environment).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use tapdesk::auth::app_only::{self, Retries};
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::signin::{SignedIn, error_text};
use tapdesk::auth::{AuthMode, sts};
use tapdesk::graph::client::GraphClient;
use tapdesk::sim::tenant::{ManagedIdentityType, SimManagedIdentity};
use tapdesk::sim::{self, SimHandle, Tenant, demo};

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// Any URL: the loopback transport sends it to the simulator with the same path.
const IDENTITY_ENDPOINT: &str = "http://msi.simulator.example/msi/token";
/// The per-app secret App Service puts in `IDENTITY_HEADER` (fictional).
const IDENTITY_HEADER: &str = "3c1f9a7e-simulated-identity-header";
const SYSTEM_MI_CLIENT_ID: &str = "4d2e0b8f-6a5c-4e3d-9b1a-0f9e8d7c6b01";
const USER_MI_CLIENT_ID: &str = "5e3f1c9a-7b6d-4f4e-8c2b-1a0f9e8d7c02";
const USER_MI_PRINCIPAL_ID: &str = "6f4a2d0b-8c7e-4a5f-9d3c-2b1a0f9e8d03";

fn identity(kind: ManagedIdentityType, client_id: &str, principal_id: &str, name: &str) -> SimManagedIdentity {
    SimManagedIdentity {
        identity_type: kind,
        client_id: client_id.into(),
        principal_id: principal_id.into(),
        resource_id: None,
        display_name: Some(name.into()),
        application_permissions: None,
    }
}

async fn start() -> SimHandle {
    let mut t = Tenant::demo(30);
    t.identity_header = Some(IDENTITY_HEADER.into());
    t.managed_identities = vec![
        identity(
            ManagedIdentityType::SystemAssigned,
            SYSTEM_MI_CLIENT_ID,
            "7a5b3e1c-9d8f-4b6a-8e4d-3c2b1a0f9e04",
            "app-helpdesk",
        ),
        identity(ManagedIdentityType::UserAssigned, USER_MI_CLIENT_ID, USER_MI_PRINCIPAL_ID, "tapdesk-uami"),
    ];
    sim::start(t, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn cloud(h: &SimHandle) -> Cloud {
    Cloud::custom(h.graph_base().trim_end_matches("/v1.0"), "https://graph.microsoft.com", &h.authority())
}

fn set_env(name: &str, value: Option<&str>) {
    // SAFETY: this test binary has a single test and no other thread reads or writes the
    // environment while it runs (see the module doc).
    unsafe {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
}

#[tokio::test]
async fn app_service_managed_identity() {
    set_env("IDENTITY_ENDPOINT", Some(IDENTITY_ENDPOINT));
    set_env("IDENTITY_HEADER", Some(IDENTITY_HEADER));
    let h = start().await;

    // System-assigned: a token, then real Graph calls with it.
    let cred = app_only::managed_identity(&cloud(&h), None, Retries::None).unwrap();
    let token = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap();
    let signed = SignedIn::from_token(token.token.secret(), AuthMode::ManagedIdentity, &cloud(&h), None).unwrap();
    assert_eq!(signed.status_text(), format!("app-helpdesk (app-only) @ {}", demo::TENANT_ID));
    assert_eq!(signed.claims.app_id.as_deref(), Some(SYSTEM_MI_CLIENT_ID));
    let client = GraphClient::new(url::Url::parse(&h.graph_base()).unwrap(), cred, vec![GRAPH_SCOPE.into()]).unwrap();
    let noor = client.get_user(demo::NOOR_HADDAD_ID).await.unwrap();
    assert_eq!(noor.display_name.as_deref(), Some("Noor Haddad"));
    let taps = client.list_taps(demo::NOOR_HADDAD_ID).await.unwrap();
    assert_eq!(taps.len(), 1, "Noor has one active TAP");
    let logged = h.control().requests().into_iter().find(|r| r.path == "/msi/token").unwrap();
    assert_eq!(logged.header("x-identity-header"), Some(IDENTITY_HEADER));
    assert!(logged.query.as_deref().unwrap_or("").contains("api-version=2019-08-01"));

    // User-assigned by client id.
    let cred = app_only::managed_identity(&cloud(&h), Some(USER_MI_CLIENT_ID), Retries::None).unwrap();
    let token = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap();
    let signed = SignedIn::from_token(token.token.secret(), AuthMode::ManagedIdentity, &cloud(&h), None).unwrap();
    assert_eq!(signed.identity.display, "tapdesk-uami (app-only)");
    assert_eq!(signed.claims.oid.as_deref(), Some(USER_MI_PRINCIPAL_ID));

    // Unknown user-assigned identity: 400, worded by azure_identity.
    let cred =
        app_only::managed_identity(&cloud(&h), Some("0a9b8c7d-6e5f-4a4b-9c3d-2e1f0a9b8c05"), Retries::None).unwrap();
    let e = sts::explain_message(&error_text(&cred.get_token(&[GRAPH_SCOPE], None).await.unwrap_err()));
    assert!(e.contains("The requested identity has not been assigned to this resource"), "{e}");

    // A wrong IDENTITY_HEADER, then none at all: the endpoint refuses and says why.
    set_env("IDENTITY_HEADER", Some("not-this-host's-header"));
    let cred = app_only::managed_identity(&cloud(&h), None, Retries::None).unwrap();
    let e = sts::explain_message(&error_text(&cred.get_token(&[GRAPH_SCOPE], None).await.unwrap_err()));
    assert!(e.contains("X-IDENTITY-HEADER request header is missing or does not match"), "{e}");
    set_env("IDENTITY_HEADER", None);
    let e = sts::explain_message(&error_text(&cred.get_token(&[GRAPH_SCOPE], None).await.unwrap_err()));
    assert!(e.contains("X-IDENTITY-HEADER request header is missing or does not match"), "{e}");
    let refused: Vec<_> =
        h.control().requests().into_iter().filter(|r| r.path == "/msi/token" && r.status == 401).collect();
    assert_eq!(refused.len(), 2);
    assert_eq!(refused[1].header("x-identity-header"), None, "no header is sent without IDENTITY_HEADER");

    set_env("IDENTITY_ENDPOINT", None);
}
