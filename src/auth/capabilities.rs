//! Which tapdesk features the signed-in token can do, from its granted permissions, with the
//! sentence to show when one is off.
//!
//! Mapping (the "Permissions" sections of each API's page on Microsoft Learn and
//! <https://learn.microsoft.com/graph/permissions-reference>; a broad permission and the least-privileged
//! one both count):
//!
//! | Feature | Any of |
//! |---|---|
//! | read users | `User.Read.All`, `User.ReadWrite.All`, `Directory.Read.All`, `Directory.ReadWrite.All`, `Directory.AccessAsUser.All` |
//! | read methods | `UserAuthenticationMethod.Read.All`, `UserAuthenticationMethod.ReadWrite.All` (the aggregate list has no per-method permission) |
//! | delete methods | `UserAuthenticationMethod.ReadWrite.All`, or per kind `UserAuthMethod-{Passkey, MicrosoftAuthApp, Phone, Email, SoftwareOATH, WindowsHello, PlatformCred, TAP, ...}.ReadWrite.All` |
//! | create TAP | `UserAuthenticationMethod.ReadWrite.All`, `UserAuthMethod-TAP.ReadWrite.All` |
//! | read TAP policy | `Policy.Read.AuthenticationMethod`, `Policy.Read.All`, `Policy.ReadWrite.AuthenticationMethod` |
//! | change TAP policy | `Policy.ReadWrite.AuthenticationMethod` |
//! | revoke sessions | `User.RevokeSessions.All`, `User.ReadWrite.All`, `Directory.ReadWrite.All`, `Directory.AccessAsUser.All` |
//!
//! The self-service permissions (`UserAuthenticationMethod.ReadWrite` without `.All`) do not count:
//! tapdesk acts on other users. Permissions are not the whole story for delegated sign-in: Graph
//! also needs the operator's Entra role (Authentication Administrator or Privileged Authentication
//! Administrator; reference §10.2). `tapdesk doctor` checks the roles.

use std::collections::BTreeSet;

use super::claims::Claims;

pub use tapdesk_graph::permissions::{self as permissions, method_family};

/// What the token allows. Each field is `Ok(())` when the feature may be used, or `Err(sentence)`
/// with the reason and the fix, ready to show next to the disabled feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Search and read users (`GET /users`, `/users/{id}`, manager, groups).
    pub read_users: Result<(), String>,
    /// List a user's authentication methods.
    pub read_methods: Result<(), String>,
    /// Delete authentication methods (at least one kind; see [`Capabilities::delete_method`]).
    pub delete_methods: Result<(), String>,
    /// Create a Temporary Access Pass.
    pub create_tap: Result<(), String>,
    /// Read the tenant's TAP policy.
    pub read_policy: Result<(), String>,
    /// Change the tenant's TAP policy.
    pub write_policy: Result<(), String>,
    /// Revoke a user's sign-in sessions.
    pub revoke_sessions: Result<(), String>,
    /// The granted permissions, lower-cased (empty when unknown).
    granted: BTreeSet<String>,
    /// Whether the permissions were known (false: an opaque token; everything is allowed and
    /// Graph decides).
    known: bool,
    /// `application` or `delegated`, for the sentences.
    kind: &'static str,
}

impl Capabilities {
    /// Everything allowed: used when the token's permissions cannot be read (an opaque token), so
    /// Graph's own answer decides.
    pub fn unknown() -> Capabilities {
        Capabilities {
            read_users: Ok(()),
            read_methods: Ok(()),
            delete_methods: Ok(()),
            create_tap: Ok(()),
            read_policy: Ok(()),
            write_policy: Ok(()),
            revoke_sessions: Ok(()),
            granted: BTreeSet::new(),
            known: false,
            kind: "delegated",
        }
    }

    /// The capabilities of a token with these claims (`scp` for delegated, `roles` for app-only).
    pub fn from_claims(claims: &Claims) -> Capabilities {
        let kind = if claims.is_app_only() { "application" } else { "delegated" };
        Self::from_permissions(claims.permissions(), kind)
    }

    /// The capabilities for a list of granted permission names; `kind` is `delegated` or
    /// `application` (used in the sentences).
    pub fn from_permissions(granted: &[String], kind: &'static str) -> Capabilities {
        let granted: BTreeSet<String> = granted.iter().map(|s| s.to_ascii_lowercase()).collect();
        let mut c = Capabilities { granted, known: true, kind, ..Capabilities::unknown() };
        c.read_users = c.need("Searching and reading users", permissions::READ_USERS);
        c.read_methods = c.need("Listing authentication methods", permissions::READ_METHODS);
        c.create_tap = c.need("Issuing a Temporary Access Pass", permissions::CREATE_TAP);
        c.read_policy = c.need("Reading the Temporary Access Pass policy", permissions::READ_POLICY);
        c.write_policy = c.need("Changing the Temporary Access Pass policy", permissions::WRITE_POLICY);
        c.revoke_sessions = c.need("Revoking sign-in sessions", permissions::REVOKE_SESSIONS);
        c.delete_methods = if c.has(permissions::WRITE_METHODS_BROAD)
            || c.granted.iter().any(|p| p.starts_with("userauthmethod-") && p.ends_with(".readwrite.all"))
        {
            Ok(())
        } else {
            Err(c.sentence(
                "Deleting authentication methods",
                &[permissions::WRITE_METHODS_BROAD, "UserAuthMethod-Passkey.ReadWrite.All"],
            ))
        };
        c
    }

    /// Whether a permission (case-insensitive) was granted. Always false when unknown.
    pub fn has(&self, permission: &str) -> bool {
        self.granted.contains(&permission.to_ascii_lowercase())
    }

    /// Whether the granted permissions were known (a JWT with `scp` or `roles`).
    pub fn is_known(&self) -> bool {
        self.known
    }

    /// Whether methods of the Graph collection `segment` (e.g. `fido2Methods`) may be deleted: the
    /// broad permission or that family's `UserAuthMethod-{Family}.ReadWrite.All`.
    pub fn delete_method(&self, segment: &str) -> Result<(), String> {
        if !self.known || self.has(permissions::WRITE_METHODS_BROAD) {
            return Ok(());
        }
        let what = format!("Deleting {segment}");
        match method_family(segment) {
            Some(family) => {
                let narrow = format!("UserAuthMethod-{family}.ReadWrite.All");
                if self.has(&narrow) {
                    Ok(())
                } else {
                    Err(self.sentence(&what, &[permissions::WRITE_METHODS_BROAD, narrow.as_str()]))
                }
            }
            None => Err(self.sentence(&what, &[permissions::WRITE_METHODS_BROAD])),
        }
    }

    /// The features that are off, as (feature, sentence) pairs in a fixed order.
    pub fn missing(&self) -> Vec<(&'static str, &str)> {
        [
            ("read users", &self.read_users),
            ("read methods", &self.read_methods),
            ("delete methods", &self.delete_methods),
            ("create TAP", &self.create_tap),
            ("read TAP policy", &self.read_policy),
            ("change TAP policy", &self.write_policy),
            ("revoke sessions", &self.revoke_sessions),
        ]
        .into_iter()
        .filter_map(|(name, r)| r.as_ref().err().map(|e| (name, e.as_str())))
        .collect()
    }

    fn need(&self, what: &str, any_of: &[&str]) -> Result<(), String> {
        if !self.known || any_of.iter().any(|p| self.has(p)) { Ok(()) } else { Err(self.sentence(what, any_of)) }
    }

    fn sentence(&self, what: &str, any_of: &[&str]) -> String {
        let list = match any_of {
            [] => String::new(),
            [one] => one.to_string(),
            [first, rest @ ..] => format!("{first} (or {})", rest.join(", ")),
        };
        let fix = if self.kind == "application" {
            "add the application permission to the app registration, grant admin consent, then get a new token"
        } else {
            "add the delegated permission to the app registration (or the `scopes` setting), grant admin consent, \
             then sign in again"
        };
        format!("{what} is off: the token lacks {list}; {fix}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(scopes: &[&str]) -> Capabilities {
        let v: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        Capabilities::from_permissions(&v, "delegated")
    }

    #[test]
    fn default_scopes_allow_everything_but_policy_changes() {
        let c = caps(permissions::DEFAULT_DELEGATED);
        assert_eq!(c.read_users, Ok(()));
        assert_eq!(c.read_methods, Ok(()));
        assert_eq!(c.delete_methods, Ok(()));
        assert_eq!(c.create_tap, Ok(()));
        assert_eq!(c.read_policy, Ok(()));
        assert_eq!(c.revoke_sessions, Ok(()));
        assert_eq!(c.delete_method("fido2Methods"), Ok(()));
        let e = c.write_policy.clone().unwrap_err();
        assert!(e.contains("Policy.ReadWrite.AuthenticationMethod"), "{e}");
        assert_eq!(c.missing().len(), 1);
    }

    #[test]
    fn least_privilege_names_count() {
        let c = caps(&[
            "User.Read.All",
            "UserAuthenticationMethod.Read.All",
            "UserAuthMethod-TAP.ReadWrite.All",
            "UserAuthMethod-Passkey.ReadWrite.All",
            "Policy.Read.AuthenticationMethod",
            "User.RevokeSessions.All",
        ]);
        assert_eq!(c.create_tap, Ok(()));
        assert_eq!(c.delete_methods, Ok(()));
        assert_eq!(c.delete_method("fido2Methods"), Ok(()));
        let e = c.delete_method("microsoftAuthenticatorMethods").unwrap_err();
        assert!(e.contains("UserAuthMethod-MicrosoftAuthApp.ReadWrite.All"), "{e}");
        assert!(c.delete_method("someFutureMethods").is_err());
    }

    #[test]
    fn broad_directory_permissions_count_and_case_is_ignored() {
        let c = caps(&["directory.readwrite.all", "userauthenticationmethod.readwrite.all", "Policy.Read.All"]);
        assert_eq!(c.read_users, Ok(()));
        assert_eq!(c.revoke_sessions, Ok(()));
        assert_eq!(c.read_policy, Ok(()));
        assert!(c.has("Directory.ReadWrite.All"));
    }

    #[test]
    fn missing_scopes_disable_features_with_a_sentence() {
        let c = caps(&["User.ReadBasic.All", "UserAuthenticationMethod.ReadWrite"]);
        let e = c.read_users.clone().unwrap_err();
        assert_eq!(
            e,
            "Searching and reading users is off: the token lacks User.Read.All (or User.ReadWrite.All, \
             Directory.Read.All, Directory.ReadWrite.All, Directory.AccessAsUser.All); add the delegated permission \
             to the app registration (or the `scopes` setting), grant admin consent, then sign in again."
        );
        assert!(c.read_methods.is_err(), "self-service permission does not cover other users");
        assert!(c.create_tap.is_err());
        assert!(c.delete_methods.is_err());
        assert_eq!(c.missing().len(), 7);
    }

    #[test]
    fn app_only_sentences_talk_about_application_permissions() {
        let claims = Claims { roles: vec!["User.Read.All".into()], id_type: Some("app".into()), ..Claims::default() };
        let c = Capabilities::from_claims(&claims);
        assert_eq!(c.read_users, Ok(()));
        assert!(c.create_tap.clone().unwrap_err().contains("application permission"));
    }

    #[test]
    fn unknown_allows_everything() {
        let c = Capabilities::unknown();
        assert!(!c.is_known());
        assert!(c.missing().is_empty());
        assert_eq!(c.delete_method("fido2Methods"), Ok(()));
    }
}
