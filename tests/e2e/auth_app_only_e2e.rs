//! Workload identity and managed identity (IMDS) end to end against the simulator: tapdesk's own
//! constructors (`tapdesk::auth::app_only::{workload_identity, managed_identity}`, i.e. the real
//! azure_identity credentials with retries off and the loopback transport) get app-only tokens,
//! and `GraphClient` uses them for real Graph calls. Refusals carry Entra's AADSTS codes (workload
//! identity) or the IMDS error, in the words tapdesk shows.
//!
//! The App Service flavour of managed identity needs process environment variables and lives in
//! `auth_managed_identity_app_service.rs`; certificates in `auth_client_certificate.rs`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use tapdesk::auth::app_only::{self, Retries};
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::signin::{SignedIn, error_text};
use tapdesk::auth::{AuthMode, sts};
use tapdesk::graph::client::GraphClient;
use tapdesk_sim::tenant::{
    FederatedIdentityCredential, ManagedIdentityType, SimClient, SimManagedIdentity, TOKEN_EXCHANGE_AUDIENCE,
};
use tapdesk_sim::{self as sim, SimHandle, Tenant, demo};

const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The AKS cluster's OIDC issuer and the pod's service account.
const ISSUER: &str = "https://oidc.aks.simulator.example/4f3e2d1c-0b9a-4877-8665-544332211000/";
const SUBJECT: &str = "system:serviceaccount:helpdesk:tapdesk";
const WORKLOAD_APP_ID: &str = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c10";
const WORKLOAD_SP_ID: &str = "6b5c4d3e-2f1a-4b0c-9d8e-7f6a5b4c3d20";
/// An app registration without federated credentials.
const BARE_APP_ID: &str = "7c6d5e4f-3a2b-4c1d-8e9f-8a7b6c5d4e30";

const SYSTEM_MI_CLIENT_ID: &str = "8d7e6f5a-4b3c-4d2e-9f0a-9b8c7d6e5f40";
const SYSTEM_MI_PRINCIPAL_ID: &str = "9e8f7a6b-5c4d-4e3f-8a1b-0c9d8e7f6a50";
const USER_MI_CLIENT_ID: &str = "0f9a8b7c-6d5e-4f4a-9b2c-1d0e9f8a7b60";
const USER_MI_PRINCIPAL_ID: &str = "1a0b9c8d-7e6f-4a5b-8c3d-2e1f0a9b8c70";

fn tenant() -> Tenant {
    let mut t = Tenant::demo(30);
    t.clients.push(SimClient {
        client_id: WORKLOAD_APP_ID.into(),
        display_name: Some("tapdesk automation (AKS)".into()),
        federated_identity_credentials: vec![FederatedIdentityCredential {
            name: "aks-helpdesk-tapdesk".into(),
            issuer: ISSUER.into(),
            subject: SUBJECT.into(),
            audiences: vec![TOKEN_EXCHANGE_AUDIENCE.into()],
        }],
        // Read-only: the TAP feature must switch off and Graph must refuse it.
        application_permissions: Some(vec!["User.Read.All".into(), "UserAuthenticationMethod.Read.All".into()]),
        service_principal_id: Some(WORKLOAD_SP_ID.into()),
        ..SimClient::default()
    });
    t.clients.push(SimClient { client_id: BARE_APP_ID.into(), ..SimClient::default() });
    t.managed_identities = vec![
        SimManagedIdentity {
            identity_type: ManagedIdentityType::SystemAssigned,
            client_id: SYSTEM_MI_CLIENT_ID.into(),
            principal_id: SYSTEM_MI_PRINCIPAL_ID.into(),
            resource_id: None,
            display_name: Some("vm-helpdesk-01".into()),
            application_permissions: None,
        },
        SimManagedIdentity {
            identity_type: ManagedIdentityType::UserAssigned,
            client_id: USER_MI_CLIENT_ID.into(),
            principal_id: USER_MI_PRINCIPAL_ID.into(),
            resource_id: Some(
                "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/helpdesk/providers/\
                 Microsoft.ManagedIdentity/userAssignedIdentities/tapdesk-uami"
                    .into(),
            ),
            display_name: Some("tapdesk-uami".into()),
            application_permissions: Some(vec!["User.Read.All".into()]),
        },
    ];
    t
}

async fn start() -> SimHandle {
    sim::start(tenant(), "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn cloud(h: &SimHandle) -> Cloud {
    Cloud::custom(h.graph_base().trim_end_matches("/v1.0"), "https://graph.microsoft.com", &h.authority())
}

fn graph(h: &SimHandle, cred: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) -> GraphClient {
    GraphClient::new(url::Url::parse(&h.graph_base()).unwrap(), cred, vec![GRAPH_SCOPE.into()]).unwrap()
}

/// A Kubernetes projected service-account token (its signature is not checked by the simulator),
/// written where `AZURE_FEDERATED_TOKEN_FILE` would point.
struct TokenFile {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn service_account_token(iss: &str, sub: &str, aud: &str, exp_in_seconds: i64) -> TokenFile {
    let now = jiff::Timestamp::now().as_second();
    let header = json!({"alg": "RS256", "kid": "aks-simulated-signing-key"});
    let claims = json!({
        "aud": [aud], "iss": iss, "sub": sub, "iat": now, "nbf": now, "exp": now + exp_in_seconds,
        "kubernetes.io": {"namespace": "helpdesk", "serviceaccount": {"name": "tapdesk"}},
    });
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode([7u8; 256])
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("azure-identity-token");
    std::fs::write(&path, token).unwrap();
    TokenFile { _dir: dir, path }
}

/// What tapdesk shows when the workload-identity token request fails.
async fn workload_error(h: &SimHandle, client_id: &str, file: &TokenFile) -> String {
    let cred =
        app_only::workload_identity(&cloud(h), Some(demo::TENANT_ID), Some(client_id), Some(&file.path), Retries::None)
            .unwrap();
    let e = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap_err();
    sts::explain_message(&error_text(&e))
}

#[tokio::test]
async fn workload_identity_signs_in_with_the_service_account_token() {
    let h = start().await;
    let file = service_account_token(ISSUER, SUBJECT, TOKEN_EXCHANGE_AUDIENCE, 3600);
    let cred = app_only::workload_identity(
        &cloud(&h),
        Some(demo::TENANT_ID),
        Some(WORKLOAD_APP_ID),
        Some(&file.path),
        Retries::None,
    )
    .unwrap();
    let token = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap();
    let signed =
        SignedIn::from_token(token.token.secret(), AuthMode::WorkloadIdentity, &cloud(&h), Some(demo::TENANT_ID))
            .unwrap();
    assert!(signed.identity.app_only);
    assert_eq!(signed.identity.display, "tapdesk automation (AKS) (app-only)");
    assert_eq!(signed.claims.oid.as_deref(), Some(WORKLOAD_SP_ID));
    assert_eq!(signed.claims.roles, ["User.Read.All", "UserAuthenticationMethod.Read.All"]);
    assert_eq!(signed.capabilities.read_methods, Ok(()));
    let tap_off = signed.capabilities.create_tap.clone().unwrap_err();
    assert!(tap_off.contains("UserAuthenticationMethod.ReadWrite.All"), "{tap_off}");

    let client = graph(&h, cred);
    let page = client.list_users_page(None).await.unwrap();
    assert!(
        page.users.iter().any(|u| u.id == demo::AVERY_QUINN_ID && u.display_name.as_deref() == Some("Avery Quinn"))
    );
    let ids: Vec<String> =
        client.list_methods(demo::AVERY_QUINN_ID).await.unwrap().iter().map(|m| m.id().to_owned()).collect();
    assert!(ids.contains(&demo::AVERY_FIDO2_ID.to_owned()), "{ids:?}");
    // Graph itself refuses what the roles do not allow.
    let e = client.list_taps(demo::NOOR_HADDAD_ID).await;
    assert!(e.is_ok(), "reading TAPs needs only the read permission: {e:?}");
    let body = tapdesk_graph::types::TapCreateRequest::default();
    let e = client.create_tap(demo::AVERY_QUINN_ID, &body).await.unwrap_err().to_string();
    assert!(e.contains("required scopes are missing in the token"), "{e}");

    let logged = h.control().requests().into_iter().find(|r| r.path.ends_with("/oauth2/v2.0/token")).unwrap();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(logged.body.as_bytes()).into_owned().collect();
    let assertion = form.iter().find(|(k, _)| k == "client_assertion").map(|(_, v)| v.as_str());
    assert_eq!(assertion, Some(std::fs::read_to_string(&file.path).unwrap().as_str()), "the file is the assertion");
}

#[tokio::test]
async fn workload_identity_refusals_name_the_mismatch() {
    let h = start().await;
    let wrong_subject =
        service_account_token(ISSUER, "system:serviceaccount:default:other", TOKEN_EXCHANGE_AUDIENCE, 600);
    let e = workload_error(&h, WORKLOAD_APP_ID, &wrong_subject).await;
    assert!(e.contains("AADSTS700213") && e.contains("system:serviceaccount:default:other"), "{e}");
    assert!(e.contains("Federated credentials"), "tapdesk's fix follows: {e}");

    let wrong_issuer = service_account_token("https://oidc.other.example/", SUBJECT, TOKEN_EXCHANGE_AUDIENCE, 600);
    let e = workload_error(&h, WORKLOAD_APP_ID, &wrong_issuer).await;
    assert!(e.contains("AADSTS700211") && e.contains("https://oidc.other.example/"), "{e}");

    let wrong_audience = service_account_token(ISSUER, SUBJECT, "api://something-else", 600);
    let e = workload_error(&h, WORKLOAD_APP_ID, &wrong_audience).await;
    assert!(e.contains("AADSTS700212"), "{e}");

    // Case matters (Entra matches federated credentials case-sensitively).
    let shouting = service_account_token(ISSUER, &SUBJECT.to_uppercase(), TOKEN_EXCHANGE_AUDIENCE, 600);
    let e = workload_error(&h, WORKLOAD_APP_ID, &shouting).await;
    assert!(e.contains("AADSTS700213"), "{e}");

    let good = service_account_token(ISSUER, SUBJECT, TOKEN_EXCHANGE_AUDIENCE, 600);
    let e = workload_error(&h, BARE_APP_ID, &good).await;
    assert!(e.contains("AADSTS70021:") && e.contains("No matching federated identity record found"), "{e}");
}

#[tokio::test]
async fn expired_service_account_token_is_refused_with_aadsts700024() {
    let h = start().await;
    let expired = service_account_token(ISSUER, SUBJECT, TOKEN_EXCHANGE_AUDIENCE, -60);
    let e = workload_error(&h, WORKLOAD_APP_ID, &expired).await;
    assert!(e.contains("AADSTS700024") && e.contains("not within its valid time range"), "{e}");
    assert!(e.contains("token file is still being refreshed"), "{e}");
    let n = h.control().requests().iter().filter(|r| r.path.ends_with("/token")).count();
    assert_eq!(n, 1, "retries are off");
}

/// IMDS is chosen only when no App Service / Cloud Shell variables are set (azure_identity 1.0.0).
fn assert_imds_environment() {
    for v in ["IDENTITY_ENDPOINT", "MSI_ENDPOINT"] {
        assert!(std::env::var_os(v).is_none(), "{v} is set: ManagedIdentityCredential would not use IMDS");
    }
}

#[tokio::test]
async fn system_assigned_managed_identity_through_imds() {
    assert_imds_environment();
    let h = start().await;
    let cred = app_only::managed_identity(&cloud(&h), None, Retries::None).unwrap();
    let token = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap();
    let signed = SignedIn::from_token(token.token.secret(), AuthMode::ManagedIdentity, &cloud(&h), None).unwrap();
    assert!(signed.identity.app_only);
    assert_eq!(signed.identity.display, "vm-helpdesk-01 (app-only)");
    assert_eq!(signed.identity.tenant, demo::TENANT_ID);
    assert_eq!(signed.claims.app_id.as_deref(), Some(SYSTEM_MI_CLIENT_ID));
    assert_eq!(signed.claims.oid.as_deref(), Some(SYSTEM_MI_PRINCIPAL_ID));
    assert_eq!(signed.capabilities.create_tap, Ok(()));
    let expires = token.expires_on.unix_timestamp() - jiff::Timestamp::now().as_second();
    assert!((3500..=3600).contains(&expires), "expires_on is read from the epoch string: {expires}");

    let client = graph(&h, cred);
    let dana = client.get_user(demo::DANA_OKAFOR_ID).await.unwrap();
    assert_eq!(dana.display_name.as_deref(), Some("Dana Okafor"));
    let ids: Vec<String> =
        client.list_methods(demo::AVERY_QUINN_ID).await.unwrap().iter().map(|m| m.id().to_owned()).collect();
    assert!(ids.contains(&demo::AVERY_AUTHENTICATOR_ID.to_owned()), "{ids:?}");

    let logged = h.control().requests().into_iter().find(|r| r.path == "/metadata/identity/oauth2/token").unwrap();
    assert_eq!(logged.method, "GET");
    assert_eq!(logged.header("metadata"), Some("true"));
    let q: Vec<(String, String)> =
        url::form_urlencoded::parse(logged.query.as_deref().unwrap_or("").as_bytes()).into_owned().collect();
    assert!(q.contains(&("api-version".into(), "2019-08-01".into())), "{q:?}");
    assert!(q.contains(&("resource".into(), "https://graph.microsoft.com".into())), "{q:?}");
    assert!(!q.iter().any(|(k, _)| k == "client_id"), "system-assigned: no id: {q:?}");
}

#[tokio::test]
async fn user_assigned_managed_identity_by_client_id() {
    assert_imds_environment();
    let h = start().await;
    let cred = app_only::managed_identity(&cloud(&h), Some(USER_MI_CLIENT_ID), Retries::None).unwrap();
    let token = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap();
    let signed = SignedIn::from_token(token.token.secret(), AuthMode::ManagedIdentity, &cloud(&h), None).unwrap();
    assert_eq!(signed.identity.display, "tapdesk-uami (app-only)");
    assert_eq!(signed.claims.oid.as_deref(), Some(USER_MI_PRINCIPAL_ID));
    assert_eq!(signed.claims.roles, ["User.Read.All"]);
    assert!(signed.capabilities.read_methods.is_err());

    let client = graph(&h, cred);
    let avery = client.get_user(demo::AVERY_QUINN_ID).await.unwrap();
    assert_eq!(avery.user_principal_name.as_deref(), Some("avery.quinn@contoso.example"));
    let e = client.list_methods(demo::AVERY_QUINN_ID).await.unwrap_err().to_string();
    assert!(e.contains("required scopes are missing in the token"), "{e}");
    let logged = h.control().requests().into_iter().find(|r| r.path == "/metadata/identity/oauth2/token").unwrap();
    assert!(logged.query.as_deref().unwrap_or("").contains(&format!("client_id={USER_MI_CLIENT_ID}")));
}

#[tokio::test]
async fn unknown_user_assigned_identity_is_not_found() {
    assert_imds_environment();
    let h = start().await;
    let cred =
        app_only::managed_identity(&cloud(&h), Some("2b1c0d9e-8f7a-4b6c-9d4e-3f2a1b0c9d80"), Retries::None).unwrap();
    let e = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap_err();
    let shown = sts::explain_message(&error_text(&e));
    assert!(shown.contains("ManagedIdentityCredential"), "{shown}");
    assert!(shown.contains("The requested identity has not been assigned to this resource"), "{shown}");
    let calls: Vec<_> =
        h.control().requests().into_iter().filter(|r| r.path == "/metadata/identity/oauth2/token").collect();
    assert_eq!(calls.len(), 1, "a 400 is not retried");
    assert_eq!(calls[0].status, 400);
}

#[tokio::test]
async fn imds_answers_like_the_real_endpoint() {
    let h = start().await;
    let http = reqwest::Client::new();
    let url = format!("http://{}/metadata/identity/oauth2/token", h.addr());
    let get = |query: &'static str, metadata: bool| {
        let mut r = http.get(format!("{url}?{query}"));
        if metadata {
            r = r.header("Metadata", "true");
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let resource = "api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com";
    let (status, body) = get(resource, false).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "bad_request_102", "error_description": "Required metadata header not specified"})
    );
    let (status, body) = get("api-version=2019-08-01", true).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
    let (status, body) = get(
        "api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com&object_id=1a0b9c8d-7e6f-4a5b-8c3d-2e1f0a9b8c70",
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_id"], USER_MI_CLIENT_ID);
    assert_eq!(body["resource"], "https://graph.microsoft.com");
    assert_eq!(body["token_type"], "Bearer");
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > jiff::Timestamp::now().as_second());
    let (status, body) =
        get("api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com&msi_res_id=%2Fnope", true).await;
    assert_eq!(status, 400);
    assert_eq!(body, json!({"error": "invalid_request", "error_description": "Identity not found"}));
}

#[test]
fn fixture_shapes_parse_as_documented() {
    let client: SimClient = serde_json::from_value(json!({
        "clientId": WORKLOAD_APP_ID,
        "applicationPermissions": ["User.Read.All"],
        "keyCredentials": [{"key": "MIIB", "customKeyIdentifier": "AB12", "endDateTime": "2027-01-01T00:00:00Z"}],
        "federatedCredentials": [{"name": "aks", "issuer": ISSUER, "subject": SUBJECT}],
    }))
    .unwrap();
    let key = &client.key_credentials[0];
    assert_eq!((key.key_type.as_str(), key.usage.as_str()), ("AsymmetricX509Cert", "Verify"));
    assert_eq!(key.end_date_time, Some("2027-01-01T00:00:00Z".parse().unwrap()));
    let fic = &client.federated_identity_credentials[0];
    assert_eq!(fic.audiences, [TOKEN_EXCHANGE_AUDIENCE], "the audience defaults to api://AzureADTokenExchange");
    let mi: SimManagedIdentity = serde_json::from_value(json!({
        "type": "UserAssigned", "clientId": USER_MI_CLIENT_ID, "principalId": USER_MI_PRINCIPAL_ID,
    }))
    .unwrap();
    assert_eq!(mi.identity_type, ManagedIdentityType::UserAssigned);
    assert_eq!(mi.application_permissions, None);
    // A tenant without the new keys serialises as before (no empty lists or nulls added).
    let plain = serde_json::to_value(Tenant::demo(5)).unwrap();
    assert!(plain.get("managedIdentities").is_none() && plain.get("identityHeader").is_none());
    assert!(plain["clients"][0].get("keyCredentials").is_none());
}
