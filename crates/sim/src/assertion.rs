//! Client assertions at the token endpoint: the client-credentials grant with
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` and
//! `client_assertion=<JWT>` (RFC 7523), checked the way Entra does (Microsoft identity platform,
//! "Certificate credentials" and "Workload identity federation").
//!
//! An assertion whose `iss` is the client id is a **certificate** assertion: its header names a
//! registered certificate (`x5t` = SHA-1 thumbprint, or `x5t#S256` = SHA-256, base64url; standard
//! base64 is accepted too because azure_identity 1.0.0 sends it), `alg` is RS256 or PS256, `sub` =
//! `iss`, `aud` is the token endpoint, `exp`/`nbf` hold at the simulator's clock, `jti` is present,
//! and the RSA signature verifies with the certificate's public key (rustls-webpki on aws-lc-rs).
//! Any other `iss` is a **federated** assertion (e.g. a Kubernetes service-account token): its
//! `iss`, `sub` and `aud` must match one of the app's federated identity credentials exactly, and
//! `exp`/`nbf` must hold.
//!
//! Simplifications (also in docs/simulator.md):
//! - the signature of a federated assertion is **not** checked (Entra fetches the external
//!   issuer's OIDC keys; the simulator has no Internet and no issuer keys);
//! - no clock-skew allowance, and `jti` replay is not tracked (only its presence is required);
//! - certificates are matched by thumbprint only: an `x5c` chain (subject name and issuer
//!   registrations) is ignored;
//! - `aud` may name the token endpoint at the simulator's own address or at
//!   [`tapdesk_graph::loopback::AUTHORITY`] (what azure_identity signs when the loopback transport
//!   carries its requests), v2.0 or v1 path, by tenant id or domain;
//! - an unsupported `alg` (e.g. `none`) or a missing claim gets AADSTS50027 "JWT token is invalid
//!   or malformed." (Entra's exact text for each case is not published).

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use serde_json::Value;

use super::auth::Form;
use super::errors::sts_error;
use super::http::ReqCtx;
use super::state::World;
use super::tenant::{KeyCredential, SimClient};

/// The only `client_assertion_type` Entra accepts.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Where the certificate-credential rules are documented (quoted in Entra's error texts).
const CERT_DOC: &str = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials";
/// Where the workload-identity-federation rules are documented (quoted in Entra's error texts).
const FEDERATION_DOC: &str = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/// A decoded compact JWS.
struct Jws {
    header: Value,
    claims: Value,
    /// `base64url(header) "." base64url(payload)`: what the signature covers.
    signing_input: String,
    signature: Vec<u8>,
}

fn b64url(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok().or_else(|| URL_SAFE.decode(part).ok())
}

fn parse(assertion: &str) -> Option<Jws> {
    let mut parts = assertion.trim().split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&b64url(h)?).ok()?;
    let claims: Value = serde_json::from_slice(&b64url(p)?).ok()?;
    if !header.is_object() || !claims.is_object() {
        return None;
    }
    let signature = if s.is_empty() { Vec::new() } else { b64url(s)? };
    Some(Jws { header, claims, signing_input: format!("{h}.{p}"), signature })
}

fn text<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

/// `aud` as a list (a string or an array of strings).
fn audiences(claims: &Value) -> Vec<String> {
    match claims.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

type Refusal = Box<Response>;

fn refuse(status: StatusCode, error: &str, code: u32, description: &str, ctx: &ReqCtx) -> Refusal {
    Box::new(sts_error(status, error, code, description, ctx))
}

fn malformed(ctx: &ReqCtx) -> Refusal {
    refuse(StatusCode::BAD_REQUEST, "invalid_request", 50027, "JWT token is invalid or malformed.", ctx)
}

/// Checks the client assertion of `form` for `client` (see the module doc). `Ok` means the
/// client proved itself; `Err` is the finished STS error answer.
#[allow(clippy::result_large_err)] // the Err is the finished answer, sent at once
pub(crate) fn authenticate(w: &World, form: &Form, client: &SimClient, ctx: &ReqCtx) -> Result<(), Response> {
    check(w, form, client, ctx).map_err(|b| *b)
}

fn check(w: &World, form: &Form, client: &SimClient, ctx: &ReqCtx) -> Result<(), Refusal> {
    match form.get("client_assertion_type") {
        Some(t) if t == JWT_BEARER => {}
        Some(_) => return Err(malformed(ctx)),
        None => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_assertion_type'.",
                ctx,
            ));
        }
    }
    let Some(raw) = form.get("client_assertion") else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_assertion'.",
            ctx,
        ));
    };
    let jws = parse(&raw).ok_or_else(|| malformed(ctx))?;
    let iss = text(&jws.claims, "iss").ok_or_else(|| malformed(ctx))?;
    if iss == client.client_id { certificate(w, &jws, client, ctx) } else { federated(w, &jws, client, ctx) }
}

/// `exp` and `nbf` against the simulator's clock (AADSTS700024).
fn check_lifetime(w: &World, claims: &Value, ctx: &ReqCtx) -> Result<(), Refusal> {
    let exp = claims.get("exp").and_then(Value::as_i64).ok_or_else(|| malformed(ctx))?;
    let nbf = claims.get("nbf").and_then(Value::as_i64).unwrap_or(0);
    let now = w.now();
    if exp <= now.as_second() || nbf > now.as_second() {
        let fmt = |s: i64| Timestamp::from_second(s).map(|t| t.to_string()).unwrap_or_else(|_| s.to_string());
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700024,
            &format!(
                "Client assertion is not within its valid time range. Current time: {now}, assertion valid from {}, \
                 expiry time of assertion {}. Review the documentation at {CERT_DOC} .",
                fmt(nbf),
                fmt(exp)
            ),
            ctx,
        ));
    }
    Ok(())
}

/// The token-endpoint URLs an assertion's `aud` may name (see the module doc).
fn token_endpoints(w: &World, ctx: &ReqCtx) -> Vec<String> {
    let mut out = Vec::new();
    for host in [ctx.origin.as_str(), tapdesk_graph::loopback::AUTHORITY] {
        for tenant in [w.tenant.tenant_id.as_str(), w.tenant.domain.as_str()] {
            out.push(format!("{host}/{tenant}/oauth2/v2.0/token"));
            out.push(format!("{host}/{tenant}/oauth2/token"));
        }
    }
    out
}

/// Thumbprint bytes from a header value or a `customKeyIdentifier`: hex, base64url or base64.
fn thumbprint_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len().is_multiple_of(2) && s.len() >= 40 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        return (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect();
    }
    b64url(s).or_else(|| STANDARD.decode(s).ok())
}

fn hex_upper(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn digest(alg: &'static aws_lc_rs::digest::Algorithm, der: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(alg, der).as_ref().to_vec()
}

/// A registered certificate: its DER and the two thumbprints it answers to.
struct Registered<'a> {
    cred: &'a KeyCredential,
    der: Vec<u8>,
    sha1: Vec<u8>,
    sha256: Vec<u8>,
}

fn registered(client: &SimClient) -> Vec<Registered<'_>> {
    client
        .key_credentials
        .iter()
        .filter(|k| k.key_type.eq_ignore_ascii_case("AsymmetricX509Cert"))
        .filter_map(|k| {
            let der = STANDARD.decode(k.key.trim()).ok()?;
            let sha1 = match k.custom_key_identifier.as_deref().and_then(thumbprint_bytes) {
                Some(id) => id,
                None => digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der),
            };
            let sha256 = digest(&aws_lc_rs::digest::SHA256, &der);
            Some(Registered { cred: k, der, sha1, sha256 })
        })
        .collect()
}

fn keys_hint(client_id: &str) -> String {
    format!(
        "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id \
         '{client_id}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine \
         the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http \
         to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/{client_id}'"
    )
}

fn invalid_signature(reason: &str, presented: &str, client_id: &str, ctx: &ReqCtx) -> Refusal {
    refuse(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        700027,
        &format!(
            "Client assertion contains an invalid signature. [Reason - {reason}, Thumbprint of key used by client: \
             '{presented}', {}]",
            keys_hint(client_id)
        ),
        ctx,
    )
}

fn certificate(w: &World, jws: &Jws, client: &SimClient, ctx: &ReqCtx) -> Result<(), Refusal> {
    let claims = &jws.claims;
    let alg = text(&jws.header, "alg").unwrap_or("");
    let algorithm = match alg {
        "RS256" => webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
        "PS256" => webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        _ => return Err(malformed(ctx)),
    };
    if text(claims, "jti").is_none_or(str::is_empty) {
        return Err(malformed(ctx));
    }
    if text(claims, "sub") != Some(client.client_id.as_str()) {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            50048,
            "Subject must match the issuer claim in the client assertion.",
            ctx,
        ));
    }
    let endpoints = token_endpoints(w, ctx);
    let aud_ok =
        audiences(claims).iter().any(|a| endpoints.iter().any(|e| e.eq_ignore_ascii_case(a.trim_end_matches('/'))));
    if !aud_ok {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700023,
            &format!(
                "Client assertion audience claim does not match Realm issuer. Review the documentation at {CERT_DOC} ."
            ),
            ctx,
        ));
    }
    check_lifetime(w, claims, ctx)?;
    let keys = registered(client);
    let s256 = text(&jws.header, "x5t#S256").and_then(thumbprint_bytes);
    let s1 = text(&jws.header, "x5t").or_else(|| text(&jws.header, "kid")).and_then(thumbprint_bytes);
    let presented = s1.as_deref().or(s256.as_deref()).map(hex_upper).unwrap_or_default();
    let found = keys.iter().find(|k| {
        s256.as_deref().is_some_and(|t| t == k.sha256.as_slice())
            || s1.as_deref().is_some_and(|t| t == k.sha1.as_slice())
    });
    let Some(key) = found else {
        return Err(invalid_signature("The key was not found.", &presented, &client.client_id, ctx));
    };
    let now = w.now();
    if key.cred.end_date_time.is_some_and(|end| end <= now) || key.cred.start_date_time.is_some_and(|s| s > now) {
        return Err(invalid_signature("The key used is expired.", &presented, &client.client_id, ctx));
    }
    let der = rustls_pki_types::CertificateDer::from(key.der.as_slice());
    let verified = webpki::EndEntityCert::try_from(&der).map_err(|_| ()).and_then(|cert| {
        cert.verify_signature(algorithm, jws.signing_input.as_bytes(), &jws.signature).map_err(|_| ())
    });
    if verified.is_err() {
        let found = match (key.cred.start_date_time, key.cred.end_date_time) {
            (Some(s), Some(e)) => format!(", Found key 'Start={s}, End={e}'"),
            _ => String::new(),
        };
        return Err(invalid_signature(
            &format!("Key was found, but use of the key to verify the signature failed.{found}"),
            &presented,
            &client.client_id,
            ctx,
        ));
    }
    Ok(())
}

fn federated(w: &World, jws: &Jws, client: &SimClient, ctx: &ReqCtx) -> Result<(), Refusal> {
    let claims = &jws.claims;
    let iss = text(claims, "iss").unwrap_or("");
    let sub = text(claims, "sub").ok_or_else(|| malformed(ctx))?;
    let auds = audiences(claims);
    check_lifetime(w, claims, ctx)?;
    let fics = &client.federated_identity_credentials;
    let no_match = |code: u32, what: &str, value: &str| {
        refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            code,
            &format!(
                "No matching federated identity record found for presented assertion {what} '{value}'. Please check \
                 your federated identity credential Subject, Audience and Issuer against the presented assertion. \
                 {FEDERATION_DOC}"
            ),
            ctx,
        )
    };
    if fics.is_empty() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            70021,
            &format!(
                "No matching federated identity record found for presented assertion. Assertion Issuer: '{iss}'. \
                 Assertion Subject: '{sub}'. Assertion Audience: '{}'. {FEDERATION_DOC}",
                auds.join(",")
            ),
            ctx,
        ));
    }
    let by_issuer: Vec<_> = fics.iter().filter(|f| f.issuer == iss).collect();
    if by_issuer.is_empty() {
        return Err(no_match(700211, "issuer", iss));
    }
    let by_subject: Vec<_> = by_issuer.into_iter().filter(|f| f.subject == sub).collect();
    if by_subject.is_empty() {
        return Err(no_match(700213, "subject", sub));
    }
    if !by_subject.iter().any(|f| f.audiences.iter().any(|a| auds.contains(a))) {
        return Err(no_match(700212, "audience", &auds.join(",")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprints_in_every_spelling() {
        let raw = [0xABu8; 20];
        assert_eq!(thumbprint_bytes(&hex_upper(&raw)).unwrap(), raw);
        assert_eq!(thumbprint_bytes(&URL_SAFE_NO_PAD.encode(raw)).unwrap(), raw);
        assert_eq!(thumbprint_bytes(&STANDARD.encode(raw)).unwrap(), raw);
    }

    #[test]
    fn compact_jws_parts() {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"iss":"a"}"#);
        let j = parse(&format!("{h}.{p}.")).unwrap();
        assert!(j.signature.is_empty());
        assert_eq!(text(&j.claims, "iss"), Some("a"));
        assert!(parse("a.b").is_none());
        assert!(parse(&format!("{h}.{p}.x.y")).is_none());
    }
}
