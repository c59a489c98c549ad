//! Errors at the Graph edge.
//!
//! Graph answers errors as `{"error": {"code", "message", "innerError": {...}}}`
//! (<https://learn.microsoft.com/graph/errors>); [`GraphError::Api`] keeps the HTTP status, Graph's
//! `code`, its `message` and the `request-id` response header so the operator (and Microsoft
//! support) can quote them.

use serde::Deserialize;

/// Anything that can go wrong talking to Microsoft Graph.
///
/// `Display` gives one line fit for the status bar. No variant ever carries a Temporary Access
/// Pass or a token.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum GraphError {
    /// Graph answered with a non-success status and (usually) an error body.
    #[error("{message} ({code}, HTTP {status})")]
    Api {
        /// HTTP status code, e.g. 400, 403, 429.
        status: u16,
        /// Graph's `error.code`, e.g. `badRequest`, `Request_UnsupportedQuery`.
        code: String,
        /// Graph's `error.message` (developer-facing English; never branch on it).
        message: String,
        /// The `request-id` response header, when present.
        request_id: Option<String>,
    },
    /// The request did not complete: connection refused or dropped, DNS, TLS.
    #[error("cannot reach Graph {0}")]
    Transport(String),
    /// The request did not complete within its timeout.
    #[error("Graph did not answer in time ({0})")]
    Timeout(String),
    /// No access token could be obtained from the credential.
    #[error("sign-in failed: {0}")]
    Token(String),
    /// A success response whose body tapdesk could not read.
    #[error("unexpected answer from Graph: {0}")]
    Decode(String),
    /// A write whose outcome is unknown: the request may have reached Graph, but no clear answer
    /// came back (timeout, dropped connection, 5xx, or a `201` whose body could not be read).
    ///
    /// Returned by `GraphClient::create_tap`, which never retries in that situation because a second
    /// create would silently replace a pass the user may already have been given. The UI should
    /// list the user's Temporary Access Passes (`GraphRequest::ListTaps`) and tell the operator
    /// which case it is: a pass created after the request was sent and never seen before was made
    /// by it (its code is lost: issue a new one to replace it); an older pass still works (issuing
    /// again would replace it).
    #[error("outcome unknown: {0}. Check the user's Temporary Access Passes before issuing another")]
    Uncertain(String),
    /// The request was not sent because an argument cannot be expressed as a Graph URL (for
    /// example an empty id, or `.`/`..` as a path segment).
    #[error("invalid request: {0}")]
    InvalidInput(String),
    /// The operator cancelled the request while it waited on Graph's throttling (`Retry-After`):
    /// nothing more was sent. For a write, an earlier attempt may still have been carried out when
    /// it was answered 503/504 (then the client reports the write as uncertain instead).
    #[error("{0}")]
    Cancelled(String),
    /// Graph throttled the request (429, or 503/504 with `Retry-After`) and asked for a wait
    /// longer than tapdesk waits; nothing more was sent. `Display` gives the wait in words.
    #[error("Graph asked tapdesk to wait {} before trying again (HTTP {status}); not retried", wait_words(*wait_secs))]
    Throttled {
        /// The wait Graph asked for (seconds, from `Retry-After`).
        wait_secs: u64,
        /// The HTTP status of the answer.
        status: u16,
        /// The `request-id` response header, when present.
        request_id: Option<String>,
    },
    /// A write that tapdesk did not send, so nothing changed in the tenant: its audit `attempt`
    /// line could not be written first (the sentence says why and what to do).
    #[error("not sent, nothing was changed: {0}")]
    NotSent(String),
}

/// A wait in words: `45 s`, `2 min 5 s`, `1 h 0 min` (whole seconds). The one implementation:
/// tapdesk's `timefmt::span_words` calls it.
pub fn wait_words(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

impl GraphError {
    /// HTTP status for [`GraphError::Api`] and [`GraphError::Throttled`], `None` otherwise.
    pub fn status(&self) -> Option<u16> {
        match self {
            GraphError::Api { status, .. } | GraphError::Throttled { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Graph's `error.code` for [`GraphError::Api`], `None` otherwise.
    pub fn code(&self) -> Option<&str> {
        match self {
            GraphError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Builds [`GraphError::Api`] from a status, the raw body and the `request-id` header.
    /// A body that is not Graph's error envelope still gives a readable error.
    pub fn from_response(status: u16, body: &[u8], request_id: Option<String>) -> Self {
        match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(env) => GraphError::Api { status, code: env.error.code, message: env.error.message, request_id },
            Err(_) => GraphError::Api {
                status,
                code: String::from("unknown"),
                message: format!("HTTP {status} without a Graph error body"),
                request_id,
            },
        }
    }
}

/// Graph's error envelope, `{"error": {...}}`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct ErrorEnvelope {
    /// The error object.
    pub error: ErrorBody,
}

/// The `error` member of Graph's error envelope.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct ErrorBody {
    /// e.g. `badRequest`, `Request_ResourceNotFound`, `TooManyRequests`.
    pub code: String,
    /// Human-readable English text.
    pub message: String,
    /// `{date, request-id, client-request-id}` and sometimes `message`, `code`, `status`.
    #[serde(rename = "innerError", default, skip_serializing_if = "Option::is_none")]
    pub inner_error: Option<serde_json::Value>,
}

/// `e` and its sources as one line joined with `: `, each text once (transport and sign-in errors;
/// callers strip the URL first, it may carry search text).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        src = s.source();
    }
    out
}
