//! The lost-key recovery flow (`F`): verify the caller → pick the lost FIDO2 key → delete it →
//! revoke sign-in sessions → issue a one-time pass (lifetime from the policy) → show and copy it →
//! summary. Every step can be skipped (`s`), every result is shown, and a failure stops the flow
//! with its reason.

use tapdesk_graph::protocol::RequestId;
use tapdesk_graph::types::User;

/// Where the flow is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Ticket reference and caller verification.
    Verify,
    /// Choose the lost key; Enter deletes it.
    PickKey,
    /// Revoke the user's sign-in sessions.
    Revoke,
    /// Issue a one-time pass.
    Issue,
    /// The pass popup is open over the flow.
    Show,
    /// What was done.
    Summary,
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done, with what happened.
    Done(String),
    /// Skipped by the operator.
    Skipped(String),
    /// Failed; the flow stopped here.
    Failed(String),
}

/// A FIDO2 key the user has: its id and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Method id.
    pub id: String,
    /// `FIDO2 security key 'YubiKey 5 NFC' created 2024-05-01`.
    pub description: String,
    /// Type, name and id for the audit log.
    pub parameters: serde_json::Value,
    /// The warning when Graph says the key signed in within the last 24 h
    /// ([`crate::app::last_use::recent_use_warning`]), shown in the verify and pick steps.
    pub recent_use: Option<String>,
}

/// The flow's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// The caller.
    pub user: User,
    /// Current step.
    pub step: Step,
    /// Their FIDO2 keys.
    pub keys: Vec<Key>,
    /// Highlighted key.
    pub key_row: usize,
    /// In the Verify step: the ticket field has the keyboard (else the verification).
    pub on_ticket: bool,
    /// The request whose answer the flow waits for.
    pub waiting: Option<RequestId>,
    /// Results so far, in order.
    pub log: Vec<Outcome>,
    /// Why Enter was refused in this step.
    pub error: Option<String>,
}

impl Recovery {
    /// A new flow for `user` with their FIDO2 `keys`.
    pub fn new(user: User, keys: Vec<Key>) -> Self {
        Self {
            user,
            step: Step::Verify,
            keys,
            key_row: 0,
            on_ticket: true,
            waiting: None,
            log: Vec::new(),
            error: None,
        }
    }

    /// `true` when a step failed.
    pub fn failed(&self) -> bool {
        self.log.iter().any(|o| matches!(o, Outcome::Failed(_)))
    }
}
