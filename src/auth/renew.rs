//! A new access token on demand, for a `401` on a token that should still be valid.
//!
//! Graph may refuse a token before it expires (the session was revoked, the token was issued
//! before a policy change, a clock skew). Credentials keep their tokens until 5 minutes before
//! expiry, so asking again returns the same refused token. [`TokenRenewer::renew`] gets a new one
//! past every cache; `GraphClient::with_renewer` calls it once per request on a plain `401` and
//! sends the request once more (safe for a TAP create too: Graph refused it before doing
//! anything).
//!
//! - [`RenewableCredential`] wraps the azure_identity credentials (client secret, certificate,
//!   managed and workload identity) and the Azure CLI one: azure_identity has no way to bypass
//!   its token cache, so a renewal builds the credential again (a fresh, empty cache) from the
//!   same settings and asks it.
//! - The device-code credential renews with its refresh token; when the STS refuses that too, its
//!   prompt comes back (in the TUI, the sign-in popup).

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;

/// A credential that can get a new token, never a cached one.
#[async_trait::async_trait]
pub trait TokenRenewer: Send + Sync + fmt::Debug {
    /// A token for `scopes` other than `refused` (the token Graph refused, as sent); later
    /// `get_token` calls return it. When another request renewed meanwhile, its token is
    /// returned: many requests refused at once cost one renewal.
    ///
    /// # Errors
    /// The credential's failure (rebuilding it, or the token endpoint's refusal).
    async fn renew(&self, scopes: &[&str], refused: &str) -> azure_core::Result<AccessToken>;
}

/// Builds a fresh credential from the session's settings (a sentence on failure).
pub type CredentialFactory = Box<dyn Fn() -> Result<Arc<dyn TokenCredential>, String> + Send + Sync>;

/// A credential that delegates to another and, on [`TokenRenewer::renew`], replaces it with a
/// freshly built one (see the module doc).
pub struct RenewableCredential {
    current: RwLock<Arc<dyn TokenCredential>>,
    factory: CredentialFactory,
    /// One renewal at a time (the others then find the new token).
    renewing: tokio::sync::Mutex<()>,
}

impl fmt::Debug for RenewableCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenewableCredential").finish_non_exhaustive()
    }
}

impl RenewableCredential {
    /// Starts with `first`; `factory` builds the replacement on each renewal.
    pub fn new(first: Arc<dyn TokenCredential>, factory: CredentialFactory) -> Self {
        Self { current: RwLock::new(first), factory, renewing: tokio::sync::Mutex::new(()) }
    }

    fn current(&self) -> Arc<dyn TokenCredential> {
        self.current.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

#[async_trait::async_trait]
impl TokenCredential for RenewableCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.current().get_token(scopes, options).await
    }
}

#[async_trait::async_trait]
impl TokenRenewer for RenewableCredential {
    async fn renew(&self, scopes: &[&str], refused: &str) -> azure_core::Result<AccessToken> {
        let _one = self.renewing.lock().await;
        if let Ok(t) = self.current().get_token(scopes, None).await
            && t.token.secret() != refused
        {
            return Ok(t);
        }
        let fresh = (self.factory)().map_err(|e| azure_core::Error::with_message(ErrorKind::Credential, e))?;
        let token = fresh.get_token(scopes, None).await?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(token)
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Hands out `tok-N`, N counting the credentials built, and caches it forever.
    #[derive(Debug)]
    struct Numbered(usize);

    #[async_trait::async_trait]
    impl TokenCredential for Numbered {
        async fn get_token(&self, _: &[&str], _: Option<TokenRequestOptions<'_>>) -> azure_core::Result<AccessToken> {
            Ok(AccessToken::new(
                format!("tok-{}", self.0),
                azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
            ))
        }
    }

    #[tokio::test]
    async fn renewing_builds_a_fresh_credential_and_keeps_it() {
        let built = Arc::new(AtomicUsize::new(1));
        let b = built.clone();
        let cred = RenewableCredential::new(
            Arc::new(Numbered(1)),
            Box::new(move || Ok(Arc::new(Numbered(b.fetch_add(1, Ordering::SeqCst) + 1)) as Arc<dyn TokenCredential>)),
        );
        assert_eq!(cred.get_token(&["s"], None).await.unwrap().token.secret(), "tok-1");
        assert_eq!(cred.renew(&["s"], "tok-1").await.unwrap().token.secret(), "tok-2");
        assert_eq!(cred.get_token(&["s"], None).await.unwrap().token.secret(), "tok-2", "the new one is kept");
        // Another request refused with tok-1 finds tok-2: no second renewal.
        assert_eq!(cred.renew(&["s"], "tok-1").await.unwrap().token.secret(), "tok-2");
        assert_eq!(built.load(Ordering::SeqCst), 2);
        let failing = RenewableCredential::new(Arc::new(Numbered(1)), Box::new(|| Err("no secret".into())));
        let e = failing.renew(&["s"], "tok-1").await.expect_err("the factory failed");
        assert!(e.to_string().contains("no secret"), "{e}");
        assert_eq!(failing.get_token(&["s"], None).await.unwrap().token.secret(), "tok-1", "the old one stays");
    }
}
