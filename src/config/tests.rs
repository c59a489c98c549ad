//! Tests of the config module: the schema table against the template and the docs, the file,
//! the environment and precedence.

use super::*;

fn parse(text: &str) -> Result<Overrides, ConfigError> {
    parse_file(text, Path::new("/x/config.toml"))
}

/// The `# key = value` lines of the template, uncommented (other lines unchanged).
fn uncommented(template: &str) -> String {
    template
        .lines()
        .map(|l| match commented_key(l) {
            Some(_) => l.trim_start_matches("# ").to_owned(),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Some(key)` for a commented setting line `# key = value`.
fn commented_key(line: &str) -> Option<&str> {
    let (k, _) = line.strip_prefix("# ")?.split_once(" = ")?;
    (!k.is_empty() && k.chars().all(|c| c == '_' || c.is_ascii_lowercase())).then_some(k)
}

/// The key path (`tap.one_time`) of every commented setting in `template`, in order.
fn template_keys(template: &str) -> Vec<String> {
    let mut table: Option<&str> = None;
    let mut out = Vec::new();
    for l in template.lines() {
        let t = l.trim();
        if t.starts_with('[') && t.ends_with(']') {
            table = Some(t.trim_matches(|c| c == '[' || c == ']'));
        } else if let Some(k) = commented_key(l) {
            out.push(match table {
                Some(t) => format!("{t}.{k}"),
                None => k.to_owned(),
            });
        }
    }
    out
}

#[test]
fn template_parses_and_every_commented_setting_is_valid() {
    assert_eq!(parse(TEMPLATE).unwrap(), Overrides::default());
    let f = parse(&uncommented(TEMPLATE)).unwrap();
    for s in SETTINGS {
        assert!(s.is_set(&f), "uncommenting the template sets `{}`", s.key);
    }
    assert_eq!(f.tenant.as_deref(), Some("contoso.onmicrosoft.com"));
    assert_eq!(f.cloud, Some(CloudName::Global));
    assert_eq!(f.auth, Some(AuthMode::DeviceCode));
    assert_eq!(f.clipboard, Some(ClipboardMode::Auto));
    assert_eq!(f.tap_lifetime_minutes, Some(60));
    assert_eq!(f.scopes.unwrap().len(), 6);
}

#[test]
fn template_asset_and_settings_table_agree() {
    let in_template = template_keys(TEMPLATE);
    let in_table: Vec<String> = SETTINGS.iter().map(|s| s.key.to_owned()).collect();
    for k in &in_table {
        assert_eq!(
            in_template.iter().filter(|t| *t == k).count(),
            1,
            "`{k}` appears once, commented, in assets/config.toml"
        );
    }
    for k in &in_template {
        assert!(in_table.contains(k), "assets/config.toml has `{k}`, which is not in SETTINGS");
    }
    // Same order as the table, so the docs and the template read alike.
    assert_eq!(in_template, in_table);
    // A setting line's comment block says what the setting is for.
    for s in SETTINGS {
        assert!(!s.help.is_empty() && !s.values.is_empty() && !s.default.is_empty(), "{s:?}");
        assert!(s.env.starts_with("TAPDESK_"), "{s:?}");
    }
}

#[test]
fn module_doc_table_is_the_settings_table() {
    let source = include_str!("mod.rs");
    let doc_rows: Vec<&str> = source.lines().filter_map(|l| l.strip_prefix("//! | `")).map(|l| l.trim_end()).collect();
    assert_eq!(doc_rows.len(), SETTINGS.len(), "one doc row per setting: {doc_rows:#?}");
    for (s, row) in SETTINGS.iter().zip(&doc_rows) {
        let key = match s.table() {
            Some(t) => format!("[{t}] {}", s.leaf()),
            None => s.key.to_owned(),
        };
        let want = format!("{key}` | {} | {} | `{}` |", s.values, s.default, s.env);
        assert_eq!(*row, want, "the module doc row for `{}` matches SETTINGS", s.key);
    }
}

#[test]
fn manual_lists_every_key_and_variable() {
    let manual = include_str!("../../docs/real-tenant.md");
    let start = manual.find("## 4. The configuration file").expect("config section");
    let section = &manual[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let keys = template_keys(&uncommented_all(section));
    for s in SETTINGS {
        assert!(section.contains(&format!("`{}`", s.env)), "docs/real-tenant.md §4 names {}", s.env);
        assert!(keys.iter().any(|k| k == s.key), "docs/real-tenant.md §4's example has `{}`: {keys:?}", s.key);
    }
}

/// Every `key = value` line of `text` as a commented one (`# key = value`), so `template_keys` reads
/// an example file whether its lines are commented or not.
fn uncommented_all(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.strip_prefix("# ").unwrap_or(l);
            if l.split_once(" = ").is_some() { format!("# {l}") } else { l.to_owned() }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn env_vars_list_every_setting_once() {
    let all: Vec<&str> = env_vars().collect();
    for s in SETTINGS {
        assert_eq!(all.iter().filter(|v| **v == s.env).count(), 1, "{}", s.env);
    }
    assert_eq!(all.first(), Some(&CONFIG_ENV));
    assert_eq!(all.len(), SETTINGS.len() + 1 + OTHER_ENV_VARS.len());
}

#[test]
fn file_problems_are_reported_in_file_order() {
    // Keys are stored sorted; the first problem reported is still the first line.
    let e = parse("zebra = 1\naardvark = 2\n").unwrap_err();
    assert!(matches!(&e, ConfigError::Parse { line: Some(1), key: Some(k), .. } if k == "zebra"), "{e}");
    let e = parse("tap = 5\n").unwrap_err();
    assert!(e.to_string().contains("key `tap`: invalid type: integer, expected the [tap] table"), "{e}");
    let e = parse("[colours]\nbg = 1\n").unwrap_err();
    assert!(e.to_string().contains("line 1, key `colours`: unknown field `colours`, expected one of `tenant`"), "{e}");
    let e = parse("[tap]\nonce = true\n").unwrap_err();
    assert!(e.to_string().ends_with("unknown field `once`, expected `lifetime_minutes` or `one_time`"), "{e}");
    // Dotted keys reach the same table.
    assert_eq!(parse("tap.one_time = true\n").unwrap().tap_one_time, Some(true));
}

#[test]
fn unknown_key_names_key_and_line() {
    let e = parse("tenant = \"contoso.example\"\ncolour = \"blue\"\n").unwrap_err();
    let ConfigError::Parse { line, key, message, .. } = &e else { panic!("{e}") };
    assert_eq!(*line, Some(2));
    assert_eq!(key.as_deref(), Some("colour"));
    assert!(message.contains("unknown field `colour`"), "{message}");
    assert!(e.to_string().starts_with("config file /x/config.toml, line 2, key `colour`: unknown field"), "{e}");
}

#[test]
fn bad_values_name_key_and_line() {
    let cases = [
        ("cloud = \"mars\"", 1, "cloud", "unknown variant `mars`"),
        ("\n\nauth = \"password\"", 3, "auth", "unknown variant `password`"),
        ("clipboard = \"xclip\"", 1, "clipboard", "use auto, native, osc52 or off"),
        ("clipboard_clear_seconds = -1", 1, "clipboard_clear_seconds", "invalid value"),
        ("tenant = \"contoso example\"", 1, "tenant", "not a tenant id"),
        ("require_ticket = \"yes\"", 1, "require_ticket", "invalid type"),
        ("[tap]\nlifetime_minutes = 5", 2, "tap.lifetime_minutes", "10 to 43200"),
        ("[tap]\nonce = true", 2, "tap.once", "unknown field `once`"),
        ("scopes = []", 1, "scopes", "empty"),
    ];
    for (text, want_line, want_key, want_msg) in cases {
        let e = parse(text).unwrap_err();
        let ConfigError::Parse { line, key, message, .. } = &e else { panic!("{e}") };
        assert_eq!(*line, Some(want_line), "{text}: {e}");
        assert_eq!(key.as_deref(), Some(want_key), "{text}: {e}");
        assert!(message.contains(want_msg), "{text}: {message}");
    }
}

#[test]
fn syntax_error_has_a_line() {
    let e = parse("tenant = \"x\"\nthis is not toml\n").unwrap_err();
    assert!(matches!(e, ConfigError::Parse { line: Some(2), .. }), "{e}");
}

fn env(pairs: &[(&str, &str)]) -> Result<Overrides, ConfigError> {
    Overrides::from_env(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
}

#[test]
fn environment_values_are_checked_and_named() {
    let o = env(&[
        ("TAPDESK_TENANT", "contoso.example"),
        ("TAPDESK_CLOUD", "usgov-dod"),
        ("TAPDESK_AUTH", "azure-cli"),
        ("TAPDESK_SCOPES", "User.Read.All, Policy.Read.All"),
        ("TAPDESK_REQUIRE_TICKET", "1"),
        ("TAPDESK_TAP_ONE_TIME", "no"),
        ("TAPDESK_CLIPBOARD", "OSC52"),
        ("TAPDESK_CLIENT_ID", ""),
        ("PATH", "/bin"),
    ])
    .unwrap();
    assert_eq!(o.cloud, Some(CloudName::UsgovDod));
    assert_eq!(o.auth, Some(AuthMode::AzureCli));
    assert_eq!(o.scopes.unwrap(), ["User.Read.All", "Policy.Read.All"]);
    assert_eq!(o.require_ticket, Some(true));
    assert_eq!(o.tap_one_time, Some(false));
    assert_eq!(o.clipboard, Some(ClipboardMode::Osc52));
    assert_eq!(o.client_id, None);

    let e = env(&[("TAPDESK_CLOUD", "mars")]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "environment variable TAPDESK_CLOUD: unknown cloud `mars`; use global, usgov, usgov-dod or china"
    );
    let e = env(&[("TAPDESK_TAP_LIFETIME_MINUTES", "ten")]).unwrap_err();
    assert!(e.to_string().contains("TAPDESK_TAP_LIFETIME_MINUTES: `ten` is not a whole number"), "{e}");
    let e = env(&[("TAPDESK_TENNANT", "x")]).unwrap_err();
    assert!(e.to_string().starts_with("environment variable TAPDESK_TENNANT: not a tapdesk setting"), "{e}");
}

#[test]
fn precedence_is_cli_then_env_then_file_then_defaults() {
    let file = Overrides {
        tenant: Some("file.example".into()),
        cloud: Some(CloudName::China),
        auth: Some(AuthMode::AzureCli),
        clipboard_clear_seconds: Some(10),
        require_ticket: Some(true),
        ..Overrides::default()
    };
    let env = Overrides { tenant: Some("env.example".into()), cloud: Some(CloudName::Usgov), ..Overrides::default() };
    let cli = Overrides { tenant: Some("cli.example".into()), ..Overrides::default() };
    let source = ConfigSource { path: None, found: false };
    let c = resolve(cli, env, file, source.clone());
    assert_eq!(c.tenant.as_deref(), Some("cli.example"));
    assert_eq!(c.cloud, CloudName::Usgov);
    assert_eq!(c.auth, AuthMode::AzureCli);
    assert_eq!(c.clipboard_clear_seconds, 10);
    assert!(c.require_ticket);
    assert_eq!(c.clipboard, ClipboardMode::Auto);

    let d = resolve(Overrides::default(), Overrides::default(), Overrides::default(), source);
    assert_eq!(d.cloud, CloudName::Global);
    assert_eq!(d.auth, AuthMode::DeviceCode);
    assert_eq!(d.clipboard_clear_seconds, DEFAULT_CLIPBOARD_CLEAR_SECONDS);
    assert_eq!(d.az_timeout, Duration::from_secs(DEFAULT_AZ_TIMEOUT_SECONDS));
    assert!(!d.require_ticket);
    assert_eq!(d.tap, TapDefaults::default());
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join(FILE_NAME);
    write_template(&path, false).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
    std::fs::write(&path, "tenant = \"mine.example\"\n").unwrap();
    let e = write_template(&path, false).unwrap_err();
    assert!(matches!(e, ConfigError::Exists(_)), "{e}");
    assert!(e.to_string().ends_with("already exists; pass --force to overwrite it"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "tenant = \"mine.example\"\n");
    write_template(&path, true).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
}

#[test]
fn explicit_file_must_exist_default_may_not() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    assert!(matches!(read_file_layer(Some(&missing)), Err(ConfigError::Read { .. })));
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "cloud = \"usgov\"\n[tap]\none_time = true\n").unwrap();
    let (o, src) = read_file_layer(Some(&path)).unwrap();
    assert_eq!(o.cloud, Some(CloudName::Usgov));
    assert_eq!(o.tap_one_time, Some(true));
    assert!(src.found);
}

#[test]
fn every_setting_takes_part_in_precedence() {
    let full = parse(&uncommented(TEMPLATE)).unwrap();
    let below = Overrides::default().or(full.clone());
    let above = full.clone().or(Overrides::default());
    for s in SETTINGS {
        assert!(s.is_set(&below), "a lower layer fills `{}`", s.key);
        assert!(s.is_set(&above), "a higher layer keeps `{}`", s.key);
    }
    let env = Overrides::from_env([("TAPDESK_TAP_LIFETIME_MINUTES".to_owned(), "90".to_owned())]).unwrap();
    assert_eq!(env.clone().or(full.clone()).tap_lifetime_minutes, Some(90));
    assert_eq!(full.or(env).tap_lifetime_minutes, Some(60));
}

#[test]
fn a_huge_value_is_not_echoed_whole() {
    let huge = "z".repeat(5000);
    let e = check_tenant(&huge).unwrap_err();
    assert!(e.len() < 200, "{e}");
    assert!(e.contains("… (5000 characters)"), "{e}");
    let e = parse(&format!("tenant = \"{huge}\"")).unwrap_err().to_string();
    assert!(e.len() < 300, "{e}");
}
