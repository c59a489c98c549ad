//! Entra ID (STS) token-endpoint errors in words: the OAuth error, the `AADSTSnnnnn` code, its
//! first line of description, and what to do about it.
//!
//! Error body (Microsoft identity platform, "Error response" of the token endpoint):
//! `{"error": "invalid_grant", "error_description": "AADSTS53003: ...\r\nTrace ID: ...", "error_codes": [53003], ...}`.
//! Only the first line of the description is kept (the rest is trace ids and a timestamp).
//! Codes and fixes: Microsoft's "Microsoft Entra authentication and authorization error codes"
//! page (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>), and for the
//! device-code ones <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>.

/// A token-endpoint refusal. Holds no token, device code or secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.explain())]
pub struct StsError {
    /// HTTP status.
    pub status: u16,
    /// OAuth error (`invalid_grant`, `authorization_pending`, ...).
    pub error: String,
    /// The AADSTS number, from `error_codes` or the description.
    pub code: Option<u32>,
    /// First line of `error_description` (starts with `AADSTSnnnnn:` on Entra).
    pub description: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Body {
    error: String,
    error_description: String,
    error_codes: Vec<u32>,
}

/// The first `AADSTS<digits>` number in `text`.
pub fn aadsts_code(text: &str) -> Option<u32> {
    let at = text.find("AADSTS")?;
    let digits: String = text[at + 6..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// What to do about an AADSTS code, for the codes an operator meets when signing in.
pub fn fix_for(code: u32) -> Option<&'static str> {
    Some(match code {
        53000 | 53001 | 53003 | 530002 | 530003 | 530034 => {
            "Conditional Access blocked this sign-in (many tenants block the device code flow). Ask your Entra \
             administrator for an exception for tapdesk, or sign in another way: --auth azure-cli from a compliant \
             device, or an app-only method."
        }
        7000218 => {
            "The app registration does not allow public client flows. In the Entra admin center: App registrations > \
             the app > Authentication > Allow public client flows = Yes; or use another --client-id."
        }
        700016 => {
            "This application (client) id is not registered in this tenant or cloud. Check --client-id, --tenant and \
             --cloud."
        }
        90002 | 90033 | 900023 => "The tenant was not found. Check --tenant and --cloud (tokens are per cloud).",
        65001 | 65002 | 90094 | 90095 => {
            "Consent is missing for a requested permission. An administrator grants admin consent for the app (App \
             registrations > API permissions > Grant admin consent), or narrow the `scopes` setting."
        }
        65004 => "The sign-in was declined at the verification page. Sign in again with a new code.",
        70019 => "The code expired before the sign-in finished. Get a new code and enter it within the time shown.",
        50076 | 50079 | 50074 => "Multi-factor authentication is required: complete it at the verification page.",
        50173 | 700082 | 70008 | 50132 | 50089 => {
            "The sign-in session ended (refresh token expired or revoked). Sign in again."
        }
        7000215 => "Invalid client secret: set AZURE_CLIENT_SECRET to the secret's value (not its id) for this app.",
        7000222 => "The app's credential has expired: create a new client secret or certificate.",
        700024 => {
            "The client assertion is outside its valid time range: check this machine's clock (for workload identity, \
             that the service-account token file is still being refreshed)."
        }
        700027 => {
            "The certificate does not match the app registration: upload this certificate (its public part) under \
             App registrations > the app > Certificates & secrets, or use the certificate registered there; an \
             expired registration needs a new certificate."
        }
        700023 | 50048 | 50027 => {
            "The client assertion is malformed (wrong audience, issuer/subject or format): check the certificate \
             file, or for workload identity that AZURE_FEDERATED_TOKEN_FILE holds the service-account token."
        }
        70021 | 700211 | 700212 | 700213 => {
            "No federated identity credential of the app matches this token: add one under App registrations > the \
             app > Certificates & secrets > Federated credentials whose issuer, subject and audience equal the \
             service-account token's (case-sensitive)."
        }
        70011 | 1002012 => "A requested permission is not valid: check the `scopes` setting.",
        50020 | 50034 => "The account is not in this tenant: sign in with an account of the tenant named by --tenant.",
        50057 => "The account is disabled.",
        50053 => "The account is locked: wait, or ask an administrator to unlock it.",
        _ => return None,
    })
}

impl StsError {
    /// Reads an error answer of the token or device-code endpoint. A body that is not the STS shape
    /// gives `error` = `http_<status>` and no code.
    pub fn parse(status: u16, body: &[u8]) -> StsError {
        let b: Body = serde_json::from_slice(body).unwrap_or_default();
        let description = b.error_description.lines().next().unwrap_or("").trim().to_owned();
        let code = b.error_codes.first().copied().or_else(|| aadsts_code(&description));
        let error = if b.error.is_empty() { format!("http_{status}") } else { b.error };
        StsError { status, error, code, description }
    }

    /// One line for the operator: the description (or the error), then the fix when known.
    /// `authorization_declined` and `expired_token` get their fix even without a code.
    pub fn explain(&self) -> String {
        let what = if self.description.is_empty() { self.error.clone() } else { self.description.clone() };
        let fix = self.code.and_then(fix_for).or(match self.error.as_str() {
            "authorization_declined" => fix_for(65004),
            "expired_token" => fix_for(70019),
            _ => None,
        });
        match fix {
            Some(f) => format!("{what} {f}"),
            None => what,
        }
    }
}

/// `text` followed by the fix for the first AADSTS code in it, if any (for errors coming from
/// azure_identity credentials, whose messages quote the STS description).
pub fn explain_message(text: &str) -> String {
    match aadsts_code(text).and_then(fix_for) {
        Some(fix) if !text.contains(fix) => format!("{text} {fix}"),
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_access_block_is_explained() {
        let body = br#"{"error":"invalid_grant","error_description":"AADSTS53003: Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.\r\nTrace ID: 1\r\nCorrelation ID: 2\r\nTimestamp: 2026-11-30 01:02:03Z","error_codes":[53003]}"#;
        let e = StsError::parse(400, body);
        assert_eq!(e.code, Some(53003));
        assert_eq!(e.error, "invalid_grant");
        let text = e.to_string();
        assert!(text.starts_with("AADSTS53003: Access has been blocked by Conditional Access policies."), "{text}");
        assert!(text.contains("--auth azure-cli"), "{text}");
        assert!(!text.contains("Trace ID"));
    }

    #[test]
    fn code_from_description_and_odd_bodies() {
        let e = StsError::parse(
            401,
            br#"{"error":"invalid_client","error_description":"AADSTS7000218: The request body must contain..."}"#,
        );
        assert_eq!(e.code, Some(7000218));
        assert!(e.explain().contains("Allow public client flows"));
        let e = StsError::parse(502, b"<html>bad gateway</html>");
        assert_eq!(e.error, "http_502");
        assert_eq!(e.code, None);
        assert_eq!(e.explain(), "http_502");
        let e = StsError::parse(400, br#"{"error":"expired_token"}"#);
        assert!(e.explain().contains("expired"));
    }

    #[test]
    fn explain_message_appends_the_fix_once() {
        let m = "ClientSecretCredential authentication failed. AADSTS7000215: Invalid client secret provided.";
        let once = explain_message(m);
        assert!(once.ends_with(fix_for(7000215).unwrap()));
        assert_eq!(explain_message(&once), once);
        assert_eq!(explain_message("no code here"), "no code here");
        assert_eq!(aadsts_code("xAADSTS90002: Tenant"), Some(90002));
    }
}
