//! The background task that owns the [`GraphClient`]: requests arrive tagged with a
//! [`RequestId`], each is served on its own tokio task, and the answer goes back tagged with the
//! same id so the render loop can drop stale ones. The render loop never awaits the network.
//!
//! Start it with [`spawn`] (inside a tokio runtime). It stops when the request sender is dropped;
//! requests still in flight finish (or stop early if the reply receiver is gone).

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};

use super::client::{GraphClient, WaitHooks};
use tapdesk_graph::protocol::{GraphRequest, GraphResponse, Reply, RequestId};

/// Starts the worker on the current tokio runtime (panics outside one, like `tokio::spawn`).
///
/// Send `(id, request)` on the returned sender; each request is served on its own task and
/// answered on the returned receiver as [`Reply`]s carrying the same id, in completion order.
/// [`GraphRequest::LoadUsers`] answers once per page. A request throttled by Graph also answers
/// [`GraphResponse::Waiting`] before each wait; [`GraphRequest::CancelWait`] ends such a wait
/// (the request then answers with [`GraphError::Cancelled`](tapdesk_graph::GraphError)). Dropping the sender stops the worker once
/// the requests in flight are done.
pub fn spawn(
    client: GraphClient,
) -> (mpsc::UnboundedSender<(RequestId, GraphRequest)>, mpsc::UnboundedReceiver<Reply>) {
    let (req_tx, mut req_rx) = mpsc::unbounded_channel::<(RequestId, GraphRequest)>();
    let (reply_tx, reply_rx) = mpsc::unbounded_channel::<Reply>();
    tokio::spawn(async move {
        // The cancel switch of each request in flight, for `CancelWait`.
        let waits: Arc<Mutex<HashMap<RequestId, Arc<Notify>>>> = Arc::default();
        while let Some((id, request)) = req_rx.recv().await {
            if let GraphRequest::CancelWait { target } = request {
                if let Some(cancel) = waits.lock().unwrap_or_else(PoisonError::into_inner).get(&target) {
                    cancel.notify_one();
                }
                continue;
            }
            let cancel = Arc::new(Notify::new());
            waits.lock().unwrap_or_else(PoisonError::into_inner).insert(id, cancel.clone());
            let tx = reply_tx.clone();
            let notify_tx = reply_tx.clone();
            let topic = request.topic();
            let notify = Arc::new(move |wait: Duration, status: u16| {
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                let _ = notify_tx.send(Reply { id, response: GraphResponse::Waiting { wait_ms, status, topic } });
            });
            let client = client.clone().with_wait_hooks(WaitHooks { notify, cancel });
            let waits = waits.clone();
            tokio::spawn(async move {
                serve(client, id, request, tx).await;
                waits.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
            });
        }
    });
    (req_tx, reply_rx)
}

/// Serves one request, sending its reply (or replies, for `LoadUsers`) on `tx`.
async fn serve(client: GraphClient, id: RequestId, request: GraphRequest, tx: mpsc::UnboundedSender<Reply>) {
    let send = |response: GraphResponse| tx.send(Reply { id, response }).is_ok();
    match request {
        GraphRequest::LoadUsers => {
            let result = client
                .list_all_users(|page| {
                    let done = page.next_link.is_none();
                    let ok = send(GraphResponse::UsersPage { result: Ok(page.users), total: page.total, done });
                    if ok { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
                })
                .await;
            if let Err(e) = result {
                send(GraphResponse::UsersPage { result: Err(e), total: None, done: true });
            }
        }
        GraphRequest::ListMethods { user_id } => {
            let result = client.list_methods(&user_id).await;
            send(GraphResponse::Methods { user_id, result });
        }
        GraphRequest::CreateTap { user_id, body } => {
            let result = client.create_tap(&user_id, &body).await;
            send(GraphResponse::TapCreated { user_id, result });
        }
        GraphRequest::GetTapPolicy => {
            send(GraphResponse::TapPolicy(client.get_tap_policy().await));
        }
        GraphRequest::SearchUsers { text, top } => {
            let result = client.search_users(&text, top).await;
            send(GraphResponse::UsersFound { text, result });
        }
        GraphRequest::FindUsersStartingWith { text, top } => {
            let result = client.find_users_startswith(&text, top).await;
            send(GraphResponse::UsersFound { text, result });
        }
        GraphRequest::GetUser { id_or_upn } => {
            let result = client.get_user(&id_or_upn).await;
            send(GraphResponse::User { id_or_upn, result });
        }
        GraphRequest::GetMe => {
            send(GraphResponse::Me(client.get_me().await));
        }
        GraphRequest::UpdateTapPolicy { patch } => {
            send(GraphResponse::PolicyUpdated(client.update_tap_policy(&patch).await));
        }
        GraphRequest::GetUserCard { user_id } => {
            let result = client.get_user_card(&user_id).await.map(Box::new);
            send(GraphResponse::UserCard { user_id, result });
        }
        GraphRequest::ListTaps { user_id } => {
            let result = client.list_taps(&user_id).await;
            send(GraphResponse::Taps { user_id, result });
        }
        GraphRequest::DeleteMethod { user_id, segment, method_id } => {
            let result = client.delete_method(&user_id, &segment, &method_id).await;
            send(GraphResponse::MethodDeleted { user_id, method_id, result });
        }
        GraphRequest::RevokeSessions { user_id } => {
            let result = client.revoke_sign_in_sessions(&user_id).await;
            send(GraphResponse::SessionsRevoked { user_id, result });
        }
        // Handled by the dispatcher in `spawn`, never served.
        GraphRequest::CancelWait { .. } => {}
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tapdesk_graph::error::GraphError;

    use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};

    #[derive(Debug)]
    struct NoToken;

    #[async_trait::async_trait]
    impl TokenCredential for NoToken {
        async fn get_token(
            &self,
            _scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            Err(azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, "offline"))
        }
    }

    #[tokio::test]
    async fn replies_carry_the_request_id_and_errors_end_paging() {
        let client =
            GraphClient::new(url::Url::parse("http://127.0.0.1:9/v1.0").expect("url"), Arc::new(NoToken), vec![])
                .expect("client");
        let (tx, mut rx) = spawn(client);
        tx.send((7, GraphRequest::LoadUsers)).expect("send");
        let reply = rx.recv().await.expect("reply");
        assert_eq!(reply.id, 7);
        match reply.response {
            GraphResponse::UsersPage { result: Err(GraphError::Token(_)), total: None, done: true } => {}
            other => panic!("unexpected {other:?}"),
        }
        tx.send((
            8,
            GraphRequest::DeleteMethod {
                user_id: "u".into(),
                segment: "fido2Methods".into(),
                method_id: String::new(),
            },
        ))
        .expect("send");
        let reply = rx.recv().await.expect("reply");
        assert_eq!(reply.id, 8);
        assert!(matches!(
            reply.response,
            GraphResponse::MethodDeleted { result: Err(GraphError::InvalidInput(_)), .. }
        ));
        drop(tx);
        assert!(rx.recv().await.is_none(), "worker stops when the sender is dropped");
    }
}
