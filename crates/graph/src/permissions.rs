//! Graph permission names: the broad and least-privileged permissions per tapdesk feature, and the
//! per-method permission families (October 2025 names). Shared by tapdesk (which features a token
//! allows, `tapdesk doctor`) and the simulator (which permission each route checks), so both read
//! one list.

/// Reading users (search, profile, manager, groups).
pub const READ_USERS: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Directory.AccessAsUser.All",
];
/// Listing another user's authentication methods.
pub const READ_METHODS: &[&str] = &["UserAuthenticationMethod.Read.All", "UserAuthenticationMethod.ReadWrite.All"];
/// The broad write permission on other users' methods.
pub const WRITE_METHODS_BROAD: &str = "UserAuthenticationMethod.ReadWrite.All";
/// Creating (and reading, deleting) a Temporary Access Pass.
pub const CREATE_TAP: &[&str] = &["UserAuthenticationMethod.ReadWrite.All", "UserAuthMethod-TAP.ReadWrite.All"];
/// Reading the authentication methods policy.
pub const READ_POLICY: &[&str] =
    &["Policy.Read.AuthenticationMethod", "Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"];
/// Changing the authentication methods policy.
pub const WRITE_POLICY: &[&str] = &["Policy.ReadWrite.AuthenticationMethod"];
/// Revoking a user's sign-in sessions.
pub const REVOKE_SESSIONS: &[&str] =
    &["User.RevokeSessions.All", "User.ReadWrite.All", "Directory.ReadWrite.All", "Directory.AccessAsUser.All"];
/// The delegated permissions tapdesk asks for by default at sign-in (device code).
pub const DEFAULT_DELEGATED: &[&str] = &[
    "User.Read.All",
    "UserAuthenticationMethod.ReadWrite.All",
    "Policy.Read.AuthenticationMethod",
    "User.RevokeSessions.All",
];
/// The per-method permission family for a Graph method collection segment (`fido2Methods` →
/// `Passkey`), per the October 2025 permission names (reference §10.1).
pub fn method_family(segment: &str) -> Option<&'static str> {
    Some(match segment {
        "fido2Methods" => "Passkey",
        "microsoftAuthenticatorMethods" => "MicrosoftAuthApp",
        "phoneMethods" => "Phone",
        "emailMethods" => "Email",
        "softwareOathMethods" => "SoftwareOATH",
        "windowsHelloForBusinessMethods" => "WindowsHello",
        "platformCredentialMethods" => "PlatformCred",
        "temporaryAccessPassMethods" => "TAP",
        "passwordMethods" => "Password",
        "hardwareOathMethods" => "HardwareOATH",
        "externalAuthenticationMethods" => "External",
        "qrCodePinMethod" => "QR",
        _ => return None,
    })
}
