//! The deterministic demo tenant (`contoso.example`): fixed named people plus generated staff.
//!
//! Everything comes from a seeded SplitMix64 generator, so `Tenant::demo_at(n, t)` is identical on
//! every run; [`Tenant::demo`] only anchors Noor Haddad's active TAP to the current time.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};

use super::demo_names as names;
use super::demo_people::{at, authenticator, fido2, fixed_people, method, password, phone, ts};
use super::tenant::{
    self, MethodDetail, SimClient, SimGroup, SimRole, SimSettings, SimUser, Tenant, role_templates as rt,
};
use crate::synth::{self, Kind, Person};
use tapdesk_graph::types::PolicyTarget;

pub use crate::contract::{CLIENT_ID, CLIENT_SECRET, DOMAIN, PAA_CLIENT_ID, PUBLIC_CLIENT_ID, TENANT_ID};

/// Dana Okafor, the signed-in operator: Authentication Administrator + Global Reader.
pub const DANA_OKAFOR_ID: &str = "5d0a7c2e-3b1f-4e6a-9c8d-1f2e3a4b5c01";
/// Avery Quinn: password, Microsoft Authenticator "Pixel 8" (default), FIDO2 "YubiKey 5 NFC".
pub const AVERY_QUINN_ID: &str = "0f8e2d6c-7a41-4b9e-8d2c-3e5f6a7b8c02";
/// Noor Haddad: password and an active multi-use TAP.
pub const NOOR_HADDAD_ID: &str = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c03";
/// Siobhan O'Brien: password and a mobile phone (default); in TAP-Users via Field Engineers.
pub const SIOBHAN_OBRIEN_ID: &str = "2b3c4d5e-6f7a-4b9c-8d1e-2f3a4b5c6d04";
/// Bo Lindqvist: password only, not in TAP-Users.
pub const BO_LINDQVIST_ID: &str = "3c4d5e6f-7a8b-4c0d-9e2f-3a4b5c6d7e05";
/// Kai Meyer: external guest `kai.meyer_fabrikam.example#EXT#@contoso.example`.
pub const KAI_MEYER_ID: &str = "4d5e6f7a-8b9c-4d1e-8f3a-4b5c6d7e8f06";
/// Priya Raman: Global Administrator (a privileged target).
pub const PRIYA_RAMAN_ID: &str = "5e6f7a8b-9c0d-4e2f-9a4b-5c6d7e8f9a07";
/// Lee Park: Privileged Authentication Administrator (tokens of [`PAA_CLIENT_ID`]).
pub const LEE_PARK_ID: &str = "6f7a8b9c-0d1e-4f3a-8b5c-6d7e8f9a0b08";
/// Renée Lefèvre: one method of every type plus a QR code PIN and a fabricated future type.
pub const RENEE_LEFEVRE_ID: &str = "7a8b9c0d-1e2f-4a4b-9c6d-7e8f9a0b1c09";

/// Group `TAP-Users`, the TAP policy's include target.
pub const TAP_USERS_GROUP_ID: &str = "8b9c0d1e-2f3a-4b5c-8d7e-8f9a0b1c2d10";
/// Group `Field Engineers`, a member of TAP-Users (nested).
pub const FIELD_ENGINEERS_GROUP_ID: &str = "9c0d1e2f-3a4b-4c6d-9e8f-9a0b1c2d3e12";
/// Group `Helpdesk Tier 1` (Dana's team).
pub const HELPDESK_GROUP_ID: &str = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c13";
/// Group `Finance` (Bo's; not a TAP target).
pub const FINANCE_GROUP_ID: &str = "b1c2d3e4-f5a6-4b7c-9d8e-0f1a2b3c4d14";
/// Role-assignable group `Identity Admins` (holds Helpdesk Administrator).
pub const IDENTITY_ADMINS_GROUP_ID: &str = "c2d3e4f5-a6b7-4c8d-8e9f-1a2b3c4d5e15";

/// Dana Okafor's (the demo operator's) Microsoft Authenticator method id.
pub const DANA_AUTHENTICATOR_ID: &str = "8a1f6b2c-9d3e-4f5a-8b7c-1d2e3f4a5b6c";
/// Avery's Microsoft Authenticator method id (her default MFA method).
pub const AVERY_AUTHENTICATOR_ID: &str = "6e2f1d3c-4b5a-4c7d-8e9f-0a1b2c3d4e5f";
/// Avery's FIDO2 key id: starts with `-` and contains `+`, `/` and `=` (percent-encode in paths).
pub const AVERY_FIDO2_ID: &str = "-aVq9Yk5+nfc/Avery0Qw==";
/// Priya Raman's FIDO2 key (last used 12 minutes before the demo starts: a "lost" key that is not).
pub const PRIYA_FIDO2_ID: &str = "_Pr1yaK3y-GA_0001";
/// Noor's active TAP id.
pub const NOOR_TAP_ID: &str = "d3e4f5a6-b7c8-4d9e-9f0a-2b3c4d5e6f16";

/// Deterministic SplitMix64 generator (stable across crate versions, unlike `StdRng`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `per_mille`/1000.
    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }
    fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        &s[self.below(s.len())]
    }
    fn uuid(&mut self) -> String {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(b).into_uuid().to_string()
    }
    fn b64url(&mut self, len: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..len).map(|_| A[self.below(64)] as char).collect()
    }
    fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(b"0123456789abcdef"[self.below(16)])).collect()
    }
    /// A time between 2018-01-01 and 2025-06-30 (UTC), whole seconds.
    fn past(&mut self) -> Timestamp {
        let lo = 1_514_764_800i64;
        let hi = 1_751_241_600i64;
        ts(lo + (self.next() % (hi - lo) as u64) as i64)
    }
}

/// Where a generated user lands: direct TAP-Users, Field Engineers (nested), or neither.
enum Bucket {
    TapUsers,
    FieldEngineers,
    Outside,
}

/// The demo's staff member made from the shared synthetic directory's person `p`
/// ([`crate::synth::people`]): the person's identity, plus HR attributes, methods and a TAP
/// policy bucket from the demo's own generator.
fn generated_user(rng: &mut Rng, i: usize, p: Person) -> (SimUser, Bucket) {
    let created = rng.past();
    let mut u = SimUser {
        id: p.id,
        display_name: p.display_name,
        given_name: p.given_name,
        surname: p.surname,
        user_principal_name: p.user_principal_name,
        mail: Some(p.mail),
        job_title: p.job_title,
        account_enabled: !rng.chance(30),
        created_date_time: Some(created),
        ..SimUser::default()
    };
    if p.kind == Kind::Guest {
        u.user_type = "Guest".into();
        u.company_name = Some("Fabrikam".into());
        return (u, Bucket::Outside);
    }
    u.user_type = "Member".into();
    if u.job_title.is_none() && p.kind == Kind::Member {
        u.job_title = Some((*rng.pick(names::JOB_TITLES)).into());
    }
    if rng.chance(800) {
        u.department = Some((*rng.pick(names::DEPARTMENTS)).into());
    }
    if rng.chance(700) {
        u.office_location = Some((*rng.pick(names::OFFICES)).into());
    }
    if rng.chance(800) {
        u.employee_id = Some(format!("E{:06}", 200_000 + i));
    }
    if rng.chance(400) {
        u.mobile_phone = Some(format!("+44 7700 900{:03}", rng.below(1000)));
    }
    if rng.chance(500) {
        u.business_phones = vec![format!("+1 425 555 01{:02}", rng.below(100))];
    }
    if rng.chance(700) {
        u.preferred_language = Some((*rng.pick(names::LANGUAGES)).into());
    }
    if rng.chance(600) {
        let &(city, country) = rng.pick(names::CITIES);
        u.city = Some(city.into());
        u.country = Some(country.into());
        u.company_name = Some("Contoso".into());
    }
    if rng.chance(300) {
        u.on_premises_sync_enabled = Some(true);
    }
    add_methods(rng, &mut u, created);
    let bucket = match rng.below(100) {
        0..84 => Bucket::TapUsers,
        84..92 => Bucket::FieldEngineers,
        _ => Bucket::Outside,
    };
    (u, bucket)
}

fn later(rng: &mut Rng, after: Timestamp) -> Timestamp {
    ts(after.as_second() + rng.below(3 * 365 * 86_400) as i64)
}

fn add_methods(rng: &mut Rng, u: &mut SimUser, created: Timestamp) {
    u.methods.push(password(later(rng, created)));
    let mut default = None;
    if rng.chance(600) {
        let id = rng.uuid();
        let when = later(rng, created);
        let device = *rng.pick::<&str>(names::PHONES);
        u.methods.push(authenticator(&id, device, when));
        default = Some(id);
    }
    if rng.chance(350) {
        let number = format!("+1 425555{:04}", rng.below(10_000));
        u.methods.push(phone(&number, "mobile", None));
        default.get_or_insert_with(|| tenant::PHONE_MOBILE_ID.into());
    }
    if rng.chance(200) {
        let model = *rng.pick(names::FIDO2_MODELS);
        let prefix = match rng.below(4) {
            0 => "-",
            1 => "_",
            _ => "",
        };
        let id = format!("{prefix}{}", rng.b64url(22));
        let name = if model.2 == "synced" { "Passkey" } else { "Security key" };
        let (when, cert) = (later(rng, created), rng.hex(40));
        u.methods.push(fido2(&id, name, model, when, cert));
    }
    if rng.chance(150) {
        let addr = format!("{}@fabrikam.example", u.user_principal_name.split('@').next().unwrap_or("x"));
        u.methods.push(method(tenant::EMAIL_METHOD_ID, None, MethodDetail::Email { email_address: addr }));
    }
    if rng.chance(100) {
        let id = rng.uuid();
        u.methods.push(method(&id, Some(later(rng, created)), MethodDetail::SoftwareOath {}));
        default.get_or_insert(id);
    }
    if rng.chance(150) {
        let id = rng.b64url(22);
        let detail = MethodDetail::WindowsHelloForBusiness {
            display_name: Some((*rng.pick(names::LAPTOPS)).into()),
            key_strength: Some("normal".into()),
        };
        u.methods.push(method(&id, Some(later(rng, created)), detail));
    }
    if rng.chance(50) {
        let id = rng.b64url(43);
        let detail = MethodDetail::PlatformCredential {
            display_name: Some("MacBook Air".into()),
            key_strength: Some("normal".into()),
            platform: Some("macOS".into()),
        };
        u.methods.push(method(&id, Some(later(rng, created)), detail));
    }
    if rng.chance(10) {
        let id = rng.uuid();
        let start = at("2024-03-05T09:00:00Z");
        let created = start.checked_add(SignedDuration::from_nanos(987_654_300)).unwrap_or(start);
        let detail = MethodDetail::TemporaryAccessPass {
            start_date_time: start,
            lifetime_in_minutes: 60,
            is_usable_once: rng.chance(500),
            used: false,
        };
        u.methods.push(method(&id, Some(created), detail));
    }
    u.default_method_id = default;
}

impl Tenant {
    /// The demo tenant on `contoso.example` with `n_users` people in total (never fewer than the 9
    /// named people of [`crate::demo`]); callers pass 2000. Deterministic except that Noor
    /// Haddad's TAP starts 15 minutes before the call (so it is active for the next 225 minutes).
    pub fn demo(n_users: usize) -> Self {
        Self::demo_at(n_users, Timestamp::now())
    }

    /// [`Tenant::demo`] with "now" given: the same `(n_users, now)` always yields the same tenant.
    pub fn demo_at(n_users: usize, now: Timestamp) -> Self {
        let mut rng = Rng(0x7a9d_e5c0_2025_0001);
        let mut users = fixed_people(now);
        let taken: HashSet<String> = users.iter().map(|u| u.user_principal_name.to_ascii_lowercase()).collect();
        let fixed = users.len();
        let mut tap_users: Vec<String> = vec![
            AVERY_QUINN_ID.into(),
            NOOR_HADDAD_ID.into(),
            PRIYA_RAMAN_ID.into(),
            RENEE_LEFEVRE_ID.into(),
            FIELD_ENGINEERS_GROUP_ID.into(),
        ];
        let mut field = vec![SIOBHAN_OBRIEN_ID.to_string()];
        let mut identity_admins = Vec::new();
        let wanted = n_users.saturating_sub(fixed);
        users.reserve(wanted);
        // The shared synthetic directory, less anyone whose UPN a named person already has.
        let staff = synth::people(wanted + fixed)
            .into_iter()
            .filter(|p| !taken.contains(&p.user_principal_name.to_ascii_lowercase()))
            .take(wanted);
        for (i, person) in staff.enumerate() {
            let (mut u, bucket) = generated_user(&mut rng, i, person);
            if i >= 10 && u.user_type == "Member" && rng.chance(850) {
                u.manager_id = Some(users[fixed + rng.below(i.min(400))].id.clone());
            }
            match bucket {
                Bucket::TapUsers => tap_users.push(u.id.clone()),
                Bucket::FieldEngineers => field.push(u.id.clone()),
                Bucket::Outside => {}
            }
            if i % 97 == 13 && identity_admins.len() < 5 && u.user_type == "Member" {
                identity_admins.push(u.id.clone());
            }
            users.push(u);
        }
        let groups = vec![
            group(TAP_USERS_GROUP_ID, "TAP-Users", false, tap_users),
            group(FIELD_ENGINEERS_GROUP_ID, "Field Engineers", false, field),
            group(HELPDESK_GROUP_ID, "Helpdesk Tier 1", false, vec![DANA_OKAFOR_ID.into()]),
            group(FINANCE_GROUP_ID, "Finance", false, vec![BO_LINDQVIST_ID.into()]),
            group(IDENTITY_ADMINS_GROUP_ID, "Identity Admins", true, identity_admins),
        ];
        let roles = vec![
            role(
                "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a51",
                rt::AUTHENTICATION_ADMINISTRATOR,
                "Authentication Administrator",
                vec![DANA_OKAFOR_ID.into()],
            ),
            role(
                "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a52",
                rt::GLOBAL_READER,
                "Global Reader",
                vec![DANA_OKAFOR_ID.into()],
            ),
            role(
                "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a53",
                rt::GLOBAL_ADMINISTRATOR,
                "Global Administrator",
                vec![PRIYA_RAMAN_ID.into()],
            ),
            role(
                "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a54",
                rt::PRIVILEGED_AUTHENTICATION_ADMINISTRATOR,
                "Privileged Authentication Administrator",
                vec![LEE_PARK_ID.into()],
            ),
            role(
                "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a55",
                rt::HELPDESK_ADMINISTRATOR,
                "Helpdesk Administrator",
                vec![IDENTITY_ADMINS_GROUP_ID.into()],
            ),
        ];
        let include = vec![PolicyTarget {
            target_type: "group".into(),
            id: TAP_USERS_GROUP_ID.into(),
            is_registration_required: Some(false),
        }];
        Tenant {
            tenant_id: TENANT_ID.into(),
            domain: DOMAIN.into(),
            display_name: "Contoso (demo)".into(),
            operator_id: DANA_OKAFOR_ID.into(),
            clients: vec![
                SimClient { client_id: CLIENT_ID.into(), client_secret: CLIENT_SECRET.into(), ..SimClient::default() },
                SimClient {
                    client_id: PAA_CLIENT_ID.into(),
                    client_secret: CLIENT_SECRET.into(),
                    operator_id: Some(LEE_PARK_ID.into()),
                    ..SimClient::default()
                },
                SimClient {
                    client_id: PUBLIC_CLIENT_ID.into(),
                    public_client: true,
                    display_name: Some("tapdesk".into()),
                    ..SimClient::default()
                },
            ],
            users,
            groups,
            roles,
            tap_policy: tenant::default_tap_policy(include),
            managed_identities: Vec::new(),
            identity_header: None,
            settings: SimSettings::default(),
        }
    }
}

fn group(id: &str, name: &str, role_assignable: bool, members: Vec<String>) -> SimGroup {
    SimGroup { id: id.into(), display_name: name.into(), is_assignable_to_role: role_assignable, members }
}

fn role(id: &str, template: &str, name: &str, members: Vec<String>) -> SimRole {
    SimRole { id: id.into(), role_template_id: template.into(), display_name: name.into(), members }
}
