//! A deterministic synthetic directory for benchmarks and tests (the same recipe as the figures
//! the search benchmarks are compared with): splitmix64 with seed [`SEED`], about 230 given names and 330
//! surnames picked with a skew (common names repeat, `John Smith` ≈ 0.5 %), non-ASCII names
//! (José, Müller, Nguyễn, O'Brien, …), 8 % middle initials, 4.5 % Chinese display names with
//! pinyin UPNs, 1.5 % rooms/shared mailboxes/service accounts, 2.9 % B2B guests
//! (`first.last_fabrikam.example#EXT#@contoso.onmicrosoft.com`), 10 % of members with mail at a
//! second own domain, UPNs ASCII-folded with a counter for duplicates. The first `n` users of a
//! larger directory are the directory of size `n`.

use std::collections::HashMap;

use tapdesk_graph::types::User;

/// The generator's seed.
pub const SEED: u64 = 20261130;

/// The tenant's own domains in the synthetic directory (pass to tapdesk's `search::Engine::new`).
pub fn own_domains() -> Vec<String> {
    vec!["contoso.example".into(), "sales.contoso.example".into(), "contoso.onmicrosoft.com".into()]
}

/// splitmix64: a tiny, fast, deterministic generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_f64() * n as f64) as usize % n.max(1)
    }

    /// Skewed pick in `0..n`: index 0 is the most common.
    pub fn skewed(&mut self, n: usize) -> usize {
        ((self.next_f64().powf(2.2)) * n as f64) as usize % n.max(1)
    }
}

const GIVEN: &[&str] = &[
    "John",
    "Maria",
    "David",
    "José",
    "Michael",
    "Anna",
    "James",
    "Sarah",
    "Robert",
    "Laura",
    "Thomas",
    "Zoë",
    "Daniel",
    "Emma",
    "Peter",
    "Chloé",
    "Mark",
    "Julia",
    "Paul",
    "Sophie",
    "Björn",
    "Lisa",
    "Andrew",
    "Søren",
    "Kevin",
    "Emily",
    "Łukasz",
    "Hannah",
    "Chris",
    "Olivia",
    "Ștefan",
    "Mia",
    "Siobhán",
    "Lena",
    "Jan",
    "Noah",
    "François",
    "Amélie",
    "Jörg",
    "Ava",
    "Brian",
    "Grace",
    "Jürgen",
    "Lucía",
    "Matthew",
    "Ines",
    "Kai",
    "Nina",
    "Tomás",
    "Eva",
    "Jack",
    "Ella",
    "Liam",
    "Clara",
    "Ryan",
    "Isabel",
    "Eric",
    "Sara",
    "Adam",
    "Maja",
    "Ben",
    "Alice",
    "Sean",
    "Jessica",
    "Oliver",
    "Rachel",
    "Lucas",
    "Amy",
    "Jonas",
    "Kate",
    "Felix",
    "Nora",
    "Henrik",
    "Ingrid",
    "Mateo",
    "Camila",
    "Ömer",
    "Ayşe",
    "Minh",
    "Linh",
    "Thảo",
    "Wojciech",
    "Małgorzata",
    "Dmitri",
    "Olga",
    "Raj",
    "Priya",
    "Arjun",
    "Ananya",
    "Kwame",
    "Ama",
    "Hiroshi",
    "Yuki",
    "Aoife",
    "Niamh",
    "Johan",
    "Joanna",
    "Johanna",
    "Jon",
    "Jonathan",
    "Joseph",
    "Josef",
    "Joan",
    "Jane",
    "Janet",
    "Jason",
    "Jeff",
    "Jennifer",
    "Jim",
    "Joel",
    "Steven",
    "Susan",
    "Karen",
    "Nancy",
    "Betty",
    "Helen",
    "Sandra",
    "Donna",
    "Carol",
    "Ruth",
    "Sharon",
    "Michelle",
    "Gary",
    "Larry",
    "Scott",
    "Frank",
    "Raymond",
    "Gregory",
    "Samuel",
    "Patrick",
    "Dennis",
    "Jerry",
    "Tyler",
    "Aaron",
    "Henry",
    "Douglas",
    "Zachary",
];

const SURNAME: &[&str] = &[
    "Smith",
    "Müller",
    "Johnson",
    "Nguyễn",
    "Williams",
    "García",
    "Brown",
    "O'Brien",
    "Jones",
    "Schmidt",
    "Miller",
    "Schröder",
    "Davis",
    "Núñez",
    "Wilson",
    "Wiśniewski",
    "Taylor",
    "Jørgensen",
    "Anderson",
    "Yılmaz",
    "Thomas",
    "Trần",
    "Moore",
    "Đặng",
    "Martin",
    "O'Connor",
    "Jackson",
    "O'Neill",
    "White",
    "Ó Súilleabháin",
    "Harris",
    "Fischer",
    "Clark",
    "Weber",
    "Lewis",
    "Meyer",
    "Walker",
    "Wagner",
    "Hall",
    "Becker",
    "Allen",
    "Schulz",
    "Young",
    "Hoffmann",
    "King",
    "Koch",
    "Wright",
    "Richter",
    "Scott",
    "Klein",
    "Green",
    "Wolf",
    "Baker",
    "Schäfer",
    "Adams",
    "Neumann",
    "Nelson",
    "Schwarz",
    "Hill",
    "Zimmermann",
    "Campbell",
    "Krüger",
    "Mitchell",
    "Hartmann",
    "Roberts",
    "Lange",
    "Carter",
    "Werner",
    "Phillips",
    "Lehmann",
    "Evans",
    "Köhler",
    "Turner",
    "Maier",
    "Torres",
    "Pérez",
    "Parker",
    "López",
    "Collins",
    "González",
    "Edwards",
    "Rodríguez",
    "Stewart",
    "Fernández",
    "Morris",
    "Sánchez",
    "Murphy",
    "Ramírez",
    "Cook",
    "Kowalski",
    "Rogers",
    "Nowak",
    "Morgan",
    "Kovács",
    "Peterson",
    "Novák",
    "Cooper",
    "Dvořák",
    "Reed",
    "Horváth",
    "Bailey",
    "Popescu",
    "Bell",
    "Ionescu",
    "Gómez",
    "Kelly",
    "Howard",
    "Ward",
    "Cox",
    "Diaz",
    "Richardson",
    "Wood",
    "Watson",
    "Brooks",
    "Bennett",
    "Gray",
    "James",
    "Reyes",
    "Cruz",
    "Hughes",
    "Price",
    "Myers",
    "Long",
    "Foster",
    "Sanders",
    "Ross",
    "Morales",
    "Powell",
    "Sullivan",
    "Russell",
    "Ortiz",
    "Jenkins",
    "Gutiérrez",
    "Perry",
    "Butler",
    "Barnes",
    "Fisher",
    "Henderson",
    "Coleman",
    "Simmons",
    "Patterson",
    "Jordan",
    "Reynolds",
    "Hamilton",
    "Graham",
    "Kim",
    "Park",
    "Lee",
    "Choi",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Lê",
    "Phạm",
    "Hoàng",
    "Petersen",
    "Nielsen",
    "Hansen",
    "Lindström",
    "Åberg",
    "Öberg",
];

const SYLLABLES: &[&str] = &[
    "ka", "ri", "lo", "men", "tar", "vi", "sa", "del", "mo", "ran", "es", "bel", "tu", "nor", "ha", "lin", "go", "ve",
    "sto", "mar", "qui", "zel", "fa", "dor", "pe", "win", "ul", "bra",
];

const CJK_SURNAME: &[(&str, &str)] = &[
    ("李", "li"),
    ("王", "wang"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
];
const CJK_GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
];

const GUEST_DOMAINS: &[&str] = &["fabrikam.example", "northwind.example", "adatum.example", "tailspin.example"];
const JOBS: &[&str] =
    &["Engineer", "Sales Manager", "Accountant", "Analyst", "Nurse", "Technician", "Consultant", "Designer"];
const CITIES: &[&str] = &["Berlin", "Dublin", "Lyon", "Seattle", "Osaka", "Madrid"];

/// A synthesised name from the syllable table (the long tail of the name lists).
fn invented(i: usize) -> String {
    let a = SYLLABLES[i % SYLLABLES.len()];
    let b = SYLLABLES[(i / SYLLABLES.len() + 3 * i) % SYLLABLES.len()];
    let c = SYLLABLES[(i * 7 + 1) % SYLLABLES.len()];
    let mut s: String = format!("{a}{b}{}", if i.is_multiple_of(3) { c } else { "" });
    if let Some(f) = s.get(..1) {
        let up = f.to_ascii_uppercase();
        s.replace_range(..1, &up);
    }
    s
}

/// Name pools padded to 230 given names and 330 surnames.
fn pools() -> (Vec<String>, Vec<String>) {
    let mut given: Vec<String> = GIVEN.iter().map(|s| s.to_string()).collect();
    let mut i = 0;
    while given.len() < 230 {
        given.push(invented(i));
        i += 1;
    }
    let mut last: Vec<String> = SURNAME.iter().map(|s| s.to_string()).collect();
    while last.len() < 330 {
        last.push(format!("{}{}", invented(i), if i.is_multiple_of(2) { "er" } else { "s" }));
        i += 1;
    }
    (given, last)
}

pub use tapdesk_graph::fold::upn_part;

fn guid(rng: &mut SplitMix64) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        (b >> 48) & 0x3FFF | 0x8000,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// What a generated account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A member of the tenant (most accounts).
    Member,
    /// A B2B guest (`first.last_fabrikam.example#EXT#@contoso.onmicrosoft.com`).
    Guest,
    /// A room, shared mailbox or service account (no given name or surname).
    Resource,
}

/// One generated person (or resource account): the identity both the benchmarks' directory
/// ([`directory`]) and the demo tenant (which adds HR attributes, methods and groups) are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Object id (a version-4 GUID).
    pub id: String,
    /// What the account is.
    pub kind: Kind,
    /// `givenName` (none for resources).
    pub given_name: Option<String>,
    /// `surname` (none for resources).
    pub surname: Option<String>,
    /// `displayName`, e.g. `José Müller`, `李伟`, `Room 204 Leeds`.
    pub display_name: String,
    /// `userPrincipalName`: ASCII, unique in the directory.
    pub user_principal_name: String,
    /// `mail`.
    pub mail: String,
    /// `jobTitle`, for members that have one.
    pub job_title: Option<String>,
}

impl Person {
    /// The person as a Graph [`User`] (the properties the directory list reads).
    pub fn to_user(&self) -> User {
        User {
            id: self.id.clone(),
            display_name: Some(self.display_name.clone()),
            user_principal_name: Some(self.user_principal_name.clone()),
            mail: Some(self.mail.clone()),
            user_type: Some(if self.kind == Kind::Guest { "Guest" } else { "Member" }.into()),
            job_title: self.job_title.clone(),
            account_enabled: Some(true),
            ..Default::default()
        }
    }
}

/// The first `n` people of the synthetic directory, in directory order (the first `n` of a larger
/// directory are the directory of size `n`).
pub fn people(n: usize) -> Vec<Person> {
    let (given, last) = pools();
    let mut rng = SplitMix64::new(SEED);
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut unique = |base: String| -> String {
        let c = seen.entry(base.clone()).or_insert(0);
        *c += 1;
        if *c == 1 { base } else { format!("{base}{c}") }
    };
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let id = guid(&mut rng);
        let kind = rng.next_f64();
        let person = if kind < 0.015 {
            let no = rng.below(900) + 100;
            let city = CITIES[rng.below(CITIES.len())];
            let (name, local) = match rng.below(3) {
                0 => (format!("Room {no} {city}"), format!("room-{no}-{city}")),
                1 => (format!("Shared Mailbox {city} {no}"), format!("shared-{city}-{no}")),
                _ => (format!("svc-backup-{no}"), format!("svc-backup-{no}")),
            };
            let upn = format!("{}@contoso.example", unique(upn_part(&local)));
            Person {
                id,
                kind: Kind::Resource,
                given_name: None,
                surname: None,
                display_name: name,
                mail: upn.clone(),
                user_principal_name: upn,
                job_title: None,
            }
        } else if kind < 0.06 {
            let (s, sp) = CJK_SURNAME[rng.skewed(CJK_SURNAME.len())];
            let (g, gp) = CJK_GIVEN[rng.skewed(CJK_GIVEN.len())];
            let upn = format!("{}@contoso.example", unique(format!("{gp}.{sp}")));
            Person {
                id,
                kind: Kind::Member,
                given_name: Some(g.into()),
                surname: Some(s.into()),
                display_name: format!("{s}{g}"),
                mail: upn.clone(),
                user_principal_name: upn,
                job_title: Some(JOBS[rng.below(JOBS.len())].into()),
            }
        } else {
            let f = &given[rng.skewed(given.len())];
            let l = &last[rng.skewed(last.len())];
            let middle = rng.next_f64() < 0.08;
            let initial = (b'A' + rng.below(26) as u8) as char;
            let display_name = if middle { format!("{f} {initial}. {l}") } else { format!("{f} {l}") };
            let local = format!("{}.{}", upn_part(f), upn_part(l));
            let (given_name, surname) = (Some(f.to_string()), Some(l.to_string()));
            if kind < 0.089 {
                let d = GUEST_DOMAINS[rng.skewed(GUEST_DOMAINS.len())];
                Person {
                    id,
                    kind: Kind::Guest,
                    given_name,
                    surname,
                    display_name,
                    user_principal_name: format!("{}#EXT#@contoso.onmicrosoft.com", unique(format!("{local}_{d}"))),
                    mail: format!("{local}@{d}"),
                    job_title: None,
                }
            } else {
                let local = unique(local);
                let second = rng.next_f64() < 0.10;
                Person {
                    id,
                    kind: Kind::Member,
                    given_name,
                    surname,
                    display_name,
                    user_principal_name: format!("{local}@contoso.example"),
                    mail: if second {
                        format!("{local}@sales.contoso.example")
                    } else {
                        format!("{local}@contoso.example")
                    },
                    job_title: Some(JOBS[rng.below(JOBS.len())].into()),
                }
            }
        };
        out.push(person);
    }
    out
}

/// The first `n` users of the synthetic directory, in directory order ([`people`] as Graph users).
pub fn directory(n: usize) -> Vec<User> {
    people(n).iter().map(Person::to_user).collect()
}

/// One line per user for command-line anchors (fzf): `displayName<TAB>userPrincipalName`.
pub fn line(u: &User) -> String {
    format!("{}\t{}", u.display_name.as_deref().unwrap_or(""), u.user_principal_name.as_deref().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_prefix_stable() {
        let a = directory(2000);
        let b = directory(500);
        assert_eq!(&a[..500], &b[..]);
        assert!(a.iter().any(|u| u.user_type.as_deref() == Some("Guest")));
        assert_eq!(upn_part("Müller"), "mueller");
        assert_eq!(upn_part("O'Brien"), "obrien");
        assert_eq!(upn_part("Ó Súilleabháin"), "osuilleabhain");
    }
}
