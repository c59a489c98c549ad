//! Invented attribute pools for the demo tenant (job titles, departments, offices, devices, FIDO2
//! models); the people themselves come from the shared synthetic directory ([`crate::synth`]).

pub(crate) const JOB_TITLES: &[&str] = &[
    "Account Manager",
    "Accountant",
    "Analyst",
    "Barista Trainer",
    "Business Analyst",
    "Customer Success Manager",
    "Data Engineer",
    "Designer",
    "Developer",
    "Engineering Manager",
    "Facilities Coordinator",
    "Field Engineer",
    "Finance Manager",
    "HR Generalist",
    "IT Support Specialist",
    "Lab Technician",
    "Legal Counsel",
    "Logistics Planner",
    "Marketing Specialist",
    "Nurse",
    "Office Manager",
    "Product Manager",
    "Project Manager",
    "Recruiter",
    "Research Scientist",
    "Sales Representative",
    "Security Analyst",
    "Site Reliability Engineer",
    "Store Manager",
    "Technical Writer",
    "Warehouse Associate",
];

pub(crate) const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Finance",
    "Human Resources",
    "IT",
    "Legal",
    "Logistics",
    "Marketing",
    "Operations",
    "Research & Development",
    "Retail",
    "Sales",
    "Security",
    "Support",
];

pub(crate) const OFFICES: &[&str] = &[
    "Building 4/2120",
    "Building 7/1010",
    "HQ 3rd floor",
    "Lisbon Hub",
    "Bergen Office",
    "Kraków Office",
    "Hà Nội Office",
    "Remote",
    "Warehouse 2",
    "München Süd",
    "São Paulo",
    "Dublin Docklands",
    "Zürich",
    "Åre Lodge",
];

pub(crate) const LANGUAGES: &[&str] = &[
    "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "pt-BR", "ja-JP", "nl-NL", "sv-SE", "pl-PL", "vi-VN", "zh-CN",
    "ko-KR", "da-DK", "nb-NO",
];

pub(crate) const CITIES: &[(&str, &str)] = &[
    ("Seattle", "United States"),
    ("Lisboa", "Portugal"),
    ("Bergen", "Norway"),
    ("Kraków", "Poland"),
    ("Hà Nội", "Vietnam"),
    ("München", "Germany"),
    ("São Paulo", "Brazil"),
    ("Dublin", "Ireland"),
    ("Zürich", "Switzerland"),
    ("Malmö", "Sweden"),
];

pub(crate) const PHONES: &[&str] = &[
    "Pixel 8",
    "iPhone 15",
    "Galaxy S24",
    "iPhone 13 mini",
    "Pixel 7a",
    "OnePlus 12",
    "moto g84",
    "iPhone SE",
    "Galaxy A54",
    "Xperia 10 V",
];

pub(crate) const LAPTOPS: &[&str] =
    &["LAPTOP-7QK2M", "DESKTOP-H41P9", "Surface Laptop 5", "ThinkPad X1 Carbon", "EliteBook 840", "Latitude 7440"];

/// (aaGuid, model, passkeyType) of security keys and passkeys.
pub(crate) const FIDO2_MODELS: &[(&str, &str, &str)] = &[
    ("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5 NFC", "deviceBound"),
    ("2fc0579f-8113-47ea-b116-555a8db9202a", "YubiKey 5 Series with NFC", "deviceBound"),
    ("de1e552d-db1d-4423-a619-566b625cdc84", "Microsoft Authenticator for Android", "deviceBound"),
    ("90a3ccdf-635c-4729-a248-9b709135078f", "Microsoft Authenticator for iOS", "deviceBound"),
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain", "synced"),
];
