//! The named people of the demo tenant (fixed ids, exact names and methods) and the small
//! builders the generator shares.

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

use super::demo::*;
use super::demo_names as names;
use super::tenant::{self, MethodDetail, SimMethod, SimUser};

pub(crate) fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn at(s: &str) -> Timestamp {
    s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

pub(crate) fn method(id: &str, created: Option<Timestamp>, detail: MethodDetail) -> SimMethod {
    SimMethod { id: id.into(), created_date_time: created, last_used_date_time: None, detail }
}

pub(crate) fn password(created: Timestamp) -> SimMethod {
    method(tenant::PASSWORD_METHOD_ID, Some(created), MethodDetail::Password {})
}

pub(crate) fn authenticator(id: &str, device: &str, created: Timestamp) -> SimMethod {
    method(
        id,
        Some(created),
        MethodDetail::MicrosoftAuthenticator {
            display_name: Some(device.into()),
            device_tag: Some("SoftwareTokenActivated".into()),
            phone_app_version: Some("6.2409.6284".into()),
        },
    )
}

pub(crate) fn fido2(id: &str, name: &str, model: (&str, &str, &str), created: Timestamp, cert: String) -> SimMethod {
    method(
        id,
        Some(created),
        MethodDetail::Fido2 {
            display_name: Some(name.into()),
            aa_guid: Some(model.0.into()),
            model: Some(model.1.into()),
            attestation_level: Some(if model.2 == "synced" { "notAttested" } else { "attested" }.into()),
            attestation_certificates: if model.2 == "synced" { Vec::new() } else { vec![cert] },
            passkey_type: Some(model.2.into()),
        },
    )
}

pub(crate) fn phone(number: &str, kind: &str, created: Option<Timestamp>) -> SimMethod {
    let id = match kind {
        "office" => tenant::PHONE_OFFICE_ID,
        "alternateMobile" => tenant::PHONE_ALTERNATE_MOBILE_ID,
        _ => tenant::PHONE_MOBILE_ID,
    };
    let sms = if kind == "mobile" { "ready" } else { "notSupported" };
    method(
        id,
        created,
        MethodDetail::Phone { phone_number: number.into(), phone_type: kind.into(), sms_sign_in_state: sms.into() },
    )
}

/// A member of staff with the common attributes set.
pub(crate) fn person(id: &str, given: &str, family: &str, upn_local: &str, created: Timestamp) -> SimUser {
    let upn = format!("{upn_local}@{DOMAIN}");
    SimUser {
        id: id.into(),
        display_name: format!("{given} {family}"),
        user_principal_name: upn.clone(),
        given_name: Some(given.into()),
        surname: Some(family.into()),
        mail: Some(upn),
        preferred_language: Some("en-US".into()),
        company_name: Some("Contoso".into()),
        account_enabled: true,
        user_type: "Member".into(),
        created_date_time: Some(created),
        ..SimUser::default()
    }
}

pub(crate) fn fixed_people(now: Timestamp) -> Vec<SimUser> {
    let mut dana = person(DANA_OKAFOR_ID, "Dana", "Okafor", "dana.okafor", at("2019-09-02T08:00:00Z"));
    dana.job_title = Some("IT Support Specialist".into());
    dana.department = Some("IT".into());
    dana.office_location = Some("HQ 3rd floor".into());
    dana.employee_id = Some("E100001".into());
    dana.methods = vec![
        password(at("2024-11-03T09:12:44Z")),
        authenticator("8a1f6b2c-9d3e-4f5a-8b7c-1d2e3f4a5b6c", "iPhone 15 Pro", at("2023-01-09T10:00:00Z")),
    ];
    dana.default_method_id = Some("8a1f6b2c-9d3e-4f5a-8b7c-1d2e3f4a5b6c".into());

    let mut avery = person(AVERY_QUINN_ID, "Avery", "Quinn", "avery.quinn", at("2021-03-04T08:00:00Z"));
    avery.job_title = Some("Field Engineer".into());
    avery.department = Some("Operations".into());
    avery.office_location = Some("Bergen Office".into());
    avery.employee_id = Some("E100002".into());
    avery.mobile_phone = Some("+47 555 01 234".into());
    avery.manager_id = Some(PRIYA_RAMAN_ID.into());
    avery.methods = vec![
        password(at("2023-02-14T07:45:10Z")),
        authenticator(AVERY_AUTHENTICATOR_ID, "Pixel 8", at("2024-04-30T10:12:00Z")),
        fido2(
            AVERY_FIDO2_ID,
            "YubiKey 5 NFC",
            names::FIDO2_MODELS[0],
            at("2024-05-01T09:30:00Z"),
            "8e2c4a1f0d9b7e6c5a4f3e2d1c0b9a8f7e6d5c4b".into(),
        ),
    ];
    avery.default_method_id = Some(AVERY_AUTHENTICATOR_ID.into());

    let mut noor = person(NOOR_HADDAD_ID, "Noor", "Haddad", "noor.haddad", at("2022-07-18T08:00:00Z"));
    noor.job_title = Some("Data Engineer".into());
    noor.department = Some("Engineering".into());
    noor.employee_id = Some("E100003".into());
    let start = ts(now.as_second() - 15 * 60);
    let created = start.checked_add(SignedDuration::from_nanos(123_456_700)).unwrap_or(start);
    noor.methods = vec![
        password(at("2022-07-18T08:05:00Z")),
        method(
            NOOR_TAP_ID,
            Some(created),
            MethodDetail::TemporaryAccessPass {
                start_date_time: start,
                lifetime_in_minutes: 240,
                is_usable_once: false,
                used: false,
            },
        ),
    ];

    let mut siobhan = person(SIOBHAN_OBRIEN_ID, "Siobhan", "O'Brien", "siobhan.obrien", at("2020-01-06T08:00:00Z"));
    siobhan.job_title = Some("Field Engineer".into());
    siobhan.department = Some("Operations".into());
    siobhan.office_location = Some("Dublin Docklands".into());
    siobhan.employee_id = Some("E100004".into());
    siobhan.mobile_phone = Some("+353 85 555 0142".into());
    siobhan.methods = vec![password(at("2024-08-21T16:20:00Z")), phone("+353 855550142", "mobile", None)];
    siobhan.default_method_id = Some(tenant::PHONE_MOBILE_ID.into());

    let mut bo = person(BO_LINDQVIST_ID, "Bo", "Lindqvist", "bo.lindqvist", at("2023-10-02T08:00:00Z"));
    bo.job_title = Some("Finance Manager".into());
    bo.department = Some("Finance".into());
    bo.office_location = Some("Malmö".into());
    bo.employee_id = Some("E100005".into());
    bo.methods = vec![password(at("2023-10-02T08:30:00Z"))];

    let kai = SimUser {
        id: KAI_MEYER_ID.into(),
        display_name: "Kai Meyer".into(),
        user_principal_name: format!("kai.meyer_fabrikam.example#EXT#@{DOMAIN}"),
        given_name: Some("Kai".into()),
        surname: Some("Meyer".into()),
        mail: Some("kai.meyer@fabrikam.example".into()),
        company_name: Some("Fabrikam".into()),
        account_enabled: true,
        user_type: "Guest".into(),
        created_date_time: Some(at("2024-02-12T13:37:00Z")),
        ..SimUser::default()
    };

    let mut priya = person(PRIYA_RAMAN_ID, "Priya", "Raman", "priya.raman", at("2018-05-14T08:00:00Z"));
    priya.job_title = Some("Head of IT".into());
    priya.department = Some("IT".into());
    priya.employee_id = Some("E100007".into());
    priya.methods = vec![
        password(at("2025-01-15T08:00:00Z")),
        authenticator("4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d7e", "iPhone 15", at("2022-03-01T09:00:00Z")),
        fido2(
            "_Pr1yaK3y-GA_0001",
            "Priya's YubiKey",
            names::FIDO2_MODELS[1],
            at("2023-06-01T09:00:00Z"),
            "0123456789abcdef0123456789abcdef01234567".into(),
        ),
    ];
    priya.default_method_id = Some("4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d7e".into());

    let mut lee = person(LEE_PARK_ID, "Lee", "Park", "lee.park", at("2019-11-11T08:00:00Z"));
    lee.job_title = Some("Identity Engineer".into());
    lee.department = Some("IT".into());
    lee.methods = vec![
        password(at("2024-12-01T08:00:00Z")),
        authenticator("5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", "Galaxy S24", at("2021-05-05T09:00:00Z")),
    ];
    lee.default_method_id = Some("5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f".into());

    let mut renee = person(RENEE_LEFEVRE_ID, "Renée", "Lefèvre", "renee.lefevre", at("2020-04-01T08:00:00Z"));
    renee.job_title = Some("Designer".into());
    renee.department = Some("Marketing".into());
    renee.office_location = Some("Building 4/2120".into());
    renee.business_phones = vec!["+33 1 55 50 01 23".into()];
    renee.preferred_language = Some("fr-FR".into());
    let mut qr = Map::new();
    qr.insert(
        "standardQRCode".into(),
        json!({"id": "6c2f8b36-b6f0-46fa-9548-1eba48bebbde", "image": null,
        "startDateTime": "2025-01-27T12:00:00Z", "expireDateTime": "2026-01-27T12:00:00Z"}),
    );
    qr.insert("pin".into(), json!({"code": null, "forceChangePinNextSignIn": false}));
    let mut future = Map::new();
    future.insert("displayName".into(), Value::from("Lattice badge"));
    future.insert("badgeGeneration".into(), Value::from(3));
    renee.methods = vec![
        password(at("2024-09-09T09:09:09Z")),
        phone("+33 655501234", "mobile", None),
        phone("+33 155500123", "office", None),
        method(tenant::EMAIL_METHOD_ID, None, MethodDetail::Email { email_address: "renee@fabrikam.example".into() }),
        method("b172893e-893e-b172-3e89-72b13e8972b1", Some(at("2023-03-03T10:00:00Z")), MethodDetail::SoftwareOath {}),
        method(
            "_jpuR-TGZtk6aQCLF3BQjA2",
            Some(at("2022-11-27T23:12:49Z")),
            MethodDetail::WindowsHelloForBusiness {
                display_name: Some("Renée's Surface Laptop".into()),
                key_strength: Some("normal".into()),
            },
        ),
        method(
            "R18B3t8Ogh9XIOGmPt81d6p_KXJs1YTxfGgGqeVFJSM1",
            Some(at("2023-09-02T04:16:49Z")),
            MethodDetail::PlatformCredential {
                display_name: Some("MacBook Pro".into()),
                key_strength: Some("normal".into()),
                platform: Some("macOS".into()),
            },
        ),
        method(
            "6c2f8b36-b6f0-46fa-9548-1eba48bebbde",
            Some(at("2025-01-27T12:00:00Z")),
            MethodDetail::Other { odata_type: "#microsoft.graph.qrCodePinAuthenticationMethod".into(), properties: qr },
        ),
        method(
            "f00dfeed-0000-4000-8000-00000000b00b",
            Some(at("2025-06-01T12:00:00Z")),
            MethodDetail::Other {
                odata_type: "#microsoft.graph.latticeBadgeAuthenticationMethod".into(),
                properties: future,
            },
        ),
    ];
    renee.default_method_id = Some(tenant::PHONE_MOBILE_ID.into());

    vec![dana, avery, noor, siobhan, bo, kai, priya, lee, renee]
}
