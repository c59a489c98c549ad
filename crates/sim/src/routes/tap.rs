//! `POST /users/{id}/authentication/temporaryAccessPassMethods` and the TAP policy
//! (`GET`/`PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use rand::Rng as _;
use serde_json::{Map, Value, json};

use super::methods::{View, fmt_time, method_json, segment};
use super::{Action, authorize, context_key, find_user};
use crate::errors::ApiError;
use crate::http::{Caller, ReqCtx, json_response};
use crate::state::Shared;
use crate::tenant::{MethodDetail, SimMethod};
use tapdesk_graph::types::{PolicyTarget, TapPolicy};

const TAP_CONFIG_TYPE: &str = "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration";

/// A random pass of `len` characters: letters, digits and at least one of `+ ! # % '`.
pub(crate) fn generate_pass(len: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    const SYMBOLS: &[u8] = b"+!#%'";
    let mut rng = rand::rng();
    let mut chars: Vec<u8> = (0..len)
        .map(|_| {
            if rng.random_bool(0.15) {
                SYMBOLS[rng.random_range(0..SYMBOLS.len())]
            } else {
                ALNUM[rng.random_range(0..ALNUM.len())]
            }
        })
        .collect();
    if !chars.iter().any(|c| SYMBOLS.contains(c)) && len > 0 {
        let at = rng.random_range(0..len);
        chars[at] = SYMBOLS[rng.random_range(0..SYMBOLS.len())];
    }
    chars.into_iter().map(char::from).collect()
}

/// Reads a JSON object body (empty = `{}`).
fn object_body(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::unreadable_body()),
    }
}

/// `POST .../temporaryAccessPassMethods` → 201 with the pass (the only time it is shown).
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Extension(caller): Extension<Caller>,
    Path((key, kind)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if segment(&kind)? != "temporaryAccessPassMethods" {
        return Err(ApiError::method_not_allowed());
    }
    let req = object_body(&body)?;
    let mut w = shared.lock();
    let i = find_user(&w, &key)?;
    authorize(&w, &caller, Some(i), Action::CreateTap)?;
    if w.user(i).is_external_guest() {
        return Err(ApiError::bad_request("Temporary Access Pass cannot be added to an external guest user."));
    }
    let policy = w.tenant.tap_policy.clone();
    let now = w.now();
    let start = match req.get("startDateTime") {
        None | Some(Value::Null) => now,
        Some(Value::String(s)) => {
            s.parse::<Timestamp>().map_err(|_| ApiError::bad_request("Invalid StartDateTime specified."))?
        }
        Some(_) => return Err(ApiError::unreadable_body()),
    };
    let lifetime = match req.get("lifetimeInMinutes") {
        None | Some(Value::Null) => i64::from(policy.default_lifetime_in_minutes),
        Some(v) => v.as_i64().ok_or_else(ApiError::unreadable_body)?,
    };
    let (min, max) = (policy.minimum_lifetime_in_minutes.max(10), policy.maximum_lifetime_in_minutes.min(43_200));
    let lifetime = match u32::try_from(lifetime) {
        Ok(l) if (min..=max).contains(&l) => l,
        _ => {
            return Err(ApiError::bad_request(format!(
                "Invalid LifetimeInMinutes specified. The valid range between {min} and {max}."
            )));
        }
    };
    let once = match req.get("isUsableOnce") {
        None | Some(Value::Null) => policy.is_usable_once,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::unreadable_body()),
    };
    if policy.is_usable_once && !once {
        return Err(ApiError::bad_request(
            "Invalid IsUsableOnce specified. The policy only allows one-time use Temporary Access Pass.",
        ));
    }
    let method = SimMethod {
        id: uuid::Uuid::new_v4().to_string(),
        created_date_time: Some(now),
        last_used_date_time: None,
        detail: MethodDetail::TemporaryAccessPass {
            start_date_time: start,
            lifetime_in_minutes: lifetime,
            is_usable_once: once,
            used: false,
        },
    };
    let u = w.user_mut(i);
    u.methods.retain(|m| !matches!(m.detail, MethodDetail::TemporaryAccessPass { .. }));
    u.methods.push(method.clone());
    let mut out = method_json(&w, i, &method, View { with_type: true, mask: false, tap_digits: 6 }, now);
    let what = format!("users('{}')/authentication/temporaryAccessPassMethods/$entity", context_key(&key));
    out.insert("@odata.context".into(), Value::from(ctx.context(&what)));
    out.insert("temporaryAccessPass".into(), Value::from(generate_pass(policy.default_length as usize)));
    if let Some(t) = method.created_date_time {
        out.insert("createdDateTime".into(), Value::from(fmt_time(t, 6)));
    }
    Ok(json_response(StatusCode::CREATED, &Value::Object(out)))
}

fn config_not_found(cid: &str) -> ApiError {
    ApiError::methods(
        StatusCode::NOT_FOUND,
        "itemNotFound",
        format!("Authentication method configuration '{cid}' was not found."),
    )
}

fn policy_json(p: &TapPolicy, ctx: &ReqCtx) -> Value {
    let include: Vec<Value> = p
        .include_targets
        .iter()
        .map(|t| json!({"targetType": t.target_type, "id": t.id, "isRegistrationRequired": t.is_registration_required.unwrap_or(false)}))
        .collect();
    let exclude: Vec<Value> =
        p.exclude_targets.iter().map(|t| json!({"targetType": t.target_type, "id": t.id})).collect();
    json!({
        "@odata.context": ctx.context("authenticationMethodConfigurations/$entity"),
        "@odata.type": TAP_CONFIG_TYPE,
        "id": "TemporaryAccessPass",
        "state": p.state,
        "defaultLifetimeInMinutes": p.default_lifetime_in_minutes,
        "defaultLength": p.default_length,
        "minimumLifetimeInMinutes": p.minimum_lifetime_in_minutes,
        "maximumLifetimeInMinutes": p.maximum_lifetime_in_minutes,
        "isUsableOnce": p.is_usable_once,
        "includeTargets": include,
        "excludeTargets": exclude,
    })
}

/// `GET .../authenticationMethodConfigurations/TemporaryAccessPass` (id case-insensitive).
pub(crate) async fn policy_get(
    State(shared): State<Arc<Shared>>,
    Extension(ctx): Extension<ReqCtx>,
    Extension(caller): Extension<Caller>,
    Path(cid): Path<String>,
) -> Result<Response, ApiError> {
    let w = shared.lock();
    authorize(&w, &caller, None, Action::ReadPolicy)?;
    if !cid.eq_ignore_ascii_case("TemporaryAccessPass") {
        return Err(config_not_found(&cid));
    }
    Ok(json_response(StatusCode::OK, &policy_json(&w.tenant.tap_policy, &ctx)))
}

fn range_error(field: &str, lo: u32, hi: u32) -> ApiError {
    ApiError::bad_request(format!("Invalid {field} specified. The valid range between {lo} and {hi}."))
}

fn num(m: &Map<String, Value>, key: &str, field: &str, lo: u32, hi: u32, slot: &mut u32) -> Result<(), ApiError> {
    match m.get(key) {
        None => Ok(()),
        Some(v) => {
            let n = v.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| range_error(field, lo, hi))?;
            if !(lo..=hi).contains(&n) {
                return Err(range_error(field, lo, hi));
            }
            *slot = n;
            Ok(())
        }
    }
}

fn targets(v: &Value) -> Result<Vec<PolicyTarget>, ApiError> {
    serde_json::from_value(v.clone()).map_err(|_| ApiError::unreadable_body())
}

/// `PATCH .../authenticationMethodConfigurations/TemporaryAccessPass` → 204; requires
/// `@odata.type`; lifetimes 10..=43,200, length 8..=48, min <= default <= max.
pub(crate) async fn policy_patch(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(cid): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = object_body(&body)?;
    let mut w = shared.lock();
    authorize(&w, &caller, None, Action::WritePolicy)?;
    if !cid.eq_ignore_ascii_case("TemporaryAccessPass") {
        return Err(config_not_found(&cid));
    }
    if m.get("@odata.type").and_then(Value::as_str).map(|t| t.trim_start_matches('#'))
        != Some(TAP_CONFIG_TYPE.trim_start_matches('#'))
    {
        return Err(ApiError::bad_request(format!(
            "The request body must specify '@odata.type': '{TAP_CONFIG_TYPE}'."
        )));
    }
    let mut p = w.tenant.tap_policy.clone();
    if let Some(s) = m.get("state") {
        match s.as_str() {
            Some(s @ ("enabled" | "disabled")) => p.state = s.to_owned(),
            _ => {
                return Err(ApiError::bad_request(
                    "Invalid State specified. Valid values are 'enabled' and 'disabled'.",
                ));
            }
        }
    }
    num(&m, "defaultLifetimeInMinutes", "DefaultLifetimeInMinutes", 10, 43_200, &mut p.default_lifetime_in_minutes)?;
    num(&m, "minimumLifetimeInMinutes", "MinimumLifetimeInMinutes", 10, 43_200, &mut p.minimum_lifetime_in_minutes)?;
    num(&m, "maximumLifetimeInMinutes", "MaximumLifetimeInMinutes", 10, 43_200, &mut p.maximum_lifetime_in_minutes)?;
    num(&m, "defaultLength", "DefaultLength", 8, 48, &mut p.default_length)?;
    if let Some(v) = m.get("isUsableOnce") {
        p.is_usable_once = v.as_bool().ok_or_else(ApiError::unreadable_body)?;
    }
    if let Some(v) = m.get("includeTargets") {
        p.include_targets = targets(v)?;
    }
    if let Some(v) = m.get("excludeTargets") {
        p.exclude_targets = targets(v)?;
    }
    if p.minimum_lifetime_in_minutes > p.maximum_lifetime_in_minutes {
        return Err(ApiError::bad_request(
            "Invalid MinimumLifetimeInMinutes specified. It must not be greater than MaximumLifetimeInMinutes.",
        ));
    }
    if !(p.minimum_lifetime_in_minutes..=p.maximum_lifetime_in_minutes).contains(&p.default_lifetime_in_minutes) {
        return Err(range_error(
            "DefaultLifetimeInMinutes",
            p.minimum_lifetime_in_minutes,
            p.maximum_lifetime_in_minutes,
        ));
    }
    w.tenant.tap_policy = p;
    Ok(StatusCode::NO_CONTENT.into_response())
}
