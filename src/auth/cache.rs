//! A small access-token cache, and a [`TokenCredential`] wrapper that adds it (and a time limit) to
//! credentials that have none, such as azure_identity's `AzureCliCredential`.
//!
//! Tokens are kept per scope list and reused until [`DEFAULT_REFRESH_MARGIN`] (5 minutes, as the
//! Azure SDKs do) before `expires_on`. Tokens live in memory only.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::OffsetDateTime;

/// Time before expiry at which a cached token is no longer handed out.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The cache key for a scope list (order and case do not matter).
pub fn scope_key(scopes: &[&str]) -> String {
    let mut v: Vec<String> = scopes.iter().map(|s| s.to_ascii_lowercase()).collect();
    v.sort();
    v.dedup();
    v.join(" ")
}

/// Access tokens by scope list.
#[derive(Default)]
pub struct TokenCache {
    tokens: HashMap<String, AccessToken>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache").field("entries", &self.tokens.len()).finish()
    }
}

impl TokenCache {
    /// The cached token for `scopes` if it is valid for more than `margin` from now.
    pub fn get(&self, scopes: &[&str], margin: Duration) -> Option<AccessToken> {
        let t = self.tokens.get(&scope_key(scopes))?;
        let margin = azure_core::time::Duration::try_from(margin).unwrap_or(azure_core::time::Duration::MAX);
        (t.expires_on - margin > OffsetDateTime::now_utc()).then(|| t.clone())
    }

    /// Remembers `token` for `scopes`.
    pub fn put(&mut self, scopes: &[&str], token: AccessToken) {
        self.tokens.insert(scope_key(scopes), token);
    }

    /// Forgets every token.
    pub fn clear(&mut self) {
        self.tokens.clear();
    }
}

/// Adds [`TokenCache`] and a time limit per token request to another credential. Concurrent
/// requests for the same scopes wait for one call.
pub struct CachedCredential {
    inner: Arc<dyn TokenCredential>,
    cache: tokio::sync::Mutex<TokenCache>,
    timeout: Duration,
    margin: Duration,
    name: &'static str,
}

impl fmt::Debug for CachedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCredential").field("name", &self.name).field("timeout", &self.timeout).finish()
    }
}

impl CachedCredential {
    /// Wraps `inner`; each call to it may take `timeout`; `name` (e.g. `Azure CLI`) is used in the
    /// timeout message.
    pub fn new(inner: Arc<dyn TokenCredential>, timeout: Duration, name: &'static str) -> Self {
        Self {
            inner,
            cache: tokio::sync::Mutex::new(TokenCache::default()),
            timeout,
            margin: DEFAULT_REFRESH_MARGIN,
            name,
        }
    }

    /// The same wrapper with another refresh margin (tests use short-lived tokens).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Forgets cached tokens (the next call asks the inner credential).
    pub async fn clear(&self) {
        self.cache.lock().await.clear();
    }
}

#[async_trait::async_trait]
impl TokenCredential for CachedCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = cache.get(scopes, self.margin) {
            return Ok(t);
        }
        let token =
            tokio::time::timeout(self.timeout, self.inner.get_token(scopes, options)).await.map_err(|_| {
                azure_core::Error::with_message(
                    ErrorKind::Credential,
                    format!("{} did not answer within {:?}", self.name, self.timeout),
                )
            })??;
        cache.put(scopes, token.clone());
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    struct Counting(AtomicU32, i64);

    #[async_trait::async_trait]
    impl TokenCredential for Counting {
        async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            Ok(AccessToken::new(
                format!("t{n}"),
                OffsetDateTime::now_utc() + azure_core::time::Duration::seconds(self.1),
            ))
        }
    }

    #[tokio::test]
    async fn reuses_until_the_margin() {
        let inner = Arc::new(Counting(AtomicU32::new(0), 3600));
        let c = CachedCredential::new(inner.clone(), Duration::from_secs(5), "test");
        let a = c.get_token(&["s1", "s2"], None).await.unwrap();
        let b = c.get_token(&["S2", "s1"], None).await.unwrap();
        assert_eq!(a.token.secret(), b.token.secret());
        assert_eq!(inner.0.load(Ordering::SeqCst), 1);
        c.get_token(&["other"], None).await.unwrap();
        assert_eq!(inner.0.load(Ordering::SeqCst), 2);

        // A token inside the 5-minute margin is not reused.
        let short = Arc::new(Counting(AtomicU32::new(0), 200));
        let c = CachedCredential::new(short.clone(), Duration::from_secs(5), "test");
        c.get_token(&["s"], None).await.unwrap();
        c.get_token(&["s"], None).await.unwrap();
        assert_eq!(short.0.load(Ordering::SeqCst), 2);
    }

    #[derive(Debug)]
    struct Slow;

    #[async_trait::async_trait]
    impl TokenCredential for Slow {
        async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Err(azure_core::Error::with_message(ErrorKind::Credential, "never"))
        }
    }

    #[tokio::test]
    async fn times_out_with_a_message() {
        let c = CachedCredential::new(Arc::new(Slow), Duration::from_millis(50), "Azure CLI");
        let e = c.get_token(&["s"], None).await.unwrap_err();
        assert_eq!(e.to_string(), "Azure CLI did not answer within 50ms");
    }
}
