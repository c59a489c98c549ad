//! The cached directory: one compact [`UserRow`] per user, what the Users pane lists and the
//! matcher indexes.
//!
//! A 300,000-user tenant must fit in the issue-6 memory budget (peak RSS ≤ 150 MB with every user
//! cached). A full [`User`] costs about 250 bytes of struct plus a dozen separate string
//! allocations; a [`UserRow`] keeps the four properties of
//! [`DIRECTORY_SELECT`](crate::graph::client::DIRECTORY_SELECT) (`id`, `displayName`,
//! `userPrincipalName`, `mail`) in **one** allocation, about 24 bytes plus the text. Everything
//! else about a user (job title, department, `accountEnabled`, roles, groups …) is read on demand
//! when the operator selects them (`GET /users/{id}`, the user card).

use tapdesk_graph::types::User;

/// One cached user: `id`, `displayName`, `userPrincipalName` and `mail` in one boxed string,
/// separated by NUL (which Graph strings never contain after [`crate::sanitize`]; a NUL that
/// slips in is replaced by U+FFFD so the fields cannot shift).
///
/// Empty and missing properties are the same here: both read back as `None`.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    /// `id \0 displayName \0 userPrincipalName \0 mail`.
    text: Box<str>,
    /// Byte offsets of the three NULs.
    seps: [u32; 3],
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id())
            .field("display_name", &self.display_name())
            .field("user_principal_name", &self.user_principal_name())
            .field("mail", &self.mail())
            .finish()
    }
}

impl UserRow {
    /// A row from its four properties (`None` and `""` are stored alike). Fields longer than
    /// 4 GiB in total are not supported (Graph caps each at a few hundred characters).
    pub fn new(id: &str, display_name: Option<&str>, user_principal_name: Option<&str>, mail: Option<&str>) -> Self {
        let parts = [Some(id), display_name, user_principal_name, mail];
        let mut text = String::with_capacity(parts.iter().map(|p| p.map_or(0, str::len) + 1).sum::<usize>() - 1);
        let mut seps = [0u32; 3];
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                seps[i - 1] = u32::try_from(text.len()).unwrap_or(u32::MAX);
                text.push('\0');
            }
            let s = part.unwrap_or("");
            if s.contains('\0') {
                text.push_str(&s.replace('\0', "\u{FFFD}"));
            } else {
                text.push_str(s);
            }
        }
        Self { text: text.into_boxed_str(), seps }
    }

    /// Rows for a page of users, in order.
    pub fn page(users: &[User]) -> Vec<UserRow> {
        users.iter().map(UserRow::from).collect()
    }

    fn field(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.seps[i - 1] as usize + 1 };
        let end = if i == 3 { self.text.len() } else { self.seps[i] as usize };
        self.text.get(start..end).unwrap_or("")
    }

    fn opt(&self, i: usize) -> Option<&str> {
        Some(self.field(i)).filter(|s| !s.is_empty())
    }

    /// Object id (GUID).
    pub fn id(&self) -> &str {
        self.field(0)
    }

    /// `displayName`, when set.
    pub fn display_name(&self) -> Option<&str> {
        self.opt(1)
    }

    /// `userPrincipalName`, when set.
    pub fn user_principal_name(&self) -> Option<&str> {
        self.opt(2)
    }

    /// `mail`, when set.
    pub fn mail(&self) -> Option<&str> {
        self.opt(3)
    }

    /// The display name, or the id when the user has none.
    pub fn name(&self) -> &str {
        self.display_name().unwrap_or_else(|| self.id())
    }

    /// A [`User`] with the four properties this row holds (the rest `None`), for the selection.
    pub fn to_user(&self) -> User {
        User {
            id: self.id().to_owned(),
            display_name: self.display_name().map(str::to_owned),
            user_principal_name: self.user_principal_name().map(str::to_owned),
            mail: self.mail().map(str::to_owned),
            ..User::default()
        }
    }

    /// Heap bytes owned by this row (the text; the allocator may round it up).
    pub fn heap_bytes(&self) -> usize {
        self.text.len()
    }
}

impl From<&User> for UserRow {
    fn from(u: &User) -> Self {
        UserRow::new(&u.id, u.display_name.as_deref(), u.user_principal_name.as_deref(), u.mail.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let r = UserRow::new("id-1", Some("Zoë Müller"), Some("zoe.muller@contoso.example"), None);
        assert_eq!(r.id(), "id-1");
        assert_eq!(r.display_name(), Some("Zoë Müller"));
        assert_eq!(r.user_principal_name(), Some("zoe.muller@contoso.example"));
        assert_eq!(r.mail(), None);
        assert_eq!(r.name(), "Zoë Müller");
        let u = r.to_user();
        assert_eq!(u.id, "id-1");
        assert_eq!(u.mail, None);
        assert_eq!(UserRow::from(&u), r);
    }

    #[test]
    fn empty_and_missing_read_as_none_and_name_falls_back_to_id() {
        let r = UserRow::new("id-2", Some(""), None, Some(""));
        assert_eq!((r.display_name(), r.user_principal_name(), r.mail()), (None, None, None));
        assert_eq!(r.name(), "id-2");
    }

    #[test]
    fn a_nul_inside_a_field_cannot_shift_the_others() {
        let r = UserRow::new("id-3", Some("a\0b"), Some("u@x.example"), Some("m@x.example"));
        assert_eq!(r.display_name(), Some("a\u{FFFD}b"));
        assert_eq!(r.user_principal_name(), Some("u@x.example"));
        assert_eq!(r.mail(), Some("m@x.example"));
    }

    #[test]
    fn a_row_is_small() {
        assert!(std::mem::size_of::<UserRow>() <= 32, "{}", std::mem::size_of::<UserRow>());
    }
}
