//! Every real Graph payload in `shared/graph/examples/` parsed by the client's own decoders and
//! types, with assertions on values taken from the files (see the folder's README for sources and
//! documentation quirks).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use jiff::Timestamp;
use secrecy::ExposeSecret;
use serde_json::Value;
use tapdesk::graph::client::{decode_created_tap, decode_entity, decode_page};
use tapdesk_graph::GraphError;
use tapdesk_graph::types::{
    AuthMethod, EmailMethod, Fido2Method, PasswordMethod, PhoneMethod, TapCreateRequest, TapMethod, TapPolicy, User,
    unwrap_entity,
};

fn examples_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/graph"));
    assert!(
        dir.is_dir(),
        "Graph examples folder not found at {}: the payloads are vendored in tests/fixtures/graph \
         (see its README.md)",
        dir.display()
    );
    dir
}

fn example(name: &str) -> Vec<u8> {
    let path = examples_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("bad timestamp {s}: {e}"))
}

fn entity_method(name: &str) -> AuthMethod {
    decode_entity::<AuthMethod>(&example(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every file the tests below cover; the folder must hold exactly these.
const COVERED: &[&str] = &[
    "auth-methods-list-tutorial.response.json",
    "auth-methods-list.response.json",
    "auth-methods-policy-get.response.json",
    "email-get.response.json",
    "error-authorization-requestdenied.json",
    "error-count-missing-consistencylevel.json",
    "error-delete-default-method.json",
    "error-endswith-missing-advanced-params.json",
    "error-search-missing-consistencylevel.json",
    "error-tap-lifetime-out-of-range.json",
    "error-throttled-429.json",
    "external-auth-method-get.response.json",
    "fido2-get.response.json",
    "hardware-oath-get.beta.response.json",
    "microsoft-authenticator-get.response.json",
    "password-get.response.json",
    "phone-get.response.json",
    "platform-credential-get.response.json",
    "qrcodepin-get.response.json",
    "revoke-sign-in-sessions.response.json",
    "software-oath-get.response.json",
    "tap-create.request.json",
    "tap-create.response.json",
    "tap-get.response.json",
    "tap-list.response.json",
    "tap-policy-get.response.json",
    "tap-policy-update.request.json",
    "user-get-select.response.json",
    "user-get.response.json",
    "user-manager.response.json",
    "users-filter-startswith-count.response.json",
    "users-guest-ext-filter.response.json",
    "users-list.response.json",
    "users-search.response.json",
    "windows-hello-get.response.json",
];

#[test]
fn every_example_is_covered() {
    let mut found: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("read examples dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    let mut covered: Vec<String> = COVERED.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(found, covered, "a JSON example was added or removed: cover it here");
    assert_eq!(found.len(), 35);
    // And every one is valid JSON.
    for name in &found {
        serde_json::from_slice::<Value>(&example(name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
    }
}

// ----- Users ------------------------------------------------------------------------------

#[test]
fn users_list_default_properties() {
    let page = decode_page::<User>(&example("users-list.response.json")).expect("page");
    assert_eq!(page.value.len(), 2);
    assert_eq!(page.next_link, None);
    assert_eq!(page.count, None);
    let adams = &page.value[0];
    assert_eq!(adams.id, "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0");
    assert_eq!(adams.display_name.as_deref(), Some("Conf Room Adams"));
    assert_eq!(adams.mail.as_deref(), Some("Adams@contoso.com"));
    assert_eq!(adams.job_title, None);
    let admin = &page.value[1];
    assert_eq!(admin.user_principal_name.as_deref(), Some("admin@contoso.com"));
    assert_eq!(admin.mail, None, "mail: null");
    assert_eq!(admin.user_type, None, "userType is not a default property");
}

#[test]
fn users_page_next_link_and_count() {
    // No example has a nextLink (the docs shorten pages); add one to the real envelope.
    let mut v: Value = serde_json::from_slice(&example("users-list.response.json")).expect("json");
    let link =
        "https://graph.microsoft.com/v1.0/users?$select=id&$top=999&$count=true&$skiptoken=RFNwdAIAAQAAACM6%2BQ%3D%3D";
    v["@odata.nextLink"] = Value::from(link);
    v["@odata.count"] = Value::from(2000);
    let page = decode_page::<User>(&serde_json::to_vec(&v).expect("bytes")).expect("page");
    assert_eq!(page.next_link.as_deref(), Some(link), "kept verbatim");
    assert_eq!(page.count, Some(2000));
}

#[test]
fn users_search_count_is_larger_than_page() {
    let body = example("users-search.response.json");
    let page = decode_page::<Value>(&body).expect("page");
    assert_eq!(page.count, Some(7));
    assert_eq!(page.value.len(), 1);
    assert_eq!(page.value[0]["displayName"], "Oscar Ward");
    // The doc trimmed the items to four properties, dropping `id`: tapdesk always selects `id`,
    // and a user without one cannot be acted on, so the typed decode refuses it.
    let err = decode_page::<User>(&body).expect_err("no id");
    assert!(matches!(&err, GraphError::Decode(m) if m.contains("id")), "{err:?}");
}

#[test]
fn users_filter_startswith_guest() {
    let body = example("users-filter-startswith-count.response.json");
    let page = decode_page::<Value>(&body).expect("page");
    assert_eq!(page.count, Some(1));
    assert_eq!(page.value[0]["userPrincipalName"], "a_contoso.com#EXT#@microsoft.onmicrosoft.com");
    assert!(matches!(decode_page::<User>(&body), Err(GraphError::Decode(_))));
}

#[test]
fn users_guest_ext_filter_select() {
    let page = decode_page::<User>(&example("users-guest-ext-filter.response.json")).expect("page");
    assert_eq!(page.count, Some(2), "count says 2 although one item is shown");
    assert_eq!(page.value.len(), 1);
    let u = &page.value[0];
    assert_eq!(u.id, "39807bd1-3dde-48f3-8165-81ddd4e46de0");
    assert_eq!(u.display_name.as_deref(), Some("Adele Vance"));
    assert_eq!(u.mail.as_deref(), Some("AdeleV@adatum.com"));
    assert_eq!(u.user_principal_name, None, "not in the $select list");
}

#[test]
fn user_get_default_properties() {
    let u = decode_entity::<User>(&example("user-get.response.json")).expect("user");
    assert_eq!(u.id, "87d349ed-44d7-43e1-9a83-5f2406dee5bd");
    assert_eq!(u.display_name.as_deref(), Some("Adele Vance"));
    assert_eq!(u.job_title.as_deref(), Some("Retail Manager"));
    assert_eq!(u.office_location.as_deref(), Some("18/2111"));
    assert_eq!(u.user_principal_name.as_deref(), Some("AdeleV@contoso.com"));
}

#[test]
fn user_get_select_without_id() {
    let body = example("user-get-select.response.json");
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert!(
        v["@odata.context"]
            .as_str()
            .is_some_and(|c| { c.ends_with("users(displayName,givenName,postalCode,identities)/$entity") })
    );
    assert_eq!(v["identities"][0]["issuerAssignedId"], "AdeleV@contoso.com");
    // `$select` without `id` gives a user tapdesk cannot address: a clear Decode error.
    let err = decode_entity::<User>(&body).expect_err("no id");
    assert!(matches!(&err, GraphError::Decode(m) if m.contains("id")), "{err:?}");
}

#[test]
fn user_manager() {
    let u = decode_entity::<User>(&example("user-manager.response.json")).expect("user");
    assert_eq!(u.id, "7d54cb02-aaa3-4016-9f9c-a4b49422dd9b");
    assert_eq!(u.display_name.as_deref(), Some("Sara Davis"));
    assert_eq!(u.job_title.as_deref(), Some("Finance VP"));
}

// ----- Authentication methods -------------------------------------------------------------

#[test]
fn methods_list_tutorial() {
    let page = decode_page::<AuthMethod>(&example("auth-methods-list-tutorial.response.json"))
        .expect("page (the @microsoft.graph.tips annotation is ignored)");
    assert_eq!(page.value.len(), 3);
    match &page.value[0] {
        AuthMethod::Phone(p) => {
            assert_eq!(p.base.id, "e37fc753-ff3b-4958-9484-eaa9425c82bc");
            assert_eq!(p.phone_number.as_deref(), Some("+1 4255550199"));
            assert_eq!(p.phone_type.as_deref(), Some("office"));
            assert_eq!(p.sms_sign_in_state.as_deref(), Some("notSupported"));
        }
        other => panic!("expected phone, got {other:?}"),
    }
    match &page.value[1] {
        AuthMethod::Phone(p) => {
            assert_eq!(p.base.id, "3179e48a-750b-4051-897c-87b9720928f7");
            assert_eq!(p.phone_type.as_deref(), Some("mobile"));
            assert_eq!(p.sms_sign_in_state.as_deref(), Some("notAllowedByPolicy"));
        }
        other => panic!("expected phone, got {other:?}"),
    }
    let pw = &page.value[2];
    assert!(matches!(pw, AuthMethod::Password(_)));
    assert_eq!(pw.id(), "28c10230-6103-485e-b985-444c60001490");
    assert_eq!(pw.created(), Some(ts("2023-09-18T10:38:07Z")));
    assert_eq!(pw.type_label(), "Password");
    assert_eq!(pw.path_segment(), Some("passwordMethods"));
}

#[test]
fn methods_list_fido2_and_hello() {
    let page = decode_page::<AuthMethod>(&example("auth-methods-list.response.json")).expect("page");
    assert_eq!(page.value.len(), 2);
    match &page.value[0] {
        AuthMethod::Fido2(f) => {
            assert_eq!(f.base.id, "-2_GRUg2-HYz6_1YG4YRAQ2");
            assert_eq!(f.display_name.as_deref(), Some("Red key"));
            assert_eq!(f.aa_guid.as_deref(), Some("2fc0579f-8113-47ea-b116-555a8db9202a"));
            assert_eq!(f.model.as_deref(), Some("NFC key"));
            assert_eq!(f.attestation_level.as_deref(), Some("attested"));
            assert_eq!(f.attestation_certificates, vec!["dbe793efdf1945e2df25d93653a1e8a3268a9075".to_owned()]);
            assert_eq!(f.base.created_date_time, Some(ts("2020-08-10T06:44:09Z")), "creationDateTime alias");
        }
        other => panic!("expected FIDO2, got {other:?}"),
    }
    assert_eq!(page.value[0].path_segment(), Some("fido2Methods"));
    match &page.value[1] {
        AuthMethod::WindowsHelloForBusiness(w) => {
            assert_eq!(w.base.id, "b5e01f81-1f81-b5e0-811f-e0b5811fe0b5");
            assert_eq!(w.display_name.as_deref(), Some("Jordan's Surface Book"));
            assert_eq!(w.key_strength.as_deref(), Some("normal"));
            assert_eq!(w.base.created_date_time, Some(ts("2020-11-27T23:12:49Z")));
        }
        other => panic!("expected WHfB, got {other:?}"),
    }
}

#[test]
fn fido2_get_value_wrapper_and_alias() {
    let body = example("fido2-get.response.json");
    let f = decode_entity::<Fido2Method>(&body).expect("fido2");
    assert_eq!(f.base.id, "-2_GRUg2-HYz6_1YG4YRAQ2");
    assert_eq!(f.aa_guid.as_deref(), Some("2fc0579f-8113-47ea-b116-555a8db9202a"));
    assert_eq!(f.model.as_deref(), Some("NFC key"));
    assert_eq!(f.base.created_date_time, Some(ts("2020-08-10T06:44:09Z")));
    // Without @odata.type the polymorphic reader keeps it as Unknown (with the raw JSON).
    let v = unwrap_entity(serde_json::from_slice(&body).expect("json"));
    assert_eq!(v["id"], "-2_GRUg2-HYz6_1YG4YRAQ2", "wrapper removed");
}

#[test]
fn microsoft_authenticator_get() {
    match entity_method("microsoft-authenticator-get.response.json") {
        AuthMethod::MicrosoftAuthenticator(m) => {
            assert_eq!(m.base.id, "6803c096-c096-6803-96c0-036896c00368");
            assert_eq!(m.display_name.as_deref(), Some("Sandeep's iPhone"));
            assert_eq!(m.device_tag.as_deref(), Some(""));
            assert_eq!(m.phone_app_version.as_deref(), Some("6.5.4"));
            assert_eq!(m.base.created_date_time, Some(ts("2020-12-03T23:16:12Z")));
        }
        other => panic!("expected Authenticator, got {other:?}"),
    }
}

#[test]
fn phone_get_without_type() {
    let p = decode_entity::<PhoneMethod>(&example("phone-get.response.json")).expect("phone");
    assert_eq!(p.base.id, "3179e48a-750b-4051-897c-87b9720928f7");
    assert_eq!(p.phone_number.as_deref(), Some("+1 2065555555"));
    assert_eq!(p.phone_type.as_deref(), Some("mobile"));
    assert_eq!(p.sms_sign_in_state.as_deref(), Some("ready"));
}

#[test]
fn email_get_wrapped() {
    let e = decode_entity::<EmailMethod>(&example("email-get.response.json")).expect("email");
    assert_eq!(e.base.id, "3ddfcfc8-9383-446f-83cc-3ab9be4be18f");
    assert_eq!(e.email_address.as_deref(), Some("Kim@contoso.com"));
}

#[test]
fn password_get_null_created() {
    let p = decode_entity::<PasswordMethod>(&example("password-get.response.json")).expect("password");
    assert_eq!(p.base.id, "28c10230-6103-485e-b985-444c60001490");
    assert_eq!(p.base.created_date_time, None, "creationDateTime: null");
}

#[test]
fn software_oath_get() {
    let m = entity_method("software-oath-get.response.json");
    assert!(matches!(m, AuthMethod::SoftwareOath(_)), "{m:?}");
    assert_eq!(m.id(), "b172893e-893e-b172-3e89-72b13e8972b1");
    assert_eq!(m.path_segment(), Some("softwareOathMethods"));
}

#[test]
fn windows_hello_get() {
    match entity_method("windows-hello-get.response.json") {
        AuthMethod::WindowsHelloForBusiness(w) => {
            assert_eq!(w.display_name.as_deref(), Some("Jordan's Surface Book"));
            assert_eq!(w.key_strength.as_deref(), Some("normal"));
        }
        other => panic!("expected WHfB, got {other:?}"),
    }
}

#[test]
fn platform_credential_get() {
    match entity_method("platform-credential-get.response.json") {
        AuthMethod::PlatformCredential(p) => {
            assert_eq!(p.base.id, "R18B3t8Ogh9XIOGmPt81d6p_KXJs1YTxfGgGqeVFJSM1");
            assert_eq!(p.display_name.as_deref(), Some("My Macbook Pro"));
            assert_eq!(p.platform.as_deref(), Some("macOS"));
            assert_eq!(p.key_strength.as_deref(), Some("normal"));
            assert_eq!(p.base.created_date_time, Some(ts("2023-09-02T04:16:49Z")));
        }
        other => panic!("expected platform credential, got {other:?}"),
    }
}

#[test]
fn external_method_is_unknown_but_kept() {
    let m = entity_method("external-auth-method-get.response.json");
    match &m {
        AuthMethod::Unknown { odata_type, raw } => {
            assert_eq!(odata_type, "#microsoft.graph.externalAuthenticationMethod");
            assert_eq!(raw["configurationId"], "26310fee-860b-4eab-8749-ab730dcf335e");
            assert_eq!(raw["displayName"], "Adatum");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(m.id(), "78381c69-811f-51f6-66ec-c2c2aa0e2b46");
    assert_eq!(m.created(), Some(ts("2025-04-01T00:00:00Z")));
    assert_eq!(m.type_label(), "externalAuthenticationMethod");
    assert_eq!(m.path_segment(), None);
}

#[test]
fn qr_code_pin_is_unknown_but_kept() {
    let m = entity_method("qrcodepin-get.response.json");
    match &m {
        AuthMethod::Unknown { odata_type, raw } => {
            assert_eq!(odata_type, "#microsoft.graph.qrCodePinAuthenticationMethod");
            assert_eq!(raw["pin"]["code"], Value::Null);
            assert_eq!(raw["standardQRCode"]["image"], Value::Null);
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(m.id(), "6C2F8B36-B6F0-46FA-9548-1EBA48BEBBDE");
    assert_eq!(m.created(), Some(ts("2026-01-27T12:00:00Z")));
}

#[test]
fn hardware_oath_beta_is_unknown_but_kept() {
    let m = entity_method("hardware-oath-get.beta.response.json");
    match &m {
        AuthMethod::Unknown { odata_type, raw } => {
            assert_eq!(odata_type, "#microsoft.graph.hardwareOathAuthenticationMethod");
            assert_eq!(raw["device"]["serialNumber"], "TOTP123456");
            assert_eq!(raw["device"]["assignedTo"]["displayName"], "Amy Masters");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    assert_eq!(m.id(), "aad49556-####-####-####-############");
    assert_eq!(m.type_label(), "hardwareOathAuthenticationMethod");
}

// ----- Temporary Access Pass --------------------------------------------------------------

#[test]
fn tap_create_request_matches_our_serialisation() {
    let file: Value = serde_json::from_slice(&example("tap-create.request.json")).expect("json");
    let ours = TapCreateRequest {
        start_date_time: Some(ts("2022-06-05T00:00:00Z")),
        lifetime_in_minutes: Some(60),
        is_usable_once: Some(false),
    };
    let ours = serde_json::to_value(&ours).expect("serialise");
    let mut keys_file: Vec<_> = file.as_object().expect("obj").keys().collect();
    let mut keys_ours: Vec<_> = ours.as_object().expect("obj").keys().collect();
    keys_file.sort();
    keys_ours.sort();
    assert_eq!(keys_file, keys_ours);
    assert_eq!(file["lifetimeInMinutes"], ours["lifetimeInMinutes"]);
    assert_eq!(file["isUsableOnce"], ours["isUsableOnce"]);
    // The doc sends `.000Z`; jiff prints `Z`: the same instant.
    assert_eq!(ts(file["startDateTime"].as_str().expect("str")), ts(ours["startDateTime"].as_str().expect("str")));
    // Everything optional: an empty request is `{}`.
    assert_eq!(serde_json::to_string(&TapCreateRequest::default()).expect("json"), "{}");
}

#[test]
fn tap_create_response_has_the_pass_once() {
    let tap = decode_created_tap(&example("tap-create.response.json")).expect("created");
    assert_eq!(tap.temporary_access_pass.expose_secret(), "+drkzqAD");
    let m = &tap.method;
    assert_eq!(m.base.id, "6f1967b7-15e8-4935-ac26-d50770ed07a7");
    assert_eq!(m.base.created_date_time, Some(ts("2022-06-02T16:21:09.765173Z")));
    assert_eq!(m.start_date_time, Some(ts("2022-06-05T00:00:00Z")));
    assert_eq!(m.lifetime_in_minutes, Some(60));
    assert_eq!(m.is_usable_once, Some(false));
    assert_eq!(m.is_usable, Some(false));
    assert_eq!(m.method_usability_reason.as_deref(), Some("NotYetValid"));
    assert_eq!(m.end_date_time(), Some(ts("2022-06-05T01:00:00Z")));
    let dbg = format!("{tap:?}");
    assert!(!dbg.contains("drkzqAD"), "Debug leaks the pass: {dbg}");
    assert!(dbg.contains("REDACTED"));
}

#[test]
fn tap_get_has_no_pass() {
    let body = example("tap-get.response.json");
    let t = decode_entity::<TapMethod>(&body).expect("tap");
    assert_eq!(t.base.id, "6f1967b7-15e8-4935-ac26-d50770ed07a7");
    assert_eq!(t.base.created_date_time, Some(ts("2022-06-02T16:21:09.5893903Z")));
    assert_eq!(t.lifetime_in_minutes, Some(60));
    match decode_entity::<AuthMethod>(&body).expect("method") {
        AuthMethod::TemporaryAccessPass(t) => assert_eq!(t.is_usable, Some(false)),
        other => panic!("expected TAP, got {other:?}"),
    }
    // `temporaryAccessPass: null` cannot be read as a created pass.
    assert!(matches!(decode_created_tap(&body), Err(GraphError::Decode(_))));
}

#[test]
fn tap_list_seven_digit_fraction() {
    let page = decode_page::<TapMethod>(&example("tap-list.response.json")).expect("page");
    assert_eq!(page.value.len(), 1);
    let t = &page.value[0];
    assert_eq!(t.base.id, "bdaede67-61e0-4349-9347-d2d6afd84009");
    let created = t.base.created_date_time.expect("created");
    assert_eq!(created, ts("2022-06-06T16:43:04.6438213Z"));
    assert_eq!(created.subsec_nanosecond(), 643_821_300);
    assert_eq!(t.start_date_time, Some(ts("2022-06-06T16:48:03.027Z")));
    assert_eq!(t.end_date_time(), Some(ts("2022-06-06T17:48:03.027Z")));
    assert_eq!(t.method_usability_reason.as_deref(), Some("NotYetValid"));
}

#[test]
fn tap_policy_get() {
    let p = decode_entity::<TapPolicy>(&example("tap-policy-get.response.json")).expect("policy");
    assert_eq!(p.id, "TemporaryAccessPass");
    assert!(p.is_enabled());
    assert_eq!(p.default_lifetime_in_minutes, 60);
    assert_eq!(p.default_length, 8);
    assert_eq!(p.minimum_lifetime_in_minutes, 60);
    assert_eq!(p.maximum_lifetime_in_minutes, 480);
    assert!(!p.is_usable_once);
    assert_eq!(p.include_targets.len(), 1);
    assert_eq!(p.include_targets[0].id, "all_users");
    assert_eq!(p.include_targets[0].target_type, "group");
    assert_eq!(p.include_targets[0].is_registration_required, Some(false));
    assert!(p.exclude_targets.is_empty());
}

#[test]
fn tap_policy_update_request_shape() {
    let v: Value = serde_json::from_slice(&example("tap-policy-update.request.json")).expect("json");
    assert_eq!(v["@odata.type"], "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration");
    assert_eq!(v["isUsableOnce"], true);
}

#[test]
fn whole_methods_policy_contains_a_readable_tap_configuration() {
    let v: Value = serde_json::from_slice(&example("auth-methods-policy-get.response.json")).expect("json");
    let configs = v["authenticationMethodConfigurations"].as_array().expect("array");
    let ids: Vec<&str> = configs.iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(ids, ["Fido2", "MicrosoftAuthenticator", "Sms", "TemporaryAccessPass", "Email"]);
    let tap = configs.iter().find(|c| c["id"] == "TemporaryAccessPass").expect("TAP configuration");
    let p: TapPolicy = serde_json::from_value(tap.clone()).expect("policy");
    assert!(!p.is_enabled(), "disabled in this sample");
    assert_eq!((p.minimum_lifetime_in_minutes, p.maximum_lifetime_in_minutes), (60, 480));
}

// ----- Sessions ---------------------------------------------------------------------------

#[test]
fn revoke_sessions_boolean_is_not_an_entity_wrapper() {
    let v: Value = serde_json::from_slice(&example("revoke-sign-in-sessions.response.json")).expect("json");
    assert_eq!(v["value"], true);
    assert!(v["@odata.context"].as_str().is_some_and(|c| c.ends_with("#Edm.Boolean")));
    // `unwrap_entity` only unwraps an object under `value`; a boolean envelope stays as it is.
    assert_eq!(unwrap_entity(v.clone()), v);
}

// ----- Errors -----------------------------------------------------------------------------

fn api(name: &str, status: u16) -> GraphError {
    GraphError::from_response(status, &example(name), Some("rid-header".into()))
}

fn assert_api(err: &GraphError, status: u16, code: &str, message: &str) {
    match err {
        GraphError::Api { status: s, code: c, message: m, request_id } => {
            assert_eq!(*s, status);
            assert_eq!(c, code);
            assert_eq!(m, message);
            assert_eq!(request_id.as_deref(), Some("rid-header"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
}

#[test]
fn error_search_missing_consistency_level() {
    let e = api("error-search-missing-consistencylevel.json", 400);
    assert_api(
        &e,
        400,
        "Request_UnsupportedQuery",
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    );
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.code(), Some("Request_UnsupportedQuery"));
}

#[test]
fn error_count_missing_consistency_level() {
    assert_api(
        &api("error-count-missing-consistencylevel.json", 400),
        400,
        "Request_BadRequest",
        "$count is not currently supported.",
    );
}

#[test]
fn error_endswith_missing_advanced_params() {
    let e = api("error-endswith-missing-advanced-params.json", 400);
    assert_eq!(e.code(), Some("Request_UnsupportedQuery"));
    assert!(e.to_string().starts_with("Operator 'endsWith' is not supported"));
}

#[test]
fn error_authorization_request_denied() {
    let e = api("error-authorization-requestdenied.json", 403);
    assert_api(&e, 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.");
    assert_eq!(
        e.to_string(),
        "Insufficient privileges to complete the operation. (Authorization_RequestDenied, HTTP 403)"
    );
}

#[test]
fn error_tap_lifetime_out_of_range() {
    assert_api(
        &api("error-tap-lifetime-out-of-range.json", 400),
        400,
        "badRequest",
        "Invalid LifetimeInMinutes specified. The valid range between 60 and 480.",
    );
}

#[test]
fn error_delete_default_method() {
    assert_api(
        &api("error-delete-default-method.json", 400),
        400,
        "badRequest",
        "Cannot delete default method with other methods configured. Please change default method before deletion.",
    );
}

#[test]
fn error_throttled() {
    let e = api("error-throttled-429.json", 429);
    assert_api(&e, 429, "TooManyRequests", "Please retry again later.");
    // The envelope keeps innerError with its string status.
    let env: tapdesk_graph::error::ErrorEnvelope =
        serde_json::from_slice(&example("error-throttled-429.json")).expect("envelope");
    let inner = env.error.inner_error.expect("innerError");
    assert_eq!(inner["status"], "429");
    assert_eq!(inner["request-id"], "94fb3b52-452a-4535-a601-69e0a90e3aa2");
}
