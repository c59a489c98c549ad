//! What an access token says about who signed in and what they may do.
//!
//! The payload of the JWT is decoded **without checking the signature**: the token is ours, fresh
//! from the token endpoint, and Graph checks it on every call; tapdesk only reads it to label the
//! status bar and to switch off features the token cannot do. Claims read (Microsoft identity
//! platform "access token claims reference"): `tid`, `oid`, `upn` / `unique_name` /
//! `preferred_username`, `name`, `scp` (delegated, space-separated) or `roles` (application
//! permissions), `exp`, `aud`, `appid`/`azp`, `app_displayname`, `idtyp`, `wids`.
//!
//! The token itself is never kept: [`Claims`] holds only the decoded, non-secret values.

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde::Deserialize;

/// Why a token's claims could not be read. Never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// The string does not have the three dot-separated parts of a JWT (an opaque token).
    #[error("the access token is not a JWT (expected three dot-separated parts)")]
    NotJwt,
    /// The payload part is not base64url.
    #[error("the access token's payload is not base64url")]
    BadBase64,
    /// The payload is not a JSON object of the expected shape.
    #[error("the access token's payload is not JSON claims: {0}")]
    BadJson(String),
}

/// `scp` is a space-separated string; `roles` an array. Some issuers send `scp` as an array.
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
enum Scopes {
    Text(String),
    List(Vec<String>),
    #[default]
    None,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawClaims {
    tid: Option<String>,
    oid: Option<String>,
    upn: Option<String>,
    unique_name: Option<String>,
    preferred_username: Option<String>,
    name: Option<String>,
    scp: Option<Scopes>,
    roles: Option<Scopes>,
    exp: Option<i64>,
    aud: Option<serde_json::Value>,
    appid: Option<String>,
    azp: Option<String>,
    app_displayname: Option<String>,
    idtyp: Option<String>,
    wids: Option<Vec<String>>,
}

/// The decoded claims of an access token (all optional: tokens differ by issuer and version).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// Tenant id (`tid`).
    pub tid: Option<String>,
    /// Object id of the user or service principal (`oid`).
    pub oid: Option<String>,
    /// The user's sign-in name: `upn`, else `unique_name`, else `preferred_username`.
    pub upn: Option<String>,
    /// Display name of the user (`name`).
    pub name: Option<String>,
    /// Delegated permissions (`scp`, split on spaces), in token order.
    pub scopes: Vec<String>,
    /// Application permissions (`roles`) of an app-only token.
    pub roles: Vec<String>,
    /// Expiry, Unix seconds (`exp`).
    pub exp: Option<i64>,
    /// Audience (`aud`; the first one if it is a list).
    pub aud: Option<String>,
    /// Client application id (`appid`, v2 `azp`).
    pub app_id: Option<String>,
    /// Client application name (`app_displayname`).
    pub app_display_name: Option<String>,
    /// `idtyp`: `user` or `app` when present.
    pub id_type: Option<String>,
    /// Directory role template ids the user holds (`wids`), when the token carries them.
    pub role_template_ids: Vec<String>,
}

fn split_scopes(s: Option<Scopes>) -> Vec<String> {
    match s {
        Some(Scopes::Text(t)) => t.split_whitespace().map(str::to_owned).collect(),
        Some(Scopes::List(l)) => l,
        Some(Scopes::None) | None => Vec::new(),
    }
}

impl Claims {
    /// Decodes the payload (second part) of a JWT access token. No signature check (see the module
    /// doc). Errors: [`ClaimsError`], which never quotes the token.
    pub fn from_jwt(token: &str) -> Result<Claims, ClaimsError> {
        let mut parts = token.trim().split('.');
        let (Some(_header), Some(payload), Some(_sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ClaimsError::NotJwt);
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .or_else(|_| URL_SAFE.decode(payload))
            .map_err(|_| ClaimsError::BadBase64)?;
        // serde_json messages may quote values; only the class and position are kept.
        let raw: RawClaims = serde_json::from_slice(&bytes).map_err(|e| {
            ClaimsError::BadJson(format!("{:?} error at line {}, column {}", e.classify(), e.line(), e.column()))
        })?;
        let aud = match raw.aud {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Array(a)) => a.first().and_then(|v| v.as_str()).map(str::to_owned),
            _ => None,
        };
        Ok(Claims {
            tid: raw.tid,
            oid: raw.oid,
            upn: raw.upn.or(raw.unique_name).or(raw.preferred_username),
            name: raw.name,
            scopes: split_scopes(raw.scp),
            roles: split_scopes(raw.roles),
            exp: raw.exp,
            aud,
            app_id: raw.appid.or(raw.azp),
            app_display_name: raw.app_displayname,
            id_type: raw.idtyp,
            role_template_ids: raw.wids.unwrap_or_default(),
        })
    }

    /// An app-only token: no delegated scopes, and `idtyp` is `app` or application permissions are
    /// present. Such a token acts as the application, not a person (the audit log then names the app).
    pub fn is_app_only(&self) -> bool {
        self.scopes.is_empty() && (self.id_type.as_deref() == Some("app") || !self.roles.is_empty())
    }

    /// The granted permissions that decide what tapdesk may do: `scp` for a delegated token,
    /// `roles` for an app-only one.
    pub fn permissions(&self) -> &[String] {
        if self.is_app_only() { &self.roles } else { &self.scopes }
    }

    /// Expiry as a timestamp, when `exp` is present and valid.
    pub fn expires_at(&self) -> Option<jiff::Timestamp> {
        self.exp.and_then(|s| jiff::Timestamp::from_second(s).ok())
    }

    /// Who is acting, for the status bar and the audit log: the UPN, else the display name, else the
    /// object id; for an app-only token the app's name (or id) followed by ` (app-only)`.
    pub fn operator_display(&self) -> String {
        if self.is_app_only() {
            let app = self.app_display_name.clone().or_else(|| self.app_id.clone()).unwrap_or_else(|| "app".into());
            return format!("{app} (app-only)");
        }
        self.upn.clone().or_else(|| self.name.clone()).or_else(|| self.oid.clone()).unwrap_or_else(|| "?".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt(payload: &serde_json::Value) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            URL_SAFE_NO_PAD.encode(b"signature")
        )
    }

    #[test]
    fn delegated_token() {
        let t = jwt(&json!({
            "aud": "https://graph.microsoft.com", "tid": "t1", "oid": "o1", "upn": "dana@contoso.example",
            "name": "Dana", "scp": "User.Read.All  UserAuthenticationMethod.ReadWrite.All", "exp": 1_900_000_000,
            "app_displayname": "tapdesk", "appid": "a1", "idtyp": "user", "wids": ["c4e39bd9-1100-46d3-8c65-fb160da0071f"],
        }));
        let c = Claims::from_jwt(&t).unwrap();
        assert_eq!(c.tid.as_deref(), Some("t1"));
        assert_eq!(c.upn.as_deref(), Some("dana@contoso.example"));
        assert_eq!(c.scopes, ["User.Read.All", "UserAuthenticationMethod.ReadWrite.All"]);
        assert!(!c.is_app_only());
        assert_eq!(c.permissions(), c.scopes.as_slice());
        assert_eq!(c.operator_display(), "dana@contoso.example");
        assert_eq!(c.expires_at().unwrap().as_second(), 1_900_000_000);
        assert_eq!(c.role_template_ids.len(), 1);
        assert_eq!(c.app_id.as_deref(), Some("a1"));
    }

    #[test]
    fn upn_falls_back_to_unique_name_then_preferred_username() {
        let c = Claims::from_jwt(&jwt(&json!({"unique_name": "live.com#x@y", "preferred_username": "p"}))).unwrap();
        assert_eq!(c.upn.as_deref(), Some("live.com#x@y"));
        let c = Claims::from_jwt(&jwt(&json!({"preferred_username": "p@y"}))).unwrap();
        assert_eq!(c.upn.as_deref(), Some("p@y"));
        let c = Claims::from_jwt(&jwt(&json!({"oid": "o"}))).unwrap();
        assert_eq!(c.operator_display(), "o");
    }

    #[test]
    fn app_only_token() {
        let c = Claims::from_jwt(&jwt(&json!({
            "aud": ["https://graph.microsoft.com"], "tid": "t", "oid": "sp", "idtyp": "app",
            "roles": ["User.Read.All", "UserAuthenticationMethod.ReadWrite.All"], "app_displayname": "tapdesk-automation",
        })))
        .unwrap();
        assert!(c.is_app_only());
        assert_eq!(c.permissions(), ["User.Read.All", "UserAuthenticationMethod.ReadWrite.All"]);
        assert_eq!(c.operator_display(), "tapdesk-automation (app-only)");
        assert_eq!(c.aud.as_deref(), Some("https://graph.microsoft.com"));
    }

    #[test]
    fn bad_tokens_say_why_without_quoting_the_token() {
        assert_eq!(Claims::from_jwt("opaque-token"), Err(ClaimsError::NotJwt));
        assert_eq!(Claims::from_jwt("a.b.c.d"), Err(ClaimsError::NotJwt));
        assert_eq!(Claims::from_jwt("a.!!!.c"), Err(ClaimsError::BadBase64));
        let secretish = format!("h.{}.s", URL_SAFE_NO_PAD.encode(r#"{"tid": 5, "x": "SECRET"}"#));
        let e = Claims::from_jwt(&secretish).unwrap_err();
        assert!(matches!(e, ClaimsError::BadJson(_)));
        assert!(!e.to_string().contains("SECRET"));
    }

    #[test]
    fn padded_payload_is_accepted() {
        let payload = URL_SAFE.encode(r#"{"tid":"t"}"#);
        let c = Claims::from_jwt(&format!("h.{payload}.s")).unwrap();
        assert_eq!(c.tid.as_deref(), Some("t"));
    }
}
