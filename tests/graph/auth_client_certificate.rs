//! `--auth client-certificate` end to end against the simulator: azure_identity's
//! `ClientCertificateCredential` (built by `tapdesk::auth::app_only::client_certificate`, retries
//! off, loopback transport) signs a client assertion with a certificate generated here at test
//! time (RSA 2048, self-signed, PKCS#12 without password; no key is committed); the simulator
//! checks it against the app's registered `keyCredentials` (signature included) and issues an
//! app-only token that Graph calls then use. Refusals carry Entra's AADSTS codes and tapdesk's fix.

#![cfg(feature = "client-cert")]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use tapdesk::auth::app_only::{self, Retries};
use tapdesk::auth::cloud::Cloud;
use tapdesk::auth::signin::{BuildOptions, Session, SignedIn, error_text};
use tapdesk::auth::{AuthMode, sts};
use tapdesk::config::{self, ConfigSource, Overrides};
use tapdesk::graph::client::GraphClient;
use tapdesk_sim::tenant::{KeyCredential, SimClient};
use tapdesk_sim::{self as sim, SimHandle, Tenant, demo};

const APP_ID: &str = "3f1e2d4c-5b6a-4798-8a0b-1c2d3e4f5a60";
const APP_NAME: &str = "tapdesk automation (certificate)";
const SP_ID: &str = "7b6a5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c21";
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// A fresh self-signed certificate: the PKCS#12 file azure_identity reads, and the DER of the
/// certificate alone (what an app registration holds).
struct TestCert {
    _dir: tempfile::TempDir,
    pfx: PathBuf,
    der: Vec<u8>,
}

fn make_cert(cn: &str) -> TestCert {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_u32(rand_serial()).unwrap().to_asn1_integer().unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::days_from_now(365).unwrap()).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    let pfx = Pkcs12::builder().name(cn).pkey(&key).cert(&cert).build2("").unwrap().to_der().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tapdesk.pfx");
    std::fs::write(&path, pfx).unwrap();
    TestCert { _dir: dir, pfx: path, der: cert.to_der().unwrap() }
}

fn rand_serial() -> u32 {
    u32::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..4].try_into().unwrap()) >> 1
}

fn sha1_hex(der: &[u8]) -> String {
    openssl::hash::hash(MessageDigest::sha1(), der).unwrap().iter().map(|b| format!("{b:02X}")).collect()
}

fn key_credential(der: &[u8]) -> KeyCredential {
    KeyCredential {
        key_id: Some("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e".into()),
        key_type: "AsymmetricX509Cert".into(),
        usage: "Verify".into(),
        key: STANDARD.encode(der),
        custom_key_identifier: None,
        display_name: Some("CN=tapdesk-automation".into()),
        start_date_time: None,
        end_date_time: None,
    }
}

/// The demo tenant plus an app registration that signs in with `keys`.
async fn start(keys: Vec<KeyCredential>) -> SimHandle {
    let mut tenant = Tenant::demo(30);
    tenant.clients.push(SimClient {
        client_id: APP_ID.into(),
        display_name: Some(APP_NAME.into()),
        key_credentials: keys,
        service_principal_id: Some(SP_ID.into()),
        ..SimClient::default()
    });
    sim::start(tenant, "127.0.0.1:0".parse().unwrap()).await.unwrap()
}

fn cloud(h: &SimHandle) -> Cloud {
    Cloud::custom(h.graph_base().trim_end_matches("/v1.0"), "https://graph.microsoft.com", &h.authority())
}

/// What tapdesk shows when the first token fails (as `Session::sign_in` words it).
async fn sign_in_error(h: &SimHandle, cert: &TestCert) -> String {
    let cred = app_only::client_certificate(&cloud(h), demo::TENANT_ID, APP_ID, &cert.pfx, Retries::None).unwrap();
    let e = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap_err();
    sts::explain_message(&error_text(&e))
}

#[tokio::test]
async fn certificate_signs_in_app_only_and_calls_graph() {
    let cert = make_cert("tapdesk-automation");
    let h = start(vec![key_credential(&cert.der)]).await;
    let cred = app_only::client_certificate(&cloud(&h), demo::TENANT_ID, APP_ID, &cert.pfx, Retries::None).unwrap();
    let token = cred.get_token(&[GRAPH_SCOPE], None).await.unwrap();
    let signed =
        SignedIn::from_token(token.token.secret(), AuthMode::ClientCertificate, &cloud(&h), Some(demo::TENANT_ID))
            .unwrap();
    assert!(signed.identity.app_only);
    assert_eq!(signed.identity.display, "tapdesk automation (certificate) (app-only)");
    assert_eq!(signed.status_text(), format!("tapdesk automation (certificate) (app-only) @ {}", demo::TENANT_ID));
    assert_eq!(signed.claims.id_type.as_deref(), Some("app"));
    assert_eq!(signed.claims.oid.as_deref(), Some(SP_ID));
    assert!(signed.claims.scopes.is_empty(), "app-only tokens carry roles, not scp");
    assert!(signed.claims.roles.iter().any(|r| r == "UserAuthenticationMethod.ReadWrite.All"));
    assert_eq!(signed.capabilities.create_tap, Ok(()));

    let client = GraphClient::new(url::Url::parse(&h.graph_base()).unwrap(), cred, vec![GRAPH_SCOPE.into()]).unwrap();
    let avery = client.get_user(demo::AVERY_QUINN_ID).await.unwrap();
    assert_eq!(avery.display_name.as_deref(), Some("Avery Quinn"));
    let ids: Vec<String> =
        client.list_methods(demo::AVERY_QUINN_ID).await.unwrap().iter().map(|m| m.id().to_owned()).collect();
    assert!(ids.contains(&demo::AVERY_FIDO2_ID.to_owned()), "{ids:?}");
    assert!(ids.contains(&demo::AVERY_AUTHENTICATOR_ID.to_owned()), "{ids:?}");
    // An app is nobody: /me is refused the way Graph refuses it for app-only tokens.
    let e = client.get_me().await.unwrap_err().to_string();
    assert!(e.contains("/me request is only valid with delegated authentication flow"), "{e}");

    let token_requests: Vec<_> =
        h.control().requests().into_iter().filter(|r| r.path.ends_with("/oauth2/v2.0/token")).collect();
    assert_eq!(token_requests.len(), 1, "azure_identity caches the token");
    let form: Vec<(String, String)> =
        url::form_urlencoded::parse(token_requests[0].body.as_bytes()).into_owned().collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(field("grant_type"), Some("client_credentials"));
    assert_eq!(field("client_assertion_type"), Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
    assert_eq!(field("client_secret"), None);
    // The assertion names the certificate by its SHA-1 thumbprint and is for the token endpoint.
    let assertion = field("client_assertion").unwrap();
    let mut parts = assertion.split('.');
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap().trim_end_matches('=')).unwrap()).unwrap();
    let x5t = STANDARD.decode(header["x5t"].as_str().unwrap()).unwrap();
    assert_eq!(x5t.iter().map(|b| format!("{b:02X}")).collect::<String>(), sha1_hex(&cert.der));
}

#[tokio::test]
async fn certificate_session_shows_the_app_in_the_status_line() {
    let cert = make_cert("tapdesk-automation");
    let h = start(vec![key_credential(&cert.der)]).await;
    let config = config::resolve(
        Overrides {
            auth: Some(AuthMode::ClientCertificate),
            tenant: Some(demo::DOMAIN.into()),
            client_id: Some(APP_ID.into()),
            certificate: Some(cert.pfx.clone()),
            ..Overrides::default()
        },
        Overrides::default(),
        Overrides::default(),
        ConfigSource { path: None, found: false },
    );
    let session =
        Session::build(&config, cloud(&h), BuildOptions { retries: Retries::None, ..BuildOptions::default() }).unwrap();
    let signed = session.sign_in().await.unwrap();
    assert_eq!(signed.auth, AuthMode::ClientCertificate);
    assert_eq!(signed.status_text(), "tapdesk automation (certificate) (app-only) @ contoso.example");
}

#[tokio::test]
async fn unregistered_certificate_is_refused_with_aadsts700027() {
    let registered = make_cert("tapdesk-automation");
    let other = make_cert("someone-else");
    let h = start(vec![key_credential(&registered.der)]).await;
    let e = sign_in_error(&h, &other).await;
    assert!(e.contains("AADSTS700027") && e.contains("The key was not found."), "{e}");
    assert!(e.contains(&sha1_hex(&other.der)), "the thumbprint the client used is named: {e}");
    assert!(e.contains("Certificates & secrets"), "tapdesk's fix follows: {e}");
    let n = h.control().requests().iter().filter(|r| r.path.ends_with("/token")).count();
    assert_eq!(n, 1, "retries are off");
}

#[tokio::test]
async fn a_signature_the_registered_key_does_not_verify_is_refused() {
    // The registration names the client's certificate (customKeyIdentifier = its thumbprint) but
    // holds another certificate's public key: the key is found and the RSA signature check fails.
    let signing = make_cert("tapdesk-automation");
    let other = make_cert("someone-else");
    let mut key = key_credential(&other.der);
    key.custom_key_identifier = Some(sha1_hex(&signing.der));
    let h = start(vec![key]).await;
    let e = sign_in_error(&h, &signing).await;
    assert!(e.contains("AADSTS700027"), "{e}");
    assert!(e.contains("Key was found, but use of the key to verify the signature failed."), "{e}");
}

#[tokio::test]
async fn expired_key_credential_is_refused() {
    let cert = make_cert("tapdesk-automation");
    let mut key = key_credential(&cert.der);
    key.start_date_time = Some("2025-01-01T00:00:00Z".parse().unwrap());
    key.end_date_time = Some("2026-01-01T00:00:00Z".parse().unwrap());
    let h = start(vec![key]).await;
    let e = sign_in_error(&h, &cert).await;
    assert!(e.contains("AADSTS700027") && e.contains("The key used is expired."), "{e}");
}

#[tokio::test]
async fn expired_assertion_is_refused_with_aadsts700024() {
    let cert = make_cert("tapdesk-automation");
    let h = start(vec![key_credential(&cert.der)]).await;
    // azure_identity's assertions live 5 minutes; the simulated clock is 10 minutes ahead.
    h.control().advance(jiff::SignedDuration::from_mins(10));
    let e = sign_in_error(&h, &cert).await;
    assert!(e.contains("AADSTS700024") && e.contains("Client assertion is not within its valid time range"), "{e}");
    assert!(e.contains("check this machine's clock"), "{e}");
}

#[tokio::test]
async fn tampered_and_unsigned_assertions_are_refused() {
    let cert = make_cert("tapdesk-automation");
    let h = start(vec![key_credential(&cert.der)]).await;
    let cred = app_only::client_certificate(&cloud(&h), demo::TENANT_ID, APP_ID, &cert.pfx, Retries::None).unwrap();
    cred.get_token(&[GRAPH_SCOPE], None).await.unwrap();
    let logged = h.control().requests().into_iter().find(|r| r.path.ends_with("/oauth2/v2.0/token")).unwrap();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(logged.body.as_bytes()).into_owned().collect();
    let assertion = form.iter().find(|(k, _)| k == "client_assertion").map(|(_, v)| v.clone()).unwrap();
    let parts: Vec<&str> = assertion.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1].trim_end_matches('=')).unwrap()).unwrap();
    claims["jti"] = serde_json::json!("f0e1d2c3-0000-4000-8000-000000000001");
    let tampered_payload = URL_SAFE_NO_PAD.encode(claims.to_string());

    let http = reqwest::Client::new();
    let post = |assertion: String| {
        let http = http.clone();
        let url = h.token_url();
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("client_id", APP_ID)
                .append_pair("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .append_pair("client_assertion", &assertion)
                .append_pair("grant_type", "client_credentials")
                .append_pair("scope", GRAPH_SCOPE)
                .finish();
            let r = http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let bytes = r.bytes().await.unwrap();
            sts::StsError::parse(status, &bytes)
        }
    };
    // The original assertion with its claims changed: the signature no longer matches.
    let e = post(format!("{}.{}.{}", parts[0], tampered_payload, parts[2])).await;
    assert_eq!((e.status, e.code), (401, Some(700027)), "{e:?}");
    assert!(e.explain().contains("verify the signature failed"), "{}", e.explain());
    // No signature at all (`alg` none).
    let unsigned_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let e = post(format!("{unsigned_header}.{}.", parts[1])).await;
    assert_eq!((e.status, e.code), (400, Some(50027)), "{e:?}");
    assert!(e.explain().starts_with("AADSTS50027: JWT token is invalid or malformed."), "{}", e.explain());
    // The right algorithm but an empty signature.
    let e = post(format!("{}.{}.", parts[0], parts[1])).await;
    assert_eq!(e.code, Some(700027), "{e:?}");
}
