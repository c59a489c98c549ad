//! tapdesk-graph: the Microsoft Graph v1.0 vocabulary that tapdesk and its simulator share, with
//! no runtime (no tokio, no HTTP): plain data and pure functions.
//!
//! - [`types`]: the payloads tapdesk reads and writes (serde), named as Graph names them
//!   (`userPrincipalName`, `lifetimeInMinutes`, `isUsableOnce`, `methodUsabilityReason`, `aaGuid`).
//! - [`error`]: [`GraphError`] (status, Graph's `code`, `message`, `request-id`), Graph's error
//!   envelope, and [`error::error_chain`] for transport and sign-in errors.
//! - [`odata`]: user text turned into `$filter`/`$search` literals and URL path segments.
//! - [`protocol`]: [`protocol::GraphRequest`] / [`protocol::GraphResponse`] tagged with a
//!   [`protocol::RequestId`]: what the render loop asks the Graph worker and what comes back.
//! - [`permissions`]: Graph permission names per feature and per method family.
//! - [`fold`]: the one case/accent fold (local search, the simulator's `$search`, generated UPNs).
//! - [`loopback`]: the https authority a credential poses as when its token endpoint is local.

pub mod error;
pub mod fold;
pub mod loopback;
pub mod odata;
pub mod permissions;
pub mod protocol;
pub mod types;

pub use error::GraphError;
