//! Graph error bodies in the shapes real Graph uses (reference §2.3), and the STS error shape.
//!
//! Handlers return [`ApiError`]; its `IntoResponse` leaves the body empty and attaches the error
//! as a response extension, and the front middleware ([`super::http`]) renders it with the
//! request's ids and date, so every error carries the right `innerError`.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::http::ReqCtx;
use tapdesk_graph::error::{ErrorBody, ErrorEnvelope};

/// Which of Graph's error-body families to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// Directory (users, queries): `innerError {date, request-id, client-request-id}`.
    Directory,
    /// Authentication-methods service: like Directory plus `innerError.message`.
    Methods,
    /// Throttling: exactly the shape of `error-throttled-429.json`.
    Throttle,
}

/// A Graph error response waiting for its request context.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub flavour: Flavour,
    pub headers: Vec<(HeaderName, String)>,
}

/// Marker extension carrying the error to the front middleware.
#[derive(Debug, Clone)]
pub(crate) struct PendingError(pub ApiError);

/// The message of a directory 404 for `key`.
pub(crate) fn not_found_message(key: &str) -> String {
    format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present.")
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>, flavour: Flavour) -> Self {
        ApiError { status, code: code.into(), message: message.into(), flavour, headers: Vec::new() }
    }

    /// Directory-style error.
    pub fn directory(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::new(status, code, message, Flavour::Directory)
    }

    /// Authentication-methods-style error (`badRequest`, ..., message repeated in innerError).
    pub fn methods(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self::new(status, code, message, Flavour::Methods)
    }

    /// 400 `badRequest` of the authentication-methods service.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::methods(StatusCode::BAD_REQUEST, "badRequest", message)
    }

    /// 404 `Request_ResourceNotFound` for a user key (id or UPN as given).
    pub fn user_not_found(key: &str) -> Self {
        Self::directory(StatusCode::NOT_FOUND, "Request_ResourceNotFound", not_found_message(key))
    }

    /// 403 `Authorization_RequestDenied`.
    pub fn denied() -> Self {
        Self::directory(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    /// 400 `Request_UnsupportedQuery`.
    pub fn unsupported_query(message: impl Into<String>) -> Self {
        Self::directory(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    /// 405 for a verb the resource does not support.
    pub fn method_not_allowed() -> Self {
        Self::directory(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    }

    /// 400 for a body that is not JSON of the expected shape.
    pub fn unreadable_body() -> Self {
        Self::directory(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    }

    /// 429 `TooManyRequests` with an optional `Retry-After` value (seconds, may be fractional).
    pub fn throttled(retry_after: Option<String>) -> Self {
        let mut e =
            Self::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "Please retry again later.", Flavour::Throttle);
        if let Some(r) = retry_after {
            e.headers.push((header::RETRY_AFTER, r));
        }
        e
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The JSON body for this error in the context of one request.
    pub fn body(&self, ctx: &ReqCtx) -> Value {
        let date = ctx.inner_date();
        let inner = match self.flavour {
            Flavour::Directory => json!({
                "date": date, "request-id": ctx.request_id, "client-request-id": ctx.client_request_id,
            }),
            Flavour::Methods => json!({
                "message": self.message, "date": date, "request-id": ctx.request_id,
                "client-request-id": ctx.client_request_id,
            }),
            Flavour::Throttle => {
                let status = self.status.as_u16().to_string();
                json!({
                    "code": status, "date": date, "message": "Please retry after",
                    "request-id": ctx.request_id, "status": status,
                })
            }
        };
        let env = ErrorEnvelope {
            error: ErrorBody { code: self.code.clone(), message: self.message.clone(), inner_error: Some(inner) },
        };
        serde_json::to_value(env).unwrap_or(Value::Null)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                resp.headers_mut().insert(name.clone(), v);
            }
        }
        resp.extensions_mut().insert(PendingError(self));
        resp
    }
}

/// An Entra ID (STS) token-endpoint error: `{"error", "error_description", "error_codes", ...}`.
pub(crate) fn sts_error(status: StatusCode, error: &str, code: u32, description: &str, ctx: &ReqCtx) -> Response {
    let stamp = ctx.date.strftime("%Y-%m-%d %H:%M:%SZ").to_string();
    let trace = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {}\r\nTimestamp: {stamp}",
            ctx.client_request_id
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": ctx.client_request_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
    resp
}
