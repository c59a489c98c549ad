//! The TAP policy pane (`P`): the tenant's Temporary Access Pass policy, and for an operator whose
//! role may change it (Authentication Policy Administrator or Global Administrator), a form checked
//! against Graph's ranges before the PATCH: lifetimes 10..=43,200 minutes with
//! minimum <= default <= maximum, length 8..=48.

use tapdesk_graph::types::{TAP_POLICY_ODATA_TYPE, TapPolicy, TapPolicyPatch, UserCard};

/// Fields of the policy form, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyField {
    /// enabled / disabled.
    State,
    /// `minimumLifetimeInMinutes`.
    Minimum,
    /// `defaultLifetimeInMinutes`.
    Default,
    /// `maximumLifetimeInMinutes`.
    Maximum,
    /// `defaultLength`.
    Length,
    /// `isUsableOnce`.
    OneTime,
}

impl PolicyField {
    /// All fields, top to bottom.
    pub const ALL: [PolicyField; 6] = [
        PolicyField::State,
        PolicyField::Minimum,
        PolicyField::Default,
        PolicyField::Maximum,
        PolicyField::Length,
        PolicyField::OneTime,
    ];
}

/// The policy form's state; numbers are kept as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyEditor {
    /// The policy as read.
    pub original: TapPolicy,
    /// State: enabled.
    pub enabled: bool,
    /// Minimum lifetime text (minutes or units like `1h`).
    pub minimum: String,
    /// Default lifetime text.
    pub default: String,
    /// Maximum lifetime text.
    pub maximum: String,
    /// Length text.
    pub length: String,
    /// Every pass one-time.
    pub one_time: bool,
    /// Focused field index into [`PolicyField::ALL`].
    pub field: usize,
    /// `None` when the operator may change the policy; otherwise why not.
    pub read_only: Option<String>,
    /// Why the last save was refused.
    pub error: Option<String>,
    /// A PATCH in flight.
    pub saving: bool,
}

/// Role template ids that may change the policy.
const AUTHENTICATION_POLICY_ADMINISTRATOR: &str = "0526716b-113d-4c15-b2c8-68e3c22b9f80";
const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

impl PolicyEditor {
    /// A form filled from `policy`; read-only unless `operator` holds Authentication Policy
    /// Administrator or Global Administrator (unknown roles: editable, Graph decides).
    pub fn new(policy: &TapPolicy, operator: Option<&UserCard>) -> Self {
        let read_only = operator.and_then(|o| {
            let may = o.member_of.iter().any(|r| {
                r.is_role()
                    && (matches!(
                        r.role_template_id.as_deref(),
                        Some(AUTHENTICATION_POLICY_ADMINISTRATOR | GLOBAL_ADMINISTRATOR)
                    ) || matches!(
                        r.display_name.as_deref(),
                        Some("Authentication Policy Administrator" | "Global Administrator")
                    ))
            });
            (!may).then(|| {
                "Read-only: changing it needs the Authentication Policy Administrator or Global Administrator role."
                    .to_owned()
            })
        });
        Self {
            original: policy.clone(),
            enabled: policy.is_enabled(),
            minimum: policy.minimum_lifetime_in_minutes.to_string(),
            default: policy.default_lifetime_in_minutes.to_string(),
            maximum: policy.maximum_lifetime_in_minutes.to_string(),
            length: policy.default_length.to_string(),
            one_time: policy.is_usable_once,
            field: 0,
            read_only,
            error: None,
            saving: false,
        }
    }

    /// The focused field.
    pub fn focused(&self) -> PolicyField {
        PolicyField::ALL[self.field.min(PolicyField::ALL.len() - 1)]
    }

    /// The text of a numeric field, if `f` is one.
    pub fn text_mut(&mut self, f: PolicyField) -> Option<&mut String> {
        match f {
            PolicyField::Minimum => Some(&mut self.minimum),
            PolicyField::Default => Some(&mut self.default),
            PolicyField::Maximum => Some(&mut self.maximum),
            PolicyField::Length => Some(&mut self.length),
            PolicyField::State | PolicyField::OneTime => None,
        }
    }

    /// The PATCH body, or what is wrong in words.
    ///
    /// # Errors
    /// A field that does not parse or is out of Graph's ranges.
    pub fn patch(&self) -> Result<TapPolicyPatch, String> {
        let life = |label: &str, t: &str| -> Result<u32, String> {
            let m = super::tap_form::parse_lifetime(t).map_err(|e| format!("{label}: {e}"))?;
            if !(10..=43_200).contains(&m) {
                return Err(format!("{label} must be 10 minutes to 30 days (43,200 minutes); got {m}."));
            }
            Ok(m)
        };
        let min = life("Minimum lifetime", &self.minimum)?;
        let default = life("Default lifetime", &self.default)?;
        let max = life("Maximum lifetime", &self.maximum)?;
        let length: u32 =
            self.length.trim().parse().map_err(|_| format!("Length '{}' is not a number.", self.length))?;
        if !(8..=48).contains(&length) {
            return Err(format!("Length must be 8 to 48 characters; got {length}."));
        }
        if min > max {
            return Err(format!("Minimum ({min} min) is above maximum ({max} min)."));
        }
        if !(min..=max).contains(&default) {
            return Err(format!("Default ({default} min) must lie between minimum ({min}) and maximum ({max})."));
        }
        Ok(TapPolicyPatch {
            odata_type: TAP_POLICY_ODATA_TYPE,
            state: if self.enabled { "enabled" } else { "disabled" }.to_owned(),
            default_lifetime_in_minutes: default,
            minimum_lifetime_in_minutes: min,
            maximum_lifetime_in_minutes: max,
            default_length: length,
            is_usable_once: self.one_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> TapPolicy {
        TapPolicy {
            id: "TemporaryAccessPass".into(),
            state: "enabled".into(),
            default_lifetime_in_minutes: 60,
            default_length: 8,
            minimum_lifetime_in_minutes: 60,
            maximum_lifetime_in_minutes: 480,
            is_usable_once: false,
            include_targets: vec![],
            exclude_targets: vec![],
        }
    }

    #[test]
    fn ranges_are_checked_before_the_patch() {
        let mut e = PolicyEditor::new(&policy(), None);
        assert!(e.read_only.is_none());
        let p = e.patch().expect("valid");
        assert_eq!(p.odata_type, TAP_POLICY_ODATA_TYPE);
        assert_eq!((p.minimum_lifetime_in_minutes, p.default_lifetime_in_minutes), (60, 60));
        e.maximum = "8h".into();
        e.default = "2h".into();
        assert_eq!(e.patch().expect("valid").default_lifetime_in_minutes, 120);
        e.minimum = "5".into();
        assert!(e.patch().unwrap_err().contains("10 minutes to 30 days"));
        e.minimum = "60".into();
        e.default = "9h".into();
        assert!(e.patch().unwrap_err().contains("between minimum"));
        e.default = "1h".into();
        e.length = "7".into();
        assert!(e.patch().unwrap_err().contains("8 to 48"));
        e.length = "12".into();
        e.minimum = "10h".into();
        assert!(e.patch().unwrap_err().contains("above maximum"));
        e.minimum = "31d".into();
        assert!(e.patch().is_err());
    }

    #[test]
    fn read_only_without_the_role() {
        let card = UserCard {
            member_of: vec![tapdesk_graph::types::DirectoryObject {
                odata_type: "#microsoft.graph.directoryRole".into(),
                id: "r".into(),
                display_name: Some("Authentication Administrator".into()),
                role_template_id: Some("c4e39bd9-1100-46d3-8c65-fb160da0071f".into()),
                is_assignable_to_role: None,
            }],
            ..Default::default()
        };
        assert!(PolicyEditor::new(&policy(), Some(&card)).read_only.is_some());
        let mut apa = card.clone();
        apa.member_of[0].role_template_id = Some(AUTHENTICATION_POLICY_ADMINISTRATOR.into());
        apa.member_of[0].display_name = Some("Authentication Policy Administrator".into());
        assert!(PolicyEditor::new(&policy(), Some(&apa)).read_only.is_none());
    }
}
