//! The Microsoft Graph v1.0 client: reqwest + a bearer token from an azure_core `TokenCredential`.
//!
//! Every request carries `Authorization: Bearer …`, a fresh `client-request-id` GUID and runs under
//! a timeout (60 s total, 10 s to connect, by default). Non-2xx answers become
//! [`GraphError::Api`] with Graph's `code`/`message` and the `request-id` header.
//!
//! Retries ([`RetryPolicy`]): `429`, `503` and `504` are retried, honouring `Retry-After` (decimal
//! seconds such as `2.128`, or an HTTP date), else exponential backoff with jitter; reads are also
//! retried after a failed or dropped connection. A TAP create is only retried when Graph refused it
//! (`429`) or no connection was made; after a timeout, a dropped connection or a 5xx it returns
//! [`GraphError::Uncertain`] instead, because a blind second create would replace a pass the
//! user may already hold.
//!
//! Continuous access evaluation ([`GraphClient::with_claims_handler`]): a `401` with a claims
//! challenge gets one new token with the claims and one more try. A plain `401`
//! ([`GraphClient::with_renewer`]) gets one new token past every cache and one more try.
//!
//! URLs are built by [`tapdesk_graph::odata`]: query values are percent-encoded exactly once and ids, UPNs
//! and method ids are each encoded as one path segment. `@odata.nextLink` is requested verbatim.
//!
//! Secrets: the pass from a TAP create is read into a [`Zeroizing`] buffer and parsed straight into
//! a [`secrecy::SecretString`]; bodies of that call are never logged and never put in an error. The
//! access token only ever goes into the `Authorization` header (marked sensitive).

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use crate::auth::challenge::{ClaimsChallengeHandler, parse_claims_challenge};
use crate::auth::renew::TokenRenewer;
use tapdesk_graph::error::{GraphError, error_chain};
use tapdesk_graph::odata;
use tapdesk_graph::types::{
    self, AuthMethod, CreatedTap, DirectoryObject, Page, TapCreateRequest, TapMethod, TapPolicy, TapPolicyPatch, User,
    UserCard,
};

/// Properties of the caller-verification card (`$select` of `GET /users/{id}`).
pub const USER_CARD_SELECT: &str = "id,displayName,userPrincipalName,mail,userType,jobTitle,department,officeLocation,\
employeeId,accountEnabled,createdDateTime,onPremisesSyncEnabled";

/// Properties tapdesk asks for when it lists, searches or filters the directory (`$select`):
/// exactly what the cache keeps per user ([`crate::directory::UserRow`]); the rest is read when a
/// user is selected ([`USER_CARD_SELECT`]). Minimal on purpose: a 300,000-user load moves less
/// JSON and the cache stays small.
pub const DIRECTORY_SELECT: &str = "id,displayName,userPrincipalName,mail";

/// Properties tapdesk asks for when it reads one user or the operator (`$select` of
/// `GET /users/{id}` and `GET /me`).
pub const USER_SELECT: &str =
    "id,displayName,userPrincipalName,mail,userType,jobTitle,department,officeLocation,employeeId,accountEnabled";

/// Default total time for one HTTP request, connection to last body byte (Graph's own limit for the
/// authentication-methods APIs is 60 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default time allowed to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Page size for the full user listing (`$top`; Graph's maximum for `/users`).
pub const USERS_PAGE_SIZE: u32 = 999;

/// Safety limit on the number of pages followed for one collection.
const MAX_PAGES: usize = 10_000;

/// The largest response body read (32 MiB; a page of 999 users is well under 1 MiB).
pub const MAX_BODY_BYTES: usize = 32 << 20;

/// Largest response body read for a TAP create (bytes). Real answers are well under 1 KiB.
const MAX_TAP_BODY: usize = 1 << 20;

/// How throttled or failed requests are retried.
///
/// A retry happens on `429`, `503` and `504` (and, for reads, on a failed or dropped connection).
/// The wait is `Retry-After` when Graph sends it, else `initial_backoff` doubling per retry up to
/// `max_backoff`, with jitter (a random wait between half and all of that value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = never retry).
    pub max_retries: u32,
    /// Backoff before the first retry when Graph gives no `Retry-After`.
    pub initial_backoff: Duration,
    /// Upper bound of the exponential backoff.
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited for: the error is returned instead.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// A policy with the given limits (see the field docs).
    pub const fn new(
        max_retries: u32,
        initial_backoff: Duration,
        max_backoff: Duration,
        max_retry_after: Duration,
    ) -> Self {
        Self { max_retries, initial_backoff, max_backoff, max_retry_after }
    }

    /// Never retry.
    pub const fn none() -> Self {
        Self::new(0, Duration::ZERO, Duration::ZERO, Duration::ZERO)
    }

    /// The jittered exponential backoff before retry number `retry` (0-based): a random duration
    /// between half and all of `min(initial_backoff * 2^retry, max_backoff)`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(30));
        let full = self.initial_backoff.checked_mul(factor).unwrap_or(self.max_backoff).min(self.max_backoff);
        let half = full / 2;
        let jitter = rand::random_range(0.0..=1.0_f64);
        half + half.mul_f64(jitter)
    }
}

impl Default for RetryPolicy {
    /// 4 retries, 0.5 s doubling to 8 s, `Retry-After` honoured up to 120 s.
    fn default() -> Self {
        Self::new(4, Duration::from_millis(500), Duration::from_secs(8), Duration::from_secs(120))
    }
}

/// Parses a `Retry-After` header value: decimal seconds (`2`, `2.128`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, relative to `now`). Negative, non-finite or unreadable values
/// give `None`; a date in the past gives zero.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Duration::try_from_secs_f64(secs).ok();
        }
        return None;
    }
    static PARSER: jiff::fmt::rfc2822::DateTimeParser = jiff::fmt::rfc2822::DateTimeParser::new();
    let at = PARSER.parse_timestamp(v).ok()?;
    let wait = at.duration_since(now);
    if wait.is_negative() { Some(Duration::ZERO) } else { Duration::try_from(wait).ok() }
}

/// A Graph client bound to one Graph root (e.g. `https://graph.microsoft.com/v1.0`) and one credential.
///
/// Cheap to clone (the connection pool and credential are shared).
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    base: url::Url,
    credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    retry: RetryPolicy,
    /// Answers a continuous-access-evaluation claims challenge (`None`: the 401 is returned).
    claims_handler: Option<Arc<dyn ClaimsChallengeHandler>>,
    /// Gets a new token past every cache for a plain `401` (`None`: the 401 is returned).
    renewer: Option<Arc<dyn TokenRenewer>>,
    /// Who is told of a throttling wait and may cancel it (`None`: waits are silent and only as
    /// long as [`RetryPolicy::max_retry_after`]).
    waits: Option<WaitHooks>,
}

/// A `Retry-After` this long or longer is not waited for even when the wait is shown and can be
/// cancelled ([`GraphClient::with_wait_hooks`]): one hour.
pub const WATCHED_MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Tells someone about throttling waits and lets them cancel one
/// ([`GraphClient::with_wait_hooks`]).
#[derive(Clone)]
pub struct WaitHooks {
    /// Called before each wait with its length and the HTTP status that asked for it (429, 503,
    /// 504); called with `Duration::ZERO` and status 0 when the wait ends (the request goes on).
    pub notify: Arc<dyn Fn(Duration, u16) + Send + Sync>,
    /// Cancels the wait in progress (and any later one of the same request).
    pub cancel: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base", &self.base.as_str())
            .field("retry", &self.retry)
            .finish_non_exhaustive()
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

/// How a request may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Reads and idempotent writes (revoke sessions): retry throttling, 503/504 and transport failures.
    Idempotent,
    /// DELETE: like `Idempotent`, but a 404 after an attempt whose outcome was unknown means the
    /// earlier attempt already deleted it.
    Delete,
    /// TAP create: retry only refusals (429) and failed connection attempts.
    CreateOnce,
}

/// Internal failure of [`GraphClient::execute`].
struct Failure {
    error: GraphError,
    /// An earlier attempt may have reached Graph and been carried out.
    after_uncertain_attempt: bool,
}

impl From<Failure> for GraphError {
    fn from(f: Failure) -> Self {
        f.error
    }
}

fn build_http(total: Duration, connect: Duration) -> Result<reqwest::Client, GraphError> {
    reqwest::Client::builder()
        .timeout(total)
        .connect_timeout(connect)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("tapdesk/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| GraphError::Transport(format!("(could not set up the HTTP client: {})", error_chain(&e))))
}

/// A transport failure in words: where tapdesk tried (host and port, never the path or query,
/// which may hold search text) and what went wrong.
fn transport_error(e: reqwest::Error) -> GraphError {
    let timeout = e.is_timeout();
    let host = e.url().and_then(|u| u.host_str().map(|h| (h.to_owned(), u.port_or_known_default())));
    let e = e.without_url();
    let mut msg = error_chain(&e);
    if let Some((h, port)) = host {
        let at = match port {
            Some(p) => format!("{h}:{p}"),
            None => h,
        };
        msg = format!("at {at} ({msg})");
    }
    if timeout { GraphError::Timeout(msg) } else { GraphError::Transport(msg) }
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Builds [`GraphError::Api`]; when the `request-id` header is missing, the body's
/// `innerError.request-id` is used.
fn api_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> GraphError {
    let request_id = header_str(headers, "request-id").or_else(|| {
        serde_json::from_slice::<tapdesk_graph::error::ErrorEnvelope>(body)
            .ok()
            .and_then(|e| e.error.inner_error)
            .and_then(|i| i.get("request-id").and_then(|r| r.as_str()).map(str::to_owned))
    });
    GraphError::from_response(status.as_u16(), body, request_id)
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 503 | 504)
}

/// Decodes a Graph collection page (`{"value": [...], "@odata.nextLink"?, "@odata.count"?}`);
/// unknown annotations are ignored. Errors: [`GraphError::Decode`].
pub fn decode_page<T: DeserializeOwned>(body: &[u8]) -> Result<Page<T>, GraphError> {
    serde_json::from_slice(body).map_err(|e| GraphError::Decode(format!("collection: {e}")))
}

/// Decodes a single entity, tolerating the documentation's `{"value": {...}}` wrapper
/// ([`types::unwrap_entity`]). Errors: [`GraphError::Decode`].
pub fn decode_entity<T: DeserializeOwned>(body: &[u8]) -> Result<T, GraphError> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| GraphError::Decode(format!("entity: {e}")))?;
    serde_json::from_value(types::unwrap_entity(v)).map_err(|e| GraphError::Decode(format!("entity: {e}")))
}

/// Decodes the `201` body of a TAP create into [`CreatedTap`] (also accepting a `{"value": {...}}`
/// wrapper). The body is parsed in place, so the pass goes from `body` straight into a
/// `SecretString`. The error text never quotes the body (serde messages can quote values); it
/// names only the error class and position. Errors: [`GraphError::Decode`].
pub fn decode_created_tap(body: &[u8]) -> Result<CreatedTap, GraphError> {
    #[derive(serde::Deserialize)]
    struct Wrapped {
        value: CreatedTap,
    }
    let redacted = |e: serde_json::Error| {
        GraphError::Decode(format!(
            "Temporary Access Pass answer not readable ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ))
    };
    match serde_json::from_slice::<CreatedTap>(body) {
        Ok(t) => Ok(t),
        Err(first) => serde_json::from_slice::<Wrapped>(body).map(|w| w.value).map_err(|_| redacted(first)),
    }
}

/// Reads a response body into a buffer that is wiped on drop, growing it without leaving copies
/// behind (each outgrown buffer is zeroized as it is dropped). At most `limit` bytes.
async fn read_secret_body(mut resp: reqwest::Response, limit: usize) -> Result<Zeroizing<Vec<u8>>, GraphError> {
    let hint = resp.content_length().and_then(|n| usize::try_from(n).ok()).unwrap_or(1024).min(limit);
    let mut buf = Zeroizing::new(Vec::with_capacity(hint));
    while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
        let needed = buf.len() + chunk.len();
        if needed > limit {
            return Err(GraphError::Decode(format!("answer larger than {limit} bytes")));
        }
        if needed > buf.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(needed.max(buf.capacity() * 2)));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

impl GraphClient {
    /// `base` is the Graph root including the version, e.g. `https://graph.microsoft.com/v1.0`
    /// (the simulator's is `http://127.0.0.1:PORT/v1.0`); `scopes` are passed to
    /// `TokenCredential::get_token` (e.g. `https://graph.microsoft.com/.default`).
    ///
    /// Uses [`DEFAULT_TIMEOUT`], [`DEFAULT_CONNECT_TIMEOUT`] and [`RetryPolicy::default`].
    /// Errors: [`GraphError::Transport`] if the HTTP stack cannot be initialised.
    pub fn new(base: url::Url, credential: Arc<dyn TokenCredential>, scopes: Vec<String>) -> Result<Self, GraphError> {
        let http = build_http(DEFAULT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT)?;
        Ok(Self {
            http,
            base,
            credential,
            scopes,
            retry: RetryPolicy::default(),
            claims_handler: None,
            renewer: None,
            waits: None,
        })
    }

    /// The same client answering claims challenges with `handler`: on a `401` whose
    /// `WWW-Authenticate` carries `error="insufficient_claims"` (continuous access evaluation), it
    /// gets a new token with those claims and sends the request once more. Safe for every request,
    /// a TAP create included: Graph refused it before doing anything.
    pub fn with_claims_handler(mut self, handler: Arc<dyn ClaimsChallengeHandler>) -> Self {
        self.claims_handler = Some(handler);
        self
    }

    /// The same client renewing its token on a plain `401` (no claims challenge): the token was
    /// refused though it should still be valid (revoked session, policy change), so it gets a new
    /// one from `renewer`, past every cache, and sends the request once more. A second `401` is
    /// returned ([`GraphError::Api`] with status 401). Safe for every request, a TAP create
    /// included: Graph refused it before doing anything.
    pub fn with_renewer(mut self, renewer: Arc<dyn TokenRenewer>) -> Self {
        self.renewer = Some(renewer);
        self
    }

    /// The same client telling `hooks` of every throttling wait (`Retry-After`, or the backoff after
    /// a 503/504) before it starts, and ending the request with [`GraphError::Cancelled`] when
    /// `hooks.cancel` is notified during one. Waits up to [`WATCHED_MAX_RETRY_AFTER`] are then
    /// waited for (the operator sees them and can cancel), whatever the retry policy's
    /// `max_retry_after`. The worker gives each request its own hooks.
    pub fn with_wait_hooks(mut self, hooks: WaitHooks) -> Self {
        self.waits = Some(hooks);
        self
    }

    /// Waits `wait` before a retry (the status that asked for it is told to the hooks); `Err` when
    /// the operator cancelled.
    async fn throttle_wait(&self, wait: Duration, status: u16) -> Result<(), GraphError> {
        let Some(h) = &self.waits else {
            tokio::time::sleep(wait).await;
            return Ok(());
        };
        (h.notify)(wait, status);
        tokio::select! {
            () = tokio::time::sleep(wait) => {
                (h.notify)(Duration::ZERO, 0);
                Ok(())
            }
            () = h.cancel.notified() => Err(GraphError::Cancelled(format!(
                "you cancelled the wait of {} Graph asked for (HTTP {status}); nothing more was sent",
                tapdesk_graph::error::wait_words(wait.as_secs())
            ))),
        }
    }

    /// The longest `Retry-After` waited for.
    fn max_retry_after(&self) -> Duration {
        if self.waits.is_some() {
            self.retry.max_retry_after.max(WATCHED_MAX_RETRY_AFTER)
        } else {
            self.retry.max_retry_after
        }
    }

    /// The same client with another retry policy (tests use short waits).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The same client with other timeouts: `total` per HTTP request (connect to last body byte)
    /// and `connect`. Errors: [`GraphError::Transport`] if the HTTP stack cannot be rebuilt.
    pub fn with_timeouts(mut self, total: Duration, connect: Duration) -> Result<Self, GraphError> {
        self.http = build_http(total, connect)?;
        Ok(self)
    }

    /// The Graph root this client talks to.
    pub fn base(&self) -> &url::Url {
        &self.base
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    // ----- URL building -------------------------------------------------------------------

    /// `{base}/{path}?{query}`; `path` must already be encoded (see [`odata`]).
    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<url::Url, GraphError> {
        let base = self.base.as_str().trim_end_matches('/');
        let mut url =
            url::Url::parse(&format!("{base}/{path}")).map_err(|e| GraphError::InvalidInput(format!("URL: {e}")))?;
        if !query.is_empty() {
            url.set_query(Some(&odata::query_string(query)));
        }
        Ok(url)
    }

    /// One encoded path segment, or [`GraphError::InvalidInput`] for `""`, `.` and `..`.
    fn seg(value: &str, what: &str) -> Result<String, GraphError> {
        if odata::is_valid_segment(value) {
            Ok(odata::encode_path_segment(value))
        } else {
            Err(GraphError::InvalidInput(format!("{what} {value:?} is not a valid id")))
        }
    }

    /// `users/{encoded user id}` (object id; per-user URLs always use it).
    fn user_path(user_id: &str) -> Result<String, GraphError> {
        Ok(format!("users/{}", Self::seg(user_id, "user id")?))
    }

    /// Parses an `@odata.nextLink` as is and checks it points at the same origin as the Graph root,
    /// so the bearer token is never sent elsewhere. Errors: [`GraphError::Decode`].
    pub fn next_link_url(&self, link: &str) -> Result<url::Url, GraphError> {
        let url =
            url::Url::parse(link).map_err(|e| GraphError::Decode(format!("@odata.nextLink is not a URL: {e}")))?;
        if url.origin() != self.base.origin() {
            return Err(GraphError::Decode(format!(
                "@odata.nextLink points at {} instead of {}",
                url.origin().ascii_serialization(),
                self.base.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    // ----- Sending ----------------------------------------------------------------------

    async fn bearer(&self) -> Result<azure_core::credentials::AccessToken, GraphError> {
        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        self.credential.get_token(&scopes, None).await.map_err(|e| GraphError::Token(error_chain(&e)))
    }

    /// Sends one logical request with retries; returns the first 2xx response (body unread).
    async fn execute(
        &self,
        method: Method,
        url: url::Url,
        headers: &[(&'static str, &'static str)],
        body: Option<Vec<u8>>,
        mode: Mode,
    ) -> Result<reqwest::Response, Failure> {
        let fail = |error: GraphError, uncertain: bool| Failure { error, after_uncertain_attempt: uncertain };
        let mut retries = 0u32;
        let mut uncertain = false;
        let mut challenged = false;
        let mut renewed = false;
        let mut claims_token: Option<azure_core::credentials::AccessToken> = None;
        loop {
            let token = match claims_token.take() {
                Some(t) => t,
                None => self.bearer().await.map_err(|e| fail(e, uncertain))?,
            };
            let client_request_id = uuid::Uuid::new_v4().to_string();
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.token.secret())
                .header("client-request-id", &client_request_id)
                .header(reqwest::header::ACCEPT, "application/json");
            for (name, value) in headers {
                req = req.header(*name, HeaderValue::from_static(value));
            }
            if let Some(b) = &body {
                req = req.body(b.clone());
            }
            // Kept until the answer only to tell a renewal which token Graph refused.
            let sent_token = token;
            let can_retry = retries < self.retry.max_retries;
            match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let request_id = header_str(resp.headers(), "request-id");
                    tracing::debug!(
                        target: "tapdesk::graph",
                        method = %method,
                        path = url.path(),
                        status = status.as_u16(),
                        request_id = request_id.as_deref().unwrap_or(""),
                        client_request_id = %client_request_id,
                        retries,
                        "graph answered"
                    );
                    if status.is_success() {
                        return Ok(resp);
                    }
                    if status == StatusCode::UNAUTHORIZED
                        && !challenged
                        && let Some(handler) = &self.claims_handler
                        && let Some(claims) = resp
                            .headers()
                            .get(reqwest::header::WWW_AUTHENTICATE)
                            .and_then(|v| v.to_str().ok())
                            .and_then(parse_claims_challenge)
                    {
                        // Continuous access evaluation: one new token with the claims, one more try.
                        let _ = resp.bytes().await;
                        challenged = true;
                        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
                        let t = handler
                            .token_with_claims(&scopes, &claims)
                            .await
                            .map_err(|e| fail(GraphError::Token(error_chain(&e)), uncertain))?;
                        claims_token = Some(t);
                        continue;
                    }
                    if status == StatusCode::UNAUTHORIZED
                        && !renewed
                        && let Some(renewer) = &self.renewer
                    {
                        // A refused token that should still be valid: one new token, one more try.
                        let _ = resp.bytes().await;
                        renewed = true;
                        tracing::info!(target: "tapdesk::graph", path = url.path(), "401: renewing the token once");
                        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
                        let t = renewer
                            .renew(&scopes, sent_token.token.secret())
                            .await
                            .map_err(|e| fail(GraphError::Token(error_chain(&e)), uncertain))?;
                        claims_token = Some(t);
                        continue;
                    }
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, jiff::Timestamp::now()));
                    let refused = status == StatusCode::TOO_MANY_REQUESTS;
                    let allowed = match mode {
                        Mode::CreateOnce => refused,
                        Mode::Idempotent | Mode::Delete => is_retryable_status(status),
                    };
                    let wait = retry_after.unwrap_or_else(|| self.retry.backoff(retries));
                    if allowed && can_retry && wait <= self.max_retry_after() {
                        // Drain so the connection can be reused; the content does not matter.
                        let _ = resp.bytes().await;
                        if !refused {
                            uncertain = true;
                        }
                        if let Err(e) = self.throttle_wait(wait, status.as_u16()).await {
                            // A write Graph answered 503/504 may have been carried out all the same.
                            let e = if uncertain && mode != Mode::Idempotent {
                                GraphError::Uncertain(format!("{e}, after Graph answered {status}"))
                            } else {
                                e
                            };
                            return Err(fail(e, uncertain));
                        }
                        retries += 1;
                        continue;
                    }
                    if allowed && can_retry && retry_after.is_some() {
                        // Too long to wait here: say how long Graph asked for, in words.
                        let _ = resp.bytes().await;
                        return Err(fail(
                            GraphError::Throttled { wait_secs: wait.as_secs(), status: status.as_u16(), request_id },
                            uncertain,
                        ));
                    }
                    let headers = resp.headers().clone();
                    let body = resp.bytes().await.unwrap_or_default();
                    let err = api_error(status, &headers, &body);
                    if mode == Mode::CreateOnce && status.is_server_error() {
                        return Err(fail(
                            GraphError::Uncertain(format!(
                                "Graph answered {err}{}",
                                request_id.map(|r| format!(", request-id {r}")).unwrap_or_default()
                            )),
                            true,
                        ));
                    }
                    return Err(fail(err, uncertain));
                }
                Err(e) => {
                    // `is_connect`: no connection was made, so nothing reached Graph.
                    let nothing_sent = e.is_connect();
                    let whole_timeout = e.is_timeout() && !nothing_sent;
                    tracing::debug!(
                        target: "tapdesk::graph",
                        method = %method,
                        path = url.path(),
                        client_request_id = %client_request_id,
                        nothing_sent,
                        retries,
                        "graph request failed"
                    );
                    let err = transport_error(e);
                    let retry = match mode {
                        Mode::CreateOnce => nothing_sent,
                        Mode::Idempotent | Mode::Delete => !whole_timeout,
                    };
                    if retry && can_retry {
                        if !nothing_sent {
                            uncertain = true;
                        }
                        tokio::time::sleep(self.retry.backoff(retries)).await;
                        retries += 1;
                        continue;
                    }
                    if mode == Mode::CreateOnce && !nothing_sent {
                        return Err(fail(GraphError::Uncertain(format!("no answer from Graph ({err})")), true));
                    }
                    return Err(fail(err, uncertain || !nothing_sent));
                }
            }
        }
    }

    /// Reads a whole (non-secret) success body, at most [`MAX_BODY_BYTES`]: a larger one (by its
    /// `Content-Length`, or as it streams in) is refused rather than held in memory.
    async fn read_body(mut resp: reqwest::Response) -> Result<impl AsRef<[u8]>, GraphError> {
        let too_big = || {
            GraphError::Decode(format!(
                "the answer is larger than {} MiB, more than any Graph answer tapdesk reads; not read",
                MAX_BODY_BYTES >> 20
            ))
        };
        if resp.content_length().is_some_and(|n| n > MAX_BODY_BYTES as u64) {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn get_entity<T: DeserializeOwned>(
        &self,
        url: url::Url,
        headers: &[(&'static str, &'static str)],
    ) -> Result<T, GraphError> {
        let resp = self.execute(Method::GET, url, headers, None, Mode::Idempotent).await?;
        decode_entity(Self::read_body(resp).await?.as_ref())
    }

    async fn get_page<T: DeserializeOwned>(
        &self,
        url: url::Url,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Page<T>, GraphError> {
        let resp = self.execute(Method::GET, url, headers, None, Mode::Idempotent).await?;
        decode_page(Self::read_body(resp).await?.as_ref())
    }

    /// GETs a collection and follows `@odata.nextLink` to the end; a repeated link is an error.
    async fn get_all<T: DeserializeOwned>(
        &self,
        url: url::Url,
        headers: &[(&'static str, &'static str)],
    ) -> Result<Vec<T>, GraphError> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([page_key(&url)]);
        let mut url = url;
        let mut pages = 0usize;
        loop {
            let page: Page<T> = self.get_page(url, headers).await?;
            pages += 1;
            out.extend(page.value);
            match page.next_link {
                None => return Ok(out),
                Some(link) => {
                    let next = self.next_link_url(&link)?;
                    if !seen.insert(page_key(&next)) || pages >= MAX_PAGES {
                        return Err(repeated_link(pages));
                    }
                    url = next;
                }
            }
        }
    }

    /// DELETE; `Ok` holds Graph's `request-id` for the audit log, when it sent one.
    async fn delete(&self, url: url::Url) -> Result<Option<String>, GraphError> {
        match self.execute(Method::DELETE, url, &[], None, Mode::Delete).await {
            Ok(resp) => {
                let request_id = header_str(resp.headers(), "request-id");
                // Drain; a 204 has no body.
                let _ = resp.bytes().await;
                Ok(request_id)
            }
            // An earlier attempt (dropped connection, 503/504) went through after all.
            Err(f) if f.after_uncertain_attempt && f.error.status() == Some(404) => Ok(None),
            Err(f) => Err(f.error),
        }
    }

    // ----- Users ------------------------------------------------------------------------

    /// One page of the user directory.
    ///
    /// `next_link: None` requests the first page,
    /// `GET {base}/users?$select=`[`DIRECTORY_SELECT`]`&$top=999&$count=true` with
    /// `ConsistencyLevel: eventual` (so the first page carries `@odata.count`); `Some(link)` requests
    /// that `@odata.nextLink` verbatim, re-sending the header (Graph does not carry it over). The
    /// link must point at the same origin as the Graph root.
    ///
    /// Errors: [`GraphError::Api`] (e.g. 403 `Authorization_RequestDenied`), transport, timeout,
    /// token, [`GraphError::Decode`].
    pub async fn list_users_page(&self, next_link: Option<&str>) -> Result<UsersPage, GraphError> {
        self.list_users_page_at(match next_link {
            None => self.users_first_page_url()?,
            Some(link) => self.next_link_url(link)?,
        })
        .await
    }

    fn users_first_page_url(&self) -> Result<url::Url, GraphError> {
        let top = USERS_PAGE_SIZE.to_string();
        self.url("users", &[("$select", DIRECTORY_SELECT), ("$top", &top), ("$count", "true")])
    }

    async fn list_users_page_at(&self, url: url::Url) -> Result<UsersPage, GraphError> {
        let page: Page<User> = self.get_page(url, &[CONSISTENCY_EVENTUAL]).await?;
        Ok(UsersPage { users: page.value, total: page.count, next_link: page.next_link })
    }

    /// Pages through the whole directory with [`Self::list_users_page`], calling `on_page` once
    /// per page as soon as it arrives (the first carries `total`). Stops when a page has no
    /// `@odata.nextLink`, when `on_page` returns [`ControlFlow::Break`], or with an error.
    ///
    /// Errors: those of [`Self::list_users_page`], and [`GraphError::Decode`] when Graph repeats a
    /// next-page link (which would otherwise loop forever); the pages before it were delivered.
    pub async fn list_all_users(
        &self,
        mut on_page: impl FnMut(UsersPage) -> ControlFlow<()>,
    ) -> Result<(), GraphError> {
        // Every URL fetched, normalised: a next link equal to any of them (the current page's
        // included) is a loop, never a new page, so no page is delivered twice.
        let mut url = self.users_first_page_url()?;
        let mut seen: HashSet<String> = HashSet::from([page_key(&url)]);
        let mut pages = 0usize;
        loop {
            let page = self.list_users_page_at(url).await?;
            pages += 1;
            let next = page.next_link.clone();
            if on_page(page).is_break() {
                return Ok(());
            }
            match next {
                None => return Ok(()),
                Some(n) => {
                    let next_url = self.next_link_url(&n)?;
                    if !seen.insert(page_key(&next_url)) || pages >= MAX_PAGES {
                        return Err(repeated_link(pages));
                    }
                    url = next_url;
                }
            }
        }
    }

    /// Server-side search on display name, mail and UPN:
    /// `GET /users?$search="displayName:{t}" OR "mail:{t}" OR "userPrincipalName:{t}"&$select=…&$top={top}`
    /// with `ConsistencyLevel: eventual` (required for `$search`). `"` and `\` are backslash-escaped
    /// inside each clause; when `text` contains `&`, `Prefer: legacySearch=false` is sent too (a
    /// known v1.0 bug). `top` is clamped to 1..=999; only the first page is returned. Display
    /// names match by word prefix, mail and UPN by prefix. Blank `text` returns no users without a
    /// request.
    ///
    /// Errors: [`GraphError::Api`] (400 `Request_UnsupportedQuery` …), transport, timeout, token,
    /// decode.
    pub async fn search_users(&self, text: &str, top: u32) -> Result<Vec<User>, GraphError> {
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let search = odata::user_search_expression(text);
        let top = top.clamp(1, USERS_PAGE_SIZE).to_string();
        let url = self.url("users", &[("$search", &search), ("$select", DIRECTORY_SELECT), ("$top", &top)])?;
        let headers: &[(&'static str, &'static str)] = if text.contains('&') {
            &[CONSISTENCY_EVENTUAL, ("Prefer", "legacySearch=false")]
        } else {
            &[CONSISTENCY_EVENTUAL]
        };
        Ok(self.get_page::<User>(url, headers).await?.value)
    }

    /// Prefix match without advanced query parameters:
    /// `GET /users?$filter=startswith(displayName,'x') or startswith(userPrincipalName,'x') or startswith(mail,'x')&$select=…&$top={top}`
    /// (`'` doubled inside the literals; `top` clamped to 1..=999; first page only). Blank `text`
    /// returns no users without a request.
    ///
    /// Errors: as [`Self::search_users`].
    pub async fn find_users_startswith(&self, text: &str, top: u32) -> Result<Vec<User>, GraphError> {
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let filter = odata::user_startswith_filter(text);
        let top = top.clamp(1, USERS_PAGE_SIZE).to_string();
        let url = self.url("users", &[("$filter", &filter), ("$select", DIRECTORY_SELECT), ("$top", &top)])?;
        Ok(self.get_page::<User>(url, &[]).await?.value)
    }

    /// One user by object id or UPN: `GET /users/{id | upn}?$select=…` (the key is one encoded
    /// segment, so a guest's `#EXT#` goes as `%23EXT%23`; a UPN starting with `$` uses the
    /// `users('$upn')` form).
    ///
    /// Errors: [`GraphError::Api`] 404 `Request_ResourceNotFound` when there is no such user,
    /// [`GraphError::InvalidInput`] for an empty key, transport, timeout, token, decode.
    pub async fn get_user(&self, id_or_upn: &str) -> Result<User, GraphError> {
        if !odata::is_valid_segment(id_or_upn) {
            return Err(GraphError::InvalidInput(format!("user {id_or_upn:?} is not a valid id or UPN")));
        }
        let path = format!("users{}", odata::user_key_path(id_or_upn));
        let url = self.url(&path, &[("$select", USER_SELECT)])?;
        self.get_entity(url, &[]).await
    }

    /// The signed-in operator: `GET /me?$select=…` (delegated tokens only; app-only tokens get 400).
    ///
    /// Errors: as [`Self::get_user`].
    pub async fn get_me(&self) -> Result<User, GraphError> {
        let url = self.url("me", &[("$select", USER_SELECT)])?;
        self.get_entity(url, &[]).await
    }

    // ----- Authentication methods -------------------------------------------------------

    /// All authentication methods of a user: `GET /users/{id}/authentication/methods`
    /// (`user_id` = object id). Types tapdesk does not know come back as [`AuthMethod::Unknown`].
    ///
    /// Errors: [`GraphError::Api`] (403 without the role, 404 unknown user), transport, timeout,
    /// token, decode.
    pub async fn list_methods(&self, user_id: &str) -> Result<Vec<AuthMethod>, GraphError> {
        let path = format!("{}/authentication/methods", Self::user_path(user_id)?);
        self.get_all(self.url(&path, &[])?, &[]).await
    }

    /// Deletes one method: `DELETE /users/{id}/authentication/{segment}/{method_id}` → 204.
    /// `segment` is the per-type collection from [`AuthMethod::path_segment`] (e.g. `fido2Methods`);
    /// `method_id` is sent as one encoded segment (FIDO2 ids may contain `-`, `_`, `+`, `/`, `=`).
    /// A 404 on a retry after an attempt whose outcome was unknown counts as success.
    ///
    /// Errors: [`GraphError::Api`] (404 unknown id, 400 `badRequest` for the default method, 403),
    /// transport, timeout, token.
    pub async fn delete_method(
        &self,
        user_id: &str,
        segment: &str,
        method_id: &str,
    ) -> Result<Option<String>, GraphError> {
        let path = format!(
            "{}/authentication/{}/{}",
            Self::user_path(user_id)?,
            Self::seg(segment, "method type")?,
            Self::seg(method_id, "method id")?
        );
        self.delete(self.url(&path, &[])?).await
    }

    // ----- Temporary Access Pass --------------------------------------------------------

    /// Issues a Temporary Access Pass:
    /// `POST /users/{id}/authentication/temporaryAccessPassMethods` with `Content-Type:
    /// application/json` and `body` (start UTC, lifetime in minutes, one-time) → 201 with the pass,
    /// the only time Graph reveals it. A valid existing pass is replaced by Graph.
    ///
    /// Retried only when Graph refused the request (429, honouring `Retry-After`) or when no
    /// connection could be made. The body is read into a zeroized buffer and never logged.
    ///
    /// Errors: [`GraphError::Api`] (400 `badRequest` "Invalid LifetimeInMinutes specified. The
    /// valid range between {min} and {max}.", 400 for external guests, 403, 404); token;
    /// [`GraphError::Uncertain`] after a timeout, a dropped connection, a 5xx or an unreadable
    /// 2xx body — the pass may exist; list the user's TAPs ([`Self::list_taps`]) before acting.
    pub async fn create_tap(&self, user_id: &str, body: &TapCreateRequest) -> Result<CreatedTap, GraphError> {
        let path = format!("{}/authentication/temporaryAccessPassMethods", Self::user_path(user_id)?);
        let url = self.url(&path, &[])?;
        let json = serde_json::to_vec(body).map_err(|e| GraphError::InvalidInput(format!("TAP request: {e}")))?;
        let resp = self
            // `Connection: close`: the connection that carried the pass is not pooled, so its
            // read buffer is freed (and, with tapdesk's zeroing allocator, wiped) once the body is
            // read, instead of waiting in the pool with the pass in it.
            .execute(
                Method::POST,
                url,
                &[("Content-Type", "application/json"), ("Connection", "close")],
                Some(json),
                Mode::CreateOnce,
            )
            .await?;
        let status = resp.status().as_u16();
        let request_id = header_str(resp.headers(), "request-id");
        let lost = |why: GraphError| {
            GraphError::Uncertain(format!(
                "Graph answered HTTP {status} (pass created) but the answer could not be read: {why}; \
                 the new pass's code is lost, issue another to replace it"
            ))
        };
        let buf = read_secret_body(resp, MAX_TAP_BODY).await.map_err(lost)?;
        let mut created = decode_created_tap(&buf).map_err(lost)?;
        created.request_id = request_id;
        Ok(created)
    }

    /// The user's Temporary Access Passes (at most one):
    /// `GET /users/{id}/authentication/temporaryAccessPassMethods`. Never contains the pass itself.
    ///
    /// Errors: [`GraphError::Api`], transport, timeout, token, decode.
    pub async fn list_taps(&self, user_id: &str) -> Result<Vec<TapMethod>, GraphError> {
        let path = format!("{}/authentication/temporaryAccessPassMethods", Self::user_path(user_id)?);
        self.get_all(self.url(&path, &[])?, &[]).await
    }

    /// Deletes a pass: `DELETE /users/{id}/authentication/temporaryAccessPassMethods/{tap_id}` → 204.
    ///
    /// Errors: as [`Self::delete_method`].
    pub async fn delete_tap(&self, user_id: &str, tap_id: &str) -> Result<Option<String>, GraphError> {
        self.delete_method(user_id, "temporaryAccessPassMethods", tap_id).await
    }

    /// The tenant's TAP policy (lifetimes in minutes):
    /// `GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`.
    ///
    /// Errors: [`GraphError::Api`] (403 for operators without Global Reader or Authentication
    /// Policy Administrator — fall back to the absolute 10..=43,200 range), transport, timeout,
    /// token, decode.
    pub async fn get_tap_policy(&self) -> Result<TapPolicy, GraphError> {
        let url = self
            .url("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", &[])?;
        self.get_entity(url, &[]).await
    }

    /// The caller-verification card: `GET /users/{id}?$select={USER_CARD_SELECT}`,
    /// `GET /users/{id}/manager` (404 = no manager) and `GET /users/{id}/transitiveMemberOf`
    /// (groups, nested included, and directory roles), the three at once.
    ///
    /// Errors: the first failure among the three (a missing manager is not one).
    pub async fn get_user_card(&self, user_id: &str) -> Result<UserCard, GraphError> {
        let path = Self::user_path(user_id)?;
        let user_url = self.url(&path, &[("$select", USER_CARD_SELECT)])?;
        let manager_url = self.url(&format!("{path}/manager"), &[("$select", "id,displayName,userPrincipalName")])?;
        let member_url = self.url(&format!("{path}/transitiveMemberOf"), &[])?;
        let (user, manager, member_of) = tokio::join!(
            self.get_entity::<User>(user_url, &[]),
            self.get_entity::<User>(manager_url, &[]),
            self.get_all::<DirectoryObject>(member_url, &[]),
        );
        let manager = match manager {
            Ok(m) => Some(m),
            Err(GraphError::Api { status: 404, .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(UserCard { user: user?, manager, member_of: member_of? })
    }

    /// Changes the tenant's TAP policy:
    /// `PATCH /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`
    /// → 204. Safe to retry (the same body twice gives the same policy).
    ///
    /// Errors: [`GraphError::Api`] (400 for values out of Graph's ranges, 403 without Authentication
    /// Policy Administrator or Global Administrator), transport, timeout, token.
    pub async fn update_tap_policy(&self, patch: &TapPolicyPatch) -> Result<(), GraphError> {
        let url = self
            .url("policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", &[])?;
        let json = serde_json::to_vec(patch).map_err(|e| GraphError::InvalidInput(format!("policy: {e}")))?;
        let resp = self
            .execute(Method::PATCH, url, &[("Content-Type", "application/json")], Some(json), Mode::Idempotent)
            .await?;
        let _ = resp.bytes().await;
        Ok(())
    }

    /// Invalidates the user's refresh tokens and session cookies:
    /// `POST /users/{id}/revokeSignInSessions`. Any 2xx is success (Graph answers both
    /// `200 {"value": true}` and `204`). Safe to retry.
    ///
    /// Errors: [`GraphError::Api`] (403, 404), transport, timeout, token.
    pub async fn revoke_sign_in_sessions(&self, user_id: &str) -> Result<Option<String>, GraphError> {
        let path = format!("{}/revokeSignInSessions", Self::user_path(user_id)?);
        let resp = self.execute(Method::POST, self.url(&path, &[])?, &[], None, Mode::Idempotent).await?;
        let request_id = header_str(resp.headers(), "request-id");
        let _ = resp.bytes().await;
        Ok(request_id)
    }
}

/// `ConsistencyLevel: eventual`, needed for `$search` and `$count`.
const CONSISTENCY_EVENTUAL: (&str, &str) = ("ConsistencyLevel", "eventual");

/// What makes two page URLs the same page: origin, path and the decoded query pairs (so
/// `%24top=999` and `$top=999` are one page).
fn page_key(u: &url::Url) -> String {
    let pairs: Vec<(String, String)> = u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    format!("{}{}{pairs:?}", u.origin().ascii_serialization(), u.path())
}

fn repeated_link(pages: usize) -> GraphError {
    let s = if pages == 1 { "" } else { "s" };
    GraphError::Decode(format!("Graph repeated a next-page link after {pages} page{s}; stopped paging"))
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct NoToken;

    #[async_trait::async_trait]
    impl TokenCredential for NoToken {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
        ) -> azure_core::Result<azure_core::credentials::AccessToken> {
            Err(azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, "no sign-in in unit tests"))
        }
    }

    fn client(base: &str) -> GraphClient {
        GraphClient::new(
            url::Url::parse(base).expect("base"),
            Arc::new(NoToken),
            vec!["https://graph.microsoft.com/.default".into()],
        )
        .expect("client")
    }

    #[test]
    fn first_users_page_url() {
        let c = client("https://graph.microsoft.com/v1.0");
        let top = USERS_PAGE_SIZE.to_string();
        let url = c.url("users", &[("$select", DIRECTORY_SELECT), ("$top", &top), ("$count", "true")]).expect("url");
        assert_eq!(
            url.as_str(),
            format!("https://graph.microsoft.com/v1.0/users?$select={DIRECTORY_SELECT}&$top=999&$count=true")
        );
    }

    #[test]
    fn search_url_encodes_each_value_once() {
        let c = client("https://graph.microsoft.com/v1.0/");
        let search = odata::user_search_expression("O'Brien & \"Co\" #1 50% a+b Zoë");
        let url = c.url("users", &[("$search", &search), ("$top", "25")]).expect("url");
        let clause = "O%27Brien%20%26%20%5C%22Co%5C%22%20%231%2050%25%20a%2Bb%20Zo%C3%AB";
        assert_eq!(
            url.as_str(),
            format!(
                "https://graph.microsoft.com/v1.0/users?$search=%22displayName:{clause}%22%20OR%20%22mail:{clause}%22%20OR%20%22userPrincipalName:{clause}%22&$top=25"
            )
        );
        // Decoding the query once gives back exactly the OData expression.
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("$search".to_owned(), search));
    }

    #[test]
    fn filter_url_doubles_quotes_then_encodes() {
        let c = client("https://graph.microsoft.com/v1.0");
        let filter = odata::user_startswith_filter("O'Brien");
        let url = c.url("users", &[("$filter", &filter)]).expect("url");
        assert_eq!(
            url.as_str(),
            "https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,%27O%27%27Brien%27)%20or%20startswith(userPrincipalName,%27O%27%27Brien%27)%20or%20startswith(mail,%27O%27%27Brien%27)"
        );
    }

    #[test]
    fn per_user_paths_encode_one_segment() {
        let c = client("https://graph.microsoft.com/v1.0");
        let path = format!(
            "{}/authentication/{}/{}",
            GraphClient::user_path("AdeleV_adatum.com#EXT#@contoso.com").expect("p"),
            GraphClient::seg("fido2Methods", "t").expect("s"),
            GraphClient::seg("-ab+c/d==", "m").expect("s")
        );
        let url = c.url(&path, &[]).expect("url");
        assert_eq!(
            url.as_str(),
            "https://graph.microsoft.com/v1.0/users/AdeleV_adatum.com%23EXT%23@contoso.com/authentication/fido2Methods/-ab%2Bc%2Fd%3D%3D"
        );
        assert!(GraphClient::user_path("").is_err());
        assert!(GraphClient::user_path("..").is_err());
    }

    #[test]
    fn dollar_upn_uses_key_form() {
        let c = client("https://graph.microsoft.com/v1.0");
        let url = c.url(&format!("users{}", odata::user_key_path("$adele@x.example")), &[]).expect("url");
        assert_eq!(url.as_str(), "https://graph.microsoft.com/v1.0/users('$adele@x.example')");
    }

    #[test]
    fn next_link_kept_verbatim_and_origin_checked() {
        let c = client("https://graph.microsoft.com/v1.0");
        let link = "https://graph.microsoft.com/v1.0/users?$select=id,displayName&$top=999&$count=true&$skiptoken=RFNwdAIAAQAAACM6%2BQ%3D%3D";
        assert_eq!(c.next_link_url(link).expect("same origin").as_str(), link);
        let link2 = "https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,%27a%27)&$skiptoken=X%2Fy";
        assert_eq!(c.next_link_url(link2).expect("same origin").as_str(), link2);
        assert!(matches!(c.next_link_url("https://evil.example/v1.0/users?$skiptoken=x"), Err(GraphError::Decode(_))));
        assert!(matches!(c.next_link_url("http://graph.microsoft.com/v1.0/users"), Err(GraphError::Decode(_))));
        assert!(c.next_link_url("not a url").is_err());
    }

    #[test]
    fn retry_after_parsing() {
        let now: jiff::Timestamp = "2015-10-21T07:27:00Z".parse().expect("ts");
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("2.128", now), Some(Duration::from_millis(2128)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
        assert_eq!(parse_retry_after("1e400", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_cap() {
        let p = RetryPolicy::default();
        for _ in 0..200 {
            let b0 = p.backoff(0);
            assert!(b0 >= Duration::from_millis(250) && b0 <= Duration::from_millis(500), "{b0:?}");
            let b2 = p.backoff(2);
            assert!(b2 >= Duration::from_secs(1) && b2 <= Duration::from_secs(2), "{b2:?}");
            let b10 = p.backoff(10);
            assert!(b10 >= Duration::from_secs(4) && b10 <= Duration::from_secs(8), "{b10:?}");
            assert!(p.backoff(u32::MAX) <= Duration::from_secs(8));
        }
        assert_eq!(RetryPolicy::none().backoff(3), Duration::ZERO);
    }

    #[test]
    fn created_tap_decode_errors_never_quote_the_body() {
        let body = br#"{"id":"x","temporaryAccessPass":"S3cr3t+pass","lifetimeInMinutes":"S3cr3t+pass"}"#;
        let err = decode_created_tap(body).expect_err("bad lifetime type");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("S3cr3t"), "{text}");
        let tap = decode_created_tap(br#"{"value":{"id":"x","temporaryAccessPass":"abc","lifetimeInMinutes":60}}"#)
            .expect("wrapped");
        assert_eq!(tap.method.base.id, "x");
        assert!(!format!("{tap:?}").contains("abc"));
    }

    #[tokio::test]
    async fn token_failure_is_token_error() {
        let c = client("http://127.0.0.1:9/v1.0");
        let err = c.get_me().await.expect_err("no token");
        assert!(matches!(err, GraphError::Token(_)), "{err:?}");
    }

    #[tokio::test]
    async fn invalid_ids_are_rejected_before_sending() {
        let c = client("http://127.0.0.1:9/v1.0");
        assert!(matches!(c.list_methods("").await, Err(GraphError::InvalidInput(_))));
        assert!(matches!(c.delete_method("u", "fido2Methods", "..").await, Err(GraphError::InvalidInput(_))));
        assert!(matches!(c.get_user(".").await, Err(GraphError::InvalidInput(_))));
        assert!(c.search_users("  ", 10).await.expect("blank").is_empty());
    }
}
