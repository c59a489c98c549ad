//! Microsoft Graph over HTTP: the client ([`client`]: reqwest, tokens from azure_identity, paging,
//! throttling, claims challenges) and the background worker that owns it ([`worker`]). The
//! vocabulary they speak (types, errors, OData escaping, the request/response protocol) is the
//! `tapdesk_graph` crate, which has no runtime.

pub mod client;
pub mod worker;
