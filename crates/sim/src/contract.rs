//! The simulator's contract with its clients, defined once: the demo tenant's id and domain, the
//! client ids and secret its token endpoint accepts, and (re-exported from tapdesk-graph) the https
//! authority a loopback credential poses as. tapdesk's `--demo` sign-in, `tapdesk simulate`'s
//! banner and the tests read these; nothing else spells them out.

pub use tapdesk_graph::loopback::AUTHORITY;

/// Demo tenant id (`tid`).
pub const TENANT_ID: &str = "9c0d1e2f-3a4b-4c6d-9e8f-9a0b1c2d3e11";
/// Demo domain.
pub const DOMAIN: &str = "contoso.example";
/// Demo confidential client id accepted by the token endpoint (acts as Dana Okafor).
pub const CLIENT_ID: &str = "tapdesk-demo";
/// Secret of [`CLIENT_ID`] (and of [`PAA_CLIENT_ID`]).
pub const CLIENT_SECRET: &str = "demo-secret";
/// Second demo client whose tokens act as Lee Park (Privileged Authentication Administrator).
pub const PAA_CLIENT_ID: &str = "tapdesk-demo-pam";

/// Public client (public client flows allowed) for device-code sign-in: whoever signs in at the
/// verification page (`/devicelogin` or [`crate::SimControl::approve_device_code`]).
pub const PUBLIC_CLIENT_ID: &str = "tapdesk-device";
