//! Acting as a user of the simulated tenant from outside, for demos and scripts: what the person
//! on the phone would do at https://aka.ms/mysecurityinfo once they have their pass. No bearer
//! token (it stands for the user's own browser, like `/devicelogin`); the simulator only ever
//! listens where it is told (loopback by default). Each route answers `200` with the method as the
//! simulator now stores it, or Graph's error body.
//!
//! - `POST /simulator/users/{id or UPN}/fido2Methods` `{"displayName": "YubiKey 5C"}`: registers a
//!   FIDO2 security key ([`SimControl::register_fido2`]).
//! - `POST /simulator/users/{id or UPN}/signIns` `{"methodId": "..."}`: signs in with a method,
//!   setting its `lastUsedDateTime` ([`SimControl::sign_in_with`]).
//! - `POST /simulator/users/{id or UPN}/useTemporaryAccessPass`: uses the one-time pass
//!   (`methodUsabilityReason` becomes `OneTimeUsed`, [`SimControl::use_tap`]).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::control::SimControl;
use super::errors::ApiError;
use super::state::Shared;

fn control(shared: &Arc<Shared>) -> SimControl {
    SimControl { shared: shared.clone() }
}

fn no_user(user: &str) -> Response {
    ApiError::directory(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        format!("Resource '{user}' does not exist or one of its queried reference-property objects are not present."),
    )
    .into_response()
}

/// The action was refused: 404 when there is no such user, else 400 saying why.
fn refused(shared: &Arc<Shared>, user: &str, why: &str) -> Response {
    if shared.lock().find_user(user).is_none() { no_user(user) } else { bad(why) }
}

fn bad(message: &str) -> Response {
    ApiError::directory(StatusCode::BAD_REQUEST, "badRequest", message.to_owned()).into_response()
}

/// Body of `fido2Methods`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NewKey {
    display_name: String,
}

pub(crate) async fn register_fido2(
    State(shared): State<Arc<Shared>>,
    Path(user): Path<String>,
    body: Option<Json<NewKey>>,
) -> Response {
    let Some(Json(key)) = body else { return bad("Send {\"displayName\": \"...\"} as JSON.") };
    if key.display_name.trim().is_empty() || key.display_name.chars().count() > 200 {
        return bad("displayName must have 1 to 200 characters.");
    }
    match control(&shared).register_fido2(&user, &key.display_name) {
        Some(id) => Json(json!({"id": id, "displayName": key.display_name})).into_response(),
        None => no_user(&user),
    }
}

/// Body of `signIns`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SignIn {
    method_id: String,
}

pub(crate) async fn sign_in(
    State(shared): State<Arc<Shared>>,
    Path(user): Path<String>,
    body: Option<Json<SignIn>>,
) -> Response {
    let Some(Json(s)) = body else { return bad("Send {\"methodId\": \"...\"} as JSON.") };
    let ctl = control(&shared);
    if ctl.sign_in_with(&user, &s.method_id) {
        Json(json!({"methodId": s.method_id, "lastUsedDateTime": ctl.now().to_string()})).into_response()
    } else {
        refused(&shared, &user, "The user has no method with that methodId.")
    }
}

pub(crate) async fn use_tap(State(shared): State<Arc<Shared>>, Path(user): Path<String>) -> Response {
    let ctl = control(&shared);
    if ctl.use_tap(&user) {
        Json(json!({"methodUsabilityReason": "OneTimeUsed"})).into_response()
    } else {
        refused(&shared, &user, "The user has no one-time Temporary Access Pass to use.")
    }
}
