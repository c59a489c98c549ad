//! Microsoft Graph: typed payloads ([`types`]), errors ([`error`]), OData/URL escaping
//! ([`odata`]), the HTTP client ([`client`]) and the background worker that owns it ([`worker`]).

pub mod client;
pub mod error;
pub mod odata;
pub mod types;
pub mod worker;

pub use error::GraphError;
