//! The simulated Entra ID token endpoint, bearer-token checks and per-route permission checks.
//!
//! `POST /{tenant}/oauth2/v2.0/token` (form-encoded) answers `{"token_type":"Bearer","expires_in":3599,
//! "ext_expires_in":3599,"access_token":"<JWT-shaped>"}` for three grants:
//! - `client_credentials` (secret in the form or in `Authorization: Basic`): tokens act for the
//!   tenant's operator (or the client's `operatorId`) with the client's consented permissions;
//!   with a client assertion instead of a secret ([`super::assertion`]: certificate or federated
//!   credential) the token is app-only ([`mint_app`]: `idtyp` `app`, the client's application
//!   permissions as `roles`, the service principal as `oid`);
//! - `urn:ietf:params:oauth:grant-type:device_code` and `refresh_token` ([`super::device`]).
//!
//! Tokens live [`TOKEN_LIFETIME`] s of real time (see [`super::StsSettings`]), carry `scp` with the
//! granted permissions, and are only valid on the simulator that issued them. Every Graph route
//! checks the permissions it needs ([`check_scope`]): users and revoke answer 403
//! `Authorization_RequestDenied`; methods, TAP and policy answer 403 `accessDenied` "You cannot
//! perform the requested operation, required scopes are missing in the token." (the text Graph
//! sends for a token without the scope).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::{Extension, Json};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use rand::Rng as _;
use serde_json::json;

use super::errors::{ApiError, Flavour, sts_error};
use super::http::{Caller, ReqCtx};
use super::state::{Shared, TokenInfo, World};
use super::tenant::SimClient;
use tapdesk_graph::permissions::{self as p, method_family};

/// Default access-token lifetime in seconds.
pub(crate) const TOKEN_LIFETIME: i64 = 3599;

/// The Graph resource URI tokens are issued for (`aud`), whatever address the simulator has.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

/// Every permission tapdesk uses: the `scp` of in-process tokens ([`super::SimHandle::mint_token`])
/// and the consent of clients without `consentedScopes`.
pub const ALL_SCOPES: &[&str] = &[
    "User.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
    "Policy.Read.AuthenticationMethod",
    "Policy.ReadWrite.AuthenticationMethod",
    "User.RevokeSessions.All",
];

/// The base64 `claims` value of the simulator's continuous-access-evaluation challenge.
pub const CLAIMS_CHALLENGE: &str =
    "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwMzc0MjgwMCJ9fX0=";

/// Issues and remembers a token acting for `oid` with every permission ([`ALL_SCOPES`]).
pub(crate) fn mint(w: &mut World, oid: &str, client_id: &str) -> String {
    mint_with(w, oid, client_id, &all_scopes()).0
}

/// Issues and remembers a token acting for `oid` with `scopes` as `scp`. Returns the token and its
/// lifetime in seconds. While a claims challenge is required, the token is challenged at once.
pub(crate) fn mint_with(w: &mut World, oid: &str, client_id: &str, scopes: &[String]) -> (String, i64) {
    let lifetime = w.sts.access_token_lifetime_seconds;
    let iat = Timestamp::now().as_second();
    let exp = iat + lifetime;
    let (upn, name) = w
        .find_user(oid)
        .map(|i| (w.user(i).user_principal_name.clone(), w.user(i).display_name.clone()))
        .unwrap_or_default();
    let app_name = w
        .tenant
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .and_then(|c| c.display_name.clone())
        .unwrap_or_else(|| "tapdesk (simulated)".to_owned());
    let tid = w.tenant.tenant_id.clone();
    let payload = json!({
        "aud": GRAPH_RESOURCE,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": iat, "nbf": iat, "exp": exp,
        "appid": client_id, "app_displayname": app_name,
        "idtyp": "user", "name": name, "oid": oid, "tid": tid, "upn": upn,
        "scp": scopes.join(" "),
        "uti": uuid::Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
    });
    let token = remember(w, &payload, oid, exp, scopes.to_vec(), false);
    (token, lifetime)
}

/// Makes the JWT-shaped token for `payload` and remembers it as issued (challenged at once while
/// a claims challenge is required).
fn remember(
    w: &mut World,
    payload: &serde_json::Value,
    oid: &str,
    exp: i64,
    scopes: Vec<String>,
    app_only: bool,
) -> String {
    let token = jwt_shaped(payload);
    let needs_claims = w.claims_required;
    let auth_time = w.now().as_second();
    w.tokens.insert(token.clone(), TokenInfo { oid: oid.to_owned(), exp, scopes, needs_claims, app_only, auth_time });
    token
}

/// A JWT-shaped string for `payload`: a fixed RS256 header and 64 random bytes as the signature
/// (the simulator recognises its tokens by value, not by signature).
fn jwt_shaped(payload: &serde_json::Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "tapdesk-sim", "x5t": "tapdesk-sim"});
    let mut sig = [0u8; 64];
    rand::rng().fill(&mut sig[..]);
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

/// An application signing in as itself (certificate, federated credential, managed identity).
#[derive(Debug, Clone)]
pub(crate) struct AppPrincipal {
    /// Object id of the service principal (`oid`, `sub`).
    pub oid: String,
    /// Client (application) id (`appid`).
    pub app_id: String,
    /// `app_displayname`.
    pub name: String,
    /// Granted application permissions (`roles`).
    pub roles: Vec<String>,
}

impl AppPrincipal {
    /// The principal of app registration `client`: its service principal id (else the client
    /// id), name (else the client id) and application permissions (else [`ALL_SCOPES`]).
    pub fn of_client(client: &SimClient) -> AppPrincipal {
        AppPrincipal {
            oid: client.service_principal_id.clone().unwrap_or_else(|| client.client_id.clone()),
            app_id: client.client_id.clone(),
            name: client.display_name.clone().unwrap_or_else(|| client.client_id.clone()),
            roles: client.application_permissions.clone().unwrap_or_else(all_scopes),
        }
    }
}

fn all_scopes() -> Vec<String> {
    ALL_SCOPES.iter().map(|s| s.to_string()).collect()
}

/// Issues and remembers an app-only token for `app`: `idtyp` `app`, the permissions as `roles`, no
/// `scp`, no user claims; `aud` is `resource`. Returns the token and its lifetime in seconds.
pub(crate) fn mint_app(w: &mut World, app: &AppPrincipal, resource: &str) -> (String, i64) {
    let lifetime = w.sts.access_token_lifetime_seconds;
    let iat = Timestamp::now().as_second();
    let exp = iat + lifetime;
    let tid = w.tenant.tenant_id.clone();
    let payload = json!({
        "aud": resource,
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": iat, "nbf": iat, "exp": exp,
        "appid": app.app_id, "app_displayname": app.name,
        "idtyp": "app", "oid": app.oid, "sub": app.oid, "tid": tid,
        "roles": app.roles,
        "uti": uuid::Uuid::new_v4().simple().to_string(),
        "ver": "1.0",
    });
    let token = remember(w, &payload, &app.oid, exp, app.roles.clone(), true);
    (token, lifetime)
}

/// Checks `Authorization: Bearer` against the issued tokens.
///
/// Errors (401 `InvalidAuthenticationToken`): "Access token is empty." (missing header or
/// token), "Access token validation failure." (not issued here, or its user is gone),
/// "Lifetime validation failed, the token is expired." (expired), and a claims challenge
/// ("Continuous access evaluation resulted in challenge with result: InteractionRequired and code:
/// TokenIssuedBeforeRevocationTimestamp", `WWW-Authenticate: ... error="insufficient_claims",
/// claims="..."`) after [`super::SimControl::require_claims_challenge`].
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
    if !info.app_only && w.find_user(&info.oid).is_none() {
        return Err(unauthorized("Access token validation failure."));
    }
    if info.needs_claims {
        return Err(unauthorized(
            "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: \
             TokenIssuedBeforeRevocationTimestamp",
        )
        .with_header(
            header::WWW_AUTHENTICATE,
            format!(
                "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", \
                 error=\"insufficient_claims\", claims=\"{CLAIMS_CHALLENGE}\""
            ),
        ));
    }
    Ok(Caller {
        oid: info.oid.clone(),
        scopes: info.scopes.clone(),
        app_only: info.app_only,
        auth_time: info.auth_time,
    })
}

/// The permissions a Graph route needs (any one of them), or `None` for paths no route serves.
/// `path` is after `/me` rewriting; `via_me` says the caller used `/me` (then `User.Read` also
/// reads the caller's own profile).
fn required(method: &Method, path: &str, via_me: bool) -> Option<(bool, Vec<String>)> {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let segs: Vec<&str> = path.trim_start_matches("/v1.0/").split('/').filter(|s| !s.is_empty()).collect();
    let family = |kind: &str, write: bool| -> Vec<String> {
        method_family(kind)
            .map(|f| {
                let mut v = vec![format!("UserAuthMethod-{f}.ReadWrite.All")];
                if !write {
                    v.push(format!("UserAuthMethod-{f}.Read.All"));
                }
                v
            })
            .unwrap_or_default()
    };
    // (directory flavour?, any of)
    Some(match (method, segs.as_slice()) {
        (&Method::GET, ["users"] | ["users", "$count"]) => (true, own(p::READ_USERS)),
        (&Method::GET, ["users", _] | ["users", _, "manager" | "transitiveMemberOf"]) => {
            let mut v = own(p::READ_USERS);
            if via_me {
                v.extend(own(&["User.Read", "User.ReadBasic.All"]));
            }
            (true, v)
        }
        (&Method::POST, ["users", _, "revokeSignInSessions"]) => (true, own(p::REVOKE_SESSIONS)),
        (&Method::GET, ["users", _, "authentication", "methods", ..]) => (false, own(p::READ_METHODS)),
        (&Method::POST, ["users", _, "authentication", kind])
            if kind.eq_ignore_ascii_case("temporaryAccessPassMethods") =>
        {
            (false, own(p::CREATE_TAP))
        }
        (&Method::GET, ["users", _, "authentication", kind] | ["users", _, "authentication", kind, _]) => {
            let mut v = own(p::READ_METHODS);
            v.extend(family(kind, false));
            (false, v)
        }
        (&Method::DELETE, ["users", _, "authentication", kind, _]) => {
            let mut v = vec![p::WRITE_METHODS_BROAD.to_owned()];
            v.extend(family(kind, true));
            (false, v)
        }
        (&Method::GET, ["policies", ..]) => (false, own(p::READ_POLICY)),
        (&Method::PATCH, ["policies", ..]) => (false, own(p::WRITE_POLICY)),
        _ => return None,
    })
}

/// Checks that the caller's token carries a permission the route needs (see the module doc).
pub(crate) fn check_scope(caller: &Caller, method: &Method, path: &str, via_me: bool) -> Result<(), ApiError> {
    let Some((directory, any_of)) = required(method, path, via_me) else {
        return Ok(());
    };
    if any_of.iter().any(|need| caller.scopes.iter().any(|s| s.eq_ignore_ascii_case(need))) {
        return Ok(());
    }
    Err(if directory {
        ApiError::denied()
    } else {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "accessDenied",
            "You cannot perform the requested operation, required scopes are missing in the token.",
            Flavour::Methods,
        )
    })
}

/// A parsed token-endpoint form.
pub(crate) struct Form(pub Vec<(String, String)>);

impl Form {
    /// The first non-empty value of `k`.
    pub fn get(&self, k: &str) -> Option<String> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    }
}

/// A successful token-endpoint answer (`Cache-Control: no-store`).
pub(crate) fn token_response(body: serde_json::Value) -> Response {
    let mut resp = axum::response::IntoResponse::into_response(Json(body));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    resp
}

/// `400 invalid_request` AADSTS900144 for a missing form parameter.
pub(crate) fn missing(p: &str, ctx: &ReqCtx) -> Response {
    sts_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{p}'."),
        ctx,
    )
}

/// The client registered as `client_id`, or the `unauthorized_client` AADSTS700016 answer.
#[allow(clippy::result_large_err)] // the Err is the finished answer, sent at once
pub(crate) fn find_client(w: &World, client_id: &str, ctx: &ReqCtx) -> Result<SimClient, Response> {
    w.tenant.clients.iter().find(|c| c.client_id == client_id).cloned().ok_or_else(|| {
        sts_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                w.tenant.domain
            ),
            ctx,
        )
    })
}

/// `Ok` when `tenant` (the URL segment) names the simulated tenant by id or domain, else the
/// AADSTS90002 answer.
#[allow(clippy::result_large_err)] // the Err is the finished answer, sent at once
pub(crate) fn check_tenant(w: &World, tenant: &str, ctx: &ReqCtx) -> Result<(), Response> {
    if tenant.eq_ignore_ascii_case(&w.tenant.tenant_id)
        || tenant.eq_ignore_ascii_case(&w.tenant.domain)
        || tenant.eq_ignore_ascii_case("organizations")
        || tenant.eq_ignore_ascii_case("common")
    {
        return Ok(());
    }
    Err(sts_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        90002,
        &format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
        ),
        ctx,
    ))
}

/// `POST /{tenant}/oauth2/v2.0/token`: dispatches on `grant_type`.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Extension(ctx): Extension<ReqCtx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Form(url::form_urlencoded::parse(&body).into_owned().collect());
    let mut w = shared.lock();
    if let Err(r) = check_tenant(&w, &tenant, &ctx) {
        return r;
    }
    let Some(grant) = form.get("grant_type") else {
        return missing("grant_type", &ctx);
    };
    match grant.as_str() {
        "client_credentials" => client_credentials(&mut w, &form, &headers, &ctx),
        super::device::DEVICE_CODE_GRANT => super::device::redeem(&mut w, &form, &ctx),
        "refresh_token" => super::device::refresh(&mut w, &form, &ctx),
        _ => sts_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant}'."),
            &ctx,
        ),
    }
}

/// The client-credentials grant.
fn client_credentials(w: &mut World, form: &Form, headers: &HeaderMap, ctx: &ReqCtx) -> Response {
    let (mut client_id, mut secret) = (form.get("client_id"), form.get("client_secret"));
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
    let Some(client_id) = client_id else {
        return missing("client_id", ctx);
    };
    let client = match find_client(w, &client_id, ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if form.get("client_assertion_type").is_some() || form.get("client_assertion").is_some() {
        return assertion_grant(w, form, &client, ctx);
    }
    if client.client_secret.is_empty() || secret.as_deref() != Some(client.client_secret.as_str()) {
        return sts_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
            ctx,
        );
    }
    if let Err(r) = default_scope(form, ctx) {
        return r;
    }
    let oid = client.operator_id.clone().unwrap_or_else(|| w.tenant.operator_id.clone());
    let scopes = consented(&client);
    let (access_token, lifetime) = mint_with(w, &oid, &client_id, &scopes);
    token_response(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
}

/// The client-credentials grant with a client assertion (certificate or federated credential,
/// checked by [`super::assertion::authenticate`]): an app-only token with the client's
/// application permissions as `roles`.
fn assertion_grant(w: &mut World, form: &Form, client: &SimClient, ctx: &ReqCtx) -> Response {
    if let Err(r) = super::assertion::authenticate(w, form, client, ctx) {
        return r;
    }
    if let Err(r) = default_scope(form, ctx) {
        return r;
    }
    let (access_token, lifetime) = mint_app(w, &AppPrincipal::of_client(client), GRAPH_RESOURCE);
    token_response(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
}

/// The `scope` of a client-credentials request, which must name a resource's `/.default`
/// (AADSTS1002012 otherwise, AADSTS900144 when missing).
#[allow(clippy::result_large_err)] // the Err is the finished answer, sent at once
fn default_scope(form: &Form, ctx: &ReqCtx) -> Result<String, Response> {
    let Some(scope) = form.get("scope") else {
        return Err(missing("scope", ctx));
    };
    if !scope.split(' ').any(|s| s.ends_with("/.default")) {
        return Err(sts_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
            ctx,
        ));
    }
    Ok(scope)
}

/// Permissions a client without `consentedScopes` may be granted when asked by name: [`ALL_SCOPES`]
/// plus the read-only and least-privileged names (reference §10.1).
pub const CONSENTABLE_SCOPES: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "Directory.Read.All",
    "UserAuthenticationMethod.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
    "UserAuthMethod-TAP.ReadWrite.All",
    "UserAuthMethod-Passkey.ReadWrite.All",
    "UserAuthMethod-MicrosoftAuthApp.ReadWrite.All",
    "UserAuthMethod-Phone.ReadWrite.All",
    "Policy.Read.All",
    "Policy.Read.AuthenticationMethod",
    "Policy.ReadWrite.AuthenticationMethod",
    "User.RevokeSessions.All",
];

/// The client's consented permissions ([`ALL_SCOPES`] when not restricted).
pub(crate) fn consented(client: &SimClient) -> Vec<String> {
    client.consented_scopes.clone().unwrap_or_else(|| ALL_SCOPES.iter().map(|s| s.to_string()).collect())
}
