//! The Microsoft Graph v1.0 client: reqwest + a bearer token from an azure_core `TokenCredential`.
//!
//! SKELETON: signatures are the contract used by the worker and the tests; bodies are being written.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;

use super::error::GraphError;
use super::types::{AuthMethod, CreatedTap, TapCreateRequest, TapMethod, TapPolicy, User};

/// Properties tapdesk asks for when it lists users (`$select`).
pub const USER_SELECT: &str = "id,displayName,userPrincipalName,mail,userType,jobTitle,department,officeLocation,employeeId,accountEnabled";

/// A Graph client bound to one Graph root (e.g. `https://graph.microsoft.com/v1.0`) and one credential.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: url::Url,
    credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

/// One page of users and, on the first page of a `$count=true` request, the total.
#[derive(Debug, Clone)]
pub struct UsersPage {
    /// The users on this page.
    pub users: Vec<User>,
    /// `@odata.count` (first page only).
    pub total: Option<u64>,
    /// `@odata.nextLink`, verbatim.
    pub next_link: Option<String>,
}

impl GraphClient {
    /// `base` is the Graph root including the version, e.g. `https://graph.microsoft.com/v1.0`
    /// (the simulator's is `http://127.0.0.1:PORT/v1.0`); `scopes` are passed to
    /// `TokenCredential::get_token` (e.g. `https://graph.microsoft.com/.default`).
    pub fn new(base: url::Url, credential: Arc<dyn TokenCredential>, scopes: Vec<String>) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| GraphError::Transport(e.to_string()))?;
        Ok(Self { http, base, credential, scopes })
    }
}
