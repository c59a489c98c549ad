//! The loopback contract between tapdesk's sign-in and a local simulator.
//!
//! azure_identity refuses an authority that is not `https://`. When tapdesk is pointed at a token
//! endpoint on `http://127.0.0.1` (the demo, or `tapdesk simulate`), its credentials are given the
//! https authority [`AUTHORITY`] and a transport that sends each request to the loopback address
//! instead. Client assertions signed by such a credential name this authority as their audience,
//! so the simulator accepts it as its own. Defined once here; both sides read it.

/// The https authority the loopback transport poses as (`https://login.simulator.example`).
pub const AUTHORITY: &str = "https://login.simulator.example";
