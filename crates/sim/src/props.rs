//! The `microsoft.graph.user` properties the simulator knows: names, default set, JSON values,
//! and what `$filter` may do with each (reference §3.2-3.3).

use serde_json::{Map, Value, json};

use super::odata::PropVal;
use super::tenant::{MethodDetail, SimUser};

/// The 11 properties returned without `$select`, in Graph's order.
pub(crate) const DEFAULT_PROPS: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Filter support of one property.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FilterSupport {
    /// Not filterable.
    None,
    /// `eq`, `ne`, `in`, `ge`, `le` (no `startsWith`).
    Eq,
    /// Also `startsWith`.
    StartsWith,
}

/// Every property `$select` accepts, with its filter support.
const PROPS: &[(&str, FilterSupport)] = &[
    ("businessPhones", FilterSupport::StartsWith),
    ("displayName", FilterSupport::StartsWith),
    ("givenName", FilterSupport::StartsWith),
    ("jobTitle", FilterSupport::StartsWith),
    ("mail", FilterSupport::StartsWith),
    ("mobilePhone", FilterSupport::StartsWith),
    ("officeLocation", FilterSupport::StartsWith),
    ("preferredLanguage", FilterSupport::StartsWith),
    ("surname", FilterSupport::StartsWith),
    ("userPrincipalName", FilterSupport::StartsWith),
    ("id", FilterSupport::Eq),
    ("department", FilterSupport::Eq),
    ("employeeId", FilterSupport::StartsWith),
    ("accountEnabled", FilterSupport::Eq),
    ("userType", FilterSupport::Eq),
    ("createdDateTime", FilterSupport::Eq),
    ("onPremisesSyncEnabled", FilterSupport::Eq),
    ("companyName", FilterSupport::StartsWith),
    ("city", FilterSupport::StartsWith),
    ("country", FilterSupport::StartsWith),
    ("mailNickname", FilterSupport::StartsWith),
    ("employeeType", FilterSupport::StartsWith),
    ("usageLocation", FilterSupport::Eq),
    ("externalUserState", FilterSupport::Eq),
    ("creationType", FilterSupport::Eq),
    ("otherMails", FilterSupport::StartsWith),
    ("proxyAddresses", FilterSupport::StartsWith),
    ("identities", FilterSupport::None),
    ("signInSessionsValidFromDateTime", FilterSupport::None),
    ("lastPasswordChangeDateTime", FilterSupport::None),
    ("ageGroup", FilterSupport::Eq),
    ("postalCode", FilterSupport::StartsWith),
    ("state", FilterSupport::StartsWith),
    ("streetAddress", FilterSupport::StartsWith),
    ("faxNumber", FilterSupport::StartsWith),
];

/// Canonical name of a user property (case-insensitive), if it exists.
pub(crate) fn resolve(name: &str) -> Option<&'static str> {
    PROPS.iter().map(|(n, _)| *n).find(|n| n.eq_ignore_ascii_case(name))
}

/// Filter support of a canonical property.
pub(crate) fn filter_support(canonical: &str) -> FilterSupport {
    PROPS.iter().find(|(n, _)| *n == canonical).map_or(FilterSupport::None, |(_, s)| *s)
}

fn opt(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |v| Value::from(v.as_str()))
}

fn mail_nickname(u: &SimUser) -> &str {
    u.user_principal_name.split('@').next().unwrap_or("")
}

/// JSON value of a canonical property for `u` (`null` when unset).
pub(crate) fn value(u: &SimUser, prop: &str, domain: &str) -> Value {
    let guest = u.is_external_guest();
    match prop {
        "id" => Value::from(u.id.as_str()),
        "displayName" => Value::from(u.display_name.as_str()),
        "userPrincipalName" => Value::from(u.user_principal_name.as_str()),
        "givenName" => opt(&u.given_name),
        "surname" => opt(&u.surname),
        "mail" => opt(&u.mail),
        "jobTitle" => opt(&u.job_title),
        "department" => opt(&u.department),
        "officeLocation" => opt(&u.office_location),
        "employeeId" => opt(&u.employee_id),
        "mobilePhone" => opt(&u.mobile_phone),
        "businessPhones" => json!(u.business_phones),
        "preferredLanguage" => opt(&u.preferred_language),
        "companyName" => opt(&u.company_name),
        "city" => opt(&u.city),
        "country" => opt(&u.country),
        "accountEnabled" => Value::from(u.account_enabled),
        "userType" => Value::from(u.user_type.as_str()),
        "createdDateTime" => u.created_date_time.map_or(Value::Null, |t| Value::from(t.to_string())),
        "onPremisesSyncEnabled" => u.on_premises_sync_enabled.map_or(Value::Null, Value::from),
        "signInSessionsValidFromDateTime" => {
            let t = u.sign_in_sessions_valid_from_date_time.or(u.created_date_time);
            t.map_or(Value::Null, |t| Value::from(t.to_string()))
        }
        "lastPasswordChangeDateTime" => u
            .methods
            .iter()
            .find(|m| matches!(m.detail, MethodDetail::Password {}))
            .and_then(|m| m.created_date_time)
            .map_or(Value::Null, |t| Value::from(t.to_string())),
        "mailNickname" => Value::from(mail_nickname(u)),
        "otherMails" => json!([]),
        "proxyAddresses" => json!(u.mail.iter().map(|m| format!("SMTP:{m}")).collect::<Vec<_>>()),
        "identities" => {
            if guest {
                json!([{"signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": null}])
            } else {
                json!([{"signInType": "userPrincipalName", "issuer": domain, "issuerAssignedId": u.user_principal_name}])
            }
        }
        "externalUserState" => {
            if guest {
                Value::from("Accepted")
            } else {
                Value::Null
            }
        }
        "creationType" => {
            if guest {
                Value::from("Invitation")
            } else {
                Value::Null
            }
        }
        _ => Value::Null,
    }
}

/// Filter/search view of a canonical property.
pub(crate) fn prop_val<'a>(u: &'a SimUser, prop: &str) -> PropVal<'a> {
    match prop {
        "id" => PropVal::Str(Some(&u.id)),
        "displayName" => PropVal::Str(Some(&u.display_name)),
        "userPrincipalName" => PropVal::Str(Some(&u.user_principal_name)),
        "givenName" => PropVal::Str(u.given_name.as_deref()),
        "surname" => PropVal::Str(u.surname.as_deref()),
        "mail" => PropVal::Str(u.mail.as_deref()),
        "jobTitle" => PropVal::Str(u.job_title.as_deref()),
        "department" => PropVal::Str(u.department.as_deref()),
        "officeLocation" => PropVal::Str(u.office_location.as_deref()),
        "employeeId" => PropVal::Str(u.employee_id.as_deref()),
        "mobilePhone" => PropVal::Str(u.mobile_phone.as_deref()),
        "businessPhones" => PropVal::Strs(&u.business_phones),
        "preferredLanguage" => PropVal::Str(u.preferred_language.as_deref()),
        "companyName" => PropVal::Str(u.company_name.as_deref()),
        "city" => PropVal::Str(u.city.as_deref()),
        "country" => PropVal::Str(u.country.as_deref()),
        "accountEnabled" => PropVal::Bool(Some(u.account_enabled)),
        "userType" => PropVal::Str(Some(&u.user_type)),
        "createdDateTime" => PropVal::Time(u.created_date_time),
        "onPremisesSyncEnabled" => PropVal::Bool(u.on_premises_sync_enabled),
        "mailNickname" => PropVal::Str(Some(mail_nickname(u))),
        "externalUserState" => PropVal::Str(u.is_external_guest().then_some("Accepted")),
        "creationType" => PropVal::Str(u.is_external_guest().then_some("Invitation")),
        _ => PropVal::Str(None),
    }
}

/// String values of a property for `$search`.
pub(crate) fn search_vals<'a>(u: &'a SimUser, prop: &str) -> Vec<&'a str> {
    match prop_val(u, prop) {
        PropVal::Str(Some(s)) => vec![s],
        PropVal::Strs(list) => list.iter().map(String::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A user object with the given canonical properties (or the default set).
pub(crate) fn user_json(u: &SimUser, select: Option<&[&'static str]>, domain: &str) -> Map<String, Value> {
    let props: &[&str] = select.unwrap_or(&DEFAULT_PROPS);
    props.iter().map(|p| ((*p).to_owned(), value(u, p, domain))).collect()
}
