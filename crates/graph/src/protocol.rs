//! The request/response protocol between the render loop and the Graph worker: what the UI asks
//! Graph to do ([`GraphRequest`], a verb), what Graph answered ([`GraphResponse`], holding a
//! `Result`), and the [`RequestId`] that ties them together so stale answers are dropped.
//! Plain data: this module spawns nothing and does no I/O (the worker in the `tapdesk` crate
//! serves it over HTTP).

use crate::error::GraphError;
use crate::types::{AuthMethod, CreatedTap, TapCreateRequest, TapMethod, TapPolicy, TapPolicyPatch, User, UserCard};

/// Id that ties a [`GraphResponse`] to the [`GraphRequest`] it answers (monotonic per session).
pub type RequestId = u64;

/// What the UI asks Graph to do.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphRequest {
    /// Page through `GET /users?$select=...&$top=999&$count=true`, answering
    /// [`GraphResponse::UsersPage`] once per page.
    LoadUsers,
    /// `GET /users/{id}/authentication/methods`.
    ListMethods {
        /// Object id.
        user_id: String,
    },
    /// `POST /users/{id}/authentication/temporaryAccessPassMethods`.
    ///
    /// On [`GraphError::Uncertain`] send [`GraphRequest::ListTaps`] to see whether it was created.
    CreateTap {
        /// Object id.
        user_id: String,
        /// Start, lifetime (minutes), one-time.
        body: TapCreateRequest,
    },
    /// `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`.
    GetTapPolicy,
    /// Server-side `$search` on display name, mail and UPN (first `top` matches), answered by
    /// [`GraphResponse::UsersFound`].
    SearchUsers {
        /// The operator's text (escaped by the client).
        text: String,
        /// Maximum results (1..=999).
        top: u32,
    },
    /// `$filter=startswith(...)` on display name, UPN and mail (first `top` matches), answered by
    /// [`GraphResponse::UsersFound`].
    FindUsersStartingWith {
        /// The prefix (escaped by the client).
        text: String,
        /// Maximum results (1..=999).
        top: u32,
    },
    /// `GET /users/{id | upn}`, answered by [`GraphResponse::User`].
    GetUser {
        /// Object id or UPN (guest UPNs with `#EXT#` are fine).
        id_or_upn: String,
    },
    /// `GET /me`, answered by [`GraphResponse::Me`].
    GetMe,
    /// `PATCH` of the TAP policy, answered by [`GraphResponse::PolicyUpdated`].
    UpdateTapPolicy {
        /// The new values.
        patch: TapPolicyPatch,
    },
    /// The caller-verification card (user, manager, groups and roles), answered by
    /// [`GraphResponse::UserCard`].
    GetUserCard {
        /// Object id.
        user_id: String,
    },
    /// `GET /users/{id}/authentication/temporaryAccessPassMethods` (never includes the pass),
    /// answered by [`GraphResponse::Taps`]. Sent after every create, to confirm that the new
    /// method id is the user's pass (Graph keeps one per user; another create replaces it), every
    /// 15 s while the pass is on screen, and after an uncertain create.
    ListTaps {
        /// Object id.
        user_id: String,
    },
    /// `DELETE /users/{id}/authentication/{segment}/{method_id}`, answered by
    /// [`GraphResponse::MethodDeleted`].
    DeleteMethod {
        /// Object id.
        user_id: String,
        /// Per-type collection, from [`AuthMethod::path_segment`] (e.g. `fido2Methods`).
        segment: String,
        /// The method id.
        method_id: String,
    },
    /// `POST /users/{id}/revokeSignInSessions`, answered by [`GraphResponse::SessionsRevoked`].
    RevokeSessions {
        /// Object id.
        user_id: String,
    },
    /// Not a Graph call: ends the throttling wait of request `target` (and any later one), which
    /// then answers as usual with [`GraphError::Cancelled`]. A request that is not waiting is not
    /// affected until it next waits; an unknown or finished `target` is ignored. No answer of its own.
    CancelWait {
        /// The request whose wait to end.
        target: RequestId,
    },
}

/// What Graph answered.
#[derive(Debug)]
pub enum GraphResponse {
    /// One page of the user directory.
    UsersPage {
        /// The page's users, or why the page failed (paging stops then).
        result: Result<Vec<User>, GraphError>,
        /// Total users (`@odata.count`), first page only.
        total: Option<u64>,
        /// `true` on the last page (or after an error).
        done: bool,
    },
    /// The user's authentication methods.
    Methods {
        /// Object id the list belongs to.
        user_id: String,
        /// The methods, or why not.
        result: Result<Vec<AuthMethod>, GraphError>,
    },
    /// The new TAP (the pass is inside, as a secret; `Debug` prints it redacted).
    TapCreated {
        /// Object id of the user.
        user_id: String,
        /// The created pass, or why not ([`GraphError::Uncertain`]: list the TAPs).
        result: Result<CreatedTap, GraphError>,
    },
    /// The tenant's TAP policy.
    TapPolicy(Result<TapPolicy, GraphError>),
    /// Users matching a [`GraphRequest::SearchUsers`] or [`GraphRequest::FindUsersStartingWith`].
    UsersFound {
        /// The text that was searched for.
        text: String,
        /// The matches (first page only), or why not.
        result: Result<Vec<User>, GraphError>,
    },
    /// Answer to [`GraphRequest::GetUser`].
    User {
        /// The id or UPN that was asked for.
        id_or_upn: String,
        /// The user, or why not (404 `Request_ResourceNotFound`).
        result: Result<User, GraphError>,
    },
    /// Answer to [`GraphRequest::GetMe`]: the signed-in operator.
    Me(Result<User, GraphError>),
    /// Answer to [`GraphRequest::UpdateTapPolicy`].
    PolicyUpdated(Result<(), GraphError>),
    /// Answer to [`GraphRequest::GetUserCard`].
    UserCard {
        /// Object id the card belongs to.
        user_id: String,
        /// The card, or why not (boxed: it is the largest answer).
        result: Result<Box<UserCard>, GraphError>,
    },
    /// Answer to [`GraphRequest::ListTaps`].
    Taps {
        /// Object id the list belongs to.
        user_id: String,
        /// The passes (at most one; no codes), or why not.
        result: Result<Vec<TapMethod>, GraphError>,
    },
    /// Answer to [`GraphRequest::DeleteMethod`].
    MethodDeleted {
        /// Object id of the user.
        user_id: String,
        /// The method that was deleted (or not).
        method_id: String,
        /// `Ok` on 204, with Graph's `request-id` when it sent one.
        result: Result<Option<String>, GraphError>,
    },
    /// Answer to [`GraphRequest::RevokeSessions`].
    SessionsRevoked {
        /// Object id of the user.
        user_id: String,
        /// `Ok` on any 2xx, with Graph's `request-id` when it sent one.
        result: Result<Option<String>, GraphError>,
    },
    /// Not an answer: the request is waiting before a retry because Graph throttled it (`429`, or
    /// `503`/`504`, honouring `Retry-After`). Sent before each wait, and with `wait_ms` 0 when the
    /// wait is over and the request is sent again. Its real answer follows.
    Waiting {
        /// Length of the wait (milliseconds; 0 = the wait is over).
        wait_ms: u64,
        /// The HTTP status that asked for it (0 when the wait is over).
        status: u16,
        /// What the request is about ([`GraphRequest::topic`]).
        topic: &'static str,
    },
}

/// A response and the id of the request it answers.
#[derive(Debug)]
pub struct Reply {
    /// The id from the request.
    pub id: RequestId,
    /// The answer.
    pub response: GraphResponse,
}

impl GraphResponse {
    /// The error this answer carries, if it is a failure (`None` for successes and
    /// [`GraphResponse::Waiting`]).
    pub fn error(&self) -> Option<&GraphError> {
        match self {
            GraphResponse::UsersPage { result, .. } | GraphResponse::UsersFound { result, .. } => result.as_ref().err(),
            GraphResponse::Methods { result, .. } => result.as_ref().err(),
            GraphResponse::TapCreated { result, .. } => result.as_ref().err(),
            GraphResponse::TapPolicy(result) => result.as_ref().err(),
            GraphResponse::User { result, .. } | GraphResponse::Me(result) => result.as_ref().err(),
            GraphResponse::PolicyUpdated(result) => result.as_ref().err(),
            GraphResponse::UserCard { result, .. } => result.as_ref().err(),
            GraphResponse::Taps { result, .. } => result.as_ref().err(),
            GraphResponse::MethodDeleted { result, .. } | GraphResponse::SessionsRevoked { result, .. } => {
                result.as_ref().err()
            }
            GraphResponse::Waiting { .. } => None,
        }
    }
}

impl GraphRequest {
    /// What the request is about, for the status line while it waits on throttling ("the
    /// directory", "the pass"); never holds directory text.
    pub fn topic(&self) -> &'static str {
        match self {
            GraphRequest::LoadUsers => "loading the directory",
            GraphRequest::ListMethods { .. } => "reading the methods",
            GraphRequest::CreateTap { .. } => "issuing the pass",
            GraphRequest::GetTapPolicy => "reading the TAP policy",
            GraphRequest::SearchUsers { .. } | GraphRequest::FindUsersStartingWith { .. } => "searching Graph",
            GraphRequest::GetUser { .. } => "reading the user",
            GraphRequest::GetMe => "reading your account",
            GraphRequest::UpdateTapPolicy { .. } => "saving the TAP policy",
            GraphRequest::GetUserCard { .. } => "reading the caller card",
            GraphRequest::ListTaps { .. } => "checking the pass",
            GraphRequest::DeleteMethod { .. } => "deleting the method",
            GraphRequest::RevokeSessions { .. } => "revoking the sessions",
            GraphRequest::CancelWait { .. } => "cancelling a wait",
        }
    }

    /// `true` for the requests that change the tenant (TAP create, method delete, sessions revoke,
    /// policy `PATCH`): each is audited before it is sent.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            GraphRequest::CreateTap { .. }
                | GraphRequest::DeleteMethod { .. }
                | GraphRequest::RevokeSessions { .. }
                | GraphRequest::UpdateTapPolicy { .. }
        )
    }

    /// The answer this request gets when it fails with `error` before anything is sent (for a
    /// read, the same shape its worker would send for a failure). `None` for
    /// [`GraphRequest::LoadUsers`], whose pages have no single answer, and for
    /// [`GraphRequest::CancelWait`], which has none.
    pub fn failed(&self, error: GraphError) -> Option<GraphResponse> {
        Some(match self {
            GraphRequest::LoadUsers | GraphRequest::CancelWait { .. } => return None,
            GraphRequest::ListMethods { user_id } => {
                GraphResponse::Methods { user_id: user_id.clone(), result: Err(error) }
            }
            GraphRequest::CreateTap { user_id, .. } => {
                GraphResponse::TapCreated { user_id: user_id.clone(), result: Err(error) }
            }
            GraphRequest::GetTapPolicy => GraphResponse::TapPolicy(Err(error)),
            GraphRequest::SearchUsers { text, .. } | GraphRequest::FindUsersStartingWith { text, .. } => {
                GraphResponse::UsersFound { text: text.clone(), result: Err(error) }
            }
            GraphRequest::GetUser { id_or_upn } => {
                GraphResponse::User { id_or_upn: id_or_upn.clone(), result: Err(error) }
            }
            GraphRequest::GetMe => GraphResponse::Me(Err(error)),
            GraphRequest::UpdateTapPolicy { .. } => GraphResponse::PolicyUpdated(Err(error)),
            GraphRequest::GetUserCard { user_id } => {
                GraphResponse::UserCard { user_id: user_id.clone(), result: Err(error) }
            }
            GraphRequest::ListTaps { user_id } => GraphResponse::Taps { user_id: user_id.clone(), result: Err(error) },
            GraphRequest::DeleteMethod { user_id, method_id, .. } => GraphResponse::MethodDeleted {
                user_id: user_id.clone(),
                method_id: method_id.clone(),
                result: Err(error),
            },
            GraphRequest::RevokeSessions { user_id } => {
                GraphResponse::SessionsRevoked { user_id: user_id.clone(), result: Err(error) }
            }
        })
    }
}
