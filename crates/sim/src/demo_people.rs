//! The named people of the demo tenant (fixed ids, exact names and methods, from
//! `assets/demo/people.json`) and the small method builders the generator shares.

use jiff::{SignedDuration, Timestamp};

use super::demo::*;
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

/// The named people as data: `assets/demo/people.json`, in the simulator's own user format (the
/// `users` array of a tenant fixture, see `docs/simulator.md`). Times in it are absolute, except
/// Noor Haddad's pass, which [`fixed_people`] anchors to the current time.
pub(crate) const PEOPLE_JSON: &str = include_str!("../../../assets/demo/people.json");

/// The named people of the demo tenant ([`PEOPLE_JSON`]) with Noor Haddad's active multi-use pass
/// started 15 minutes before `now` (UTC), so it is active for the next 225 minutes. The file is
/// compiled in and checked by the tests; were it ever unreadable, the demo has no named people and
/// says so in the log.
pub(crate) fn fixed_people(now: Timestamp) -> Vec<SimUser> {
    let mut people: Vec<SimUser> = match serde_json::from_str(PEOPLE_JSON) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!("assets/demo/people.json: {e}");
            Vec::new()
        }
    };
    let start = ts(now.as_second() - 15 * 60);
    let created = start.checked_add(SignedDuration::from_nanos(123_456_700)).unwrap_or(start);
    for m in people.iter_mut().flat_map(|u| u.methods.iter_mut()).filter(|m| m.id == NOOR_TAP_ID) {
        m.created_date_time = Some(created);
        if let MethodDetail::TemporaryAccessPass { start_date_time, .. } = &mut m.detail {
            *start_date_time = start;
        }
    }
    // When methods last signed in, relative to the start: Avery's lost key not for 9 days, their
    // phone two days ago; Priya's key 12 minutes ago, though a caller may say it is lost; the
    // operator's own phone when she signed in.
    let ago = |mins: i64| ts(now.as_second() - mins * 60);
    for u in &mut people {
        for m in &mut u.methods {
            m.last_used_date_time = match m.id.as_str() {
                AVERY_FIDO2_ID => Some(ago(9 * 24 * 60)),
                AVERY_AUTHENTICATOR_ID => Some(ago(2 * 24 * 60)),
                PRIYA_FIDO2_ID => Some(ago(12)),
                DANA_AUTHENTICATOR_ID => Some(ago(20)),
                _ => m.last_used_date_time,
            };
        }
    }
    people
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_people_asset_holds_the_named_people_with_unique_ids() {
        let people: Vec<SimUser> = serde_json::from_str(PEOPLE_JSON).unwrap();
        let ids: Vec<&str> = people.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                DANA_OKAFOR_ID,
                AVERY_QUINN_ID,
                NOOR_HADDAD_ID,
                SIOBHAN_OBRIEN_ID,
                BO_LINDQVIST_ID,
                KAI_MEYER_ID,
                PRIYA_RAMAN_ID,
                LEE_PARK_ID,
                RENEE_LEFEVRE_ID
            ]
        );
        for u in &people {
            let mut method_ids: Vec<&str> = u.methods.iter().map(|m| m.id.as_str()).collect();
            method_ids.sort_unstable();
            method_ids.dedup();
            assert_eq!(method_ids.len(), u.methods.len(), "{}: duplicate method ids", u.display_name);
            assert!(u.user_principal_name.ends_with(".example") || u.user_principal_name.contains("#EXT#@"));
        }
        let avery = &people[1];
        assert!(avery.methods.iter().any(|m| m.id == AVERY_FIDO2_ID));
    }

    #[test]
    fn noor_haddads_pass_is_anchored_to_now() {
        let now = at("2026-12-03T10:00:00Z");
        let noor = fixed_people(now).into_iter().find(|u| u.id == NOOR_HADDAD_ID).unwrap();
        let tap = noor.methods.iter().find(|m| m.id == NOOR_TAP_ID).unwrap();
        match &tap.detail {
            MethodDetail::TemporaryAccessPass { start_date_time, lifetime_in_minutes, is_usable_once, .. } => {
                assert_eq!(*start_date_time, at("2026-12-03T09:45:00Z"));
                assert_eq!((*lifetime_in_minutes, *is_usable_once), (240, false));
            }
            other => panic!("not a pass: {other:?}"),
        }
        assert_eq!(tap.created_date_time, Some(at("2026-12-03T09:45:00.1234567Z")));
    }
}
