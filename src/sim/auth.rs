//! The simulated Entra ID token endpoint and bearer-token checks.
//!
//! `POST /{tenant}/oauth2/v2.0/token` (client credentials, form-encoded, secret in the form or in
//! `Authorization: Basic`) answers `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,
//! "access_token":"<JWT-shaped>"}`. Tokens act for the tenant's operator (or the client's
//! `operatorId`), live 3599 s of real time, and are only valid on the simulator that issued them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::{Extension, Json};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use rand::Rng as _;
use serde_json::json;

use super::errors::{ApiError, sts_error};
use super::http::{Caller, ReqCtx};
use super::state::{Shared, TokenInfo, World};

/// Token lifetime in seconds.
pub(crate) const TOKEN_LIFETIME: i64 = 3599;

/// Issues and remembers a token acting for `oid`.
pub(crate) fn mint(w: &mut World, oid: &str, client_id: &str) -> String {
    let iat = Timestamp::now().as_second();
    let exp = iat + TOKEN_LIFETIME;
    let (upn, name) = w
        .find_user(oid)
        .map(|i| (w.user(i).user_principal_name.clone(), w.user(i).display_name.clone()))
        .unwrap_or_default();
    let tid = w.tenant.tenant_id.clone();
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "tapdesk-sim", "x5t": "tapdesk-sim"});
    let payload = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": iat, "nbf": iat, "exp": exp,
        "appid": client_id, "app_displayname": "tapdesk (simulated)",
        "idtyp": "user", "name": name, "oid": oid, "tid": tid, "upn": upn,
        "scp": "User.Read.All UserAuthenticationMethod.ReadWrite.All Policy.Read.AuthenticationMethod User.RevokeSessions.All",
        "uti": uuid::Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
    });
    let mut sig = [0u8; 64];
    rand::rng().fill(&mut sig[..]);
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(sig)
    );
    w.tokens.insert(token.clone(), TokenInfo { oid: oid.to_owned(), exp });
    token
}

/// Checks `Authorization: Bearer` against the issued tokens.
///
/// Errors (401 `InvalidAuthenticationToken`): "Access token is empty." (missing header or
/// token), "Access token validation failure." (not issued here, or its user is gone),
/// "Lifetime validation failed, the token is expired." (expired).
pub(crate) fn check_bearer(shared: &Shared, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let unauthorized = |m: &str| ApiError::directory(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", m);
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("").trim();
    let token = match value.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => "",
    };
    if token.is_empty() {
        return Err(unauthorized("Access token is empty."));
    }
    let w = shared.lock();
    let info = w.tokens.get(token).ok_or_else(|| unauthorized("Access token validation failure."))?;
    if info.exp <= Timestamp::now().as_second() {
        return Err(unauthorized("Lifetime validation failed, the token is expired."));
    }
    if w.find_user(&info.oid).is_none() {
        return Err(unauthorized("Access token validation failure."));
    }
    Ok(Caller { oid: info.oid.clone() })
}

/// `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Extension(ctx): Extension<ReqCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
    let (mut client_id, mut secret) = (field("client_id"), field("client_secret"));
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        && let Some((id, s)) = basic.split_once(':')
    {
        client_id.get_or_insert_with(|| id.to_owned());
        secret.get_or_insert_with(|| s.to_owned());
    }
    let bad = StatusCode::BAD_REQUEST;
    let missing = |p: &str| {
        sts_error(
            bad,
            "invalid_request",
            900144,
            &format!("The request body must contain the following parameter: '{p}'."),
            &ctx,
        )
    };
    let mut w = shared.lock();
    if !tenant.eq_ignore_ascii_case(&w.tenant.tenant_id) && !tenant.eq_ignore_ascii_case(&w.tenant.domain) {
        return sts_error(
            bad,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
            &ctx,
        );
    }
    let Some(grant) = field("grant_type") else {
        return missing("grant_type");
    };
    if grant != "client_credentials" {
        return sts_error(
            bad,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant}'."),
            &ctx,
        );
    }
    let Some(client_id) = client_id else {
        return missing("client_id");
    };
    let Some(client) = w.tenant.clients.iter().find(|c| c.client_id == client_id).cloned() else {
        return sts_error(
            bad,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                w.tenant.domain
            ),
            &ctx,
        );
    };
    if secret.as_deref() != Some(client.client_secret.as_str()) {
        return sts_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
            &ctx,
        );
    }
    let Some(scope) = field("scope") else {
        return missing("scope");
    };
    if !scope.split(' ').any(|s| s.ends_with("/.default")) {
        return sts_error(
            bad,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
            &ctx,
        );
    }
    let oid = client.operator_id.unwrap_or_else(|| w.tenant.operator_id.clone());
    let access_token = mint(&mut w, &oid, &client_id);
    let mut resp = axum::response::IntoResponse::into_response(Json(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "access_token": access_token,
    })));
    resp.headers_mut().insert(header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store, no-cache"));
    resp
}
