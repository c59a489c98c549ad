//! One line of the audit log ([`AuditEvent`]): plain data, serialised by the writer in
//! [`super`]. `app` builds these (pure); the render loop hands them to the writer.

use serde::Serialize;

/// One line of the audit log. See the module doc for the fields.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// When the result arrived (UTC).
    pub time: String,
    /// The signed-in operator (UPN), or the app for app-only sign-in.
    pub operator: String,
    /// Tenant id or name.
    pub tenant: String,
    /// Target user's object id.
    pub target_id: String,
    /// Target user's UPN.
    pub target_upn: String,
    /// What was attempted.
    pub action: String,
    /// What was asked for, as JSON (never a secret).
    pub parameters: serde_json::Value,
    /// The ticket reference the operator gave.
    pub ticket: Option<String>,
    /// How the caller was verified.
    pub verification: Option<String>,
    /// `success`, `refused` (by Graph), `failed` (transport, timeout), `uncertain`.
    pub result: String,
    /// Graph's error code and message, when it failed.
    pub error: Option<String>,
    /// Graph's `request-id`, when known.
    pub request_id: Option<String>,
}
