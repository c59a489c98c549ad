//! The simulated device-code flow and refresh tokens (Microsoft identity platform, "OAuth 2.0
//! device authorization grant").
//!
//! - `POST /{tenant}/oauth2/v2.0/devicecode` (form `client_id`, `scope`) →
//!   `{device_code, user_code, verification_uri, expires_in, interval, message}`; the verification
//!   page is the simulator's own `GET /devicelogin` (or [`super::SimControl::approve_device_code`]).
//! - Token polls (`grant_type=urn:ietf:params:oauth:grant-type:device_code`, `client_id`,
//!   `device_code`) answer 400 `authorization_pending` (AADSTS70016) until the person signs in,
//!   `slow_down` when polled sooner than `interval`, `authorization_declined`, `expired_token`
//!   (AADSTS70019), a Conditional Access block (`invalid_grant`, AADSTS53003), missing consent
//!   (AADSTS65001), or a confidential client (`invalid_client`, AADSTS7000218: public client flows
//!   are off); then the tokens, with a refresh token when `offline_access` was asked for.
//! - `grant_type=refresh_token` (`client_id`, `refresh_token`, optional `scope` and `claims`) →
//!   new tokens and a **new** refresh token; the old one stops working (stricter than Entra, so
//!   tests prove the client keeps the rotated one). Revoked or unknown: `invalid_grant` AADSTS50173
//!   / AADSTS9002313.
//!
//! Scopes: resource prefixes are dropped (`https://graph.microsoft.com/User.Read.All` →
//! `User.Read.All`), `openid`/`profile`/`email` ignored, `.default` means "everything consented"
//! (a client without `consentedScopes`: [`super::ALL_SCOPES`]; by name, any of
//! [`super::auth::CONSENTABLE_SCOPES`]).
//! Wording of `authorization_declined` (AADSTS65004) and of the unknown-code errors is the
//! simulator's; the other codes are the documented ones.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use rand::Rng as _;
use serde_json::json;

use super::auth::{CONSENTABLE_SCOPES, Form, check_tenant, consented, find_client, mint_with, missing, token_response};
use super::control::DeviceCodeState;
use super::errors::sts_error;
use super::http::ReqCtx;
use super::state::{DeviceCodeEntry, RefreshGrant, Shared, World};
use super::tenant::SimClient;

/// The `grant_type` of device-code polls.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Splits a `scope` parameter into Graph permission names and whether `offline_access` was asked.
fn parse_scopes(scope: &str) -> (Vec<String>, bool) {
    let mut graph = Vec::new();
    let mut offline = false;
    for s in scope.split_whitespace() {
        match s {
            "offline_access" => offline = true,
            "openid" | "profile" | "email" => {}
            _ => {
                let name = s.rsplit('/').next().unwrap_or(s);
                if !graph.iter().any(|g: &String| g.eq_ignore_ascii_case(name)) {
                    graph.push(name.to_owned());
                }
            }
        }
    }
    (graph, offline)
}

/// The permissions granted for `requested` (`.default` or nothing = all consented), or the first
/// one without consent.
fn grant(client: &SimClient, requested: &[String]) -> Result<Vec<String>, String> {
    let consented = consented(client);
    if requested.is_empty() || requested.iter().any(|r| r == ".default") {
        return Ok(consented);
    }
    let grantable: Vec<String> = match &client.consented_scopes {
        Some(c) => c.clone(),
        None => CONSENTABLE_SCOPES.iter().map(|s| s.to_string()).collect(),
    };
    let mut out = Vec::new();
    for r in requested {
        match grantable.iter().find(|c| c.eq_ignore_ascii_case(r)) {
            Some(c) => out.push(c.clone()),
            None => return Err(r.clone()),
        }
    }
    Ok(out)
}

fn no_consent(client: &SimClient, scope: &str, ctx: &ReqCtx) -> Response {
    sts_error(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        65001,
        &format!(
            "The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource. (Missing: {scope})",
            client.client_id,
            client.display_name.as_deref().unwrap_or(&client.client_id)
        ),
        ctx,
    )
}

fn not_public(client_id: &str, ctx: &ReqCtx) -> Response {
    sts_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        7000218,
        &format!(
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'. (App '{client_id}' does not allow public client flows.)"
        ),
        ctx,
    )
}

fn random_text(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill(&mut bytes[..]);
    format!("0.Asim{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(crate) async fn device_code(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    Extension(ctx): Extension<ReqCtx>,
    body: Bytes,
) -> Response {
    let form = Form(url::form_urlencoded::parse(&body).into_owned().collect());
    let mut w = shared.lock();
    if let Err(r) = check_tenant(&w, &tenant, &ctx) {
        return r;
    }
    let Some(client_id) = form.get("client_id") else {
        return missing("client_id", &ctx);
    };
    if let Err(r) = find_client(&w, &client_id, &ctx) {
        return r;
    }
    let Some(scope) = form.get("scope") else {
        return missing("scope", &ctx);
    };
    let user_code = random_text(9, b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
    let device_code =
        format!("DAQABsim{}", random_text(64, b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"));
    let lifetime = w.sts.device_code_lifetime_seconds;
    let interval = w.sts.device_code_interval_seconds;
    let verification_uri = format!("{}/devicelogin", ctx.origin);
    w.device_codes.push(DeviceCodeEntry {
        device_code: device_code.clone(),
        user_code: user_code.clone(),
        client_id,
        scopes: scope.split_whitespace().map(str::to_owned).collect(),
        expires_at: Timestamp::now().as_second() + lifetime,
        interval,
        last_poll_ms: None,
        state: DeviceCodeState::Pending,
    });
    token_response(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": lifetime,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    }))
}

/// Issues the access token (and, with `offline`, a refresh token) for a sign-in at `auth_time`
/// (simulator clock, Unix seconds; `None` = now, a new sign-in).
fn issue(
    w: &mut World,
    oid: &str,
    client_id: &str,
    scopes: &[String],
    offline: bool,
    auth_time: Option<i64>,
) -> Response {
    let (access_token, lifetime) = mint_with(w, oid, client_id, scopes);
    let auth_time = auth_time.unwrap_or_else(|| w.now().as_second());
    if let Some(t) = w.tokens.get_mut(&access_token) {
        t.auth_time = auth_time;
    }
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scopes.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if offline {
        let rt = new_refresh_token();
        w.refresh_tokens.insert(
            rt.clone(),
            RefreshGrant { oid: oid.to_owned(), client_id: client_id.to_owned(), scopes: scopes.to_vec(), auth_time },
        );
        body["refresh_token"] = json!(rt);
    }
    token_response(body)
}

/// A device-code poll (`grant_type=urn:ietf:params:oauth:grant-type:device_code`).
pub(crate) fn redeem(w: &mut World, form: &Form, ctx: &ReqCtx) -> Response {
    let bad = StatusCode::BAD_REQUEST;
    let Some(client_id) = form.get("client_id") else {
        return missing("client_id", ctx);
    };
    let Some(code) = form.get("device_code") else {
        return missing("device_code", ctx);
    };
    let client = match find_client(w, &client_id, ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !client.public_client {
        return not_public(&client_id, ctx);
    }
    let now_ms = Timestamp::now().as_millisecond();
    let slow_down_forced = w.sts.slow_down_polls > 0;
    if slow_down_forced {
        w.sts.slow_down_polls -= 1;
    }
    let Some(entry) = w.device_codes.iter_mut().find(|d| d.device_code == code && d.client_id == client_id) else {
        return sts_error(bad, "invalid_grant", 70000, "The provided value for the 'device_code' is not valid.", ctx);
    };
    let too_soon = entry.last_poll_ms.is_some_and(|last| now_ms - last + 250 < (entry.interval as i64) * 1000);
    entry.last_poll_ms = Some(now_ms);
    if entry.expires_at * 1000 <= now_ms {
        return sts_error(bad, "expired_token", 70019, "Verification code expired.", ctx);
    }
    if slow_down_forced || too_soon {
        return sts_error(bad, "slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast; slow down.", ctx);
    }
    let (user_id, requested) = match &entry.state {
        DeviceCodeState::Pending => {
            return sts_error(
                bad,
                "authorization_pending",
                70016,
                "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ctx,
            );
        }
        DeviceCodeState::Declined => {
            return sts_error(bad, "authorization_declined", 65004, "User declined to consent to access the app.", ctx);
        }
        DeviceCodeState::Failed { error, code, description } => {
            let (error, code, description) = (error.clone(), *code, description.clone());
            return sts_error(bad, &error, code, &description, ctx);
        }
        DeviceCodeState::Redeemed => {
            return sts_error(
                bad,
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
                ctx,
            );
        }
        DeviceCodeState::Approved { user_id } => (user_id.clone(), entry.scopes.join(" ")),
    };
    let (graph, offline) = parse_scopes(&requested);
    let scopes = match grant(&client, &graph) {
        Ok(s) => s,
        Err(missing_scope) => return no_consent(&client, &missing_scope, ctx),
    };
    entry.state = DeviceCodeState::Redeemed;
    issue(w, &user_id, &client_id, &scopes, offline, None)
}

/// The refresh-token grant. A `claims` parameter (continuous access evaluation) is accepted and
/// clears a pending claims challenge.
pub(crate) fn refresh(w: &mut World, form: &Form, ctx: &ReqCtx) -> Response {
    let bad = StatusCode::BAD_REQUEST;
    let Some(client_id) = form.get("client_id") else {
        return missing("client_id", ctx);
    };
    let Some(rt) = form.get("refresh_token") else {
        return missing("refresh_token", ctx);
    };
    let client = match find_client(w, &client_id, ctx) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let secret_ok =
        form.get("client_secret").is_some_and(|s| !client.client_secret.is_empty() && s == client.client_secret);
    if !client.public_client && !secret_ok {
        return not_public(&client_id, ctx);
    }
    let Some(grant_info) = w.refresh_tokens.get(&rt).cloned() else {
        return sts_error(
            bad,
            "invalid_grant",
            50173,
            "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            ctx,
        );
    };
    if grant_info.client_id != client_id {
        return sts_error(
            bad,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid: the refresh token was issued to a different client.",
            ctx,
        );
    }
    let (requested, offline) = match form.get("scope") {
        Some(s) => parse_scopes(&s),
        None => (Vec::new(), true),
    };
    let scopes = if requested.is_empty() || requested.iter().any(|r| r == ".default") {
        grant_info.scopes.clone()
    } else {
        match requested.iter().find(|r| !grant_info.scopes.iter().any(|g| g.eq_ignore_ascii_case(r))) {
            Some(m) => return no_consent(&client, m, ctx),
            None => requested,
        }
    };
    if let Some(claims) = form.get("claims") {
        if serde_json::from_str::<serde_json::Value>(&claims).is_err() {
            return sts_error(bad, "invalid_request", 90014, "The 'claims' parameter is not valid JSON.", ctx);
        }
        w.claims_required = false;
    }
    w.refresh_tokens.remove(&rt);
    // A refresh always returns a (new) refresh token, whether or not `offline_access` is repeated.
    let _ = offline;
    issue(w, &grant_info.oid, &client_id, &scopes, true, Some(grant_info.auth_time))
}

const PAGE_STYLE: &str = "body{font-family:sans-serif;max-width:40em;margin:3em auto}input{font-size:1.2em}";

fn page(body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in (tapdesk simulator)</title>\
         <style>{PAGE_STYLE}</style></head><body>{body}</body></html>"
    );
    let mut resp = (StatusCode::OK, html).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    resp
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `GET /devicelogin`: the simulated verification page (enter the code, sign in as a user).
pub(crate) async fn login_page(State(shared): State<Arc<Shared>>) -> Response {
    let w = shared.lock();
    let upn = w.find_user(&w.tenant.operator_id).map(|i| w.user(i).user_principal_name.clone()).unwrap_or_default();
    let tenant = escape(&w.tenant.display_name);
    page(&format!(
        "<h1>Enter code</h1><p>Simulated Microsoft sign-in for <b>{tenant}</b>.</p>\
         <form method=\"post\" action=\"/devicelogin\">\
         <p><label>Code <input name=\"user_code\" autofocus></label></p>\
         <p><label>Sign in as <input name=\"user\" value=\"{}\" size=\"40\"></label></p>\
         <p><button name=\"action\" value=\"approve\">Continue</button> \
         <button name=\"action\" value=\"decline\">Cancel</button></p></form>",
        escape(&upn)
    ))
}

/// `POST /devicelogin` (form `user_code`, `user` = UPN or id, `action` = `approve`|`decline`).
pub(crate) async fn login_submit(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form = Form(url::form_urlencoded::parse(&body).into_owned().collect());
    let code = form.get("user_code").unwrap_or_default().trim().to_ascii_uppercase();
    let action = form.get("action").unwrap_or_else(|| "approve".into());
    let mut w = shared.lock();
    let user = form.get("user").and_then(|u| w.find_user(u.trim())).map(|i| w.user(i).id.clone());
    let now = Timestamp::now().as_second();
    let Some(entry) = w
        .device_codes
        .iter_mut()
        .find(|d| d.user_code == code && d.state == DeviceCodeState::Pending && d.expires_at > now)
    else {
        return page(
            "<h1>Code not found</h1><p>That code is wrong, expired or already used. <a href=\"/devicelogin\">Try again</a>.</p>",
        );
    };
    if action == "decline" {
        entry.state = DeviceCodeState::Declined;
        return page("<h1>Sign-in cancelled</h1><p>You may close this window.</p>");
    }
    let Some(user_id) = user else {
        return page("<h1>No such user</h1><p><a href=\"/devicelogin\">Try again</a>.</p>");
    };
    entry.state = DeviceCodeState::Approved { user_id };
    page("<h1>Signed in</h1><p>You have signed in to tapdesk on your device. You may now close this window.</p>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_drop_resource_prefixes_and_openid() {
        let (g, off) =
            parse_scopes("https://graph.microsoft.com/User.Read.All openid profile offline_access Policy.Read.All");
        assert_eq!(g, ["User.Read.All", "Policy.Read.All"]);
        assert!(off);
        let (g, off) = parse_scopes("https://graph.microsoft.com/.default");
        assert_eq!(g, [".default"]);
        assert!(!off);
    }

    #[test]
    fn grant_follows_consent() {
        let c = SimClient { consented_scopes: Some(vec!["User.Read.All".into()]), ..SimClient::default() };
        assert_eq!(grant(&c, &["user.read.all".into()]).unwrap(), ["User.Read.All"]);
        assert_eq!(grant(&c, &[".default".into()]).unwrap(), ["User.Read.All"]);
        assert_eq!(grant(&c, &["Policy.Read.All".into()]).unwrap_err(), "Policy.Read.All");
    }
}
