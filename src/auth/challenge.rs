//! Continuous access evaluation (CAE): Graph may refuse a still-valid token with
//! `401` and `WWW-Authenticate: Bearer ..., error="insufficient_claims", claims="<base64 JSON>"`.
//! The client then asks the token endpoint for a new token **with those claims** and retries the
//! request once (Microsoft identity platform, "How to use Continuous Access Evaluation enabled
//! APIs in your applications").
//!
//! azure_core's `TokenCredential` has no way to pass claims, so a credential that can
//! ([`super::device_code::DeviceCodeCredential`], by its refresh token) also implements
//! [`ClaimsChallengeHandler`]; [`crate::graph::client::GraphClient::with_claims_handler`] takes it.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use azure_core::credentials::AccessToken;

/// A credential that can get a token satisfying a claims challenge.
#[async_trait::async_trait]
pub trait ClaimsChallengeHandler: Send + Sync + std::fmt::Debug {
    /// A new token for `scopes` requested with `claims` (the decoded JSON of the challenge). It
    /// replaces any cached token for these scopes.
    ///
    /// # Errors
    /// The token endpoint's refusal, or a credential that cannot satisfy the challenge.
    async fn token_with_claims(&self, scopes: &[&str], claims: &str) -> azure_core::Result<AccessToken>;
}

/// The decoded claims JSON of a `WWW-Authenticate` header carrying a claims challenge
/// (`error="insufficient_claims"` and `claims="..."`, base64 standard or URL-safe, padded or not).
/// `None` for any other header.
pub fn parse_claims_challenge(www_authenticate: &str) -> Option<String> {
    if !www_authenticate.contains("insufficient_claims") {
        return None;
    }
    let start = www_authenticate.find("claims=\"")? + "claims=\"".len();
    let rest = &www_authenticate[start..];
    let value = &rest[..rest.find('"')?];
    let bytes = STANDARD
        .decode(value)
        .or_else(|_| STANDARD_NO_PAD.decode(value))
        .or_else(|_| URL_SAFE.decode(value))
        .or_else(|_| URL_SAFE_NO_PAD.decode(value))
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    serde_json::from_str::<serde_json::Value>(&text).ok()?;
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graph_challenge() {
        let h = "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", \
                 error=\"insufficient_claims\", claims=\"eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwMzc0MjgwMCJ9fX0=\"";
        assert_eq!(
            parse_claims_challenge(h).as_deref(),
            Some(r#"{"access_token":{"nbf":{"essential":true, "value":"1603742800"}}}"#)
        );
    }

    #[test]
    fn other_headers_are_not_challenges() {
        assert_eq!(parse_claims_challenge("Bearer realm=\"\", client_id=\"00000003\""), None);
        assert_eq!(parse_claims_challenge("Bearer error=\"insufficient_claims\", claims=\"!!\""), None);
        assert_eq!(parse_claims_challenge("Bearer error=\"insufficient_claims\""), None);
    }
}
