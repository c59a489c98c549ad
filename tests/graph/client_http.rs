//! The real Graph client over real HTTP on 127.0.0.1.
//!
//! Part 1 uses a scripted raw-TCP server (this file) for what a well-behaved server cannot show:
//! throttling with `Retry-After`, 503/504, dropped connections, hangs, and exactly how many
//! requests each case sends. Part 2 runs against the Graph simulator (`tapdesk_sim`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use secrecy::ExposeSecret;
use tapdesk::graph::client::{DIRECTORY_SELECT, GraphClient, RetryPolicy, USER_SELECT};
use tapdesk_graph::GraphError;
use tapdesk_graph::types::TapCreateRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

// ----- shared helpers -------------------------------------------------------------------------

/// A credential that always returns the same token.
#[derive(Debug)]
struct StaticToken(String);

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            self.0.clone(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::new(4, Duration::from_millis(10), Duration::from_millis(40), Duration::from_secs(5))
}

fn client_for(base: &str, token: &str) -> GraphClient {
    GraphClient::new(
        url::Url::parse(base).expect("base"),
        Arc::new(StaticToken(token.to_owned())),
        vec!["https://graph.microsoft.com/.default".into()],
    )
    .expect("client")
    .with_retry_policy(fast_retries())
}

/// A port nobody listens on: the error names where tapdesk tried, and never calls it a refusal
/// by Graph.
#[tokio::test]
async fn connection_refused_says_where_graph_could_not_be_reached() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = client_for(&format!("http://127.0.0.1:{port}/v1.0/"), "t");
    let e = client.get_me().await.unwrap_err();
    assert!(matches!(e, GraphError::Transport(_)), "{e:?}");
    let text = e.to_string();
    assert!(text.starts_with(&format!("cannot reach Graph at 127.0.0.1:{port} (")), "{text}");
    assert!(!text.to_ascii_lowercase().contains("graph refused"), "{text}");
}

// ----- Part 1: scripted server ------------------------------------------------------------

/// What the scripted server does with the next request.
#[derive(Clone)]
enum Step {
    /// Answer with this status, extra headers and body (always `Connection: close`).
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Read the request, then close the connection without answering.
    Drop,
    /// Read the request, then wait this long before closing without answering.
    Hang(Duration),
}

fn json(status: u16, body: &str) -> Step {
    Step::Respond(status, vec![("request-id", format!("rid-{status}"))], body.to_owned())
}

fn with_header(step: Step, name: &'static str, value: &str) -> Step {
    match step {
        Step::Respond(s, mut h, b) => {
            h.push((name, value.to_owned()));
            Step::Respond(s, h, b)
        }
        other => other,
    }
}

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

struct Scripted {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    fn base(&self) -> String {
        format!("http://{}/v1.0", self.addr)
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Seen { method, target, headers, body })
}

/// Starts a server that answers request N with `steps[N]` (then 500 once the script is used up).
async fn scripted(steps: Vec<Step>) -> Scripted {
    scripted_with(|_| steps).await
}

/// Like [`scripted`], with a script that may name the server's own origin (`http://127.0.0.1:PORT`).
async fn scripted_with(make: impl FnOnce(&str) -> Vec<Step>) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let steps = make(&format!("http://{addr}"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(VecDeque::from(steps)));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            let script = script.clone();
            tokio::spawn(async move {
                let Some(req) = read_request(&mut sock).await else {
                    return;
                };
                log.lock().unwrap().push(req);
                let step = script.lock().unwrap().pop_front();
                match step {
                    Some(Step::Respond(status, headers, body)) => {
                        let mut out = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                            body.len()
                        );
                        for (n, v) in headers {
                            out.push_str(&format!("{n}: {v}\r\n"));
                        }
                        out.push_str("\r\n");
                        out.push_str(&body);
                        let _ = sock.write_all(out.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    Some(Step::Drop) => drop(sock),
                    Some(Step::Hang(d)) => {
                        tokio::time::sleep(d).await;
                        drop(sock);
                    }
                    None => {
                        let _ =
                            sock.write_all(b"HTTP/1.1 500 X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                    }
                }
            });
        }
    });
    Scripted { addr, seen }
}

const THROTTLED: &str = r#"{"error":{"code":"TooManyRequests","message":"Please retry again later.","innerError":{"code":"429","status":"429"}}}"#;
const ONE_USER: &str = r#"{"value":[{"id":"u1","displayName":"Avery Quinn"}]}"#;
const CREATED: &str = r##"{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"t1","temporaryAccessPass":"Q#x'%Pa+s","createdDateTime":"2026-01-01T00:00:00.1234567Z","startDateTime":"2026-01-01T00:00:00Z","lifetimeInMinutes":60,"isUsableOnce":true,"isUsable":true,"methodUsabilityReason":"EnabledByPolicy"}"##;

#[tokio::test]
async fn three_429s_with_retry_after_then_success() {
    let srv = scripted(vec![
        with_header(json(429, THROTTLED), "Retry-After", "0.128"),
        with_header(json(429, THROTTLED), "Retry-After", "0"),
        with_header(json(429, THROTTLED), "Retry-After", "0.05"),
        json(200, ONE_USER),
    ])
    .await;
    let client = client_for(&srv.base(), "tok-abc").with_retry_policy(RetryPolicy::new(
        4,
        Duration::from_secs(30),
        Duration::from_secs(30),
        Duration::from_secs(5),
    ));
    let started = Instant::now();
    let users = client.find_users_startswith("Av", 5).await.expect("users");
    let took = started.elapsed();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].display_name.as_deref(), Some("Avery Quinn"));
    assert!(took >= Duration::from_millis(170), "Retry-After honoured: {took:?}");
    assert!(took < Duration::from_secs(5), "Retry-After used instead of the 30 s backoff: {took:?}");
    let seen = srv.seen();
    assert_eq!(seen.len(), 4);
    let ids: std::collections::HashSet<_> =
        seen.iter().map(|s| s.header("client-request-id").expect("client-request-id").to_owned()).collect();
    assert_eq!(ids.len(), 4, "a fresh client-request-id per attempt");
    for s in &seen {
        assert_eq!(s.header("authorization"), Some("Bearer tok-abc"));
        assert!(uuid::Uuid::parse_str(s.header("client-request-id").unwrap()).is_ok());
        assert_eq!(s.target, seen[0].target, "same URL every time");
    }
}

#[tokio::test]
async fn throttling_gives_up_after_max_retries_with_the_graph_error() {
    let steps = (0..5).map(|_| with_header(json(429, THROTTLED), "Retry-After", "0")).collect();
    let srv = scripted(steps).await;
    let err = client_for(&srv.base(), "t").get_tap_policy().await.expect_err("throttled");
    assert_eq!(srv.seen().len(), 5, "1 try + 4 retries");
    match err {
        GraphError::Api { status, code, request_id, .. } => {
            assert_eq!(status, 429);
            assert_eq!(code, "TooManyRequests");
            assert_eq!(request_id.as_deref(), Some("rid-429"));
        }
        other => panic!("{other:?}"),
    }
}

/// A renewer that hands out `renewed-N` and counts its calls.
#[derive(Debug, Default)]
struct CountingRenewer(std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl tapdesk::auth::renew::TokenRenewer for CountingRenewer {
    async fn renew(&self, _scopes: &[&str], _refused: &str) -> azure_core::Result<AccessToken> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Ok(AccessToken::new(
            format!("renewed-{n}"),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

const EXPIRED_401: &str =
    r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#;

/// A plain 401 (no claims challenge) on a token that should still be valid: one new token past
/// the caches, one more try; a TAP create included, since Graph refused it before doing anything.
#[tokio::test]
async fn a_plain_401_gets_one_new_token_and_one_more_try() {
    let srv = scripted(vec![json(401, EXPIRED_401), json(200, r#"{"id":"u-1","displayName":"Dana Okafor"}"#)]).await;
    let renewer = Arc::new(CountingRenewer::default());
    let client = client_for(&srv.base(), "stale").with_renewer(renewer.clone());
    let me = client.get_me().await.expect("answered on the second try");
    assert_eq!(me.id, "u-1");
    let seen = srv.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].header("authorization"), Some("Bearer stale"));
    assert_eq!(seen[1].header("authorization"), Some("Bearer renewed-1"));
    assert_eq!(renewer.0.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// A second 401 is returned (the sign-in itself is refused): never a loop of renewals.
#[tokio::test]
async fn a_second_401_is_returned_after_one_renewal() {
    let srv = scripted(vec![json(401, EXPIRED_401), json(401, EXPIRED_401), json(200, "{}")]).await;
    let renewer = Arc::new(CountingRenewer::default());
    let client = client_for(&srv.base(), "stale").with_renewer(renewer.clone());
    let err = client.create_tap("u-1", &TapCreateRequest::default()).await.expect_err("refused");
    assert_eq!(err.status(), Some(401), "{err:?}");
    assert_eq!(err.code(), Some("InvalidAuthenticationToken"));
    assert_eq!(srv.seen().len(), 2);
    assert_eq!(renewer.0.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn retry_after_beyond_the_limit_is_not_waited_for() {
    let srv = scripted(vec![with_header(json(429, THROTTLED), "Retry-After", "3600")]).await;
    let started = Instant::now();
    let err = client_for(&srv.base(), "t").get_me().await.expect_err("throttled");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.status(), Some(429));
    assert!(
        matches!(&err, GraphError::Throttled { wait_secs: 3600, status: 429, request_id } if request_id.as_deref() == Some("rid-429")),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "Graph asked tapdesk to wait 1 h 0 min before trying again (HTTP 429); not retried");
    assert_eq!(srv.seen().len(), 1);
}

#[tokio::test]
async fn reads_retry_503_504_and_dropped_connections() {
    let srv = scripted(vec![
        json(503, r#"{"error":{"code":"serviceNotAvailable","message":"busy"}}"#),
        json(504, ""),
        Step::Drop,
        json(200, r#"{"value":[]}"#),
    ])
    .await;
    let methods =
        client_for(&srv.base(), "t").list_methods("0f8e2d6c-7a41-4b9e-8d2c-3e5f6a7b8c02").await.expect("methods");
    assert!(methods.is_empty());
    let seen = srv.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].target, "/v1.0/users/0f8e2d6c-7a41-4b9e-8d2c-3e5f6a7b8c02/authentication/methods");
}

#[tokio::test]
async fn tap_create_is_not_retried_after_a_dropped_connection() {
    let srv = scripted(vec![Step::Drop, json(201, CREATED)]).await;
    let body = TapCreateRequest { lifetime_in_minutes: Some(60), is_usable_once: Some(true), ..Default::default() };
    let err = client_for(&srv.base(), "t").create_tap("u1", &body).await.expect_err("uncertain");
    assert!(matches!(err, GraphError::Uncertain(_)), "{err:?}");
    assert!(err.to_string().contains("Temporary Access Pass"), "{err}");
    assert_eq!(srv.seen().len(), 1, "exactly one POST");
}

#[tokio::test]
async fn tap_create_is_not_retried_after_5xx() {
    for status in [500u16, 502, 503, 504] {
        let srv = scripted(vec![
            with_header(json(status, r#"{"error":{"code":"generalException","message":"x"}}"#), "Retry-After", "0"),
            json(201, CREATED),
        ])
        .await;
        let err =
            client_for(&srv.base(), "t").create_tap("u1", &TapCreateRequest::default()).await.expect_err("uncertain");
        assert!(matches!(err, GraphError::Uncertain(_)), "{status}: {err:?}");
        assert!(err.to_string().contains(&status.to_string()), "{err}");
        assert_eq!(srv.seen().len(), 1, "{status}: exactly one POST");
    }
}

#[tokio::test]
async fn tap_create_times_out_as_uncertain() {
    let srv = scripted(vec![Step::Hang(Duration::from_secs(3)), json(201, CREATED)]).await;
    let client = client_for(&srv.base(), "t")
        .with_timeouts(Duration::from_millis(300), Duration::from_millis(300))
        .expect("timeouts");
    let err = client.create_tap("u1", &TapCreateRequest::default()).await.expect_err("uncertain");
    assert!(matches!(err, GraphError::Uncertain(_)), "{err:?}");
    assert_eq!(srv.seen().len(), 1);
}

#[tokio::test]
async fn reads_time_out_as_timeout() {
    let srv = scripted(vec![Step::Hang(Duration::from_secs(3))]).await;
    let client = client_for(&srv.base(), "t")
        .with_timeouts(Duration::from_millis(300), Duration::from_millis(300))
        .expect("timeouts");
    let err = client.get_me().await.expect_err("timeout");
    assert!(matches!(err, GraphError::Timeout(_)), "{err:?}");
    assert_eq!(srv.seen().len(), 1, "a whole-request timeout is not retried");
}

#[tokio::test]
async fn tap_create_retries_a_429_and_sends_json() {
    let srv = scripted(vec![with_header(json(429, THROTTLED), "Retry-After", "0.01"), json(201, CREATED)]).await;
    let body = TapCreateRequest {
        start_date_time: Some("2026-01-01T00:00:00Z".parse().unwrap()),
        lifetime_in_minutes: Some(60),
        is_usable_once: Some(true),
    };
    let tap = client_for(&srv.base(), "t").create_tap("u1", &body).await.expect("created");
    assert_eq!(tap.temporary_access_pass.expose_secret(), "Q#x'%Pa+s");
    assert!(!format!("{tap:?}").contains("Pa+s"));
    let seen = srv.seen();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.target, "/v1.0/users/u1/authentication/temporaryAccessPassMethods");
        assert_eq!(s.header("content-type"), Some("application/json"));
        let sent: serde_json::Value = serde_json::from_slice(&s.body).expect("json body");
        assert_eq!(
            sent,
            serde_json::json!({"startDateTime":"2026-01-01T00:00:00Z","lifetimeInMinutes":60,"isUsableOnce":true})
        );
    }
}

#[tokio::test]
async fn tap_create_with_unreadable_201_is_uncertain_and_quotes_nothing() {
    let srv =
        scripted(vec![json(201, r#"{"id":"t1","temporaryAccessPass":"Leak+Me","lifetimeInMinutes":"Leak+Me"}"#)]).await;
    let err =
        client_for(&srv.base(), "t").create_tap("u1", &TapCreateRequest::default()).await.expect_err("unreadable");
    assert!(matches!(err, GraphError::Uncertain(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("Leak"), "{text}");
}

#[tokio::test]
async fn tap_create_refused_connection_is_not_uncertain() {
    // Bind then drop to get a port with nothing listening.
    let addr = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let err = client_for(&format!("http://{addr}/v1.0"), "t")
        .create_tap("u1", &TapCreateRequest::default())
        .await
        .expect_err("refused");
    assert!(matches!(err, GraphError::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn delete_404_after_dropped_attempt_counts_as_done() {
    let srv = scripted(vec![Step::Drop, json(404, r#"{"error":{"code":"itemNotFound","message":"gone"}}"#)]).await;
    client_for(&srv.base(), "t")
        .delete_method("u1", "fido2Methods", "-aVq9Yk5+nfc/Avery0Qw==")
        .await
        .expect("deleted by the first attempt");
    let seen = srv.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "DELETE");
    assert_eq!(seen[0].target, "/v1.0/users/u1/authentication/fido2Methods/-aVq9Yk5%2Bnfc%2FAvery0Qw%3D%3D");
    // A plain 404 stays an error.
    let srv = scripted(vec![json(404, r#"{"error":{"code":"itemNotFound","message":"gone"}}"#)]).await;
    let err = client_for(&srv.base(), "t").delete_method("u1", "fido2Methods", "x").await.expect_err("404");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.code(), Some("itemNotFound"));
}

#[tokio::test]
async fn errors_carry_graph_code_and_request_id_and_never_the_token() {
    let srv = scripted(vec![json(
        403,
        r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"request-id":"inner-rid"}}}"#,
    )])
    .await;
    let client = client_for(&srv.base(), "eyJ-super-secret-token");
    let err = client.get_user("someone@contoso.example").await.expect_err("403");
    assert_eq!(
        err,
        GraphError::Api {
            status: 403,
            code: "Authorization_RequestDenied".into(),
            message: "Insufficient privileges to complete the operation.".into(),
            request_id: Some("rid-403".into()),
        }
    );
    let text = format!("{err} {err:?} {client:?}");
    assert!(!text.contains("super-secret"), "{text}");
    // Without the header, innerError's request-id is used.
    let srv = scripted(vec![Step::Respond(
        400,
        vec![],
        r#"{"error":{"code":"badRequest","message":"m","innerError":{"request-id":"inner-rid"}}}"#.into(),
    )])
    .await;
    let err = client_for(&srv.base(), "t").get_me().await.expect_err("400");
    assert!(matches!(&err, GraphError::Api { request_id: Some(r), .. } if r == "inner-rid"), "{err:?}");
}

#[tokio::test]
async fn undecodable_success_is_decode() {
    let srv = scripted(vec![json(200, "<html>proxy login</html>")]).await;
    let err = client_for(&srv.base(), "t").get_me().await.expect_err("decode");
    assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
}

#[tokio::test]
async fn revoke_accepts_200_and_204() {
    let srv = scripted(vec![
        json(200, r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean","value":true}"#),
        Step::Respond(204, vec![], String::new()),
    ])
    .await;
    let c = client_for(&srv.base(), "t");
    c.revoke_sign_in_sessions("u1").await.expect("200");
    c.revoke_sign_in_sessions("u1").await.expect("204");
    let seen = srv.seen();
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].target, "/v1.0/users/u1/revokeSignInSessions");
}

const LINK2: &str = "/v1.0/users?$select=id&$top=999&$count=true&$skiptoken=RFNw%2BdA%3D%3D";
const LINK3: &str = "/v1.0/users?$select=id&$top=999&$count=true&$skiptoken=X%27Y%2FZ%24";

#[tokio::test]
async fn paging_requests_next_links_verbatim_with_headers() {
    let srv = scripted_with(|origin| {
        vec![
            json(200, &format!(r#"{{"@odata.count":3,"value":[{{"id":"a"}}],"@odata.nextLink":"{origin}{LINK2}"}}"#)),
            json(200, &format!(r#"{{"value":[{{"id":"b"}}],"@odata.nextLink":"{origin}{LINK3}"}}"#)),
            json(200, r#"{"value":[{"id":"c"}]}"#),
        ]
    })
    .await;
    let client = client_for(&srv.base(), "t");
    let mut pages = Vec::new();
    client
        .list_all_users(|p| {
            pages.push(p);
            ControlFlow::Continue(())
        })
        .await
        .expect("all pages");
    let ids: Vec<String> = pages.iter().flat_map(|p| p.users.iter().map(|u| u.id.clone())).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(pages[0].total, Some(3));
    assert_eq!(pages[2].next_link, None);
    let seen = srv.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].target, format!("/v1.0/users?$select={DIRECTORY_SELECT}&$top=999&$count=true"));
    assert_eq!(seen[1].target, LINK2, "nextLink requested verbatim");
    assert_eq!(seen[2].target, LINK3, "nextLink requested verbatim");
    for s in &seen {
        assert_eq!(s.header("consistencylevel"), Some("eventual"), "{}", s.target);
        assert!(s.header("client-request-id").is_some());
        assert_eq!(s.header("authorization"), Some("Bearer t"));
    }
}

/// Pages through the whole directory on `srv`, expecting a loop error: (pages delivered, error).
async fn page_through(srv: &Scripted) -> (usize, GraphError) {
    let mut delivered = 0;
    let err = client_for(&srv.base(), "t")
        .list_all_users(|_| {
            delivered += 1;
            ControlFlow::Continue(())
        })
        .await
        .expect_err("loop detected");
    (delivered, err)
}

#[tokio::test]
async fn paging_stops_on_a_repeated_link() {
    let srv = scripted_with(|origin| {
        let page = format!(r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"{origin}{LINK2}"}}"#);
        vec![json(200, &page), json(200, &page), json(200, &page)]
    })
    .await;
    let (delivered, err) = page_through(&srv).await;
    assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
    assert_eq!(delivered, 2);
    assert_eq!(srv.seen().len(), 2, "the repeated link is not requested again");
}

/// A next link equal to the page just fetched (here the first page's own URL, percent-encoded
/// differently) is a loop: that page is never delivered (or stored) twice, and the error counts the
/// pages that were fetched.
#[tokio::test]
async fn a_next_link_equal_to_the_current_page_is_a_loop_not_a_new_page() {
    let first = "/v1.0/users?%24select=id%2CdisplayName%2CuserPrincipalName%2Cmail&%24top=999&%24count=true";
    let srv = scripted_with(|origin| {
        let page = format!(r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"{origin}{FIRST}"}}"#, FIRST = first);
        vec![json(200, &page), json(200, &page)]
    })
    .await;
    let (delivered, err) = page_through(&srv).await;
    let seen = srv.seen();
    assert!(seen[0].target.starts_with("/v1.0/users?$select="), "{}", seen[0].target);
    assert_eq!(delivered, 1, "the first page is delivered once");
    assert_eq!(seen.len(), 1, "and not requested again");
    assert_eq!(
        err.to_string(),
        "unexpected answer from Graph: Graph repeated a next-page link after 1 page; stopped paging"
    );
}

/// A body larger than 32 MiB is refused with a clear error instead of being held in memory.
#[tokio::test]
async fn an_oversized_body_is_refused() {
    let big = format!(r#"{{"value":[],"pad":"{}"}}"#, "x".repeat(tapdesk::graph::client::MAX_BODY_BYTES + 1));
    let srv = scripted(vec![json(200, &big)]).await;
    let err = client_for(&srv.base(), "t").list_users_page(None).await.expect_err("refused");
    assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
    assert!(err.to_string().contains("larger than 32 MiB"), "{err}");
}

#[tokio::test]
async fn next_link_to_another_origin_is_refused() {
    let srv = scripted(vec![json(
        200,
        r#"{"value":[{"id":"a"}],"@odata.nextLink":"http://127.0.0.1:1/v1.0/users?$skiptoken=x"}"#,
    )])
    .await;
    let err =
        client_for(&srv.base(), "t").list_all_users(|_| ControlFlow::Continue(())).await.expect_err("foreign origin");
    assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
    assert_eq!(srv.seen().len(), 1);
}

#[tokio::test]
async fn search_sends_consistency_level_and_escaped_clauses() {
    let srv = scripted(vec![json(200, ONE_USER), json(200, ONE_USER)]).await;
    let c = client_for(&srv.base(), "t");
    c.search_users("O'Brien \"x\" a&b", 25).await.expect("search");
    c.find_users_startswith("O'Brien", 10).await.expect("filter");
    let seen = srv.seen();
    let clause = "O%27Brien%20%5C%22x%5C%22%20a%26b";
    assert_eq!(
        seen[0].target,
        format!(
            "/v1.0/users?$search=%22displayName:{clause}%22%20OR%20%22mail:{clause}%22%20OR%20%22userPrincipalName:{clause}%22&$select={DIRECTORY_SELECT}&$top=25"
        )
    );
    assert_eq!(seen[0].header("consistencylevel"), Some("eventual"));
    assert_eq!(seen[0].header("prefer"), Some("legacySearch=false"), "text has &");
    assert_eq!(
        seen[1].target,
        format!(
            "/v1.0/users?$filter=startswith(displayName,%27O%27%27Brien%27)%20or%20startswith(userPrincipalName,%27O%27%27Brien%27)%20or%20startswith(mail,%27O%27%27Brien%27)&$select={DIRECTORY_SELECT}&$top=10"
        )
    );
}

#[tokio::test]
async fn guest_upn_is_one_encoded_segment() {
    let srv = scripted(vec![json(200, r#"{"id":"g1"}"#)]).await;
    let u =
        client_for(&srv.base(), "t").get_user("kai.meyer_fabrikam.example#EXT#@contoso.example").await.expect("user");
    assert_eq!(u.id, "g1");
    assert_eq!(
        srv.seen()[0].target,
        format!("/v1.0/users/kai.meyer_fabrikam.example%23EXT%23@contoso.example?$select={USER_SELECT}")
    );
}

// ----- Part 2: against the Graph simulator ------------------------------------------------

mod sim {
    use super::*;
    use tapdesk::graph::worker;
    use tapdesk_graph::protocol::{GraphRequest, GraphResponse};
    use tapdesk_graph::types::AuthMethod;
    use tapdesk_sim::demo::{AVERY_FIDO2_ID, AVERY_QUINN_ID, DANA_OKAFOR_ID, KAI_MEYER_ID, SIOBHAN_OBRIEN_ID};
    use tapdesk_sim::{Fault, FaultRule, SimHandle, Tenant};

    const TAPS: &str = "/temporaryAccessPassMethods";

    async fn start() -> (SimHandle, GraphClient) {
        let handle = tapdesk_sim::start(Tenant::demo(2000), "127.0.0.1:0".parse().unwrap()).await.expect("simulator");
        let client = client_for(&handle.graph_base(), &handle.mint_token());
        (handle, client)
    }

    /// A raw GET with the simulator's token, for asserting what the typed client hides.
    async fn raw_get(handle: &SimHandle, path_and_query: &str) -> (u16, serde_json::Value) {
        let resp = reqwest::Client::new()
            .get(format!("{}{}", handle.graph_base(), path_and_query))
            .bearer_auth(handle.mint_token())
            .send()
            .await
            .expect("raw request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }

    #[tokio::test]
    async fn pages_through_2000_users_with_headers_on_every_page() {
        let (handle, client) = start().await;
        let mut pages = Vec::new();
        client
            .list_all_users(|p| {
                pages.push(p);
                ControlFlow::Continue(())
            })
            .await
            .expect("all users");
        assert_eq!(pages.iter().map(|p| p.users.len()).collect::<Vec<_>>(), [999, 999, 2]);
        assert_eq!(pages[0].total, Some(2000));
        let mut ids: Vec<&str> = pages.iter().flat_map(|p| p.users.iter().map(|u| u.id.as_str())).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 2000, "each user exactly once");
        let links: Vec<String> = pages.iter().filter_map(|p| p.next_link.clone()).collect();
        assert_eq!(links.len(), 2);

        let log: Vec<_> = handle.control().requests().into_iter().filter(|r| r.path == "/v1.0/users").collect();
        assert_eq!(log.len(), 3);
        assert_eq!(log[0].query.as_deref(), Some(format!("$select={DIRECTORY_SELECT}&$top=999&$count=true").as_str()));
        for (req, link) in log[1..].iter().zip(&links) {
            let sent = format!(
                "{}{}?{}",
                handle.graph_base().trim_end_matches("/v1.0"),
                req.path,
                req.query.as_deref().unwrap_or("")
            );
            assert_eq!(&sent, link, "nextLink requested verbatim");
        }
        for req in &log {
            assert_eq!(req.header("consistencylevel"), Some("eventual"));
            assert!(req.header("authorization").is_some_and(|a| a.starts_with("Bearer ")));
            assert!(req.header("client-request-id").is_some());
            assert_eq!(req.status, 200);
        }
        let crids: std::collections::HashSet<_> = log.iter().map(|r| r.header("client-request-id")).collect();
        assert_eq!(crids.len(), 3);
        handle.shutdown();
    }

    #[tokio::test]
    async fn worker_streams_pages_and_answers_by_id() {
        let (handle, client) = start().await;
        let (tx, mut rx) = worker::spawn(client);
        tx.send((41, GraphRequest::LoadUsers)).unwrap();
        tx.send((42, GraphRequest::GetTapPolicy)).unwrap();
        let mut pages = Vec::new();
        let mut policy = None;
        while pages.last().is_none_or(|(_, _, done)| !done) || policy.is_none() {
            let reply = rx.recv().await.expect("reply");
            match reply.response {
                GraphResponse::UsersPage { result, total, done } => {
                    assert_eq!(reply.id, 41);
                    pages.push((result.expect("page").len(), total, done));
                }
                GraphResponse::TapPolicy(p) => {
                    assert_eq!(reply.id, 42);
                    policy = Some(p.expect("policy"));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(pages, [(999, Some(2000), false), (999, None, false), (2, None, true)]);
        let p = policy.unwrap();
        assert_eq!((p.minimum_lifetime_in_minutes, p.maximum_lifetime_in_minutes), (60, 480));
        handle.shutdown();
    }

    #[tokio::test]
    async fn search_needs_and_gets_consistency_level() {
        let (handle, client) = start().await;
        // The simulator enforces the rule, so the client's header is what makes this work...
        let (status, body) = raw_get(&handle, "/users?$search=%22displayName:avery%22&$select=id").await;
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], "Request_UnsupportedQuery");
        // ...and the client sends it.
        let users = client.search_users("avery", 25).await.expect("search");
        assert!(users.iter().any(|u| u.id == AVERY_QUINN_ID), "{users:?}");
        let req = handle.control().requests().into_iter().rev().find(|r| r.path == "/v1.0/users").unwrap();
        assert_eq!(req.header("consistencylevel"), Some("eventual"));
        assert_eq!(req.status, 200);
        handle.shutdown();
    }

    #[tokio::test]
    async fn obrien_by_search_and_by_filter() {
        let (handle, client) = start().await;
        let found = client.search_users("O'Brien", 50).await.expect("search");
        assert!(found.iter().any(|u| u.id == SIOBHAN_OBRIEN_ID), "$search: {found:?}");
        let found = client.find_users_startswith("Siobhan O'Brien", 50).await.expect("filter");
        assert!(found.iter().any(|u| u.id == SIOBHAN_OBRIEN_ID), "$filter: {found:?}");
        let found = client.find_users_startswith("siobhan.o", 50).await.expect("filter by UPN");
        assert!(found.iter().any(|u| u.id == SIOBHAN_OBRIEN_ID));
        for r in handle.control().requests() {
            assert_eq!(r.status, 200, "{} {:?}", r.path, r.query);
        }
        handle.shutdown();
    }

    #[tokio::test]
    async fn guest_by_upn_and_operator() {
        let (handle, client) = start().await;
        let kai = client.get_user("kai.meyer_fabrikam.example#EXT#@contoso.example").await.expect("guest");
        assert_eq!(kai.id, KAI_MEYER_ID);
        assert_eq!(kai.user_type.as_deref(), Some("Guest"));
        let req = handle.control().requests().pop().unwrap();
        assert_eq!(req.path, "/v1.0/users/kai.meyer_fabrikam.example%23EXT%23@contoso.example");
        let me = client.get_me().await.expect("me");
        assert_eq!(me.id, DANA_OKAFOR_ID);
        let missing = client.get_user("nobody@contoso.example").await.expect_err("404");
        assert_eq!(missing.status(), Some(404));
        assert_eq!(missing.code(), Some("Request_ResourceNotFound"));
        handle.shutdown();
    }

    #[tokio::test]
    async fn avery_methods() {
        let (handle, client) = start().await;
        let methods = client.list_methods(AVERY_QUINN_ID).await.expect("methods");
        assert!(methods.iter().any(|m| matches!(m, AuthMethod::Password(_))));
        assert!(methods.iter().any(
            |m| matches!(m, AuthMethod::MicrosoftAuthenticator(a) if a.display_name.as_deref() == Some("Pixel 8"))
        ));
        let fido = methods
            .iter()
            .find_map(|m| match m {
                AuthMethod::Fido2(f) => Some(f),
                _ => None,
            })
            .expect("FIDO2 key");
        assert_eq!(fido.base.id, AVERY_FIDO2_ID);
        assert_eq!(fido.display_name.as_deref(), Some("YubiKey 5 NFC"));
        assert_eq!(fido.aa_guid.as_deref(), Some("cb69481e-8ff7-4039-93ec-0a2729a154a8"));
        handle.shutdown();
    }

    #[tokio::test]
    async fn tap_create_list_replace() {
        let (handle, client) = start().await;
        let body = TapCreateRequest { lifetime_in_minutes: Some(60), is_usable_once: Some(true), ..Default::default() };
        let first = client.create_tap(SIOBHAN_OBRIEN_ID, &body).await.expect("created");
        assert_eq!(first.temporary_access_pass.expose_secret().chars().count(), 8);
        assert_eq!(first.method.lifetime_in_minutes, Some(60));
        assert_eq!(first.method.is_usable_once, Some(true));
        let listed = client.list_taps(SIOBHAN_OBRIEN_ID).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].base.id, first.method.base.id);
        // The list never carries the pass.
        let (status, raw) =
            raw_get(&handle, &format!("/users/{SIOBHAN_OBRIEN_ID}/authentication/temporaryAccessPassMethods")).await;
        assert_eq!(status, 200);
        assert_eq!(raw["value"][0]["temporaryAccessPass"], serde_json::Value::Null);

        let second = client.create_tap(SIOBHAN_OBRIEN_ID, &TapCreateRequest::default()).await.expect("created again");
        assert_ne!(second.method.base.id, first.method.base.id);
        let listed = client.list_taps(SIOBHAN_OBRIEN_ID).await.expect("list");
        assert_eq!(listed.len(), 1, "the second pass replaced the first");
        assert_eq!(listed[0].base.id, second.method.base.id);
        let posts: Vec<_> = handle.control().requests().into_iter().filter(|r| r.method == "POST").collect();
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].header("content-type"), Some("application/json"));
        handle.shutdown();
    }

    #[tokio::test]
    async fn tap_lifetime_out_of_policy_range() {
        let (handle, client) = start().await;
        for minutes in [30, 481] {
            let body = TapCreateRequest { lifetime_in_minutes: Some(minutes), ..Default::default() };
            let err = client.create_tap(SIOBHAN_OBRIEN_ID, &body).await.expect_err("out of range");
            match &err {
                GraphError::Api { status, code, message, request_id } => {
                    assert_eq!(*status, 400);
                    assert_eq!(code, "badRequest");
                    assert_eq!(message, "Invalid LifetimeInMinutes specified. The valid range between 60 and 480.");
                    assert!(request_id.is_some());
                }
                other => panic!("{minutes}: {other:?}"),
            }
        }
        assert!(client.list_taps(SIOBHAN_OBRIEN_ID).await.unwrap().is_empty());
        handle.shutdown();
    }

    #[tokio::test]
    async fn fido2_delete_then_404() {
        let (handle, client) = start().await;
        client.delete_method(AVERY_QUINN_ID, "fido2Methods", AVERY_FIDO2_ID).await.expect("204");
        let err = client.delete_method(AVERY_QUINN_ID, "fido2Methods", AVERY_FIDO2_ID).await.expect_err("gone");
        assert_eq!(err.status(), Some(404));
        let deletes: Vec<_> = handle.control().requests().into_iter().filter(|r| r.method == "DELETE").collect();
        assert_eq!(deletes.len(), 2);
        assert_eq!(
            deletes[0].path,
            format!("/v1.0/users/{AVERY_QUINN_ID}/authentication/fido2Methods/-aVq9Yk5%2Bnfc%2FAvery0Qw%3D%3D")
        );
        assert_eq!(deletes[0].status, 204);
        assert_eq!(deletes[1].status, 404);
        let methods = client.list_methods(AVERY_QUINN_ID).await.unwrap();
        assert!(!methods.iter().any(|m| matches!(m, AuthMethod::Fido2(_))));
        handle.shutdown();
    }

    #[tokio::test]
    async fn three_throttles_then_success() {
        let (handle, client) = start().await;
        handle.control().inject(
            FaultRule::new(None, "/authentication/methods", Fault::Throttle { retry_after: Some("0.05".into()) })
                .times(3),
        );
        let methods = client.list_methods(AVERY_QUINN_ID).await.expect("methods");
        assert!(!methods.is_empty());
        let statuses: Vec<u16> = handle.control().requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [429, 429, 429, 200]);
        handle.shutdown();
    }

    /// Through the worker, a throttled request says it waits (length, status, topic) before each
    /// wait and that the wait is over; its answer follows.
    #[tokio::test]
    async fn the_worker_tells_of_each_throttling_wait_then_answers() {
        let (handle, client) = start().await;
        handle.control().inject(
            FaultRule::new(None, "/authentication/methods", Fault::Throttle { retry_after: Some("0.2".into()) })
                .times(2),
        );
        let (tx, mut rx) = worker::spawn(client);
        tx.send((5, GraphRequest::ListMethods { user_id: AVERY_QUINN_ID.into() })).unwrap();
        let mut seen = Vec::new();
        loop {
            let reply = rx.recv().await.expect("reply");
            assert_eq!(reply.id, 5);
            match reply.response {
                GraphResponse::Waiting { wait_ms, status, topic } => seen.push((wait_ms, status, topic)),
                GraphResponse::Methods { result, .. } => {
                    assert!(!result.expect("methods").is_empty());
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            seen,
            [
                (200, 429, "reading the methods"),
                (0, 0, "reading the methods"),
                (200, 429, "reading the methods"),
                (0, 0, "reading the methods")
            ]
        );
        handle.shutdown();
    }

    /// `CancelWait` ends a long wait at once: the request fails as cancelled and nothing more is
    /// sent. A wait of an hour is waited for (it is shown and can be cancelled) by the worker.
    #[tokio::test]
    async fn cancelling_a_long_wait_ends_the_request_and_sends_nothing_more() {
        let (handle, client) = start().await;
        handle.control().inject(
            FaultRule::new(Some(reqwest::Method::POST), TAPS, Fault::Throttle { retry_after: Some("3600".into()) })
                .times(1),
        );
        let (tx, mut rx) = worker::spawn(client);
        tx.send((9, GraphRequest::CreateTap { user_id: SIOBHAN_OBRIEN_ID.into(), body: TapCreateRequest::default() }))
            .unwrap();
        let first = rx.recv().await.expect("reply");
        assert!(
            matches!(
                first.response,
                GraphResponse::Waiting { wait_ms: 3_600_000, status: 429, topic: "issuing the pass" }
            ),
            "{:?}",
            first.response
        );
        let started = Instant::now();
        tx.send((10, GraphRequest::CancelWait { target: 9 })).unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("answered").expect("reply");
        assert_eq!(answer.id, 9);
        match answer.response {
            GraphResponse::TapCreated { result: Err(GraphError::Cancelled(why)), .. } => {
                assert_eq!(
                    why,
                    "you cancelled the wait of 1 h 0 min Graph asked for (HTTP 429); nothing more was sent"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(2));
        let posts = handle.control().requests().into_iter().filter(|r| r.method == "POST").count();
        assert_eq!(posts, 1, "nothing more was sent after the cancel");
        handle.shutdown();
    }

    /// Without someone watching (no worker), a `Retry-After` beyond the policy's limit is not
    /// waited for: the error says the wait in words.
    #[tokio::test]
    async fn an_unwatched_long_retry_after_is_said_in_words() {
        let (handle, client) = start().await;
        handle.control().inject(
            FaultRule::new(None, "/authentication/methods", Fault::Throttle { retry_after: Some("3600".into()) })
                .times(1),
        );
        let err = client.list_methods(AVERY_QUINN_ID).await.expect_err("not waited for");
        assert_eq!(
            err.to_string(),
            "Graph asked tapdesk to wait 1 h 0 min before trying again (HTTP 429); not retried"
        );
        handle.shutdown();
    }

    #[tokio::test]
    async fn tap_create_not_retried_after_drop_and_recovery_lists_it() {
        let (handle, client) = start().await;
        handle.control().inject(FaultRule::new(Some(reqwest::Method::POST), TAPS, Fault::DropAfterCommit).times(1));
        let err = client.create_tap(SIOBHAN_OBRIEN_ID, &TapCreateRequest::default()).await.expect_err("uncertain");
        assert!(matches!(err, GraphError::Uncertain(_)), "{err:?}");
        let posts = handle.control().requests().into_iter().filter(|r| r.method == "POST").count();
        assert_eq!(posts, 1, "never retried blindly");
        // The recovery path: the pass was in fact created.
        let taps = client.list_taps(SIOBHAN_OBRIEN_ID).await.expect("list");
        assert_eq!(taps.len(), 1);
        handle.shutdown();
    }

    #[tokio::test]
    async fn tap_create_retried_after_429() {
        let (handle, client) = start().await;
        handle.control().inject(
            FaultRule::new(Some(reqwest::Method::POST), TAPS, Fault::Throttle { retry_after: Some("0".into()) })
                .times(1),
        );
        let tap =
            client.create_tap(SIOBHAN_OBRIEN_ID, &TapCreateRequest::default()).await.expect("created on the retry");
        assert!(!tap.temporary_access_pass.expose_secret().is_empty());
        let statuses: Vec<u16> =
            handle.control().requests().iter().filter(|r| r.method == "POST").map(|r| r.status).collect();
        assert_eq!(statuses, [429, 201]);
        handle.shutdown();
    }

    #[tokio::test]
    async fn revoke_sessions_200_and_204() {
        let (handle, client) = start().await;
        client.revoke_sign_in_sessions(AVERY_QUINN_ID).await.expect("200");
        let mut settings = handle.control().with_tenant(|t| t.settings.clone());
        settings.revoke_returns_no_content = true;
        handle.control().set_settings(settings);
        client.revoke_sign_in_sessions(AVERY_QUINN_ID).await.expect("204");
        let statuses: Vec<u16> = handle.control().requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, [200, 204]);
        handle.shutdown();
    }

    #[tokio::test]
    async fn expired_token_is_an_api_401() {
        let (handle, client) = start().await;
        handle.control().expire_tokens();
        let err = client.get_me().await.expect_err("expired");
        assert_eq!(err.status(), Some(401), "{err:?}");
        assert_eq!(handle.control().requests().len(), 1, "a 401 is not retried with the same token");
        handle.shutdown();
    }
}
