//! Transport glue: per-request context and headers, the request log, bearer check and URL
//! rewriting (`/me`, `users('key')`), fault injection, and a listener whose connections can be
//! dropped on purpose.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use jiff::Timestamp;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::auth;
use super::control::{Fault, LoggedRequest};
use super::errors::{ApiError, PendingError};
use super::state::Shared;

/// JSON content type Graph sends.
pub(crate) const GRAPH_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// The request log keeps at most this many entries (oldest dropped first).
pub(crate) const LOG_CAP: usize = 10_000;

/// Per-request facts every handler and error body needs.
#[derive(Debug, Clone)]
pub(crate) struct ReqCtx {
    /// New GUID for this request (`request-id`).
    pub request_id: String,
    /// Caller's `client-request-id`, else = `request_id`.
    pub client_request_id: String,
    /// Simulator time at arrival.
    pub date: Timestamp,
    /// `http://host:port` as the caller addressed us.
    pub origin: String,
}

impl ReqCtx {
    /// `innerError.date`: `YYYY-MM-DDTHH:MM:SS`, UTC, no zone.
    pub fn inner_date(&self) -> String {
        self.date.strftime("%Y-%m-%dT%H:%M:%S").to_string()
    }
    /// Graph root, e.g. `http://127.0.0.1:4000/v1.0`.
    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.origin)
    }
    /// `{graph_base}/$metadata#{what}`.
    pub fn context(&self, what: &str) -> String {
        format!("{}/v1.0/$metadata#{what}", self.origin)
    }
}

/// The path as the caller sent it, before `/me` and `users('key')` rewriting.
#[derive(Debug, Clone)]
pub(crate) struct SentPath(pub String);

/// The operator (or, for app-only tokens, the service principal) a token acts for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub oid: String,
    /// Permissions of the caller's token (`scp`, or `roles` when app-only).
    pub scopes: Vec<String>,
    /// The token acts as an application: Graph checks only its application permissions.
    pub app_only: bool,
    /// When the person signed in with MFA (simulator clock, Unix seconds).
    pub auth_time: i64,
}

/// A 200/201 JSON response with Graph's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = (status, bytes).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(GRAPH_JSON));
    resp.headers_mut().insert("odata-version", HeaderValue::from_static("4.0"));
    resp
}

/// Outermost middleware: context, log, auth for `/v1.0`, URL rewriting, headers, error bodies.
pub(crate) async fn front(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_request_id = req
        .headers()
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map_or_else(|| request_id.clone(), str::to_owned);
    let origin = match req.headers().get(header::HOST).and_then(|h| h.to_str().ok()) {
        Some(h) => format!("http://{h}"),
        None => format!("http://{}", shared.addr),
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 4 << 20).await.unwrap_or_default();
    let ctx = {
        let mut w = shared.lock();
        let seq = w.log.last().map_or(1, |l| l.seq + 1);
        if w.log.len() >= LOG_CAP {
            w.log.drain(..LOG_CAP / 10);
        }
        w.log.push(LoggedRequest {
            seq,
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
            status: 0,
        });
        (ReqCtx { request_id, client_request_id, date: w.now(), origin }, seq)
    };
    let (ctx, seq) = ctx;
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().insert(ctx.clone());
    let path = req.uri().path().to_owned();
    let resp = if path == "/v1.0" || path.starts_with("/v1.0/") {
        match auth::check_bearer(&shared, req.headers()) {
            Err(e) => e.into_response(),
            Ok(caller) if caller.app_only && (path == "/v1.0/me" || path.starts_with("/v1.0/me/")) => {
                ApiError::directory(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                )
                .into_response()
            }
            Ok(caller) => {
                req.extensions_mut().insert(SentPath(path.clone()));
                rewrite_uri(&mut req, &caller.oid);
                let via_me = path == "/v1.0/me" || path.starts_with("/v1.0/me/");
                match auth::check_scope(&caller, req.method(), req.uri().path(), via_me) {
                    Err(e) => e.into_response(),
                    Ok(()) => {
                        req.extensions_mut().insert(caller);
                        next.run(req).await
                    }
                }
            }
        }
    } else {
        next.run(req).await
    };
    let resp = finish(resp, &ctx).await;
    let mut w = shared.lock();
    if let Some(entry) = w.log.iter_mut().rev().find(|l| l.seq == seq) {
        entry.status = resp.status().as_u16();
    }
    resp
}

/// `/v1.0/me[/...]` → `/v1.0/users/{oid}[/...]`; `/v1.0/users('key')[/...]` → `/v1.0/users/key[/...]`.
fn rewrite_uri(req: &mut Request, oid: &str) {
    let path = req.uri().path();
    let new_path = if path == "/v1.0/me" || path.starts_with("/v1.0/me/") {
        format!("/v1.0/users/{oid}{}", &path["/v1.0/me".len()..])
    } else if let Some(rest) = path.strip_prefix("/v1.0/users('").or_else(|| path.strip_prefix("/v1.0/users(%27")) {
        let (key, tail) = match rest.find("')").map(|i| (i, 2)).or_else(|| rest.find("%27)").map(|i| (i, 4))) {
            Some((i, n)) => (&rest[..i], &rest[i + n..]),
            None => return,
        };
        format!("/v1.0/users/{}{tail}", key.replace("''", "'"))
    } else {
        return;
    };
    let pq = match req.uri().query() {
        Some(q) => format!("{new_path}?{q}"),
        None => new_path,
    };
    if let Ok(uri) = pq.parse::<Uri>() {
        *req.uri_mut() = uri;
    }
}

/// Renders pending errors, turns axum's plain-text rejections into Graph errors, adds headers.
async fn finish(resp: Response, ctx: &ReqCtx) -> Response {
    let (mut parts, body) = resp.into_parts();
    let pending = parts.extensions.remove::<PendingError>().map(|p| p.0);
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let error = match pending {
        Some(e) => Some(e),
        None if parts.status == StatusCode::METHOD_NOT_ALLOWED => Some(ApiError::method_not_allowed()),
        None if parts.status.is_client_error() && !is_json => {
            let text = axum::body::to_bytes(body, 1 << 16).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&text).trim().to_owned();
            Some(ApiError::directory(
                parts.status,
                "BadRequest",
                if text.is_empty() { "Bad request.".into() } else { text },
            ))
        }
        None => {
            return add_headers(Response::from_parts(parts, body), ctx);
        }
    };
    let mut resp = match error {
        Some(e) => {
            let mut r = json_response(e.status, &e.body(ctx));
            for (k, v) in parts.headers.iter() {
                if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
                    r.headers_mut().insert(k.clone(), v.clone());
                }
            }
            r
        }
        None => Response::from_parts(parts, Body::empty()),
    };
    if resp.status() == StatusCode::UNAUTHORIZED && !resp.headers().contains_key(header::WWW_AUTHENTICATE) {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""),
        );
    }
    add_headers(resp, ctx)
}

fn add_headers(mut resp: Response, ctx: &ReqCtx) -> Response {
    let h = resp.headers_mut();
    let pairs = [
        ("request-id", ctx.request_id.clone()),
        ("client-request-id", ctx.client_request_id.clone()),
        ("date", ctx.date.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string()),
        (
            "x-ms-ags-diagnostic",
            r#"{"ServerInfo":{"DataCenter":"Simulated","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"TAPDESK-SIM"}}"#.to_string(),
        ),
        ("cache-control", "no-cache".to_string()),
    ];
    for (k, v) in pairs {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    resp
}

/// Route-level middleware applying the first matching [`super::FaultRule`].
pub(crate) async fn faults(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    let fault = {
        let mut w = shared.lock();
        let sent = req.extensions().get::<SentPath>().map(|p| p.0.as_str());
        let hit = w.faults.iter().position(|r| {
            r.matches(req.method(), matched.as_deref(), req.uri().path())
                || sent.is_some_and(|p| r.matches(req.method(), None, p))
        });
        hit.map(|i| {
            let fault = w.faults[i].fault.clone();
            if let Some(n) = &mut w.faults[i].times {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    w.faults.remove(i);
                }
            }
            fault
        })
    };
    let kill = req.extensions().get::<ConnectInfo<ConnKill>>().map(|c| c.0.clone());
    match fault {
        None => next.run(req).await,
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Some(Fault::Throttle { retry_after }) => ApiError::throttled(retry_after).into_response(),
        Some(Fault::Unavailable { retry_after }) => {
            let mut e = ApiError::directory(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is temporarily unavailable. Please retry later.",
            );
            if let Some(r) = retry_after {
                e = e.with_header(header::RETRY_AFTER, r);
            }
            e.into_response()
        }
        Some(Fault::GatewayTimeout) => {
            ApiError::directory(StatusCode::GATEWAY_TIMEOUT, "GatewayTimeout", "The operation timed out.")
                .into_response()
        }
        Some(Fault::DropAfterCommit) => {
            let _ = next.run(req).await;
            drop_connection(kill)
        }
        Some(Fault::DropBeforeCommit) => drop_connection(kill),
    }
}

fn drop_connection(kill: Option<ConnKill>) -> Response {
    if let Some(k) = kill {
        k.0.store(true, Ordering::SeqCst);
    }
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// A TCP listener whose connections can be killed from a handler (see [`Fault::DropAfterCommit`]).
pub(crate) struct KillListener(pub TcpListener);

/// A connection with a kill switch: once set, every read and write fails, so hyper drops it.
pub(crate) struct KillIo {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
}

/// Connect-info handed to requests: the kill switch of their connection.
#[derive(Clone, Debug)]
pub(crate) struct ConnKill(pub Arc<AtomicBool>);

impl Connected<IncomingStream<'_, KillListener>> for ConnKill {
    fn connect_info(stream: IncomingStream<'_, KillListener>) -> Self {
        ConnKill(stream.io().kill.clone())
    }
}

impl Listener for KillListener {
    type Io = KillIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    let _ = inner.set_nodelay(true);
                    return (KillIo { inner, kill: Arc::new(AtomicBool::new(false)) }, addr);
                }
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

fn killed() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionAborted, "connection dropped by fault injection")
}

impl AsyncRead for KillIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.load(Ordering::SeqCst) {
            return Poll::Ready(Err(killed()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
