//! The background task that owns the [`GraphClient`]: requests arrive tagged with a
//! [`RequestId`], each is served on its own tokio task, and the answer goes back tagged with the
//! same id so the render loop can drop stale ones. The render loop never awaits the network.

use tokio::sync::mpsc;

use super::client::GraphClient;
use super::error::GraphError;
use super::types::{AuthMethod, CreatedTap, TapCreateRequest, TapPolicy, User};

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
    CreateTap {
        /// Object id.
        user_id: String,
        /// Start, lifetime (minutes), one-time.
        body: TapCreateRequest,
    },
    /// `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`.
    GetTapPolicy,
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
    /// The new TAP (the pass is inside, as a secret).
    TapCreated {
        /// Object id of the user.
        user_id: String,
        /// The created pass, or why not.
        result: Result<CreatedTap, GraphError>,
    },
    /// The tenant's TAP policy.
    TapPolicy(Result<TapPolicy, GraphError>),
}

/// A response and the id of the request it answers.
#[derive(Debug)]
pub struct Reply {
    /// The id from the request.
    pub id: RequestId,
    /// The answer.
    pub response: GraphResponse,
}
