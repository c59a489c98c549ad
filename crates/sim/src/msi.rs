//! Managed-identity token endpoints of the simulated Azure host, in the two shapes azure_identity
//! 1.0.0's `ManagedIdentityCredential` uses:
//! - IMDS (VMs): `GET /metadata/identity/oauth2/token?api-version=2019-08-01&resource=...`
//!   with `Metadata: true` (the real host is `169.254.169.254`; tapdesk's loopback transport
//!   carries the request to the simulator);
//! - App Service: `GET /msi/token?api-version=2019-08-01&resource=...` with
//!   `X-IDENTITY-HEADER: <IDENTITY_HEADER>` (the URL is the `IDENTITY_ENDPOINT` variable).
//!
//! No id picks the system-assigned identity; `client_id`, `object_id` (or App Service's
//! `principal_id`) or `msi_res_id` (or `mi_res_id`) pick a user-assigned one. The answer is
//! `{"access_token", "client_id", "expires_in", "expires_on", "ext_expires_in", "not_before",
//! "resource", "token_type": "Bearer"}` with the numbers as strings of seconds (`expires_on` and
//! `not_before` are Unix times), as both endpoints send them. Tokens are app-only (`idtyp` `app`,
//! the identity's application permissions as `roles`).
//!
//! Errors (Microsoft's "How to use managed identities on a VM to acquire an access token" error
//! table): no `Metadata: true` → 400 `bad_request_102` "Required metadata header not specified";
//! an identity the host does not have → 400 `invalid_request` "Identity not found"; a missing
//! `resource` or `api-version` → 400 `invalid_request`. Simplification: the App Service error body
//! for a missing or wrong `X-IDENTITY-HEADER` is not documented; the simulator answers 401
//! `{"error": "unauthorized_client", ...}`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::json;

use super::auth::{AppPrincipal, mint_app, token_response};
use super::http::ReqCtx;
use super::state::{Shared, World};
use super::tenant::{ManagedIdentityType, SimManagedIdentity};

fn error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (status, axum::Json(json!({"error": error, "error_description": description}))).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store, no-cache"));
    resp
}

/// `GET /metadata/identity/oauth2/token` (IMDS).
pub(crate) async fn imds(
    State(shared): State<Arc<Shared>>,
    Extension(_ctx): Extension<ReqCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let metadata = headers.get("metadata").and_then(|v| v.to_str().ok());
    if metadata != Some("true") {
        return error(StatusCode::BAD_REQUEST, "bad_request_102", "Required metadata header not specified");
    }
    issue(&mut shared.lock(), query.as_deref())
}

/// `GET /msi/token` (App Service, api-version 2019-08-01).
pub(crate) async fn app_service(
    State(shared): State<Arc<Shared>>,
    Extension(_ctx): Extension<ReqCtx>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let mut w = shared.lock();
    let sent = headers.get("x-identity-header").and_then(|v| v.to_str().ok());
    let expected = w.tenant.identity_header.as_deref();
    if sent.is_none() || sent != expected {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "The X-IDENTITY-HEADER request header is missing or does not match this host's IDENTITY_HEADER.",
        );
    }
    issue(&mut w, query.as_deref())
}

/// The identity a query asks for, by its selector parameters.
fn select<'a>(w: &'a World, q: &[(String, String)]) -> Option<&'a SimManagedIdentity> {
    let get = |names: &[&str]| {
        q.iter().find(|(k, v)| names.iter().any(|n| k.eq_ignore_ascii_case(n)) && !v.is_empty()).map(|(_, v)| v)
    };
    let ids = &w.tenant.managed_identities;
    let user = |f: &dyn Fn(&SimManagedIdentity) -> bool| {
        ids.iter().find(|m| m.identity_type == ManagedIdentityType::UserAssigned && f(m))
    };
    if let Some(c) = get(&["client_id"]) {
        user(&|m| m.client_id.eq_ignore_ascii_case(c))
    } else if let Some(o) = get(&["object_id", "principal_id"]) {
        user(&|m| m.principal_id.eq_ignore_ascii_case(o))
    } else if let Some(r) = get(&["msi_res_id", "mi_res_id"]) {
        user(&|m| m.resource_id.as_deref().is_some_and(|id| id.eq_ignore_ascii_case(r)))
    } else {
        ids.iter().find(|m| m.identity_type == ManagedIdentityType::SystemAssigned)
    }
}

fn issue(w: &mut World, query: Option<&str>) -> Response {
    let q: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    let value = |k: &str| q.iter().find(|(n, v)| n == k && !v.is_empty()).map(|(_, v)| v.clone());
    if value("api-version").is_none() {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "Required query variable 'api-version' is missing");
    }
    let Some(resource) = value("resource") else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "Required query variable 'resource' is missing");
    };
    let Some(identity) = select(w, &q).cloned() else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "Identity not found");
    };
    let app = AppPrincipal {
        oid: identity.principal_id.clone(),
        app_id: identity.client_id.clone(),
        name: identity.display_name.clone().unwrap_or_else(|| identity.client_id.clone()),
        roles: identity
            .application_permissions
            .clone()
            .unwrap_or_else(|| super::ALL_SCOPES.iter().map(|s| s.to_string()).collect()),
    };
    let resource = resource.trim_end_matches('/').to_owned();
    let (access_token, lifetime) = mint_app(w, &app, &resource);
    let now = Timestamp::now().as_second();
    token_response(json!({
        "access_token": access_token,
        "client_id": identity.client_id,
        "expires_in": lifetime.to_string(),
        "expires_on": (now + lifetime).to_string(),
        "ext_expires_in": lifetime.to_string(),
        "not_before": now.to_string(),
        "resource": resource,
        "token_type": "Bearer",
    }))
}
