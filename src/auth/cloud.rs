//! National clouds: the Graph root, the Entra authority and the token scope always travel together
//! (a token from one cloud is refused by the others' Graph).
//!
//! Table (Microsoft Graph "National cloud deployments", <https://learn.microsoft.com/graph/deployments>):
//!
//! | `--cloud`   | Graph root                                 | Authority                          |
//! |-------------|--------------------------------------------|------------------------------------|
//! | `global`    | `https://graph.microsoft.com`              | `https://login.microsoftonline.com`|
//! | `usgov`     | `https://graph.microsoft.us`               | `https://login.microsoftonline.us` |
//! | `usgov-dod` | `https://dod-graph.microsoft.us`           | `https://login.microsoftonline.us` |
//! | `china`     | `https://microsoftgraph.chinacloudapi.cn`  | `https://login.chinacloudapi.cn`   |
//!
//! Scopes are the Graph root (the resource) followed by the permission name, e.g.
//! `https://graph.microsoft.us/User.Read.All`; app-only sign-in uses `{root}/.default`. Delegated
//! scope strings for the national clouds follow that pattern but are unconfirmed by Microsoft's
//! docs (reference §1). Availability differs per cloud: the authentication-method and TAP APIs are
//! documented for v1.0 in global, US Gov L4 and L5, not in China.

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};

pub use crate::config::CloudName;

/// Microsoft Graph's well-known application id: some tokens carry it as `aud` instead of the URL.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Where tapdesk signs in and which Graph it calls. Built with [`Cloud::named`] for a real cloud, or
/// [`Cloud::custom`] for the simulator (`tapdesk simulate`) and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cloud {
    /// Short label for messages and `doctor`: `global`, `usgov`, `usgov-dod`, `china` or `custom`.
    pub label: String,
    /// Which named cloud, `None` for a custom one.
    pub name: Option<CloudName>,
    /// Where Graph requests go, without a trailing slash and without the version
    /// (e.g. `https://graph.microsoft.com`, or `http://127.0.0.1:8080` for the simulator).
    pub graph_root: String,
    /// The Graph resource URI: prefix of every scope and the expected `aud` of access tokens.
    /// The same as `graph_root` for the named clouds.
    pub resource: String,
    /// The Entra authority host, without a trailing slash (e.g. `https://login.microsoftonline.com`).
    pub authority_host: String,
}

impl Cloud {
    /// The fixed Graph root, resource and authority of a named cloud (see the module table).
    pub fn named(name: CloudName) -> Cloud {
        let (graph, authority) = match name {
            CloudName::Global => ("https://graph.microsoft.com", "https://login.microsoftonline.com"),
            CloudName::Usgov => ("https://graph.microsoft.us", "https://login.microsoftonline.us"),
            CloudName::UsgovDod => ("https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
            CloudName::China => ("https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
        };
        Cloud {
            label: name.as_str().to_owned(),
            name: Some(name),
            graph_root: graph.to_owned(),
            resource: graph.to_owned(),
            authority_host: authority.to_owned(),
        }
    }

    /// A cloud with explicit endpoints (trailing slashes are removed). Used to point tapdesk at the
    /// simulator: `Cloud::custom("http://127.0.0.1:8080", "https://graph.microsoft.com",
    /// "http://127.0.0.1:8080")`.
    pub fn custom(graph_root: &str, resource: &str, authority_host: &str) -> Cloud {
        Cloud {
            label: "custom".to_owned(),
            name: None,
            graph_root: graph_root.trim_end_matches('/').to_owned(),
            resource: resource.trim_end_matches('/').to_owned(),
            authority_host: authority_host.trim_end_matches('/').to_owned(),
        }
    }

    /// Graph v1.0 base URL for [`crate::graph::client::GraphClient::new`], e.g.
    /// `https://graph.microsoft.com/v1.0`.
    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.graph_root)
    }

    /// The app-only (and "all consented permissions") scope: `{resource}/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", self.resource)
    }

    /// A delegated scope: `{resource}/{permission}` (`User.Read.All` →
    /// `https://graph.microsoft.com/User.Read.All`). OpenID scopes (`offline_access`, `openid`,
    /// `profile`, `email`) and strings that already contain `/` or `:` are returned unchanged.
    pub fn scope(&self, permission: &str) -> String {
        if permission.contains('/')
            || permission.contains(':')
            || ["offline_access", "openid", "profile", "email"].contains(&permission)
        {
            permission.to_owned()
        } else if permission == ".default" {
            self.default_scope()
        } else {
            format!("{}/{permission}", self.resource)
        }
    }

    /// Token endpoint: `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.authority_host)
    }

    /// Device authorization endpoint: `{authority}/{tenant}/oauth2/v2.0/devicecode`.
    pub fn device_code_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/devicecode", self.authority_host)
    }

    /// Whether `aud` (an access token's audience claim) is this cloud's Graph: the resource URI
    /// (with or without a trailing slash) or Graph's application id.
    pub fn accepts_audience(&self, aud: &str) -> bool {
        let aud = aud.trim_end_matches('/');
        aud.eq_ignore_ascii_case(&self.resource) || aud.eq_ignore_ascii_case(GRAPH_APP_ID)
    }

    /// Whether the authority is plain `http` on the loopback interface (the simulator). azure_identity
    /// credentials refuse non-https authorities, so they are then given [`super::Loopback`].
    pub fn authority_is_loopback_http(&self) -> bool {
        url::Url::parse(&self.authority_host).is_ok_and(|u| {
            let loopback = match u.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            u.scheme() == "http" && loopback
        })
    }

    /// The azure_core cloud configuration for azure_identity credentials: the built-in public,
    /// government and China configurations, or a custom authority.
    pub fn azure_configuration(&self) -> CloudConfiguration {
        match self.name {
            Some(CloudName::Global) => CloudConfiguration::AzurePublic,
            Some(CloudName::Usgov | CloudName::UsgovDod) => CloudConfiguration::AzureGovernment,
            Some(CloudName::China) => CloudConfiguration::AzureChina,
            None => {
                let mut custom = CustomConfiguration::default();
                custom.authority_host = self.authority_host.clone();
                custom.into()
            }
        }
    }
}

impl Default for Cloud {
    fn default() -> Self {
        Cloud::named(CloudName::Global)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_named_cloud_keeps_graph_authority_and_scope_together() {
        let cases = [
            (CloudName::Global, "https://graph.microsoft.com", "https://login.microsoftonline.com"),
            (CloudName::Usgov, "https://graph.microsoft.us", "https://login.microsoftonline.us"),
            (CloudName::UsgovDod, "https://dod-graph.microsoft.us", "https://login.microsoftonline.us"),
            (CloudName::China, "https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"),
        ];
        for (name, graph, authority) in cases {
            let c = Cloud::named(name);
            assert_eq!(c.graph_root, graph);
            assert_eq!(c.authority_host, authority);
            assert_eq!(c.graph_base(), format!("{graph}/v1.0"));
            assert_eq!(c.default_scope(), format!("{graph}/.default"));
            assert_eq!(c.scope("User.Read.All"), format!("{graph}/User.Read.All"));
            assert_eq!(c.token_url("contoso.example"), format!("{authority}/contoso.example/oauth2/v2.0/token"));
            assert!(c.accepts_audience(graph));
            assert!(c.accepts_audience(&format!("{graph}/")));
            assert!(c.accepts_audience(GRAPH_APP_ID));
            assert!(!c.authority_is_loopback_http());
        }
        assert!(!Cloud::named(CloudName::Usgov).accepts_audience("https://graph.microsoft.com"));
        assert_eq!(Cloud::named(CloudName::UsgovDod).azure_configuration(), CloudConfiguration::AzureGovernment);
        assert_eq!(Cloud::named(CloudName::China).azure_configuration(), CloudConfiguration::AzureChina);
    }

    #[test]
    fn names_parse_like_the_command_line() {
        use clap::ValueEnum as _;
        assert_eq!(CloudName::from_str("usgov-dod", true), Ok(CloudName::UsgovDod));
        assert_eq!(CloudName::UsgovDod.to_string(), "usgov-dod");
        let names: Vec<String> = CloudName::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|p| p.get_name().to_owned())
            .collect();
        assert_eq!(names, ["global", "usgov", "usgov-dod", "china"]);
    }

    #[test]
    fn openid_scopes_and_full_uris_pass_through() {
        let c = Cloud::custom("http://127.0.0.1:9/", "https://graph.microsoft.com/", "http://127.0.0.1:9");
        assert_eq!(c.graph_base(), "http://127.0.0.1:9/v1.0");
        assert_eq!(c.scope("offline_access"), "offline_access");
        assert_eq!(c.scope("https://graph.microsoft.com/User.Read.All"), "https://graph.microsoft.com/User.Read.All");
        assert_eq!(c.scope(".default"), "https://graph.microsoft.com/.default");
        assert!(c.authority_is_loopback_http());
        assert!(!Cloud::custom("x", "y", "http://login.example").authority_is_loopback_http());
    }
}
