//! tapdesk's own device-code credential (azure_identity has none): the way operators sign in from
//! an SSH session. Protocol: Microsoft identity platform, "OAuth 2.0 device authorization grant"
//! (RFC 8628), <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>.
//!
//! 1. `POST {authority}/{tenant}/oauth2/v2.0/devicecode` with `client_id` and the scopes plus
//!    `offline_access`; the answer's verification address and user code go to the operator through
//!    a [`PromptSink`]: [`PromptSink::Callback`] for the TUI, which draws it as a popup (see
//!    `crate::auth::worker`), or [`PromptSink::Stderr`] (printed with a countdown, for commands
//!    without a TUI). [`DeviceCodeCredential::cancel_sign_in`] (Esc in the TUI) stops the sign-in
//!    in progress and refuses new ones until [`DeviceCodeCredential::allow_sign_in`] (the retry
//!    key); dropping the future cancels too.
//! 2. Poll `POST {authority}/{tenant}/oauth2/v2.0/token` (`grant_type=urn:ietf:params:oauth:grant-type:device_code`)
//!    every `interval` seconds; `authorization_pending` keeps polling, `slow_down` adds
//!    [`DeviceCodeOptions::slow_down_step`] (5 s), anything else ends the sign-in with the STS error
//!    in words ([`super::sts`]); the code's `expires_in` bounds the wait.
//! 3. Access tokens are cached per scope list until [`DeviceCodeOptions::refresh_margin`] (5 min)
//!    before expiry, then renewed with the refresh token (`grant_type=refresh_token`), which is
//!    rotated on every use and kept in memory only, as a [`SecretString`]. When the refresh token
//!    is refused (expired, revoked), a new device-code sign-in starts if the sink allows it.
//!
//! Nothing secret is logged or put in an error: not the tokens, not the device code.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::OffsetDateTime;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::cache::{DEFAULT_REFRESH_MARGIN, TokenCache};
use super::challenge::ClaimsChallengeHandler;
use super::cloud::Cloud;
pub use super::events::{DeviceCodeError, DeviceCodePrompt, PromptEvent};
use super::sts::StsError;

/// The `grant_type` of device-code polls.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Default public client: "Microsoft Graph Command Line Tools" (`14d82eec-204b-4c2f-b7e8-296a70dab67e`),
/// a Microsoft multi-tenant public client that tenants can consent to for delegated Graph
/// permissions. Tenants that prefer their own registration set `client_id`.
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Where the user code goes.
#[derive(Clone)]
pub enum PromptSink {
    /// Printed to standard error with a countdown (before the TUI owns the terminal).
    Stderr,
    /// Handed to a callback (the TUI, or a test that approves the code).
    Callback(Arc<dyn Fn(PromptEvent) + Send + Sync>),
    /// No interactive sign-in possible (e.g. while the TUI runs without a prompt): the token
    /// request fails with "sign in again" instead.
    Refuse,
}

impl fmt::Debug for PromptSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PromptSink::Stderr => "Stderr",
            PromptSink::Callback(_) => "Callback",
            PromptSink::Refuse => "Refuse",
        })
    }
}

/// Timings of the flow (defaults follow the protocol; tests shorten them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodeOptions {
    /// The shortest wait between polls, whatever `interval` says (default 1 s).
    pub min_poll_interval: Duration,
    /// Added to the interval on `slow_down` (RFC 8628: 5 s).
    pub slow_down_step: Duration,
    /// A cached token is renewed this long before it expires (default 5 min).
    pub refresh_margin: Duration,
    /// Time limit of each HTTP request to the STS (default 30 s).
    pub http_timeout: Duration,
    /// Consecutive failed polls (no answer) tolerated before giving up (default 3).
    pub max_transport_failures: u32,
}

impl Default for DeviceCodeOptions {
    fn default() -> Self {
        Self {
            min_poll_interval: Duration::from_secs(1),
            slow_down_step: Duration::from_secs(5),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            http_timeout: Duration::from_secs(30),
            max_transport_failures: 3,
        }
    }
}

#[derive(Deserialize)]
struct DeviceCodeAnswer {
    device_code: SecretString,
    user_code: String,
    verification_uri: Option<String>,
    /// Older endpoints spell it `verification_url`.
    verification_url: Option<String>,
    expires_in: u64,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: SecretString,
    expires_in: i64,
    #[serde(default)]
    refresh_token: Option<SecretString>,
}

struct State {
    refresh_token: Option<SecretString>,
    cache: TokenCache,
}

/// The device-code credential (see the module doc). Cheap to share (`Arc`).
pub struct DeviceCodeCredential {
    http: reqwest::Client,
    cloud: Cloud,
    tenant: String,
    client_id: String,
    app_name: String,
    options: DeviceCodeOptions,
    prompt: Mutex<PromptSink>,
    /// `true` after [`DeviceCodeCredential::cancel_sign_in`], until [`DeviceCodeCredential::allow_sign_in`].
    cancelled: tokio::sync::watch::Sender<bool>,
    state: tokio::sync::Mutex<State>,
}

impl fmt::Debug for DeviceCodeCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCodeCredential")
            .field("authority", &self.cloud.authority_host)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

fn to_azure(e: DeviceCodeError) -> azure_core::Error {
    let message = format!("device code sign-in failed: {e}");
    azure_core::Error::with_error(ErrorKind::Credential, e, message)
}

fn transport(e: reqwest::Error) -> DeviceCodeError {
    let timeout = e.is_timeout();
    let e = e.without_url();
    let mut text = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        src = s.source();
    }
    DeviceCodeError::Transport(if timeout { format!("(timed out): {text}") } else { format!("({text})") })
}

impl DeviceCodeCredential {
    /// A credential for `client_id` (a public client) in `tenant` (id, domain, or
    /// `organizations`) of `cloud`; `app_name` is shown with the code.
    ///
    /// # Errors
    /// The HTTP client cannot be built (TLS initialisation).
    pub fn new(
        cloud: Cloud,
        tenant: &str,
        client_id: &str,
        app_name: &str,
        options: DeviceCodeOptions,
    ) -> Result<Arc<Self>, DeviceCodeError> {
        let http = reqwest::Client::builder()
            .timeout(options.http_timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("tapdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(transport)?;
        Ok(Arc::new(Self {
            http,
            cloud,
            tenant: tenant.to_owned(),
            client_id: client_id.to_owned(),
            app_name: app_name.to_owned(),
            options,
            prompt: Mutex::new(PromptSink::Stderr),
            cancelled: tokio::sync::watch::Sender::new(false),
            state: tokio::sync::Mutex::new(State { refresh_token: None, cache: TokenCache::default() }),
        }))
    }

    /// The tenant signed in to, as configured (id, domain or `organizations`).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The application name shown with the code.
    pub fn app_name(&self) -> &str {
        &self.app_name
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Changes where the next user code goes (e.g. [`PromptSink::Refuse`] once the TUI runs).
    pub fn set_prompt(&self, sink: PromptSink) {
        *self.prompt.lock().unwrap_or_else(|e| e.into_inner()) = sink;
    }

    /// Stops the device-code sign-in in progress, if any (its poll ends at once with
    /// [`DeviceCodeError::Cancelled`]), and refuses to start new ones, so that Graph calls waiting
    /// for a token fail in words instead of showing one code after another. Tokens already held
    /// keep working.
    pub fn cancel_sign_in(&self) {
        self.cancelled.send_replace(true);
    }

    /// Allows device-code sign-ins again after [`DeviceCodeCredential::cancel_sign_in`].
    pub fn allow_sign_in(&self) {
        self.cancelled.send_replace(false);
    }

    /// Resolves once [`DeviceCodeCredential::cancel_sign_in`] is in force.
    async fn until_cancelled(&self) {
        let mut rx = self.cancelled.subscribe();
        // The sender lives in `self`, so `wait_for` can only return once the flag is set.
        let _ = rx.wait_for(|c| *c).await;
    }

    fn sink(&self) -> PromptSink {
        self.prompt.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether a refresh token is held (signed in).
    pub async fn is_signed_in(&self) -> bool {
        self.state.lock().await.refresh_token.is_some()
    }

    /// Forgets the refresh token and cached tokens (sign out of this process).
    pub async fn sign_out(&self) {
        let mut st = self.state.lock().await;
        st.refresh_token = None;
        st.cache.clear();
    }

    fn scope_param(scopes: &[&str]) -> String {
        let mut v: Vec<&str> = scopes.to_vec();
        if !v.contains(&"offline_access") {
            v.push("offline_access");
        }
        v.join(" ")
    }

    async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<(u16, Vec<u8>), DeviceCodeError> {
        let resp = self.http.post(url).form(form).send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(transport)?.to_vec();
        Ok((status, body))
    }

    fn read_token(body: &[u8]) -> Result<TokenAnswer, DeviceCodeError> {
        serde_json::from_slice(body).map_err(|e| {
            DeviceCodeError::BadAnswer(format!("token answer ({:?} error at column {})", e.classify(), e.column()))
        })
    }

    fn store(st: &mut State, scopes: &[&str], t: TokenAnswer) -> AccessToken {
        if let Some(rt) = t.refresh_token {
            st.refresh_token = Some(rt);
        }
        let expires_on = OffsetDateTime::now_utc() + azure_core::time::Duration::seconds(t.expires_in.max(0));
        let token = AccessToken::new(t.access_token.expose_secret().to_owned(), expires_on);
        st.cache.put(scopes, token.clone());
        token
    }

    /// The refresh-token grant; `Ok(None)` when the refresh token itself was refused (so a new
    /// sign-in is needed).
    async fn redeem_refresh(
        &self,
        st: &mut State,
        scopes: &[&str],
        claims: Option<&str>,
    ) -> Result<Option<AccessToken>, DeviceCodeError> {
        let Some(rt) = st.refresh_token.as_ref().map(|r| r.expose_secret().to_owned()) else {
            return Ok(None);
        };
        let scope = Self::scope_param(scopes);
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("refresh_token", rt.as_str()),
            ("scope", scope.as_str()),
        ];
        if let Some(c) = claims {
            form.push(("claims", c));
        }
        let (status, body) = self.post_form(&self.cloud.token_url(&self.tenant), &form).await?;
        if (200..300).contains(&status) {
            return Ok(Some(Self::store(st, scopes, Self::read_token(&body)?)));
        }
        let err = StsError::parse(status, &body);
        if err.error == "invalid_grant" && !matches!(err.code, Some(65001 | 65002 | 53003 | 50076 | 50079)) {
            tracing::info!(target: "tapdesk::auth", code = ?err.code, "refresh token refused; a new sign-in is needed");
            st.refresh_token = None;
            return Ok(None);
        }
        Err(DeviceCodeError::Sts(err))
    }

    /// The whole device-code sign-in for `scopes`.
    async fn sign_in(&self, st: &mut State, scopes: &[&str]) -> Result<AccessToken, DeviceCodeError> {
        let sink = self.sink();
        if matches!(sink, PromptSink::Refuse) {
            return Err(DeviceCodeError::SignInNeeded);
        }
        if *self.cancelled.borrow() {
            return Err(DeviceCodeError::Cancelled);
        }
        let scope = Self::scope_param(scopes);
        let form = [("client_id", self.client_id.as_str()), ("scope", scope.as_str())];
        let url = self.cloud.device_code_url(&self.tenant);
        let (status, body) = tokio::select! {
            r = self.post_form(&url, &form) => r?,
            () = self.until_cancelled() => return Err(DeviceCodeError::Cancelled),
        };
        if !(200..300).contains(&status) {
            return Err(DeviceCodeError::Sts(StsError::parse(status, &body)));
        }
        let answer: DeviceCodeAnswer = serde_json::from_slice(&body).map_err(|e| {
            DeviceCodeError::BadAnswer(format!(
                "device code answer ({:?} error at column {})",
                e.classify(),
                e.column()
            ))
        })?;
        let expires_in = std::time::Duration::from_secs(answer.expires_in);
        let deadline = tokio::time::Instant::now() + expires_in;
        let prompt = DeviceCodePrompt {
            verification_uri: answer
                .verification_uri
                .clone()
                .or(answer.verification_url.clone())
                .unwrap_or_else(|| "https://microsoft.com/devicelogin".into()),
            user_code: answer.user_code.clone(),
            message: answer.message.clone(),
            expires_at: jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(i64::try_from(answer.expires_in).unwrap_or(900)))
                .unwrap_or_else(|_| jiff::Timestamp::now()),
            tenant: self.tenant.clone(),
            app_name: self.app_name.clone(),
            client_id: self.client_id.clone(),
        };
        let shown = Shown::show(&sink, prompt);
        let result = tokio::select! {
            r = self.poll(answer, deadline) => r,
            () = self.until_cancelled() => Err(DeviceCodeError::Cancelled),
        };
        match &result {
            Ok(_) => shown.finish(PromptEvent::SignedIn),
            Err(e) => shown.finish(PromptEvent::Failed(e.to_string())),
        }
        let t = result?;
        Ok(Self::store(st, scopes, t))
    }

    async fn poll(
        &self,
        answer: DeviceCodeAnswer,
        deadline: tokio::time::Instant,
    ) -> Result<TokenAnswer, DeviceCodeError> {
        let mut interval = Duration::from_secs(answer.interval.unwrap_or(5)).max(self.options.min_poll_interval);
        let token_url = self.cloud.token_url(&self.tenant);
        let mut failures = 0u32;
        loop {
            if tokio::time::Instant::now() + interval >= deadline {
                return Err(DeviceCodeError::Expired);
            }
            tokio::time::sleep(interval).await;
            let form = [
                ("grant_type", DEVICE_CODE_GRANT),
                ("client_id", self.client_id.as_str()),
                ("device_code", answer.device_code.expose_secret()),
            ];
            let (status, body) = match self.post_form(&token_url, &form).await {
                Ok(r) => {
                    failures = 0;
                    r
                }
                Err(e) => {
                    failures += 1;
                    if failures >= self.options.max_transport_failures {
                        return Err(e);
                    }
                    continue;
                }
            };
            if (200..300).contains(&status) {
                return Self::read_token(&body);
            }
            let err = StsError::parse(status, &body);
            match err.error.as_str() {
                "authorization_pending" => {}
                "slow_down" => interval += self.options.slow_down_step,
                "expired_token" | "code_expired" => return Err(DeviceCodeError::Sts(err)),
                _ => return Err(DeviceCodeError::Sts(err)),
            }
        }
    }

    async fn token(&self, scopes: &[&str], claims: Option<&str>) -> Result<AccessToken, DeviceCodeError> {
        let mut st = self.state.lock().await;
        if claims.is_none()
            && let Some(t) = st.cache.get(scopes, self.options.refresh_margin)
        {
            return Ok(t);
        }
        if let Some(t) = self.redeem_refresh(&mut st, scopes, claims).await? {
            return Ok(t);
        }
        self.sign_in(&mut st, scopes).await
    }
}

#[async_trait::async_trait]
impl TokenCredential for DeviceCodeCredential {
    async fn get_token(&self, scopes: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
        if scopes.is_empty() {
            return Err(azure_core::Error::with_message(ErrorKind::Credential, "no scopes requested"));
        }
        self.token(scopes, None).await.map_err(to_azure)
    }
}

#[async_trait::async_trait]
impl super::renew::TokenRenewer for DeviceCodeCredential {
    /// Forgets the cached access tokens (unless another request already renewed `refused`) and
    /// redeems the refresh token; when the STS refuses it,
    /// a new device-code sign-in (its prompt goes where [`DeviceCodeCredential::set_prompt`] said).
    async fn renew(&self, scopes: &[&str], refused: &str) -> azure_core::Result<AccessToken> {
        {
            let mut st = self.state.lock().await;
            match st.cache.get(scopes, self.options.refresh_margin) {
                // Another request renewed meanwhile.
                Some(t) if t.token.secret() != refused => return Ok(t),
                _ => st.cache.clear(),
            }
        }
        self.token(scopes, None).await.map_err(to_azure)
    }
}

#[async_trait::async_trait]
impl ClaimsChallengeHandler for DeviceCodeCredential {
    async fn token_with_claims(&self, scopes: &[&str], claims: &str) -> azure_core::Result<AccessToken> {
        self.token(scopes, Some(claims)).await.map_err(to_azure)
    }
}

/// A prompt on its way to the operator; the countdown (stderr) stops when this is dropped.
struct Shown {
    sink: PromptSink,
    countdown: Option<tokio::task::JoinHandle<()>>,
}

impl Shown {
    fn show(sink: &PromptSink, prompt: DeviceCodePrompt) -> Shown {
        let countdown = match sink {
            PromptSink::Stderr => Some(print_prompt(prompt)),
            PromptSink::Callback(f) => {
                f(PromptEvent::Show(prompt));
                None
            }
            PromptSink::Refuse => None,
        };
        Shown { sink: sink.clone(), countdown }
    }

    fn finish(mut self, event: PromptEvent) {
        if let Some(h) = self.countdown.take() {
            h.abort();
            let line = match &event {
                PromptEvent::SignedIn => "Signed in.".to_owned(),
                PromptEvent::Failed(why) => format!("Sign-in failed: {why}"),
                PromptEvent::Show(_) => String::new(),
            };
            if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                eprintln!("\r\x1b[2K{line}");
            } else {
                eprintln!("{line}");
            }
        }
        if let PromptSink::Callback(f) = &self.sink {
            f(event);
        }
    }
}

impl Drop for Shown {
    fn drop(&mut self) {
        if let Some(h) = self.countdown.take() {
            h.abort();
            eprintln!();
        }
    }
}

/// Prints the prompt to stderr and starts the countdown (one line rewritten each second when
/// stderr is a terminal).
fn print_prompt(p: DeviceCodePrompt) -> tokio::task::JoinHandle<()> {
    use std::io::IsTerminal as _;
    eprintln!();
    eprintln!("Sign in to Microsoft Entra ID for tapdesk:");
    eprintln!("  1. On any device, open  {}", p.verification_uri);
    eprintln!("  2. Enter the code       {}", p.user_code);
    eprintln!("  Tenant: {}   App: {} ({})", p.tenant, p.app_name, p.client_id);
    eprintln!("  Only enter this code if you started tapdesk yourself just now. Ctrl-C cancels.");
    let tty = std::io::stderr().is_terminal();
    tokio::spawn(async move {
        loop {
            let left = p.expires_at.duration_since(jiff::Timestamp::now()).as_secs().max(0);
            if tty {
                eprint!("\r\x1b[2K  Waiting for the sign-in... code expires in {}:{:02}", left / 60, left % 60);
            } else {
                eprintln!("  Waiting for the sign-in (code expires in {}:{:02})", left / 60, left % 60);
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}
