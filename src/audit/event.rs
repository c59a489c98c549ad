//! One line of the audit log ([`AuditEvent`]): plain data, serialised by the writer in
//! [`super`]. `app` builds these (pure); the render loop hands them to the writer.

use serde::Serialize;

/// One line of the audit log. See the module doc for the fields.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// `attempt` (written and synced before the request is sent) or `result` (when the answer
    /// came, or `uncertain` when it never clearly did).
    pub phase: String,
    /// Ties a `result` line to its `attempt` line: `{session}.{n}`, unique per console session.
    pub action_id: String,
    /// When the line was written (UTC, RFC 3339): the send for `attempt`, the answer for `result`.
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
    /// `pending` on an `attempt` line; on a `result` line `success`, `refused` (by Graph),
    /// `failed` (transport, timeout), `uncertain`, or `cancelled` (the operator ended a throttling wait).
    pub result: String,
    /// Graph's error code and message, when it failed.
    pub error: Option<String>,
    /// Graph's `request-id`, when known.
    pub request_id: Option<String>,
}
