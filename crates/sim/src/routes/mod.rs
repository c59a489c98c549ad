//! The router and helpers shared by the route modules: query-option parsing, `$select`,
//! context keys and the operator's permission checks.

mod methods;
mod tap;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::errors::ApiError;
use super::http::{Caller, faults, front};
use super::props;
use super::state::{Shared, World};
use super::tenant::role_templates as rt;

/// Builds the whole application: token endpoint, Graph routes, fault layer and front middleware.
pub(crate) fn app(shared: Arc<Shared>) -> Router {
    let users = "/v1.0/users/{id}";
    let inner = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(super::auth::token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(super::device::device_code))
        .route("/devicelogin", get(super::device::login_page).post(super::device::login_submit))
        .route("/metadata/identity/oauth2/token", get(super::msi::imds))
        .route("/msi/token", get(super::msi::app_service))
        .route("/simulator/users/{id}/fido2Methods", post(super::act::register_fido2))
        .route("/simulator/users/{id}/signIns", post(super::act::sign_in))
        .route("/simulator/users/{id}/useTemporaryAccessPass", post(super::act::use_tap))
        .route("/v1.0/users", get(users::list))
        .route(users, get(users::get_one))
        .route(&format!("{users}/manager"), get(users::manager))
        .route(&format!("{users}/transitiveMemberOf"), get(users::transitive_member_of))
        .route(&format!("{users}/revokeSignInSessions"), post(users::revoke))
        .route(&format!("{users}/authentication/methods"), get(methods::list_all))
        .route(&format!("{users}/authentication/methods/{{mid}}"), get(methods::get_any))
        .route(&format!("{users}/authentication/{{kind}}"), get(methods::list_kind).post(tap::create))
        .route(&format!("{users}/authentication/{{kind}}/{{mid}}"), get(methods::get_kind).delete(methods::delete))
        .route(
            "/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{cid}",
            get(tap::policy_get).patch(tap::policy_patch),
        )
        .route_layer(from_fn_with_state(shared.clone(), faults))
        .fallback(fallback)
        .with_state(shared.clone());
    Router::new().fallback_service(inner).layer(from_fn_with_state(shared, front))
}

async fn fallback(State(_): State<Arc<Shared>>, req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/v1.0/") {
        let seg = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or("");
        let seg = percent_encoding::percent_decode_str(seg).decode_utf8_lossy();
        ApiError::directory(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment '{seg}'."),
        )
        .into_response()
    } else {
        ApiError::directory(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!(
                "No route for {} {path}: the simulator serves /v1.0/..., /{{tenant}}/oauth2/v2.0/token, \
                 /{{tenant}}/oauth2/v2.0/devicecode, /devicelogin, /simulator/users/..., /metadata/identity/oauth2/token and /msi/token.",
                req.method()
            ),
        )
        .into_response()
    }
}

/// Query options of one request: each pair raw (for nextLinks) and decoded.
pub(crate) struct Query {
    pairs: Vec<(String, String, String)>,
}

impl Query {
    /// Splits and decodes a raw query. A system option (`$...`) given twice is a 400.
    pub fn parse(raw: Option<&str>) -> Result<Query, ApiError> {
        let mut pairs = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let Some((k, v)) = url::form_urlencoded::parse(part.as_bytes()).next() else {
                continue;
            };
            let (k, v) = (k.into_owned(), v.into_owned());
            if k.starts_with('$')
                && pairs.iter().any(|(_, pk, _): &(String, String, String)| pk.eq_ignore_ascii_case(&k))
            {
                return Err(ApiError::directory(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    format!("Query option '{k}' was specified more than once, but it must be specified at most once."),
                ));
            }
            pairs.push((part.to_owned(), k, v));
        }
        Ok(Query { pairs })
    }

    /// Decoded value of option `key` (case-insensitive name).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(_, k, _)| k.eq_ignore_ascii_case(key)).map(|(_, _, v)| v.as_str())
    }

    /// The raw pairs except `without`, joined with `&` (for `@odata.nextLink`).
    pub fn raw_without(&self, without: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(_, k, _)| !k.eq_ignore_ascii_case(without)).map(|(r, _, _)| r.as_str()).collect()
    }
}

/// Parses `$select` into canonical user properties. Unknown names → 400.
pub(crate) fn parse_select(q: &Query) -> Result<Option<Vec<&'static str>>, ApiError> {
    let Some(sel) = q.get("$select") else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for name in sel.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let p = props::resolve(name).ok_or_else(|| {
            ApiError::directory(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.user'."),
            )
        })?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(Some(out))
}

/// `users` or `users(a,b)` for `@odata.context`.
pub(crate) fn users_context(select: Option<&[&'static str]>) -> String {
    match select {
        Some(s) => format!("users({})", s.join(",")),
        None => "users".to_owned(),
    }
}

const KEY_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A user key as it appears in `users('...')` contexts (URL-encoded, e.g. `a%40b.example`).
pub(crate) fn context_key(key: &str) -> String {
    utf8_percent_encode(key, KEY_SET).to_string()
}

/// The user addressed by `key` (id or UPN), or the directory 404.
pub(crate) fn find_user(w: &World, key: &str) -> Result<usize, ApiError> {
    w.find_user(key).ok_or_else(|| ApiError::user_not_found(key))
}

/// What the operator wants to do (reference §10.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    ReadMethods,
    WriteMethods,
    CreateTap,
    Revoke,
    ReadPolicy,
    WritePolicy,
}

/// Checks the operator's roles for `action` on `target`; 403 `Authorization_RequestDenied`
/// otherwise. Nobody may create a TAP for themselves; an Authentication Administrator (or
/// Helpdesk Administrator) may not act on holders of privileged roles.
pub(crate) fn authorize(w: &World, caller: &Caller, target: Option<usize>, action: Action) -> Result<(), ApiError> {
    // App-only tokens: Graph checks the application permission (already done by the front
    // middleware's scope check); directory roles do not apply to a service principal.
    if caller.app_only {
        return Ok(());
    }
    let caller = caller.oid.as_str();
    let roles = w.role_templates_of(caller);
    let has = |t: &str| roles.iter().any(|r| r == t);
    let is_self = target.is_some_and(|t| w.user(t).id.eq_ignore_ascii_case(caller));
    let strong = has(rt::GLOBAL_ADMINISTRATOR) || has(rt::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR);
    let limited =
        has(rt::AUTHENTICATION_ADMINISTRATOR) || (action == Action::Revoke && has(rt::HELPDESK_ADMINISTRATOR));
    let allowed = match action {
        Action::ReadMethods => is_self || strong || has(rt::AUTHENTICATION_ADMINISTRATOR) || has(rt::GLOBAL_READER),
        Action::CreateTap if is_self => false,
        Action::WriteMethods if is_self => true,
        Action::WriteMethods | Action::CreateTap | Action::Revoke => strong || limited,
        Action::ReadPolicy => {
            has(rt::GLOBAL_ADMINISTRATOR) || has(rt::GLOBAL_READER) || has(rt::AUTHENTICATION_POLICY_ADMINISTRATOR)
        }
        Action::WritePolicy => has(rt::GLOBAL_ADMINISTRATOR) || has(rt::AUTHENTICATION_POLICY_ADMINISTRATOR),
    };
    if !allowed {
        return Err(ApiError::denied());
    }
    let writes = matches!(action, Action::WriteMethods | Action::CreateTap | Action::Revoke);
    if writes
        && !strong
        && !is_self
        && let Some(t) = target
    {
        let target_roles = w.role_templates_of(&w.user(t).id);
        if target_roles.iter().any(|r| !rt::MANAGEABLE_BY_AUTHENTICATION_ADMINISTRATOR.contains(&r.as_str())) {
            return Err(ApiError::denied());
        }
    }
    Ok(())
}
