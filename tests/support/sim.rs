//! Helpers for the simulator's HTTP tests: start a demo simulator and talk to it with plain
//! reqwest (not tapdesk's client).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use tapdesk_sim::{self as sim, SimHandle, Tenant};

/// A running demo simulator (2,000 users) with an HTTP client and a token for Dana Okafor.
pub struct Sim {
    pub handle: SimHandle,
    pub http: reqwest::Client,
    pub token: String,
    pub base: String,
}

/// One answer: status, headers, body parsed as JSON (`Value::Null` when empty or not JSON).
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Sim {
    pub async fn start() -> Sim {
        Self::with_tenant(Tenant::demo(2000)).await
    }

    pub async fn with_tenant(tenant: Tenant) -> Sim {
        let handle = sim::start(tenant, "127.0.0.1:0".parse().unwrap()).await.expect("simulator starts");
        let token = handle.mint_token();
        let base = handle.graph_base();
        Sim { handle, http: reqwest::Client::new(), token, base }
    }

    /// `base + path` unless `path` is already absolute.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) }
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let resp = req.send().await.expect("request completes");
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.expect("body").to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer { status, headers, body, raw }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path)).bearer_auth(&self.token)).await
    }

    /// GET with `ConsistencyLevel: eventual`.
    pub async fn get_eventual(&self, path: &str) -> Answer {
        self.send(self.http.get(self.url(path)).bearer_auth(&self.token).header("ConsistencyLevel", "eventual")).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(self.http.post(self.url(path)).bearer_auth(&self.token).json(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(self.http.patch(self.url(path)).bearer_auth(&self.token).json(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(self.http.delete(self.url(path)).bearer_auth(&self.token)).await
    }
}

pub fn examples_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/graph"));
    assert!(dir.is_dir(), "Graph examples folder not found at {}", dir.display());
    dir
}

/// An example payload from `shared/graph/examples/`.
pub fn example(name: &str) -> Value {
    let path = examples_dir().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
}

/// Asserts `body` is a Graph error with `code`, `message` and an `innerError` carrying
/// `date` (YYYY-MM-DDTHH:MM:SS), `request-id` and `client-request-id`.
pub fn assert_graph_error(a: &Answer, status: u16, code: &str, message: &str) {
    assert_eq!(a.status.as_u16(), status, "status; body {}", a.body);
    let e = &a.body["error"];
    assert_eq!(e["code"], code, "code; body {}", a.body);
    assert_eq!(e["message"], message, "message; body {}", a.body);
    let inner = &e["innerError"];
    let date = inner["date"].as_str().expect("innerError.date");
    assert_eq!(date.len(), 19, "date {date}");
    assert!(date.parse::<jiff::civil::DateTime>().is_ok(), "date {date}");
    assert_eq!(inner["request-id"].as_str(), a.header("request-id"));
    assert!(inner["client-request-id"].is_string());
}

/// True if `s` looks like a GUID.
pub fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}
