//! `GET /users/{id}/authentication/methods[/{id}]` and the per-type collections
//! (`fido2Methods`, `phoneMethods`, ...): list, get one, delete.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{Action, authorize, context_key, find_user};
use crate::errors::ApiError;
use crate::http::{Caller, ReqCtx, json_response};
use crate::state::Shared;
use crate::state::{World, tap_usability};
use crate::tenant::{MethodDetail, SimMethod};

/// Per-type collection segments the simulator serves, in Graph's spelling.
pub(crate) const SEGMENTS: [&str; 9] = [
    "fido2Methods",
    "microsoftAuthenticatorMethods",
    "phoneMethods",
    "emailMethods",
    "passwordMethods",
    "softwareOathMethods",
    "windowsHelloForBusinessMethods",
    "platformCredentialMethods",
    "temporaryAccessPassMethods",
];

/// Canonical segment for `kind` (case-insensitive), or the "segment not found" 400.
pub(crate) fn segment(kind: &str) -> Result<&'static str, ApiError> {
    SEGMENTS.into_iter().find(|s| s.eq_ignore_ascii_case(kind)).ok_or_else(|| {
        ApiError::directory(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment '{kind}'."),
        )
    })
}

/// RFC 3339 UTC with exactly `digits` fractional digits (0 = whole seconds, `Z` suffix).
pub(crate) fn fmt_time(t: Timestamp, digits: u8) -> String {
    match digits {
        0 => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        6 => t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        _ => t.strftime("%Y-%m-%dT%H:%M:%S%.7fZ").to_string(),
    }
}

fn time(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::from(fmt_time(t, 0)))
}

/// `+1 2065550123` → `+1 XXXXXXXX23` (what an Authentication Administrator sees; format
/// UNCONFIRMED).
pub(crate) fn mask_phone(n: &str) -> String {
    let (cc, rest) = n.split_once(' ').unwrap_or(("", n));
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    let masked: String = rest
        .chars()
        .filter_map(|c| {
            if !c.is_ascii_digit() {
                return (c != ' ').then_some(c);
            }
            seen += 1;
            Some(if seen + 2 > digits { c } else { 'X' })
        })
        .collect();
    if cc.is_empty() { masked } else { format!("{cc} {masked}") }
}

/// How a method is rendered.
#[derive(Clone, Copy)]
pub(crate) struct View {
    /// Include `@odata.type`.
    pub with_type: bool,
    /// Mask phone numbers.
    pub mask: bool,
    /// Fractional digits of a TAP's `createdDateTime`.
    pub tap_digits: u8,
}

/// The Graph JSON of one method of user `user` at time `now`.
pub(crate) fn method_json(w: &World, user: usize, m: &SimMethod, view: View, now: Timestamp) -> Map<String, Value> {
    let mut o = Map::new();
    if view.with_type {
        o.insert("@odata.type".into(), Value::from(m.detail.odata_type()));
    }
    o.insert("id".into(), Value::from(m.id.as_str()));
    let mut created = time(m.created_date_time);
    let extra = match &m.detail {
        MethodDetail::Password {} => json!({"password": null}),
        MethodDetail::Phone { phone_number, phone_type, sms_sign_in_state } => json!({
            "phoneNumber": if view.mask { mask_phone(phone_number) } else { phone_number.clone() },
            "phoneType": phone_type, "smsSignInState": sms_sign_in_state,
        }),
        MethodDetail::Email { email_address } => json!({"emailAddress": email_address}),
        MethodDetail::MicrosoftAuthenticator { display_name, device_tag, phone_app_version } => json!({
            "displayName": display_name, "deviceTag": device_tag, "phoneAppVersion": phone_app_version,
        }),
        MethodDetail::Fido2 {
            display_name,
            aa_guid,
            model,
            attestation_level,
            attestation_certificates,
            passkey_type,
        } => {
            json!({
                "displayName": display_name, "aaGuid": aa_guid, "model": model,
                "attestationLevel": attestation_level, "attestationCertificates": attestation_certificates,
                "passkeyType": passkey_type,
            })
        }
        MethodDetail::SoftwareOath {} => json!({"secretKey": null}),
        MethodDetail::WindowsHelloForBusiness { display_name, key_strength } => {
            json!({"displayName": display_name, "keyStrength": key_strength})
        }
        MethodDetail::PlatformCredential { display_name, key_strength, platform } => {
            json!({"displayName": display_name, "keyStrength": key_strength, "platform": platform})
        }
        MethodDetail::TemporaryAccessPass { start_date_time, lifetime_in_minutes, is_usable_once, .. } => {
            created = m.created_date_time.map_or(Value::Null, |t| Value::from(fmt_time(t, view.tap_digits)));
            let (usable, reason) = tap_usability(w, user, m, now);
            json!({
                "temporaryAccessPass": null, "startDateTime": start_date_time.to_string(),
                "lifetimeInMinutes": lifetime_in_minutes, "isUsableOnce": is_usable_once,
                "isUsable": usable, "methodUsabilityReason": reason,
            })
        }
        MethodDetail::Other { properties, .. } => Value::Object(properties.clone()),
    };
    if !matches!(m.detail, MethodDetail::Phone { .. } | MethodDetail::Email { .. }) {
        o.insert("createdDateTime".into(), created);
    }
    if let Some(t) = m.last_used_date_time {
        o.insert("lastUsedDateTime".into(), Value::from(fmt_time(t, 0)));
    }
    if let Value::Object(extra) = extra {
        o.extend(extra);
    }
    o
}

/// Resolves the user and checks the operator may read their methods.
fn reader(w: &World, caller: &Caller, key: &str) -> Result<(usize, bool), ApiError> {
    let i = find_user(w, key)?;
    authorize(w, caller, Some(i), Action::ReadMethods)?;
    Ok((i, w.is_limited_auth_admin(&caller.oid)))
}

fn method_not_found(id: &str) -> ApiError {
    ApiError::methods(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        format!("The authentication method '{id}' was not found for this user."),
    )
}

/// `GET /users/{id}/authentication/methods`: every method, `@odata.type` on each.
pub(crate) async fn list_all(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let w = shared.lock();
    let (i, mask) = reader(&w, &caller, &key)?;
    let now = w.now();
    let view = View { with_type: true, mask, tap_digits: 7 };
    let value: Vec<Value> = w.user(i).methods.iter().map(|m| Value::Object(method_json(&w, i, m, view, now))).collect();
    let body = json!({
        "@odata.context": ctx.context(&format!("users('{}')/authentication/methods", context_key(&key))),
        "@microsoft.graph.tips": "Use $select to choose only the properties your app needs, as this can lead to performance improvements. For example: GET users('<key>')/authentication/methods?$select=id",
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /users/{id}/authentication/methods/{methodId}`.
pub(crate) async fn get_any(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Extension(caller): Extension<Caller>,
    Path((key, mid)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let w = shared.lock();
    let (i, mask) = reader(&w, &caller, &key)?;
    let m = w.user(i).methods.iter().find(|m| m.id == mid).ok_or_else(|| method_not_found(&mid))?;
    let mut body = method_json(&w, i, m, View { with_type: true, mask, tap_digits: 7 }, w.now());
    let what = format!("users('{}')/authentication/methods/$entity", context_key(&key));
    body.insert("@odata.context".into(), Value::from(ctx.context(&what)));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

fn of_kind<'a>(m: &'a SimMethod, seg: &str) -> Option<&'a SimMethod> {
    (m.detail.segment() == Some(seg)).then_some(m)
}

/// `GET /users/{id}/authentication/{kind}` (e.g. `fido2Methods`).
pub(crate) async fn list_kind(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Extension(caller): Extension<Caller>,
    Path((key, kind)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let seg = segment(&kind)?;
    let w = shared.lock();
    let (i, mask) = reader(&w, &caller, &key)?;
    let now = w.now();
    // TAP list items carry no @odata.type (as in Graph's sample); the others do.
    let view = View { with_type: seg != "temporaryAccessPassMethods", mask, tap_digits: 7 };
    let value: Vec<Value> = w
        .user(i)
        .methods
        .iter()
        .filter_map(|m| of_kind(m, seg))
        .map(|m| Value::Object(method_json(&w, i, m, view, now)))
        .collect();
    let body = json!({
        "@odata.context": ctx.context(&format!("users('{}')/authentication/{seg}", context_key(&key))),
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /users/{id}/authentication/{kind}/{methodId}`: the entity at top level.
pub(crate) async fn get_kind(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Extension(caller): Extension<Caller>,
    Path((key, kind, mid)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let seg = segment(&kind)?;
    let w = shared.lock();
    let (i, mask) = reader(&w, &caller, &key)?;
    let m = w
        .user(i)
        .methods
        .iter()
        .filter_map(|m| of_kind(m, seg))
        .find(|m| m.id == mid)
        .ok_or_else(|| method_not_found(&mid))?;
    // The phone GET sample has no @odata.type; every other single GET does.
    let view = View { with_type: seg != "phoneMethods", mask, tap_digits: 7 };
    let mut body = method_json(&w, i, m, view, w.now());
    let what = format!("users('{}')/authentication/{seg}/$entity", context_key(&key));
    body.insert("@odata.context".into(), Value::from(ctx.context(&what)));
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

/// `DELETE /users/{id}/authentication/{kind}/{methodId}` → 204. Passwords cannot be deleted
/// (405); the default MFA method cannot be deleted while other methods remain (400); a method of
/// the caller's own account needs a sign-in (MFA) within the last
/// `selfServiceMfaMaxAgeSeconds` (600), else 403 `accessDenied` "MFA is required for a
/// 'RemoveKey' operation, but was not performed." (the text in microsoft-graph-docs-contrib#3910).
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path((key, kind, mid)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let seg = segment(&kind)?;
    if seg == "passwordMethods" {
        return Err(ApiError::method_not_allowed());
    }
    let mut w = shared.lock();
    let i = find_user(&w, &key)?;
    authorize(&w, &caller, Some(i), Action::WriteMethods)?;
    // Self-service credential changes need MFA within the last 10 minutes (the tenant setting).
    let own = !caller.app_only && w.user(i).id.eq_ignore_ascii_case(&caller.oid);
    if own && w.now().as_second() - caller.auth_time > w.tenant.settings.self_service_mfa_max_age_seconds {
        return Err(ApiError::methods(
            StatusCode::FORBIDDEN,
            "accessDenied",
            "MFA is required for a 'RemoveKey' operation, but was not performed.",
        ));
    }
    let pos = w
        .user(i)
        .methods
        .iter()
        .position(|m| m.id == mid && m.detail.segment() == Some(seg))
        .ok_or_else(|| method_not_found(&mid))?;
    let password_counts = w.tenant.settings.password_counts_as_other_method;
    let u = w.user_mut(i);
    if u.default_method_id.as_deref() == Some(mid.as_str()) {
        let others = u
            .methods
            .iter()
            .enumerate()
            .any(|(j, m)| j != pos && (password_counts || !matches!(m.detail, MethodDetail::Password {})));
        if others {
            return Err(ApiError::bad_request(
                "Cannot delete default method with other methods configured. Please change default method before deletion.",
            ));
        }
        u.default_method_id = None;
    }
    u.methods.remove(pos);
    Ok(StatusCode::NO_CONTENT.into_response())
}
