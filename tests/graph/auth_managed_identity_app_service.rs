//! Managed identity the App Service way, end to end against the simulator: azure_identity 1.0.0's
//! `ManagedIdentityCredential` picks App Service when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`
//! are set (it has no option for them), calls `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&
//! resource=...` with `X-IDENTITY-HEADER`, and tapdesk's loopback transport carries the request to
//! the simulator's `/msi/token`.
//!
//! The variables are process-wide and other tests in this binary run at the same time, so the
//! environment is never changed in this process: [`app_service_managed_identity`] runs each case
//! in a child process of this test binary (`current_exe`) with the variables set on the child
//! only. The cases are `#[ignore]`d so a plain run does not start them without their environment.

use tapdesk::auth::app_only::{self, Retries};
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::signin::{SignedIn, error_text};
use tapdesk::auth::{AuthMode, sts};
use tapdesk::graph::client::GraphClient;
use tapdesk_sim::tenant::{ManagedIdentityType, SimManagedIdentity};
use tapdesk_sim::{self as sim, SimHandle, Tenant, demo};

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

/// Runs the ignored case `name` of this file in a child test process with `env` set there, and
/// asserts that it ran and passed.
fn run_case(name: &str, env: &[(&str, &str)]) {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--exact", &format!("auth_managed_identity_app_service::{name}"), "--ignored", "--test-threads=1"]);
    cmd.env_remove("IDENTITY_ENDPOINT").env_remove("IDENTITY_HEADER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "case {name} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 passed"), "case {name} did not run:\n{stdout}");
}

#[test]
fn app_service_managed_identity() {
    let both = [("IDENTITY_ENDPOINT", IDENTITY_ENDPOINT), ("IDENTITY_HEADER", IDENTITY_HEADER)];
    run_case("case_tokens_and_graph_calls", &both);
    run_case("case_wrong_identity_header", &[both[0], ("IDENTITY_HEADER", "not-this-host's-header")]);
}

#[tokio::test]
#[ignore = "run by app_service_managed_identity in a child process with IDENTITY_ENDPOINT and IDENTITY_HEADER set"]
async fn case_tokens_and_graph_calls() {
    assert_eq!(std::env::var("IDENTITY_HEADER").as_deref(), Ok(IDENTITY_HEADER));
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
}

#[tokio::test]
#[ignore = "run by app_service_managed_identity in a child process with a wrong IDENTITY_HEADER"]
async fn case_wrong_identity_header() {
    assert_eq!(std::env::var("IDENTITY_HEADER").as_deref(), Ok("not-this-host's-header"));
    let h = start().await;
    let cred = app_only::managed_identity(&cloud(&h), None, Retries::None).unwrap();
    let e = sts::explain_message(&error_text(&cred.get_token(&[GRAPH_SCOPE], None).await.unwrap_err()));
    assert!(e.contains("X-IDENTITY-HEADER request header is missing or does not match"), "{e}");
    let refused: Vec<_> =
        h.control().requests().into_iter().filter(|r| r.path == "/msi/token" && r.status == 401).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].header("x-identity-header"), Some("not-this-host's-header"));
}

/// No `X-IDENTITY-HEADER` at all (an App Service whose `IDENTITY_HEADER` went missing): the
/// simulator's endpoint refuses, in App Service's words. Sent by hand, so no environment is needed.
#[tokio::test]
async fn app_service_endpoint_refuses_a_request_without_the_identity_header() {
    let h = start().await;
    let url = format!("{}/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com", h.authority());
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let body = resp.text().await.unwrap();
    assert!(body.contains("X-IDENTITY-HEADER request header is missing or does not match"), "{body}");
    let refused: Vec<_> =
        h.control().requests().into_iter().filter(|r| r.path == "/msi/token" && r.status == 401).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].header("x-identity-header"), None);
}
