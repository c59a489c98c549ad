//! The real Graph client over real HTTP on 127.0.0.1.
//!
//! Part 1 uses a scripted raw-TCP server (this file) for what a well-behaved server cannot show:
//! throttling with `Retry-After`, 503/504, dropped connections, hangs, and exactly how many
//! requests each case sends. Part 2 runs against the Graph simulator (`tapdesk::sim`).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use secrecy::ExposeSecret;
use tapdesk::graph::GraphError;
use tapdesk::graph::client::{GraphClient, RetryPolicy, USER_SELECT};
use tapdesk::graph::types::TapCreateRequest;
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
    RetryPolicy::new(
        4,
        Duration::from_millis(10),
        Duration::from_millis(40),
        Duration::from_secs(5),
    )
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
    Step::Respond(
        status,
        vec![("request-id", format!("rid-{status}"))],
        body.to_owned(),
    )
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
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
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
                        let _ = sock
                            .write_all(b"HTTP/1.1 500 X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
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
    assert!(
        took >= Duration::from_millis(170),
        "Retry-After honoured: {took:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "Retry-After used instead of the 30 s backoff: {took:?}"
    );
    let seen = srv.seen();
    assert_eq!(seen.len(), 4);
    let ids: std::collections::HashSet<_> = seen
        .iter()
        .map(|s| s.header("client-request-id").expect("client-request-id").to_owned())
        .collect();
    assert_eq!(ids.len(), 4, "a fresh client-request-id per attempt");
    for s in &seen {
        assert_eq!(s.header("authorization"), Some("Bearer tok-abc"));
        assert!(uuid::Uuid::parse_str(s.header("client-request-id").unwrap()).is_ok());
        assert_eq!(s.target, seen[0].target, "same URL every time");
    }
}

#[tokio::test]
async fn throttling_gives_up_after_max_retries_with_the_graph_error() {
    let steps = (0..5)
        .map(|_| with_header(json(429, THROTTLED), "Retry-After", "0"))
        .collect();
    let srv = scripted(steps).await;
    let err = client_for(&srv.base(), "t")
        .get_tap_policy()
        .await
        .expect_err("throttled");
    assert_eq!(srv.seen().len(), 5, "1 try + 4 retries");
    match err {
        GraphError::Api {
            status,
            code,
            request_id,
            ..
        } => {
            assert_eq!(status, 429);
            assert_eq!(code, "TooManyRequests");
            assert_eq!(request_id.as_deref(), Some("rid-429"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn retry_after_beyond_the_limit_is_not_waited_for() {
    let srv = scripted(vec![with_header(json(429, THROTTLED), "Retry-After", "3600")]).await;
    let started = Instant::now();
    let err = client_for(&srv.base(), "t")
        .get_me()
        .await
        .expect_err("throttled");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.status(), Some(429));
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
    let methods = client_for(&srv.base(), "t")
        .list_methods("0f8e2d6c-7a41-4b9e-8d2c-3e5f6a7b8c02")
        .await
        .expect("methods");
    assert!(methods.is_empty());
    let seen = srv.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(
        seen[0].target,
        "/v1.0/users/0f8e2d6c-7a41-4b9e-8d2c-3e5f6a7b8c02/authentication/methods"
    );
}

#[tokio::test]
async fn tap_create_is_not_retried_after_a_dropped_connection() {
    let srv = scripted(vec![Step::Drop, json(201, CREATED)]).await;
    let body = TapCreateRequest {
        lifetime_in_minutes: Some(60),
        is_usable_once: Some(true),
        ..Default::default()
    };
    let err = client_for(&srv.base(), "t")
        .create_tap("u1", &body)
        .await
        .expect_err("uncertain");
    assert!(matches!(err, GraphError::Uncertain(_)), "{err:?}");
    assert!(err.to_string().contains("Temporary Access Pass"), "{err}");
    assert_eq!(srv.seen().len(), 1, "exactly one POST");
}

#[tokio::test]
async fn tap_create_is_not_retried_after_5xx() {
    for status in [500u16, 502, 503, 504] {
        let srv = scripted(vec![
            with_header(
                json(status, r#"{"error":{"code":"generalException","message":"x"}}"#),
                "Retry-After",
                "0",
            ),
            json(201, CREATED),
        ])
        .await;
        let err = client_for(&srv.base(), "t")
            .create_tap("u1", &TapCreateRequest::default())
            .await
            .expect_err("uncertain");
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
    let err = client
        .create_tap("u1", &TapCreateRequest::default())
        .await
        .expect_err("uncertain");
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
    let srv = scripted(vec![
        with_header(json(429, THROTTLED), "Retry-After", "0.01"),
        json(201, CREATED),
    ])
    .await;
    let body = TapCreateRequest {
        start_date_time: Some("2026-01-01T00:00:00Z".parse().unwrap()),
        lifetime_in_minutes: Some(60),
        is_usable_once: Some(true),
    };
    let tap = client_for(&srv.base(), "t")
        .create_tap("u1", &body)
        .await
        .expect("created");
    assert_eq!(tap.temporary_access_pass.expose_secret(), "Q#x'%Pa+s");
    assert!(!format!("{tap:?}").contains("Pa+s"));
    let seen = srv.seen();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(
            s.target,
            "/v1.0/users/u1/authentication/temporaryAccessPassMethods"
        );
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
    let srv = scripted(vec![json(
        201,
        r#"{"id":"t1","temporaryAccessPass":"Leak+Me","lifetimeInMinutes":"Leak+Me"}"#,
    )])
    .await;
    let err = client_for(&srv.base(), "t")
        .create_tap("u1", &TapCreateRequest::default())
        .await
        .expect_err("unreadable");
    assert!(matches!(err, GraphError::Uncertain(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("Leak"), "{text}");
}

#[tokio::test]
async fn tap_create_refused_connection_is_not_uncertain() {
    // Bind then drop to get a port with nothing listening.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let err = client_for(&format!("http://{addr}/v1.0"), "t")
        .create_tap("u1", &TapCreateRequest::default())
        .await
        .expect_err("refused");
    assert!(matches!(err, GraphError::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn delete_404_after_dropped_attempt_counts_as_done() {
    let srv = scripted(vec![
        Step::Drop,
        json(404, r#"{"error":{"code":"itemNotFound","message":"gone"}}"#),
    ])
    .await;
    client_for(&srv.base(), "t")
        .delete_method("u1", "fido2Methods", "-aVq9Yk5+nfc/Avery0Qw==")
        .await
        .expect("deleted by the first attempt");
    let seen = srv.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "DELETE");
    assert_eq!(
        seen[0].target,
        "/v1.0/users/u1/authentication/fido2Methods/-aVq9Yk5%2Bnfc%2FAvery0Qw%3D%3D"
    );
    // A plain 404 stays an error.
    let srv = scripted(vec![json(
        404,
        r#"{"error":{"code":"itemNotFound","message":"gone"}}"#,
    )])
    .await;
    let err = client_for(&srv.base(), "t")
        .delete_method("u1", "fido2Methods", "x")
        .await
        .expect_err("404");
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
        r#"{"error":{"code":"badRequest","message":"m","innerError":{"request-id":"inner-rid"}}}"#
            .into(),
    )])
    .await;
    let err = client_for(&srv.base(), "t").get_me().await.expect_err("400");
    assert!(
        matches!(&err, GraphError::Api { request_id: Some(r), .. } if r == "inner-rid"),
        "{err:?}"
    );
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
        json(
            200,
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean","value":true}"#,
        ),
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
            json(
                200,
                &format!(r#"{{"@odata.count":3,"value":[{{"id":"a"}}],"@odata.nextLink":"{origin}{LINK2}"}}"#),
            ),
            json(
                200,
                &format!(r#"{{"value":[{{"id":"b"}}],"@odata.nextLink":"{origin}{LINK3}"}}"#),
            ),
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
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.users.iter().map(|u| u.id.clone()))
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(pages[0].total, Some(3));
    assert_eq!(pages[2].next_link, None);
    let seen = srv.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen[0].target,
        format!("/v1.0/users?$select={USER_SELECT}&$top=999&$count=true")
    );
    assert_eq!(seen[1].target, LINK2, "nextLink requested verbatim");
    assert_eq!(seen[2].target, LINK3, "nextLink requested verbatim");
    for s in &seen {
        assert_eq!(s.header("consistencylevel"), Some("eventual"), "{}", s.target);
        assert!(s.header("client-request-id").is_some());
        assert_eq!(s.header("authorization"), Some("Bearer t"));
    }
}

#[tokio::test]
async fn paging_stops_on_a_repeated_link() {
    let srv = scripted_with(|origin| {
        let page = format!(r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"{origin}{LINK2}"}}"#);
        vec![json(200, &page), json(200, &page), json(200, &page)]
    })
    .await;
    let mut delivered = 0;
    let err = client_for(&srv.base(), "t")
        .list_all_users(|_| {
            delivered += 1;
            ControlFlow::Continue(())
        })
        .await
        .expect_err("loop detected");
    assert!(matches!(err, GraphError::Decode(_)), "{err:?}");
    assert_eq!(delivered, 2);
    assert_eq!(srv.seen().len(), 2, "the repeated link is not requested again");
}

#[tokio::test]
async fn next_link_to_another_origin_is_refused() {
    let srv = scripted(vec![json(
        200,
        r#"{"value":[{"id":"a"}],"@odata.nextLink":"http://127.0.0.1:1/v1.0/users?$skiptoken=x"}"#,
    )])
    .await;
    let err = client_for(&srv.base(), "t")
        .list_all_users(|_| ControlFlow::Continue(()))
        .await
        .expect_err("foreign origin");
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
            "/v1.0/users?$search=%22displayName:{clause}%22%20OR%20%22mail:{clause}%22%20OR%20%22userPrincipalName:{clause}%22&$select={USER_SELECT}&$top=25"
        )
    );
    assert_eq!(seen[0].header("consistencylevel"), Some("eventual"));
    assert_eq!(seen[0].header("prefer"), Some("legacySearch=false"), "text has &");
    assert_eq!(
        seen[1].target,
        format!(
            "/v1.0/users?$filter=startswith(displayName,%27O%27%27Brien%27)%20or%20startswith(userPrincipalName,%27O%27%27Brien%27)%20or%20startswith(mail,%27O%27%27Brien%27)&$select={USER_SELECT}&$top=10"
        )
    );
}

#[tokio::test]
async fn guest_upn_is_one_encoded_segment() {
    let srv = scripted(vec![json(200, r#"{"id":"g1"}"#)]).await;
    let u = client_for(&srv.base(), "t")
        .get_user("kai.meyer_fabrikam.example#EXT#@contoso.example")
        .await
        .expect("user");
    assert_eq!(u.id, "g1");
    assert_eq!(
        srv.seen()[0].target,
        format!("/v1.0/users/kai.meyer_fabrikam.example%23EXT%23@contoso.example?$select={USER_SELECT}")
    );
}
